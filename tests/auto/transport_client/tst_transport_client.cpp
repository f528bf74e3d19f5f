// The Client: automatic reconnection with exponential backoff to a server restarted on the same
// port (reconnected() emitted, calls in flight at the drop failed with ConnectionClosed, the
// message handler kept); the connect timeout against a peer that accepts and stays silent;
// notification batching as seen on the wire (frames counted by a raw QWebSocket); calls from
// other threads.
#include "transporttest.h"

#include <QtCore/QThreadPool>
#include <QtNetwork/QTcpServer>

#include <thread>

using namespace Burrow;
using namespace BurrowTest;

class tst_TransportClient : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void reconnectsWithBackoff_data();
    void reconnectsWithBackoff();
    void keyChangedWhileAway();
    void noReconnectWhenNever();
    void connectTimeout();
    void connectRefused();
    void notConnected();
    void notificationBatching_data();
    void notificationBatching();
    void batchFlushedBeforeRequest();
    void clientNotificationsInOrder();
    void batchDeliveryToClientHandler_data();
    void batchDeliveryToClientHandler();
    void wholeBatchOnlyForOneWayMessages();
    void callsFromOtherThreads();
    void answersFromOtherThreads();
};

static void echoHandler(const Message &message, const Responder &responder)
{
    if (message.method() != QLatin1String("hold"))
        responder.sendAnswer(message.arguments().at(0));
}

void tst_TransportClient::reconnectsWithBackoff_data()
{
    QTest::addColumn<bool>("graceful"); // Server::close(), or the server object destroyed
    QTest::addColumn<QByteArray>("key");
    QTest::newRow("server-closed") << true << QByteArray();
    QTest::newRow("server-destroyed") << false << QByteArray();
    QTest::newRow("server-closed-psk") << true << QByteArray("reconnect key");
}

void tst_TransportClient::reconnectsWithBackoff()
{
    QFETCH(bool, graceful);
    QFETCH(QByteArray, key);
    ServerSettings serverSettings;
    serverSettings.setPreSharedKey(key);
    auto server = std::make_unique<Server>();
    server->setSettings(serverSettings);
    QList<Responder> held;
    auto handler = [&held](const Message &message, const Responder &responder) {
        if (message.method() == QLatin1String("hold"))
            held.append(responder);
        echoHandler(message, responder);
    };
    server->setMessageHandler(handler);
    QVERIFY(listenLocal(*server));
    const quint16 port = server->serverPort();

    Client client;
    ClientSettings settings;
    settings.setReconnect(ClientSettings::Reconnect::Automatically);
    settings.setReconnectInitialDelay(100);
    settings.setReconnectMaxDelay(800);
    settings.setPreSharedKey(key);
    client.setSettings(settings);
    // The client's own handler answers the server's callbacks, before and after the reconnection.
    client.setMessageHandler([](const Message &message, const Responder &responder) {
        responder.sendAnswer(QStringLiteral("client:") + message.method());
    });
    QSignalSpy connected(&client, &Client::connected);
    QSignalSpy reconnected(&client, &Client::reconnected);
    QSignalSpy disconnected(&client, &Client::disconnected);
    QList<qint64> failedAttempts; // ms since the drop
    QElapsedTimer sinceDrop;
    connect(&client, &Client::errorOccurred, this, [&] { failedAttempts.append(sinceDrop.elapsed()); });
    client.connectToServer(server->webSocketUrl());
    QVERIFY(client.waitForConnected(5000));
    QCOMPARE(connected.size(), 1);
    QCOMPARE(reconnected.size(), 0);

    QList<QFuture<Message>> inFlight;
    for (int i = 0; i < 3; ++i)
        inFlight.append(client.call(QStringLiteral("T"), QStringLiteral("hold"), {i}));
    QTRY_COMPARE(held.size(), 3);

    // Stop the server: the calls in flight fail, the client keeps trying with growing delays.
    sinceDrop.start();
    if (graceful)
        server->close();
    else
        server.reset();
    QTRY_COMPARE(disconnected.size(), 1);
    if (graceful) {
        QCOMPARE(disconnected.at(0).at(0).value<QWebSocketProtocol::CloseCode>(), QWebSocketProtocol::CloseCodeGoingAway);
        QCOMPARE(disconnected.at(0).at(1).toString(), QStringLiteral("server shutting down"));
    }
    for (const QFuture<Message> &call : std::as_const(inFlight)) {
        QTRY_VERIFY(call.isFinished());
        QCOMPARE(call.result().errorCode(), ErrorCode::ConnectionClosed);
    }
    QTRY_COMPARE(client.state(), Client::State::Reconnecting);
    QCOMPARE(client.call(QStringLiteral("T"), QStringLiteral("m"), {1}).result().errorCode(), ErrorCode::ConnectionClosed);

    QTest::qWait(2000);
    // Delays 100, 200, 400, 800 ms (+-20 %): about four attempts in 2 s, not hundreds.
    qInfo() << "failed attempts at" << failedAttempts << "ms after the drop";
    QVERIFY2(failedAttempts.size() >= 3 && failedAttempts.size() <= 7, qPrintable(QString::number(failedAttempts.size())));
    for (qsizetype i = 1; i < failedAttempts.size(); ++i) {
        const qint64 gap = failedAttempts.at(i) - failedAttempts.at(i - 1);
        const qint64 base = std::min<qint64>(100 << i, 800);
        QVERIFY2(gap >= base * 8 / 10 - 30, qPrintable(QStringLiteral("gap %1: %2 ms, base %3").arg(i).arg(gap).arg(base)));
    }
    QCOMPARE(client.state(), Client::State::Reconnecting);
    QCOMPARE(reconnected.size(), 0);

    // Restart on the same port: reconnected within the longest delay (+ slack).
    if (!server) {
        server = std::make_unique<Server>();
        server->setSettings(serverSettings);
    }
    server->setMessageHandler(handler);
    QSignalSpy newConnection(server.get(), &Server::newConnection);
    QVERIFY2(server->listen(QHostAddress::LocalHost, port), qPrintable(server->errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(reconnected.size() == 1, 800 * 12 / 10 + 3000);
    QCOMPARE(connected.size(), 2);
    QCOMPARE(client.state(), Client::State::Connected);
    QCOMPARE(client.error(), ErrorCode::NoError);
    QCOMPARE(client.callAndWait(QStringLiteral("T"), QStringLiteral("m"), {42}).result().toInteger(), 42);
    QTRY_COMPARE(newConnection.size(), 1);
    auto *serverSide = newConnection.at(0).at(0).value<Connection *>();
    QCOMPARE(serverSide->callAndWait(QStringLiteral("Callback"), QStringLiteral("ping"), {}).result().toString(), QStringLiteral("client:ping"));
    QCOMPARE(disconnected.size(), 1);
    QCOMPARE(client.connection()->isEncrypted(), !key.isEmpty());
}

void tst_TransportClient::keyChangedWhileAway()
{
    // The server comes back with another key: the client is refused and stops trying.
    ServerSettings serverSettings;
    serverSettings.setPreSharedKey("old key");
    auto server = std::make_unique<Server>();
    server->setSettings(serverSettings);
    QVERIFY(listenLocal(*server));
    const quint16 port = server->serverPort();
    Client client;
    ClientSettings settings;
    settings.setReconnect(ClientSettings::Reconnect::Automatically);
    settings.setReconnectInitialDelay(50);
    settings.setReconnectMaxDelay(100);
    settings.setPreSharedKey("old key");
    client.setSettings(settings);
    client.connectToServer(server->webSocketUrl());
    QVERIFY(client.waitForConnected(5000));
    server.reset();
    QTRY_COMPARE(client.state(), Client::State::Reconnecting);

    serverSettings.setPreSharedKey("new key");
    server = std::make_unique<Server>();
    server->setSettings(serverSettings);
    QSignalSpy refused(server.get(), &Server::upgradeRefused);
    QVERIFY(server->listen(QHostAddress::LocalHost, port));
    QTRY_COMPARE_WITH_TIMEOUT(refused.size(), 1, 5000);
    QTRY_COMPARE(client.state(), Client::State::Disconnected);
    QCOMPARE(client.error(), ErrorCode::Unauthorized);
    QTest::qWait(500);
    QCOMPARE(refused.size(), 1);
}

void tst_TransportClient::noReconnectWhenNever()
{
    Server server;
    QVERIFY(listenLocal(server));
    Client client;
    QSignalSpy disconnected(&client, &Client::disconnected);
    client.connectToServer(server.webSocketUrl());
    QVERIFY(client.waitForConnected(5000));
    server.close();
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(client.state(), Client::State::Disconnected);
    QTest::qWait(300);
    QCOMPARE(client.state(), Client::State::Disconnected);
}

void tst_TransportClient::connectTimeout()
{
    // Accepts the TCP connection, never answers the upgrade.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    QList<QTcpSocket *> accepted;
    connect(&silent, &QTcpServer::newConnection, this, [&] {
        while (QTcpSocket *socket = silent.nextPendingConnection())
            accepted.append(socket);
    });

    Client client;
    ClientSettings settings;
    settings.setConnectTimeout(400);
    client.setSettings(settings);
    QSignalSpy errors(&client, &Client::errorOccurred);
    QElapsedTimer timer;
    timer.start();
    client.connectToServer(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(silent.serverPort())));
    QVERIFY(!client.waitForConnected(10000));
    const qint64 after = timer.elapsed();
    qInfo("gave up after %lld ms", after);
    // QTimer's default coarse timers may fire up to 5 % early.
    QVERIFY2(after >= 400 * 95 / 100 - 10 && after <= 400 + 1500, qPrintable(QString::number(after)));
    QCOMPARE(client.error(), ErrorCode::Timeout);
    QVERIFY2(client.errorString().contains(QLatin1String("400 ms")), qPrintable(client.errorString()));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(client.state(), Client::State::Disconnected);
    QTRY_COMPARE(accepted.size(), 1);
    // The client dropped the socket it opened.
    QTRY_COMPARE(accepted.at(0)->state(), QAbstractSocket::UnconnectedState);
    qDeleteAll(accepted);
}

void tst_TransportClient::connectRefused()
{
    // A port nobody listens on (taken, then released).
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    Client client;
    client.connectToServer(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)));
    QVERIFY(!client.waitForConnected(5000));
    QCOMPARE(client.error(), ErrorCode::ConnectionClosed);
    QVERIFY2(client.errorString().contains(QLatin1String("refused"), Qt::CaseInsensitive), qPrintable(client.errorString()));
    QCOMPARE(client.state(), Client::State::Disconnected);
}

void tst_TransportClient::notConnected()
{
    Client client;
    QCOMPARE(client.state(), Client::State::Disconnected);
    QFuture<Message> call = client.call(QStringLiteral("T"), QStringLiteral("m"), {});
    QVERIFY(call.isFinished());
    QCOMPARE(call.result().errorCode(), ErrorCode::ConnectionClosed);
    client.connectToServer(QUrl(QStringLiteral("ftp://127.0.0.1/")));
    QCOMPARE(client.error(), ErrorCode::NotSupported);
    QCOMPARE(client.state(), Client::State::Disconnected);
}

void tst_TransportClient::notificationBatching_data()
{
    QTest::addColumn<QString>("subprotocol");
    QTest::addColumn<int>("batchDelay");
    QTest::addColumn<QByteArray>("key");
    for (const char *subprotocol : {BinarySubprotocol, JsonSubprotocol}) {
        QTest::addRow("%s-batched", subprotocol) << QString::fromLatin1(subprotocol) << 1 << QByteArray();
        QTest::addRow("%s-unbatched", subprotocol) << QString::fromLatin1(subprotocol) << -1 << QByteArray();
    }
    QTest::newRow("binary-aes-batched") << QString::fromLatin1(BinarySubprotocol) << 1 << QByteArray("batch key");
    QTest::newRow("binary-aes-unbatched") << QString::fromLatin1(BinarySubprotocol) << -1 << QByteArray("batch key");
}

static QList<Message> flatten(const QList<Message> &messages)
{
    QList<Message> flat;
    for (const Message &message : messages) {
        if (message.type() == Message::Type::Batch)
            flat += message.messages();
        else
            flat.append(message);
    }
    return flat;
}

void tst_TransportClient::notificationBatching()
{
    QFETCH(QString, subprotocol);
    QFETCH(int, batchDelay);
    QFETCH(QByteArray, key);
    constexpr int Count = 1000;
    Server server;
    ServerSettings settings;
    settings.setBatchDelay(batchDelay);
    settings.setPreSharedKey(key);
    server.setSettings(settings);
    QSignalSpy newConnection(&server, &Server::newConnection);
    QVERIFY(listenLocal(server));
    RawWebSocket raw(subprotocol, key);
    QVERIFY(raw.open(server.webSocketUrl()));
    QTRY_COMPARE(newConnection.size(), 1);
    auto *connection = newConnection.at(0).at(0).value<Connection *>();

    for (int i = 0; i < Count; ++i)
        connection->sendNotification(QStringLiteral("Feed"), QStringLiteral("item"), {i});
    QTRY_VERIFY_WITH_TIMEOUT(flatten(raw.messages).size() == Count, 10000);
    const int frames = raw.binaryFrames + raw.textFrames - (key.isEmpty() ? 0 : 1); // not the HELLO
    qInfo("%d notifications in %d frames", Count, frames);
    QVERIFY2(raw.openErrors.isEmpty(), qPrintable(raw.openErrors.join(QLatin1Char(';'))));
    const QList<Message> received = flatten(raw.messages);
    for (int i = 0; i < Count; ++i) {
        QCOMPARE(received.at(i).type(), Message::Type::Notification);
        QCOMPARE(received.at(i).arguments().at(0).toInteger(), i);
    }
    if (batchDelay < 0) {
        QCOMPARE(frames, Count);
    } else {
        QVERIFY2(frames <= Count / 50, qPrintable(QString::number(frames)));
        QVERIFY(raw.messages.at(0).type() == Message::Type::Batch);
    }
    QTest::qWait(50);
    QCOMPARE(raw.binaryFrames + raw.textFrames - (key.isEmpty() ? 0 : 1), frames);
}

void tst_TransportClient::batchFlushedBeforeRequest()
{
    // A request (or an answer) sent after notifications flushes them first: order across types.
    Server server;
    ServerSettings settings;
    settings.setBatchDelay(50);
    server.setSettings(settings);
    QSignalSpy newConnection(&server, &Server::newConnection);
    QVERIFY(listenLocal(server));
    RawWebSocket raw(QString::fromLatin1(BinarySubprotocol));
    QVERIFY(raw.open(server.webSocketUrl()));
    QTRY_COMPARE(newConnection.size(), 1);
    auto *connection = newConnection.at(0).at(0).value<Connection *>();
    for (int i = 0; i < 5; ++i)
        connection->sendNotification(QStringLiteral("Feed"), QStringLiteral("item"), {i});
    QFuture<Message> call = connection->call(QStringLiteral("Callback"), QStringLiteral("m"), {});
    QVERIFY(raw.waitForMessages(2));
    QCOMPARE(raw.binaryFrames, 2);
    QCOMPARE(raw.messages.at(0).type(), Message::Type::Batch);
    QCOMPARE(raw.messages.at(0).messages().size(), 5);
    QCOMPARE(raw.messages.at(1).type(), Message::Type::Request);
    raw.send(Message::answer(raw.messages.at(1).id(), QStringLiteral("done")));
    QTRY_VERIFY(call.isFinished());
    QCOMPARE(call.result().result().toString(), QStringLiteral("done"));
}

void tst_TransportClient::clientNotificationsInOrder()
{
    Server server;
    QList<qint64> received;
    server.setMessageHandler([&](const Message &message, const Responder &) {
        if (message.type() == Message::Type::Notification)
            received.append(message.arguments().at(0).toInteger());
    });
    QVERIFY(listenLocal(server));
    for (int batchDelay : {1, -1}) {
        received.clear();
        Client client;
        ClientSettings settings;
        settings.setBatchDelay(batchDelay);
        client.setSettings(settings);
        client.connectToServer(server.webSocketUrl());
        QVERIFY(client.waitForConnected(5000));
        for (int i = 0; i < 1000; ++i)
            client.connection()->sendNotification(QStringLiteral("Feed"), QStringLiteral("item"), {i});
        QTRY_COMPARE_WITH_TIMEOUT(received.size(), 1000, 10000);
        for (int i = 0; i < 1000; ++i)
            QCOMPARE(received.at(i), qint64(i));
    }
}

void tst_TransportClient::batchDeliveryToClientHandler_data()
{
    QTest::addColumn<BatchDelivery>("delivery");
    QTest::newRow("members") << BatchDelivery::Members;
    QTest::newRow("whole") << BatchDelivery::Whole;
}

void tst_TransportClient::batchDeliveryToClientHandler()
{
    // Members: the handler never sees a Batch. Whole: a burst arrives as Batch messages; in
    // both, every notification exactly once and in order.
    QFETCH(BatchDelivery, delivery);
    constexpr int Count = 1000;
    Server server;
    ServerSettings serverSettings;
    serverSettings.setBatchDelay(1);
    server.setSettings(serverSettings);
    QSignalSpy newConnection(&server, &Server::newConnection);
    QVERIFY(listenLocal(server));
    int handlerCalls = 0;
    int batches = 0;
    QList<qint64> received;
    Client client;
    client.setMessageHandler([&](const Message &message, const Responder &responder) {
        ++handlerCalls;
        QVERIFY(!responder.isValid());
        if (message.type() == Message::Type::Batch)
            ++batches;
        for (const Message &m : flatten({message})) {
            QCOMPARE(m.type(), Message::Type::Notification);
            received.append(m.arguments().at(0).toInteger());
        }
    }, delivery);
    client.connectToServer(server.webSocketUrl());
    QVERIFY(client.waitForConnected(5000));
    QTRY_COMPARE(newConnection.size(), 1);
    auto *connection = newConnection.at(0).at(0).value<Connection *>();
    for (int i = 0; i < Count; ++i)
        connection->sendNotification(QStringLiteral("Feed"), QStringLiteral("item"), {i});
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), Count, 10000);
    for (int i = 0; i < Count; ++i)
        QCOMPARE(received.at(i), qint64(i));
    if (delivery == BatchDelivery::Members) {
        QCOMPARE(batches, 0);
        QCOMPARE(handlerCalls, Count);
    } else {
        QVERIFY(batches > 0);
        QVERIFY2(handlerCalls <= Count / 50, qPrintable(QString::number(handlerCalls)));
    }
}

void tst_TransportClient::wholeBatchOnlyForOneWayMessages()
{
    // A batch holding a request (a foreign peer may send one) goes member by member even to a
    // handler that takes whole batches, so that the request gets its Responder.
    Server server;
    QSignalSpy newConnection(&server, &Server::newConnection);
    QVERIFY(listenLocal(server));
    RawWebSocket raw(QString::fromLatin1(BinarySubprotocol));
    QVERIFY(raw.open(server.webSocketUrl()));
    QTRY_COMPARE(newConnection.size(), 1);
    auto *connection = newConnection.at(0).at(0).value<Connection *>();
    QList<Message> seen;
    connection->setMessageHandler([&](const Message &message, const Responder &responder) {
        seen.append(message);
        if (message.type() == Message::Type::Request)
            responder.sendAnswer(QStringLiteral("ok"));
    }, BatchDelivery::Whole);

    const Message one = Message::notification(QStringLiteral("Feed"), QStringLiteral("item"), {1});
    const Message two = Message::notification(QStringLiteral("Feed"), QStringLiteral("item"), {2});
    raw.send(Message::batch({one, two}));
    QTRY_COMPARE(seen.size(), 1);
    QCOMPARE(seen.at(0).type(), Message::Type::Batch);
    QCOMPARE(seen.at(0).messages().size(), 2);

    seen.clear();
    raw.send(Message::batch({one, Message::request(7, QStringLiteral("Svc"), QStringLiteral("m"), {}), two}));
    QTRY_COMPARE(seen.size(), 3);
    QCOMPARE(seen.at(0).type(), Message::Type::Notification);
    QCOMPARE(seen.at(1).type(), Message::Type::Request);
    QCOMPARE(seen.at(2).type(), Message::Type::Notification);
    QVERIFY(raw.waitForMessages(1));
    QCOMPARE(raw.messages.last().type(), Message::Type::Answer);
    QCOMPARE(raw.messages.last().id(), quint64(7));
}

void tst_TransportClient::callsFromOtherThreads()
{
    Server server;
    server.setMessageHandler(echoHandler);
    QVERIFY(listenLocal(server));
    Client client;
    client.connectToServer(server.webSocketUrl());
    QVERIFY(client.waitForConnected(5000));

    constexpr int Threads = 4;
    constexpr int Calls = 100;
    std::atomic_int correct{0};
    std::atomic_int done{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < Threads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < Calls; ++i) {
                const int value = t * 1000 + i;
                const Message answer = client.callAndWait(QStringLiteral("T"), QStringLiteral("m"), {value});
                if (answer.type() == Message::Type::Answer && answer.result().toInteger() == value)
                    ++correct;
            }
            ++done;
        });
    }
    const bool finished = QTest::qWaitFor([&] { return done == Threads; }, 20000);
    for (std::thread &thread : threads)
        thread.join(); // only after the waits: the calls need this thread's event loop
    QVERIFY(finished);
    QCOMPARE(correct.load(), Threads * Calls);
}

void tst_TransportClient::answersFromOtherThreads()
{
    // Handlers may hand their Responder to another thread and answer from there, over a
    // WebSocket and over HTTP; answering after the connection closed does nothing.
    QThreadPool pool;
    pool.setMaxThreadCount(4);
    std::atomic_bool holdAll{false};
    QMutex heldMutex;
    QList<Responder> held;
    Server server;
    server.setMessageHandler([&](const Message &message, const Responder &responder) {
        if (holdAll) {
            QMutexLocker locker(&heldMutex);
            held.append(responder);
            return;
        }
        const QCborValue value = message.arguments().at(0);
        pool.start([responder, value] {
            QThread::usleep(QRandomGenerator::global()->bounded(2000));
            responder.sendAnswer(value);
            responder.sendAnswer(QStringLiteral("second answer is ignored"));
        });
    });
    QVERIFY(listenLocal(server));

    for (const QString &scheme : {QStringLiteral("ws"), QStringLiteral("http")}) {
        Client client;
        QUrl url = server.webSocketUrl();
        url.setScheme(scheme);
        if (scheme == QLatin1String("http"))
            url.setPath(QStringLiteral("/rpc"));
        client.connectToServer(url);
        QVERIFY(client.waitForConnected(5000));
        QList<QFuture<Message>> calls;
        for (int i = 0; i < 100; ++i)
            calls.append(client.call(QStringLiteral("T"), QStringLiteral("m"), {i}));
        for (int i = 0; i < 100; ++i) {
            QTRY_VERIFY_WITH_TIMEOUT(calls.at(i).isFinished(), 10000);
            QCOMPARE(calls.at(i).result().type(), Message::Type::Answer);
            QCOMPARE(calls.at(i).result().result().toInteger(), i);
        }
    }

    holdAll = true;
    {
        Client client;
        client.connectToServer(server.webSocketUrl());
        QVERIFY(client.waitForConnected(5000));
        for (int i = 0; i < 20; ++i)
            client.call(QStringLiteral("T"), QStringLiteral("m"), {i});
        QTRY_COMPARE(held.size(), 20);
    }
    QTRY_COMPARE(server.connectionCount(), 0);
    for (const Responder &responder : std::as_const(held))
        pool.start([responder] { responder.sendAnswer(1); });
    pool.waitForDone();
    QTest::qWait(50);
}

QTEST_MAIN(tst_TransportClient)
#include "tst_transport_client.moc"
