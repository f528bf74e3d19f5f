// Limits: a message over maxMessageSize closes the connection with 1009, whether it is big on
// the wire or only once decompressed; a Client refuses locally to send one; notification batches
// stay within the limit; the (max+1)th connection gets 503 at the door (WebSocket or HTTP); a
// peer that stops reading is closed once maxQueuedBytes wait for it, while others keep receiving.
#include "transporttest.h"

#include <QtCore/QtEndian>

using namespace Burrow;
using namespace BurrowTest;

constexpr qint64 Limit = 64 * 1024;

class tst_TransportLimits : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void messageSizeLimit_data();
    void messageSizeLimit();
    void compressedFrameOverLimitCloses_data();
    void compressedFrameOverLimitCloses();
    void clientRefusesOversizeRequest();
    void oversizeAnswerBecomesError();
    void batchesStayWithinLimit();
    void maxConnectionsWebSocket();
    void maxConnectionsHttp();
    void failedHandshakesFreeTheirPlace();
    void httpSizeLimits();
    void httpTimeouts();
    void slowConsumerClosed();

private:
    void startServer(const ServerSettings &settings);
    std::unique_ptr<Server> m_server;
    int m_handlerCalls = 0;
};

void tst_TransportLimits::init()
{
    m_handlerCalls = 0;
}

void tst_TransportLimits::cleanup()
{
    m_server.reset();
}

void tst_TransportLimits::startServer(const ServerSettings &settings)
{
    m_server = std::make_unique<Server>();
    m_server->setSettings(settings);
    m_server->setMessageHandler([this](const Message &message, const Responder &responder) {
        ++m_handlerCalls;
        if (message.type() != Message::Type::Request)
            return;
        if (message.method() == QLatin1String("size"))
            responder.sendAnswer(message.arguments().at(0).toString().size());
        else if (message.method() == QLatin1String("make"))
            responder.sendAnswer(QString(message.arguments().at(0).toInteger(), QLatin1Char('m')));
        else
            responder.sendAnswer(message.arguments().at(0));
    });
    QVERIFY2(listenLocal(*m_server), qPrintable(m_server->errorString()));
}

static ServerSettings limitedSettings()
{
    ServerSettings settings;
    settings.setMaxMessageSize(Limit);
    settings.setCompressionThreshold(-1);
    return settings;
}

// A request to T.size whose encoding is exactly `size` bytes.
static Message requestOfSize(const MessageCodecPointer &codec, qint64 size)
{
    qint64 length = size;
    for (int attempt = 0; attempt < 8; ++attempt) {
        const Message message = Message::request(1, QStringLiteral("T"), QStringLiteral("size"), {QString(length, QLatin1Char('x'))});
        const qint64 encoded = codec->encode(message).size();
        if (encoded == size)
            return message;
        length += size - encoded;
    }
    qFatal("cannot build a request of %lld bytes", size);
}

void tst_TransportLimits::messageSizeLimit_data()
{
    QTest::addColumn<QString>("subprotocol");
    QTest::addColumn<bool>("encrypted");
    QTest::addColumn<qint64>("size");
    QTest::addColumn<bool>("accepted");
    for (const char *subprotocol : {BinarySubprotocol, JsonSubprotocol}) {
        for (bool encrypted : {false, true}) {
            if (encrypted && QByteArray(subprotocol) == JsonSubprotocol)
                continue;
            const QString name = QString::fromLatin1(subprotocol) + (encrypted ? QStringLiteral("-aes") : QString());
            QTest::addRow("%s-at-limit", qPrintable(name)) << QString::fromLatin1(subprotocol) << encrypted << Limit << true;
            // Within the few dozen bytes the envelope may add: the transport's own check.
            QTest::addRow("%s-one-over", qPrintable(name)) << QString::fromLatin1(subprotocol) << encrypted << Limit + 1 << false;
            QTest::addRow("%s-20-over", qPrintable(name)) << QString::fromLatin1(subprotocol) << encrypted << Limit + 20 << false;
            // Far over: QWebSocket's incoming limit.
            QTest::addRow("%s-double", qPrintable(name)) << QString::fromLatin1(subprotocol) << encrypted << 2 * Limit << false;
        }
    }
}

void tst_TransportLimits::messageSizeLimit()
{
    QFETCH(QString, subprotocol);
    QFETCH(bool, encrypted);
    QFETCH(qint64, size);
    QFETCH(bool, accepted);
    const QByteArray key = encrypted ? QByteArrayLiteral("limits") : QByteArray();
    ServerSettings settings = limitedSettings();
    settings.setPreSharedKey(key);
    startServer(settings);
    RawWebSocket raw(subprotocol, key);
    QVERIFY(raw.open(m_server->webSocketUrl()));

    const Message request = requestOfSize(raw.codec, size);
    QCOMPARE(raw.encode(request).size(), size);
    raw.send(request);
    if (accepted) {
        QVERIFY(raw.waitForMessages(1));
        QCOMPARE(raw.messages.at(0).type(), Message::Type::Answer);
        QCOMPARE(m_handlerCalls, 1);
        QVERIFY(!raw.disconnected);
        return;
    }
    QVERIFY(raw.waitForDisconnected());
    QCOMPARE(raw.closeCode(), int(QWebSocketProtocol::CloseCodeTooMuchData));
    QCOMPARE(m_handlerCalls, 0);
}

void tst_TransportLimits::compressedFrameOverLimitCloses_data()
{
    QTest::addColumn<bool>("encrypted");
    QTest::addColumn<bool>("forged"); // a hand-made header declaring 4 GiB, or a real LZ4 block
    QTest::newRow("lz4") << false << false;
    QTest::newRow("lz4-aes") << true << false;
    QTest::newRow("forged-4GiB") << false << true;
}

void tst_TransportLimits::compressedFrameOverLimitCloses()
{
    QFETCH(bool, encrypted);
    QFETCH(bool, forged);
    const QByteArray key = encrypted ? QByteArrayLiteral("limits") : QByteArray();
    ServerSettings settings = limitedSettings();
    settings.setPreSharedKey(key);
    startServer(settings);
    QSignalSpy newConnection(m_server.get(), &Server::newConnection);
    RawWebSocket raw(QString::fromLatin1(BinarySubprotocol), key);
    raw.compressionThreshold = 0;
    QVERIFY(raw.open(m_server->webSocketUrl()));
    QTRY_COMPARE(newConnection.size(), 1);
    QSignalSpy errors(newConnection.at(0).at(0).value<Connection *>(), &Connection::errorOccurred);

    QByteArray frame;
    if (forged) {
        // Compressed flag, original length 0xffffffff, a few bytes that are no LZ4 block: must be
        // refused on the declared length, before anything is allocated or decompressed.
        QByteArray length(4, Qt::Uninitialized);
        qToBigEndian(quint32(0xffffffffu), length.data());
        frame = QByteArray(1, char(FrameFlag::Compressed)) + length + QByteArray(16, '\0');
    } else {
        // A real request of 1 MiB of zeros: a few KiB once compressed, 16 x the limit once opened.
        const Message request = Message::request(1, QStringLiteral("T"), QStringLiteral("size"), {QString(1024 * 1024, QLatin1Char('0'))});
        frame = raw.seal(raw.encode(request));
        QVERIFY(frame.at(0) & FrameFlag::Compressed);
        QCOMPARE(bool(frame.at(0) & FrameFlag::Encrypted), encrypted);
    }
    QVERIFY2(frame.size() < Limit, "small on the wire");
    raw.socket.sendBinaryMessage(frame);
    QVERIFY(raw.waitForDisconnected());
    QCOMPARE(raw.closeCode(), int(QWebSocketProtocol::CloseCodeTooMuchData));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).value<ErrorCode>(), ErrorCode::MessageTooLarge);
    QCOMPARE(m_handlerCalls, 0);
}

void tst_TransportLimits::clientRefusesOversizeRequest()
{
    startServer(ServerSettings());
    Client client;
    ClientSettings settings;
    settings.setMaxMessageSize(1000);
    client.setSettings(settings);
    QSignalSpy disconnected(&client, &Client::disconnected);
    client.connectToServer(m_server->webSocketUrl());
    QVERIFY(client.waitForConnected(5000));

    QFuture<Message> tooBig = client.call(QStringLiteral("T"), QStringLiteral("size"), {QString(2000, QLatin1Char('x'))});
    QVERIFY2(tooBig.isFinished(), "refused at once, locally");
    QCOMPARE(tooBig.result().type(), Message::Type::Error);
    QCOMPARE(tooBig.result().errorCode(), ErrorCode::MessageTooLarge);
    QVERIFY(tooBig.result().errorMessage().contains(QLatin1String("1000")));
    QTest::qWait(50);
    QCOMPARE(m_handlerCalls, 0);
    QCOMPARE(client.state(), Client::State::Connected);
    QCOMPARE(disconnected.size(), 0);
    QCOMPARE(client.callAndWait(QStringLiteral("T"), QStringLiteral("size"), {QString(500, QLatin1Char('x'))}).result().toInteger(), 500);
}

void tst_TransportLimits::oversizeAnswerBecomesError()
{
    ServerSettings settings;
    settings.setMaxMessageSize(4096);
    startServer(settings);
    Client client;
    client.connectToServer(m_server->webSocketUrl());
    QVERIFY(client.waitForConnected(5000));
    // The server would have to send an answer over its own limit: the caller gets an Error.
    const Message answer = client.callAndWait(QStringLiteral("T"), QStringLiteral("make"), {100000});
    QCOMPARE(answer.type(), Message::Type::Error);
    QCOMPARE(answer.errorCode(), ErrorCode::MessageTooLarge);
    QCOMPARE(client.callAndWait(QStringLiteral("T"), QStringLiteral("make"), {10}).result().toString(), QString(10, QLatin1Char('m')));
}

void tst_TransportLimits::batchesStayWithinLimit()
{
    // Many small notifications raised together are batched, but a batch must not grow over the
    // peer's maxMessageSize (here 16 KiB, under the default batchMaxBytes of 256 KiB).
    ServerSettings settings;
    settings.setMaxMessageSize(16 * 1024);
    startServer(settings);
    QSignalSpy newConnection(m_server.get(), &Server::newConnection);
    for (const char *subprotocol : {BinarySubprotocol, JsonSubprotocol}) {
        Client client;
        ClientSettings clientSettings;
        clientSettings.setSubprotocol(QString::fromLatin1(subprotocol));
        clientSettings.setMaxMessageSize(16 * 1024);
        client.setSettings(clientSettings);
        QList<qint64> received;
        client.setMessageHandler([&](const Message &message, const Responder &) {
            received.append(message.arguments().at(0).toInteger());
        });
        QSignalSpy disconnected(&client, &Client::disconnected);
        client.connectToServer(m_server->webSocketUrl());
        QVERIFY(client.waitForConnected(5000));
        QTRY_VERIFY(!newConnection.isEmpty());
        auto *connection = newConnection.takeLast().at(0).value<Connection *>();
        const QString filler(1000, QLatin1Char('f'));
        for (int i = 0; i < 100; ++i)
            connection->sendNotification(QStringLiteral("Feed"), QStringLiteral("item"), {i, filler});
        QTRY_COMPARE_WITH_TIMEOUT(received.size(), 100, 10000);
        for (int i = 0; i < 100; ++i)
            QCOMPARE(received.at(i), i);
        QCOMPARE(disconnected.size(), 0);

        // One notification over the limit is not sent (the peer would close): the others still are.
        received.clear();
        connection->sendNotification(QStringLiteral("Feed"), QStringLiteral("item"), {1, QString(20000, QLatin1Char('b'))});
        connection->sendNotification(QStringLiteral("Feed"), QStringLiteral("item"), {2, filler});
        QTRY_COMPARE(received.size(), 1);
        QCOMPARE(received.at(0), 2);
        QTest::qWait(100);
        QCOMPARE(disconnected.size(), 0);
        QVERIFY(connection->isOpen());
    }
}

void tst_TransportLimits::maxConnectionsWebSocket()
{
    ServerSettings settings;
    settings.setMaxConnections(2);
    startServer(settings);
    Client first, second;
    first.connectToServer(m_server->webSocketUrl());
    second.connectToServer(m_server->webSocketUrl());
    QVERIFY(first.waitForConnected(5000));
    QVERIFY(second.waitForConnected(5000));
    QTRY_COMPARE(m_server->connectionCount(), 2);

    for (int round = 0; round < 3; ++round) {
        Client third;
        third.connectToServer(m_server->webSocketUrl());
        QVERIFY(!third.waitForConnected(5000));
        QCOMPARE(third.error(), ErrorCode::Unavailable);
        QVERIFY2(third.errorString().contains(QLatin1String("503")), qPrintable(third.errorString()));
        // docs/PROTOCOL.md section 2: the reason is on the status line, which is all Qt shows.
        QVERIFY2(third.errorString().contains(QLatin1String("capacity")), qPrintable(third.errorString()));

        RawHttp raw;
        QVERIFY(raw.connectTo(m_server->serverPort()));
        raw.send(RawHttp::upgradeRequest(BinarySubprotocol));
        const HttpReply reply = raw.waitForReply();
        QCOMPARE(reply.status, 503);
        QCOMPARE(reply.header("retry-after"), QByteArray("1"));
        QVERIFY2(reply.body.contains("capacity"), reply.body.constData());
        QVERIFY2(reply.reason.contains("capacity"), reply.statusLine.constData());
        QVERIFY2(reply.header("burrow-error").contains("capacity"), reply.statusLine.constData());
        QVERIFY(raw.waitForDisconnected());
    }
    QCOMPARE(m_server->connectionCount(), 2);
    QCOMPARE(first.callAndWait(QStringLiteral("T"), QStringLiteral("m"), {1}).result().toInteger(), 1);

    // A freed place can be taken again.
    first.disconnectFromServer();
    QTRY_COMPARE(m_server->connectionCount(), 1);
    Client again;
    again.connectToServer(m_server->webSocketUrl());
    QVERIFY2(again.waitForConnected(5000), qPrintable(again.errorString()));
}

void tst_TransportLimits::maxConnectionsHttp()
{
    ServerSettings settings;
    settings.setMaxConnections(2);
    startServer(settings);
    m_server->addRoute("GET", QStringLiteral("/ok"), [](const HttpRequest &, const HttpResponder &responder) {
        responder.respond(HttpResponse(200, "ok"));
    });
    // Two keep-alive HTTP connections take both places.
    RawHttp a, b;
    for (RawHttp *http : {&a, &b}) {
        QVERIFY(http->connectTo(m_server->serverPort()));
        http->send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
        QCOMPARE(http->waitForReply().status, 200);
    }
    for (int round = 0; round < 3; ++round) {
        RawHttp extra;
        QVERIFY(extra.connectTo(m_server->serverPort()));
        extra.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
        const HttpReply reply = extra.waitForReply();
        QCOMPARE(reply.status, 503);
        QCOMPARE(reply.header("retry-after"), QByteArray("1"));
        QVERIFY(extra.waitForDisconnected());
        // A WebSocket does not get in either.
        Client client;
        client.connectToServer(m_server->webSocketUrl());
        QVERIFY(!client.waitForConnected(5000));
        QCOMPARE(client.error(), ErrorCode::Unavailable);
    }
    // The two still work; once one goes, a newcomer gets in.
    a.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
    QCOMPARE(a.waitForReply().status, 200);
    b.socket.disconnectFromHost();
    QTest::qWait(100);
    RawHttp late;
    QVERIFY(late.connectTo(m_server->serverPort()));
    late.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
    QCOMPARE(late.waitForReply().status, 200);
}

void tst_TransportLimits::failedHandshakesFreeTheirPlace()
{
    // Upgrade requests that pass the server's own checks (subprotocol, key) but that
    // QWebSocketServer then refuses (no Sec-WebSocket-Key, a version other than 13) or that the
    // peer abandons must not keep a place among maxConnections.
    ServerSettings settings;
    settings.setMaxConnections(2);
    settings.setHandshakeTimeout(1000);
    startServer(settings);
    const QByteArray head = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Protocol: burrow-binary.v1\r\n";
    const QList<QByteArray> broken = {
        head + "Sec-WebSocket-Version: 13\r\n\r\n",                                       // no key
        head + "Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", // old version
    };
    for (int round = 0; round < 2; ++round) {
        for (const QByteArray &request : broken) {
            RawHttp raw;
            QVERIFY(raw.connectTo(m_server->serverPort()));
            raw.send(request);
            // QWebSocketServer closes the connection without an answer.
            const HttpReply reply = raw.waitForReply();
            QVERIFY2(reply.status == 0 || reply.status >= 400, reply.statusLine.constData());
            QVERIFY(raw.waitForDisconnected());
        }
        // A peer that disconnects right after sending a valid upgrade request.
        RawHttp gone;
        QVERIFY(gone.connectTo(m_server->serverPort()));
        gone.send(RawHttp::upgradeRequest(BinarySubprotocol));
        gone.socket.abort();
    }
    QTest::qWait(200);
    Client first, second;
    first.connectToServer(m_server->webSocketUrl());
    QVERIFY2(first.waitForConnected(5000), qPrintable(first.errorString()));
    second.connectToServer(m_server->webSocketUrl());
    QVERIFY2(second.waitForConnected(5000), qPrintable(second.errorString()));
    QCOMPARE(m_server->connectionCount(), 2);
}

void tst_TransportLimits::httpSizeLimits()
{
    // ServerSettings' HTTP limits reach the HTTP side of the port.
    ServerSettings settings;
    settings.setMaxHttpHeaderSize(2048);
    settings.setMaxHttpBodySize(1000);
    startServer(settings);
    m_server->addRoute("POST", QStringLiteral("/upload"), [](const HttpRequest &request, const HttpResponder &responder) {
        responder.respond(HttpResponse(200, QByteArray::number(request.body().size())));
    });
    RawHttp ok;
    QVERIFY(ok.connectTo(m_server->serverPort()));
    ok.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + QByteArray(1000, 'b'));
    QCOMPARE(ok.waitForReply().body, QByteArray("1000"));

    RawHttp body;
    QVERIFY(body.connectTo(m_server->serverPort()));
    body.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n");
    QCOMPARE(body.waitForReply().status, 413);
    QVERIFY(body.waitForDisconnected());

    RawHttp rpc; // also for RPC calls
    QVERIFY(rpc.connectTo(m_server->serverPort()));
    rpc.send("POST /rpc/T/size HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
    QCOMPARE(rpc.waitForReply().status, 413);

    RawHttp head;
    QVERIFY(head.connectTo(m_server->serverPort()));
    head.send("GET /upload HTTP/1.1\r\nHost: x\r\nX-Filler: " + QByteArray(4096, 'h') + "\r\n\r\n");
    QCOMPARE(head.waitForReply().status, 431);
    QCOMPARE(m_handlerCalls, 0);
}

void tst_TransportLimits::httpTimeouts()
{
    ServerSettings settings;
    settings.setHandshakeTimeout(400);
    settings.setHttpKeepAliveTimeout(400);
    startServer(settings);
    m_server->addRoute("GET", QStringLiteral("/ok"), [](const HttpRequest &, const HttpResponder &responder) {
        responder.respond(HttpResponse(200, "ok"));
    });

    // Silent after connecting: closed without an answer.
    RawHttp silent;
    QVERIFY(silent.connectTo(m_server->serverPort()));
    QElapsedTimer timer;
    timer.start();
    QVERIFY(silent.waitForDisconnected(400 + 3000));
    qInfo("silent connection closed after %lld ms", timer.elapsed());
    QVERIFY(silent.buffer.isEmpty());

    // Half a request head: 408.
    RawHttp partial;
    QVERIFY(partial.connectTo(m_server->serverPort()));
    partial.send("GET /ok HTTP/1.1\r\nHo");
    QCOMPARE(partial.waitForReply(400 + 3000).status, 408);

    // Idle keep-alive: closed after the keep-alive timeout.
    RawHttp idle;
    QVERIFY(idle.connectTo(m_server->serverPort()));
    idle.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
    QCOMPARE(idle.waitForReply().status, 200);
    timer.restart();
    QVERIFY(idle.waitForDisconnected(2 * 400 + 3000));
    const qint64 idleFor = timer.elapsed();
    qInfo("idle keep-alive connection closed after %lld ms", idleFor);
    QVERIFY(idleFor >= 300);
    // HttpConnection (httpconnection.cpp) starts the idle timer when the response is queued;
    // the response's own bytesWritten() then lands inside that period, which onTimeout() takes
    // for a peer still reading a long response, and it grants a second period: an idle
    // keep-alive connection lives about 2 x httpKeepAliveTimeout.
    QEXPECT_FAIL("", "HttpConnection: idle keep-alive close after ~2 x keepAliveTimeout", Continue);
    QVERIFY2(idleFor <= 400 * 3 / 2, qPrintable(QString::number(idleFor)));

    // None of this applies to an open WebSocket.
    Client client;
    client.connectToServer(m_server->webSocketUrl());
    QVERIFY(client.waitForConnected(5000));
    QTest::qWait(1000);
    QCOMPARE(client.state(), Client::State::Connected);
}

void tst_TransportLimits::slowConsumerClosed()
{
    constexpr qint64 MaxQueued = 1024 * 1024;
    ServerSettings settings;
    settings.setMaxQueuedBytes(MaxQueued);
    settings.setCompressionThreshold(-1);
    startServer(settings);
    QSignalSpy newConnection(m_server.get(), &Server::newConnection);

    // A raw TCP peer that completes the upgrade, then never reads again.
    RawHttp slow;
    slow.socket.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 16 * 1024);
    QVERIFY(slow.connectTo(m_server->serverPort()));
    slow.send(RawHttp::upgradeRequest(BinarySubprotocol));
    QCOMPARE(slow.waitForReply().status, 101);
    slow.socket.setReadBufferSize(1);
    QObject::disconnect(&slow.socket, &QTcpSocket::readyRead, nullptr, nullptr);
    QTRY_COMPARE(newConnection.size(), 1);
    const QPointer<Connection> slowConnection = newConnection.at(0).at(0).value<Connection *>();
    QSignalSpy slowClosed(slowConnection, &Connection::closed);
    QSignalSpy slowErrors(slowConnection, &Connection::errorOccurred);

    // A normal client next to it.
    Client good;
    QList<qint64> received;
    good.setMessageHandler([&](const Message &message, const Responder &) { received.append(message.arguments().at(0).toInteger()); });
    good.connectToServer(m_server->webSocketUrl());
    QVERIFY(good.waitForConnected(5000));
    QTRY_COMPARE(newConnection.size(), 2);
    // Guarded: were the good client dropped too (a machine too slow to read what the loop
    // below sends), the test must fail on it, not use a deleted connection.
    const QPointer<Connection> goodConnection = newConnection.at(1).at(0).value<Connection *>();

    const QByteArray blob(32 * 1024, 'q');
    int sent = 0;
    QElapsedTimer timer;
    timer.start();
    while (slowClosed.isEmpty() && timer.elapsed() < 20000) {
        for (int i = 0; i < 8; ++i, ++sent) {
            const QCborArray arguments{sent, blob};
            if (slowConnection && slowConnection->isOpen())
                slowConnection->sendNotification(QStringLiteral("Feed"), QStringLiteral("item"), arguments);
            QVERIFY2(goodConnection, "the good client was dropped as well");
            goodConnection->sendNotification(QStringLiteral("Feed"), QStringLiteral("item"), arguments);
        }
        QTest::qWait(2);
    }
    qInfo("slow consumer closed after %d notifications of 32 KiB (%lld ms)", sent, timer.elapsed());
    QCOMPARE(slowClosed.size(), 1);
    QCOMPARE(slowClosed.at(0).at(0).value<QWebSocketProtocol::CloseCode>(), QWebSocketProtocol::CloseCodePolicyViolated);
    QVERIFY2(slowClosed.at(0).at(1).toString().contains(QLatin1String("not reading")), qPrintable(slowClosed.at(0).at(1).toString()));
    QCOMPARE(slowErrors.size(), 1);
    QCOMPARE(slowErrors.at(0).at(0).value<ErrorCode>(), ErrorCode::Unavailable);

    // The good client got (or is getting) every notification, in order, and stays connected.
    QVERIFY2(goodConnection, "the good client was dropped as well");
    for (int i = 0; i < 10; ++i, ++sent)
        goodConnection->sendNotification(QStringLiteral("Feed"), QStringLiteral("item"), {sent, QByteArray("tail")});
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), sent, 20000);
    for (int i = 0; i < sent; ++i)
        QCOMPARE(received.at(i), qint64(i));
    QCOMPARE(good.state(), Client::State::Connected);
    QVERIFY(goodConnection->isOpen());
    QTRY_COMPARE(m_server->connectionCount(), 1);
}

QTEST_MAIN(tst_TransportLimits)
#include "tst_transport_limits.moc"
