// burrow-load: N concurrent client connections (spread over a few client threads) against a
// server in a child process, each doing a steady mix of calls (ILoadService::add) and
// callbacks raised by the server (ILoadTicker::tick), at a configured rate for a set duration.
// Reports calls/s, latency p50/p99/max, errors, and the server's resident memory per connection
// (from /proc/<pid>/status); with --soak, the server's RSS every few seconds and its trend.
// With --baseline raw, the same connections are plain QWebSockets to a plain QWebSocketServer
// (memory per connection of Qt's WebSocket alone). See run-load.sh.

#include "loadcontract.h"
#include "loadcontract_burrow.h"

#include <Burrow/client.h>
#include <Burrow/remoteservices.h>
#include <Burrow/server.h>
#include <Burrow/serviceregistry.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QFile>
#include <QtCore/QMutex>
#include <QtCore/QProcess>
#include <QtCore/QSocketNotifier>
#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtWebSockets/QWebSocket>
#include <QtWebSockets/QWebSocketServer>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

qint64 steadyMicroseconds()
{
    // CLOCK_MONOTONIC: the same clock in the server and client processes on one host.
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// The soft descriptor limit up to the hard one; returns what is allowed now.
rlim_t raiseDescriptorLimit()
{
    rlimit limit = {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    return limit.rlim_cur;
}

// VmRSS of a process in KiB (0: this one), -1 when unknown.
qint64 residentKiB(qint64 pid = 0)
{
    QFile file(pid > 0 ? u"/proc/%1/status"_s.arg(pid) : u"/proc/self/status"_s);
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

QString loadAverage()
{
    QFile file(u"/proc/loadavg"_s);
    if (!file.open(QIODevice::ReadOnly))
        return u"?"_s;
    return QString::fromLatin1(file.readAll()).section(u' ', 0, 2);
}

void sleepWithEvents(int milliseconds)
{
    QEventLoop loop;
    QTimer::singleShot(milliseconds, &loop, &QEventLoop::quit);
    loop.exec();
}

bool waitUntil(const std::function<bool()> &condition, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (!condition()) {
        if (timer.elapsed() > timeoutMs)
            return false;
        sleepWithEvents(20);
    }
    return true;
}

void say(const QString &text)
{
    std::printf("%s\n", qPrintable(text));
    std::fflush(stdout);
}

// ---- Server side (child process) ------------------------------------------------------------

class LoadService : public ILoadService
{
    Q_OBJECT
public:
    using ILoadService::ILoadService;

    qint64 add(qint64 a, qint64 b) override { return a + b; }

    int subscribe(QSharedPointer<ILoadTicker> ticker, int periodMs) override
    {
        m_subscribers.push_back({std::move(ticker), std::max(1, periodMs)});
        if (!m_timer.isActive()) {
            connect(&m_timer, &QTimer::timeout, this, &LoadService::raise, Qt::UniqueConnection);
            m_timer.start(10);
            m_clock.start();
        }
        return int(m_subscribers.size());
    }

    Q_INVOKABLE void callbackReleased(QObject *callback, const QString &)
    {
        const auto it = std::find_if(m_subscribers.begin(), m_subscribers.end(),
                                     [callback](const Subscriber &s) { return s.ticker.data() == callback; });
        if (it == m_subscribers.end())
            return;
        *it = std::move(m_subscribers.back());
        m_subscribers.pop_back();
    }

private:
    struct Subscriber
    {
        QSharedPointer<ILoadTicker> ticker;
        int periodMs;
    };

    // Every subscriber is owed elapsed / period ticks; they are paid round-robin, so that the
    // callbacks are spread evenly over time instead of arriving in bursts of N.
    void raise()
    {
        const qint64 now = m_clock.elapsed();
        const qint64 elapsed = now - m_last;
        m_last = now;
        if (m_subscribers.empty())
            return;
        m_owed += double(elapsed) * double(m_subscribers.size()) / double(m_subscribers.front().periodMs);
        // Never more than one round at a time: a stalled server catches up no faster than that.
        m_owed = std::min(m_owed, double(m_subscribers.size()));
        while (m_owed >= 1.0) {
            m_owed -= 1.0;
            if (m_cursor >= m_subscribers.size())
                m_cursor = 0;
            m_subscribers[m_cursor++].ticker->tick(++m_sequence, steadyMicroseconds());
        }
    }

    std::vector<Subscriber> m_subscribers;
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    double m_owed = 0;
    size_t m_cursor = 0;
    qint64 m_sequence = 0;
};

// Serves until stdin reaches end-of-file (the parent closed it, or died).
int serveMain(const QString &kind)
{
    raiseDescriptorLimit();
    QObject owner;
    quint16 port = 0;
    if (kind == u"burrow") {
        auto *server = new Burrow::Server(&owner);
        Burrow::ServerSettings settings;
        settings.setMaxConnections(100000);
        server->setSettings(settings);
        auto *registry = new Burrow::ServiceRegistry(&owner);
        auto *service = new LoadService(&owner);
        registry->registerService<ILoadService>([service] { return service; }, Burrow::Lifetime::Shared,
                                                Burrow::Execution::InstanceThread);
        registry->attach(server);
        if (!server->listen(QHostAddress::LocalHost, 0)) {
            std::fprintf(stderr, "burrow-load --serve: %s\n", qPrintable(server->errorString()));
            return 1;
        }
        port = server->serverPort();
    } else if (kind == u"raw") {
        auto *server = new QWebSocketServer(u"raw"_s, QWebSocketServer::NonSecureMode, &owner);
        if (!server->listen(QHostAddress::LocalHost, 0)) {
            std::fprintf(stderr, "burrow-load --serve: %s\n", qPrintable(server->errorString()));
            return 1;
        }
        QObject::connect(server, &QWebSocketServer::newConnection, server, [server] {
            while (QWebSocket *socket = server->nextPendingConnection()) {
                QObject::connect(socket, &QWebSocket::binaryMessageReceived, socket,
                                 [socket](const QByteArray &message) { socket->sendBinaryMessage(message); });
                QObject::connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
        port = server->serverPort();
    } else {
        std::fprintf(stderr, "burrow-load --serve: unknown kind %s\n", qPrintable(kind));
        return 2;
    }
    std::printf("PORT %u\n", unsigned(port));
    std::fflush(stdout);
    QSocketNotifier stdinNotifier(STDIN_FILENO, QSocketNotifier::Read);
    QObject::connect(&stdinNotifier, &QSocketNotifier::activated, &stdinNotifier, [&stdinNotifier] {
        char buffer[256];
        if (::read(STDIN_FILENO, buffer, sizeof buffer) <= 0) {
            stdinNotifier.setEnabled(false);
            QCoreApplication::quit();
        }
    });
    return QCoreApplication::exec();
}

// ---- Client side ----------------------------------------------------------------------------

// What a client thread measured since the last take().
struct Tally
{
    std::vector<qint32> callLatencyUs;
    std::vector<qint32> tickLatencyUs;
    qint64 calls = 0;
    qint64 callErrors = 0;
    qint64 ticks = 0;
    qint64 disconnects = 0;

    void merge(Tally &&other)
    {
        callLatencyUs.insert(callLatencyUs.end(), other.callLatencyUs.begin(), other.callLatencyUs.end());
        tickLatencyUs.insert(tickLatencyUs.end(), other.tickLatencyUs.begin(), other.tickLatencyUs.end());
        calls += other.calls;
        callErrors += other.callErrors;
        ticks += other.ticks;
        disconnects += other.disconnects;
    }
};

struct ClientConfig
{
    QUrl url;
    bool raw = false;
    bool subscribe = true;
    int callbackPeriodMs = 1000;
    QString subprotocol;
    int maxConnecting = 8; // connections being opened at a time, per thread (the listen backlog is 50)
};

class Ticker : public ILoadTicker
{
    Q_OBJECT
public:
    explicit Ticker(Tally *tally) : m_tally(tally) {}
    void tick(qint64, qint64 sentAtUs) override
    {
        ++m_tally->ticks;
        m_tally->tickLatencyUs.push_back(qint32(std::min<qint64>(steadyMicroseconds() - sentAtUs, INT32_MAX)));
    }

private:
    Tally *m_tally;
};

// One client thread's connections; lives in that thread.
class ClientGroup : public QObject
{
    Q_OBJECT
public:
    explicit ClientGroup(const ClientConfig &config) : m_config(config) {}
    ~ClientGroup() override { closeAll(); }

    std::atomic<int> connected{0};  // TCP + WebSocket up
    std::atomic<int> ready{0};      // resolved and subscribed
    std::atomic<int> failed{0};     // could not connect, resolve or subscribe

    void open(int count)
    {
        m_toOpen = count;
        openMore();
    }

    // Calls per second over all of this group's connections (0 stops).
    void setCallRate(double perSecond)
    {
        m_callRate = perSecond;
        if (perSecond > 0 && !m_callTimer.isActive()) {
            connect(&m_callTimer, &QTimer::timeout, this, &ClientGroup::issueCalls, Qt::UniqueConnection);
            m_callClock.start();
            m_lastIssue = 0;
            m_owed = 0;
            m_callTimer.start(5);
        } else if (perSecond <= 0) {
            m_callTimer.stop();
        }
    }

    Tally take()
    {
        Tally taken = std::move(m_tally);
        m_tally = Tally();
        m_tally.callLatencyUs.reserve(taken.callLatencyUs.size());
        m_tally.tickLatencyUs.reserve(taken.tickLatencyUs.size());
        return taken;
    }

    void closeAll()
    {
        m_callTimer.stop();
        m_closing = true;
        m_connections.clear();
        m_rawSockets.clear();
    }

private:
    struct Connection
    {
        std::unique_ptr<Burrow::Client> client;
        std::unique_ptr<Burrow::RemoteServices> services;
        ILoadService *service = nullptr;
        QSharedPointer<Ticker> ticker;
        bool ready = false;
        bool settled = false; // counted as ready or failed
    };

    void openMore()
    {
        while (m_toOpen > 0 && m_connecting < m_config.maxConnecting) {
            --m_toOpen;
            ++m_connecting;
            if (m_config.raw)
                openRaw();
            else
                openBurrow();
        }
    }

    void finishedOpening(bool ok)
    {
        --m_connecting;
        if (ok)
            ++ready;
        else
            ++failed;
        if (!m_closing)
            openMore();
    }

    void settle(Connection *c, bool ok)
    {
        if (c->settled)
            return;
        c->settled = true;
        finishedOpening(ok);
    }

    void openRaw()
    {
        auto socket = std::make_unique<QWebSocket>();
        QWebSocket *s = socket.get();
        connect(s, &QWebSocket::connected, this, [this] {
            ++connected;
            finishedOpening(true);
        });
        connect(s, &QWebSocket::disconnected, this, [this, s] {
            if (m_closing)
                return;
            if (s->property("up").toBool())
                ++m_tally.disconnects;
            else
                finishedOpening(false);
        });
        connect(s, &QWebSocket::connected, s, [s] { s->setProperty("up", true); });
        s->open(m_config.url);
        m_rawSockets.push_back(std::move(socket));
    }

    void openBurrow()
    {
        auto c = std::make_shared<Connection>();
        c->client = std::make_unique<Burrow::Client>();
        Burrow::ClientSettings settings;
        settings.setSubprotocol(m_config.subprotocol);
        settings.setAnswerTimeout(30000);
        settings.setConnectTimeout(60000);
        settings.setReconnect(Burrow::ClientSettings::Reconnect::Never);
        c->client->setSettings(settings);
        c->services = std::make_unique<Burrow::RemoteServices>(c->client.get());
        Connection *raw = c.get();
        connect(c->client.get(), &Burrow::Client::connected, this, [this, raw] {
            ++connected;
            raw->services->resolveAsync<ILoadService>().then(this, [this, raw](const Burrow::Reply<ILoadService *> &reply) {
                if (m_closing)
                    return;
                if (reply.hasError()) {
                    std::fprintf(stderr, "resolve failed: %s\n", qPrintable(reply.errorString()));
                    settle(raw, false);
                    return;
                }
                raw->service = reply.value();
                if (!m_config.subscribe) {
                    raw->ready = true;
                    m_ready.push_back(raw);
                    settle(raw, true);
                    return;
                }
                raw->ticker = QSharedPointer<Ticker>::create(&m_tally);
                ILoadServiceAsync(raw->service)
                    .subscribe(raw->ticker, m_config.callbackPeriodMs)
                    .then(this, [this, raw](const Burrow::Reply<int> &subscribed) {
                        if (m_closing)
                            return;
                        if (subscribed.hasError()) {
                            std::fprintf(stderr, "subscribe failed: %s\n", qPrintable(subscribed.errorString()));
                            settle(raw, false);
                            return;
                        }
                        raw->ready = true;
                        m_ready.push_back(raw);
                        settle(raw, true);
                    });
            });
        });
        // A failed connection attempt, or the loss of a ready connection (an error of the run).
        connect(c->client.get(), &Burrow::Client::stateChanged, this, [this, raw](Burrow::Client::State state) {
            if (m_closing || state != Burrow::Client::State::Disconnected)
                return;
            if (raw->ready) {
                ++m_tally.disconnects;
                raw->ready = false;
                m_ready.erase(std::remove(m_ready.begin(), m_ready.end(), raw), m_ready.end());
            } else if (!raw->settled) {
                std::fprintf(stderr, "connection failed: %s\n", qPrintable(raw->client->errorString()));
                settle(raw, false);
            }
        });
        c->client->connectToServer(m_config.url);
        m_connections.push_back(std::move(c));
    }

    // Open loop at m_callRate: the calls owed since the last tick go out round-robin over the
    // ready connections, whatever the answers' latency.
    void issueCalls()
    {
        const qint64 now = m_callClock.nsecsElapsed();
        m_owed += double(now - m_lastIssue) * m_callRate / 1e9;
        m_lastIssue = now;
        if (m_ready.empty())
            return;
        while (m_owed >= 1.0) {
            m_owed -= 1.0;
            if (m_cursor >= m_ready.size())
                m_cursor = 0;
            Connection *c = m_ready[m_cursor++];
            const qint64 a = ++m_sequence;
            const qint64 started = steadyMicroseconds();
            ILoadServiceAsync(c->service).add(a, 1).then(this, [this, a, started](const Burrow::Reply<qint64> &reply) {
                if (m_closing)
                    return;
                ++m_tally.calls;
                if (reply.hasError() || reply.value() != a + 1) {
                    ++m_tally.callErrors;
                    return;
                }
                m_tally.callLatencyUs.push_back(qint32(std::min<qint64>(steadyMicroseconds() - started, INT32_MAX)));
            });
        }
    }

    ClientConfig m_config;
    std::vector<std::shared_ptr<Connection>> m_connections;
    std::vector<std::unique_ptr<QWebSocket>> m_rawSockets;
    std::vector<Connection *> m_ready;
    Tally m_tally;
    int m_toOpen = 0;
    int m_connecting = 0;
    bool m_closing = false;
    QTimer m_callTimer{this}; // a child, so that moveToThread() takes it along
    QElapsedTimer m_callClock;
    qint64 m_lastIssue = 0;
    double m_owed = 0;
    double m_callRate = 0;
    size_t m_cursor = 0;
    qint64 m_sequence = 0;
};

struct Percentiles
{
    double p50 = 0, p99 = 0, max = 0; // milliseconds
};

Percentiles percentiles(std::vector<qint32> &values)
{
    Percentiles p;
    if (values.empty())
        return p;
    const auto at = [&](double q) {
        const size_t index = std::min(values.size() - 1, size_t(q * double(values.size() - 1) + 0.5));
        std::nth_element(values.begin(), values.begin() + qsizetype(index), values.end());
        return double(values[index]) / 1000.0;
    };
    p.p50 = at(0.50);
    p.p99 = at(0.99);
    p.max = double(*std::max_element(values.begin(), values.end())) / 1000.0;
    return p;
}

// Least-squares slope of y over x.
double slope(const std::vector<std::pair<double, double>> &points)
{
    if (points.size() < 2)
        return 0;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const auto &[x, y] : points) {
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
    }
    const double n = double(points.size());
    const double d = n * sxx - sx * sx;
    return d == 0 ? 0 : (n * sxy - sx * sy) / d;
}

class ServerProcess
{
public:
    bool start(const QString &kind)
    {
        m_process.setProgram(QCoreApplication::applicationFilePath());
        m_process.setArguments({u"--serve"_s, kind});
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start();
        if (!m_process.waitForStarted(10000))
            return false;
        QByteArray line;
        QElapsedTimer timer;
        timer.start();
        while (!line.contains('\n') && timer.elapsed() < 15000) {
            if (!m_process.waitForReadyRead(1000) && m_process.state() != QProcess::Running)
                return false;
            line += m_process.readAll();
        }
        if (!line.startsWith("PORT "))
            return false;
        m_port = quint16(line.mid(5).trimmed().toUInt());
        return m_port != 0;
    }
    ~ServerProcess()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.closeWriteChannel();
        if (!m_process.waitForFinished(20000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    quint16 port() const { return m_port; }
    qint64 pid() const { return m_process.processId(); }
    qint64 rss() const { return residentKiB(pid()); }

private:
    QProcess m_process;
    quint16 m_port = 0;
};

struct Groups
{
    std::vector<std::unique_ptr<QThread>> threads;
    std::vector<ClientGroup *> groups;

    Groups(int count, const ClientConfig &config)
    {
        for (int t = 0; t < count; ++t) {
            auto thread = std::make_unique<QThread>();
            thread->setObjectName(u"clients-%1"_s.arg(t));
            auto *group = new ClientGroup(config);
            group->moveToThread(thread.get());
            QObject::connect(thread.get(), &QThread::finished, group, &QObject::deleteLater);
            thread->start();
            groups.push_back(group);
            threads.push_back(std::move(thread));
        }
    }
    ~Groups()
    {
        for (ClientGroup *group : groups)
            QMetaObject::invokeMethod(group, [group] { group->closeAll(); }, Qt::BlockingQueuedConnection);
        for (auto &thread : threads) {
            thread->quit();
            thread->wait();
        }
    }
    template<typename F>
    void each(F f)
    {
        for (ClientGroup *group : groups)
            QMetaObject::invokeMethod(group, [group, f] { f(group); }, Qt::BlockingQueuedConnection);
    }
    int sum(std::atomic<int> ClientGroup::*counter) const
    {
        int total = 0;
        for (ClientGroup *group : groups)
            total += (group->*counter).load();
        return total;
    }
    Tally take()
    {
        Tally total;
        for (ClientGroup *group : groups) {
            Tally part;
            QMetaObject::invokeMethod(group, [group, &part] { part = group->take(); }, Qt::BlockingQueuedConnection);
            total.merge(std::move(part));
        }
        return total;
    }
};

QString mb(qint64 kib)
{
    return QString::number(double(kib) / 1024.0, 'f', 1) + u" MB"_s;
}

QString latencyText(std::vector<qint32> &values)
{
    const Percentiles p = percentiles(values);
    return u"p50 %1 ms, p99 %2 ms, max %3 ms"_s.arg(p.p50, 0, 'f', 2).arg(p.p99, 0, 'f', 2).arg(p.max, 0, 'f', 1);
}

} // namespace

int main(int argc, char *argv[])
{
    // Qt's own event dispatcher: GLib's walks its lists of notifiers and timers on every change,
    // which costs much with thousands of sockets (see docs/CHAT.md, "Figures").
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"burrow-load"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Holds N client connections doing a steady mix of calls and server callbacks against a "
        "Burrow server in a child process; reports throughput, latency, errors and the server's "
        "memory per connection."_s);
    parser.addHelpOption();
    parser.addOptions({
        {u"connections"_s, u"Client connections held (default 1000)."_s, u"n"_s, u"1000"_s},
        {u"threads"_s, u"Client threads the connections are spread over (default 4)."_s, u"n"_s, u"4"_s},
        {u"rate"_s, u"Calls per second, all connections together (default 1000)."_s, u"n"_s, u"1000"_s},
        {u"callback-period"_s, u"Each connection gets a server callback every this many ms (default 1000; 0: no subscription)."_s,
         u"ms"_s, u"1000"_s},
        {u"duration"_s, u"Seconds of load measured (default 30; 0: connect and measure memory only)."_s, u"s"_s, u"30"_s},
        {u"warmup"_s, u"Seconds of load before the measure (default 3)."_s, u"s"_s, u"3"_s},
        {u"soak"_s, u"Sample the server's memory during the run and report its trend."_s},
        {u"sample"_s, u"Seconds between soak samples (default 5)."_s, u"s"_s, u"5"_s},
        {u"idle"_s, u"Seconds to wait after connecting before reading memory (default 3)."_s, u"s"_s, u"3"_s},
        {u"protocol"_s, u"binary or json (default binary)."_s, u"protocol"_s, u"binary"_s},
        {u"baseline"_s, u"raw: plain QWebSocket connections to a plain QWebSocketServer (memory only)."_s, u"kind"_s},
        {u"serve"_s, u"(internal) run the server of that kind: burrow or raw."_s, u"kind"_s},
    });
    parser.process(app);

    if (parser.isSet(u"serve"_s))
        return serveMain(parser.value(u"serve"_s));

    const rlim_t fdLimit = raiseDescriptorLimit();
    int connections = std::max(1, parser.value(u"connections"_s).toInt());
    const int threads = std::clamp(parser.value(u"threads"_s).toInt(), 1, 64);
    const double rate = std::max(0.0, parser.value(u"rate"_s).toDouble());
    const int callbackPeriod = std::max(0, parser.value(u"callback-period"_s).toInt());
    const int duration = std::max(0, parser.value(u"duration"_s).toInt());
    const int warmup = std::max(0, parser.value(u"warmup"_s).toInt());
    const bool soak = parser.isSet(u"soak"_s);
    const int sampleSeconds = std::max(1, parser.value(u"sample"_s).toInt());
    const int idleSeconds = std::max(0, parser.value(u"idle"_s).toInt());
    const bool raw = parser.value(u"baseline"_s) == u"raw";
    if (parser.isSet(u"baseline"_s) && !raw) {
        std::fprintf(stderr, "burrow-load: --baseline takes raw\n");
        return 2;
    }
    // Each connection takes one descriptor here (the server has its own limit); keep some for
    // the rest of the process.
    const int allowed = int(std::min<rlim_t>(fdLimit, 1 << 20)) - 64;
    if (connections > allowed) {
        say(u"descriptor limit %1: %2 connections instead of %3"_s.arg(fdLimit).arg(allowed).arg(connections));
        connections = allowed;
    }

    ServerProcess server;
    if (!server.start(raw ? u"raw"_s : u"burrow"_s)) {
        std::fprintf(stderr, "burrow-load: cannot start the server process\n");
        return 1;
    }
    ClientConfig config;
    config.url = QUrl(u"ws://127.0.0.1:%1/"_s.arg(server.port()));
    config.raw = raw;
    config.subscribe = callbackPeriod > 0;
    config.callbackPeriodMs = callbackPeriod;
    config.subprotocol = QString::fromLatin1(parser.value(u"protocol"_s) == u"json" ? Burrow::JsonSubprotocol
                                                                                     : Burrow::BinarySubprotocol);

    say(u"burrow-load: %1 %2 connections over %3 threads, %4, load average %5, descriptor limit %6"_s
            .arg(connections)
            .arg(raw ? u"raw QWebSocket"_s : u"Burrow (%1)"_s.arg(config.subprotocol))
            .arg(threads)
            .arg(raw || duration == 0 ? u"memory only"_s + (raw || callbackPeriod == 0 ? QString() : u", subscribed (a callback every %1 ms)"_s.arg(callbackPeriod))
                                      : u"%1 calls/s, a callback every %2 ms per connection"_s.arg(rate).arg(callbackPeriod))
            .arg(loadAverage())
            .arg(fdLimit));

    sleepWithEvents(500);
    const qint64 rssBefore = server.rss();
    const qint64 ownRssBefore = residentKiB();

    Groups groups(threads, config);
    QElapsedTimer connecting;
    connecting.start();
    for (int t = 0; t < threads; ++t) {
        const int share = connections / threads + (t < connections % threads ? 1 : 0);
        QMetaObject::invokeMethod(groups.groups[size_t(t)], [group = groups.groups[size_t(t)], share] { group->open(share); });
    }
    int lastShown = -1;
    const bool settled = waitUntil([&] {
        const int done = groups.sum(&ClientGroup::ready) + groups.sum(&ClientGroup::failed);
        if (done / 1000 != lastShown / 1000 && done < connections) {
            lastShown = done;
            std::fprintf(stderr, "  %d/%d connections settled\n", done, connections);
        }
        return done >= connections;
    }, 300000);
    const double connectSeconds = double(connecting.elapsed()) / 1000.0;
    const int held = groups.sum(&ClientGroup::ready);
    const int failed = groups.sum(&ClientGroup::failed);
    say(u"connections: %1 held of %2 (%3 failed)%4, in %5 s"_s.arg(held).arg(connections).arg(failed)
            .arg(settled ? QString() : u", gave up waiting"_s)
            .arg(connectSeconds, 0, 'f', 1));
    sleepWithEvents(idleSeconds * 1000);
    const qint64 rssIdle = server.rss();
    const qint64 ownRssIdle = residentKiB();
    if (held > 0) {
        say(u"server memory: %1 before, %2 with %3 idle connections%4: %5 KiB per connection"_s.arg(mb(rssBefore), mb(rssIdle))
                .arg(held)
                .arg(raw || !config.subscribe ? QString() : u" (resolved and subscribed)"_s)
                .arg(double(rssIdle - rssBefore) / held, 0, 'f', 1));
        say(u"client memory: %1 KiB per connection (this process)"_s.arg(double(ownRssIdle - ownRssBefore) / held, 0, 'f', 1));
    }
    if (raw || duration == 0 || held == 0)
        return held == connections ? 0 : 1;

    groups.take(); // callbacks of the idle time: not measured
    groups.each([share = rate / threads](ClientGroup *group) { group->setCallRate(share); });
    sleepWithEvents(warmup * 1000);
    groups.take();

    // The measure, sampled every sampleSeconds in soak mode (once at the end otherwise).
    struct Sample
    {
        double seconds;
        qint64 rssKiB;
    };
    std::vector<Sample> samples;
    Tally total;
    QElapsedTimer measuring;
    measuring.start();
    samples.push_back({0, server.rss()});
    const int step = soak ? sampleSeconds : duration;
    while (measuring.elapsed() < qint64(duration) * 1000) {
        const qint64 left = qint64(duration) * 1000 - measuring.elapsed();
        sleepWithEvents(int(std::min<qint64>(left, qint64(step) * 1000)));
        Tally part = groups.take();
        const double seconds = double(measuring.elapsed()) / 1000.0;
        samples.push_back({seconds, server.rss()});
        if (soak) {
            say(u"  t=%1 s  server RSS %2  calls %3  errors %4  disconnects %5  load %6"_s.arg(seconds, 0, 'f', 0)
                    .arg(mb(samples.back().rssKiB))
                    .arg(part.calls)
                    .arg(part.callErrors)
                    .arg(part.disconnects)
                    .arg(loadAverage()));
        }
        total.merge(std::move(part));
    }
    const double seconds = double(measuring.elapsed()) / 1000.0;
    groups.each([](ClientGroup *group) { group->setCallRate(0); });
    sleepWithEvents(1000);
    Tally drained = groups.take(); // answers to the calls still in flight at the end
    drained.ticks = 0;             // but the callbacks raised after the window are not counted
    drained.tickLatencyUs.clear();
    total.merge(std::move(drained));

    const qint64 errors = total.callErrors + total.disconnects;
    say(u"load: %1 s with %2 connections: %3 calls/s (offered %4), call latency %5"_s.arg(seconds, 0, 'f', 1)
            .arg(held)
            .arg(double(total.calls) / seconds, 0, 'f', 0)
            .arg(rate, 0, 'f', 0)
            .arg(latencyText(total.callLatencyUs)));
    if (config.subscribe) {
        say(u"callbacks: %1/s (expected %2), latency %3"_s.arg(double(total.ticks) / seconds, 0, 'f', 0)
                .arg(held * 1000.0 / callbackPeriod, 0, 'f', 0)
                .arg(latencyText(total.tickLatencyUs)));
    }
    say(u"errors: %1 (failed calls %2, connections lost %3)"_s.arg(errors).arg(total.callErrors).arg(total.disconnects));
    say(u"server memory: %1 at start, %2 at end of load"_s.arg(mb(samples.front().rssKiB), mb(samples.back().rssKiB)));
    if (soak && samples.size() >= 3) {
        std::vector<std::pair<double, double>> points;
        double firstSum = 0, lastSum = 0;
        int firstCount = 0, lastCount = 0;
        const double end = samples.back().seconds;
        for (const Sample &s : samples) {
            points.push_back({s.seconds / 60.0, double(s.rssKiB)});
            if (s.seconds <= 60.0) {
                firstSum += double(s.rssKiB);
                ++firstCount;
            }
            if (s.seconds >= end - 60.0) {
                lastSum += double(s.rssKiB);
                ++lastCount;
            }
        }
        const double firstMean = firstSum / std::max(1, firstCount);
        const double lastMean = lastSum / std::max(1, lastCount);
        say(u"soak: %1 samples over %2 min; server RSS mean first minute %3, last minute %4 (%5%6 %); "
            "linear fit slope %7 KiB/min; errors %8"_s.arg(samples.size())
                .arg(end / 60.0, 0, 'f', 1)
                .arg(mb(qint64(firstMean)), mb(qint64(lastMean)))
                .arg(lastMean >= firstMean ? u"+"_s : QString())
                .arg((lastMean - firstMean) / firstMean * 100.0, 0, 'f', 2)
                .arg(slope(points), 0, 'f', 1)
                .arg(errors));
    }
    say(u"load average at end: %1"_s.arg(loadAverage()));
    return errors == 0 && held == connections ? 0 : 1;
}

#include "main.moc"
