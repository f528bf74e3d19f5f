#include "replicationmaster_p.h"

#include "logging_p.h"

#include <Burrow/callcontext.h>
#include <Burrow/connection.h>
#include <Burrow/ormdatabase.h>
#include <Burrow/reply.h>
#include <Burrow/serviceregistry.h>

#include <QtCore/QThread>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace Burrow {

namespace {
const QString keySubscribed = QStringLiteral("subscribed");
const QString keyChanges = QStringLiteral("changes");
const QString keyFromVersion = QStringLiteral("fromVersion");
const QString keyToVersion = QStringLiteral("toVersion");
const QString keyCurrentVersion = QStringLiteral("currentVersion");
const QString keyComplete = QStringLiteral("complete");

// Commit times kept per followed table, beyond which committedAt becomes "unknown".
constexpr size_t maxRecentCommits = 100000;
} // namespace

// ---- ReplicationService --------------------------------------------------------------------

ReplicationService::ReplicationService(ReplicationMasterPrivate *master, QObject *parent)
    : IReplicationService(parent), m_master(master)
{
}

QCborMap ReplicationService::subscribe(const QString &table, qint64 afterVersion,
                                       QSharedPointer<IReplicationCallback> callback)
{
    return m_master->subscribe(table, afterVersion, callback);
}

QCborMap ReplicationService::fetch(const QString &table, qint64 afterVersion, int limit)
{
    return m_master->fetch(table, afterVersion, limit);
}

qint64 ReplicationService::currentVersion()
{
    if (!m_master->database)
        throw std::runtime_error("the master database is gone");
    return m_master->database->currentVersion();
}

void ReplicationService::callbackReleased(QObject *callback, const QString &interfaceName)
{
    Q_UNUSED(interfaceName);
    m_master->removeCallback(callback);
}

// ---- ReplicationMasterPrivate ---------------------------------------------------------------

void ReplicationMasterPrivate::checkTable(const QString &table) const
{
    if (!database)
        throw std::runtime_error("the master database is gone");
    if (!tables.isEmpty() && !tables.contains(table))
        throw std::invalid_argument(QStringLiteral("table %1 is not replicated by this master").arg(table).toStdString());
    const TableInfo info = database->tableInfo(table);
    if (!info.isValid())
        throw std::invalid_argument(QStringLiteral("the master has no table %1").arg(table).toStdString());
    if (!info.isVersioned) {
        throw std::invalid_argument(QStringLiteral("table %1 is not versioned (no version property): "
                                                   "it cannot be replicated").arg(table).toStdString());
    }
}

QCborMap ReplicationMasterPrivate::fetch(const QString &table, qint64 afterVersion, int limit)
{
    checkTable(table);
    if (afterVersion < 0)
        throw std::invalid_argument("afterVersion must not be negative");
    const qint64 current = database->currentVersion();
    if (afterVersion > current) {
        throw std::invalid_argument(QStringLiteral("the slave has version %1 of %2, the master only %3: "
                                                   "they do not replicate the same database")
                                        .arg(afterVersion).arg(table).arg(current).toStdString());
    }
    const int pageLimit = std::clamp(limit, 1, maxChangesPerMessage);
    const ChangePage page = readChangePage(database, table, afterVersion, pageLimit);
    if (!page.isValid())
        throw std::runtime_error(page.errorString.toStdString());
    QCborMap answer;
    answer.insert(keyChanges, page.changes);
    answer.insert(keyFromVersion, afterVersion + 1);
    answer.insert(keyToVersion, page.toVersion);
    answer.insert(keyCurrentVersion, page.currentVersion);
    answer.insert(keyComplete, page.complete);
    qCDebug(lcReplication).noquote() << "fetch" << table << "after" << afterVersion << "->" << page.changes.size()
                                     << "changes up to" << page.toVersion << (page.complete ? "(complete)" : "");
    return answer;
}

QCborMap ReplicationMasterPrivate::subscribe(const QString &table, qint64 afterVersion,
                                             const QSharedPointer<IReplicationCallback> &callback)
{
    checkTable(table);
    if (!callback)
        throw std::invalid_argument("subscribe needs a callback");
    if (afterVersion < 0)
        throw std::invalid_argument("afterVersion must not be negative");
    const qint64 current = database->currentVersion();
    if (afterVersion > current) {
        throw std::invalid_argument(QStringLiteral("the slave has version %1 of %2, the master only %3: "
                                                   "they do not replicate the same database")
                                        .arg(afterVersion).arg(table).arg(current).toStdString());
    }

    // Everything runs in the database's thread: no commit can come between reading the delta,
    // registering the subscription and sending the delta. Later commits reach it through
    // onCommitted(), from its delivered version on: no gap.
    const ChangePage page = readChangePage(database, table, afterVersion, maxChangesPerMessage);
    if (!page.isValid())
        throw std::runtime_error(page.errorString.toStdString());
    QCborMap answer;
    answer.insert(keyCurrentVersion, current);
    if (!page.complete) {
        // More than one message behind: the slave fetches first (bounded memory here).
        answer.insert(keySubscribed, false);
        return answer;
    }

    auto subscription = std::make_shared<Subscription>();
    subscription->callback = callback;
    ReplicationSubscription &info = subscription->info;
    info.id = nextSubscriptionId++;
    info.table = table;
    info.deliveredVersion = afterVersion;
    info.since = QDateTime::currentDateTimeUtc();
    if (const CallContext *context = CallContext::current()) {
        if (Connection *connection = context->connection()) {
            info.connectionId = connection->id();
            info.peer = connection->peerAddress().toString() + QLatin1Char(':') + QString::number(connection->peerPort());
        }
    }
    subscriptions[table].append(subscription);
    qCInfo(lcReplication).noquote() << "subscription" << info.id << "to" << table << "from" << info.peer
                                    << "after version" << afterVersion;
    Q_EMIT q->subscriptionAdded(info);

    if (!page.changes.isEmpty()) {
        callback->changes(table, page.changes, afterVersion + 1, page.toVersion, committedAt(table, afterVersion));
        if (lastCallError().isError()) {
            remove(subscription, "its callback failed");
            throw std::runtime_error(lastCallError().message().toStdString());
        }
        info.deliveredVersion = page.toVersion;
        ++info.messageCount;
        info.changeCount += page.changes.size();
        Q_EMIT q->changesSent(table, 1, int(page.changes.size()), afterVersion + 1, page.toVersion);
    }
    answer.insert(keySubscribed, true);
    answer.insert(keyToVersion, info.deliveredVersion);
    return answer;
}

void ReplicationMasterPrivate::onCommitted(const QStringList &committedTables, qint64 fromVersion, qint64 toVersion)
{
    if (toVersion <= 0)
        return; // only unversioned tables
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const QString &table : committedTables) {
        if (subscriptions.value(table).isEmpty())
            continue;
        std::deque<Commit> &commits = recentCommits[table];
        commits.push_back({fromVersion, toVersion, now});
        if (commits.size() > maxRecentCommits)
            commits.pop_front();
        dirtyTables.insert(table);
    }
    if (!dirtyTables.isEmpty() && !flushTimer.isActive())
        flushTimer.start(gatherDelay);
}

void ReplicationMasterPrivate::flush()
{
    const QSet<QString> tablesToSend = std::exchange(dirtyTables, {});
    for (const QString &table : tablesToSend)
        flushTable(table);
}

void ReplicationMasterPrivate::flushTable(const QString &table)
{
    if (!database)
        return;
    // Subscriptions at the same version share each page: read and converted once.
    std::map<qint64, QList<SubscriptionPointer>> groups;
    for (const SubscriptionPointer &subscription : subscriptions.value(table))
        groups[subscription->info.deliveredVersion].append(subscription);
    for (auto &[version, group] : groups)
        sendChanges(table, group);
    pruneCommits(table);
}

void ReplicationMasterPrivate::sendChanges(const QString &table, QList<SubscriptionPointer> group)
{
    qint64 after = group.constFirst()->info.deliveredVersion;
    while (!group.isEmpty()) {
        const ChangePage page = readChangePage(database, table, after, maxChangesPerMessage);
        if (!page.isValid()) {
            qCWarning(lcReplication).noquote() << "cannot read the changes of" << table << "after version" << after
                                               << page.errorString;
            return;
        }
        if (page.changes.isEmpty())
            return; // versions of other tables only: the next message starts at after + 1 still
        const QCborArray &changes = page.changes;
        const qint64 when = committedAt(table, after);
        QList<SubscriptionPointer> gone;
        for (const SubscriptionPointer &subscription : std::as_const(group)) {
            subscription->callback->changes(table, changes, after + 1, page.toVersion, when);
            if (lastCallError().isError()) {
                gone.append(subscription);
                continue;
            }
            ReplicationSubscription &info = subscription->info;
            info.deliveredVersion = page.toVersion;
            ++info.messageCount;
            info.changeCount += page.changes.size();
        }
        for (const SubscriptionPointer &subscription : std::as_const(gone)) {
            group.removeOne(subscription);
            remove(subscription, "its callback is released");
        }
        if (!group.isEmpty())
            Q_EMIT q->changesSent(table, int(group.size()), int(page.changes.size()), after + 1, page.toVersion);
        after = page.toVersion;
        if (page.complete)
            return;
    }
}

qint64 ReplicationMasterPrivate::committedAt(const QString &table, qint64 afterVersion) const
{
    const auto found = recentCommits.constFind(table);
    if (found == recentCommits.constEnd())
        return -1;
    const std::deque<Commit> &commits = found.value();
    const auto it = std::upper_bound(commits.cbegin(), commits.cend(), afterVersion,
                                     [](qint64 v, const Commit &commit) { return v < commit.lastVersion; });
    return it == commits.cend() ? -1 : it->committedAt;
}

void ReplicationMasterPrivate::pruneCommits(const QString &table)
{
    const QList<SubscriptionPointer> list = subscriptions.value(table);
    if (list.isEmpty()) {
        recentCommits.remove(table);
        return;
    }
    qint64 oldest = list.constFirst()->info.deliveredVersion;
    for (const SubscriptionPointer &subscription : list)
        oldest = qMin(oldest, subscription->info.deliveredVersion);
    std::deque<Commit> &commits = recentCommits[table];
    while (!commits.empty() && commits.front().lastVersion <= oldest)
        commits.pop_front();
}

void ReplicationMasterPrivate::remove(const SubscriptionPointer &subscription, const char *why)
{
    auto it = subscriptions.find(subscription->info.table);
    if (it == subscriptions.end() || !it->removeOne(subscription))
        return;
    if (it->isEmpty()) {
        subscriptions.erase(it);
        recentCommits.remove(subscription->info.table);
    }
    qCInfo(lcReplication).noquote() << "subscription" << subscription->info.id << "to" << subscription->info.table
                                    << "ended:" << why;
    const ReplicationSubscription info = subscription->info;
    subscription->callback.reset();
    Q_EMIT q->subscriptionRemoved(info);
}

void ReplicationMasterPrivate::removeCallback(QObject *callback)
{
    QList<SubscriptionPointer> released;
    for (const QList<SubscriptionPointer> &list : std::as_const(subscriptions)) {
        for (const SubscriptionPointer &subscription : list) {
            if (subscription->callback.data() == callback)
                released.append(subscription);
        }
    }
    for (const SubscriptionPointer &subscription : std::as_const(released))
        remove(subscription, "its callback was released");
}

// ---- ReplicationMaster ----------------------------------------------------------------------

ReplicationMaster::ReplicationMaster(OrmDatabase *database, ServiceRegistry *registry, QObject *parent)
    : QObject(parent), d(std::make_unique<ReplicationMasterPrivate>(this))
{
    qRegisterMetaType<ReplicationSubscription>();
    d->database = database;
    d->registry = registry;
    if (database && database->thread() != thread())
        qCWarning(lcReplication) << "ReplicationMaster must live in the thread of its database";
    d->flushTimer.setSingleShot(true);
    d->flushTimer.setTimerType(Qt::PreciseTimer);
    QObject::connect(&d->flushTimer, &QTimer::timeout, this, [this] { d->flush(); });
    if (database) {
        connect(database, &OrmDatabase::committed, this,
                [this](const QStringList &tables, qint64 fromVersion, qint64 toVersion) {
                    d->onCommitted(tables, fromVersion, toVersion);
                });
    }

    d->service = new ReplicationService(d.get(), this);
    if (registry) {
        QPointer<ReplicationService> service = d->service;
        d->serving = registry->registerService<IReplicationService>(
                [service]() -> IReplicationService * { return service.data(); }, ServiceRegistry::Lifetime::Shared,
                ServiceRegistry::Execution::InstanceThread);
        if (!d->serving) {
            qCWarning(lcReplication) << "the service registry already serves"
                                     << IReplicationService::burrowContract().interfaceName();
        }
    }
}

ReplicationMaster::~ReplicationMaster()
{
    d->flushTimer.stop();
    if (d->serving && d->registry)
        d->registry->unregisterService<IReplicationService>();
    d->subscriptions.clear();
    // The service may still be referenced by queued calls: they find no instance once it is gone.
    delete d->service;
    d->service = nullptr;
}

OrmDatabase *ReplicationMaster::database() const
{
    return d->database.data();
}

bool ReplicationMaster::isServing() const
{
    return d->serving;
}

QStringList ReplicationMaster::tables() const
{
    return d->tables;
}

void ReplicationMaster::setTables(const QStringList &tables)
{
    d->tables = tables;
}

int ReplicationMaster::gatherDelay() const
{
    return d->gatherDelay;
}

void ReplicationMaster::setGatherDelay(int milliseconds)
{
    d->gatherDelay = qMax(0, milliseconds);
}

int ReplicationMaster::maxChangesPerMessage() const
{
    return d->maxChangesPerMessage;
}

void ReplicationMaster::setMaxChangesPerMessage(int count)
{
    d->maxChangesPerMessage = qMax(1, count);
}

QList<ReplicationSubscription> ReplicationMaster::subscriptions() const
{
    QList<ReplicationSubscription> result;
    for (const auto &list : std::as_const(d->subscriptions)) {
        for (const auto &subscription : list)
            result.append(subscription->info);
    }
    std::sort(result.begin(), result.end(),
              [](const ReplicationSubscription &a, const ReplicationSubscription &b) { return a.id < b.id; });
    return result;
}

int ReplicationMaster::subscriptionCount() const
{
    int count = 0;
    for (const auto &list : std::as_const(d->subscriptions))
        count += int(list.size());
    return count;
}

} // namespace Burrow
