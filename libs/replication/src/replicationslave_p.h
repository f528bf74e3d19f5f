#pragma once

#include <Burrow/client.h>
#include <Burrow/replicationcontract.h>
#include <Burrow/replicationslave.h>

#include <QtCore/QPointer>
#include <QtCore/QSharedPointer>
#include <QtCore/QTimer>

#include <map>
#include <memory>

namespace Burrow {

class OrmDatabase;
class RemoteServices;
class ReplicationSlavePrivate;
struct TableSync;

// The callback of one subscription: hands the master's messages to the slave, in the slave's
// thread, as long as it is its table's current callback. Deleted later (deleteLater()) once
// dropped, so that it may be dropped while one of its calls runs.
class SlaveCallback : public IReplicationCallback
{
    Q_OBJECT
public:
    SlaveCallback(ReplicationSlave *slave, const QString &table) : m_slave(slave), m_table(table) {}

    void changes(const QString &table, const QCborArray &changes, qint64 fromVersion, qint64 toVersion,
                 qint64 committedAt) override;

private:
    QPointer<ReplicationSlave> m_slave;
    const QString m_table;
};

// One followed table.
struct TableSync
{
    QString table;
    bool wasReadOnly = false;
    // Bumped by every (re)start and stop: answers to older requests are ignored.
    quint64 generation = 0;
    QSharedPointer<SlaveCallback> callback;
    qint64 appliedVersion = 0;
    bool caughtUpOnce = false;
    ReplicationTableStatus status;
    QTimer retryTimer;
};

class ReplicationSlavePrivate
{
public:
    explicit ReplicationSlavePrivate(ReplicationSlave *q) : q(q) {}

    TableSync *find(const QString &table) const;
    void setState(TableSync &sync, ReplicationSlave::State state);
    bool isConnected() const;
    void onClientStateChanged(Client::State state);

    // Catch-up from the applied version, then subscribe.
    void begin(TableSync &sync);
    void fetchAfter(TableSync &sync, quint64 generation, qint64 afterVersion);
    void onPage(TableSync &sync, quint64 generation, const QCborMap &page);
    void subscribe(TableSync &sync, quint64 generation);
    void onSubscribed(TableSync &sync, quint64 generation, const QCborMap &answer);
    void onChanges(SlaveCallback *callback, const QString &table, const QCborArray &changes,
                   qint64 fromVersion, qint64 toVersion, qint64 committedAt);
    // The table's sync if it still runs `generation`.
    TableSync *current(const QString &table, quint64 generation) const;
    // Applies one transaction; false (and the table restarts later) on failure.
    bool apply(TableSync &sync, const QCborArray &changes, qint64 fromVersion, qint64 toVersion, qint64 lagMs);
    // Drops the subscription and requests in flight.
    void reset(TableSync &sync);
    void fail(TableSync &sync, ErrorCode code, const QString &message);

    ReplicationSlave *q;
    QPointer<OrmDatabase> database;
    QPointer<RemoteServices> services;
    QPointer<Client> client;
    QPointer<IReplicationService> service; // the remote proxy, once resolved
    Client::State clientState = Client::State::Disconnected;
    std::map<QString, std::unique_ptr<TableSync>> tables;
    int pageSize = 5000;
    int retryDelay = 1000;
    ErrorCode error = ErrorCode::NoError;
    QString errorString;
};

} // namespace Burrow
