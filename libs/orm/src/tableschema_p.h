#pragma once

// How a record's declaration maps to an SQLite table, and the value conversions between the
// three forms a column value takes: the C++ value (a QVariant of the property's type), the
// stored value (what is bound to / read from SQLite) and the CBOR value (marshal.h forms, used
// by untyped rows, REST and the change feed).

#include <Burrow/tableinfo.h>

#include <QtCore/QCborValue>
#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QMetaObject>
#include <QtCore/QMetaProperty>
#include <QtCore/QString>
#include <QtCore/QVariant>

namespace Burrow {

enum class ColumnKind : quint8 {
    Bool,      // INTEGER 0/1
    Integer,   // INTEGER: signed integers and char types up to 64 bits
    Unsigned,  // INTEGER: unsigned integers; a quint64 above INT64_MAX is stored wrapped
    Enum,      // INTEGER: Q_ENUM / Q_FLAG and other enumerations, by value
    Real,      // REAL: float, double
    Text,      // TEXT: QString
    Blob,      // BLOB: QByteArray
    DateTime,  // TEXT: ISO 8601 UTC with milliseconds, NULL when invalid
    Date,      // TEXT: yyyy-MM-dd, NULL when invalid
    Time,      // TEXT: HH:mm:ss.zzz, NULL when invalid
    Uuid,      // TEXT: 8-4-4-4-12 lower-case hex without braces
    Url,       // TEXT: fully encoded
    Cbor,      // BLOB: the marshal.h CBOR encoding, for every other marshallable type
};

struct Column
{
    QString name;
    QByteArray quotedName;  // "name", for SQL text
    QMetaType type;
    ColumnKind kind = ColumnKind::Cbor;
    int propertyIndex = -1;
    QMetaProperty property;
    QVariant storedDefaultValue; // defaultStored(), computed once

    const char *sqlType() const;
    // SQL literal used as DEFAULT and for rows written before the column existed.
    const char *sqlDefault() const;

    // C++ value (of `type`) -> stored value.
    QVariant toStored(const QVariant &value) const;
    // Stored value -> C++ value of `type`; NULL gives the default-constructed value.
    QVariant fromStored(const QVariant &stored) const;
    // Stored value -> CBOR (marshal.h form of the C++ value).
    QCborValue cborFromStored(const QVariant &stored) const;
    // CBOR -> stored value, checking it is a valid `type`. On failure says why in *errorString.
    bool storedFromCbor(const QCborValue &value, QVariant *stored, QString *errorString) const;
    // Stored form of the default-constructed C++ value.
    QVariant defaultStored() const;
};

// The table a Q_GADGET declares. Column order is declaration order.
struct TableSchema
{
    QString name;
    QByteArray quotedName;
    const QMetaObject *metaObject = nullptr;
    QList<Column> columns;
    int idColumn = -1;
    int versionColumn = -1;
    // Columns other than id and version, in declaration order: the "data" of a row.
    QList<int> dataColumns;
    QHash<QString, int> columnByName; // exact names

    bool isVersioned() const { return versionColumn >= 0; }
    // Builds the schema from the meta-object; false (and *errorString) if it is not usable.
    static bool fromMetaObject(const QMetaObject &metaObject, TableSchema *schema,
                               QString *errorString);
    TableInfo info() const;
};

QByteArray quoteIdentifier(const QString &identifier);
// Q_CLASSINFO("BurrowTable", ...) or the class name without namespaces.
QString tableNameOf(const QMetaObject &metaObject);

} // namespace Burrow
