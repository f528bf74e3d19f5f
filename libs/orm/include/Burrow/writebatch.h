#pragma once

#include <Burrow/message.h>
#include <Burrow/ormglobal.h>

#include <QtCore/QCborMap>
#include <QtCore/QString>

#include <memory>

QT_BEGIN_NAMESPACE
struct QMetaObject;
QT_END_NAMESPACE

namespace Burrow {

class OrmDatabase;
class WriteBatchPrivate;

// Writes collected in memory and committed as one transaction: all of them or none.
// Get one from OrmDatabase::batch(). Values are converted when a write is added (a wrong-typed
// value makes the batch fail at commit()); nothing touches the database before commit().
// In a versioned table, a batch of N writes gets N consecutive versions, assigned inside the
// transaction: a batch that fails consumes none.
//
// Inserted records get their id when they are added (the record's own id if it is not 0),
// so it can be used right away, e.g. for references within the same batch.
// Movable, not copyable. Use it in the database's thread.
class BURROW_ORM_EXPORT WriteBatch
{
public:
    WriteBatch();
    WriteBatch(WriteBatch &&other) noexcept;
    WriteBatch &operator=(WriteBatch &&other) noexcept;
    ~WriteBatch();

    // Typed writes. insert() returns the id the record will have (0 if the batch has failed).
    template<typename T>
    qint64 insert(const T &record) { return insertRecord(T::staticMetaObject, &record); }
    template<typename T>
    void update(const T &record) { updateRecord(T::staticMetaObject, &record); }
    template<typename T>
    void remove(qint64 id) { removeRecord(T::staticMetaObject, id); }

    // Untyped writes: rows keyed by column name (see OrmDatabase::insertRow()).
    qint64 insertRow(const QString &table, const QCborMap &row);
    void updateRow(const QString &table, qint64 id, const QCborMap &values);
    void removeRow(const QString &table, qint64 id);

    // Runs every write in one transaction. On failure nothing is written and the batch keeps
    // its writes (fix the cause and commit again, or drop it); on success the batch is empty.
    bool commit();
    void clear();

    int size() const;
    bool isEmpty() const { return size() == 0; }
    // The first failure: a write that could not be added, or the commit's.
    ErrorCode error() const;
    QString errorString() const;

    // After a successful commit: the versions its writes were stamped with (0, 0 when it
    // wrote no versioned table).
    qint64 firstVersion() const;
    qint64 lastVersion() const;

private:
    friend class OrmDatabase;
    explicit WriteBatch(OrmDatabase *database);
    qint64 insertRecord(const QMetaObject &metaObject, const void *record);
    void updateRecord(const QMetaObject &metaObject, const void *record);
    void removeRecord(const QMetaObject &metaObject, qint64 id);

    std::unique_ptr<WriteBatchPrivate> d;
};

} // namespace Burrow
