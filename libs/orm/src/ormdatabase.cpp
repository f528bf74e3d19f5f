#include "ormdatabase_p.h"

#include "logging_p.h"

#include <QtCore/QAtomicInt>
#include <QtCore/QThread>
#include <QtSql/QSqlError>

namespace Burrow {

namespace {
const QString currentVersionKey = QStringLiteral("currentVersion");
} // namespace

// --- OrmDatabasePrivate: errors and statements ----------------------------------------------

bool OrmDatabasePrivate::fail(ErrorCode code, const QString &message) const
{
    error = code;
    errorString = message;
    return false;
}

bool OrmDatabasePrivate::failQuery(const QSqlQuery &query, const QString &what) const
{
    const QSqlError sqlError = query.lastError();
    qCWarning(lcOrm).noquote() << what << "failed:" << sqlError.text();
    return fail(ErrorCode::ImplementationError,
                QStringLiteral("%1 failed: %2").arg(what, sqlError.text()));
}

bool OrmDatabasePrivate::checkUsable() const
{
    if (!connection.isOpen())
        return fail(ErrorCode::Unavailable, QStringLiteral("the database is not open"));
    if (QThread::currentThread() != connectionThread) {
        return fail(ErrorCode::ImplementationError,
                    QStringLiteral("OrmDatabase used from a thread other than the one that opened it"));
    }
    return true;
}

Table *OrmDatabasePrivate::table(const QString &name) const
{
    const int index = tableByName.value(name, -1);
    return index < 0 ? nullptr : tables[size_t(index)].get();
}

Table *OrmDatabasePrivate::table(const QMetaObject &metaObject) const
{
    const int index = tableByMetaObject.value(&metaObject, -1);
    return index < 0 ? nullptr : tables[size_t(index)].get();
}

Table *OrmDatabasePrivate::findTable(const QString &name) const
{
    Table *found = table(name);
    if (!found)
        fail(ErrorCode::NotFound, QStringLiteral("unknown table %1").arg(name));
    return found;
}

Table *OrmDatabasePrivate::findTable(const QMetaObject &metaObject) const
{
    Table *found = table(metaObject);
    if (!found) {
        fail(ErrorCode::NotFound, QStringLiteral("%1 is not registered: call registerTable() first")
                                          .arg(QString::fromLatin1(metaObject.className())));
    }
    return found;
}

bool OrmDatabasePrivate::exec(const QString &sql, const QString &what) const
{
    QSqlQuery query(connection);
    if (!query.exec(sql))
        return failQuery(query, what);
    return true;
}

QSqlQuery *OrmDatabasePrivate::prepared(std::optional<QSqlQuery> &slot, const QString &sql) const
{
    if (slot)
        return &*slot;
    QSqlQuery query(connection);
    query.setForwardOnly(true);
    if (!query.prepare(sql)) {
        failQuery(query, QStringLiteral("preparing \"%1\"").arg(sql));
        return nullptr;
    }
    slot.emplace(std::move(query));
    return &*slot;
}

SqliteStatement *OrmDatabasePrivate::prepared(SqliteStatement &slot, const QString &sql) const
{
    if (slot.isPrepared())
        return &slot;
    QString why;
    if (!slot.prepare(handle, sql, &why)) {
        failStatement(QStringLiteral("preparing \"%1\"").arg(sql), why);
        return nullptr;
    }
    return &slot;
}

bool OrmDatabasePrivate::failStatement(const QString &what, const QString &why) const
{
    qCWarning(lcOrm).noquote() << what << "failed:" << why;
    return fail(ErrorCode::ImplementationError, QStringLiteral("%1 failed: %2").arg(what, why));
}

bool OrmDatabasePrivate::beginWrite() const
{
    // IMMEDIATE takes the write lock now: no deadlock-prone read-to-write upgrade later.
    return exec(QStringLiteral("BEGIN IMMEDIATE"), QStringLiteral("starting a transaction"));
}

bool OrmDatabasePrivate::commit() const
{
    if (!exec(QStringLiteral("COMMIT"), QStringLiteral("committing")))
        return false;
    if (checkpointer)
        checkpointer->noteCommit();
    return true;
}

void OrmDatabasePrivate::rollback() const
{
    QSqlQuery query(connection);
    if (!query.exec(QStringLiteral("ROLLBACK")))
        qCWarning(lcOrm).noquote() << "rollback failed:" << query.lastError().text();
}

std::optional<qint64> OrmDatabasePrivate::metaValue(const QString &key) const
{
    QSqlQuery *query = prepared(const_cast<OrmDatabasePrivate *>(this)->readMeta,
                                QStringLiteral("SELECT value FROM burrow_meta WHERE key = ?"));
    if (!query)
        return std::nullopt;
    query->bindValue(0, key);
    if (!query->exec()) {
        failQuery(*query, QStringLiteral("reading %1").arg(key));
        return std::nullopt;
    }
    qint64 value = 0;
    if (query->next())
        value = query->value(0).toLongLong();
    query->finish();
    return value;
}

bool OrmDatabasePrivate::setMetaValue(const QString &key, qint64 value)
{
    QSqlQuery *query = prepared(writeMeta,
                                QStringLiteral("INSERT OR REPLACE INTO burrow_meta (key, value) VALUES (?, ?)"));
    if (!query)
        return false;
    query->bindValue(0, key);
    query->bindValue(1, value);
    if (!query->exec())
        return failQuery(*query, QStringLiteral("writing %1").arg(key));
    return true;
}

// --- Schema --------------------------------------------------------------------------------

void OrmDatabasePrivate::prepareStatementText(Table *table)
{
    const TableSchema &schema = table->schema;
    table->storageOrder.clear();
    table->storageOrder.append(schema.idColumn);
    if (schema.isVersioned())
        table->storageOrder.append(schema.versionColumn);
    table->storageOrder.append(schema.dataColumns);
    table->storagePosition = QList<int>(schema.columns.size(), -1);
    QByteArrayList names;
    for (int position = 0; position < table->storageOrder.size(); ++position) {
        const int column = table->storageOrder.at(position);
        table->storagePosition[column] = position;
        names.append(schema.columns.at(column).quotedName);
    }
    table->storageColumns = names.join(", ");
    // SQLite builds before 3.32 allow 999 parameters per statement; stay below that.
    table->chunkRows = int(qBound(qsizetype(1), 999 / table->storageOrder.size(), qsizetype(100)));
}

bool OrmDatabasePrivate::migrate(Table *table)
{
    const TableSchema &schema = table->schema;
    const QString quotedName = QString::fromUtf8(schema.quotedName);
    struct Existing { QString type; bool primaryKey; };
    QHash<QString, Existing> existing; // lower-case name -> declared type
    {
        QSqlQuery info(connection);
        if (!info.exec(QStringLiteral("PRAGMA table_info(%1)").arg(quotedName)))
            return failQuery(info, QStringLiteral("reading the columns of %1").arg(schema.name));
        while (info.next()) {
            existing.insert(info.value(1).toString().toLower(),
                            {info.value(2).toString().toUpper(), info.value(5).toInt() > 0});
        }
    }

    qint64 stampedVersion = currentVersion;
    if (existing.isEmpty()) {
        QStringList definitions;
        for (int index = 0; index < schema.columns.size(); ++index) {
            const Column &column = schema.columns.at(index);
            if (index == schema.idColumn) {
                definitions.append(QStringLiteral("%1 INTEGER PRIMARY KEY AUTOINCREMENT")
                                           .arg(QString::fromUtf8(column.quotedName)));
            } else {
                definitions.append(QStringLiteral("%1 %2 DEFAULT %3")
                                           .arg(QString::fromUtf8(column.quotedName),
                                                QString::fromLatin1(column.sqlType()),
                                                QString::fromLatin1(column.sqlDefault())));
            }
        }
        if (!exec(QStringLiteral("CREATE TABLE %1 (%2)").arg(quotedName, definitions.join(QStringLiteral(", "))),
                  QStringLiteral("creating table %1").arg(schema.name))) {
            return false;
        }
        qCDebug(lcOrm) << "created table" << schema.name;
    } else {
        const auto id = existing.constFind(QStringLiteral("id"));
        if (id == existing.constEnd() || !id->primaryKey || id->type != QLatin1String("INTEGER")) {
            return fail(ErrorCode::InvalidArguments,
                        QStringLiteral("the existing table %1 has no \"id INTEGER PRIMARY KEY\" column")
                                .arg(schema.name));
        }
        for (int index = 0; index < schema.columns.size(); ++index) {
            const Column &column = schema.columns.at(index);
            const auto found = existing.constFind(column.name.toLower());
            if (found != existing.constEnd()) {
                if (found->type != QLatin1String(column.sqlType())) {
                    qCWarning(lcOrm).noquote()
                            << "column" << schema.name + QLatin1Char('.') + column.name << "is declared"
                            << found->type << "in the file, the record wants" << column.sqlType()
                            << "(columns are never changed; values are converted when read)";
                }
                continue;
            }
            if (!exec(QStringLiteral("ALTER TABLE %1 ADD COLUMN %2 %3 DEFAULT %4")
                              .arg(quotedName, QString::fromUtf8(column.quotedName),
                                   QString::fromLatin1(column.sqlType()),
                                   QString::fromLatin1(column.sqlDefault())),
                      QStringLiteral("adding column %1 to %2").arg(column.name, schema.name))) {
                return false;
            }
            qCInfo(lcOrm).noquote() << "added column" << column.name << "to table" << schema.name;
            if (index == schema.versionColumn) {
                // The table becomes versioned: stamp the rows it has, so that they are fed.
                QSqlQuery ids(connection);
                ids.setForwardOnly(true);
                if (!ids.exec(QStringLiteral("SELECT id FROM %1 ORDER BY id").arg(quotedName)))
                    return failQuery(ids, QStringLiteral("reading the ids of %1").arg(schema.name));
                QList<qint64> rowIds;
                while (ids.next())
                    rowIds.append(ids.value(0).toLongLong());
                ids.finish();
                QSqlQuery stamp(connection);
                stamp.prepare(QStringLiteral("UPDATE %1 SET \"version\" = ? WHERE id = ?").arg(quotedName));
                for (qint64 rowId : std::as_const(rowIds)) {
                    stamp.bindValue(0, ++stampedVersion);
                    stamp.bindValue(1, rowId);
                    if (!stamp.exec())
                        return failQuery(stamp, QStringLiteral("stamping versions in %1").arg(schema.name));
                }
            }
        }
        for (auto it = existing.cbegin(); it != existing.cend(); ++it) {
            bool declared = false;
            for (const Column &column : schema.columns)
                declared = declared || column.name.toLower() == it.key();
            if (!declared)
                qCDebug(lcOrm) << "table" << schema.name << "keeps undeclared column" << it.key();
        }
    }
    if (schema.isVersioned()) {
        if (!exec(QStringLiteral("CREATE INDEX IF NOT EXISTS %1 ON %2 (\"version\")")
                          .arg(QString::fromUtf8(quoteIdentifier(schema.name + QStringLiteral("_version"))),
                               quotedName),
                  QStringLiteral("indexing %1.version").arg(schema.name))) {
            return false;
        }
    }
    if (stampedVersion != currentVersion && !setMetaValue(currentVersionKey, stampedVersion))
        return false;

    // Next id: above every id ever used (AUTOINCREMENT's sequence, rows, tombstones).
    qint64 highest = 0;
    QSqlQuery query(connection);
    if (query.exec(QStringLiteral("SELECT max(id) FROM %1").arg(quotedName)) && query.next())
        highest = qMax(highest, query.value(0).toLongLong());
    query.finish();
    if (query.exec(QStringLiteral("SELECT seq FROM sqlite_sequence WHERE name = '%1'")
                           .arg(QString(schema.name).replace(QLatin1Char('\''), QLatin1String("''"))))
        && query.next()) {
        highest = qMax(highest, query.value(0).toLongLong());
    }
    query.finish();
    query.prepare(QStringLiteral("SELECT max(id) FROM burrow_tombstones WHERE table_name = ?"));
    query.bindValue(0, schema.name);
    if (query.exec() && query.next())
        highest = qMax(highest, query.value(0).toLongLong());
    query.finish();
    table->nextId = highest + 1;
    currentVersion = stampedVersion; // takes effect with the commit; rolled back on failure
    return true;
}

// --- Reads ---------------------------------------------------------------------------------

QCborMap OrmDatabasePrivate::rowFromQuery(const Table *table, const QSqlQuery &query) const
{
    // Storage order: id, version, then the other columns in declaration order.
    QCborMap row;
    const QList<Column> &columns = table->schema.columns;
    for (int position = 0; position < table->storageOrder.size(); ++position) {
        const Column &column = columns.at(table->storageOrder.at(position));
        row.insert(column.name, column.cborFromStored(query.value(position)));
    }
    return row;
}

void OrmDatabasePrivate::recordFromQuery(const Table *table, const QSqlQuery &query, void *record) const
{
    const QList<Column> &columns = table->schema.columns;
    for (int position = 0; position < table->storageOrder.size(); ++position) {
        const Column &column = columns.at(table->storageOrder.at(position));
        column.property.writeOnGadget(record, column.fromStored(query.value(position)));
    }
}

bool OrmDatabasePrivate::selectRows(const Table *table, const QString &where,
                                    const QVariantList &bindValues, qint64 limit, qint64 offset,
                                    QSqlQuery *query) const
{
    QString sql = QStringLiteral("SELECT %1 FROM %2").arg(QString::fromUtf8(table->storageColumns),
                                                          QString::fromUtf8(table->schema.quotedName));
    if (!where.trimmed().isEmpty())
        sql += QStringLiteral(" WHERE (%1)").arg(where);
    sql += QStringLiteral(" ORDER BY id LIMIT ? OFFSET ?");
    query->setForwardOnly(true);
    if (!query->prepare(sql)) {
        return fail(ErrorCode::InvalidArguments,
                    QStringLiteral("invalid condition for %1: %2").arg(table->name(), query->lastError().text()));
    }
    int position = 0;
    for (const QVariant &value : bindValues)
        query->bindValue(position++, value);
    query->bindValue(position++, limit < 0 ? qint64(-1) : limit);
    query->bindValue(position++, qMax(qint64(0), offset));
    if (!query->exec()) {
        return fail(ErrorCode::InvalidArguments,
                    QStringLiteral("selecting from %1 failed: %2").arg(table->name(), query->lastError().text()));
    }
    return true;
}

// --- OrmDatabase ---------------------------------------------------------------------------

OrmDatabase::OrmDatabase(QObject *parent)
    : QObject(parent), d(std::make_unique<OrmDatabasePrivate>(this))
{
}

OrmDatabase::~OrmDatabase()
{
    close();
}

bool OrmDatabase::open(const QString &fileName)
{
    close();
    d->clearError();
    static QAtomicInt counter;
    d->connectionName = QStringLiteral("burrow.orm.%1").arg(counter.fetchAndAddRelaxed(1));
    d->connection = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), d->connectionName);
    if (!d->connection.isValid()) {
        close();
        return d->fail(ErrorCode::Unavailable, QStringLiteral("the Qt SQLite driver (QSQLITE) is not available"));
    }
    d->connection.setDatabaseName(fileName);
    d->connection.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!d->connection.open()) {
        const QString why = d->connection.lastError().text();
        close();
        return d->fail(ErrorCode::Unavailable, QStringLiteral("cannot open %1: %2").arg(fileName, why));
    }
    d->fileName = fileName;
    d->connectionThread = QThread::currentThread();
    d->handle = sqliteHandle(d->connection);
    if (!d->handle) {
        close();
        return d->fail(ErrorCode::Unavailable, QStringLiteral("the Qt SQLite driver gives no sqlite3 handle"));
    }
    ++d->generation;

    const auto setUp = [this] {
        QSqlQuery query(d->connection);
        if (!query.exec(QStringLiteral("PRAGMA journal_mode=WAL")))
            return d->failQuery(query, QStringLiteral("switching to WAL mode"));
        return d->exec(QStringLiteral("PRAGMA synchronous=NORMAL"), QStringLiteral("setting synchronous=NORMAL"))
                && d->exec(QStringLiteral("CREATE TABLE IF NOT EXISTS burrow_meta ("
                                          "key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID"),
                           QStringLiteral("creating burrow_meta"))
                && d->exec(QStringLiteral("CREATE TABLE IF NOT EXISTS burrow_tombstones ("
                                          "table_name TEXT NOT NULL, id INTEGER NOT NULL, "
                                          "version INTEGER NOT NULL, PRIMARY KEY (table_name, id)) "
                                          "WITHOUT ROWID"),
                           QStringLiteral("creating burrow_tombstones"))
                && d->exec(QStringLiteral("CREATE INDEX IF NOT EXISTS burrow_tombstones_version "
                                          "ON burrow_tombstones (table_name, version)"),
                           QStringLiteral("indexing burrow_tombstones"))
                // Bounds of multi-version transactions (files from before it get it here; their
                // older transactions stay unknown).
                && d->exec(QStringLiteral("CREATE TABLE IF NOT EXISTS burrow_transactions ("
                                          "last_version INTEGER PRIMARY KEY, first_version INTEGER NOT NULL)"),
                           QStringLiteral("creating burrow_transactions"));
    };
    if (!setUp()) {
        const ErrorCode code = d->error;
        const QString why = d->errorString;
        close();
        return d->fail(code, QStringLiteral("cannot use %1: %2").arg(fileName, why));
    }
    const std::optional<qint64> version = d->metaValue(currentVersionKey);
    if (!version) {
        const QString why = d->errorString;
        close();
        return d->fail(ErrorCode::ImplementationError, QStringLiteral("cannot use %1: %2").arg(fileName, why));
    }
    d->currentVersion = *version;
    if (!fileName.isEmpty() && fileName != QLatin1String(":memory:")) {
        // Checkpoints in the background; this connection's own ones only as a fallback.
        d->exec(QStringLiteral("PRAGMA wal_autocheckpoint=%1").arg(WalCheckpointer::fallbackPages),
                QStringLiteral("setting wal_autocheckpoint"));
        d->checkpointer = std::make_unique<WalCheckpointer>(fileName);
    }
    qCDebug(lcOrm) << "opened" << fileName << "at version" << d->currentVersion;
    return true;
}

void OrmDatabase::close()
{
    // The checkpointing connection first: the last connection to close checkpoints the whole
    // log and removes it.
    d->checkpointer.reset();
    // Statements first: they hold the connection's handle.
    d->tables.clear();
    d->tableByName.clear();
    d->tableByMetaObject.clear();
    d->writeTombstone.reset();
    d->writeTransaction.reset();
    d->readTransaction.reset();
    d->tombstonesSince.reset();
    d->readMeta.reset();
    d->writeMeta.reset();
    if (d->connectionName.isEmpty())
        return;
    d->connection.close();
    d->connection = QSqlDatabase();
    QSqlDatabase::removeDatabase(d->connectionName);
    d->connectionName.clear();
    d->connectionThread = nullptr;
    d->handle = nullptr;
    d->currentVersion = 0;
}

bool OrmDatabase::isOpen() const
{
    return d->connection.isOpen();
}

QString OrmDatabase::fileName() const
{
    return d->fileName;
}

ErrorCode OrmDatabase::error() const
{
    return d->error;
}

QString OrmDatabase::errorString() const
{
    return d->errorString;
}

bool OrmDatabase::registerTable(const QMetaObject &metaObject)
{
    d->clearError();
    if (!d->checkUsable())
        return false;
    if (d->table(metaObject))
        return true;
    auto table = std::make_unique<Table>();
    QString why;
    if (!TableSchema::fromMetaObject(metaObject, &table->schema, &why))
        return d->fail(ErrorCode::InvalidArguments, why);
    for (const auto &other : d->tables) {
        if (other->name().compare(table->name(), Qt::CaseInsensitive) == 0) {
            return d->fail(ErrorCode::Conflict,
                           QStringLiteral("table %1 is already registered by %2")
                                   .arg(other->name(), QString::fromLatin1(other->schema.metaObject->className())));
        }
    }
    d->prepareStatementText(table.get());
    const qint64 versionBefore = d->currentVersion;
    if (!d->beginWrite())
        return false;
    if (!d->migrate(table.get()) || !d->commit()) {
        d->rollback();
        d->currentVersion = versionBefore;
        return false;
    }
    const int index = int(d->tables.size());
    d->tableByName.insert(table->name(), index);
    d->tableByMetaObject.insert(&metaObject, index);
    d->tables.push_back(std::move(table));
    return true;
}

QString OrmDatabase::tableName(const QMetaObject &metaObject)
{
    return tableNameOf(metaObject);
}

QStringList OrmDatabase::tableNames() const
{
    QStringList names;
    for (const auto &table : d->tables)
        names.append(table->name());
    return names;
}

bool OrmDatabase::hasTable(const QString &table) const
{
    return d->table(table) != nullptr;
}

TableInfo OrmDatabase::tableInfo(const QString &name) const
{
    const Table *table = d->table(name);
    if (!table)
        return {};
    TableInfo info = table->schema.info();
    info.isReadOnly = table->readOnly;
    return info;
}

void OrmDatabase::setReadOnly(const QString &name, bool readOnly)
{
    if (Table *table = d->table(name))
        table->readOnly = readOnly;
    else
        qCWarning(lcOrm) << "setReadOnly: unknown table" << name;
}

bool OrmDatabase::isReadOnly(const QString &name) const
{
    const Table *table = d->table(name);
    return table && table->readOnly;
}

bool OrmDatabase::readRecord(const QMetaObject &metaObject, qint64 id, void *record) const
{
    d->clearError();
    if (!d->checkUsable())
        return false;
    Table *table = d->findTable(metaObject);
    if (!table)
        return false;
    QSqlQuery *query = d->prepared(table->selectOne,
                                   QStringLiteral("SELECT %1 FROM %2 WHERE id = ?")
                                           .arg(QString::fromUtf8(table->storageColumns),
                                                QString::fromUtf8(table->schema.quotedName)));
    if (!query)
        return false;
    query->bindValue(0, id);
    if (!query->exec())
        return d->failQuery(*query, QStringLiteral("reading %1 %2").arg(table->name()).arg(id));
    const bool found = query->next();
    if (found)
        d->recordFromQuery(table, *query, record);
    query->finish();
    if (!found)
        return d->fail(ErrorCode::NotFound, QStringLiteral("no record %1 in table %2").arg(id).arg(table->name()));
    return true;
}

bool OrmDatabase::readRecords(const QMetaObject &metaObject, const QString &where,
                              const QVariantList &bindValues, qint64 limit, qint64 offset,
                              const std::function<void *()> &append) const
{
    d->clearError();
    if (!d->checkUsable())
        return false;
    Table *table = d->findTable(metaObject);
    if (!table)
        return false;
    QSqlQuery query(d->connection);
    if (!d->selectRows(table, where, bindValues, limit, offset, &query))
        return false;
    while (query.next())
        d->recordFromQuery(table, query, append());
    return true;
}

std::optional<QCborMap> OrmDatabase::row(const QString &name, qint64 id) const
{
    d->clearError();
    if (!d->checkUsable())
        return std::nullopt;
    Table *table = d->findTable(name);
    if (!table)
        return std::nullopt;
    QSqlQuery *query = d->prepared(table->selectOne,
                                   QStringLiteral("SELECT %1 FROM %2 WHERE id = ?")
                                           .arg(QString::fromUtf8(table->storageColumns),
                                                QString::fromUtf8(table->schema.quotedName)));
    if (!query)
        return std::nullopt;
    query->bindValue(0, id);
    if (!query->exec()) {
        d->failQuery(*query, QStringLiteral("reading %1 %2").arg(name).arg(id));
        return std::nullopt;
    }
    std::optional<QCborMap> result;
    if (query->next())
        result = d->rowFromQuery(table, *query);
    query->finish();
    if (!result)
        d->fail(ErrorCode::NotFound, QStringLiteral("no record %1 in table %2").arg(id).arg(name));
    return result;
}

QList<QCborMap> OrmDatabase::rows(const QString &name, const QString &where,
                                  const QVariantList &bindValues, qint64 limit, qint64 offset) const
{
    d->clearError();
    QList<QCborMap> result;
    if (!d->checkUsable())
        return result;
    Table *table = d->findTable(name);
    if (!table)
        return result;
    QSqlQuery query(d->connection);
    if (!d->selectRows(table, where, bindValues, limit, offset, &query))
        return result;
    while (query.next())
        result.append(d->rowFromQuery(table, query));
    return result;
}

qint64 OrmDatabase::countRows(const QString &name, const QString &where,
                              const QVariantList &bindValues) const
{
    d->clearError();
    if (!d->checkUsable())
        return -1;
    Table *table = d->findTable(name);
    if (!table)
        return -1;
    QString sql = QStringLiteral("SELECT count(*) FROM %1").arg(QString::fromUtf8(table->schema.quotedName));
    if (!where.trimmed().isEmpty())
        sql += QStringLiteral(" WHERE (%1)").arg(where);
    QSqlQuery query(d->connection);
    query.setForwardOnly(true);
    if (!query.prepare(sql)) {
        d->fail(ErrorCode::InvalidArguments,
                QStringLiteral("invalid condition for %1: %2").arg(name, query.lastError().text()));
        return -1;
    }
    for (int i = 0; i < bindValues.size(); ++i)
        query.bindValue(i, bindValues.at(i));
    if (!query.exec() || !query.next()) {
        d->fail(ErrorCode::InvalidArguments,
                QStringLiteral("counting %1 failed: %2").arg(name, query.lastError().text()));
        return -1;
    }
    return query.value(0).toLongLong();
}

qint64 OrmDatabase::currentVersion() const
{
    return d->currentVersion;
}

WriteBatch OrmDatabase::batch()
{
    return WriteBatch(this);
}

} // namespace Burrow
