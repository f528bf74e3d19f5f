#include "replicationslave_p.h"

#include "logging_p.h"
#include "replicationcontract_burrow.h"

#include <Burrow/ormdatabase.h>
#include <Burrow/recordchange.h>
#include <Burrow/remoteservices.h>

#include <QtCore/QDateTime>

namespace Burrow {

namespace {
const QString keySubscribed = QStringLiteral("subscribed");
const QString keyChanges = QStringLiteral("changes");
const QString keyFromVersion = QStringLiteral("fromVersion");
const QString keyToVersion = QStringLiteral("toVersion");
const QString keyCurrentVersion = QStringLiteral("currentVersion");
const QString keyComplete = QStringLiteral("complete");
} // namespace

// ---- SlaveCallback ---------------------------------------------------------------------------

void SlaveCallback::changes(const QString &table, const QCborArray &changes, qint64 fromVersion, qint64 toVersion,
                            qint64 committedAt)
{
    if (!m_slave)
        return;
    if (table != m_table) {
        qCWarning(lcReplication).noquote() << "changes of" << table << "on the callback of" << m_table << "ignored";
        return;
    }
    m_slave->d->onChanges(this, table, changes, fromVersion, toVersion, committedAt);
}

// ---- ReplicationSlavePrivate ----------------------------------------------------------------

TableSync *ReplicationSlavePrivate::find(const QString &table) const
{
    const auto it = tables.find(table);
    return it == tables.end() ? nullptr : it->second.get();
}

TableSync *ReplicationSlavePrivate::current(const QString &table, quint64 generation) const
{
    TableSync *sync = find(table);
    return sync && sync->generation == generation ? sync : nullptr;
}

void ReplicationSlavePrivate::setState(TableSync &sync, ReplicationSlave::State state)
{
    if (sync.status.state == state)
        return;
    sync.status.state = state;
    qCInfo(lcReplication).noquote() << sync.table << "is now" << QVariant::fromValue(state).toString();
    Q_EMIT q->stateChanged(sync.table, state);
}

bool ReplicationSlavePrivate::isConnected() const
{
    return client && clientState == Client::State::Connected;
}

void ReplicationSlavePrivate::onClientStateChanged(Client::State state)
{
    const bool wasConnected = isConnected();
    clientState = state;
    QStringList names;
    for (const auto &[name, sync] : tables)
        names.append(name);
    if (isConnected() && !wasConnected) {
        for (const QString &name : std::as_const(names)) {
            if (TableSync *sync = find(name))
                begin(*sync);
        }
    } else if (!isConnected() && wasConnected) {
        for (const QString &name : std::as_const(names)) {
            if (TableSync *sync = find(name)) {
                reset(*sync);
                setState(*sync, ReplicationSlave::State::Waiting);
            }
        }
    }
}

void ReplicationSlavePrivate::reset(TableSync &sync)
{
    ++sync.generation;
    sync.retryTimer.stop();
    // The master ends the subscription when the callback is destroyed (its release is sent).
    sync.callback.reset();
}

void ReplicationSlavePrivate::begin(TableSync &sync)
{
    reset(sync);
    if (!isConnected()) {
        setState(sync, ReplicationSlave::State::Waiting);
        return;
    }
    if (client->isHttp()) {
        // No callbacks over plain HTTP: nothing to retry until the client connects otherwise.
        setState(sync, ReplicationSlave::State::Waiting);
        error = ErrorCode::NotSupported;
        errorString = QStringLiteral("replication needs a WebSocket connection (ws:// or wss://), not %1")
                              .arg(client->url().toString());
        qCWarning(lcReplication).noquote() << sync.table << ":" << errorString;
        Q_EMIT q->errorOccurred(sync.table, error, errorString);
        return;
    }
    if (sync.caughtUpOnce)
        ++sync.status.resumptions;
    const quint64 generation = sync.generation;
    const QString table = sync.table;
    const qint64 after = sync.appliedVersion;
    setState(sync, ReplicationSlave::State::CatchingUp);
    if (TableSync *still = current(table, generation))
        fetchAfter(*still, generation, after);
}

void ReplicationSlavePrivate::fetchAfter(TableSync &sync, quint64 generation, qint64 afterVersion)
{
    const QString table = sync.table;
    const auto send = [this, table, generation, afterVersion] {
        if (!current(table, generation))
            return;
        IReplicationServiceAsync(service.data())
                .fetch(table, afterVersion, pageSize)
                .then(q, [this, table, generation](const Reply<QCborMap> &reply) {
                    TableSync *sync = current(table, generation);
                    if (!sync)
                        return;
                    if (reply.hasError())
                        fail(*sync, reply.error(), reply.errorString());
                    else
                        onPage(*sync, generation, reply.value());
                });
    };
    if (service) {
        send();
        return;
    }
    if (!services) {
        fail(sync, ErrorCode::Unavailable, QStringLiteral("the RemoteServices object is gone"));
        return;
    }
    services->resolveAsync<IReplicationService>().then(
            q, [this, table, generation, send](const Reply<IReplicationService *> &reply) {
                TableSync *sync = current(table, generation);
                if (!sync)
                    return;
                if (reply.hasError()) {
                    fail(*sync, reply.error(), reply.errorString());
                    return;
                }
                service = reply.value();
                send();
            });
}

void ReplicationSlavePrivate::onPage(TableSync &sync, quint64 generation, const QCborMap &page)
{
    const QString table = sync.table;
    const qint64 fromVersion = page.value(keyFromVersion).toInteger();
    const qint64 toVersion = page.value(keyToVersion).toInteger();
    const bool complete = page.value(keyComplete).toBool();
    sync.status.masterVersion = qMax(sync.status.masterVersion, page.value(keyCurrentVersion).toInteger());
    if (toVersion < fromVersion - 1) {
        fail(sync, ErrorCode::InvalidMessage,
             QStringLiteral("the master sent a page of %1 from version %2 to %3").arg(table).arg(fromVersion).arg(toVersion));
        return;
    }
    // Ask for the next page now: the master reads it while this one is applied.
    if (!complete)
        fetchAfter(sync, generation, toVersion);
    if (!apply(sync, page.value(keyChanges).toArray(), fromVersion, toVersion, -1))
        return;
    if (complete) {
        if (TableSync *still = current(table, generation))
            subscribe(*still, generation);
    }
}

void ReplicationSlavePrivate::subscribe(TableSync &sync, quint64 generation)
{
    const QString table = sync.table;
    // Deleted later: a gap found while one of its calls runs drops it.
    sync.callback = QSharedPointer<SlaveCallback>(new SlaveCallback(q, table), &QObject::deleteLater);
    IReplicationServiceAsync(service.data())
            .subscribe(table, sync.appliedVersion, sync.callback)
            .then(q, [this, table, generation](const Reply<QCborMap> &reply) {
                TableSync *sync = current(table, generation);
                if (!sync)
                    return;
                if (reply.hasError())
                    fail(*sync, reply.error(), reply.errorString());
                else
                    onSubscribed(*sync, generation, reply.value());
            });
}

void ReplicationSlavePrivate::onSubscribed(TableSync &sync, quint64 generation, const QCborMap &answer)
{
    Q_UNUSED(generation);
    sync.status.masterVersion = qMax(sync.status.masterVersion, answer.value(keyCurrentVersion).toInteger());
    if (!answer.value(keySubscribed).toBool()) {
        // Fell more than a message behind while catching up: catch up again.
        qCInfo(lcReplication).noquote() << sync.table << "is too far behind to subscribe; fetching again";
        begin(sync);
        return;
    }
    sync.caughtUpOnce = true;
    setState(sync, ReplicationSlave::State::Live);
}

void ReplicationSlavePrivate::onChanges(SlaveCallback *callback, const QString &table, const QCborArray &changes,
                                        qint64 fromVersion, qint64 toVersion, qint64 committedAt)
{
    TableSync *sync = find(table);
    if (!sync || sync->callback.data() != callback)
        return; // a dropped subscription
    sync->status.masterVersion = qMax(sync->status.masterVersion, toVersion);
    const qint64 lag = committedAt > 0 ? qMax<qint64>(0, QDateTime::currentMSecsSinceEpoch() - committedAt) : -1;
    apply(*sync, changes, fromVersion, toVersion, lag);
}

bool ReplicationSlavePrivate::apply(TableSync &sync, const QCborArray &changes, qint64 fromVersion,
                                    qint64 toVersion, qint64 lagMs)
{
    const qint64 applied = sync.appliedVersion;
    if (toVersion <= applied)
        return true; // sent again (after a resumption): applied already
    if (fromVersion > applied + 1) {
        qCWarning(lcReplication).noquote() << sync.table << ": changes from version" << fromVersion
                                           << "but only" << applied << "applied; catching up";
        begin(sync);
        return false;
    }
    if (!database) {
        fail(sync, ErrorCode::Unavailable, QStringLiteral("the slave database is gone"));
        return false;
    }
    // Decoded while applied: no intermediate RecordChange list (the slave's main cost).
    int count = 0;
    if (!database->applyEncodedChanges(sync.table, changes, toVersion, &count)) {
        fail(sync, database->error() == ErrorCode::InvalidArguments ? ErrorCode::InvalidMessage : database->error(),
             QStringLiteral("applying changes %1..%2 of %3 failed: %4")
                     .arg(fromVersion).arg(toVersion).arg(sync.table, database->errorString()));
        return false;
    }
    sync.appliedVersion = toVersion;
    ReplicationTableStatus &status = sync.status;
    status.appliedVersion = toVersion;
    status.masterVersion = qMax(status.masterVersion, toVersion);
    status.appliedChanges += count;
    ++status.appliedMessages;
    if (lagMs >= 0)
        status.lastLagMs = lagMs;
    const QString table = sync.table;
    const quint64 generation = sync.generation;
    Q_EMIT q->changesApplied(table, count, qMax(fromVersion, applied + 1), toVersion, lagMs);
    return current(table, generation) != nullptr;
}

void ReplicationSlavePrivate::fail(TableSync &sync, ErrorCode code, const QString &message)
{
    error = code;
    errorString = message;
    qCWarning(lcReplication).noquote() << sync.table << ":" << message;
    reset(sync);
    setState(sync, ReplicationSlave::State::Waiting);
    const QString table = sync.table;
    if (TableSync *still = find(table)) {
        if (isConnected())
            still->retryTimer.start(retryDelay);
    }
    Q_EMIT q->errorOccurred(table, code, message);
}

// ---- ReplicationSlave -----------------------------------------------------------------------

ReplicationSlave::ReplicationSlave(OrmDatabase *database, RemoteServices *services, QObject *parent)
    : QObject(parent), d(std::make_unique<ReplicationSlavePrivate>(this))
{
    qRegisterMetaType<ReplicationTableStatus>();
    d->database = database;
    d->services = services;
    if (database && database->thread() != thread())
        qCWarning(lcReplication) << "ReplicationSlave must live in the thread of its database";
    if (services && services->client()) {
        d->client = services->client();
        d->clientState = d->client->state();
        connect(d->client.data(), &Client::stateChanged, this,
                [this](Client::State state) { d->onClientStateChanged(state); });
    }
}

ReplicationSlave::~ReplicationSlave()
{
    stopAll();
}

OrmDatabase *ReplicationSlave::database() const
{
    return d->database.data();
}

bool ReplicationSlave::startSync(const QString &table)
{
    d->error = ErrorCode::NoError;
    d->errorString.clear();
    if (d->find(table))
        return true;
    if (!d->database || !d->database->isOpen()) {
        d->error = ErrorCode::Unavailable;
        d->errorString = QStringLiteral("the slave database is not open");
        return false;
    }
    if (!d->client) {
        d->error = ErrorCode::Unavailable;
        d->errorString = QStringLiteral("no client to reach the master through");
        return false;
    }
    const TableInfo info = d->database->tableInfo(table);
    if (!info.isValid() || !info.isVersioned) {
        d->error = info.isValid() ? ErrorCode::NotSupported : ErrorCode::NotFound;
        d->errorString = info.isValid()
                ? QStringLiteral("table %1 is not versioned: it cannot be replicated").arg(table)
                : QStringLiteral("the slave database has no table %1 (register it first)").arg(table);
        return false;
    }
    auto sync = std::make_unique<TableSync>();
    sync->table = table;
    sync->status.table = table;
    sync->wasReadOnly = d->database->isReadOnly(table);
    d->database->setReadOnly(table, true);
    sync->appliedVersion = d->database->appliedVersion(table);
    sync->status.appliedVersion = sync->appliedVersion;
    sync->retryTimer.setSingleShot(true);
    connect(&sync->retryTimer, &QTimer::timeout, this, [this, table] {
        if (TableSync *sync = d->find(table))
            d->begin(*sync);
    });
    TableSync &added = *sync;
    d->tables.emplace(table, std::move(sync));
    qCInfo(lcReplication).noquote() << "following" << table << "from version" << added.appliedVersion;
    d->begin(added);
    return true;
}

void ReplicationSlave::stopSync(const QString &table)
{
    const auto it = d->tables.find(table);
    if (it == d->tables.end())
        return;
    std::unique_ptr<TableSync> sync = std::move(it->second);
    d->tables.erase(it);
    d->reset(*sync);
    if (d->database && d->database->isOpen())
        d->database->setReadOnly(table, sync->wasReadOnly);
    qCInfo(lcReplication).noquote() << "stopped following" << table << "at version" << sync->appliedVersion;
    if (sync->status.state != State::Stopped)
        Q_EMIT stateChanged(table, State::Stopped);
}

void ReplicationSlave::stopAll()
{
    while (!d->tables.empty()) {
        const QString table = d->tables.begin()->first; // a copy: stopSync() erases the key
        stopSync(table);
    }
}

QStringList ReplicationSlave::tables() const
{
    QStringList names;
    for (const auto &[name, sync] : d->tables)
        names.append(name);
    return names;
}

ReplicationSlave::State ReplicationSlave::state(const QString &table) const
{
    const TableSync *sync = d->find(table);
    return sync ? sync->status.state : State::Stopped;
}

ReplicationTableStatus ReplicationSlave::status(const QString &table) const
{
    const TableSync *sync = d->find(table);
    if (!sync) {
        ReplicationTableStatus stopped;
        stopped.table = table;
        if (d->database && d->database->isOpen() && d->database->hasTable(table))
            stopped.appliedVersion = d->database->appliedVersion(table);
        return stopped;
    }
    return sync->status;
}

int ReplicationSlave::pageSize() const
{
    return d->pageSize;
}

void ReplicationSlave::setPageSize(int count)
{
    d->pageSize = qMax(1, count);
}

int ReplicationSlave::retryDelay() const
{
    return d->retryDelay;
}

void ReplicationSlave::setRetryDelay(int milliseconds)
{
    d->retryDelay = qMax(0, milliseconds);
}

ErrorCode ReplicationSlave::error() const
{
    return d->error;
}

QString ReplicationSlave::errorString() const
{
    return d->errorString;
}

} // namespace Burrow
