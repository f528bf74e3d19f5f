#pragma once

#include <Burrow/message.h>
#include <Burrow/ormglobal.h>
#include <Burrow/recordchange.h>
#include <Burrow/tableinfo.h>
#include <Burrow/writebatch.h>

#include <QtCore/QCborArray>
#include <QtCore/QCborMap>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QVariantList>

#include <functional>
#include <memory>
#include <optional>

namespace Burrow {

class OrmDatabasePrivate;

// One SQLite file holding ORM tables. Records are Q_GADGET structs whose stored, writable
// Q_PROPERTYs are the columns; a qint64 property "id" is the primary key and an optional
// qint64 property "version" makes the table versioned (see docs/ORM.md):
//
//     struct Person {
//         Q_GADGET
//         Q_CLASSINFO("BurrowTable", "People")   // optional: the struct name otherwise
//         Q_PROPERTY(qint64 id MEMBER id)
//         Q_PROPERTY(qint64 version MEMBER version)
//         Q_PROPERTY(QString name MEMBER name)
//     public:
//         qint64 id = 0;
//         qint64 version = 0;
//         QString name;
//         bool operator==(const Person &) const = default;
//     };
//
// Every write is a transaction of its own unless it goes through a WriteBatch. In versioned
// tables each inserted or updated row is stamped with a new database-wide version and each
// delete leaves a tombstone, which is what changesSince() feeds to replication.
//
// Thread affinity: use the object only from the thread it lives in (the SQL connection is
// created by open() and belongs to that thread). Errors: functions return false / 0 /
// std::nullopt / an empty list and set error() and errorString(); a successful call resets them.
class BURROW_ORM_EXPORT OrmDatabase : public QObject
{
    Q_OBJECT
public:
    explicit OrmDatabase(QObject *parent = nullptr);
    ~OrmDatabase() override;

    // Opens (or creates) the file, in WAL mode with synchronous=NORMAL.
    bool open(const QString &fileName);
    void close();
    bool isOpen() const;
    QString fileName() const;

    ErrorCode error() const;
    QString errorString() const;

    // --- Tables --------------------------------------------------------------------------
    // Creates the table, or adds the columns it lacks (existing columns are never dropped or
    // changed). Registering the same declaration again is a no-op.
    template<typename T>
    bool registerTable() { return registerTable(T::staticMetaObject); }
    bool registerTable(const QMetaObject &metaObject);
    // Q_CLASSINFO("BurrowTable", ...) or the class name without namespaces.
    static QString tableName(const QMetaObject &metaObject);
    template<typename T>
    static QString tableName() { return tableName(T::staticMetaObject); }

    QStringList tableNames() const;
    bool hasTable(const QString &table) const;
    TableInfo tableInfo(const QString &table) const;

    // A read-only table refuses local writes (ErrorCode::ReadOnly); applyChanges() still writes
    // it. For tables replicated from a master. Not persisted: set it after each open().
    void setReadOnly(const QString &table, bool readOnly);
    bool isReadOnly(const QString &table) const;

    // --- Typed records -------------------------------------------------------------------
    // Sets record.id (when it was 0) and, in a versioned table, record.version. Returns the id,
    // or 0 on failure. A non-zero id is kept; ErrorCode::Conflict if it exists already.
    template<typename T>
    qint64 insert(T &record) { return insertRecord(T::staticMetaObject, &record); }
    // Writes every column of the record with that id; ErrorCode::NotFound if there is none.
    template<typename T>
    bool update(const T &record) { return updateRecord(T::staticMetaObject, &record); }
    template<typename T>
    bool remove(qint64 id) { return removeRecord(T::staticMetaObject, id); }
    // std::nullopt with ErrorCode::NotFound if there is no such record.
    template<typename T>
    std::optional<T> record(qint64 id) const
    {
        T result{};
        if (!readRecord(T::staticMetaObject, id, &result))
            return std::nullopt;
        return result;
    }
    // `where` is an SQL condition with '?' placeholders for bindValues, e.g.
    // records<Person>("age > ? AND name LIKE ?", {30, "A%"}). Never put untrusted text in it:
    // bind it. Ordered by id; limit < 0 means no limit.
    template<typename T>
    QList<T> records(const QString &where = {}, const QVariantList &bindValues = {},
                     qint64 limit = -1, qint64 offset = 0) const
    {
        QList<T> result;
        readRecords(T::staticMetaObject, where, bindValues, limit, offset,
                    [&result]() -> void * { return &result.emplace_back(); });
        return result;
    }
    template<typename T>
    qint64 count(const QString &where = {}, const QVariantList &bindValues = {}) const
    {
        return countRows(tableName(T::staticMetaObject), where, bindValues);
    }

    // --- Untyped rows (REST, replication) ------------------------------------------------
    // Rows are maps from column name to value in the CBOR forms of marshal.h (a QDateTime is
    // ISO 8601 text, an enum its key name, a QByteArray a byte string, ...). Writing: missing
    // columns get the type's default value, unknown columns are an error (InvalidArguments),
    // "version" is ignored (the database stamps it), "id" is used by insertRow() if not 0.
    qint64 insertRow(const QString &table, const QCborMap &row);
    // Writes only the columns present in `values` ("id" must be absent or equal to id).
    bool updateRow(const QString &table, qint64 id, const QCborMap &values);
    bool removeRow(const QString &table, qint64 id);
    std::optional<QCborMap> row(const QString &table, qint64 id) const;
    QList<QCborMap> rows(const QString &table, const QString &where = {},
                         const QVariantList &bindValues = {}, qint64 limit = -1,
                         qint64 offset = 0) const;
    // -1 on failure.
    qint64 countRows(const QString &table, const QString &where = {},
                     const QVariantList &bindValues = {}) const;

    WriteBatch batch();

    // --- Versions and the change feed ----------------------------------------------------
    // The last version stamped (or raised to by applyChanges()); 0 for a new database.
    // Strictly increasing, database-wide, persisted with the rows it stamps.
    qint64 currentVersion() const;

    // Changes of a versioned table with a version above `version`, in version order, at most
    // `limit` of them: one Upsert (the current full row) per record written since, one Delete
    // per record deleted since. Page with the version of the last change received.
    // *upToVersion receives the version the receiver is up to date with once it has applied
    // the result: currentVersion() when the result is complete (fewer than limit changes),
    // otherwise the last change's version. Pass it to applyChanges().
    QList<RecordChange> changesSince(const QString &table, qint64 version, int limit,
                                     qint64 *upToVersion = nullptr) const;
    // The same in the CBOR form of RecordChange::listToCbor(), built directly (what
    // replication sends): cheaper than changesSince() then listToCbor().
    QCborArray encodedChangesSince(const QString &table, qint64 version, int limit,
                                   qint64 *upToVersion = nullptr) const;

    // Receiving side: applies the changes (upserts keep the sender's id and version, deletes
    // remove the row and keep the tombstone) and records upToVersion as the table's
    // appliedVersion(), all in one transaction: never a partial batch. Changes at or below
    // appliedVersion() are skipped, so applying the same changes twice changes nothing.
    // Row columns this table lacks are ignored; columns the row lacks get default values.
    // Works on read-only tables. Raises currentVersion() to at least upToVersion.
    bool applyChanges(const QString &table, const QList<RecordChange> &changes,
                      qint64 upToVersion);
    // The same from the CBOR form of RecordChange::listToCbor() (what replication carries),
    // decoded as it is applied, without RecordChange objects. A malformed list fails with
    // InvalidArguments before anything is written. *appliedCount: the changes above
    // appliedVersion() that were applied.
    bool applyEncodedChanges(const QString &table, const QCborArray &changes, qint64 upToVersion,
                             int *appliedCount = nullptr);
    // The upToVersion of the last successful applyChanges() for the table (persisted); 0 if none.
    qint64 appliedVersion(const QString &table) const;

    // The bounds of the write transaction that stamped `version`, when it stamped more than one
    // version: true with *firstVersion <= version <= *lastVersion. Every such transaction
    // (a batch, or an applyChanges() of several changes) records its bounds with its rows, so
    // that a reader of changesSince() can end a page between transactions. False, without an
    // error, for a single-version transaction or one written by a Burrow without this record.
    bool transactionBounds(qint64 version, qint64 *firstVersion, qint64 *lastVersion) const;

Q_SIGNALS:
    // After every successful write transaction (single write, batch or applyChanges()), in
    // the database's thread. fromVersion..toVersion are the versions stamped or applied
    // (both 0 when only unversioned tables were written). For live replication: fetch with
    // changesSince(table, fromVersion - 1, ...).
    void committed(const QStringList &tables, qint64 fromVersion, qint64 toVersion);

private:
    friend class WriteBatch;
    friend class WriteBatchPrivate;
    friend class OrmDatabasePrivate;
    qint64 insertRecord(const QMetaObject &metaObject, void *record);
    bool updateRecord(const QMetaObject &metaObject, const void *record);
    bool removeRecord(const QMetaObject &metaObject, qint64 id);
    bool readRecord(const QMetaObject &metaObject, qint64 id, void *record) const;
    bool readRecords(const QMetaObject &metaObject, const QString &where,
                     const QVariantList &bindValues, qint64 limit, qint64 offset,
                     const std::function<void *()> &append) const;

    std::unique_ptr<OrmDatabasePrivate> d;
};

} // namespace Burrow
