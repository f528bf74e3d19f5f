// The change feed of versioned tables (changesSince) and its receiving side (applyChanges).

#include "ormdatabase_p.h"

#include "logging_p.h"

#include <QtSql/QSqlError>

#include <algorithm>

namespace Burrow {

namespace {
const QString currentVersionKey = QStringLiteral("currentVersion");

QString appliedVersionKey(const QString &table)
{
    return QStringLiteral("appliedVersion:") + table;
}
} // namespace

namespace {

// The feed of one table after `version`, read in one transaction (rows, tombstones and the
// current version from the same snapshot), at most `limit` changes in version order.
// makeUpsert(query, id, version) and makeDelete(id, version) build a Change: a RecordChange,
// or directly its CBOR form.
template<typename Change, typename MakeUpsert, typename MakeDelete>
QList<Change> readFeed(OrmDatabasePrivate *d, const QString &name, qint64 version, int limit,
                       qint64 *upToVersion, MakeUpsert makeUpsert, MakeDelete makeDelete)
{
    d->clearError();
    if (upToVersion)
        *upToVersion = 0;
    QList<Change> result;
    if (!d->checkUsable())
        return result;
    Table *table = d->findTable(name);
    if (!table)
        return result;
    if (!table->isVersioned()) {
        d->fail(ErrorCode::NotSupported,
                QStringLiteral("table %1 is not versioned (it has no version property): it has no change feed").arg(name));
        return result;
    }
    if (limit <= 0) {
        d->fail(ErrorCode::InvalidArguments, QStringLiteral("changesSince: limit must be positive"));
        return result;
    }

    if (!d->exec(QStringLiteral("BEGIN"), QStringLiteral("starting a read transaction")))
        return result;
    QList<Change> upserts;
    QList<qint64> upsertVersions;
    QList<Change> deletes;
    QList<qint64> deleteVersions;
    {
        // Prepared once per table: live replication reads a page per commit.
        QSqlQuery *changed = d->prepared(table->changedRows,
                                         QStringLiteral("SELECT %1 FROM %2 WHERE \"version\" > ? ORDER BY \"version\" LIMIT ?")
                                                 .arg(QString::fromUtf8(table->storageColumns),
                                                      QString::fromUtf8(table->schema.quotedName)));
        if (!changed) {
            d->rollback();
            return result;
        }
        QSqlQuery &rows = *changed;
        rows.bindValue(0, version);
        rows.bindValue(1, limit);
        if (!rows.exec()) {
            d->failQuery(rows, QStringLiteral("reading the changes of %1").arg(name));
            d->rollback();
            return result;
        }
        const int versionPosition = table->storagePosition.at(table->schema.versionColumn);
        while (rows.next()) {
            const qint64 id = rows.value(0).toLongLong();
            const qint64 rowVersion = rows.value(versionPosition).toLongLong();
            upserts.append(makeUpsert(table, rows, id, rowVersion));
            upsertVersions.append(rowVersion);
        }
        rows.finish();
        QSqlQuery *tombstonesSince = d->prepared(d->tombstonesSince,
                                                 QStringLiteral("SELECT id, version FROM burrow_tombstones "
                                                                "WHERE table_name = ? AND version > ? ORDER BY version LIMIT ?"));
        if (!tombstonesSince) {
            d->rollback();
            return result;
        }
        QSqlQuery &tombstones = *tombstonesSince;
        tombstones.bindValue(0, name);
        tombstones.bindValue(1, version);
        tombstones.bindValue(2, limit);
        if (!tombstones.exec()) {
            d->failQuery(tombstones, QStringLiteral("reading the tombstones of %1").arg(name));
            d->rollback();
            return result;
        }
        while (tombstones.next()) {
            const qint64 id = tombstones.value(0).toLongLong();
            const qint64 deleteVersion = tombstones.value(1).toLongLong();
            deletes.append(makeDelete(id, deleteVersion));
            deleteVersions.append(deleteVersion);
        }
        tombstones.finish();
    }
    const std::optional<qint64> current = d->metaValue(currentVersionKey);
    d->commit();
    if (!current)
        return result;

    // Both lists are in version order and versions are unique: merge, keep the first `limit`.
    result.reserve(qMin(qsizetype(limit), upserts.size() + deletes.size()));
    qsizetype u = 0;
    qsizetype r = 0;
    qint64 last = version;
    while (result.size() < limit && (u < upserts.size() || r < deletes.size())) {
        if (r >= deletes.size() || (u < upserts.size() && upsertVersions.at(u) < deleteVersions.at(r))) {
            last = upsertVersions.at(u);
            result.append(std::move(upserts[u++]));
        } else {
            last = deleteVersions.at(r);
            result.append(std::move(deletes[r++]));
        }
    }
    if (upToVersion)
        *upToVersion = result.size() < limit ? qMax(*current, last) : last;
    return result;
}

} // namespace

QList<RecordChange> OrmDatabase::changesSince(const QString &name, qint64 version, int limit,
                                              qint64 *upToVersion) const
{
    const auto upsert = [this](const Table *table, const QSqlQuery &query, qint64 id, qint64 rowVersion) {
        RecordChange change;
        change.kind = RecordChange::Upsert;
        change.id = id;
        change.version = rowVersion;
        change.row = d->rowFromQuery(table, query);
        return change;
    };
    const auto remove = [](qint64 id, qint64 rowVersion) {
        RecordChange change;
        change.kind = RecordChange::Delete;
        change.id = id;
        change.version = rowVersion;
        return change;
    };
    return readFeed<RecordChange>(d.get(), name, version, limit, upToVersion, upsert, remove);
}

QCborArray OrmDatabase::encodedChangesSince(const QString &name, qint64 version, int limit,
                                            qint64 *upToVersion) const
{
    // Built straight in the form RecordChange::toCbor() gives: no row map with id and version
    // to copy and strip. Each row is a copy of one map holding the column names, filled by
    // position: QCborMap::insert() would search the keys for each column (callgrind: a tenth
    // of the master's work per replicated row).
    QCborMap rowTemplate;
    const auto upsert = [&rowTemplate](const Table *table, const QSqlQuery &query, qint64 id, qint64 rowVersion) {
        const QList<Column> &columns = table->schema.columns;
        if (rowTemplate.isEmpty()) {
            for (int position = 2; position < table->storageOrder.size(); ++position)
                rowTemplate.insert(columns.at(table->storageOrder.at(position)).name, QCborValue());
        }
        QCborMap values = rowTemplate;
        int position = 2;
        for (auto it = values.begin(); it != values.end(); ++it, ++position)
            it.value() = columns.at(table->storageOrder.at(position)).cborFromStored(query.value(position));
        return QCborValue(QCborArray{qint64(RecordChange::Upsert), id, rowVersion, values});
    };
    const auto remove = [](qint64 id, qint64 rowVersion) {
        return QCborValue(QCborArray{qint64(RecordChange::Delete), id, rowVersion});
    };
    const QList<QCborValue> changes = readFeed<QCborValue>(d.get(), name, version, limit, upToVersion, upsert, remove);
    QCborArray result;
    for (const QCborValue &change : changes)
        result.append(change);
    return result;
}

namespace {

bool checkChange(OrmDatabasePrivate *d, const QString &name, qint64 id, qint64 version, qint64 upToVersion)
{
    if (id <= 0 || version <= 0) {
        return d->fail(ErrorCode::InvalidArguments,
                       QStringLiteral("%1: change with id %2 and version %3 (both must be positive)")
                               .arg(name).arg(id).arg(version));
    }
    if (version > upToVersion) {
        return d->fail(ErrorCode::InvalidArguments,
                       QStringLiteral("%1: change version %2 is above upToVersion %3")
                               .arg(name).arg(version).arg(upToVersion));
    }
    return true;
}

} // namespace

Table *OrmDatabasePrivate::tableToApply(const QString &name)
{
    clearError();
    if (!checkUsable())
        return nullptr;
    Table *table = findTable(name);
    if (table && !table->isVersioned()) {
        fail(ErrorCode::NotSupported, QStringLiteral("table %1 is not versioned: changes cannot be applied to it").arg(name));
        return nullptr;
    }
    return table;
}

bool OrmDatabase::applyChanges(const QString &name, const QList<RecordChange> &changes,
                               qint64 upToVersion)
{
    Table *table = d->tableToApply(name);
    if (!table)
        return false;
    for (const RecordChange &change : changes) {
        if (!checkChange(d.get(), name, change.id, change.version, upToVersion))
            return false;
    }
    const std::optional<qint64> applied = d->metaValue(appliedVersionKey(name));
    if (!applied)
        return false;
    if (upToVersion <= *applied)
        return true; // all of it was applied before

    // Convert every row before touching the database: a bad row fails the whole batch.
    QList<QVariant> values;
    QList<PendingChange> pending;
    for (const RecordChange &change : changes) {
        if (change.version <= *applied)
            continue;
        pending.append({change.kind, change.id, change.version});
        if (change.kind != RecordChange::Upsert)
            continue;
        QString why;
        if (!d->storedFromRow(table, change.row, false, &values, nullptr, nullptr, &why)) {
            return d->fail(ErrorCode::InvalidArguments,
                           QStringLiteral("change %1 (id %2): %3").arg(change.version).arg(change.id).arg(why));
        }
    }
    return d->applyPending(table, pending, values, upToVersion);
}

bool OrmDatabase::applyEncodedChanges(const QString &name, const QCborArray &changes, qint64 upToVersion,
                                      int *appliedCount)
{
    if (appliedCount)
        *appliedCount = 0;
    Table *table = d->tableToApply(name);
    if (!table)
        return false;
    const std::optional<qint64> applied = d->metaValue(appliedVersionKey(name));
    if (!applied)
        return false;

    // Decoded straight from the CBOR form (no RecordChange, no row map): this is what every
    // replicated row goes through on a slave.
    const TableSchema &schema = table->schema;
    const qsizetype width = schema.dataColumns.size();
    const int dataOffset = 2; // data columns follow id and version in storage order
    QList<QVariant> values;
    QList<PendingChange> pending;
    pending.reserve(changes.size());
    // A master lists the columns of every row in the same order: a key is compared with the
    // one at the same position in the row before (no string conversion, no hashing).
    QList<QCborValue> knownKeys;
    QList<int> knownColumns;
    const auto invalid = [&](qsizetype index, const QString &why) {
        return d->fail(ErrorCode::InvalidArguments, QStringLiteral("%1: change [%2]: %3").arg(name).arg(index).arg(why));
    };
    for (qsizetype index = 0; index < changes.size(); ++index) {
        const QCborValue item = changes.at(index);
        if (!item.isArray())
            return invalid(index, QStringLiteral("a change must be an array"));
        const QCborArray change = item.toArray();
        const qsizetype size = change.size();
        if (size < 3 || !change.at(0).isInteger() || !change.at(1).isInteger() || !change.at(2).isInteger())
            return invalid(index, QStringLiteral("a change starts with three integers: kind, id, version"));
        const qint64 kind = change.at(0).toInteger();
        const qint64 id = change.at(1).toInteger();
        const qint64 version = change.at(2).toInteger();
        if (kind == RecordChange::Delete) {
            if (size != 3)
                return invalid(index, QStringLiteral("a delete change has exactly three elements"));
        } else if (kind == RecordChange::Upsert) {
            if (size != 4 || !change.at(3).isMap())
                return invalid(index, QStringLiteral("an upsert change ends with the row (a map)"));
        } else {
            return invalid(index, QStringLiteral("unknown change kind %1").arg(kind));
        }
        if (!checkChange(d.get(), name, id, version, upToVersion))
            return false;
        if (version <= *applied)
            continue;
        pending.append({RecordChange::Kind(kind), id, version});
        if (kind != RecordChange::Upsert)
            continue;

        const qsizetype base = values.size();
        for (int column : schema.dataColumns)
            values.append(schema.columns.at(column).storedDefaultValue);
        const QCborMap row = change.at(3).toMap();
        qsizetype position = 0;
        for (auto it = row.cbegin(); it != row.cend(); ++it, ++position) {
            const QCborValue key = it.key();
            int column = -1;
            if (position < knownKeys.size() && knownKeys.at(position) == key) {
                column = knownColumns.at(position);
            } else {
                if (!key.isString())
                    return invalid(index, QStringLiteral("column names must be strings"));
                column = schema.columnByName.value(key.toString(), -1);
                if (position >= knownKeys.size()) {
                    knownKeys.resize(position + 1);
                    knownColumns.resize(position + 1);
                }
                knownKeys[position] = key;
                knownColumns[position] = column;
            }
            // Unknown columns are ignored (the slave's model may be older); id and version
            // come from the change.
            if (column < 0 || column == schema.idColumn || column == schema.versionColumn)
                continue;
            QVariant stored;
            QString reason;
            if (!schema.columns.at(column).storedFromCbor(it.value(), &stored, &reason)) {
                return d->fail(ErrorCode::InvalidArguments,
                               QStringLiteral("change %1 (id %2): %3.%4: %5")
                                       .arg(version).arg(id).arg(name, schema.columns.at(column).name, reason));
            }
            values[base + table->storagePosition.at(column) - dataOffset] = std::move(stored);
        }
        Q_ASSERT(values.size() == base + width);
    }
    if (upToVersion <= *applied)
        return true; // all of it was applied before
    if (!d->applyPending(table, pending, values, upToVersion))
        return false;
    if (appliedCount)
        *appliedCount = int(pending.size());
    return true;
}

bool OrmDatabasePrivate::applyPending(Table *table, const QList<PendingChange> &pending,
                                      const QList<QVariant> &values, qint64 upToVersion)
{
    const QString &name = table->name();
    const TableSchema &schema = table->schema;
    const qsizetype width = schema.dataColumns.size();
    if (!beginWrite())
        return false;
    const auto abort = [this] {
        rollback();
        return false;
    };
    const QString quotedName = QString::fromUtf8(schema.quotedName);
    const int storageWidth = int(table->storageOrder.size());
    qint64 firstApplied = 0;
    qint64 lastApplied = 0;
    for (const PendingChange &change : pending) {
        firstApplied = firstApplied == 0 ? change.version : qMin(firstApplied, change.version);
        lastApplied = qMax(lastApplied, change.version);
    }
    // Binds one upsert at `base`; its values are the next `width` in `values`.
    qsizetype valueOffset = 0;
    const auto bindUpsert = [&](SqliteStatement *query, int base, const PendingChange &change) {
        int position = base;
        query->bind(position++, change.id);
        query->bind(position++, change.version);
        for (qsizetype i = 0; i < width; ++i)
            query->bind(position++, values.at(valueOffset + i));
        valueOffset += width;
    };
    QString why;
    for (qsizetype index = 0; index < pending.size();) {
        const PendingChange &change = pending.at(index);
        if (change.kind == RecordChange::Upsert) {
            // A run of upserts: multi-row INSERT OR REPLACE statements (rows apply in order).
            qsizetype end = index + 1;
            while (end < pending.size() && pending.at(end).kind == RecordChange::Upsert)
                ++end;
            const int chunkRows = table->chunkRows;
            if (chunkRows > 1 && end - index >= chunkRows) {
                SqliteStatement *chunk = prepared(table->replaceChunk, insertStatement(table, chunkRows, InsertMode::Replace));
                if (!chunk)
                    return abort();
                for (; end - index >= chunkRows; index += chunkRows) {
                    for (int row = 0; row < chunkRows; ++row)
                        bindUpsert(chunk, row * storageWidth, pending.at(index + row));
                    if (!chunk->exec(&why)) {
                        failStatement(QStringLiteral("applying changes %1.. to %2").arg(pending.at(index).version).arg(name), why);
                        return abort();
                    }
                }
            }
            SqliteStatement *one = prepared(table->replaceOne, insertStatement(table, 1, InsertMode::Replace));
            if (!one)
                return abort();
            for (; index < end; ++index) {
                bindUpsert(one, 0, pending.at(index));
                if (!one->exec(&why)) {
                    failStatement(QStringLiteral("applying change %1 to %2").arg(pending.at(index).version).arg(name), why);
                    return abort();
                }
            }
            continue;
        }
        QSqlQuery *query = prepared(table->removeOne, QStringLiteral("DELETE FROM %1 WHERE id = ?").arg(quotedName));
        if (!query)
            return abort();
        query->bindValue(0, change.id);
        if (!query->exec()) {
            failQuery(*query, QStringLiteral("applying change %1 to %2").arg(change.version).arg(name));
            return abort();
        }
        if (!writeTombstoneRow(table, change.id, change.version))
            return abort();
        ++index;
    }
    // The slave's own transaction bounds, for a slave that is itself followed.
    if (!setMetaValue(appliedVersionKey(name), upToVersion) || !writeTransactionBounds(firstApplied, lastApplied))
        return abort();
    const qint64 newCurrent = qMax(currentVersion, upToVersion);
    if (newCurrent != currentVersion && !setMetaValue(currentVersionKey, newCurrent))
        return abort();
    if (!commit())
        return abort();
    currentVersion = newCurrent;
    for (const PendingChange &change : pending)
        reserveId(table, change.id);
    qCDebug(lcOrm) << "applied" << pending.size() << "changes to" << name << "up to version" << upToVersion;
    if (!pending.isEmpty())
        Q_EMIT q->committed({name}, firstApplied, lastApplied);
    return true;
}

qint64 OrmDatabase::appliedVersion(const QString &name) const
{
    d->clearError();
    if (!d->checkUsable())
        return 0;
    return d->metaValue(appliedVersionKey(name)).value_or(0);
}

bool OrmDatabase::transactionBounds(qint64 version, qint64 *firstVersion, qint64 *lastVersion) const
{
    d->clearError();
    if (!d->checkUsable())
        return false;
    QSqlQuery *query = d->prepared(d->readTransaction,
                                   QStringLiteral("SELECT first_version, last_version FROM burrow_transactions "
                                                  "WHERE last_version >= ? ORDER BY last_version LIMIT 1"));
    if (!query)
        return false;
    query->bindValue(0, version);
    if (!query->exec()) {
        d->failQuery(*query, QStringLiteral("reading the transaction of version %1").arg(version));
        return false;
    }
    bool found = false;
    if (query->next()) {
        const qint64 first = query->value(0).toLongLong();
        const qint64 last = query->value(1).toLongLong();
        // Transactions do not overlap: the first one ending at or after `version` is the only
        // one that can hold it.
        if (first <= version) {
            found = true;
            if (firstVersion)
                *firstVersion = first;
            if (lastVersion)
                *lastVersion = last;
        }
    }
    query->finish();
    return found;
}

} // namespace Burrow
