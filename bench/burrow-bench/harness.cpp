#include "harness.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QFile>
#include <QtCore/QHash>
#include <QtCore/QMap>
#include <QtCore/QProcess>
#include <QtCore/QSocketNotifier>
#include <QtCore/QTimer>

#include <cstdio>
#include <unistd.h>

#if __has_include(<valgrind/callgrind.h>)
#  include <valgrind/callgrind.h>
#else
#  define CALLGRIND_ZERO_STATS do {} while (0)
#  define CALLGRIND_DUMP_STATS_AT(x) do {} while (0)
#endif

namespace BurrowBench {

Options &options()
{
    static Options instance;
    return instance;
}

void note(const QString &text)
{
    if (options().jsonOnly)
        return;
    std::fprintf(stderr, "%s\n", qPrintable(text));
    std::fflush(stderr);
}

// --- Server processes ------------------------------------------------------------------------

namespace {
QMap<QString, ServeFunction> &serveRegistry()
{
    static QMap<QString, ServeFunction> registry;
    return registry;
}

struct RunningServer
{
    QProcess *process = nullptr;
    quint16 port = 0;
};
qint64 lastServerPid = 0;
QHash<QString, RunningServer> &runningServers()
{
    static QHash<QString, RunningServer> servers;
    return servers;
}
} // namespace

void registerServer(const QString &kind, const ServeFunction &serve)
{
    serveRegistry().insert(kind, serve);
}

QStringList serverKinds()
{
    return serveRegistry().keys();
}

int serveMain(const QString &kind)
{
    const auto it = serveRegistry().constFind(kind);
    if (it == serveRegistry().constEnd()) {
        std::fprintf(stderr, "burrow-bench: unknown server kind \"%s\"; known: %s\n", qPrintable(kind),
                     qPrintable(serverKinds().join(QStringLiteral(", "))));
        return 2;
    }
    QObject owner;
    QString error;
    const quint16 port = (*it)(&owner, &error);
    if (port == 0) {
        std::fprintf(stderr, "burrow-bench --serve %s: %s\n", qPrintable(kind), qPrintable(error));
        return 1;
    }
    std::printf("PORT %u\n", unsigned(port));
    std::fflush(stdout);

    // Serve until stdin reaches end-of-file: the parent closed it, or died.
    QSocketNotifier stdinNotifier(STDIN_FILENO, QSocketNotifier::Read);
    QObject::connect(&stdinNotifier, &QSocketNotifier::activated, &stdinNotifier, [&stdinNotifier] {
        char buffer[256];
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n <= 0) {
            stdinNotifier.setEnabled(false);
            QCoreApplication::quit();
        }
    });
    return QCoreApplication::exec();
}

quint16 serverPort(const QString &kind, QString *error)
{
    lastServerPid = 0;
    if (const auto external = options().externalServers.constFind(kind); external != options().externalServers.constEnd())
        return *external;
    auto &servers = runningServers();
    const auto found = servers.constFind(kind);
    if (found != servers.constEnd()) {
        if (found->process->state() == QProcess::Running) {
            lastServerPid = found->process->processId();
            return found->port;
        }
        *error = QStringLiteral("server \"%1\" exited (code %2)").arg(kind).arg(found->process->exitCode());
        return 0;
    }
    auto *process = new QProcess;
    process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process->start(QCoreApplication::applicationFilePath(), {QStringLiteral("--serve"), kind});
    if (!process->waitForStarted(10000)) {
        *error = QStringLiteral("cannot start the \"%1\" server: %2").arg(kind, process->errorString());
        delete process;
        return 0;
    }
    QByteArray line;
    QElapsedTimer clock;
    clock.start();
    while (!line.endsWith('\n') && clock.elapsed() < 20000 && process->state() == QProcess::Running) {
        if (process->canReadLine() || process->waitForReadyRead(1000))
            line += process->readLine();
    }
    quint16 port = 0;
    if (line.startsWith("PORT "))
        port = quint16(line.mid(5).trimmed().toUInt());
    if (port == 0) {
        *error = QStringLiteral("the \"%1\" server did not report its port (got \"%2\")")
                     .arg(kind, QString::fromUtf8(line.trimmed()));
        process->kill();
        process->waitForFinished(3000);
        delete process;
        return 0;
    }
    servers.insert(kind, {process, port});
    lastServerPid = process->processId();
    note(QStringLiteral("  [server %1 pid %2 on port %3]").arg(kind).arg(process->processId()).arg(port));
    return port;
}

qint64 currentServerPid()
{
    return lastServerPid;
}

SchedSample schedSample(qint64 pid)
{
    SchedSample sample;
    if (pid < 0)
        return sample;
    QFile file(pid == 0 ? QStringLiteral("/proc/self/schedstat") : QStringLiteral("/proc/%1/schedstat").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return sample;
    const QList<QByteArray> fields = file.readLine().split(' ');
    bool ok1 = false, ok2 = false;
    const qint64 cpu = fields.value(0).toLongLong(&ok1);
    const qint64 wait = fields.value(1).toLongLong(&ok2);
    if (ok1 && ok2) {
        sample.cpuNs = cpu;
        sample.waitNs = wait;
    }
    return sample;
}

void WindowSampler::start(qint64 serverPid)
{
    m_serverPid = serverPid > 0 ? serverPid : -1;
    m_client0 = schedSample(0);
    m_server0 = schedSample(m_serverPid);
}

void WindowSampler::stop()
{
    m_client1 = schedSample(0);
    m_server1 = schedSample(m_serverPid);
}

void WindowSampler::fill(RunResult &result, qint64 operations, qint64 windowNs) const
{
    if (operations <= 0 || windowNs <= 0)
        return;
    const bool client = m_client0.cpuNs >= 0 && m_client1.cpuNs >= 0;
    const bool server = m_server0.cpuNs >= 0 && m_server1.cpuNs >= 0;
    if (client)
        result.clientCpuUs = double(m_client1.cpuNs - m_client0.cpuNs) / 1000.0 / double(operations);
    if (server)
        result.serverCpuUs = double(m_server1.cpuNs - m_server0.cpuNs) / 1000.0 / double(operations);
    if (client) {
        qint64 wait = m_client1.waitNs - m_client0.waitNs;
        int threads = 1;
        if (server) {
            wait += m_server1.waitNs - m_server0.waitNs;
            threads = 2;
        }
        result.runQueueWait = double(wait) / double(windowNs) / threads;
    }
}

void stopServers()
{
    auto &servers = runningServers();
    for (auto it = servers.begin(); it != servers.end(); ++it) {
        QProcess *process = it->process;
        process->closeWriteChannel();
        if (!process->waitForFinished(5000)) {
            process->kill();
            process->waitForFinished(3000);
        }
        delete process;
    }
    servers.clear();
}

// --- Profiling -------------------------------------------------------------------------------

namespace {
struct ProfileWindow
{
    ProfileWindow()
    {
        const QList<QByteArray> parts = qgetenv("BURROW_BENCH_PROFILE").split(',');
        if (parts.size() == 2) {
            skip = parts.at(0).toLongLong();
            count = parts.at(1).toLongLong();
        }
        enabled = skip > 0 && count > 0;
    }
    bool enabled = false;
    qint64 skip = 0;
    qint64 count = 0;
    qint64 seen = 0;
};
ProfileWindow &profileWindow()
{
    static ProfileWindow window;
    return window;
}
} // namespace

void profileTick()
{
    ProfileWindow &w = profileWindow();
    if (!w.enabled)
        return;
    ++w.seen;
    if (w.seen == w.skip) {
        CALLGRIND_ZERO_STATS;
    } else if (w.seen == w.skip + w.count) {
        CALLGRIND_DUMP_STATS_AT("window");
        std::fprintf(stderr, "profile window: %lld requests after %lld\n", w.count, w.skip);
    }
}

bool profileWindowDone()
{
    const ProfileWindow &w = profileWindow();
    // A margin, so that a server profiled at the same time has its window done too.
    return w.enabled && w.seen >= w.skip + w.count + 256;
}

// --- Load ------------------------------------------------------------------------------------

Workload::~Workload()
{
    *alive = false;
}

bool waitUntil(const std::function<bool()> &condition, int timeoutMs)
{
    if (condition())
        return true;
    QEventLoop loop;
    QElapsedTimer clock;
    clock.start();
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (condition() || clock.elapsed() >= timeoutMs)
            loop.quit();
    });
    poll.start(2);
    loop.exec();
    return condition();
}

RunResult runClosedLoop(Workload &workload, int inFlight)
{
    const Options &o = options();
    enum class Phase { Warmup, Measure, Drain };
    Phase phase = Phase::Warmup;
    const qint64 warmupEnd = qint64(o.warmupMs) * 1000000;
    const qint64 duration = qint64(o.durationMs) * 1000000;
    qint64 t0 = 0, tEnd = 0, counted = 0, outstanding = 0, progress = 0;
    const qint64 serverPid = currentServerPid();
    WindowSampler sampler;
    bool quitting = false;
    RunResult result;
    QEventLoop loop;
    QElapsedTimer clock;

    auto quitWhenDrained = [&] {
        if (outstanding == 0 && !quitting) {
            quitting = true;
            loop.quit();
        }
    };
    workload.done = [&](int slot, bool ok) {
        --outstanding;
        ++progress;
        profileTick();
        if (profileWindowDone() && phase != Phase::Drain) {
            phase = Phase::Drain;
            if (tEnd == 0)
                tEnd = clock.nsecsElapsed();
        }
        if (!ok && result.error.isEmpty()) {
            result.error = QStringLiteral("a request failed");
            phase = Phase::Drain;
        }
        if (phase != Phase::Drain) {
            const qint64 now = clock.nsecsElapsed();
            if (phase == Phase::Warmup) {
                if (now >= warmupEnd) {
                    phase = Phase::Measure;
                    t0 = now;
                    sampler.start(serverPid);
                }
            } else {
                ++counted;
                if (now - t0 >= duration) {
                    phase = Phase::Drain;
                    tEnd = now;
                    sampler.stop();
                }
            }
        }
        if (phase != Phase::Drain) {
            ++outstanding;
            workload.issue(slot);
        } else {
            quitWhenDrained();
        }
    };

    // Watchdog: nothing completed for 10 s means a lost request or a dead server.
    QTimer watchdog;
    qint64 lastProgress = -1;
    int idleSeconds = 0;
    QObject::connect(&watchdog, &QTimer::timeout, &loop, [&] {
        if (progress != lastProgress) {
            lastProgress = progress;
            idleSeconds = 0;
            return;
        }
        if (++idleSeconds >= 10) {
            if (result.error.isEmpty())
                result.error = QStringLiteral("stalled: no completion for 10 s (%1 outstanding)").arg(outstanding);
            quitting = true;
            loop.quit();
        }
    });
    watchdog.start(1000);

    clock.start();
    for (int slot = 0; slot < inFlight && phase != Phase::Drain; ++slot) {
        ++outstanding;
        workload.issue(slot);
    }
    if (!quitting)
        loop.exec();
    workload.done = [](int, bool) {};
    result.completions = progress;

    if (!result.error.isEmpty())
        return result;
    if (tEnd <= t0 || counted == 0) {
        result.error = QStringLiteral("no measurement window");
        return result;
    }
    result.ok = true;
    result.value = double(counted) / (double(tEnd - t0) / 1e9);
    sampler.fill(result, counted, tEnd - t0);
    return result;
}

RunResult runWorkload(const std::function<std::unique_ptr<Workload>()> &make, int inFlight)
{
    RunResult result;
    {
        std::unique_ptr<Workload> workload = make();
        if (!workload->open(&result.error))
            return result;
        result = runClosedLoop(*workload, inFlight);
    }
    // Let closing handshakes and deferred deletions of this run happen before the next one.
    int spins = 0;
    waitUntil([&spins] { return ++spins > 5; }, 50);
    return result;
}

RunResult runBursts(DeliveryCounter &counter, qint64 deliveriesPerBurst, const std::function<void()> &requestBurst,
                    qint64 serverPid, int window)
{
    const Options &o = options();
    const qint64 warmupEnd = qint64(o.warmupMs) * 1000000;
    const qint64 duration = qint64(o.durationMs) * 1000000;
    enum class Phase { Warmup, Measure, Drain } phase = Phase::Warmup;
    qint64 requested = 0, t0 = 0, tEnd = 0, d0 = 0, d1 = 0;
    WindowSampler sampler;
    RunResult result;
    QEventLoop loop;
    QElapsedTimer clock;
    bool quitting = false;
    auto quit = [&] {
        counter.nextCheck = std::numeric_limits<qint64>::max();
        quitting = true;
        loop.quit();
    };
    auto ask = [&] {
        requested += deliveriesPerBurst;
        requestBurst();
    };
    counter.count = 0;
    counter.error.clear();
    counter.onThreshold = [&] {
        if (!counter.error.isEmpty()) {
            result.error = counter.error;
            quit();
            return;
        }
        const qint64 now = clock.nsecsElapsed();
        if (profileWindowDone() && phase != Phase::Drain) {
            phase = Phase::Drain;
            if (tEnd == 0) {
                tEnd = now;
                d1 = counter.count;
            }
        }
        if (phase == Phase::Warmup && now >= warmupEnd) {
            phase = Phase::Measure;
            t0 = now;
            d0 = counter.count;
            sampler.start(serverPid);
        } else if (phase == Phase::Measure && now - t0 >= duration) {
            phase = Phase::Drain;
            tEnd = now;
            d1 = counter.count;
            sampler.stop();
        }
        if (phase == Phase::Drain) {
            if (counter.count >= requested)
                quit();
            else
                counter.nextCheck = requested;
            return;
        }
        ask();
        counter.nextCheck = requested - (window - 1) * deliveriesPerBurst; // one burst done: ask for the next
    };
    QTimer watchdog;
    qint64 last = -1;
    int idle = 0;
    QObject::connect(&watchdog, &QTimer::timeout, &loop, [&] {
        if (counter.count != last) {
            last = counter.count;
            idle = 0;
        } else if (++idle >= 10) {
            result.error = QStringLiteral("stalled at %1 of %2 deliveries").arg(counter.count).arg(requested);
            quit();
        }
    });
    watchdog.start(1000);
    clock.start();
    for (int i = 0; i < window && counter.error.isEmpty(); ++i)
        ask();
    counter.nextCheck = requested - (window - 1) * deliveriesPerBurst;
    if (!counter.error.isEmpty())
        result.error = counter.error;
    else if (!quitting)
        loop.exec();
    counter.onThreshold = nullptr;
    counter.nextCheck = std::numeric_limits<qint64>::max();
    result.completions = counter.count;
    if (!result.error.isEmpty())
        return result;
    if (tEnd <= t0) {
        result.error = QStringLiteral("no measurement window");
        return result;
    }
    result.ok = true;
    result.value = double(d1 - d0) / (double(tEnd - t0) / 1e9);
    sampler.fill(result, d1 - d0, tEnd - t0);
    return result;
}

// --- Registry --------------------------------------------------------------------------------

namespace {
QList<Group> &groupRegistry()
{
    static QList<Group> registry;
    return registry;
}
} // namespace

void addGroup(const Group &group)
{
    groupRegistry().append(group);
}

QList<Group> groups()
{
    return groupRegistry();
}

QByteArray makePayload(int size)
{
    static const char *const names[] = {"Alice Martin", "Bruno Dubois", "Chloe Petit", "Dmitri Leroy",
                                        "Emma Moreau", "Farid Simon", "Greta Laurent", "Hiro Michel"};
    static const char *const statuses[] = {"open", "paid", "shipped", "delivered", "cancelled"};
    static const char *const cities[] = {"Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Lille"};
    QByteArray out;
    out.reserve(size + 128);
    quint32 state = 12345;
    auto next = [&state] {
        state = state * 1103515245u + 12345u;
        return (state >> 8) & 0xffff;
    };
    int id = 1000;
    while (out.size() < size) {
        out += "{\"id\":" + QByteArray::number(id++) + ",\"name\":\"" + names[next() % 8] + "\",\"city\":\""
             + cities[next() % 6] + "\",\"status\":\"" + statuses[next() % 5] + "\",\"amount\":"
             + QByteArray::number(next() % 100000 / 100.0, 'f', 2) + "}\n";
    }
    out.truncate(size);
    return out;
}

} // namespace BurrowBench
