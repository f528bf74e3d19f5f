#include "monitorcontroller.h"

#include "person.h"
#include "randomwriter.h"

#include <Burrow/ormdatabase.h>
#include <Burrow/ormrestservice.h>
#include <Burrow/remoteservices.h>
#include <Burrow/replicationmaster.h>
#include <Burrow/server.h>
#include <Burrow/serviceregistry.h>
#include <Burrow/writebatch.h>

#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTime>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace {
constexpr int windowMs = 1000; // statistics over the last second
constexpr int maxEvents = 1000;
} // namespace

MonitorController::MonitorController(const Options &options, QObject *parent)
    : QObject(parent), m_options(options), m_masterModel(new ChangeFeedModel(this)),
      m_slaveModel(new ChangeFeedModel(this))
{
    m_clock.start();
    m_refresh.setInterval(100);
    connect(&m_refresh, &QTimer::timeout, this, &MonitorController::refresh);
}

MonitorController::~MonitorController()
{
    m_refresh.stop();
    // No more signals to this half-destroyed object (stopping the slaves emits stateChanged).
    for (QObject *source : {static_cast<QObject *>(m_slave.get()), static_cast<QObject *>(m_client.get()),
                            static_cast<QObject *>(m_master.get())}) {
        if (source)
            source->disconnect(this);
    }
    if (m_writer)
        m_writer->stop();
    // The slaves first (their callbacks are released), then the clients, then the master.
    m_slave.reset();
    m_mirror.reset();
    if (m_client)
        m_client->disconnectFromServer();
    if (m_mirrorClient)
        m_mirrorClient->disconnectFromServer();
    m_services.reset();
    m_mirrorServices.reset();
    m_client.reset();
    m_mirrorClient.reset();
    m_master.reset();
    if (m_server)
        m_server->close();
    m_registry.reset();
    m_server.reset();
    m_masterModel->setSource(nullptr, {});
    m_slaveModel->setSource(nullptr, {});
}

QString MonitorController::stateName(Burrow::Client::State state)
{
    switch (state) {
    case Burrow::Client::State::Disconnected:
        return u"disconnected"_s;
    case Burrow::Client::State::Connecting:
        return u"connecting"_s;
    case Burrow::Client::State::Connected:
        return u"connected"_s;
    case Burrow::Client::State::Reconnecting:
        return u"reconnecting"_s;
    }
    return u"?"_s;
}

QString MonitorController::stateName(Burrow::ReplicationSlave::State state)
{
    switch (state) {
    case Burrow::ReplicationSlave::State::Stopped:
        return u"stopped"_s;
    case Burrow::ReplicationSlave::State::Waiting:
        return u"waiting"_s;
    case Burrow::ReplicationSlave::State::CatchingUp:
        return u"catching up"_s;
    case Burrow::ReplicationSlave::State::Live:
        return u"live"_s;
    }
    return u"?"_s;
}

bool MonitorController::openDatabase(Burrow::OrmDatabase *database, const QString &name)
{
    const QString file = QDir(m_directory).filePath(name);
    if (!database->open(file) || !database->registerTable<Person>()) {
        m_error = u"cannot open %1: %2"_s.arg(file, database->errorString());
        return false;
    }
    return true;
}

bool MonitorController::start()
{
    if (m_options.dataDirectory.isEmpty()) {
        m_tempDir = std::make_unique<QTemporaryDir>();
        if (!m_tempDir->isValid()) {
            m_error = u"cannot create a temporary directory: %1"_s.arg(m_tempDir->errorString());
            return false;
        }
        m_directory = m_tempDir->path();
    } else {
        m_directory = m_options.dataDirectory;
        if (!QDir().mkpath(m_directory)) {
            m_error = u"cannot create %1"_s.arg(m_directory);
            return false;
        }
    }

    Burrow::ClientSettings settings = m_options.clientSettings;
    settings.setReconnect(Burrow::ClientSettings::Reconnect::Automatically);
    settings.setReconnectInitialDelay(100);
    settings.setReconnectMaxDelay(2000);

    if (m_options.embedded) {
        m_masterDb = std::make_unique<Burrow::OrmDatabase>();
        if (!openDatabase(m_masterDb.get(), u"master.sqlite"_s))
            return false;
        m_server = std::make_unique<Burrow::Server>();
        m_registry = std::make_unique<Burrow::ServiceRegistry>();
        m_registry->attach(m_server.get());
        Burrow::OrmRestService::serve(m_server.get(), m_masterDb.get());
        m_master = std::make_unique<Burrow::ReplicationMaster>(m_masterDb.get(), m_registry.get());
        connect(m_master.get(), &Burrow::ReplicationMaster::subscriptionAdded, this,
                [this](const Burrow::ReplicationSubscription &s) {
                    log(u"master: %1 subscribed to %2 from v%3"_s.arg(s.peer, s.table).arg(s.deliveredVersion));
                });
        connect(m_master.get(), &Burrow::ReplicationMaster::subscriptionRemoved, this,
                [this](const Burrow::ReplicationSubscription &s) {
                    log(u"master: %1 unsubscribed at v%2"_s.arg(s.peer).arg(s.deliveredVersion));
                });
        if (!m_server->listen(QHostAddress::LocalHost, m_options.embeddedPort)) {
            m_error = u"cannot listen on 127.0.0.1:%1: %2"_s.arg(m_options.embeddedPort).arg(m_server->errorString());
            return false;
        }
        m_url = m_server->webSocketUrl();
        m_writer = std::make_unique<RandomWriter>(m_masterDb.get());
        m_writer->setRate(m_burstRate);
        if (m_masterDb->count<Person>() == 0 && m_options.seedGroups > 0) {
            // Groups of 4 rows stamped with batch numbers 1..n, as RandomWriter writes them
            // (it picks them up when it starts), in one transaction.
            Burrow::WriteBatch batch = m_masterDb->batch();
            for (int group = 1; group <= m_options.seedGroups; ++group) {
                for (int i = 0; i < 4; ++i) {
                    Person p;
                    p.name = u"Seed %1"_s.arg(group);
                    p.age = 20 + (group * 7 + i * 13) % 60;
                    p.email = u"seed.%1.%2@example.org"_s.arg(group).arg(i);
                    p.updated = QDateTime::currentDateTimeUtc();
                    p.batch = group;
                    batch.insert(p);
                }
            }
            if (!batch.commit()) {
                m_error = u"cannot seed the master: %1"_s.arg(batch.errorString());
                return false;
            }
        }
        m_masterModel->setSource(m_masterDb.get(), m_options.table);
        log(u"embedded master listening on %1 (v%2, data in %3)"_s.arg(m_url.toString())
                .arg(m_masterDb->currentVersion())
                .arg(QDir::toNativeSeparators(m_directory)));
    } else {
        m_url = m_options.masterUrl;
        m_mirrorDb = std::make_unique<Burrow::OrmDatabase>();
        if (!openDatabase(m_mirrorDb.get(), u"mirror.sqlite"_s))
            return false;
        m_mirrorClient = std::make_unique<Burrow::Client>();
        m_mirrorClient->setSettings(settings);
        m_mirrorServices = std::make_unique<Burrow::RemoteServices>(m_mirrorClient.get());
        m_mirror = std::make_unique<Burrow::ReplicationSlave>(m_mirrorDb.get(), m_mirrorServices.get());
        if (!m_mirror->startSync(m_options.table)) {
            m_error = m_mirror->errorString();
            return false;
        }
        m_masterModel->setSource(m_mirrorDb.get(), m_options.table);
        m_mirrorClient->connectToServer(m_url);
        log(u"remote master %1 (the master pane is a second, independent subscription)"_s.arg(m_url.toString()));
    }

    m_slaveDb = std::make_unique<Burrow::OrmDatabase>();
    if (!openDatabase(m_slaveDb.get(), u"slave.sqlite"_s))
        return false;
    m_client = std::make_unique<Burrow::Client>();
    m_client->setSettings(settings);
    m_services = std::make_unique<Burrow::RemoteServices>(m_client.get());
    m_slave = std::make_unique<Burrow::ReplicationSlave>(m_slaveDb.get(), m_services.get());
    m_slaveModel->setSource(m_slaveDb.get(), m_options.table);

    connect(m_client.get(), &Burrow::Client::stateChanged, this, [this](Burrow::Client::State state) {
        if (state == Burrow::Client::State::Connected) {
            log(m_wasConnected ? u"slave reconnected to %1"_s.arg(m_url.toString())
                               : u"slave connected to %1"_s.arg(m_url.toString()));
            m_wasConnected = true;
        } else if (state == Burrow::Client::State::Reconnecting) {
            log(u"connection lost, reconnecting"_s);
        } else if (state == Burrow::Client::State::Disconnected && m_wasConnected) {
            log(m_manualDisconnect ? u"slave disconnected (by hand)"_s : u"connection lost"_s);
        }
        refresh();
    });
    connect(m_slave.get(), &Burrow::ReplicationSlave::stateChanged, this,
            [this](const QString &table, Burrow::ReplicationSlave::State state) {
                flushApplied();
                const Burrow::ReplicationTableStatus s = m_slave->status(table);
                switch (state) {
                case Burrow::ReplicationSlave::State::CatchingUp:
                    // After having been live (or caught up) once in this sync: a resumption.
                    log(m_resuming || s.resumptions > 0 ? u"%1: resuming from v%2"_s.arg(table).arg(s.appliedVersion)
                                                        : u"%1: catching up from v%2"_s.arg(table).arg(s.appliedVersion));
                    break;
                case Burrow::ReplicationSlave::State::Live:
                    m_resuming = true;
                    log(u"%1: live at v%2"_s.arg(table).arg(s.appliedVersion));
                    break;
                case Burrow::ReplicationSlave::State::Waiting:
                    log(u"%1: waiting for the master (at v%2)"_s.arg(table).arg(s.appliedVersion));
                    break;
                case Burrow::ReplicationSlave::State::Stopped:
                    log(u"%1: sync stopped at v%2"_s.arg(table).arg(s.appliedVersion));
                    break;
                }
            });
    connect(m_slave.get(), &Burrow::ReplicationSlave::changesApplied, this,
            [this](const QString &, int count, qint64 from, qint64 to, qint64 lagMs) {
                const qint64 now = m_clock.elapsed();
                m_applied.enqueue({now, count});
                if (lagMs >= 0)
                    m_lags.enqueue({now, lagMs});
                else
                    m_pendingCatchUp = true;
                m_pendingChanges += count;
                ++m_pendingMessages;
                if (m_pendingFrom < 0)
                    m_pendingFrom = from;
                m_pendingTo = to;
                m_stats.lastLagMs = lagMs >= 0 ? lagMs : m_stats.lastLagMs;
            });
    connect(m_slave.get(), &Burrow::ReplicationSlave::errorOccurred, this,
            [this](const QString &table, Burrow::ErrorCode code, const QString &message) {
                log(u"%1: error %2: %3"_s.arg(table, Burrow::errorCodeName(code), message));
            });

    m_client->connectToServer(m_url);
    m_refresh.start();
    refresh();
    return true;
}

void MonitorController::startSync()
{
    if (m_syncing || !m_slave)
        return;
    if (!m_slave->startSync(m_options.table)) {
        log(u"cannot start sync: %1"_s.arg(m_slave->errorString()));
        return;
    }
    m_syncing = true;
    m_resuming = false;
    log(u"sync started (slave at v%1)"_s.arg(m_slaveDb->appliedVersion(m_options.table)));
    Q_EMIT syncingChanged(true);
    refresh();
}

void MonitorController::stopSync()
{
    if (!m_syncing)
        return;
    flushApplied();
    m_slave->stopSync(m_options.table);
    m_syncing = false;
    Q_EMIT syncingChanged(false);
    refresh();
}

void MonitorController::setBurstRate(double rowsPerSecond)
{
    m_burstRate = qMax(1.0, rowsPerSecond);
    if (!m_writer)
        return;
    m_writer->setRate(m_burstRate);
    if (m_writer->isRunning()) { // restart so that the new rate counts from now
        m_writer->stop();
        m_writer->start();
    }
}

void MonitorController::startBurst()
{
    if (!m_writer || m_writer->isRunning())
        return;
    m_writer->setRate(m_burstRate);
    if (!m_writer->start()) {
        log(u"cannot start the burst generator"_s);
        return;
    }
    log(u"burst generator started: %1 writes/s"_s.arg(m_burstRate));
    Q_EMIT burstingChanged(true);
}

void MonitorController::stopBurst()
{
    if (!m_writer || !m_writer->isRunning())
        return;
    m_writer->stop();
    log(u"burst generator stopped at v%1 (%2 rows written)"_s.arg(m_masterDb->currentVersion())
            .arg(m_writer->rowsWritten()));
    Q_EMIT burstingChanged(false);
}

bool MonitorController::isBursting() const
{
    return m_writer && m_writer->isRunning();
}

void MonitorController::disconnectSlave()
{
    if (!m_client || m_manualDisconnect)
        return;
    m_manualDisconnect = true;
    flushApplied();
    m_client->disconnectFromServer();
    Q_EMIT slaveConnectionChanged(true);
    refresh();
}

void MonitorController::reconnectSlave()
{
    if (!m_client || !m_manualDisconnect)
        return;
    m_manualDisconnect = false;
    log(u"reconnecting the slave to %1"_s.arg(m_url.toString()));
    m_client->connectToServer(m_url);
    Q_EMIT slaveConnectionChanged(false);
    refresh();
}

void MonitorController::log(const QString &line)
{
    const QString stamped = QTime::currentTime().toString(u"HH:mm:ss.zzz"_s) + u"  "_s + line;
    m_events.append(stamped);
    if (m_events.size() > maxEvents)
        m_events.remove(0, m_events.size() - maxEvents);
    Q_EMIT eventLogged(stamped);
}

void MonitorController::flushApplied()
{
    if (m_pendingMessages == 0)
        return;
    QString line = u"applied %1 changes v%2–%3"_s.arg(m_pendingChanges).arg(m_pendingFrom).arg(m_pendingTo);
    if (m_pendingMessages > 1)
        line += u" in %1 transactions"_s.arg(m_pendingMessages);
    if (m_pendingCatchUp)
        line += u" (catch-up)"_s;
    m_pendingChanges = 0;
    m_pendingMessages = 0;
    m_pendingFrom = m_pendingTo = -1;
    m_pendingCatchUp = false;
    log(line);
}

void MonitorController::refresh()
{
    const qint64 now = m_clock.elapsed();
    flushApplied();
    m_masterModel->refresh();
    m_slaveModel->refresh();

    while (!m_lags.isEmpty() && now - m_lags.head().first > windowMs)
        m_lags.dequeue();
    while (!m_applied.isEmpty() && now - m_applied.head().first > windowMs)
        m_applied.dequeue();
    if (m_writer) {
        m_written.enqueue({now, m_writer->rowsWritten()});
        while (m_written.size() > 1 && now - m_written.head().first > windowMs)
            m_written.dequeue();
    }

    Stats s;
    if (m_masterDb) {
        s.masterVersion = m_masterDb->currentVersion();
    } else if (m_mirrorDb) {
        s.masterVersion = m_mirrorDb->appliedVersion(m_options.table);
        if (m_mirror)
            s.masterVersion = qMax(s.masterVersion, m_mirror->status(m_options.table).masterVersion);
    }
    if (m_slave) {
        const Burrow::ReplicationTableStatus status = m_slave->status(m_options.table);
        s.slaveVersion = m_slaveDb->appliedVersion(m_options.table);
        s.slaveState = m_syncing ? status.state : Burrow::ReplicationSlave::State::Stopped;
        s.resumptions = status.resumptions;
        if (!m_masterDb)
            s.masterVersion = qMax(s.masterVersion, status.masterVersion);
    }
    s.lagVersions = qMax<qint64>(0, s.masterVersion - s.slaveVersion);
    s.lastLagMs = m_stats.lastLagMs;
    if (!m_lags.isEmpty()) {
        QList<qint64> lags;
        lags.reserve(m_lags.size());
        for (const auto &entry : std::as_const(m_lags))
            lags.append(entry.second);
        const qsizetype middle = lags.size() / 2;
        std::nth_element(lags.begin(), lags.begin() + middle, lags.end());
        s.p50LagMs = lags.at(middle);
    }
    qint64 applied = 0;
    for (const auto &entry : std::as_const(m_applied))
        applied += entry.second;
    s.rowsPerSecond = double(applied) * 1000.0 / windowMs;
    if (m_written.size() > 1) {
        const qint64 span = m_written.last().first - m_written.head().first;
        if (span > 0)
            s.writesPerSecond = double(m_written.last().second - m_written.head().second) * 1000.0 / double(span);
    }
    s.connection = m_client ? m_client->state() : Burrow::Client::State::Disconnected;
    s.masterRows = m_masterModel->totalRows();
    s.slaveRows = m_slaveModel->totalRows();
    m_stats = s;
    Q_EMIT statsChanged();
}
