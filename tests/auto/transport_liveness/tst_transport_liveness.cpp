// Liveness: heartbeats keep an idle connection open; a peer that stops answering them (a child
// process frozen with SIGSTOP) is dropped within interval x (missed + 1); the idle timeout
// closes a silent connection; the answer timeout fails an unanswered call while the connection
// keeps working; a close from either side carries its code and reason to the other.
//
// The frozen peers are this executable run again as a child: `--child-client <url>` connects a
// Client and waits; `--child-server` listens and prints "port <n>".
#include "transporttest.h"

#include <QtCore/QProcess>

#include <csignal>
#include <sys/types.h>

using namespace Burrow;
using namespace BurrowTest;

namespace {

constexpr int Interval = 200;
constexpr int Missed = 3;
// Generous: the machines running this are shared and noisy.
constexpr int Slack = 1500;

template <typename Settings>
Settings withHeartbeats(Settings settings)
{
    settings.setHeartbeatInterval(Interval);
    settings.setMissedHeartbeats(Missed);
    return settings;
}

// A child process of this test, killed and reaped whatever happens.
class Child
{
public:
    ~Child()
    {
        if (process.state() != QProcess::NotRunning) {
            ::kill(pid_t(process.processId()), SIGKILL);
            process.waitForFinished(5000);
        }
    }
    bool start(const QStringList &arguments)
    {
        process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        process.start(QCoreApplication::applicationFilePath(), arguments);
        return process.waitForStarted(10000);
    }
    // Waits (running the event loop) for a line of the child's output starting with prefix.
    QByteArray waitForLine(const QByteArray &prefix, int timeout = 10000)
    {
        QByteArray found;
        (void)QTest::qWaitFor([&] {
            while (process.canReadLine()) {
                const QByteArray line = process.readLine().trimmed();
                if (line.startsWith(prefix)) {
                    found = line;
                    return true;
                }
            }
            return process.state() == QProcess::NotRunning;
        }, timeout);
        return found;
    }
    pid_t pid() const { return pid_t(process.processId()); }
    QProcess process;
};

} // namespace

class tst_TransportLiveness : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void heartbeatsKeepIdleConnectionAlive();
    void frozenClientDetectedByServer();
    void frozenServerDetectedByClient();
    void idleTimeoutClosesSilentConnection();
    void answerTimeout();
    void answerTimeoutServerToClient();
    void serverCloseReachesClient();
    void clientCloseReachesServer();
    void callsInFlightFailOnClose();
    void longCloseReason_data();
    void longCloseReason();
};

void tst_TransportLiveness::heartbeatsKeepIdleConnectionAlive()
{
    Server server;
    server.setSettings(withHeartbeats(ServerSettings()));
    server.setMessageHandler([](const Message &m, const Responder &r) { r.sendAnswer(m.arguments().at(0)); });
    QVERIFY(listenLocal(server));
    QSignalSpy newConnection(&server, &Server::newConnection);

    Client client;
    client.setSettings(withHeartbeats(ClientSettings()));
    QSignalSpy disconnected(&client, &Client::disconnected);
    client.connectToServer(server.webSocketUrl());
    QVERIFY(client.waitForConnected(5000));
    QTRY_COMPARE(newConnection.size(), 1);
    auto *serverSide = newConnection.at(0).at(0).value<Connection *>();
    QSignalSpy serverTimedOut(serverSide, &Connection::peerTimedOut);
    QSignalSpy clientTimedOut(client.connection(), &Connection::peerTimedOut);

    // Ten intervals without a single message: only pings and pongs go by.
    QTest::qWait(10 * Interval);
    QCOMPARE(serverTimedOut.size(), 0);
    QCOMPARE(clientTimedOut.size(), 0);
    QCOMPARE(disconnected.size(), 0);
    QVERIFY(serverSide->isOpen());
    QCOMPARE(client.state(), Client::State::Connected);
    QCOMPARE(client.callAndWait(QStringLiteral("T"), QStringLiteral("m"), {7}).result().toInteger(), 7);

    // A raw QWebSocket that only answers pings (Qt does that by itself) also stays.
    RawWebSocket raw(QString::fromLatin1(BinarySubprotocol));
    QVERIFY(raw.open(server.webSocketUrl()));
    QTest::qWait(10 * Interval);
    QVERIFY(!raw.disconnected);
    QCOMPARE(server.connectionCount(), 2);
}

void tst_TransportLiveness::frozenClientDetectedByServer()
{
    Server server;
    server.setSettings(withHeartbeats(ServerSettings()));
    QVERIFY(listenLocal(server));
    QSignalSpy newConnection(&server, &Server::newConnection);
    QSignalSpy connectionClosed(&server, &Server::connectionClosed);

    Child child;
    QVERIFY(child.start({QStringLiteral("--child-client"), server.webSocketUrl().toString()}));
    QVERIFY2(!child.waitForLine("connected").isEmpty(), "the child client did not connect");
    QTRY_COMPARE(newConnection.size(), 1);
    auto *connection = newConnection.at(0).at(0).value<Connection *>();
    QSignalSpy timedOut(connection, &Connection::peerTimedOut);
    QSignalSpy closed(connection, &Connection::closed);

    // Alive and answering pings for a while first.
    QTest::qWait(4 * Interval);
    QVERIFY(connection->isOpen());

    QElapsedTimer sinceStop;
    QCOMPARE(::kill(child.pid(), SIGSTOP), 0);
    sinceStop.start();
    const int budget = Interval * (Missed + 1);
    QTRY_VERIFY_WITH_TIMEOUT(closed.size() == 1, budget + Slack + 2000);
    const qint64 detectedAfter = sinceStop.elapsed();
    qInfo("frozen client dropped %lld ms after SIGSTOP (budget %d ms)", detectedAfter, budget);
    QVERIFY2(detectedAfter <= budget + Slack, qPrintable(QStringLiteral("%1 ms").arg(detectedAfter)));
    // At least (missed - 1) intervals: the last pong may have been just before the stop, or one
    // ping may have been outstanding already.
    QVERIFY2(detectedAfter >= Interval * (Missed - 1) - 50, qPrintable(QStringLiteral("%1 ms").arg(detectedAfter)));
    QCOMPARE(timedOut.size(), 1);
    QCOMPARE(closed.at(0).at(0).value<QWebSocketProtocol::CloseCode>(), QWebSocketProtocol::CloseCodeGoingAway);
    QVERIFY2(closed.at(0).at(1).toString().contains(QLatin1String("missed 3 heartbeats of 200 ms")),
             qPrintable(closed.at(0).at(1).toString()));
    QTRY_COMPARE(connectionClosed.size(), 1);
    QCOMPARE(server.connectionCount(), 0);

    QCOMPARE(::kill(child.pid(), SIGCONT), 0);
    QCOMPARE(::kill(child.pid(), SIGKILL), 0);
    QVERIFY(child.process.waitForFinished(5000));
}

void tst_TransportLiveness::frozenServerDetectedByClient()
{
    Child child;
    QVERIFY(child.start({QStringLiteral("--child-server")}));
    const QByteArray line = child.waitForLine("port ");
    QVERIFY2(!line.isEmpty(), "the child server did not start");
    const quint16 port = line.mid(5).toUShort();

    Client client;
    client.setSettings(withHeartbeats(ClientSettings()));
    QSignalSpy disconnected(&client, &Client::disconnected);
    client.connectToServer(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)));
    QVERIFY2(client.waitForConnected(10000), qPrintable(client.errorString()));
    QSignalSpy timedOut(client.connection(), &Connection::peerTimedOut);
    QFuture<Message> pending = client.call(QStringLiteral("T"), QStringLiteral("never"), {});

    QElapsedTimer sinceStop;
    QCOMPARE(::kill(child.pid(), SIGSTOP), 0);
    sinceStop.start();
    const int budget = Interval * (Missed + 1);
    QTRY_VERIFY_WITH_TIMEOUT(disconnected.size() == 1, budget + Slack + 2000);
    const qint64 detectedAfter = sinceStop.elapsed();
    qInfo("frozen server dropped %lld ms after SIGSTOP (budget %d ms)", detectedAfter, budget);
    QVERIFY2(detectedAfter <= budget + Slack, qPrintable(QStringLiteral("%1 ms").arg(detectedAfter)));
    QCOMPARE(timedOut.size(), 1);
    QCOMPARE(disconnected.at(0).at(0).value<QWebSocketProtocol::CloseCode>(), QWebSocketProtocol::CloseCodeGoingAway);
    QVERIFY(disconnected.at(0).at(1).toString().contains(QLatin1String("heartbeats")));
    QTRY_VERIFY(pending.isFinished());
    QCOMPARE(pending.result().errorCode(), ErrorCode::ConnectionClosed);
    QCOMPARE(client.state(), Client::State::Disconnected);

    QCOMPARE(::kill(child.pid(), SIGCONT), 0);
    QCOMPARE(::kill(child.pid(), SIGKILL), 0);
    QVERIFY(child.process.waitForFinished(5000));
}

void tst_TransportLiveness::idleTimeoutClosesSilentConnection()
{
    constexpr int Idle = 600;
    Server server;
    ServerSettings settings = withHeartbeats(ServerSettings()); // pings do not count as activity
    settings.setIdleTimeout(Idle);
    server.setSettings(settings);
    server.setMessageHandler([](const Message &m, const Responder &r) { r.sendAnswer(m.arguments().at(0)); });
    QVERIFY(listenLocal(server));

    Client client;
    client.setSettings(withHeartbeats(ClientSettings()));
    QSignalSpy disconnected(&client, &Client::disconnected);
    client.connectToServer(server.webSocketUrl());
    QVERIFY(client.waitForConnected(5000));

    // Busy for three idle timeouts: a call every 150 ms keeps it open.
    QElapsedTimer busy;
    busy.start();
    while (busy.elapsed() < 3 * Idle) {
        QCOMPARE(client.callAndWait(QStringLiteral("T"), QStringLiteral("m"), {1}).type(), Message::Type::Answer);
        QTest::qWait(150);
    }
    QCOMPARE(disconnected.size(), 0);

    // Then silent: closed with 1000 and a reason saying so.
    QElapsedTimer silent;
    silent.start();
    QTRY_VERIFY_WITH_TIMEOUT(disconnected.size() == 1, Idle + Slack + 2000);
    const qint64 after = silent.elapsed();
    qInfo("idle connection closed after %lld ms (timeout %d ms)", after, Idle);
    QVERIFY2(after >= Idle - 200 && after <= Idle * 11 / 10 + Slack, qPrintable(QStringLiteral("%1 ms").arg(after)));
    QCOMPARE(disconnected.at(0).at(0).value<QWebSocketProtocol::CloseCode>(), QWebSocketProtocol::CloseCodeNormal);
    QVERIFY2(disconnected.at(0).at(1).toString().startsWith(QLatin1String("idle for")), qPrintable(disconnected.at(0).at(1).toString()));
    QTRY_COMPARE(server.connectionCount(), 0);
}

void tst_TransportLiveness::answerTimeout()
{
    Server server;
    QList<Responder> unanswered;
    server.setMessageHandler([&](const Message &m, const Responder &r) {
        if (m.method() == QLatin1String("never"))
            unanswered.append(r); // kept, never answered (until the end)
        else
            r.sendAnswer(m.arguments().at(0));
    });
    QVERIFY(listenLocal(server));

    Client client;
    ClientSettings settings;
    settings.setAnswerTimeout(400);
    client.setSettings(settings);
    QSignalSpy disconnected(&client, &Client::disconnected);
    client.connectToServer(server.webSocketUrl());
    QVERIFY(client.waitForConnected(5000));

    QElapsedTimer timer;
    timer.start();
    QFuture<Message> never = client.call(QStringLiteral("T"), QStringLiteral("never"), {});
    QFuture<Message> quick = client.call(QStringLiteral("T"), QStringLiteral("m"), {1});
    QTRY_VERIFY_WITH_TIMEOUT(never.isFinished(), 400 + Slack + 2000);
    const qint64 after = timer.elapsed();
    QVERIFY2(after >= 350 && after <= 400 + Slack, qPrintable(QStringLiteral("%1 ms").arg(after)));
    QCOMPARE(never.result().type(), Message::Type::Error);
    QCOMPARE(never.result().errorCode(), ErrorCode::Timeout);
    QVERIFY(quick.isFinished());
    QCOMPARE(quick.result().result().toInteger(), 1);

    // The connection is still usable, and a late answer to the timed-out call is dropped.
    QCOMPARE(unanswered.size(), 1);
    unanswered.first().sendAnswer(QStringLiteral("too late"));
    for (int i = 0; i < 5; ++i)
        QCOMPARE(client.callAndWait(QStringLiteral("T"), QStringLiteral("m"), {i}).result().toInteger(), i);
    // Blocking form: also Timeout, also leaves the connection open.
    const Message blocked = client.callAndWait(QStringLiteral("T"), QStringLiteral("never"), {});
    QCOMPARE(blocked.errorCode(), ErrorCode::Timeout);
    QCOMPARE(client.callAndWait(QStringLiteral("T"), QStringLiteral("m"), {QStringLiteral("still")}).result().toString(), QStringLiteral("still"));
    QCOMPARE(disconnected.size(), 0);
    QCOMPARE(client.state(), Client::State::Connected);
}

void tst_TransportLiveness::answerTimeoutServerToClient()
{
    Server server;
    ServerSettings serverSettings;
    serverSettings.setAnswerTimeout(300);
    server.setSettings(serverSettings);
    QSignalSpy newConnection(&server, &Server::newConnection);
    QVERIFY(listenLocal(server));
    Client client;
    client.setMessageHandler([](const Message &m, const Responder &r) {
        if (m.method() != QLatin1String("never"))
            r.sendAnswer(m.method());
    });
    client.connectToServer(server.webSocketUrl());
    QVERIFY(client.waitForConnected(5000));
    QTRY_COMPARE(newConnection.size(), 1);
    auto *connection = newConnection.at(0).at(0).value<Connection *>();

    QFuture<Message> never = connection->call(QStringLiteral("Callback"), QStringLiteral("never"), {});
    QTRY_VERIFY_WITH_TIMEOUT(never.isFinished(), 300 + Slack + 2000);
    QCOMPARE(never.result().errorCode(), ErrorCode::Timeout);
    QCOMPARE(connection->callAndWait(QStringLiteral("Callback"), QStringLiteral("ping"), {}).result().toString(), QStringLiteral("ping"));
}

void tst_TransportLiveness::serverCloseReachesClient()
{
    Server server;
    QSignalSpy newConnection(&server, &Server::newConnection);
    QSignalSpy connectionClosed(&server, &Server::connectionClosed);
    QVERIFY(listenLocal(server));
    Client client;
    QSignalSpy disconnected(&client, &Client::disconnected);
    client.connectToServer(server.webSocketUrl());
    QVERIFY(client.waitForConnected(5000));
    QTRY_COMPARE(newConnection.size(), 1);
    auto *serverSide = newConnection.at(0).at(0).value<Connection *>();
    QSignalSpy serverClosed(serverSide, &Connection::closed);
    QSignalSpy clientClosed(client.connection(), &Connection::closed);

    const auto code = QWebSocketProtocol::CloseCode(4001); // application range
    serverSide->close(code, QStringLiteral("maintenance window"));
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.at(0).at(0).value<QWebSocketProtocol::CloseCode>(), code);
    QCOMPARE(disconnected.at(0).at(1).toString(), QStringLiteral("maintenance window"));
    QCOMPARE(clientClosed.size(), 1);
    QCOMPARE(clientClosed.at(0).at(0).value<QWebSocketProtocol::CloseCode>(), code);
    QCOMPARE(clientClosed.at(0).at(1).toString(), QStringLiteral("maintenance window"));
    QTRY_COMPARE(serverClosed.size(), 1);
    QCOMPARE(serverClosed.at(0).at(0).value<QWebSocketProtocol::CloseCode>(), code);
    QCOMPARE(serverClosed.at(0).at(1).toString(), QStringLiteral("maintenance window"));
    QTRY_COMPARE(connectionClosed.size(), 1);
    QCOMPARE(client.state(), Client::State::Disconnected);
}

void tst_TransportLiveness::clientCloseReachesServer()
{
    Server server;
    QSignalSpy newConnection(&server, &Server::newConnection);
    QVERIFY(listenLocal(server));

    // Through the connection, with a code and a reason of our own.
    Client client;
    QSignalSpy disconnected(&client, &Client::disconnected);
    client.connectToServer(server.webSocketUrl());
    QVERIFY(client.waitForConnected(5000));
    QTRY_COMPARE(newConnection.size(), 1);
    auto *serverSide = newConnection.at(0).at(0).value<Connection *>();
    QSignalSpy serverClosed(serverSide, &Connection::closed);
    const auto code = QWebSocketProtocol::CloseCode(4002);
    client.connection()->close(code, QStringLiteral("user logged out"));
    QTRY_COMPARE(serverClosed.size(), 1);
    QCOMPARE(serverClosed.at(0).at(0).value<QWebSocketProtocol::CloseCode>(), code);
    QCOMPARE(serverClosed.at(0).at(1).toString(), QStringLiteral("user logged out"));
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.at(0).at(0).value<QWebSocketProtocol::CloseCode>(), code);
    QCOMPARE(disconnected.at(0).at(1).toString(), QStringLiteral("user logged out"));
    QTRY_COMPARE(server.connectionCount(), 0);

    // Through disconnectFromServer(): a normal close.
    Client second;
    second.connectToServer(server.webSocketUrl());
    QVERIFY(second.waitForConnected(5000));
    QTRY_COMPARE(newConnection.size(), 2);
    QSignalSpy secondClosed(newConnection.at(1).at(0).value<Connection *>(), &Connection::closed);
    second.disconnectFromServer();
    QTRY_COMPARE(secondClosed.size(), 1);
    QCOMPARE(secondClosed.at(0).at(0).value<QWebSocketProtocol::CloseCode>(), QWebSocketProtocol::CloseCodeNormal);
    QCOMPARE(secondClosed.at(0).at(1).toString(), QStringLiteral("client disconnected"));
    QTRY_COMPARE(server.connectionCount(), 0);
}

void tst_TransportLiveness::callsInFlightFailOnClose()
{
    Server server;
    QList<Responder> held;
    server.setMessageHandler([&](const Message &, const Responder &r) { held.append(r); });
    QSignalSpy newConnection(&server, &Server::newConnection);
    QVERIFY(listenLocal(server));
    Client client;
    client.connectToServer(server.webSocketUrl());
    QVERIFY(client.waitForConnected(5000));
    QTRY_COMPARE(newConnection.size(), 1);
    QList<QFuture<Message>> calls;
    for (int i = 0; i < 3; ++i)
        calls.append(client.call(QStringLiteral("T"), QStringLiteral("m"), {i}));
    QTRY_COMPARE(held.size(), 3);
    newConnection.at(0).at(0).value<Connection *>()->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("restarting"));
    for (const QFuture<Message> &call : std::as_const(calls)) {
        QTRY_VERIFY(call.isFinished());
        QCOMPARE(call.result().errorCode(), ErrorCode::ConnectionClosed);
        QVERIFY2(call.result().errorMessage().contains(QLatin1String("restarting")), qPrintable(call.result().errorMessage()));
    }
    // Answering after the close does nothing (and does not crash).
    for (const Responder &r : std::as_const(held))
        r.sendAnswer(1);
    QTest::qWait(50);
}

void tst_TransportLiveness::longCloseReason_data()
{
    QTest::addColumn<QString>("reason");
    QTest::newRow("ascii-200") << QString(200, QLatin1Char('r'));
    QTest::newRow("two-byte-100") << QString(100, QChar(0xe9));        // 200 bytes of UTF-8
    QTest::newRow("three-byte-60") << QString(60, QChar(0x20ac));      // 180 bytes of UTF-8
    QTest::newRow("two-byte-at-boundary") << QString(122, QLatin1Char('a')) + QString(5, QChar(0xe9));
}

void tst_TransportLiveness::longCloseReason()
{
    // A close frame carries at most 123 bytes of reason: a longer one is cut, on a character
    // boundary, and still reaches the peer with its code.
    QFETCH(QString, reason);
    Server server;
    QSignalSpy newConnection(&server, &Server::newConnection);
    QVERIFY(listenLocal(server));
    Client client;
    QSignalSpy disconnected(&client, &Client::disconnected);
    client.connectToServer(server.webSocketUrl());
    QVERIFY(client.waitForConnected(5000));
    QTRY_COMPARE(newConnection.size(), 1);
    newConnection.at(0).at(0).value<Connection *>()->close(QWebSocketProtocol::CloseCode(4003), reason);
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(int(disconnected.at(0).at(0).value<QWebSocketProtocol::CloseCode>()), 4003);
    const QString received = disconnected.at(0).at(1).toString();
    QVERIFY2(!received.isEmpty() && reason.startsWith(received), qPrintable(received));
    QVERIFY(received.toUtf8().size() <= 123);
    QVERIFY2(!received.contains(QChar::ReplacementCharacter), qPrintable(received));
}

// --- child modes -----------------------------------------------------------------------------

static int runChildClient(const QUrl &url)
{
    Client client;
    client.setSettings(withHeartbeats(ClientSettings()));
    QObject::connect(&client, &Client::connected, [] {
        std::fputs("connected\n", stdout);
        std::fflush(stdout);
    });
    QObject::connect(&client, &Client::disconnected, qApp, &QCoreApplication::quit);
    QObject::connect(&client, &Client::errorOccurred, qApp, [&client] {
        if (client.state() == Client::State::Disconnected)
            qApp->quit();
    });
    client.connectToServer(url);
    QTimer::singleShot(60000, qApp, &QCoreApplication::quit); // never outlive a broken parent
    return QCoreApplication::exec();
}

static int runChildServer()
{
    Server server;
    server.setSettings(withHeartbeats(ServerSettings()));
    server.setMessageHandler([](const Message &, const Responder &) {}); // never answers
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 1;
    std::fprintf(stdout, "port %u\n", unsigned(server.serverPort()));
    std::fflush(stdout);
    QTimer::singleShot(60000, qApp, &QCoreApplication::quit);
    return QCoreApplication::exec();
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc == 3 && qstrcmp(argv[1], "--child-client") == 0)
        return runChildClient(QUrl(QString::fromLocal8Bit(argv[2])));
    if (argc == 2 && qstrcmp(argv[1], "--child-server") == 0)
        return runChildServer();
    tst_TransportLiveness test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_transport_liveness.moc"
