#pragma once

#include "changepager_p.h"

#include <Burrow/replicationcontract.h>
#include <Burrow/replicationmaster.h>

#include <QtCore/QHash>
#include <QtCore/QPointer>
#include <QtCore/QSet>
#include <QtCore/QTimer>

#include <deque>
#include <memory>

namespace Burrow {

class OrmDatabase;
class ServiceRegistry;

// The IReplicationService implementation: a child of the master (so the registry does not own
// it), living in the database's thread.
class ReplicationService : public IReplicationService
{
    Q_OBJECT
public:
    ReplicationService(ReplicationMasterPrivate *master, QObject *parent);

    QCborMap subscribe(const QString &table, qint64 afterVersion,
                       QSharedPointer<Burrow::IReplicationCallback> callback) override;
    QCborMap fetch(const QString &table, qint64 afterVersion, int limit) override;
    qint64 currentVersion() override;

    // The ServiceRegistry release convention.
    Q_INVOKABLE void callbackReleased(QObject *callback, const QString &interfaceName);

private:
    ReplicationMasterPrivate *m_master;
};

class ReplicationMasterPrivate
{
public:
    struct Subscription
    {
        ReplicationSubscription info;
        QSharedPointer<IReplicationCallback> callback;
    };
    using SubscriptionPointer = std::shared_ptr<Subscription>;

    struct Commit
    {
        qint64 firstVersion;
        qint64 lastVersion;
        qint64 committedAt;
    };

    explicit ReplicationMasterPrivate(ReplicationMaster *q) : q(q) {}

    void onCommitted(const QStringList &tables, qint64 fromVersion, qint64 toVersion);
    void flush();
    void flushTable(const QString &table);
    // Sends changes after each subscription's delivered version; `only` limits it to one.
    void sendChanges(const QString &table, QList<SubscriptionPointer> group);
    qint64 committedAt(const QString &table, qint64 afterVersion) const;
    void pruneCommits(const QString &table);
    void remove(const SubscriptionPointer &subscription, const char *why);
    void removeCallback(QObject *callback);

    // Throws std::invalid_argument when slaves may not follow the table.
    void checkTable(const QString &table) const;

    QCborMap subscribe(const QString &table, qint64 afterVersion,
                       const QSharedPointer<IReplicationCallback> &callback);
    QCborMap fetch(const QString &table, qint64 afterVersion, int limit);

    ReplicationMaster *q;
    QPointer<OrmDatabase> database;
    QPointer<ServiceRegistry> registry;
    ReplicationService *service = nullptr;
    bool serving = false;

    QStringList tables;
    int gatherDelay = 1;
    int maxChangesPerMessage = 10000;

    QHash<QString, std::deque<Commit>> recentCommits; // per table with subscriptions
    QHash<QString, QList<SubscriptionPointer>> subscriptions;
    QSet<QString> dirtyTables;
    QTimer flushTimer;
    quint64 nextSubscriptionId = 1;
};

} // namespace Burrow
