#pragma once

#include "changefeedmodel.h"

#include <Burrow/client.h>
#include <Burrow/replicationslave.h>
#include <Burrow/settings.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QObject>
#include <QtCore/QPair>
#include <QtCore/QQueue>
#include <QtCore/QStringList>
#include <QtCore/QTimer>
#include <QtCore/QUrl>

#include <memory>

namespace Burrow {
class OrmDatabase;
class RemoteServices;
class ReplicationMaster;
class Server;
class ServiceRegistry;
} // namespace Burrow
class QTemporaryDir;
class RandomWriter;

// What replica-monitor shows, without the window: a master (embedded: an OrmDatabase served by
// a Burrow::Server with a ReplicationMaster, in this process; or remote: a replica-master at a
// URL), a local slave (ReplicationSlave over a Client + RemoteServices into its own SQLite
// file), a burst generator writing on an embedded master (RandomWriter), the two row models,
// the statistics and an event log. Everything runs in the thread of the controller.
//
// Every refreshInterval() (100 ms) the models read what changed, the statistics are computed
// and statsChanged() is emitted: the window never does more than that, whatever the write rate.
// Applied transactions are summed per refresh into one log line.
class MonitorController : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        bool embedded = true;
        // Embedded: where the master listens (127.0.0.1, 0: any free port). Remote: the master.
        QUrl masterUrl;
        quint16 embeddedPort = 0;
        // For the slave's Client (reconnection is made automatic).
        Burrow::ClientSettings clientSettings;
        // SQLite files go there (master.sqlite, slave.sqlite, mirror.sqlite); empty: a
        // temporary directory removed at exit.
        QString dataDirectory;
        QString table = QStringLiteral("People");
        // Embedded, empty master: groups of 4 rows inserted by start(), so that the tables are not empty.
        int seedGroups = 100;
    };

    struct Stats
    {
        qint64 masterVersion = 0;
        qint64 slaveVersion = 0; // appliedVersion of the table on the slave
        qint64 lagVersions = 0;
        qint64 lastLagMs = -1;
        qint64 p50LagMs = -1;      // median of the live messages applied in the last second
        double rowsPerSecond = 0;  // changes applied by the slave in the last second
        double writesPerSecond = 0; // rows written by the burst generator in the last second
        Burrow::Client::State connection = Burrow::Client::State::Disconnected;
        Burrow::ReplicationSlave::State slaveState = Burrow::ReplicationSlave::State::Stopped;
        qint64 resumptions = 0;
        int masterRows = 0;
        int slaveRows = 0;
    };

    explicit MonitorController(const Options &options, QObject *parent = nullptr);
    ~MonitorController() override;

    // Opens the databases, starts the embedded master and connects the slave's client (sync
    // is not started). False with errorString() on failure.
    bool start();
    QString errorString() const { return m_error; }
    bool isEmbedded() const { return m_options.embedded; }
    QUrl masterUrl() const { return m_url; }
    QString table() const { return m_options.table; }

    void startSync();
    void stopSync();
    bool isSyncing() const { return m_syncing; }

    // Burst generator (embedded master only): random inserts, updates and deletes.
    bool canBurst() const { return m_writer != nullptr; }
    void setBurstRate(double rowsPerSecond);
    double burstRate() const { return m_burstRate; }
    void startBurst();
    void stopBurst();
    bool isBursting() const;

    // The slave's connection, closed and opened by hand (the slave waits, then resumes).
    void disconnectSlave();
    void reconnectSlave();
    bool isSlaveDisconnected() const { return m_manualDisconnect; }

    ChangeFeedModel *masterModel() const { return m_masterModel; }
    ChangeFeedModel *slaveModel() const { return m_slaveModel; }
    Stats stats() const { return m_stats; }
    QStringList events() const { return m_events; }

    Burrow::OrmDatabase *masterDatabase() const { return m_masterDb.get(); } // nullptr when remote
    Burrow::OrmDatabase *slaveDatabase() const { return m_slaveDb.get(); }
    Burrow::ReplicationSlave *slave() const { return m_slave.get(); }

    int refreshInterval() const { return m_refresh.interval(); }
    void setRefreshInterval(int milliseconds) { m_refresh.setInterval(milliseconds); }
    // Refreshes the models and statistics now (also done by the timer).
    void refresh();

    static QString stateName(Burrow::Client::State state);
    static QString stateName(Burrow::ReplicationSlave::State state);

Q_SIGNALS:
    void statsChanged();
    void eventLogged(const QString &line);
    void syncingChanged(bool syncing);
    void burstingChanged(bool bursting);
    void slaveConnectionChanged(bool disconnectedByHand);

private:
    bool openDatabase(Burrow::OrmDatabase *database, const QString &name);
    void log(const QString &line);
    void flushApplied();

    Options m_options;
    QString m_error;
    QUrl m_url;
    std::unique_ptr<QTemporaryDir> m_tempDir;
    QString m_directory;

    // Embedded master
    std::unique_ptr<Burrow::OrmDatabase> m_masterDb;
    std::unique_ptr<Burrow::Server> m_server;
    std::unique_ptr<Burrow::ServiceRegistry> m_registry;
    std::unique_ptr<Burrow::ReplicationMaster> m_master;
    std::unique_ptr<RandomWriter> m_writer;
    double m_burstRate = 200;

    // Remote master: a second, independent slave mirrors it for the master pane.
    std::unique_ptr<Burrow::OrmDatabase> m_mirrorDb;
    std::unique_ptr<Burrow::Client> m_mirrorClient;
    std::unique_ptr<Burrow::RemoteServices> m_mirrorServices;
    std::unique_ptr<Burrow::ReplicationSlave> m_mirror;

    // The monitored slave
    std::unique_ptr<Burrow::OrmDatabase> m_slaveDb;
    std::unique_ptr<Burrow::Client> m_client;
    std::unique_ptr<Burrow::RemoteServices> m_services;
    std::unique_ptr<Burrow::ReplicationSlave> m_slave;
    bool m_syncing = false;
    bool m_manualDisconnect = false;
    bool m_wasConnected = false;
    bool m_resuming = false; // the slave went live since startSync(): catch-ups are resumptions

    ChangeFeedModel *m_masterModel;
    ChangeFeedModel *m_slaveModel;
    QTimer m_refresh;
    QElapsedTimer m_clock;
    QQueue<QPair<qint64, qint64>> m_lags;    // (time, lag ms) of live messages
    QQueue<QPair<qint64, qint64>> m_applied; // (time, changes)
    QQueue<QPair<qint64, qint64>> m_written; // (time, rows written by the generator so far)
    // Applied since the last log line
    qint64 m_pendingChanges = 0;
    qint64 m_pendingMessages = 0;
    qint64 m_pendingFrom = -1;
    qint64 m_pendingTo = -1;
    bool m_pendingCatchUp = false;
    Stats m_stats;
    QStringList m_events;
};
