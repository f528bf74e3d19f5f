// replication-bench: real-time replication figures (docs/REPLICATION.md, bench/RESULTS.md).
//
//   replication-bench [--throughput-rows N] [--lag-seconds S] [--lag-rate R]
//                     [--catchup-rows N] [--page-size N] [--only throughput|lag|catchup]
//
// The master (OrmDatabase + Server + ServiceRegistry + ReplicationMaster) and the slave
// (OrmDatabase + Client + RemoteServices + ReplicationSlave) each run in a thread of their own,
// over a real WebSocket on 127.0.0.1 (binary protocol), with SQLite files in a temporary folder.
//
//   throughput  a burst writer inserts N rows (transactions of 1,000) while the slave follows
//               live: rows/s from the first commit to the slave's commit of the last row
//               (target >= 50,000 rows/s)
//   lag         single-row transactions (70 % inserts, 30 % updates) at a steady R per second
//               for S seconds: each write's lag from the master's commit to the slave's commit
//               (steady clock of the process), p50 and p99 (targets < 5 ms and < 20 ms)
//   catchup     a new slave catches up N rows in pages; against the same rows inserted with the
//               SQLite C API in one transaction into the same schema (target >= 30 % of it)
//
// One JSON line per figure on stdout, as burrow-bench prints them:
//   {"scenario","metric","value","baseline","baseline_value","ratio","target","meets_target"}
// Progress on stderr.

#include <Burrow/client.h>
#include <Burrow/ormdatabase.h>
#include <Burrow/remoteservices.h>
#include <Burrow/replicationmaster.h>
#include <Burrow/replicationslave.h>
#include <Burrow/server.h>
#include <Burrow/serviceregistry.h>
#include <Burrow/writebatch.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QDateTime>
#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtCore/QTimer>

#include <sqlite3.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdarg>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

using namespace Burrow;

namespace {

struct BenchPerson
{
    Q_GADGET
    Q_CLASSINFO("BurrowTable", "People")
    Q_PROPERTY(qint64 id MEMBER id)
    Q_PROPERTY(qint64 version MEMBER version)
    Q_PROPERTY(QString name MEMBER name)
    Q_PROPERTY(int age MEMBER age)
    Q_PROPERTY(QString email MEMBER email)
    Q_PROPERTY(QDateTime updated MEMBER updated)
    Q_PROPERTY(qint64 batch MEMBER batch)
public:
    qint64 id = 0;
    qint64 version = 0;
    QString name;
    int age = 0;
    QString email;
    QDateTime updated;
    qint64 batch = 0;
};

const QString people = QStringLiteral("People");

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
}

void progress(const char *format, ...) __attribute__((format(printf, 1, 2)));
void progress(const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    std::vfprintf(stderr, format, arguments);
    va_end(arguments);
    std::fputc('\n', stderr);
    std::fflush(stderr);
}

QByteArray jsonNumber(double value)
{
    return std::isfinite(value) ? QByteArray::number(value, 'f', value >= 100 ? 0 : 3) : QByteArray("null");
}

// A figure with an absolute target (higherIsBetter: at least target, else at most target).
void report(const char *scenario, const char *metric, double value, double target, bool higherIsBetter,
            const QByteArray &extra = {})
{
    const bool met = higherIsBetter ? value >= target : value <= target;
    std::printf("{\"scenario\":\"%s\",\"metric\":\"%s\",\"value\":%s,\"baseline\":null,\"baseline_value\":null,"
                "\"ratio\":null,\"target\":%s,\"target_is\":\"%s\",\"meets_target\":%s%s}\n",
                scenario, metric, jsonNumber(value).constData(), jsonNumber(target).constData(),
                higherIsBetter ? "minimum" : "maximum", met ? "true" : "false", extra.constData());
    std::fflush(stdout);
}

// A figure against a baseline measured in the same run; the target is a ratio.
void reportAgainst(const char *scenario, const char *metric, double value, const char *baseline,
                   double baselineValue, double targetRatio, const QByteArray &extra = {})
{
    const double ratio = baselineValue > 0 ? value / baselineValue : NAN;
    std::printf("{\"scenario\":\"%s\",\"metric\":\"%s\",\"value\":%s,\"baseline\":\"%s\",\"baseline_value\":%s,"
                "\"ratio\":%s,\"target\":%s,\"meets_target\":%s%s}\n",
                scenario, metric, jsonNumber(value).constData(), baseline, jsonNumber(baselineValue).constData(),
                QByteArray::number(ratio, 'f', 4).constData(), jsonNumber(targetRatio).constData(),
                std::isfinite(ratio) && ratio >= targetRatio ? "true" : "false", extra.constData());
    std::fflush(stdout);
}

void reportBaseline(const char *scenario, const char *metric, double value)
{
    std::printf("{\"scenario\":\"%s\",\"metric\":\"%s\",\"value\":%s,\"baseline\":null,\"baseline_value\":null,"
                "\"ratio\":null,\"target\":null,\"meets_target\":null}\n",
                scenario, metric, jsonNumber(value).constData());
    std::fflush(stdout);
}

double processCpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// CPU time of the master's thread, the slave's thread and the whole process over a measure.
struct CpuUse
{
    double master = 0;
    double slave = 0;
    double process = 0;
    QByteArray json() const
    {
        return ",\"master_thread_cpu_s\":" + QByteArray::number(master, 'f', 3) + ",\"slave_thread_cpu_s\":"
                + QByteArray::number(slave, 'f', 3) + ",\"process_cpu_s\":" + QByteArray::number(process, 'f', 3);
    }
};

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
    QObject *context() { return &m_context; }
    // CPU time used by the thread so far.
    double cpuSeconds()
    {
        double seconds = 0;
        run([&seconds] {
            timespec time{};
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time);
            seconds = double(time.tv_sec) + double(time.tv_nsec) / 1e9;
        });
        return seconds;
    }

private:
    QThread m_thread;
    QObject m_context;
};

bool waitUntil(const std::function<bool()> &condition, int milliseconds)
{
    const qint64 deadline = nowNs() + qint64(milliseconds) * 1000000;
    while (!condition()) {
        if (nowNs() > deadline)
            return false;
        QThread::msleep(2);
    }
    return true;
}

BenchPerson makePerson(qint64 id, qint64 n, std::mt19937 &random)
{
    static const QDateTime epoch = QDateTime::currentDateTimeUtc();
    BenchPerson p;
    p.id = id;
    p.name = QStringLiteral("Person %1").arg(n);
    p.age = int(18 + random() % 70);
    p.email = QStringLiteral("person%1@example.org").arg(n);
    p.updated = epoch.addMSecs(n);
    p.batch = n / 1000;
    return p;
}

// Settings of the runs (command-line options).
int gatherDelay = 1;
int batchDelay = 1;

struct MasterSide
{
    Worker worker{"master"};
    OrmDatabase *db = nullptr;
    Server *server = nullptr;
    ServiceRegistry *registry = nullptr;
    ReplicationMaster *master = nullptr;
    QUrl url;

    bool start(const QString &file)
    {
        bool ok = false;
        worker.run([&] {
            db = new OrmDatabase;
            ok = db->open(file) && db->registerTable<BenchPerson>();
            server = new Server;
            ServerSettings settings;
            settings.setBatchDelay(batchDelay);
            server->setSettings(settings);
            registry = new ServiceRegistry;
            registry->attach(server);
            master = new ReplicationMaster(db, registry);
            master->setGatherDelay(gatherDelay);
            ok = ok && server->listen(QHostAddress::LocalHost, 0);
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
    // Set by the lag scenario: the steady-clock time each version was applied at.
    std::vector<qint64> *applyTimes = nullptr;
    qint64 applyBase = 0;

    bool start(const QString &file, const QUrl &url, int pageSize)
    {
        bool ok = false;
        worker.run([&] {
            db = new OrmDatabase;
            ok = db->open(file) && db->registerTable<BenchPerson>();
            client = new Client;
            ClientSettings settings;
            settings.setAnswerTimeout(120000);
            settings.setBatchDelay(batchDelay);
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
                                 progress("slave error: %s", qPrintable(message));
                             });
            client->connectToServer(url);
            ok = ok && client->waitForConnected(10000);
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

// --- throughput ------------------------------------------------------------------------------

bool throughput(const QString &dir, int rows)
{
    progress("throughput: %d rows in transactions of 1000, slave live", rows);
    MasterSide m;
    SlaveSide s;
    if (!m.start(dir + QStringLiteral("/tp-master.sqlite")) || !s.start(dir + QStringLiteral("/tp-slave.sqlite"), m.url, 5000))
        return false;
    s.startSync();
    if (!s.waitLive(10000))
        return false;

    std::atomic<bool> written{false};
    std::atomic<qint64> writtenAt{0};
    std::atomic<qint64> finalVersion{0};
    std::mt19937 random(1);
    // Built beforehand: the writer's cost is the ORM's, not the making of test rows.
    std::vector<BenchPerson> people;
    people.reserve(size_t(rows));
    for (int i = 0; i < rows; ++i)
        people.push_back(makePerson(0, i, random));
    int done = 0;
    CpuUse cpu{-m.worker.cpuSeconds(), -s.worker.cpuSeconds(), -processCpuSeconds()};
    const qint64 start = nowNs();
    // One transaction per event-loop turn, so that the master sends while the writer writes.
    std::function<void()> step = [&] {
        WriteBatch batch = m.db->batch();
        const int count = std::min(1000, rows - done);
        for (int i = 0; i < count; ++i)
            batch.insert(people[size_t(done + i)]);
        if (!batch.commit())
            progress("write failed: %s", qPrintable(batch.errorString()));
        done += count;
        if (done < rows) {
            m.worker.post(step);
        } else {
            finalVersion = m.db->currentVersion();
            writtenAt = nowNs();
            written = true;
        }
    };
    m.worker.post(step);
    if (!waitUntil([&] { return written.load() && s.appliedTo.load() >= finalVersion.load(); }, 600000))
        return false;
    const qint64 end = nowNs();
    cpu.master += m.worker.cpuSeconds();
    cpu.slave += s.worker.cpuSeconds();
    cpu.process += processCpuSeconds();
    const double seconds = double(end - start) / 1e9;
    const double writeSeconds = double(writtenAt.load() - start) / 1e9;
    // Master and slave are one thread each: on an idle machine the slower of the two sets the pace.
    const double cpuBound = rows / std::max(cpu.master, cpu.slave);
    progress("throughput: %.0f rows/s replicated (master wrote at %.0f rows/s), %.2f s; CPU: master %.2f s "
             "(writes included), slave %.2f s, process %.2f s -> %.0f rows per second of the busier thread",
             rows / seconds, rows / writeSeconds, seconds, cpu.master, cpu.slave, cpu.process, cpuBound);
    report("replication-live-throughput", "rows_per_s", rows / seconds, 50000, true,
           ",\"rows\":" + QByteArray::number(rows) + ",\"master_write_rows_per_s\":" + jsonNumber(rows / writeSeconds)
                   + ",\"rows_per_cpu_s_of_busier_thread\":" + jsonNumber(cpuBound) + cpu.json());
    return true;
}

// --- lag -------------------------------------------------------------------------------------

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return NAN;
    std::sort(values.begin(), values.end());
    const size_t index = std::min(values.size() - 1, size_t(std::ceil(p * double(values.size()))) - 1);
    return values[index];
}

bool lag(const QString &dir, int seconds, int rate)
{
    progress("lag: single-row transactions at %d/s for %d s", rate, seconds);
    MasterSide m;
    SlaveSide s;
    if (!m.start(dir + QStringLiteral("/lag-master.sqlite")) || !s.start(dir + QStringLiteral("/lag-slave.sqlite"), m.url, 5000))
        return false;
    s.startSync();
    if (!s.waitLive(10000))
        return false;

    const qint64 total = qint64(seconds) * rate;
    const qint64 base = m.currentVersion();
    std::vector<qint64> commitTimes(size_t(total), 0);
    std::vector<qint64> applyTimes(size_t(total), 0);
    std::vector<qint64> sendTimes(size_t(total), 0);
    QMetaObject::Connection sentConnection;
    m.worker.run([&] {
        sentConnection = QObject::connect(m.master, &ReplicationMaster::changesSent,
                                          [&](const QString &, int, int, qint64 from, qint64 to) {
                                              const qint64 now = nowNs();
                                              for (qint64 v = from; v <= to; ++v) {
                                                  const qint64 index = v - base - 1;
                                                  if (index >= 0 && index < total)
                                                      sendTimes[size_t(index)] = now;
                                              }
                                          });
    });
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
    CpuUse cpu{-m.worker.cpuSeconds(), -s.worker.cpuSeconds(), -processCpuSeconds()};
    const qint64 start = nowNs();
    m.worker.run([&] {
        timer = new QTimer;
        timer->setTimerType(Qt::PreciseTimer);
        timer->setInterval(1);
        QObject::connect(timer, &QTimer::timeout, [&] {
            const qint64 due = std::min(total, (nowNs() - start) * rate / 1000000000);
            while (written < due) {
                BenchPerson p = makePerson(0, written, random);
                if (ids.size() < 100 || random() % 10 < 7) {
                    ids.append(m.db->insert(p));
                } else {
                    p.id = ids.at(qsizetype(random() % ids.size()));
                    m.db->update(p);
                }
                const qint64 version = m.db->currentVersion();
                const qint64 index = version - base - 1;
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
    const qint64 end = nowNs();
    cpu.master += m.worker.cpuSeconds();
    cpu.slave += s.worker.cpuSeconds();
    cpu.process += processCpuSeconds();
    m.worker.run([&] {
        delete timer;
        QObject::disconnect(sentConnection);
    });
    s.worker.run([&] { s.applyTimes = nullptr; });
    if (!ok)
        return false;

    std::vector<double> lags;
    std::vector<double> masterSide;
    lags.reserve(size_t(total));
    qint64 missing = 0;
    for (size_t i = 0; i < size_t(total); ++i) {
        if (commitTimes[i] == 0 || applyTimes[i] == 0) {
            ++missing;
            continue;
        }
        lags.push_back(double(applyTimes[i] - commitTimes[i]) / 1e6);
        if (sendTimes[i])
            masterSide.push_back(double(sendTimes[i] - commitTimes[i]) / 1e6);
    }
    progress("lag: commit to sent on the master: p50 %.2f ms, p99 %.2f ms", percentile(masterSide, 0.5),
             percentile(masterSide, 0.99));
    const double achieved = double(total) / (double(end - start) / 1e9);
    const double p50 = percentile(lags, 0.50);
    const double p99 = percentile(lags, 0.99);
    const double max = lags.empty() ? NAN : *std::max_element(lags.begin(), lags.end());
    progress("lag: %zu writes measured (%lld missing), %.0f writes/s achieved: p50 %.2f ms, p99 %.2f ms, max %.2f ms; "
             "CPU per second: master thread %.2f, slave thread %.2f, process %.2f",
             lags.size(), missing, achieved, p50, p99, max, cpu.master * 1e9 / double(end - start),
             cpu.slave * 1e9 / double(end - start), cpu.process * 1e9 / double(end - start));
    const QByteArray extra = ",\"writes\":" + QByteArray::number(qint64(lags.size())) + ",\"writes_per_s\":"
            + jsonNumber(achieved) + ",\"max_ms\":" + jsonNumber(max) + cpu.json();
    report("replication-lag-1000wps", "lag_p50_ms", p50, 5, false, extra);
    report("replication-lag-1000wps", "lag_p99_ms", p99, 20, false, extra);
    return true;
}

bool notificationLatency(int seconds, int rate, double *p50, double *p99);

bool lagWithFloor(const QString &dir, int seconds, int rate)
{
    double floor50 = NAN;
    double floor99 = NAN;
    if (!notificationLatency(seconds, rate, &floor50, &floor99))
        return false;
    reportBaseline("notification-latency-1000ps", "p50_ms", floor50);
    reportBaseline("notification-latency-1000ps", "p99_ms", floor99);
    return lag(dir, seconds, rate);
}

// The floor under the lag: a plain Burrow notification from the master's thread to the
// slave's, at the same rate, over the same kind of connection, nothing written anywhere.
bool notificationLatency(int seconds, int rate, double *p50, double *p99)
{
    Worker serverThread("master");
    Worker clientThread("slave");
    Server *server = nullptr;
    Client *client = nullptr;
    const qint64 total = qint64(seconds) * rate;
    std::vector<qint64> sent(size_t(total), 0);
    std::vector<qint64> received(size_t(total), 0);
    std::atomic<qint64> receivedCount{0};
    bool ok = false;
    serverThread.run([&] {
        server = new Server;
        ServerSettings settings;
        settings.setBatchDelay(batchDelay);
        server->setSettings(settings);
        ok = server->listen(QHostAddress::LocalHost, 0);
    });
    const QUrl url = server->webSocketUrl();
    clientThread.run([&] {
        client = new Client;
        ClientSettings settings;
        settings.setBatchDelay(batchDelay);
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
    if (!ok)
        return false;
    QTimer *timer = nullptr;
    qint64 count = 0;
    const qint64 start = nowNs();
    serverThread.run([&] {
        Connection *connection = server->connections().value(0);
        timer = new QTimer;
        timer->setTimerType(Qt::PreciseTimer);
        timer->setInterval(1);
        QObject::connect(timer, &QTimer::timeout, [&, connection] {
            const qint64 due = std::min(total, (nowNs() - start) * rate / 1000000000);
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
    serverThread.run([&] {
        delete timer;
        delete server;
    });
    clientThread.run([&] { delete client; });
    if (!ok)
        return false;
    std::vector<double> latencies;
    for (size_t i = 0; i < size_t(total); ++i) {
        if (sent[i] && received[i])
            latencies.push_back(double(received[i] - sent[i]) / 1e6);
    }
    *p50 = percentile(latencies, 0.50);
    *p99 = percentile(latencies, 0.99);
    progress("lag floor: plain notifications at %d/s between the same threads: p50 %.2f ms, p99 %.2f ms", rate, *p50, *p99);
    return true;
}

// --- catch-up --------------------------------------------------------------------------------

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

bool sqliteOk(int code, sqlite3 *db, const char *what)
{
    if (code == SQLITE_OK || code == SQLITE_DONE || code == SQLITE_ROW)
        return true;
    progress("sqlite: %s failed: %s", what, sqlite3_errmsg(db));
    return false;
}

// The master's rows, and the DDL of its People table and indexes.
bool readPlainRows(const QString &file, std::vector<PlainRow> *rows, QList<QByteArray> *schema)
{
    sqlite3 *db = nullptr;
    if (!sqliteOk(sqlite3_open_v2(file.toUtf8().constData(), &db, SQLITE_OPEN_READONLY, nullptr), db, "open"))
        return false;
    sqlite3_stmt *statement = nullptr;
    sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE tbl_name = 'People' AND sql IS NOT NULL "
                           "ORDER BY type DESC", -1, &statement, nullptr);
    while (sqlite3_step(statement) == SQLITE_ROW)
        schema->append(QByteArray(reinterpret_cast<const char *>(sqlite3_column_text(statement, 0))));
    sqlite3_finalize(statement);
    sqlite3_prepare_v2(db, "SELECT id, version, name, age, email, updated, batch FROM People ORDER BY id", -1,
                       &statement, nullptr);
    while (sqlite3_step(statement) == SQLITE_ROW) {
        const auto text = [statement](int column) {
            return QByteArray(reinterpret_cast<const char *>(sqlite3_column_text(statement, column)),
                              sqlite3_column_bytes(statement, column));
        };
        rows->push_back({sqlite3_column_int64(statement, 0), sqlite3_column_int64(statement, 1), text(2),
                         sqlite3_column_int(statement, 3), text(4), text(5), sqlite3_column_int64(statement, 6)});
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return !rows->empty() && !schema->isEmpty();
}

// Rows per second inserting `rows` into a new file with `schema`, in one transaction.
double plainInsert(const QString &file, const std::vector<PlainRow> &rows, const QList<QByteArray> &schema)
{
    sqlite3 *db = nullptr;
    if (!sqliteOk(sqlite3_open(file.toUtf8().constData(), &db), db, "open"))
        return NAN;
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", nullptr, nullptr, nullptr);
    for (const QByteArray &statement : schema) {
        if (!sqliteOk(sqlite3_exec(db, statement.constData(), nullptr, nullptr, nullptr), db, statement.constData()))
            return NAN;
    }
    sqlite3_stmt *insert = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO People (id, version, name, age, email, updated, batch) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       -1, &insert, nullptr);
    const qint64 start = nowNs();
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    for (const PlainRow &row : rows) {
        sqlite3_bind_int64(insert, 1, row.id);
        sqlite3_bind_int64(insert, 2, row.version);
        sqlite3_bind_text(insert, 3, row.name.constData(), int(row.name.size()), SQLITE_STATIC);
        sqlite3_bind_int(insert, 4, row.age);
        sqlite3_bind_text(insert, 5, row.email.constData(), int(row.email.size()), SQLITE_STATIC);
        sqlite3_bind_text(insert, 6, row.updated.constData(), int(row.updated.size()), SQLITE_STATIC);
        sqlite3_bind_int64(insert, 7, row.batch);
        if (sqlite3_step(insert) != SQLITE_DONE) {
            sqliteOk(SQLITE_ERROR, db, "insert");
            return NAN;
        }
        sqlite3_reset(insert);
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    const qint64 end = nowNs();
    sqlite3_finalize(insert);
    sqlite3_close(db);
    return double(rows.size()) / (double(end - start) / 1e9);
}

bool catchUp(const QString &dir, int rows, int pageSize)
{
    progress("catch-up: filling the master with %d rows", rows);
    const QString masterFile = dir + QStringLiteral("/cu-master.sqlite");
    MasterSide m;
    if (!m.start(masterFile))
        return false;
    double fillRate = 0;
    m.worker.run([&] {
        std::mt19937 random(3);
        const qint64 start = nowNs();
        for (int done = 0; done < rows;) {
            WriteBatch batch = m.db->batch();
            const int count = std::min(1000, rows - done);
            for (int i = 0; i < count; ++i)
                batch.insert(makePerson(0, done + i, random));
            batch.commit();
            done += count;
        }
        fillRate = rows / (double(nowNs() - start) / 1e9);
    });
    const qint64 finalVersion = m.currentVersion();
    progress("catch-up: master filled at %.0f rows/s (ORM, transactions of 1000); catching up in pages of %d",
             fillRate, pageSize);

    SlaveSide s;
    if (!s.start(dir + QStringLiteral("/cu-slave.sqlite"), m.url, pageSize))
        return false;
    CpuUse cpu{-m.worker.cpuSeconds(), -s.worker.cpuSeconds(), -processCpuSeconds()};
    const qint64 start = nowNs();
    s.startSync();
    if (!waitUntil([&] { return s.appliedTo.load() >= finalVersion; }, 900000))
        return false;
    const qint64 end = nowNs();
    cpu.master += m.worker.cpuSeconds();
    cpu.slave += s.worker.cpuSeconds();
    cpu.process += processCpuSeconds();
    const double rate = rows / (double(end - start) / 1e9);
    const double cpuBound = rows / std::max(cpu.master, cpu.slave);
    progress("catch-up: %.0f rows/s (%.2f s); CPU: master %.2f s, slave %.2f s, process %.2f s -> %.0f rows per "
             "second of the busier thread", rate, double(end - start) / 1e9, cpu.master, cpu.slave, cpu.process, cpuBound);

    std::vector<PlainRow> plainRows;
    QList<QByteArray> schema;
    if (!readPlainRows(masterFile, &plainRows, &schema))
        return false;
    double plainCpu = -processCpuSeconds();
    const double plain = plainInsert(dir + QStringLiteral("/cu-plain.sqlite"), plainRows, schema);
    plainCpu += processCpuSeconds();
    progress("catch-up: plain SQLite insert of the same rows in one transaction: %.0f rows/s, %.2f s CPU (%.0f rows "
             "per CPU second)", plain, plainCpu, rows / plainCpu);
    reportBaseline("sqlite-insert-one-transaction", "rows_per_s", plain);
    reportAgainst("replication-catch-up", "rows_per_s", rate, "sqlite-insert-one-transaction", plain, 0.30,
                  ",\"rows\":" + QByteArray::number(rows) + ",\"page_size\":" + QByteArray::number(pageSize)
                          + ",\"master_fill_rows_per_s\":" + jsonNumber(fillRate)
                          + ",\"rows_per_cpu_s_of_busier_thread\":" + jsonNumber(cpuBound)
                          + ",\"baseline_rows_per_cpu_s\":" + jsonNumber(rows / plainCpu)
                          + ",\"cpu_ratio\":" + QByteArray::number(cpuBound / (rows / plainCpu), 'f', 4) + cpu.json());
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Real-time replication benchmark (JSON lines on stdout)."));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("throughput-rows"), QStringLiteral("Rows of the throughput burst (default 200000)."), QStringLiteral("n")});
    parser.addOption({QStringLiteral("lag-seconds"), QStringLiteral("Duration of the lag run (default 10)."), QStringLiteral("s")});
    parser.addOption({QStringLiteral("lag-rate"), QStringLiteral("Writes per second of the lag run (default 1000)."), QStringLiteral("n")});
    parser.addOption({QStringLiteral("catchup-rows"), QStringLiteral("Rows to catch up (default 1000000)."), QStringLiteral("n")});
    parser.addOption({QStringLiteral("page-size"), QStringLiteral("Catch-up page size (default 5000)."), QStringLiteral("n")});
    parser.addOption({QStringLiteral("gather-delay"), QStringLiteral("ReplicationMaster::gatherDelay() (default 1 ms)."), QStringLiteral("ms")});
    parser.addOption({QStringLiteral("batch-delay"), QStringLiteral("Transport notification batching delay, both ends (default 1 ms; -1: off)."), QStringLiteral("ms")});
    parser.addOption({QStringLiteral("only"), QStringLiteral("throughput, lag or catchup."), QStringLiteral("scenario")});
    parser.process(app);
    const auto number = [&](const char *name, int fallback) {
        const QString option = QString::fromLatin1(name);
        return parser.isSet(option) ? parser.value(option).toInt() : fallback;
    };
    const QString only = parser.value(QStringLiteral("only"));
    gatherDelay = number("gather-delay", 1);
    batchDelay = number("batch-delay", 1);
    progress("gather delay %d ms, transport batch delay %d ms", gatherDelay, batchDelay);

    QTemporaryDir dir;
    if (!dir.isValid())
        return 2;
    QFile loadAverage(QStringLiteral("/proc/loadavg"));
    progress("machine: %d cores, load average %s", QThread::idealThreadCount(),
             loadAverage.open(QIODevice::ReadOnly) ? loadAverage.readAll().trimmed().constData() : "?");
    bool ok = true;
    if (only.isEmpty() || only == u"throughput")
        ok = throughput(dir.path(), number("throughput-rows", 200000)) && ok;
    if (only.isEmpty() || only == u"lag")
        ok = lagWithFloor(dir.path(), number("lag-seconds", 10), number("lag-rate", 1000)) && ok;
    if (only.isEmpty() || only == u"catchup")
        ok = catchUp(dir.path(), number("catchup-rows", 1000000), number("page-size", 5000)) && ok;
    if (!ok)
        progress("a scenario failed");
    return ok ? 0 : 1;
}

#include "main.moc"
