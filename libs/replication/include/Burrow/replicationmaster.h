#pragma once

#include <Burrow/replicationglobal.h>

#include <QtCore/QDateTime>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <memory>

namespace Burrow {

class OrmDatabase;
class ServiceRegistry;
class ReplicationMasterPrivate;

// One callback following one table of the master (what ReplicationMaster::subscriptions()
// lists, for monitors).
struct ReplicationSubscription
{
    quint64 id = 0;              // unique in this ReplicationMaster
    QString table;
    quint64 connectionId = 0;    // Connection::id() of the slave's WebSocket
    QString peer;                // "address:port" of the slave
    qint64 deliveredVersion = 0; // every change up to this version was sent
    qint64 messageCount = 0;     // changes messages sent
    qint64 changeCount = 0;      // changes sent
    QDateTime since;             // when the slave subscribed
};

// The master side of real-time replication: serves the versioned tables of `database` to
// ReplicationSlaves over `registry` (interface "BurrowReplication", see replicationcontract.h).
//
//     OrmDatabase db;  db.open("master.sqlite");  db.registerTable<Person>();
//     Server server;   ServiceRegistry registry;  registry.attach(&server);
//     ReplicationMaster master(&db, &registry);
//     server.listen(QHostAddress::Any, 8888);
//
// After each commit (OrmDatabase::committed()) the master reads the new changes of the tables
// that have subscriptions, once per group of subscriptions at the same version, and sends each
// subscription ONE message for all the commits gathered within gatherDelay(): the slave applies
// it as one transaction. A message holds at most maxChangesPerMessage() changes (more are sent
// as several messages) and never ends inside one of the master's transactions, so a slave never
// holds part of one. A subscription ends when its callback is released (ReplicationSlave::
// stopSync(), or the slave's connection closes).
//
// Lives in the database's thread, and so do the calls it serves (Execution::InstanceThread).
// `database` must outlive it. `registry` may go first; the service is unregistered when the
// master is destroyed.
class BURROW_REPLICATION_EXPORT ReplicationMaster : public QObject
{
    Q_OBJECT
public:
    ReplicationMaster(OrmDatabase *database, ServiceRegistry *registry, QObject *parent = nullptr);
    ~ReplicationMaster() override;

    OrmDatabase *database() const;
    // False when the registry already served another "BurrowReplication" (see the warning).
    bool isServing() const;

    // The tables slaves may follow. Empty (the default): every versioned table of the database.
    QStringList tables() const;
    void setTables(const QStringList &tables);

    // Commits within this delay of the first one not yet sent go in the same message. 0: the
    // commits made before control returns to the event loop. Default 1 ms.
    int gatherDelay() const;
    void setGatherDelay(int milliseconds);

    // The most changes in one message, live or fetch() page (a single transaction larger than
    // this still goes whole). Default 10000.
    int maxChangesPerMessage() const;
    void setMaxChangesPerMessage(int count);

    QList<ReplicationSubscription> subscriptions() const;
    int subscriptionCount() const;

Q_SIGNALS:
    void subscriptionAdded(const Burrow::ReplicationSubscription &subscription);
    void subscriptionRemoved(const Burrow::ReplicationSubscription &subscription);
    // One message of changes of `table` sent to `subscriptionCount` subscriptions.
    void changesSent(const QString &table, int subscriptionCount, int changeCount, qint64 fromVersion,
                     qint64 toVersion);

private:
    friend class ReplicationMasterPrivate;
    std::unique_ptr<ReplicationMasterPrivate> d;
};

} // namespace Burrow

Q_DECLARE_METATYPE(Burrow::ReplicationSubscription)
