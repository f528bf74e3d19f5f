// Burrow replication scenarios (issue 5): live replication throughput, lag at a steady write
// rate, catch-up of a large table against a plain SQLite insert. Each group measures its
// baseline in the same run (interleaved, see main.cpp).
//
// The master (OrmDatabase + Server + ServiceRegistry + ReplicationMaster) and the slave
// (OrmDatabase + Client + RemoteServices + ReplicationSlave) run in two threads of this
// process, over a real WebSocket on 127.0.0.1 (binary protocol), SQLite files in a temporary
// folder (TMPDIR). The record is replica-master's People table (apps/replica/common/person.h).
//
//   replication_live_throughput   a burst writer inserts 200,000 rows in transactions of 1,000
//                                 while the slave follows live: rows/s from the first commit to
//                                 the slave's commit of the last row. Target >= 50,000 rows/s.
//                                 Baseline: the same writes with no slave (orm_insert_batch1000).
//   replication_lag_1000wps_p50   single-row transactions (70 % inserts, 30 % updates) at a
//   replication_lag_1000wps_p99   steady 1,000/s for 10 s; lag of each from the master's commit
//                                 to the slave's commit. Targets p50 < 5 ms, p99 < 20 ms.
//                                 Baseline: a plain Burrow notification between the same
//                                 threads at the same rate (notification_latency_1000ps_*).
//   replication_catchup_1m        a new slave catches up 1,000,000 rows in pages of 5,000;
//                                 baseline: the same rows inserted with the SQLite C API into
//                                 the same schema in one transaction. Target >= 30 % of it.
//
// Sizes for profiling (environment): BURROW_BENCH_REPLICATION_ROWS (throughput, 200000),
// BURROW_BENCH_REPLICATION_LAG_S (10), BURROW_BENCH_REPLICATION_CATCHUP_ROWS (1000000).
// CPU figures: "client" is the slave's thread, "server" the master's (µs per row or write).

#include "scenarios.h"

#include "../../apps/replica/common/person.h"

#include <Burrow/client.h>
#include <Burrow/ormdatabase.h>
#include <Burrow/remoteservices.h>
#include <Burrow/replicationmaster.h>
#include <Burrow/replicationslave.h>
#include <Burrow/server.h>
#include <Burrow/serviceregistry.h>
#include <Burrow/writebatch.h>

#include <QtCore/QDateTime>
#include <QtCore/QFile>
#include <QtCore/QScopeGuard>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtCore/QTimer>

#include <sqlite3.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <random>
#include <vector>

namespace BurrowBench {

namespace {

using namespace Burrow;

const QString people = QStringLiteral("People");

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
}

int sizeFromEnvironment(const char *name, int fallback)
{
    bool ok = false;
    const int value = qEnvironmentVariableIntValue(name, &ok);
    return ok && value > 0 ? value : fallback;
}

RunResult failed(const QString &error)
{
    RunResult result;
    result.error = error;
    return result;
}

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return NAN;
    std::sort(values.begin(), values.end());
    const size_t index = std::min(values.size() - 1, size_t(std::ceil(p * double(values.size()))) - 1);
    return values[index];
}

// A thread with an event loop, and a way to run code in it.
class Worker
{
public:
    explicit Worker(const char *name)
    {
        m_thread.setObjectName(QString::fromLatin1(name));
        m_thread.start();
        m_context.moveToThread(&m_thread);
    }
    ~Worker()
    {
        m_thread.quit();
        m_thread.wait();
    }
    void run(const std::function<void()> &function)
    {
        QMetaObject::invokeMethod(&m_context, function, Qt::BlockingQueuedConnection);
    }
    void post(const std::function<void()> &function)
    {
        QMetaObject::invokeMethod(&m_context, function, Qt::QueuedConnection);
    }
    // CPU time used by the thread so far, in ns.
    qint64 cpuNs()
    {
        qint64 ns = 0;
        run([&ns] {
            timespec time{};
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time);
            ns = qint64(time.tv_sec) * 1000000000 + time.tv_nsec;
        });
        return ns;
    }

private:
    QThread m_thread;
    QObject m_context;
};

// CPU time of the master's and the slave's threads over a measure.
struct CpuWindow
{
    Worker *master = nullptr;
    Worker *slave = nullptr;
    qint64 master0 = 0, slave0 = 0;
    void start()
    {
        master0 = master ? master->cpuNs() : 0;
        slave0 = slave ? slave->cpuNs() : 0;
    }
    // µs per operation into result (client: slave, server: master).
    void fill(RunResult &result, qint64 operations)
    {
        if (operations <= 0)
            return;
        if (master)
            result.serverCpuUs = double(master->cpuNs() - master0) / 1000.0 / double(operations);
        // No slave (a baseline): nothing spent on that side.
        result.clientCpuUs = slave ? double(slave->cpuNs() - slave0) / 1000.0 / double(operations) : 0.0;
    }
};

Person makePerson(qint64 n, std::mt19937 &random)
{
    static const QDateTime epoch = QDateTime::currentDateTimeUtc();
    Person p;
    p.name = QStringLiteral("Person %1").arg(n);
    p.age = int(18 + random() % 70);
    p.email = QStringLiteral("person%1@example.org").arg(n);
    p.updated = epoch.addMSecs(n);
    p.batch = n / 1000;
    return p;
}

constexpr int transportBatchDelay = 1; // ms, both ends (ConnectionSettings::batchDelay())

struct MasterSide
{
    Worker worker{"master"};
    OrmDatabase *db = nullptr;
    Server *server = nullptr;
    ServiceRegistry *registry = nullptr;
    ReplicationMaster *master = nullptr;
    QUrl url;

    bool start(const QString &file, QString *error)
    {
        bool ok = false;
        worker.run([&] {
            db = new OrmDatabase;
            ok = db->open(file) && db->registerTable<Person>();
            if (!ok)
                *error = db->errorString();
            server = new Server;
            ServerSettings settings;
            settings.setBatchDelay(transportBatchDelay);
            server->setSettings(settings);
            registry = new ServiceRegistry;
            registry->attach(server);
            master = new ReplicationMaster(db, registry);
            if (ok && !server->listen(QHostAddress::LocalHost, 0)) {
                ok = false;
                *error = QStringLiteral("the master cannot listen");
            }
            url = server->webSocketUrl();
        });
        return ok;
    }
    ~MasterSide()
    {
        worker.run([&] {
            delete master;
            delete registry;
            delete server;
            delete db;
        });
    }
    qint64 currentVersion()
    {
        qint64 version = 0;
        worker.run([&] { version = db->currentVersion(); });
        return version;
    }
};

struct SlaveSide
{
    Worker worker{"slave"};
    OrmDatabase *db = nullptr;
    Client *client = nullptr;
    RemoteServices *services = nullptr;
    ReplicationSlave *slave = nullptr;
    std::atomic<qint64> appliedTo{0};
    std::atomic<int> state{0};
    std::atomic<int> errors{0};
    // The lag scenario's: the steady-clock time each version was applied at.
    std::vector<qint64> *applyTimes = nullptr;
    qint64 applyBase = 0;

    bool start(const QString &file, const QUrl &url, int pageSize, QString *error)
    {
        bool ok = false;
        worker.run([&] {
            db = new OrmDatabase;
            ok = db->open(file) && db->registerTable<Person>();
            if (!ok)
                *error = db->errorString();
            client = new Client;
            ClientSettings settings;
            settings.setAnswerTimeout(120000);
            settings.setBatchDelay(transportBatchDelay);
            client->setSettings(settings);
            services = new RemoteServices(client);
            slave = new ReplicationSlave(db, services);
            slave->setPageSize(pageSize);
            QObject::connect(slave, &ReplicationSlave::changesApplied,
                             [this](const QString &, int, qint64 from, qint64 to, qint64) {
                                 if (applyTimes) {
                                     const qint64 now = nowNs();
                                     for (qint64 v = from; v <= to; ++v) {
                                         const qint64 index = v - applyBase - 1;
                                         if (index >= 0 && index < qint64(applyTimes->size()))
                                             (*applyTimes)[size_t(index)] = now;
                                     }
                                 }
                                 appliedTo.store(to, std::memory_order_release);
                             });
            QObject::connect(slave, &ReplicationSlave::stateChanged,
                             [this](const QString &, ReplicationSlave::State s) { state.store(int(s)); });
            QObject::connect(slave, &ReplicationSlave::errorOccurred,
                             [this](const QString &, ErrorCode, const QString &message) {
                                 ++errors;
                                 note(QStringLiteral("  slave error: %1").arg(message));
                             });
            client->connectToServer(url);
            if (ok && !client->waitForConnected(10000)) {
                ok = false;
                *error = QStringLiteral("the slave cannot connect");
            }
        });
        return ok;
    }
    void startSync()
    {
        worker.run([&] { slave->startSync(people); });
    }
    bool waitLive(int milliseconds)
    {
        return waitUntil([this] { return state.load() == int(ReplicationSlave::State::Live); }, milliseconds);
    }
    ~SlaveSide()
    {
        worker.run([&] {
            delete slave;
            delete services;
            delete client;
            delete db;
        });
    }
};

// --- Live throughput ---------------------------------------------------------------------------

// Inserts `rows` rows on the master in transactions of 1,000, one per event-loop turn of its
// thread (so that it sends while it writes); with a slave, until the slave has applied them.
RunResult burst(bool withSlave)
{
    const int rows = sizeFromEnvironment("BURROW_BENCH_REPLICATION_ROWS", 200000);
    QTemporaryDir dir;
    MasterSide m;
    std::unique_ptr<SlaveSide> s;
    QString error;
    if (!dir.isValid() || !m.start(dir.filePath(QStringLiteral("master.sqlite")), &error))
        return failed(QStringLiteral("master: %1").arg(error));
    if (withSlave) {
        s = std::make_unique<SlaveSide>();
        if (!s->start(dir.filePath(QStringLiteral("slave.sqlite")), m.url, 5000, &error))
            return failed(QStringLiteral("slave: %1").arg(error));
        s->startSync();
        if (!s->waitLive(20000))
            return failed(QStringLiteral("the slave is not live after 20 s"));
    }

    std::mt19937 random(1);
    // Built beforehand: the writer's cost is the ORM's, not the making of test rows.
    std::vector<Person> records;
    records.reserve(size_t(rows));
    for (int i = 0; i < rows; ++i)
        records.push_back(makePerson(i, random));
    std::atomic<bool> written{false};
    std::atomic<qint64> finalVersion{0};
    std::atomic<bool> writeFailed{false};
    int done = 0;
    CpuWindow cpu{&m.worker, s ? &s->worker : nullptr};
    cpu.start();
    const qint64 start = nowNs();
    std::function<void()> step = [&] {
        WriteBatch batch = m.db->batch();
        const int count = std::min(1000, rows - done);
        for (int i = 0; i < count; ++i)
            batch.insert(records[size_t(done + i)]);
        if (!batch.commit())
            writeFailed = true;
        done += count;
        if (done < rows && !writeFailed) {
            m.worker.post(step);
        } else {
            finalVersion = m.db->currentVersion();
            written = true;
        }
    };
    m.worker.post(step);
    const bool ok = waitUntil([&] { return written.load() && (!s || s->appliedTo.load() >= finalVersion.load()); },
                              600000);
    const qint64 end = nowNs();
    if (!ok || writeFailed)
        return failed(writeFailed ? QStringLiteral("a write failed") : QStringLiteral("not replicated within 10 min"));
    RunResult result;
    result.ok = true;
    result.value = rows / (double(end - start) / 1e9);
    result.completions = rows;
    cpu.fill(result, rows);
    return result;
}

// --- Lag ---------------------------------------------------------------------------------------

struct Latencies
{
    double p50 = NAN;
    double p99 = NAN;
    double clientCpuUs = NAN;
    double serverCpuUs = NAN;
    qint64 count = 0;
    QString error;
};

constexpr int lagRate = 1000; // writes per second

Latencies replicationLag()
{
    const int seconds = sizeFromEnvironment("BURROW_BENCH_REPLICATION_LAG_S", 10);
    Latencies out;
    QTemporaryDir dir;
    MasterSide m;
    SlaveSide s;
    if (!dir.isValid() || !m.start(dir.filePath(QStringLiteral("master.sqlite")), &out.error)
        || !s.start(dir.filePath(QStringLiteral("slave.sqlite")), m.url, 5000, &out.error)) {
        return out;
    }
    s.startSync();
    if (!s.waitLive(20000)) {
        out.error = QStringLiteral("the slave is not live after 20 s");
        return out;
    }

    const qint64 total = qint64(seconds) * lagRate;
    const qint64 base = m.currentVersion();
    std::vector<qint64> commitTimes(size_t(total), 0);
    std::vector<qint64> applyTimes(size_t(total), 0);
    s.worker.run([&] {
        s.applyBase = base;
        s.applyTimes = &applyTimes;
    });
    std::atomic<bool> finished{false};
    std::atomic<qint64> finalVersion{0};
    QTimer *timer = nullptr;
    qint64 written = 0;
    std::mt19937 random(2);
    QList<qint64> ids;
    CpuWindow cpu{&m.worker, &s.worker};
    cpu.start();
    const qint64 start = nowNs();
    m.worker.run([&] {
        timer = new QTimer;
        timer->setTimerType(Qt::PreciseTimer);
        timer->setInterval(1);
        QObject::connect(timer, &QTimer::timeout, [&] {
            const qint64 due = std::min(total, (nowNs() - start) * lagRate / 1000000000);
            while (written < due) {
                Person p = makePerson(written, random);
                if (ids.size() < 100 || random() % 10 < 7) {
                    ids.append(m.db->insert(p));
                } else {
                    p.id = ids.at(qsizetype(random() % ids.size()));
                    m.db->update(p);
                }
                const qint64 index = m.db->currentVersion() - base - 1;
                if (index >= 0 && index < total)
                    commitTimes[size_t(index)] = nowNs();
                ++written;
            }
            if (written >= total) {
                timer->stop();
                finalVersion = m.db->currentVersion();
                finished = true;
            }
        });
        timer->start();
    });
    const bool ok = waitUntil([&] { return finished.load() && s.appliedTo.load() >= finalVersion.load(); },
                              seconds * 1000 + 60000);
    m.worker.run([&] { delete timer; });
    s.worker.run([&] { s.applyTimes = nullptr; });
    if (!ok) {
        out.error = QStringLiteral("not replicated within a minute of the last write");
        return out;
    }
    std::vector<double> lags;
    lags.reserve(size_t(total));
    for (size_t i = 0; i < size_t(total); ++i) {
        if (commitTimes[i] && applyTimes[i])
            lags.push_back(double(applyTimes[i] - commitTimes[i]) / 1e6);
    }
    RunResult cpuResult;
    cpu.fill(cpuResult, total);
    out.p50 = percentile(lags, 0.50);
    out.p99 = percentile(lags, 0.99);
    out.count = qint64(lags.size());
    out.clientCpuUs = cpuResult.clientCpuUs;
    out.serverCpuUs = cpuResult.serverCpuUs;
    return out;
}

// The floor under the lag: a plain Burrow notification from the master's thread to the slave's,
// at the same rate, over the same kind of connection, nothing written anywhere.
Latencies notificationLatency()
{
    const int seconds = sizeFromEnvironment("BURROW_BENCH_REPLICATION_LAG_S", 10);
    Latencies out;
    Worker serverThread("master");
    Worker clientThread("slave");
    Server *server = nullptr;
    Client *client = nullptr;
    const qint64 total = qint64(seconds) * lagRate;
    std::vector<qint64> sent(size_t(total), 0);
    std::vector<qint64> received(size_t(total), 0);
    std::atomic<qint64> receivedCount{0};
    bool ok = false;
    serverThread.run([&] {
        server = new Server;
        ServerSettings settings;
        settings.setBatchDelay(transportBatchDelay);
        server->setSettings(settings);
        ok = server->listen(QHostAddress::LocalHost, 0);
    });
    const QUrl url = server->webSocketUrl();
    clientThread.run([&] {
        client = new Client;
        ClientSettings settings;
        settings.setBatchDelay(transportBatchDelay);
        client->setSettings(settings);
        client->setMessageHandler([&](const Message &message, const Responder &) {
            const auto deliver = [&](const Message &one) {
                const qint64 index = one.arguments().at(0).toInteger();
                if (index >= 0 && index < total)
                    received[size_t(index)] = nowNs();
                ++receivedCount;
            };
            if (message.type() == Message::Type::Batch) {
                for (const Message &one : message.messages())
                    deliver(one);
            } else {
                deliver(message);
            }
        });
        client->connectToServer(url);
        ok = ok && client->waitForConnected(10000);
    });
    QTimer *timer = nullptr;
    qint64 count = 0;
    const qint64 start = nowNs();
    if (ok) {
        CpuWindow cpu{&serverThread, &clientThread};
        cpu.start();
        serverThread.run([&] {
            Connection *connection = server->connections().value(0);
            timer = new QTimer;
            timer->setTimerType(Qt::PreciseTimer);
            timer->setInterval(1);
            QObject::connect(timer, &QTimer::timeout, [&, connection] {
                const qint64 due = std::min(total, (nowNs() - start) * lagRate / 1000000000);
                for (; count < due; ++count) {
                    sent[size_t(count)] = nowNs();
                    connection->sendNotification(QStringLiteral("bench"), QStringLiteral("tick"), QCborArray{count});
                }
                if (count >= total)
                    timer->stop();
            });
            timer->start();
        });
        ok = waitUntil([&] { return receivedCount.load() >= total; }, seconds * 1000 + 30000);
        RunResult cpuResult;
        cpu.fill(cpuResult, total);
        out.clientCpuUs = cpuResult.clientCpuUs;
        out.serverCpuUs = cpuResult.serverCpuUs;
    }
    serverThread.run([&] {
        delete timer;
        delete server;
    });
    clientThread.run([&] { delete client; });
    if (!ok) {
        out.error = QStringLiteral("notifications not delivered");
        return out;
    }
    std::vector<double> latencies;
    for (size_t i = 0; i < size_t(total); ++i) {
        if (sent[i] && received[i])
            latencies.push_back(double(received[i] - sent[i]) / 1e6);
    }
    out.p50 = percentile(latencies, 0.50);
    out.p99 = percentile(latencies, 0.99);
    out.count = qint64(latencies.size());
    return out;
}

// p50 and p99 come from the same run: the p50 measure runs it and leaves the p99 for the p99
// measure that follows it in the group (run alone, the p99 measure runs it itself).
RunResult latencyRun(const std::function<Latencies()> &measure, bool p99, std::shared_ptr<Latencies> pending)
{
    Latencies latencies;
    if (p99 && pending && pending->count > 0) {
        latencies = *pending;
        *pending = {};
    } else {
        latencies = measure();
        if (!p99 && pending)
            *pending = latencies;
    }
    if (!latencies.error.isEmpty())
        return failed(latencies.error);
    RunResult result;
    result.ok = latencies.count > 0;
    result.value = p99 ? latencies.p99 : latencies.p50;
    result.completions = latencies.count;
    result.clientCpuUs = latencies.clientCpuUs;
    result.serverCpuUs = latencies.serverCpuUs;
    if (!result.ok)
        result.error = QStringLiteral("nothing measured");
    return result;
}

// --- Catch-up ----------------------------------------------------------------------------------

struct PlainRow
{
    qint64 id;
    qint64 version;
    QByteArray name;
    int age;
    QByteArray email;
    QByteArray updated;
    qint64 batch;
};

// The master's file, filled once for every run of the group.
struct CatchUpSource
{
    std::unique_ptr<QTemporaryDir> dir;
    std::unique_ptr<MasterSide> master;
    qint64 finalVersion = 0;
    int rows = 0;
    int runs = 0;
    std::vector<PlainRow> plainRows;
    QList<QByteArray> schema;
};

bool sqliteOk(int code, sqlite3 *db, const char *what, QString *error)
{
    if (code == SQLITE_OK || code == SQLITE_DONE || code == SQLITE_ROW)
        return true;
    *error = QStringLiteral("sqlite: %1 failed: %2").arg(QString::fromUtf8(what), QString::fromUtf8(sqlite3_errmsg(db)));
    return false;
}

// The master's rows, and the DDL of its People table and indexes.
bool readPlainRows(const QString &file, CatchUpSource *source, QString *error)
{
    sqlite3 *db = nullptr;
    if (!sqliteOk(sqlite3_open_v2(file.toUtf8().constData(), &db, SQLITE_OPEN_READONLY, nullptr), db, "open", error)) {
        sqlite3_close(db);
        return false;
    }
    sqlite3_stmt *statement = nullptr;
    sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE tbl_name = 'People' AND sql IS NOT NULL "
                           "ORDER BY type DESC", -1, &statement, nullptr);
    while (sqlite3_step(statement) == SQLITE_ROW)
        source->schema.append(QByteArray(reinterpret_cast<const char *>(sqlite3_column_text(statement, 0))));
    sqlite3_finalize(statement);
    sqlite3_prepare_v2(db, "SELECT id, version, name, age, email, updated, batch FROM People ORDER BY id", -1,
                       &statement, nullptr);
    while (sqlite3_step(statement) == SQLITE_ROW) {
        const auto text = [statement](int column) {
            return QByteArray(reinterpret_cast<const char *>(sqlite3_column_text(statement, column)),
                              sqlite3_column_bytes(statement, column));
        };
        source->plainRows.push_back({sqlite3_column_int64(statement, 0), sqlite3_column_int64(statement, 1), text(2),
                                     sqlite3_column_int(statement, 3), text(4), text(5),
                                     sqlite3_column_int64(statement, 6)});
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    if (source->plainRows.empty() || source->schema.isEmpty()) {
        *error = QStringLiteral("cannot read the master's rows");
        return false;
    }
    return true;
}

bool setUpCatchUp(CatchUpSource *source, QString *error)
{
    if (source->master)
        return true; // the scenario and its baseline share it
    source->rows = sizeFromEnvironment("BURROW_BENCH_REPLICATION_CATCHUP_ROWS", 1000000);
    source->dir = std::make_unique<QTemporaryDir>();
    source->master = std::make_unique<MasterSide>();
    const QString file = source->dir->filePath(QStringLiteral("master.sqlite"));
    if (!source->dir->isValid() || !source->master->start(file, error))
        return false;
    note(QStringLiteral("  filling the master with %1 rows").arg(source->rows));
    bool ok = true;
    source->master->worker.run([&] {
        std::mt19937 random(3);
        for (int done = 0; done < source->rows && ok;) {
            WriteBatch batch = source->master->db->batch();
            const int count = std::min(1000, source->rows - done);
            for (int i = 0; i < count; ++i)
                batch.insert(makePerson(done + i, random));
            ok = batch.commit();
            if (!ok)
                *error = batch.errorString();
            done += count;
        }
    });
    source->finalVersion = source->master->currentVersion();
    return ok && readPlainRows(file, source, error);
}

void tearDownCatchUp(CatchUpSource *source)
{
    source->master.reset();
    source->dir.reset();
    source->plainRows.clear();
    source->schema.clear();
}

RunResult catchUp(CatchUpSource *source)
{
    QString error;
    const QString file = source->dir->filePath(QStringLiteral("slave-%1.sqlite").arg(++source->runs));
    // Removed once the slave is gone: a million rows take about 100 MB.
    const auto removeFiles = qScopeGuard([&file] {
        for (const char *suffix : {"", "-wal", "-shm"})
            QFile::remove(file + QLatin1String(suffix));
    });
    SlaveSide s;
    if (!s.start(file, source->master->url, 5000, &error))
        return failed(QStringLiteral("slave: %1").arg(error));
    CpuWindow cpu{&source->master->worker, &s.worker};
    cpu.start();
    const qint64 start = nowNs();
    s.startSync();
    const qint64 target = source->finalVersion;
    if (!waitUntil([&] { return s.appliedTo.load() >= target; }, 900000))
        return failed(QStringLiteral("not caught up within 15 min"));
    const qint64 end = nowNs();
    RunResult result;
    result.ok = true;
    result.value = source->rows / (double(end - start) / 1e9);
    result.completions = source->rows;
    cpu.fill(result, source->rows);
    return result;
}

// The same rows inserted with the SQLite C API into a new file with the same schema, in one
// transaction, with the ORM's settings (WAL, synchronous=NORMAL).
RunResult plainInsert(CatchUpSource *source)
{
    QString error;
    const QString file = source->dir->filePath(QStringLiteral("plain-%1.sqlite").arg(++source->runs));
    sqlite3 *db = nullptr;
    const auto fail = [&] {
        sqlite3_close(db);
        return failed(error);
    };
    if (!sqliteOk(sqlite3_open(file.toUtf8().constData(), &db), db, "open", &error))
        return fail();
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", nullptr, nullptr, nullptr);
    for (const QByteArray &statement : std::as_const(source->schema)) {
        if (!sqliteOk(sqlite3_exec(db, statement.constData(), nullptr, nullptr, nullptr), db, statement.constData(), &error))
            return fail();
    }
    sqlite3_stmt *insert = nullptr;
    if (!sqliteOk(sqlite3_prepare_v2(db, "INSERT INTO People (id, version, name, age, email, updated, batch) "
                                         "VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &insert, nullptr), db, "prepare", &error)) {
        return fail();
    }
    timespec cpu0{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu0);
    const qint64 start = nowNs();
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    for (const PlainRow &row : source->plainRows) {
        sqlite3_bind_int64(insert, 1, row.id);
        sqlite3_bind_int64(insert, 2, row.version);
        sqlite3_bind_text(insert, 3, row.name.constData(), int(row.name.size()), SQLITE_STATIC);
        sqlite3_bind_int(insert, 4, row.age);
        sqlite3_bind_text(insert, 5, row.email.constData(), int(row.email.size()), SQLITE_STATIC);
        sqlite3_bind_text(insert, 6, row.updated.constData(), int(row.updated.size()), SQLITE_STATIC);
        sqlite3_bind_int64(insert, 7, row.batch);
        if (sqlite3_step(insert) != SQLITE_DONE) {
            sqliteOk(SQLITE_ERROR, db, "insert", &error);
            sqlite3_finalize(insert);
            return fail();
        }
        sqlite3_reset(insert);
    }
    if (!sqliteOk(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit", &error)) {
        sqlite3_finalize(insert);
        return fail();
    }
    const qint64 end = nowNs();
    timespec cpu1{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu1);
    sqlite3_finalize(insert);
    sqlite3_close(db);
    for (const char *suffix : {"", "-wal", "-shm"})
        QFile::remove(file + QLatin1String(suffix));
    const qint64 rows = qint64(source->plainRows.size());
    RunResult result;
    result.ok = true;
    result.value = double(rows) / (double(end - start) / 1e9);
    result.completions = rows;
    result.clientCpuUs = (double(cpu1.tv_sec - cpu0.tv_sec) * 1e6 + double(cpu1.tv_nsec - cpu0.tv_nsec) / 1e3) / double(rows);
    result.serverCpuUs = 0;
    return result;
}

} // namespace

void registerReplicationScenarios()
{
    {
        Group group;
        group.title = QStringLiteral("Replication: live throughput (issue 5)");
        Measure baseline;
        baseline.name = QStringLiteral("orm_insert_batch1000");
        baseline.metric = QStringLiteral("rows_per_s");
        baseline.description = QStringLiteral("the master's writes alone: ORM inserts of People rows in transactions of 1,000, no slave");
        baseline.run = [] { return burst(false); };
        Measure live;
        live.name = QStringLiteral("replication_live_throughput");
        live.metric = QStringLiteral("rows_per_s");
        live.description = QStringLiteral("the same writes replicated live to a slave (another thread, WebSocket): "
                                          "rows/s from the first commit to the slave's commit of the last row");
        live.baseline = baseline.name;
        live.target = 50000;
        live.absoluteTarget = true;
        live.run = [] { return burst(true); };
        group.measures = {baseline, live};
        addGroup(group);
    }
    {
        Group group;
        group.title = QStringLiteral("Replication: lag at 1,000 writes/s (issue 5)");
        auto floorPending = std::make_shared<Latencies>();
        auto lagPending = std::make_shared<Latencies>();
        const auto latencyMeasure = [](const QString &name, const QString &description, bool p99,
                                       const std::function<Latencies()> &measure,
                                       const std::shared_ptr<Latencies> &pending) {
            Measure m;
            m.name = name;
            m.metric = p99 ? QStringLiteral("p99_ms") : QStringLiteral("p50_ms");
            m.description = description;
            m.lowerIsBetter = true;
            m.run = [measure, p99, pending] { return latencyRun(measure, p99, pending); };
            return m;
        };
        const QString floorText = QStringLiteral("a plain Burrow notification between the same threads at 1,000/s, %1");
        const QString lagText = QStringLiteral("single-row writes at 1,000/s, master commit -> slave commit, %1");
        Measure floor50 = latencyMeasure(QStringLiteral("notification_latency_1000ps_p50"), floorText.arg(QStringLiteral("p50")),
                                         false, notificationLatency, floorPending);
        Measure floor99 = latencyMeasure(QStringLiteral("notification_latency_1000ps_p99"), floorText.arg(QStringLiteral("p99")),
                                         true, notificationLatency, floorPending);
        Measure lag50 = latencyMeasure(QStringLiteral("replication_lag_1000wps_p50"), lagText.arg(QStringLiteral("p50")), false,
                                       replicationLag, lagPending);
        Measure lag99 = latencyMeasure(QStringLiteral("replication_lag_1000wps_p99"), lagText.arg(QStringLiteral("p99")), true,
                                       replicationLag, lagPending);
        lag50.baseline = floor50.name;
        lag50.target = 5;
        lag50.absoluteTarget = true;
        lag99.baseline = floor99.name;
        lag99.target = 20;
        lag99.absoluteTarget = true;
        group.measures = {floor50, floor99, lag50, lag99};
        addGroup(group);
    }
    {
        Group group;
        group.title = QStringLiteral("Replication: catch-up of 1,000,000 rows (issue 5)");
        auto source = std::make_shared<CatchUpSource>();
        const auto setUp = [source](QString *error) { return setUpCatchUp(source.get(), error); };
        const auto tearDown = [source] { tearDownCatchUp(source.get()); };
        Measure baseline;
        baseline.name = QStringLiteral("sqlite_insert_one_transaction");
        baseline.metric = QStringLiteral("rows_per_s");
        baseline.description = QStringLiteral("the master's rows inserted with the SQLite C API into the same schema, one transaction");
        baseline.setUp = setUp;
        baseline.tearDown = tearDown;
        baseline.run = [source] { return plainInsert(source.get()); };
        Measure catchUpMeasure;
        catchUpMeasure.name = QStringLiteral("replication_catchup_1m");
        catchUpMeasure.metric = QStringLiteral("rows_per_s");
        catchUpMeasure.description = QStringLiteral("a new slave catches up the same rows from the master in pages of 5,000");
        catchUpMeasure.baseline = baseline.name;
        catchUpMeasure.target = 0.30;
        catchUpMeasure.setUp = setUp;
        catchUpMeasure.tearDown = tearDown;
        catchUpMeasure.run = [source] { return catchUp(source.get()); };
        group.measures = {baseline, catchUpMeasure};
        addGroup(group);
    }
}

} // namespace BurrowBench

#include "../../apps/replica/common/moc_person.cpp"
