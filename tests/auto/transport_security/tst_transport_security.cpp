// Security of the transport: a wrong, missing or unexpected pre-shared key and an unknown
// subprotocol are refused at the upgrade, before anything is dispatched, with a status and a
// reason the client reports; tampered, replayed and unencrypted frames on an encrypted session
// close it without dispatching; the client refuses a server whose HELLO proof is wrong; and the
// same port serves wss:// and https:// with a certificate.
#include "transporttest.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QSslCertificate>
#include <QtWebSockets/QWebSocketServer>

using namespace Burrow;
using namespace BurrowTest;

static const QByteArray ServerKey = QByteArrayLiteral("the server's pre-shared key");

class tst_TransportSecurity : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void rightKeyConnects_data();
    void rightKeyConnects();
    void wrongKeyRefusedAtUpgrade_data();
    void wrongKeyRefusedAtUpgrade();
    void missingKeyRefused_data();
    void missingKeyRefused();
    void keyToKeylessServerRefused();
    void unknownSubprotocolRawHandshake_data();
    void unknownSubprotocolRawHandshake();
    void unknownSubprotocolWebSocket();
    void rawHandshakeWithWrongProof();
    void tamperedFrameCloses_data();
    void tamperedFrameCloses();
    void replayedFrameCloses();
    void unencryptedFrameOnEncryptedSessionCloses();
    void clientRefusesWrongHello();
    void tlsWebSocket_data();
    void tlsWebSocket();
    void tlsHttp();
    void tlsUntrustedCertificateRefused();
    void tlsCertificateErrors();
    void tlsAtCapacity();

private:
    void startServer(const QByteArray &key);
    std::unique_ptr<Server> m_server;
    std::unique_ptr<QSignalSpy> m_refused;
    int m_handlerCalls = 0;
};

void tst_TransportSecurity::init()
{
    m_handlerCalls = 0;
}

void tst_TransportSecurity::cleanup()
{
    m_refused.reset();
    m_server.reset();
}

void tst_TransportSecurity::startServer(const QByteArray &key)
{
    m_server = std::make_unique<Server>();
    ServerSettings settings;
    settings.setPreSharedKey(key);
    m_server->setSettings(settings);
    m_server->setMessageHandler([this](const Message &message, const Responder &responder) {
        ++m_handlerCalls;
        responder.sendAnswer(message.arguments().at(0));
    });
    m_refused = std::make_unique<QSignalSpy>(m_server.get(), &Server::upgradeRefused);
    QVERIFY2(listenLocal(*m_server), qPrintable(m_server->errorString()));
}

static void addSubprotocolRows()
{
    QTest::addColumn<QString>("subprotocol");
    QTest::newRow("binary") << QString::fromLatin1(BinarySubprotocol);
    QTest::newRow("json") << QString::fromLatin1(JsonSubprotocol);
}

void tst_TransportSecurity::rightKeyConnects_data()
{
    addSubprotocolRows();
}

void tst_TransportSecurity::rightKeyConnects()
{
    QFETCH(QString, subprotocol);
    startServer(ServerKey);
    Client client;
    ClientSettings settings;
    settings.setSubprotocol(subprotocol);
    settings.setPreSharedKey(ServerKey);
    client.setSettings(settings);
    client.connectToServer(m_server->webSocketUrl());
    QVERIFY2(client.waitForConnected(5000), qPrintable(client.errorString()));
    // JSON is authenticated but not encrypted; binary is both.
    QCOMPARE(client.connection()->isEncrypted(), subprotocol == QLatin1String(BinarySubprotocol));
    QCOMPARE(client.callAndWait(QStringLiteral("T"), QStringLiteral("m"), {QStringLiteral("ok")}).result().toString(), QStringLiteral("ok"));
    QCOMPARE(m_refused->size(), 0);
}

void tst_TransportSecurity::wrongKeyRefusedAtUpgrade_data()
{
    addSubprotocolRows();
}

void tst_TransportSecurity::wrongKeyRefusedAtUpgrade()
{
    QFETCH(QString, subprotocol);
    startServer(ServerKey);
    QSignalSpy newConnection(m_server.get(), &Server::newConnection);

    Client client;
    ClientSettings settings;
    settings.setSubprotocol(subprotocol);
    settings.setPreSharedKey("not the server's key");
    // A refused key is not retried, even with automatic reconnection.
    settings.setReconnect(ClientSettings::Reconnect::Automatically);
    settings.setReconnectInitialDelay(20);
    client.setSettings(settings);
    QSignalSpy errors(&client, &Client::errorOccurred);
    client.connectToServer(m_server->webSocketUrl());
    QVERIFY(!client.waitForConnected(5000));
    QCOMPARE(client.state(), Client::State::Disconnected);
    QCOMPARE(client.error(), ErrorCode::Unauthorized);
    QVERIFY2(client.errorString().contains(QLatin1String("401")), qPrintable(client.errorString()));
    QVERIFY2(client.errorString().contains(QLatin1String("wrong pre-shared key")), qPrintable(client.errorString()));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).value<ErrorCode>(), ErrorCode::Unauthorized);

    QCOMPARE(m_refused->size(), 1);
    QCOMPARE(m_refused->at(0).at(0).value<QHostAddress>(), QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(m_refused->at(0).at(1).toInt(), 401);
    QCOMPARE(m_refused->at(0).at(2).toString(), QStringLiteral("wrong pre-shared key"));

    QTest::qWait(300); // no retry, no connection, nothing dispatched
    QCOMPARE(m_refused->size(), 1);
    QCOMPARE(newConnection.size(), 0);
    QCOMPARE(m_server->connectionCount(), 0);
    QCOMPARE(m_handlerCalls, 0);
    QCOMPARE(client.call(QStringLiteral("T"), QStringLiteral("m"), {1}).result().errorCode(), ErrorCode::ConnectionClosed);
}

void tst_TransportSecurity::missingKeyRefused_data()
{
    addSubprotocolRows();
}

void tst_TransportSecurity::missingKeyRefused()
{
    QFETCH(QString, subprotocol);
    startServer(ServerKey);
    Client client;
    ClientSettings settings;
    settings.setSubprotocol(subprotocol);
    client.setSettings(settings);
    client.connectToServer(m_server->webSocketUrl());
    QVERIFY(!client.waitForConnected(5000));
    QCOMPARE(client.error(), ErrorCode::Unauthorized);
    QVERIFY2(client.errorString().contains(QLatin1String("401")), qPrintable(client.errorString()));
    QVERIFY2(client.errorString().contains(QLatin1String("requires a pre-shared key")), qPrintable(client.errorString()));
    QCOMPARE(m_refused->size(), 1);
    QCOMPARE(m_refused->at(0).at(1).toInt(), 401);
    QCOMPARE(m_refused->at(0).at(2).toString(), QStringLiteral("this server requires a pre-shared key"));
    QCOMPARE(m_handlerCalls, 0);
    QCOMPARE(m_server->connectionCount(), 0);
}

void tst_TransportSecurity::keyToKeylessServerRefused()
{
    startServer(QByteArray());
    Client client;
    ClientSettings settings;
    settings.setPreSharedKey(ServerKey);
    // A refusal will not fix itself: not retried, even with automatic reconnection.
    settings.setReconnect(ClientSettings::Reconnect::Automatically);
    settings.setReconnectInitialDelay(20);
    client.setSettings(settings);
    client.connectToServer(m_server->webSocketUrl());
    QVERIFY(!client.waitForConnected(5000));
    // Qt 6.4's QWebSocket drops the reason phrase of a 400 answer ("Unknown error condition
    // encountered"), so the client names the likely causes itself.
    QCOMPARE(client.error(), ErrorCode::NotSupported);
    QVERIFY2(client.errorString().contains(QLatin1String("400")), qPrintable(client.errorString()));
    QVERIFY2(client.errorString().contains(QLatin1String("no pre-shared key")), qPrintable(client.errorString()));
    QCOMPARE(m_refused->size(), 1);
    QCOMPARE(m_refused->at(0).at(1).toInt(), 400);
    QCOMPARE(m_refused->at(0).at(2).toString(), QStringLiteral("this server has no pre-shared key; connect without one"));
    QTest::qWait(300);
    QCOMPARE(m_refused->size(), 1);
    QCOMPARE(client.state(), Client::State::Disconnected);
    QCOMPARE(m_handlerCalls, 0);
    QCOMPARE(m_server->connectionCount(), 0);
}

void tst_TransportSecurity::unknownSubprotocolRawHandshake_data()
{
    QTest::addColumn<QByteArray>("offered");
    QTest::addColumn<QString>("reason");
    const QString spoken = QStringLiteral("this server speaks burrow-binary.v1, burrow-json.v1");
    QTest::newRow("unknown") << QByteArray("burrow-xml.v1")
                             << QStringLiteral("unsupported WebSocket subprotocol burrow-xml.v1; ") + spoken;
    QTest::newRow("two unknown") << QByteArray("chat, mqtt")
                                 << QStringLiteral("unsupported WebSocket subprotocol chat, mqtt; ") + spoken;
    QTest::newRow("none") << QByteArray() << QStringLiteral("no WebSocket subprotocol requested; ") + spoken;
}

void tst_TransportSecurity::unknownSubprotocolRawHandshake()
{
    QFETCH(QByteArray, offered);
    QFETCH(QString, reason);
    startServer(QByteArray());
    RawHttp http;
    QVERIFY(http.connectTo(m_server->serverPort()));
    http.send(RawHttp::upgradeRequest(offered));
    const HttpReply reply = http.waitForReply();
    QCOMPARE(reply.status, 400);
    // The reason is on the status line, in Burrow-Error and in the body.
    QCOMPARE(QString::fromUtf8(reply.reason), reason);
    QCOMPARE(QString::fromUtf8(reply.header("burrow-error")), reason);
    QVERIFY2(reply.body.contains(reason.toUtf8()), reply.body.constData());
    QVERIFY(reply.header("sec-websocket-accept").isEmpty());
    QVERIFY(http.waitForDisconnected());
    QCOMPARE(m_refused->size(), 1);
    QCOMPARE(m_refused->at(0).at(1).toInt(), 400);
    QCOMPARE(m_refused->at(0).at(2).toString(), reason);

    // The first spoken offer wins when a known one follows unknown ones.
    RawHttp second;
    QVERIFY(second.connectTo(m_server->serverPort()));
    second.send(RawHttp::upgradeRequest("chat, burrow-json.v1, burrow-binary.v1"));
    const HttpReply accepted = second.waitForReply();
    QCOMPARE(accepted.status, 101);
    QCOMPARE(accepted.header("sec-websocket-protocol"), QByteArray(JsonSubprotocol));
    QTRY_COMPARE(m_server->connectionCount(), 1);
}

// The JSON codec under another name: a subprotocol the server does not speak.
class RenamedCodec : public MessageCodec
{
public:
    QString subprotocol() const override { return QStringLiteral("burrow-xml.v1"); }
    FrameType frameType() const override { return FrameType::Text; }
    QByteArray encode(const Message &message) const override { return json()->encode(message); }
    QByteArray encodeBatch(const QList<QByteArray> &encoded) const override { return json()->encodeBatch(encoded); }
    Message decode(const QByteArray &payload, ErrorCode *code, QString *why) const override { return json()->decode(payload, code, why); }
};

void tst_TransportSecurity::unknownSubprotocolWebSocket()
{
    startServer(QByteArray());
    // A plain QWebSocket asking for it is refused at the upgrade.
    RawWebSocket raw(QStringLiteral("burrow-xml.v1"));
    QVERIFY(!raw.open(m_server->webSocketUrl()));
    QVERIFY(!raw.connected);
    QVERIFY(!raw.errorString.isEmpty());
    QCOMPARE(m_refused->size(), 1);
    QCOMPARE(m_refused->at(0).at(1).toInt(), 400);
    QVERIFY2(m_refused->at(0).at(2).toString().contains(QLatin1String("burrow-binary.v1, burrow-json.v1")),
             qPrintable(m_refused->at(0).at(2).toString()));
    QCOMPARE(m_server->connectionCount(), 0);

    // A Client with a codec for it reports NotSupported, naming the subprotocol, and does not retry.
    Client client;
    ClientSettings settings;
    settings.setSubprotocol(QStringLiteral("burrow-xml.v1"));
    settings.setCodec(std::make_shared<RenamedCodec>());
    settings.setReconnect(ClientSettings::Reconnect::Automatically);
    settings.setReconnectInitialDelay(20);
    client.setSettings(settings);
    client.connectToServer(m_server->webSocketUrl());
    QVERIFY(!client.waitForConnected(5000));
    QCOMPARE(client.error(), ErrorCode::NotSupported);
    QVERIFY2(client.errorString().contains(QLatin1String("400")), qPrintable(client.errorString()));
    QVERIFY2(client.errorString().contains(QLatin1String("burrow-xml.v1")), qPrintable(client.errorString()));
    QTest::qWait(300);
    QCOMPARE(m_refused->size(), 2);
    QCOMPARE(client.state(), Client::State::Disconnected);
    QCOMPARE(m_handlerCalls, 0);
}

void tst_TransportSecurity::rawHandshakeWithWrongProof()
{
    // A proof that does not verify gets 401 whatever the rest of the request looks like.
    startServer(ServerKey);
    const QByteArray nonce = PreSharedKey::randomNonce();
    const QByteArray proof = PreSharedKey("another key").clientProof(nonce);
    RawHttp http;
    QVERIFY(http.connectTo(m_server->serverPort()));
    http.send(RawHttp::upgradeRequest(BinarySubprotocol, {{"Burrow-Nonce", nonce.toBase64()}, {"Burrow-Proof", proof.toBase64()}}));
    const HttpReply reply = http.waitForReply();
    QCOMPARE(reply.status, 401);
    QCOMPARE(reply.reason, QByteArray("wrong pre-shared key"));
    QVERIFY(http.waitForDisconnected());

    // A truncated nonce with a proof computed with the right key over it is refused too.
    const QByteArray shortNonce = nonce.left(8);
    RawHttp second;
    QVERIFY(second.connectTo(m_server->serverPort()));
    second.send(RawHttp::upgradeRequest(BinarySubprotocol, {{"Burrow-Nonce", shortNonce.toBase64()},
                                                            {"Burrow-Proof", PreSharedKey(ServerKey).clientProof(nonce).toBase64()}}));
    QCOMPARE(second.waitForReply().status, 401);
    QCOMPARE(m_handlerCalls, 0);
    QCOMPARE(m_server->connectionCount(), 0);
}

void tst_TransportSecurity::tamperedFrameCloses_data()
{
    QTest::addColumn<int>("offset"); // from the start (>= 0) or the end (< 0) of the envelope
    QTest::newRow("sequence") << 3;
    QTest::newRow("ciphertext") << 12;
    QTest::newRow("tag") << -1;
}

void tst_TransportSecurity::tamperedFrameCloses()
{
    QFETCH(int, offset);
    startServer(ServerKey);
    QSignalSpy newConnection(m_server.get(), &Server::newConnection);
    RawWebSocket raw(QString::fromLatin1(BinarySubprotocol), ServerKey);
    QVERIFY2(raw.open(m_server->webSocketUrl()), qPrintable(raw.errorString));
    QVERIFY(raw.helloReceived);
    QTRY_COMPARE(newConnection.size(), 1);
    auto *connection = newConnection.at(0).at(0).value<Connection *>();
    QVERIFY(connection->isEncrypted());
    QSignalSpy serverErrors(connection, &Connection::errorOccurred);
    QSignalSpy closed(connection, &Connection::closed);

    QByteArray frame = raw.seal(raw.encode(Message::request(1, QStringLiteral("T"), QStringLiteral("m"), {QStringLiteral("payload")})));
    QVERIFY(frame.size() > 12 + FrameTagSize);
    const qsizetype at = offset >= 0 ? offset : frame.size() + offset;
    frame[at] = char(frame.at(at) ^ 0x04);
    raw.socket.sendBinaryMessage(frame);

    QVERIFY(raw.waitForDisconnected());
    QCOMPARE(raw.closeCode(), int(QWebSocketProtocol::CloseCodePolicyViolated));
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(0).value<QWebSocketProtocol::CloseCode>(), QWebSocketProtocol::CloseCodePolicyViolated);
    QCOMPARE(serverErrors.size(), 1);
    QCOMPARE(serverErrors.at(0).at(0).value<ErrorCode>(), ErrorCode::Unauthorized);
    QCOMPARE(m_handlerCalls, 0);
    QVERIFY(raw.messages.isEmpty());
}

void tst_TransportSecurity::replayedFrameCloses()
{
    startServer(ServerKey);
    RawWebSocket raw(QString::fromLatin1(BinarySubprotocol), ServerKey);
    QVERIFY2(raw.open(m_server->webSocketUrl()), qPrintable(raw.errorString));
    const QByteArray frame = raw.seal(raw.encode(Message::request(1, QStringLiteral("T"), QStringLiteral("m"), {QStringLiteral("once")})));
    raw.socket.sendBinaryMessage(frame);
    QVERIFY(raw.waitForMessages(1));
    QCOMPARE(raw.messages.at(0), Message::answer(1, QStringLiteral("once")));
    QCOMPARE(m_handlerCalls, 1);

    raw.socket.sendBinaryMessage(frame); // the same sealed frame again
    QVERIFY(raw.waitForDisconnected());
    QCOMPARE(raw.closeCode(), int(QWebSocketProtocol::CloseCodePolicyViolated));
    QCOMPARE(m_handlerCalls, 1);
    QCOMPARE(raw.messages.size(), 1);
    QVERIFY2(raw.openErrors.isEmpty(), qPrintable(raw.openErrors.join(QLatin1Char(';'))));
}

void tst_TransportSecurity::unencryptedFrameOnEncryptedSessionCloses()
{
    startServer(ServerKey);
    RawWebSocket raw(QString::fromLatin1(BinarySubprotocol), ServerKey);
    QVERIFY2(raw.open(m_server->webSocketUrl()), qPrintable(raw.errorString));
    FrameSealer clear(-1, QByteArray());
    raw.socket.sendBinaryMessage(clear.seal(raw.encode(Message::request(1, QStringLiteral("T"), QStringLiteral("m"), {1}))));
    QVERIFY(raw.waitForDisconnected());
    QCOMPARE(raw.closeCode(), int(QWebSocketProtocol::CloseCodeProtocolError)); // malformed envelope
    QCOMPARE(m_handlerCalls, 0);
}

void tst_TransportSecurity::clientRefusesWrongHello()
{
    // A server that accepts the upgrade without checking the key and sends a HELLO whose
    // proof it could not compute: the client must close with 1008 and report Unauthorized.
    QWebSocketServer rogue(QStringLiteral("rogue"), QWebSocketServer::NonSecureMode);
    rogue.setSupportedSubprotocols({QString::fromLatin1(BinarySubprotocol)});
    QVERIFY(rogue.listen(QHostAddress::LocalHost, 0));
    QList<QWebSocket *> accepted;
    int framesFromClient = 0;
    connect(&rogue, &QWebSocketServer::newConnection, this, [&] {
        QWebSocket *socket = rogue.nextPendingConnection();
        accepted.append(socket);
        connect(socket, &QWebSocket::binaryMessageReceived, socket, [&] { ++framesFromClient; });
        socket->sendBinaryMessage(PreSharedKey::encodeHello(PreSharedKey::randomNonce(), QByteArray(HandshakeProofSize, 'x')));
    });

    Client client;
    ClientSettings settings;
    settings.setPreSharedKey(ServerKey);
    client.setSettings(settings);
    QSignalSpy connected(&client, &Client::connected);
    client.connectToServer(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(rogue.serverPort())));
    // A call made before the session is ready must not leak to the rogue server either.
    QVERIFY(!client.waitForConnected(5000));
    QCOMPARE(connected.size(), 0);
    QCOMPARE(client.error(), ErrorCode::Unauthorized);
    QVERIFY2(client.errorString().contains(QLatin1String("pre-shared key")), qPrintable(client.errorString()));
    QCOMPARE(accepted.size(), 1);
    QTRY_COMPARE(accepted.at(0)->state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(accepted.at(0)->closeCode(), QWebSocketProtocol::CloseCodePolicyViolated);
    QCOMPARE(framesFromClient, 0);
    qDeleteAll(accepted);
}

static QString tlsFile(const char *name)
{
    return QStringLiteral(BURROW_TEST_TLS_DIR "/") + QLatin1String(name);
}

static QSslConfiguration trustingTestCa()
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setCaCertificates(QSslCertificate::fromPath(tlsFile("server.crt")));
    configuration.setPeerVerifyMode(QSslSocket::VerifyPeer);
    return configuration;
}

static void startTlsServer(Server &server, const QByteArray &key = QByteArray())
{
    ServerSettings settings;
    QString why;
    QVERIFY2(settings.setTlsCertificate(tlsFile("server.crt"), tlsFile("server.key"), &why), qPrintable(why));
    QVERIFY(settings.isTlsEnabled());
    settings.setPreSharedKey(key);
    server.setSettings(settings);
    server.setMessageHandler([](const Message &message, const Responder &responder) {
        responder.sendAnswer(message.arguments().at(0));
    });
    server.addRoute("GET", QStringLiteral("/hello"), [](const HttpRequest &, const HttpResponder &responder) {
        responder.respond(HttpResponse(200, "hello over tls\n"));
    });
    QVERIFY2(listenLocal(server), qPrintable(server.errorString()));
}

void tst_TransportSecurity::tlsWebSocket_data()
{
    QTest::addColumn<QString>("subprotocol");
    QTest::addColumn<bool>("verifyPeer");
    QTest::addColumn<QByteArray>("key");
    QTest::newRow("binary-trusted-ca") << QString::fromLatin1(BinarySubprotocol) << true << QByteArray();
    QTest::newRow("json-trusted-ca") << QString::fromLatin1(JsonSubprotocol) << true << QByteArray();
    QTest::newRow("binary-verify-none") << QString::fromLatin1(BinarySubprotocol) << false << QByteArray();
    QTest::newRow("binary-trusted-ca-psk") << QString::fromLatin1(BinarySubprotocol) << true << ServerKey;
}

void tst_TransportSecurity::tlsWebSocket()
{
    QFETCH(QString, subprotocol);
    QFETCH(bool, verifyPeer);
    QFETCH(QByteArray, key);
    Server server;
    startTlsServer(server, key);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(server.webSocketUrl().scheme(), QStringLiteral("wss"));

    Client client;
    ClientSettings settings;
    settings.setSubprotocol(subprotocol);
    settings.setPreSharedKey(key);
    QSslConfiguration ssl = trustingTestCa();
    if (!verifyPeer) {
        ssl = QSslConfiguration::defaultConfiguration();
        ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
    }
    settings.setSslConfiguration(ssl);
    client.setSettings(settings);
    client.connectToServer(server.webSocketUrl());
    QVERIFY2(client.waitForConnected(10000), qPrintable(client.errorString()));
    const Message answer = client.callAndWait(QStringLiteral("T"), QStringLiteral("m"), {QStringLiteral("over wss")});
    QCOMPARE(answer.type(), Message::Type::Answer);
    QCOMPARE(answer.result().toString(), QStringLiteral("over wss"));
    QByteArray big(200000, 'b');
    QCOMPARE(client.callAndWait(QStringLiteral("T"), QStringLiteral("m"), {QString::fromLatin1(big)}).result().toString(), QString::fromLatin1(big));
    QCOMPARE(server.connectionCount(), 1);
}

void tst_TransportSecurity::tlsHttp()
{
    Server server;
    startTlsServer(server);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(server.httpUrl().scheme(), QStringLiteral("https"));

    // A plain route through QNetworkAccessManager.
    QNetworkAccessManager network;
    QNetworkRequest request(server.httpUrl().resolved(QUrl(QStringLiteral("/hello"))));
    request.setSslConfiguration(trustingTestCa());
    QNetworkReply *reply = network.get(request);
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->readAll(), QByteArray("hello over tls\n"));

    // RPC through the Client in https mode.
    Client client;
    ClientSettings settings;
    settings.setSslConfiguration(trustingTestCa());
    client.setSettings(settings);
    QUrl url = server.httpUrl();
    url.setPath(QStringLiteral("/rpc"));
    client.connectToServer(url);
    QVERIFY(client.isHttp());
    const Message answer = client.callAndWait(QStringLiteral("T"), QStringLiteral("m"), {QStringLiteral("over https")});
    QCOMPARE(answer.type(), Message::Type::Answer);
    QCOMPARE(answer.result().toString(), QStringLiteral("over https"));

    // And a raw TLS socket with keep-alive.
    QSslSocket raw;
    raw.setSslConfiguration(trustingTestCa());
    raw.connectToHostEncrypted(QStringLiteral("127.0.0.1"), server.serverPort());
    QTRY_VERIFY_WITH_TIMEOUT(raw.isEncrypted(), 10000);
    raw.write("GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
    QByteArray buffer;
    QList<HttpReply> replies;
    QVERIFY(QTest::qWaitFor([&] {
        buffer += raw.readAll();
        HttpReply r;
        while (takeHttpReply(buffer, &r))
            replies.append(r);
        return replies.size() == 2;
    }, 10000));
    QCOMPARE(replies.at(0).status, 200);
    QCOMPARE(replies.at(1).status, 404);
}

void tst_TransportSecurity::tlsUntrustedCertificateRefused()
{
    Server server;
    startTlsServer(server);
    if (QTest::currentTestFailed())
        return;
    // The default configuration does not trust the self-signed test certificate.
    Client client;
    client.connectToServer(server.webSocketUrl());
    QVERIFY(!client.waitForConnected(10000));
    QVERIFY(client.error() != ErrorCode::NoError);
    QVERIFY2(client.errorString().contains(QLatin1String("TLS")) || client.errorString().contains(QLatin1String("SSL"), Qt::CaseInsensitive),
             qPrintable(client.errorString()));
    QCOMPARE(server.connectionCount(), 0);

    // Plain ws:// to the TLS port does not get a WebSocket either.
    Client plain;
    QUrl url = server.webSocketUrl();
    url.setScheme(QStringLiteral("ws"));
    ClientSettings settings;
    settings.setConnectTimeout(3000);
    plain.setSettings(settings);
    plain.connectToServer(url);
    QVERIFY(!plain.waitForConnected(10000));
    QCOMPARE(server.connectionCount(), 0);
}

void tst_TransportSecurity::tlsCertificateErrors()
{
    ServerSettings settings;
    QString why;
    QVERIFY(!settings.setTlsCertificate(QStringLiteral("/nonexistent/server.crt"), tlsFile("server.key"), &why));
    QVERIFY2(why.contains(QLatin1String("/nonexistent/server.crt")), qPrintable(why));
    QVERIFY(!settings.isTlsEnabled());
    // The key where the certificate should be, and the other way round.
    QVERIFY(!settings.setTlsCertificate(tlsFile("server.key"), tlsFile("server.key"), &why));
    QVERIFY2(why.contains(QLatin1String("no PEM certificate")), qPrintable(why));
    QVERIFY(!settings.setTlsCertificate(tlsFile("server.crt"), tlsFile("server.crt"), &why));
    QVERIFY2(why.contains(QLatin1String("private key")), qPrintable(why));
    QVERIFY(!settings.setTlsCertificate(tlsFile("server.crt"), QStringLiteral("/nonexistent/server.key"), &why));
    QVERIFY(!settings.isTlsEnabled());
    QVERIFY(settings.setTlsCertificate(tlsFile("server.crt"), tlsFile("server.key"), nullptr));
    QVERIFY(settings.isTlsEnabled());
}

void tst_TransportSecurity::tlsAtCapacity()
{
    // The capacity refusal also works over TLS.
    Server server;
    ServerSettings settings;
    QVERIFY(settings.setTlsCertificate(tlsFile("server.crt"), tlsFile("server.key")));
    settings.setMaxConnections(1);
    server.setSettings(settings);
    QVERIFY(listenLocal(server));
    Client first;
    ClientSettings clientSettings;
    clientSettings.setSslConfiguration(trustingTestCa());
    first.setSettings(clientSettings);
    first.connectToServer(server.webSocketUrl());
    QVERIFY2(first.waitForConnected(10000), qPrintable(first.errorString()));

    Client second;
    second.setSettings(clientSettings);
    second.connectToServer(server.webSocketUrl());
    QVERIFY(!second.waitForConnected(10000));
    QCOMPARE(second.error(), ErrorCode::Unavailable);
    QVERIFY2(second.errorString().contains(QLatin1String("capacity")), qPrintable(second.errorString()));

    QNetworkAccessManager network;
    QNetworkRequest request(server.httpUrl().resolved(QUrl(QStringLiteral("/anything"))));
    request.setSslConfiguration(trustingTestCa());
    QNetworkReply *reply = network.get(request);
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 503);
    QCOMPARE(first.state(), Client::State::Connected);
}

QTEST_MAIN(tst_TransportSecurity)
#include "tst_transport_security.moc"
