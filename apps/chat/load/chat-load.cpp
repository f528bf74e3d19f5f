// chat-load: chat messages per second through chat-server, and the latency from posting to the
// last member receiving, with N members connected from this process (one WebSocket each).
//
//     chat-load --spawn-server build/apps/chat/server/chat-server --clients 500 --messages 3000
//     chat-load --host 127.0.0.1 --port 8870 --clients 10
//
// Member 1 posts; it keeps --window messages waiting for their acknowledgement (1: the next
// message goes when the previous one is acknowledged). Every other member counts what it
// receives; a message is delivered when the last of them has it. Receivers run on --threads
// threads (the sender on the main thread).
//
// With --wait-delivery the next message waits until the previous ones reached every member
// instead: the latency without queueing (an idle room), rather than under full load.

#include "appoptions.h"
#include "eventwait.h"
#include "chatsession.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QThread>
#include <QtCore/QTimer>

#include <algorithm>
#include <atomic>
#include <functional>
#include <cstdio>
#include <memory>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace {

void raiseDescriptorLimit(int needed)
{
    rlimit limit = {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return;
    if (limit.rlim_cur < rlim_t(needed) && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < rlim_t(needed)) {
        std::fprintf(stderr, "chat-load: warning: %llu descriptors allowed, about %d needed\n",
                     static_cast<unsigned long long>(limit.rlim_cur), needed);
    }
}

double percentile(std::vector<qint64> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const size_t index = std::min(values.size() - 1, size_t(p * double(values.size() - 1) + 0.5));
    return double(values[index]) / 1000.0; // microseconds -> milliseconds
}

// What the receivers share, lock-free.
struct Tally
{
    explicit Tally(int messages, int receivers)
        : receivers(receivers), received(size_t(messages)), sentAt(size_t(messages)), latency(size_t(messages))
    {
    }
    const int receivers;
    std::vector<std::atomic<int>> received;
    std::vector<std::atomic<qint64>> sentAt;  // microseconds on `clock`
    std::vector<qint64> latency;              // written once, by the thread completing it
    std::atomic<int> completed{0};
    std::atomic<qint64> deliveries{0};
    std::atomic<int> joined{0};
    std::atomic<int> failed{0};
    std::function<void()> onCompleted; // called in the receiver's thread
    QElapsedTimer clock;

    qint64 now() const { return clock.nsecsElapsed() / 1000; }
};

// Creates receivers in its thread and counts what they get.
class ReceiverGroup : public QObject
{
public:
    ReceiverGroup(Tally *tally, const Burrow::ClientSettings &settings) : m_tally(tally), m_settings(settings) {}

    void open(const QUrl &url, const QStringList &nicknames)
    {
        // A few joins at a time, so that the server is not asked for hundreds at once.
        m_url = url;
        m_waiting = nicknames;
        openMore();
    }

private:
    void openMore()
    {
        while (!m_waiting.isEmpty() && m_joining < 16) {
            auto *session = new ChatSession(this);
            session->setClientSettings(m_settings);
            ++m_joining;
            connect(session, &ChatSession::joined, this, [this](const QStringList &, bool rejoined) {
                if (rejoined)
                    return;
                --m_joining;
                ++m_tally->joined;
                openMore();
            });
            connect(session, &ChatSession::closed, this, [this] { ++m_tally->failed; });
            connect(session, &ChatSession::messageReceived, this,
                    [this](const QString &, const QString &text, const QDateTime &) { count(text); });
            session->open(m_url, m_waiting.takeFirst());
        }
    }

    void count(const QString &text)
    {
        ++m_tally->deliveries;
        // "m<seq>;..."
        const qsizetype end = text.indexOf(QLatin1Char(';'));
        bool ok = false;
        const int seq = text.mid(1, end - 1).toInt(&ok);
        if (!ok || seq < 0 || size_t(seq) >= m_tally->received.size())
            return;
        if (m_tally->received[size_t(seq)].fetch_add(1) + 1 == m_tally->receivers) {
            m_tally->latency[size_t(seq)] = m_tally->now() - m_tally->sentAt[size_t(seq)].load();
            ++m_tally->completed;
            if (m_tally->onCompleted)
                m_tally->onCompleted();
        }
    }

    Tally *m_tally;
    Burrow::ClientSettings m_settings;
    QUrl m_url;
    QStringList m_waiting;
    int m_joining = 0;
};

using BurrowApps::waitUntil;

} // namespace

// CPU seconds (user + system) of this process, and of another one (Linux /proc).
QString loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    if (!file.open(QIODevice::ReadOnly))
        return QStringLiteral("?");
    return QString::fromLatin1(file.readAll()).section(QLatin1Char(' '), 0, 0);
}

double ownCpuSeconds()
{
    rusage usage = {};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double processCpuSeconds(qint64 pid)
{
    QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
    if (pid <= 0 || !file.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray stat = file.readAll();
    // Fields after the command name in parentheses: state is field 3, utime 14, stime 15.
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return -1;
    const double ticks = double(sysconf(_SC_CLK_TCK));
    return (fields.at(11).toDouble() + fields.at(12).toDouble()) / ticks;
}

int main(int argc, char *argv[])
{
    // As chat-server: Qt's own event dispatcher copes better with hundreds of sockets.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("chat-load"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Chat throughput and latency with many members."));
    parser.addHelpOption();
    AppOptions options(AppOptions::Side::Client, 8870);
    options.addTo(parser);
    parser.addOption({QStringLiteral("clients"), QStringLiteral("Members, the sender included (default 10)."), QStringLiteral("n"), QStringLiteral("10")});
    parser.addOption({QStringLiteral("messages"), QStringLiteral("Messages measured (default 2000)."), QStringLiteral("n"), QStringLiteral("2000")});
    parser.addOption({QStringLiteral("warmup"), QStringLiteral("Messages sent first, not measured (default 200)."), QStringLiteral("n"), QStringLiteral("200")});
    parser.addOption({QStringLiteral("window"), QStringLiteral("Messages waiting for acknowledgement at a time (default 1)."), QStringLiteral("n"), QStringLiteral("1")});
    parser.addOption({QStringLiteral("size"), QStringLiteral("Characters per message (default 40)."), QStringLiteral("n"), QStringLiteral("40")});
    parser.addOption({QStringLiteral("wait-delivery"), QStringLiteral("Post the next message when the previous ones reached every member, not when acknowledged.")});
    parser.addOption({QStringLiteral("threads"), QStringLiteral("Receiver threads (default 1)."), QStringLiteral("n"), QStringLiteral("1")});
    parser.addOption({QStringLiteral("spawn-server"), QStringLiteral("Start this chat-server on a free port and measure it."), QStringLiteral("path")});
    parser.process(app);

    QString error;
    if (!options.read(parser, &error)) {
        std::fprintf(stderr, "chat-load: %s\n", qPrintable(error));
        return 2;
    }
    const int clients = std::max(2, parser.value(QStringLiteral("clients")).toInt());
    const int measured = std::max(1, parser.value(QStringLiteral("messages")).toInt());
    const int warmup = std::max(0, parser.value(QStringLiteral("warmup")).toInt());
    const int window = std::max(1, parser.value(QStringLiteral("window")).toInt());
    const int size = std::clamp(parser.value(QStringLiteral("size")).toInt(), 12, 2000);
    const int threads = std::clamp(parser.value(QStringLiteral("threads")).toInt(), 1, 64);
    const int total = warmup + measured;
    const bool waitDelivery = parser.isSet(QStringLiteral("wait-delivery"));
    raiseDescriptorLimit(clients + 64);

    QUrl url = options.serverUrl();
    QProcess server;
    if (parser.isSet(QStringLiteral("spawn-server"))) {
        server.setProgram(parser.value(QStringLiteral("spawn-server")));
        server.setArguments({QStringLiteral("--port"), QStringLiteral("0")});
        server.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        server.start();
        if (!server.waitForStarted(5000) || !server.waitForReadyRead(10000)) {
            std::fprintf(stderr, "chat-load: cannot start %s\n", qPrintable(server.program()));
            return 1;
        }
        const QString line = QString::fromUtf8(server.readLine()).trimmed();
        const QRegularExpressionMatch match = QRegularExpression(QStringLiteral("listening on (\\S+)")).match(line);
        if (!match.hasMatch()) {
            std::fprintf(stderr, "chat-load: unexpected server output: %s\n", qPrintable(line));
            return 1;
        }
        url = QUrl(match.captured(1));
    }

    Burrow::ClientSettings settings = options.clientSettings();
    settings.setReconnect(Burrow::ClientSettings::Reconnect::Never);
    settings.setHeartbeatInterval(30000);
    settings.setAnswerTimeout(60000);

    Tally tally(total, clients - 1);
    tally.clock.start();

    // Receivers, spread over threads.
    std::vector<std::unique_ptr<QThread>> workers;
    std::vector<ReceiverGroup *> groups;
    for (int t = 0; t < threads; ++t) {
        auto thread = std::make_unique<QThread>();
        thread->setObjectName(QStringLiteral("receivers-%1").arg(t));
        thread->start();
        auto *group = new ReceiverGroup(&tally, settings);
        group->moveToThread(thread.get());
        QObject::connect(thread.get(), &QThread::finished, group, &QObject::deleteLater);
        groups.push_back(group);
        workers.push_back(std::move(thread));
    }
    QElapsedTimer joining;
    joining.start();
    for (int t = 0; t < threads; ++t) {
        QStringList nicknames;
        for (int i = 1 + t; i < clients; i += threads)
            nicknames.append(QStringLiteral("load-%1").arg(i + 1));
        QMetaObject::invokeMethod(groups[size_t(t)], [group = groups[size_t(t)], url, nicknames] { group->open(url, nicknames); });
    }

    ChatSession sender;
    sender.setClientSettings(settings);
    sender.open(url, QStringLiteral("load-1"));
    const bool allJoined = waitUntil([&] { return (sender.isJoined() && tally.joined.load() == clients - 1) || tally.failed.load() > 0
                                                  || sender.state() == ChatSession::State::Disconnected; },
                                     120000);
    if (!allJoined || tally.failed.load() > 0 || !sender.isJoined()) {
        std::fprintf(stderr, "chat-load: only %d of %d members joined (%s)\n", tally.joined.load() + (sender.isJoined() ? 1 : 0),
                     clients, qPrintable(sender.errorString()));
        return 1;
    }
    const double joinSeconds = double(joining.nsecsElapsed()) / 1e9;
    // Let the join notifications settle.
    BurrowApps::processEventsFor(300);

    // Posting.
    // "m<seq>;" then padding up to --size characters.
    const QString padding(std::max(size - 8, 1), QLatin1Char('x'));
    int next = 0;
    int acknowledged = 0;
    std::vector<qint64> ackLatency;
    std::vector<qint64> ackSentAt(static_cast<size_t>(total));
    qint64 measureStart = 0;
    auto post = [&] {
        const int done = waitDelivery ? tally.completed.load() : acknowledged;
        while (next < total && next - done < window) {
            const QString text = QStringLiteral("m%1;").arg(next) + padding;
            tally.sentAt[size_t(next)] = tally.now();
            ackSentAt[size_t(next)] = tally.now();
            if (next == warmup)
                measureStart = tally.now();
            sender.send(text);
            ++next;
        }
    };
    QObject::connect(&sender, &ChatSession::messageSent, &sender, [&](const QString &text, const QDateTime &) {
        const int seq = text.mid(1, text.indexOf(QLatin1Char(';')) - 1).toInt();
        if (seq >= warmup)
            ackLatency.push_back(tally.now() - ackSentAt[size_t(seq)]);
        ++acknowledged;
        post();
    });
    QObject::connect(&sender, &ChatSession::errorOccurred, &sender, [](ChatSession::Error, const QString &message) {
        std::fprintf(stderr, "chat-load: %s\n", qPrintable(message));
    });
    if (waitDelivery)
        tally.onCompleted = [&sender, &post] { QMetaObject::invokeMethod(&sender, post, Qt::QueuedConnection); };
    const double ownCpuBefore = ownCpuSeconds();
    const double serverCpuBefore = processCpuSeconds(server.processId());
    post();
    const bool done = waitUntil([&] { return tally.completed.load() >= total; }, 600000);
    const qint64 measureEnd = tally.now();
    const double ownCpu = ownCpuSeconds() - ownCpuBefore;
    const double serverCpu = processCpuSeconds(server.processId()) - serverCpuBefore;
    if (!done)
        std::fprintf(stderr, "chat-load: only %d of %d messages reached every member\n", tally.completed.load(), total);

    std::vector<qint64> latencies(tally.latency.begin() + warmup, tally.latency.end());
    const double seconds = double(measureEnd - measureStart) / 1e6;
    const double messagesPerSecond = measured / seconds;
    std::printf("chat-load: %d members (%d receivers on %d thread(s)), %d messages of %d characters, window %d%s, %s\n",
                clients, clients - 1, threads, measured, size, window, waitDelivery ? " (waiting for delivery)" : "",
                qPrintable(settings.subprotocol()));
    std::printf("  joined in %.2f s\n", joinSeconds);
    std::printf("  %.0f messages/s, %.0f deliveries/s (%.2f s)\n", messagesPerSecond,
                messagesPerSecond * (clients - 1), seconds);
    std::printf("  send -> last receiver%s: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                waitDelivery || window > 1 ? "" : " (with queueing: the sender does not wait for deliveries)",
                percentile(latencies, 0.5), percentile(latencies, 0.99), percentile(latencies, 1.0));
    std::printf("  send -> acknowledgement: p50 %.2f ms, p99 %.2f ms\n", percentile(ackLatency, 0.5),
                percentile(ackLatency, 0.99));
    // From the start of the warm-up: CPU is not split between warm-up and measured messages.
    const double deliveries = double(total) * double(clients - 1);
    std::printf("  CPU per delivery: this process %.1f us", ownCpu / deliveries * 1e6);
    if (serverCpu >= 0)
        std::printf(", chat-server %.1f us", serverCpu / deliveries * 1e6);
    std::printf(" (load average %s)\n", qPrintable(loadAverage()));
    std::fflush(stdout);

    sender.abort();
    for (auto &thread : workers) {
        thread->quit();
        thread->wait();
    }
    if (server.state() != QProcess::NotRunning) {
        server.terminate();
        server.waitForFinished(5000);
    }
    return done ? 0 : 1;
}
