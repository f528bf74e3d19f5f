#pragma once

#include <Burrow/ormglobal.h>

#include <QtCore/QList>
#include <QtCore/QMetaType>
#include <QtCore/QString>

QT_BEGIN_NAMESPACE
struct QMetaObject;
QT_END_NAMESPACE

namespace Burrow {

// One column of an ORM table: a stored, writable Q_PROPERTY of the record's Q_GADGET.
struct ColumnInfo
{
    QString name;       // the property name, also the SQLite column name
    QMetaType type;     // the property's C++ type
    QString sqlType;    // the SQLite declared type: INTEGER, REAL, TEXT or BLOB (see docs/ORM.md)
    bool isCbor = false; // stored as a CBOR-encoded BLOB (types without a native mapping)
};

// What OrmDatabase knows about a registered table.
struct TableInfo
{
    QString name;
    QList<ColumnInfo> columns;        // in declaration order, "id" (and "version") included
    const QMetaObject *metaObject = nullptr;
    bool isVersioned = false;         // has a "version" property: writes are stamped and fed
    bool isReadOnly = false;          // see OrmDatabase::setReadOnly()

    bool isValid() const { return !name.isEmpty(); }
    int columnIndex(const QString &columnName) const
    {
        for (int i = 0; i < columns.size(); ++i) {
            if (columns.at(i).name == columnName)
                return i;
        }
        return -1;
    }
};

} // namespace Burrow
