// Peers that die at every step, and connection floods. A peer is either a child process (this
// executable with --peer <mode>, killed with SIGKILL) or a raw QTcpSocket of the test (closed or
// aborted) that dies during the HTTP upgrade, in the middle of a WebSocket frame, with a call in
// progress, while the server calls it back, holding a callback, or as a replication slave with
// a batch in flight or a catch-up under way. After each, the server must have freed that
// connection's state (Server::connectionCount() back to 0, PerConnection instances destroyed,
// callbacks released and the services' callbackReleased() run, replication subscriptions
// ended) and still serve a fresh client.

#include "servicestest.h"
#include "replicationtest.h"
#include "probe_burrow.h"
#include "testservices.h"

#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <vector>

#include <sys/resource.h>

using namespace Burrow;
using namespace Qt::StringLiterals;

namespace {

// ---- Child side -----------------------------------------------------------------------------

void announce(const char *line)
{
    std::printf("%s\n", line);
    std::fflush(stdout);
}

// Answers nothing: says it was asked, then blocks until the test kills the process.
class StuckCallback : public IQuestionCallback
{
    Q_OBJECT
public:
    int answer(int) override
    {
        announce("ASKED");
        QThread::sleep(120);
        return 0;
    }
    void tell(const QString &) override {}
};

// `--peer <mode> <url> [database]`: connects, reaches the step of `mode`, prints a line saying
// so, and waits to be killed.
int peerMain(const QStringList &arguments)
{
    const QString mode = arguments.value(2);
    const QUrl url(arguments.value(3));
    if (mode == u"slave") {
        ReplicationTest::SlaveSide slave;
        if (!slave.open(arguments.value(4)) || !slave.connectTo(url))
            return 1;
        QObject::connect(slave.slave.get(), &ReplicationSlave::stateChanged, [](const QString &, ReplicationSlave::State state) {
            announce(state == ReplicationSlave::State::Live ? "LIVE" : state == ReplicationSlave::State::CatchingUp ? "CATCHING" : "STATE");
        });
        QObject::connect(slave.slave.get(), &ReplicationSlave::changesApplied, [] { announce("APPLIED"); });
        if (!slave.slave->startSync(ReplicationTest::people))
            return 1;
        return QCoreApplication::exec();
    }

    ServicesTest::TestClient client;
    if (!client.connectTo(url, QString::fromLatin1(BinarySubprotocol), 60000))
        return 1;
    IProbeService *probe = client.resolve<IProbeService>();
    if (!probe || probe->instanceNumber() <= 0)
        return 1;
    auto callback = QSharedPointer<StuckCallback>::create();
    if (mode == u"call") {
        // The answer comes after the test killed this process.
        IProbeServiceAsync(probe).sleepAndCount(2000);
        announce("SENT");
    } else if (mode == u"callback") {
        // The server calls the callback back; it never answers.
        IProbeServiceAsync(probe).ask(callback, 42);
    } else if (mode == u"holding") {
        probe->keep(callback);
        announce("KEPT");
    } else {
        return 2;
    }
    return QCoreApplication::exec();
}

// ---- Test side ------------------------------------------------------------------------------

// A child peer: this executable with --peer.
class Peer
{
public:
    ~Peer() { kill(); }

    void start(const QStringList &arguments)
    {
        m_process.setProgram(QCoreApplication::applicationFilePath());
        m_process.setArguments(QStringList{u"--peer"_s} + arguments);
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        QObject::connect(&m_process, &QProcess::readyReadStandardOutput, &m_process,
                         [this] { m_output += m_process.readAllStandardOutput(); });
        m_process.start();
    }
    bool waitFor(const QByteArray &line, int timeout = 30000)
    {
        return QTest::qWaitFor([&] { return m_output.contains(line + '\n') || m_process.state() == QProcess::NotRunning; },
                               timeout)
            && m_output.contains(line + '\n');
    }
    void kill()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.kill(); // SIGKILL: no close frame, no FIN-time cleanup in the peer
        m_process.waitForFinished(10000);
    }
    QProcess &process() { return m_process; }
    QByteArray output() const { return m_output; }

private:
    QProcess m_process;
    QByteArray m_output;
};

// A masked client WebSocket frame (RFC 6455, section 5.2).
QByteArray clientFrame(quint8 opcode, const QByteArray &payload)
{
    QByteArray frame;
    frame.append(char(0x80 | opcode));
    if (payload.size() < 126) {
        frame.append(char(0x80 | payload.size()));
    } else {
        frame.append(char(0x80 | 126));
        frame.append(char(payload.size() >> 8));
        frame.append(char(payload.size() & 0xff));
    }
    const char mask[4] = {0x12, 0x34, 0x56, 0x78};
    frame.append(mask, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        frame.append(char(payload.at(i) ^ mask[i % 4]));
    return frame;
}

MessageCodecPointer jsonCodec()
{
    for (const MessageCodecPointer &codec : MessageCodec::builtIn()) {
        if (codec->subprotocol() == QLatin1String(JsonSubprotocol))
            return codec;
    }
    return {};
}

// A raw TCP peer that upgrades to the JSON subprotocol by hand (so that it can stop anywhere).
struct RawPeer
{
    QTcpSocket socket;
    QByteArray received;
    bool disconnected = false;

    RawPeer()
    {
        QObject::connect(&socket, &QTcpSocket::readyRead, &socket, [this] { received += socket.readAll(); });
        QObject::connect(&socket, &QTcpSocket::disconnected, &socket, [this] { disconnected = true; });
    }
    bool connectTo(quint16 port)
    {
        socket.connectToHost(QHostAddress::LocalHost, port);
        return QTest::qWaitFor([this] { return socket.state() == QAbstractSocket::ConnectedState; }, 20000);
    }
    static QByteArray upgradeRequest()
    {
        return "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Protocol: " + QByteArray(JsonSubprotocol) + "\r\n\r\n";
    }
    // Sends the upgrade and waits for "101"; the bytes after the head stay in `received`.
    bool upgrade()
    {
        socket.write(upgradeRequest());
        if (!QTest::qWaitFor([this] { return received.contains("\r\n\r\n") || disconnected; }, 20000))
            return false;
        if (!received.startsWith("HTTP/1.1 101"))
            return false;
        received.remove(0, received.indexOf("\r\n\r\n") + 4);
        return true;
    }
};

} // namespace

class tst_ReliabilityPeerDeath : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void peerDies_data();
    void peerDies();
    void slaveDies_data();
    void slaveDies();
    void connectionFlood();
    void halfOpenConnectionsTimeOut();

private:
    QTemporaryDir m_directory;
};

void tst_ReliabilityPeerDeath::initTestCase()
{
    QVERIFY(m_directory.isValid());
    // The flood holds a few hundred descriptors at a time.
    rlimit limit = {};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 8192);
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

void tst_ReliabilityPeerDeath::init()
{
    ProbeService::resetCounters();
}

void tst_ReliabilityPeerDeath::peerDies_data()
{
    QTest::addColumn<QString>("step");
    QTest::addColumn<bool>("holdsCallback"); // the server must report a callback released

    QTest::newRow("upgrade: half the request head, closed") << u"upgrade-head"_s << false;
    QTest::newRow("upgrade: whole request, aborted before the 101") << u"upgrade-sent"_s << false;
    QTest::newRow("mid-frame: half a frame header, aborted") << u"frame-header"_s << false;
    QTest::newRow("mid-frame: header and half the payload, closed") << u"frame-payload"_s << false;
    QTest::newRow("mid-call: request sent, killed before the answer") << u"call"_s << false;
    QTest::newRow("mid-callback: killed while the server calls it back") << u"callback"_s << true;
    QTest::newRow("holding a callback: killed while idle") << u"holding"_s << true;
}

void tst_ReliabilityPeerDeath::peerDies()
{
    QFETCH(QString, step);
    QFETCH(bool, holdsCallback);

    ServicesTest::TestServer server;
    // Calls run on the pool, so that a call blocked on a dead peer never blocks the server.
    QVERIFY(server.registry.registerService<IProbeService>([] { return new ProbeService; }, Lifetime::PerConnection,
                                                           Execution::ThreadPool));
    ServerSettings settings;
    // Far beyond the test's waits: a pending callback call must fail because its connection
    // closed, not because it timed out.
    settings.setAnswerTimeout(120000);
    settings.setHandshakeTimeout(60000);
    QVERIFY(server.start(settings));
    QSignalSpy newConnection(&server.server, &Server::newConnection);
    QSignalSpy connectionClosed(&server.server, &Server::connectionClosed);
    QSignalSpy released(&server.registry, &ServiceRegistry::callbackReleased);
    const quint16 port = server.server.serverPort();

    if (step.startsWith(u"upgrade") || step.startsWith(u"frame")) {
        RawPeer peer;
        QVERIFY(peer.connectTo(port));
        if (step == u"upgrade-head") {
            const QByteArray request = RawPeer::upgradeRequest();
            peer.socket.write(request.left(request.size() / 2));
            peer.socket.flush();
            QTest::qWait(100);
            peer.socket.close();
        } else if (step == u"upgrade-sent") {
            peer.socket.write(RawPeer::upgradeRequest());
            peer.socket.flush();
            peer.socket.abort();
        } else {
            QVERIFY(peer.upgrade());
            QTRY_COMPARE_WITH_TIMEOUT(newConnection.size(), 1, 20000);
            // A whole request first, so that the connection holds a PerConnection instance.
            const QByteArray request = jsonCodec()->encode(Message::request(1, u"Probe"_s, u"instanceNumber"_s, {}));
            peer.socket.write(clientFrame(0x1, request));
            QTRY_VERIFY_WITH_TIMEOUT(peer.received.contains("\"result\""), 20000);
            QCOMPARE(ProbeService::alive.load(), 1);
            const QByteArray frame = clientFrame(0x1, QByteArray(400, 'x'));
            peer.socket.write(step == u"frame-header" ? frame.left(1) : frame.left(frame.size() / 2));
            peer.socket.flush();
            QTest::qWait(100);
            if (step == u"frame-header")
                peer.socket.abort();
            else
                peer.socket.close();
        }
    } else {
        Peer peer;
        peer.start({step, server.webSocketUrl().toString()});
        if (step == u"call") {
            QVERIFY2(peer.waitFor("SENT"), peer.output().constData());
            QTRY_COMPARE_WITH_TIMEOUT(ProbeService::active.load(), 1, 20000); // the call is running
        } else if (step == u"callback") {
            QVERIFY2(peer.waitFor("ASKED"), peer.output().constData()); // the server is waiting for the answer
        } else {
            QVERIFY2(peer.waitFor("KEPT"), peer.output().constData());
        }
        QCOMPARE(server.server.connectionCount(), 1);
        QCOMPARE(ProbeService::alive.load(), 1);
        peer.kill();
    }

    // Everything of that connection freed.
    QTRY_COMPARE_WITH_TIMEOUT(server.server.connectionCount(), 0, 20000);
    QCOMPARE(connectionClosed.size(), newConnection.size());
    QTRY_COMPARE_WITH_TIMEOUT(ProbeService::alive.load(), 0, 20000);
    QCOMPARE(ProbeService::active.load(), 0);
    if (holdsCallback) {
        QTRY_COMPARE_WITH_TIMEOUT(released.size(), 1, 20000);
        QCOMPARE(released.at(0).at(1).toString(), u"QuestionCallback"_s);
        // The instance was told before it was destroyed.
        QCOMPARE(ProbeService::releasedAtDestruction(), QStringList{u"QuestionCallback"_s});
    } else {
        QCOMPARE(released.size(), 0);
    }

    // And a fresh client is served.
    const int createdBefore = ProbeService::created.load();
    ServicesTest::TestClient fresh;
    QVERIFY(fresh.connectTo(server.webSocketUrl()));
    IProbeService *probe = fresh.resolve<IProbeService>();
    QVERIFY(probe);
    QCOMPARE(probe->instanceNumber(), createdBefore + 1);
    QCOMPARE(server.server.connectionCount(), 1);
}

void tst_ReliabilityPeerDeath::slaveDies_data()
{
    QTest::addColumn<bool>("duringCatchUp");
    QTest::newRow("live batch in flight") << false;
    QTest::newRow("catch-up page in flight") << true;
}

void tst_ReliabilityPeerDeath::slaveDies()
{
    QFETCH(bool, duringCatchUp);
    using namespace ReplicationTest;
    const QString tag = QString::fromLatin1(QTest::currentDataTag()).left(4);
    const QString masterFile = m_directory.filePath(tag + u"-master.sqlite"_s);
    const QString slaveFile = m_directory.filePath(tag + u"-slave.sqlite"_s);

    MasterSide master;
    QVERIFY(master.open(masterFile));
    QVERIFY(master.start());
    master.master->setMaxChangesPerMessage(100000);
    // Transactions of 5,000 rows (the slave's fetch() page size): whole or absent on a slave.
    GroupWriter writer(&master.db, 5000);
    QSignalSpy removed(master.master.get(), &ReplicationMaster::subscriptionRemoved);
    QSignalSpy closed(&master.server, &Server::connectionClosed);

    Peer peer;
    if (duringCatchUp) {
        // 30,000 rows to fetch in pages of 5,000: the slave dies with the first page applied and
        // the next ones asked for or in flight.
        QVERIFY(writer.write(6, 100, 0));
        peer.start({u"slave"_s, master.url().toString(), slaveFile});
        QVERIFY2(peer.waitFor("CATCHING"), peer.output().constData());
        QVERIFY2(peer.waitFor("APPLIED"), peer.output().constData());
        peer.kill();
    } else {
        peer.start({u"slave"_s, master.url().toString(), slaveFile});
        QVERIFY2(peer.waitFor("LIVE"), peer.output().constData());
        QTRY_COMPARE_WITH_TIMEOUT(master.master->subscriptionCount(), 1, 20000);
        // One transaction of 5,000 rows; the slave dies as soon as its message is sent.
        bool killed = false;
        QObject::connect(master.master.get(), &ReplicationMaster::changesSent, &master.server, [&] {
            if (!killed) {
                killed = true;
                ::kill(pid_t(peer.process().processId()), SIGKILL);
            }
        });
        QVERIFY(writer.write(1, 100, 0));
        QTRY_VERIFY_WITH_TIMEOUT(killed, 20000);
        peer.kill();
        QTRY_COMPARE_WITH_TIMEOUT(removed.size(), 1, 20000);
    }
    QTRY_COMPARE_WITH_TIMEOUT(master.server.connectionCount(), 0, 20000);
    QCOMPARE(master.master->subscriptionCount(), 0);
    QVERIFY(closed.size() >= 1);

    // The master goes on writing and serves a fresh slave on the dead one's database, which
    // holds whole transactions only and converges.
    QVERIFY(writer.write(5, 40, 40));
    SlaveSide fresh;
    QVERIFY(fresh.open(slaveFile));
    QCOMPARE(partialBatches(fresh.db, 5000), QList<qint64>());
    QVERIFY(fresh.connectTo(master.url()));
    QVERIFY(fresh.slave->startSync(people));
    QTRY_COMPARE_WITH_TIMEOUT(fresh.state(), ReplicationSlave::State::Live, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(sameRows(master.db, fresh.db), 30000);
    QCOMPARE(master.master->subscriptionCount(), 1);
}

void tst_ReliabilityPeerDeath::connectionFlood()
{
    // A low limit: connections that were not freed would soon make the server refuse (503).
    ServicesTest::TestServer server;
    QVERIFY(server.registry.registerService<IProbeService>([] { return new ProbeService; }, Lifetime::PerConnection,
                                                           Execution::ThreadPool));
    ServerSettings settings;
    settings.setMaxConnections(100);
    QVERIFY(server.start(settings));
    QSignalSpy newConnection(&server.server, &Server::newConnection);
    QSignalSpy connectionClosed(&server.server, &Server::connectionClosed);
    const quint16 port = server.server.serverPort();

    // 3,000 connections in waves of 30: a third dropped as soon as connected, a third after
    // sending the upgrade request, a third after the 101 (upgraded, then gone).
    int upgraded = 0;
    for (int wave = 0; wave < 100; ++wave) {
        std::vector<std::unique_ptr<RawPeer>> peers;
        for (int i = 0; i < 30; ++i) {
            peers.push_back(std::make_unique<RawPeer>());
            peers.back()->socket.connectToHost(QHostAddress::LocalHost, port);
        }
        QVERIFY(QTest::qWaitFor([&] {
            return std::all_of(peers.begin(), peers.end(), [](const auto &p) { return p->socket.state() == QAbstractSocket::ConnectedState; });
        }, 20000));
        for (int i = 0; i < 30; ++i) {
            if (i % 3 != 0)
                peers[size_t(i)]->socket.write(RawPeer::upgradeRequest());
            if (i % 3 == 1)
                peers[size_t(i)]->socket.flush();
        }
        const bool answered = QTest::qWaitFor([&] {
            for (int i = 2; i < 30; i += 3) {
                if (!peers[size_t(i)]->received.contains("\r\n\r\n"))
                    return false;
            }
            return true;
        }, 20000);
        QVERIFY(answered);
        for (int i = 2; i < 30; i += 3)
            upgraded += peers[size_t(i)]->received.startsWith("HTTP/1.1 101") ? 1 : 0;
        for (auto &p : peers)
            p->socket.abort();
    }
    // Every upgrade that was answered was accepted: the dropped connections freed their places.
    QCOMPARE(upgraded, 1000);
    QTRY_COMPARE_WITH_TIMEOUT(server.server.connectionCount(), 0, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(connectionClosed.size(), newConnection.size(), 30000);

    // Still serving, up to the limit.
    std::vector<std::unique_ptr<RawPeer>> held;
    for (int i = 0; i < 99; ++i) {
        held.push_back(std::make_unique<RawPeer>());
        QVERIFY(held.back()->connectTo(port));
        QVERIFY2(held.back()->upgrade(), held.back()->received.left(80).constData());
    }
    ServicesTest::TestClient fresh;
    QVERIFY(fresh.connectTo(server.webSocketUrl()));
    IProbeService *probe = fresh.resolve<IProbeService>();
    QVERIFY(probe);
    QVERIFY(probe->instanceNumber() > 0);
    QCOMPARE(server.server.connectionCount(), 100);
}

void tst_ReliabilityPeerDeath::halfOpenConnectionsTimeOut()
{
    ServicesTest::TestServer server;
    QVERIFY(server.registry.registerService<IProbeService>([] { return new ProbeService; }, Lifetime::PerConnection,
                                                           Execution::ThreadPool));
    ServerSettings settings;
    settings.setMaxConnections(300);
    settings.setHandshakeTimeout(2000);
    QVERIFY(server.start(settings));
    const quint16 port = server.server.serverPort();

    // 250 connections that never finish their request head: half send nothing, half a part.
    // In waves of 25, under the listen backlog (50): a connection the kernel could not queue for
    // accept() would wait for a SYN-ACK retransmission, seconds later, before the server sees it.
    std::vector<std::unique_ptr<RawPeer>> halfOpen;
    for (int wave = 0; wave < 10; ++wave) {
        for (int i = 0; i < 25; ++i) {
            halfOpen.push_back(std::make_unique<RawPeer>());
            halfOpen.back()->socket.connectToHost(QHostAddress::LocalHost, port);
        }
        QVERIFY(QTest::qWaitFor([&] {
            return std::all_of(halfOpen.begin(), halfOpen.end(), [](const auto &p) { return p->socket.state() == QAbstractSocket::ConnectedState; });
        }, 20000));
        QTest::qWait(20); // the server accepts them
    }
    for (size_t i = 0; i < halfOpen.size(); i += 2)
        halfOpen[i]->socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n");

    // Served meanwhile.
    {
        ServicesTest::TestClient client;
        QVERIFY(client.connectTo(server.webSocketUrl()));
        IProbeService *probe = client.resolve<IProbeService>();
        QVERIFY(probe);
        QCOMPARE(probe->instanceNumber(), 1);
    }

    // All closed by the server after the handshake timeout; 408 to those that sent something.
    const auto stillOpen = [&](size_t parity) {
        int open = 0;
        for (size_t i = parity; i < halfOpen.size(); i += 2)
            open += halfOpen[i]->disconnected ? 0 : 1;
        return open;
    };
    QTRY_COMPARE_WITH_TIMEOUT(stillOpen(0), 0, 30000); // sent part of a head
    QTRY_COMPARE_WITH_TIMEOUT(stillOpen(1), 0, 30000); // sent nothing
    for (size_t i = 0; i < halfOpen.size(); ++i) {
        if (i % 2 == 0)
            QVERIFY2(halfOpen[i]->received.startsWith("HTTP/1.1 408"), halfOpen[i]->received.left(60).constData());
        else
            QVERIFY(halfOpen[i]->received.isEmpty());
    }
    halfOpen.clear();

    // Their places are free: 299 upgrades and a client.
    std::vector<std::unique_ptr<RawPeer>> held;
    for (int i = 0; i < 299; ++i) {
        held.push_back(std::make_unique<RawPeer>());
        QVERIFY(held.back()->connectTo(port));
        QVERIFY2(held.back()->upgrade(), held.back()->received.left(80).constData());
    }
    ServicesTest::TestClient client;
    QVERIFY(client.connectTo(server.webSocketUrl()));
    QVERIFY(client.resolve<IProbeService>());
    QCOMPARE(server.server.connectionCount(), 300);
}

int main(int argc, char *argv[])
{
    if (argc >= 2 && qstrcmp(argv[1], "--peer") == 0) {
        QCoreApplication app(argc, argv);
        return peerMain(app.arguments());
    }
    QCoreApplication app(argc, argv);
    tst_ReliabilityPeerDeath test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_reliability_peerdeath.moc"
