#pragma once

#include <Burrow/ormglobal.h>

#include <QtCore/QCborArray>
#include <QtCore/QCborMap>
#include <QtCore/QCborValue>
#include <QtCore/QList>
#include <QtCore/QString>

namespace Burrow {

// One entry of a versioned table's change feed (OrmDatabase::changesSince()), and what
// OrmDatabase::applyChanges() consumes on the receiving side.
struct BURROW_ORM_EXPORT RecordChange
{
    // The numbers are part of the CBOR form: never renumber.
    enum Kind : int {
        Upsert = 0, // the record now has these values (row holds every column, id and version too)
        Delete = 1, // the record was deleted (a tombstone): row is empty
    };

    Kind kind = Upsert;
    qint64 id = 0;
    qint64 version = 0; // database-wide version that the write was stamped with
    QCborMap row;       // column name -> value in the marshal.h CBOR forms: id, version, then
                        // the other columns in declaration order

    // Compact form, one array per change (id and version are not repeated inside the row):
    //   [0, id, version, {column: value, ...}]   upsert
    //   [1, id, version]                         delete
    QCborValue toCbor() const;
    // On failure returns false, leaves *change unchanged and says why in *errorString.
    static bool fromCbor(const QCborValue &value, RecordChange *change, QString *errorString = nullptr);

    static QCborArray listToCbor(const QList<RecordChange> &changes);
    static bool listFromCbor(const QCborValue &value, QList<RecordChange> *changes,
                             QString *errorString = nullptr);

    bool operator==(const RecordChange &other) const = default;
};

} // namespace Burrow
