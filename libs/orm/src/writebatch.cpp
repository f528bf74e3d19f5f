// Writes: queueing them (WriteBatch and the single-write functions of OrmDatabase, which are
// one-write batches) and running a batch as one transaction with version stamping.

#include "ormdatabase_p.h"

#include "logging_p.h"

#include <QtSql/QSqlError>

namespace Burrow {

namespace {
const QString currentVersionKey = QStringLiteral("currentVersion");

} // namespace

// --- Queueing ------------------------------------------------------------------------------

static bool attach(OrmDatabasePrivate *database, BatchData &batch)
{
    if (batch.hasFailed())
        return false; // the first failure stands; later writes are not added
    if (!database->checkUsable())
        return batch.fail(database->error, database->errorString);
    if (batch.generation < 0)
        batch.generation = database->generation;
    else if (batch.generation != database->generation)
        return batch.fail(ErrorCode::Unavailable,
                          QStringLiteral("the batch was started before the database was reopened"));
    return true;
}

bool OrmDatabasePrivate::checkWritable(BatchData &batch, const Table *table) const
{
    if (!table->readOnly)
        return true;
    return batch.fail(ErrorCode::ReadOnly,
                      QStringLiteral("table %1 is read-only (replicated): only applyChanges() writes it")
                              .arg(table->name()));
}

qint64 OrmDatabasePrivate::reserveId(Table *table, qint64 requested)
{
    if (requested > 0) {
        table->nextId = qMax(table->nextId, requested + 1);
        return requested;
    }
    return table->nextId++;
}

bool OrmDatabasePrivate::queueInsertRecord(BatchData &batch, const QMetaObject &metaObject,
                                           const void *record, qint64 *id)
{
    if (!attach(this, batch))
        return false;
    Table *table = this->table(metaObject);
    if (!table) {
        return batch.fail(ErrorCode::NotFound, QStringLiteral("%1 is not registered: call registerTable() first")
                                                       .arg(QString::fromLatin1(metaObject.className())));
    }
    if (!checkWritable(batch, table))
        return false;
    const TableSchema &schema = table->schema;
    const qint64 requested = schema.columns.at(schema.idColumn).property.readOnGadget(record).toLongLong();
    if (requested < 0)
        return batch.fail(ErrorCode::InvalidArguments, QStringLiteral("negative id %1 for table %2")
                                                               .arg(requested).arg(table->name()));
    Operation operation;
    operation.kind = Operation::Insert;
    operation.table = tableByName.value(table->name());
    operation.values = batch.values.size();
    for (int column : schema.dataColumns) {
        const Column &c = schema.columns.at(column);
        batch.values.append(c.toStored(c.property.readOnGadget(record)));
    }
    operation.id = reserveId(table, requested);
    batch.operations.append(operation);
    *id = operation.id;
    return true;
}

bool OrmDatabasePrivate::queueUpdateRecord(BatchData &batch, const QMetaObject &metaObject,
                                           const void *record)
{
    if (!attach(this, batch))
        return false;
    Table *table = this->table(metaObject);
    if (!table) {
        return batch.fail(ErrorCode::NotFound, QStringLiteral("%1 is not registered: call registerTable() first")
                                                       .arg(QString::fromLatin1(metaObject.className())));
    }
    if (!checkWritable(batch, table))
        return false;
    const TableSchema &schema = table->schema;
    Operation operation;
    operation.kind = Operation::Update;
    operation.table = tableByName.value(table->name());
    operation.id = schema.columns.at(schema.idColumn).property.readOnGadget(record).toLongLong();
    if (operation.id <= 0) {
        return batch.fail(ErrorCode::NotFound, QStringLiteral("cannot update a record of %1 without an id")
                                                       .arg(table->name()));
    }
    operation.values = batch.values.size();
    for (int column : schema.dataColumns) {
        const Column &c = schema.columns.at(column);
        batch.values.append(c.toStored(c.property.readOnGadget(record)));
    }
    batch.operations.append(operation);
    return true;
}

bool OrmDatabasePrivate::queueRemove(BatchData &batch, Table *table, qint64 id)
{
    if (!attach(this, batch))
        return false;
    if (!checkWritable(batch, table))
        return false;
    Operation operation;
    operation.kind = Operation::Remove;
    operation.table = tableByName.value(table->name());
    operation.id = id;
    batch.operations.append(operation);
    return true;
}

bool OrmDatabasePrivate::storedFromRow(const Table *table, const QCborMap &row, bool strict,
                                       QList<QVariant> *values, qint64 *id,
                                       QList<int> *presentColumns, QString *why) const
{
    const TableSchema &schema = table->schema;
    const int dataOffset = schema.isVersioned() ? 2 : 1; // data columns follow id (and version)
    if (!presentColumns) {
        for (int column : schema.dataColumns)
            values->append(schema.columns.at(column).storedDefaultValue);
    }
    const qsizetype base = values->size() - (presentColumns ? 0 : schema.dataColumns.size());
    for (auto it = row.cbegin(); it != row.cend(); ++it) {
        if (!it.key().isString()) {
            *why = QStringLiteral("%1: column names must be strings").arg(table->name());
            return false;
        }
        const QString name = it.key().toString();
        const int column = schema.columnByName.value(name, -1);
        if (column < 0) {
            if (!strict)
                continue;
            *why = QStringLiteral("table %1 has no column \"%2\"").arg(table->name(), name);
            return false;
        }
        const QCborValue value = it.value();
        if (column == schema.idColumn) {
            qint64 rowId = 0;
            if (value.isInteger()) {
                rowId = value.toInteger();
            } else if (value.isDouble() && value.toDouble() == double(qint64(value.toDouble()))) {
                rowId = qint64(value.toDouble());
            } else if (!value.isNull() && !value.isUndefined()) {
                *why = QStringLiteral("%1.id: expected an integer").arg(table->name());
                return false;
            }
            if (rowId < 0) {
                *why = QStringLiteral("%1.id: negative id %2").arg(table->name()).arg(rowId);
                return false;
            }
            if (id)
                *id = rowId;
            continue;
        }
        if (column == schema.versionColumn)
            continue; // stamped by the database (or taken from the change)
        QVariant stored;
        QString reason;
        if (!schema.columns.at(column).storedFromCbor(value, &stored, &reason)) {
            *why = QStringLiteral("%1.%2: %3").arg(table->name(), name, reason);
            return false;
        }
        if (presentColumns) {
            if (presentColumns->contains(column))
                continue;
            presentColumns->append(column);
            values->append(stored);
        } else {
            (*values)[base + table->storagePosition.at(column) - dataOffset] = stored;
        }
    }
    return true;
}

bool OrmDatabasePrivate::queueInsertRow(BatchData &batch, const QString &tableName,
                                        const QCborMap &row, qint64 *id)
{
    if (!attach(this, batch))
        return false;
    Table *table = this->table(tableName);
    if (!table)
        return batch.fail(ErrorCode::NotFound, QStringLiteral("unknown table %1").arg(tableName));
    if (!checkWritable(batch, table))
        return false;
    Operation operation;
    operation.kind = Operation::Insert;
    operation.table = tableByName.value(tableName);
    operation.values = batch.values.size();
    qint64 requested = 0;
    QString why;
    if (!storedFromRow(table, row, true, &batch.values, &requested, nullptr, &why)) {
        batch.values.resize(operation.values);
        return batch.fail(ErrorCode::InvalidArguments, why);
    }
    operation.id = reserveId(table, requested);
    batch.operations.append(operation);
    *id = operation.id;
    return true;
}

bool OrmDatabasePrivate::queueUpdateRow(BatchData &batch, const QString &tableName, qint64 id,
                                        const QCborMap &row)
{
    if (!attach(this, batch))
        return false;
    Table *table = this->table(tableName);
    if (!table)
        return batch.fail(ErrorCode::NotFound, QStringLiteral("unknown table %1").arg(tableName));
    if (!checkWritable(batch, table))
        return false;
    Operation operation;
    operation.kind = Operation::UpdateColumns;
    operation.table = tableByName.value(tableName);
    operation.id = id;
    operation.values = batch.values.size();
    qint64 rowId = id;
    QList<int> columns;
    QString why;
    if (!storedFromRow(table, row, true, &batch.values, &rowId, &columns, &why)) {
        batch.values.resize(operation.values);
        return batch.fail(ErrorCode::InvalidArguments, why);
    }
    if (rowId != id && rowId != 0) {
        batch.values.resize(operation.values);
        return batch.fail(ErrorCode::InvalidArguments,
                          QStringLiteral("%1: the row says id %2, the update is for id %3")
                                  .arg(tableName).arg(rowId).arg(id));
    }
    operation.columns = int(batch.columnLists.size());
    batch.columnLists.append(columns);
    batch.operations.append(operation);
    return true;
}

// --- Running a batch -----------------------------------------------------------------------

bool OrmDatabasePrivate::bindInsertRow(SqliteStatement *query, int base, const Table *table,
                                       const BatchData &batch, const Operation &operation,
                                       qint64 version) const
{
    int position = base;
    query->bind(position++, operation.id);
    if (table->isVersioned())
        query->bind(position++, version);
    const qsizetype count = table->schema.dataColumns.size();
    for (qsizetype i = 0; i < count; ++i)
        query->bind(position++, batch.values.at(operation.values + i));
    return true;
}

bool OrmDatabasePrivate::writeTombstoneRow(const Table *table, qint64 id, qint64 version)
{
    QSqlQuery *query = prepared(writeTombstone,
                                QStringLiteral("INSERT OR REPLACE INTO burrow_tombstones "
                                               "(table_name, id, version) VALUES (?, ?, ?)"));
    if (!query)
        return false;
    query->bindValue(0, table->name());
    query->bindValue(1, id);
    query->bindValue(2, version);
    if (!query->exec())
        return failQuery(*query, QStringLiteral("writing the tombstone of %1 %2").arg(table->name()).arg(id));
    return true;
}

bool OrmDatabasePrivate::writeTransactionBounds(qint64 firstVersion, qint64 lastVersion)
{
    if (lastVersion <= firstVersion)
        return true; // one version: nothing to split
    QSqlQuery *query = prepared(writeTransaction,
                                QStringLiteral("INSERT OR REPLACE INTO burrow_transactions "
                                               "(last_version, first_version) VALUES (?, ?)"));
    if (!query)
        return false;
    query->bindValue(0, lastVersion);
    query->bindValue(1, firstVersion);
    if (!query->exec())
        return failQuery(*query, QStringLiteral("recording transaction %1..%2").arg(firstVersion).arg(lastVersion));
    return true;
}

QString insertStatement(const Table *table, int rows, InsertMode mode)
{
    QString row = QStringLiteral("(?");
    for (int i = 1; i < table->storageOrder.size(); ++i)
        row += QStringLiteral(", ?");
    row += QLatin1Char(')');
    QStringList allRows;
    for (int i = 0; i < rows; ++i)
        allRows.append(row);
    return QStringLiteral("%1 INTO %2 (%3) VALUES %4")
            .arg(mode == InsertMode::Replace ? QStringLiteral("INSERT OR REPLACE") : QStringLiteral("INSERT"),
                 QString::fromUtf8(table->schema.quotedName), QString::fromUtf8(table->storageColumns),
                 allRows.join(QStringLiteral(", ")));
}

bool OrmDatabasePrivate::executeInserts(const BatchData &batch, qsizetype begin, qsizetype end,
                                        qint64 *version, qsizetype *failedAt)
{
    Table *table = tables[size_t(batch.operations.at(begin).table)].get();
    const bool versioned = table->isVersioned();
    const int width = int(table->storageOrder.size());

    const auto insertOne = [&](qsizetype index) {
        *failedAt = index;
        const Operation &operation = batch.operations.at(index);
        SqliteStatement *query = prepared(table->insertOne, insertStatement(table, 1, InsertMode::Insert));
        if (!query)
            return false;
        bindInsertRow(query, 0, table, batch, operation, versioned ? ++*version : 0);
        QString why;
        if (query->exec(&why))
            return true;
        if (query->failedOnUniqueness()) {
            return fail(ErrorCode::Conflict, QStringLiteral("a record with id %1 already exists in table %2")
                                                     .arg(operation.id).arg(table->name()));
        }
        return failStatement(QStringLiteral("inserting into %1").arg(table->name()), why);
    };

    qsizetype index = begin;
    const int chunkRows = table->chunkRows;
    if (chunkRows > 1 && end - begin >= chunkRows) {
        SqliteStatement *chunk = prepared(table->insertChunk, insertStatement(table, chunkRows, InsertMode::Insert));
        if (!chunk)
            return false;
        while (end - index >= chunkRows) {
            const qint64 versionBefore = *version;
            for (int row = 0; row < chunkRows; ++row) {
                bindInsertRow(chunk, row * width, table, batch, batch.operations.at(index + row),
                              versioned ? ++*version : 0);
            }
            *failedAt = index;
            QString why;
            if (!chunk->exec(&why)) {
                // The statement is undone as a whole; redo its rows one by one to say which failed.
                *version = versionBefore;
                for (int row = 0; row < chunkRows; ++row) {
                    if (!insertOne(index + row))
                        return false;
                }
                *failedAt = index;
                return failStatement(QStringLiteral("inserting into %1").arg(table->name()), why);
            }
            index += chunkRows;
        }
    }
    for (; index < end; ++index) {
        if (!insertOne(index))
            return false;
    }
    return true;
}

bool OrmDatabasePrivate::executeOne(const BatchData &batch, const Operation &operation, qint64 *version)
{
    Table *table = tables[size_t(operation.table)].get();
    const TableSchema &schema = table->schema;
    const bool versioned = table->isVersioned();
    const QString quotedName = QString::fromUtf8(schema.quotedName);
    const auto notFound = [&] {
        return fail(ErrorCode::NotFound, QStringLiteral("no record %1 in table %2").arg(operation.id).arg(table->name()));
    };
    switch (operation.kind) {
    case Operation::Insert:
        return false; // not reached: execute() runs inserts in groups with executeInserts()
    case Operation::Update:
    case Operation::UpdateColumns: {
        const QList<int> &columns = operation.kind == Operation::Update
                ? schema.dataColumns : batch.columnLists.at(operation.columns);
        QStringList assignments;
        if (versioned)
            assignments.append(QStringLiteral("\"version\" = ?"));
        for (int column : columns)
            assignments.append(QString::fromUtf8(schema.columns.at(column).quotedName) + QStringLiteral(" = ?"));
        if (assignments.isEmpty())
            assignments.append(QStringLiteral("id = id"));
        const QString sql = QStringLiteral("UPDATE %1 SET %2 WHERE id = ?")
                                    .arg(quotedName, assignments.join(QStringLiteral(", ")));
        std::optional<QSqlQuery> once;
        QSqlQuery *query = prepared(operation.kind == Operation::Update ? table->updateAll : once, sql);
        if (!query)
            return false;
        int position = 0;
        if (versioned)
            query->bindValue(position++, ++*version);
        for (qsizetype i = 0; i < columns.size(); ++i)
            query->bindValue(position++, batch.values.at(operation.values + i));
        query->bindValue(position, operation.id);
        if (!query->exec())
            return failQuery(*query, QStringLiteral("updating %1 %2").arg(table->name()).arg(operation.id));
        if (query->numRowsAffected() == 0)
            return notFound();
        return true;
    }
    case Operation::Remove: {
        QSqlQuery *query = prepared(table->removeOne, QStringLiteral("DELETE FROM %1 WHERE id = ?").arg(quotedName));
        if (!query)
            return false;
        query->bindValue(0, operation.id);
        if (!query->exec())
            return failQuery(*query, QStringLiteral("deleting %1 %2").arg(table->name()).arg(operation.id));
        if (query->numRowsAffected() == 0)
            return notFound();
        if (versioned)
            return writeTombstoneRow(table, operation.id, ++*version);
        return true;
    }
    }
    return false;
}

bool OrmDatabasePrivate::execute(BatchData &batch, qint64 *first, qint64 *last)
{
    *first = *last = 0;
    clearError();
    if (batch.hasFailed())
        return fail(batch.error, batch.errorString);
    if (!checkUsable())
        return false;
    if (batch.operations.isEmpty())
        return true;
    if (batch.generation != generation)
        return fail(ErrorCode::Unavailable, QStringLiteral("the batch was started before the database was reopened"));
    const qsizetype count = batch.operations.size();
    QStringList tableNames;
    int previousTable = -1;
    for (const Operation &operation : std::as_const(batch.operations)) {
        if (operation.table == previousTable)
            continue;
        previousTable = operation.table;
        const Table *table = tables[size_t(operation.table)].get();
        if (table->readOnly) {
            return fail(ErrorCode::ReadOnly, QStringLiteral("table %1 is read-only (replicated): only applyChanges() writes it")
                                                     .arg(table->name()));
        }
        if (!tableNames.contains(table->name()))
            tableNames.append(table->name());
    }

    if (!beginWrite())
        return false;
    // The stored version wins over ours if another connection wrote the file meanwhile.
    const std::optional<qint64> storedVersion = metaValue(currentVersionKey);
    if (!storedVersion) {
        rollback();
        return false;
    }
    const qint64 startVersion = qMax(*storedVersion, currentVersion);
    qint64 version = startVersion;
    const auto abort = [&](qsizetype index) {
        rollback();
        if (count > 1)
            errorString = QStringLiteral("batch write %1 of %2: %3").arg(index + 1).arg(count).arg(errorString);
        qCDebug(lcOrm).noquote() << "rolled back:" << errorString;
        return false;
    };
    for (qsizetype index = 0; index < count;) {
        const Operation &operation = batch.operations.at(index);
        if (operation.kind == Operation::Insert) {
            qsizetype end = index + 1;
            while (end < count && batch.operations.at(end).kind == Operation::Insert
                   && batch.operations.at(end).table == operation.table) {
                ++end;
            }
            qsizetype failed = index;
            if (!executeInserts(batch, index, end, &version, &failed))
                return abort(failed);
            index = end;
            continue;
        }
        if (!executeOne(batch, operation, &version))
            return abort(index);
        ++index;
    }
    if (version != startVersion
        && (!setMetaValue(currentVersionKey, version) || !writeTransactionBounds(startVersion + 1, version))) {
        return abort(count - 1);
    }
    if (!commit()) {
        rollback();
        return false;
    }
    currentVersion = version;
    if (version != startVersion) {
        *first = startVersion + 1;
        *last = version;
    }
    Q_EMIT q->committed(tableNames, *first, *last);
    return true;
}

// --- OrmDatabase single writes -------------------------------------------------------------

qint64 OrmDatabase::insertRecord(const QMetaObject &metaObject, void *record)
{
    d->clearError();
    BatchData batch;
    qint64 id = 0;
    if (!d->queueInsertRecord(batch, metaObject, record, &id)) {
        d->fail(batch.error, batch.errorString);
        return 0;
    }
    qint64 first = 0;
    qint64 last = 0;
    if (!d->execute(batch, &first, &last))
        return 0;
    if (const Table *table = d->table(metaObject)) {
        const TableSchema &schema = table->schema;
        schema.columns.at(schema.idColumn).property.writeOnGadget(record, QVariant(id));
        if (schema.isVersioned())
            schema.columns.at(schema.versionColumn).property.writeOnGadget(record, QVariant(last));
    }
    return id;
}

bool OrmDatabase::updateRecord(const QMetaObject &metaObject, const void *record)
{
    d->clearError();
    BatchData batch;
    if (!d->queueUpdateRecord(batch, metaObject, record))
        return d->fail(batch.error, batch.errorString);
    qint64 first = 0;
    qint64 last = 0;
    return d->execute(batch, &first, &last);
}

bool OrmDatabase::removeRecord(const QMetaObject &metaObject, qint64 id)
{
    d->clearError();
    if (!d->checkUsable())
        return false;
    Table *table = d->findTable(metaObject);
    if (!table)
        return false;
    return removeRow(table->name(), id);
}

qint64 OrmDatabase::insertRow(const QString &table, const QCborMap &row)
{
    d->clearError();
    BatchData batch;
    qint64 id = 0;
    if (!d->queueInsertRow(batch, table, row, &id)) {
        d->fail(batch.error, batch.errorString);
        return 0;
    }
    qint64 first = 0;
    qint64 last = 0;
    return d->execute(batch, &first, &last) ? id : 0;
}

bool OrmDatabase::updateRow(const QString &table, qint64 id, const QCborMap &values)
{
    d->clearError();
    BatchData batch;
    if (!d->queueUpdateRow(batch, table, id, values))
        return d->fail(batch.error, batch.errorString);
    qint64 first = 0;
    qint64 last = 0;
    return d->execute(batch, &first, &last);
}

bool OrmDatabase::removeRow(const QString &name, qint64 id)
{
    d->clearError();
    if (!d->checkUsable())
        return false;
    Table *table = d->findTable(name);
    if (!table)
        return false;
    BatchData batch;
    if (!d->queueRemove(batch, table, id))
        return d->fail(batch.error, batch.errorString);
    qint64 first = 0;
    qint64 last = 0;
    return d->execute(batch, &first, &last);
}

// --- WriteBatch ----------------------------------------------------------------------------

WriteBatch::WriteBatch() : d(std::make_unique<WriteBatchPrivate>()) {}

WriteBatch::WriteBatch(OrmDatabase *database) : WriteBatch()
{
    d->database = database;
}

WriteBatch::WriteBatch(WriteBatch &&other) noexcept : d(std::move(other.d)) {}

WriteBatch &WriteBatch::operator=(WriteBatch &&other) noexcept
{
    d = std::move(other.d);
    return *this;
}

WriteBatch::~WriteBatch() = default;

// A moved-from or orphaned batch reports this instead of crashing.
static OrmDatabasePrivate *databaseOf(WriteBatchPrivate *d)
{
    if (!d)
        return nullptr;
    if (!d->database) {
        d->data.fail(ErrorCode::Unavailable,
                     QStringLiteral("the batch has no database (default-constructed, moved from, or the database was deleted)"));
        return nullptr;
    }
    return OrmDatabasePrivate::get(d->database);
}

qint64 WriteBatch::insertRecord(const QMetaObject &metaObject, const void *record)
{
    OrmDatabasePrivate *database = databaseOf(d.get());
    qint64 id = 0;
    if (database && database->queueInsertRecord(d->data, metaObject, record, &id))
        return id;
    return 0;
}

void WriteBatch::updateRecord(const QMetaObject &metaObject, const void *record)
{
    if (OrmDatabasePrivate *database = databaseOf(d.get()))
        database->queueUpdateRecord(d->data, metaObject, record);
}

void WriteBatch::removeRecord(const QMetaObject &metaObject, qint64 id)
{
    OrmDatabasePrivate *database = databaseOf(d.get());
    if (!database || d->data.hasFailed())
        return;
    Table *table = database->table(metaObject);
    if (!table) {
        d->data.fail(ErrorCode::NotFound, QStringLiteral("%1 is not registered: call registerTable() first")
                                                  .arg(QString::fromLatin1(metaObject.className())));
        return;
    }
    database->queueRemove(d->data, table, id);
}

qint64 WriteBatch::insertRow(const QString &table, const QCborMap &row)
{
    OrmDatabasePrivate *database = databaseOf(d.get());
    qint64 id = 0;
    if (database && database->queueInsertRow(d->data, table, row, &id))
        return id;
    return 0;
}

void WriteBatch::updateRow(const QString &table, qint64 id, const QCborMap &values)
{
    if (OrmDatabasePrivate *database = databaseOf(d.get()))
        database->queueUpdateRow(d->data, table, id, values);
}

void WriteBatch::removeRow(const QString &name, qint64 id)
{
    OrmDatabasePrivate *database = databaseOf(d.get());
    if (!database || d->data.hasFailed())
        return;
    Table *table = database->table(name);
    if (!table) {
        d->data.fail(ErrorCode::NotFound, QStringLiteral("unknown table %1").arg(name));
        return;
    }
    database->queueRemove(d->data, table, id);
}

bool WriteBatch::commit()
{
    if (!d)
        return false;
    d->firstVersion = d->lastVersion = 0;
    d->commitError = ErrorCode::NoError;
    d->commitErrorString.clear();
    OrmDatabasePrivate *database = databaseOf(d.get());
    if (!database)
        return false;
    if (d->data.hasFailed()) {
        database->fail(d->data.error, d->data.errorString);
        return false;
    }
    // Take the writes out first: a slot connected to committed() may use this batch again.
    BatchData data = std::move(d->data);
    d->data.clear();
    qint64 first = 0;
    qint64 last = 0;
    if (!database->execute(data, &first, &last)) {
        d->commitError = database->error;
        d->commitErrorString = database->errorString;
        if (d->data.operations.isEmpty())
            d->data = std::move(data); // keep the writes for another attempt
        return false;
    }
    d->firstVersion = first;
    d->lastVersion = last;
    return true;
}

void WriteBatch::clear()
{
    if (!d)
        return;
    d->data.clear();
    d->commitError = ErrorCode::NoError;
    d->commitErrorString.clear();
    d->firstVersion = d->lastVersion = 0;
}

int WriteBatch::size() const
{
    return d ? int(d->data.operations.size()) : 0;
}

ErrorCode WriteBatch::error() const
{
    if (!d)
        return ErrorCode::Unavailable;
    return d->data.hasFailed() ? d->data.error : d->commitError;
}

QString WriteBatch::errorString() const
{
    if (!d)
        return QStringLiteral("the batch was moved from");
    return d->data.hasFailed() ? d->data.errorString : d->commitErrorString;
}

qint64 WriteBatch::firstVersion() const
{
    return d ? d->firstVersion : 0;
}

qint64 WriteBatch::lastVersion() const
{
    return d ? d->lastVersion : 0;
}

} // namespace Burrow
