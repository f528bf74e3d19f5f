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

QList<RecordChange> OrmDatabase::changesSince(const QString &name, qint64 version, int limit,
                                              qint64 *upToVersion) const
{
    d->clearError();
    if (upToVersion)
        *upToVersion = 0;
    QList<RecordChange> result;
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

    // One read transaction: rows, tombstones and the current version from the same snapshot.
    if (!d->exec(QStringLiteral("BEGIN"), QStringLiteral("starting a read transaction")))
        return result;
    QList<RecordChange> upserts;
    QList<RecordChange> deletes;
    {
        QSqlQuery rows(d->connection);
        rows.setForwardOnly(true);
        rows.prepare(QStringLiteral("SELECT %1 FROM %2 WHERE \"version\" > ? ORDER BY \"version\" LIMIT ?")
                             .arg(QString::fromUtf8(table->storageColumns),
                                  QString::fromUtf8(table->schema.quotedName)));
        rows.bindValue(0, version);
        rows.bindValue(1, limit);
        if (!rows.exec()) {
            d->failQuery(rows, QStringLiteral("reading the changes of %1").arg(name));
            d->rollback();
            return result;
        }
        const int versionPosition = table->storagePosition.at(table->schema.versionColumn);
        while (rows.next()) {
            RecordChange change;
            change.kind = RecordChange::Upsert;
            change.id = rows.value(0).toLongLong();
            change.version = rows.value(versionPosition).toLongLong();
            change.row = d->rowFromQuery(table, rows);
            upserts.append(std::move(change));
        }
        QSqlQuery tombstones(d->connection);
        tombstones.setForwardOnly(true);
        tombstones.prepare(QStringLiteral("SELECT id, version FROM burrow_tombstones "
                                          "WHERE table_name = ? AND version > ? ORDER BY version LIMIT ?"));
        tombstones.bindValue(0, name);
        tombstones.bindValue(1, version);
        tombstones.bindValue(2, limit);
        if (!tombstones.exec()) {
            d->failQuery(tombstones, QStringLiteral("reading the tombstones of %1").arg(name));
            d->rollback();
            return result;
        }
        while (tombstones.next()) {
            RecordChange change;
            change.kind = RecordChange::Delete;
            change.id = tombstones.value(0).toLongLong();
            change.version = tombstones.value(1).toLongLong();
            deletes.append(change);
        }
    }
    const std::optional<qint64> current = d->metaValue(currentVersionKey);
    d->commit();
    if (!current)
        return result;

    // Both lists are in version order and versions are unique: merge, keep the first `limit`.
    result.reserve(qMin(qsizetype(limit), upserts.size() + deletes.size()));
    qsizetype u = 0;
    qsizetype r = 0;
    while (result.size() < limit && (u < upserts.size() || r < deletes.size())) {
        if (r >= deletes.size() || (u < upserts.size() && upserts.at(u).version < deletes.at(r).version))
            result.append(std::move(upserts[u++]));
        else
            result.append(std::move(deletes[r++]));
    }
    if (upToVersion) {
        if (result.size() < limit)
            *upToVersion = qMax(*current, result.isEmpty() ? version : result.constLast().version);
        else
            *upToVersion = result.constLast().version;
    }
    return result;
}

bool OrmDatabase::applyChanges(const QString &name, const QList<RecordChange> &changes,
                               qint64 upToVersion)
{
    d->clearError();
    if (!d->checkUsable())
        return false;
    Table *table = d->findTable(name);
    if (!table)
        return false;
    if (!table->isVersioned()) {
        return d->fail(ErrorCode::NotSupported,
                       QStringLiteral("table %1 is not versioned: changes cannot be applied to it").arg(name));
    }
    for (const RecordChange &change : changes) {
        if (change.id <= 0 || change.version <= 0) {
            return d->fail(ErrorCode::InvalidArguments,
                           QStringLiteral("%1: change with id %2 and version %3 (both must be positive)")
                                   .arg(name).arg(change.id).arg(change.version));
        }
        if (change.version > upToVersion) {
            return d->fail(ErrorCode::InvalidArguments,
                           QStringLiteral("%1: change version %2 is above upToVersion %3")
                                   .arg(name).arg(change.version).arg(upToVersion));
        }
    }
    const std::optional<qint64> applied = d->metaValue(appliedVersionKey(name));
    if (!applied)
        return false;
    if (upToVersion <= *applied)
        return true; // all of it was applied before

    // Convert every row before touching the database: a bad row fails the whole batch.
    const TableSchema &schema = table->schema;
    const qsizetype width = schema.dataColumns.size();
    QList<QVariant> values;
    QList<const RecordChange *> pending;
    for (const RecordChange &change : changes) {
        if (change.version <= *applied)
            continue;
        pending.append(&change);
        if (change.kind != RecordChange::Upsert)
            continue;
        QString why;
        if (!d->storedFromRow(table, change.row, false, &values, nullptr, nullptr, &why)) {
            return d->fail(ErrorCode::InvalidArguments,
                           QStringLiteral("change %1 (id %2): %3").arg(change.version).arg(change.id).arg(why));
        }
    }

    if (!d->beginWrite())
        return false;
    const auto abort = [this] {
        d->rollback();
        return false;
    };
    const QString quotedName = QString::fromUtf8(schema.quotedName);
    const int storageWidth = int(table->storageOrder.size());
    qint64 firstApplied = 0;
    qint64 lastApplied = 0;
    for (const RecordChange *change : std::as_const(pending)) {
        firstApplied = firstApplied == 0 ? change->version : qMin(firstApplied, change->version);
        lastApplied = qMax(lastApplied, change->version);
    }
    // Binds one upsert at `base`; its values are the next `width` in `values`.
    qsizetype valueOffset = 0;
    const auto bindUpsert = [&](QSqlQuery *query, int base, const RecordChange *change) {
        int position = base;
        query->bindValue(position++, change->id);
        query->bindValue(position++, change->version);
        for (qsizetype i = 0; i < width; ++i)
            query->bindValue(position++, values.at(valueOffset + i));
        valueOffset += width;
    };
    for (qsizetype index = 0; index < pending.size();) {
        const RecordChange *change = pending.at(index);
        if (change->kind == RecordChange::Upsert) {
            // A run of upserts: multi-row INSERT OR REPLACE statements (rows apply in order).
            qsizetype end = index + 1;
            while (end < pending.size() && pending.at(end)->kind == RecordChange::Upsert)
                ++end;
            const int chunkRows = table->chunkRows;
            if (chunkRows > 1 && end - index >= chunkRows) {
                QSqlQuery *chunk = d->prepared(table->replaceChunk,
                                               insertStatement(table, chunkRows, InsertMode::Replace));
                if (!chunk)
                    return abort();
                for (; end - index >= chunkRows; index += chunkRows) {
                    for (int row = 0; row < chunkRows; ++row)
                        bindUpsert(chunk, row * storageWidth, pending.at(index + row));
                    if (!chunk->exec()) {
                        d->failQuery(*chunk, QStringLiteral("applying changes %1.. to %2")
                                                     .arg(pending.at(index)->version).arg(name));
                        return abort();
                    }
                }
            }
            QSqlQuery *one = d->prepared(table->replaceOne, insertStatement(table, 1, InsertMode::Replace));
            if (!one)
                return abort();
            for (; index < end; ++index) {
                bindUpsert(one, 0, pending.at(index));
                if (!one->exec()) {
                    d->failQuery(*one, QStringLiteral("applying change %1 to %2").arg(pending.at(index)->version).arg(name));
                    return abort();
                }
            }
            continue;
        }
        QSqlQuery *query = d->prepared(table->removeOne,
                                       QStringLiteral("DELETE FROM %1 WHERE id = ?").arg(quotedName));
        if (!query)
            return abort();
        query->bindValue(0, change->id);
        if (!query->exec()) {
            d->failQuery(*query, QStringLiteral("applying change %1 to %2").arg(change->version).arg(name));
            return abort();
        }
        if (!d->writeTombstoneRow(table, change->id, change->version))
            return abort();
        ++index;
    }
    if (!d->setMetaValue(appliedVersionKey(name), upToVersion))
        return abort();
    const qint64 newCurrent = qMax(d->currentVersion, upToVersion);
    if (newCurrent != d->currentVersion && !d->setMetaValue(currentVersionKey, newCurrent))
        return abort();
    if (!d->commit())
        return abort();
    d->currentVersion = newCurrent;
    for (const RecordChange *change : std::as_const(pending))
        d->reserveId(table, change->id);
    qCDebug(lcOrm) << "applied" << pending.size() << "changes to" << name << "up to version" << upToVersion;
    if (!pending.isEmpty())
        Q_EMIT committed({name}, firstApplied, lastApplied);
    return true;
}

qint64 OrmDatabase::appliedVersion(const QString &name) const
{
    d->clearError();
    if (!d->checkUsable())
        return 0;
    return d->metaValue(appliedVersionKey(name)).value_or(0);
}

} // namespace Burrow
