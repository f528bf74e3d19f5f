#pragma once

#include "checkpointer_p.h"
#include "sqlitestatement_p.h"
#include "tableschema_p.h"

#include <Burrow/ormdatabase.h>

#include <QtCore/QHash>
#include <QtCore/QPointer>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>

#include <memory>
#include <optional>
#include <vector>

QT_BEGIN_NAMESPACE
class QThread;
QT_END_NAMESPACE

namespace Burrow {

// A registered table: its schema, state and cached prepared statements.
struct Table
{
    TableSchema schema;
    bool readOnly = false;
    qint64 nextId = 1;      // ids are assigned by the database object, never reused
    int chunkRows = 1;      // rows per multi-row INSERT statement
    QList<int> storageOrder; // column indices as statements list them: id, version, data...
    QList<int> storagePosition; // the inverse: column index -> position in statements
    QByteArray storageColumns; // the same as SQL: "id","version","name",...

    // Once per row: bound with the SQLite API (see SqliteStatement).
    SqliteStatement insertOne;
    SqliteStatement insertChunk;
    std::optional<QSqlQuery> updateAll;
    std::optional<QSqlQuery> removeOne;
    std::optional<QSqlQuery> selectOne;
    SqliteStatement replaceOne;
    SqliteStatement replaceChunk;
    std::optional<QSqlQuery> changedRows; // changesSince()

    const QString &name() const { return schema.name; }
    bool isVersioned() const { return schema.isVersioned(); }
};

// One write waiting in a batch. Values live in BatchData::values, in the order of the table's
// data columns (or of the listed columns for UpdateColumns), already in stored form.
struct Operation
{
    enum Kind : quint8 { Insert, Update, UpdateColumns, Remove };
    Kind kind = Insert;
    int table = -1;        // index into OrmDatabasePrivate::tables
    qint64 id = 0;
    qsizetype values = 0;  // offset into BatchData::values
    int columns = -1;      // UpdateColumns: index into BatchData::columnLists
};

struct BatchData
{
    QList<Operation> operations;
    QList<QVariant> values;
    QList<QList<int>> columnLists;
    int generation = -1; // OrmDatabasePrivate::generation the table indices belong to
    ErrorCode error = ErrorCode::NoError;
    QString errorString;

    bool fail(ErrorCode code, const QString &message)
    {
        if (error == ErrorCode::NoError) {
            error = code;
            errorString = message;
        }
        return false;
    }
    bool hasFailed() const { return error != ErrorCode::NoError; }
    void clear()
    {
        operations.clear();
        values.clear();
        columnLists.clear();
        generation = -1;
        error = ErrorCode::NoError;
        errorString.clear();
    }
};

// A change being applied (applyChanges()); an upsert's stored values are the next ones in the
// values list that goes with it.
struct PendingChange
{
    RecordChange::Kind kind;
    qint64 id;
    qint64 version;
};

enum class InsertMode { Insert, Replace };
// "INSERT [OR REPLACE] INTO table (id, version, ...) VALUES (?, ...), ..." for `rows` rows.
QString insertStatement(const Table *table, int rows, InsertMode mode);

class WriteBatchPrivate
{
public:
    QPointer<OrmDatabase> database;
    BatchData data;
    qint64 firstVersion = 0;
    qint64 lastVersion = 0;
    ErrorCode commitError = ErrorCode::NoError;
    QString commitErrorString;
};

class OrmDatabasePrivate
{
public:
    explicit OrmDatabasePrivate(OrmDatabase *publicObject) : q(publicObject) {}
    static OrmDatabasePrivate *get(OrmDatabase *database) { return database->d.get(); }

    OrmDatabase *q;
    QString connectionName;
    QString fileName;
    QSqlDatabase connection;
    QThread *connectionThread = nullptr;
    std::unique_ptr<WalCheckpointer> checkpointer; // for files (not :memory:)
    sqlite3 *handle = nullptr; // the connection's own, for SqliteStatement
    int generation = 0; // incremented by open(): batches from before are refused
    std::vector<std::unique_ptr<Table>> tables;
    QHash<QString, int> tableByName;
    QHash<const QMetaObject *, int> tableByMetaObject;
    qint64 currentVersion = 0;

    std::optional<QSqlQuery> writeTombstone;
    std::optional<QSqlQuery> writeTransaction;
    std::optional<QSqlQuery> readTransaction;
    std::optional<QSqlQuery> tombstonesSince;
    std::optional<QSqlQuery> readMeta;
    std::optional<QSqlQuery> writeMeta;

    mutable ErrorCode error = ErrorCode::NoError;
    mutable QString errorString;

    // Errors. fail() returns false so callers can `return fail(...)`.
    bool fail(ErrorCode code, const QString &message) const;
    bool failQuery(const QSqlQuery &query, const QString &what) const;
    void clearError() const
    {
        error = ErrorCode::NoError;
        errorString.clear();
    }
    // Open and used from the connection's thread; sets the error otherwise.
    bool checkUsable() const;

    Table *table(const QString &name) const;
    Table *table(const QMetaObject &metaObject) const;
    int tableIndex(const QString &name) const { return tableByName.value(name, -1); }
    // Looks the table up, setting NotFound if it is not registered.
    Table *findTable(const QString &name) const;
    Table *findTable(const QMetaObject &metaObject) const;

    // Statements.
    bool exec(const QString &sql, const QString &what) const;
    QSqlQuery *prepared(std::optional<QSqlQuery> &slot, const QString &sql) const;
    SqliteStatement *prepared(SqliteStatement &slot, const QString &sql) const;
    // A failed SqliteStatement::exec(): warns and sets the error, returns false.
    bool failStatement(const QString &what, const QString &why) const;
    bool beginWrite() const;
    bool commit() const;
    void rollback() const;
    // burrow_meta key/value rows.
    std::optional<qint64> metaValue(const QString &key) const;
    bool setMetaValue(const QString &key, qint64 value);

    // Schema.
    bool migrate(Table *table);
    void prepareStatementText(Table *table);

    // Reads.
    QCborMap rowFromQuery(const Table *table, const QSqlQuery &query) const;
    void recordFromQuery(const Table *table, const QSqlQuery &query, void *record) const;
    bool selectRows(const Table *table, const QString &where, const QVariantList &bindValues,
                    qint64 limit, qint64 offset, QSqlQuery *query) const;

    // Queueing writes (WriteBatch and the single-write functions).
    bool queueInsertRecord(BatchData &batch, const QMetaObject &metaObject, const void *record,
                           qint64 *id);
    bool queueUpdateRecord(BatchData &batch, const QMetaObject &metaObject, const void *record);
    bool queueRemove(BatchData &batch, Table *table, qint64 id);
    bool queueInsertRow(BatchData &batch, const QString &tableName, const QCborMap &row, qint64 *id);
    bool queueUpdateRow(BatchData &batch, const QString &tableName, qint64 id, const QCborMap &row);
    bool checkWritable(BatchData &batch, const Table *table) const;
    qint64 reserveId(Table *table, qint64 requested);
    // Converts a row's values to stored form: data columns in order, defaults for missing
    // ones. strict: unknown columns are an error (otherwise ignored). *id gets "id" if present.
    bool storedFromRow(const Table *table, const QCborMap &row, bool strict, QList<QVariant> *values,
                       qint64 *id, QList<int> *presentColumns, QString *why) const;

    // Runs a batch as one transaction; the versions it stamped go to *first / *last.
    bool execute(BatchData &batch, qint64 *first, qint64 *last);
    bool executeInserts(const BatchData &batch, qsizetype begin, qsizetype end, qint64 *version,
                        qsizetype *failedAt);
    bool executeOne(const BatchData &batch, const Operation &operation, qint64 *version);
    bool bindInsertRow(SqliteStatement *query, int base, const Table *table, const BatchData &batch,
                       const Operation &operation, qint64 version) const;
    bool writeTombstoneRow(const Table *table, qint64 id, qint64 version);
    // applyChanges(): the table, if versioned (sets the error otherwise).
    Table *tableToApply(const QString &name);
    // Writes converted changes and the applied version in one transaction.
    bool applyPending(Table *table, const QList<PendingChange> &pending, const QList<QVariant> &values,
                      qint64 upToVersion);
    // Records the bounds of the running transaction when it stamps more than one version.
    bool writeTransactionBounds(qint64 firstVersion, qint64 lastVersion);
};

} // namespace Burrow
