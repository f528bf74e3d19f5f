// Bad input from a peer: a message that cannot be decoded (malformed JSON or CBOR, unknown type,
// bad id, missing field) is answered with an Error (ParseError / InvalidMessage, with the
// request's id when it could be read), nothing is dispatched, and the connection keeps serving
// the next valid request. Frame-level violations (wrong frame type, malformed envelope) close
// the connection with the code of docs/PROTOCOL.md. Garbage on the HTTP side gets 400.
#include "transporttest.h"

using namespace Burrow;
using namespace BurrowTest;

static const QByteArray Key = QByteArrayLiteral("bad input test key");

class tst_TransportBadInput : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void badMessageAnswered_data();
    void badMessageAnswered();
    void answersToUnknownIdsDropped();
    void frameViolationCloses_data();
    void frameViolationCloses();
    void garbageHttp_data();
    void garbageHttp();

private:
    void startServer(const QByteArray &key);
    std::unique_ptr<Server> m_server;
    QList<Message> m_dispatched;
};

void tst_TransportBadInput::init()
{
    m_dispatched.clear();
}

void tst_TransportBadInput::cleanup()
{
    m_server.reset();
}

void tst_TransportBadInput::startServer(const QByteArray &key)
{
    m_server = std::make_unique<Server>();
    ServerSettings settings;
    settings.setPreSharedKey(key);
    m_server->setSettings(settings);
    m_server->setMessageHandler([this](const Message &message, const Responder &responder) {
        m_dispatched.append(message);
        responder.sendAnswer(message.arguments().at(0));
    });
    QVERIFY2(listenLocal(*m_server), qPrintable(m_server->errorString()));
}

static QByteArray cbor(const QCborArray &array)
{
    return QCborValue(array).toCbor();
}

static QCborArray cborRequest(const QCborValue &id, const QCborValue &target, const QCborValue &method, const QCborValue &args)
{
    return {int(Message::Type::Request), id, target, method, args};
}

void tst_TransportBadInput::badMessageAnswered_data()
{
    QTest::addColumn<QString>("subprotocol");
    QTest::addColumn<bool>("encrypted");
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QList<quint64>>("ids"); // ids the Errors must carry; {0} when none readable
    QTest::addColumn<ErrorCode>("code");

    const QString json = QString::fromLatin1(JsonSubprotocol);
    QTest::newRow("json-not-json") << json << false << QByteArray("{not json") << QList<quint64>{0} << ErrorCode::ParseError;
    QTest::newRow("json-empty") << json << false << QByteArray() << QList<quint64>{0} << ErrorCode::ParseError;
    QTest::newRow("json-array") << json << false << QByteArray("[1,2]") << QList<quint64>{0} << ErrorCode::ParseError;
    QTest::newRow("json-unknown-type") << json << false << QByteArray(R"({"type":"bogus","id":5})")
                                       << QList<quint64>{0} << ErrorCode::InvalidMessage;
    QTest::newRow("json-no-type") << json << false << QByteArray(R"({"id":5,"target":"T","method":"m","args":[]})")
                                  << QList<quint64>{0} << ErrorCode::InvalidMessage;
    QTest::newRow("json-negative-id") << json << false << QByteArray(R"({"type":"request","id":-3,"target":"T","method":"m","args":[]})")
                                      << QList<quint64>{0} << ErrorCode::InvalidMessage;
    QTest::newRow("json-text-id") << json << false << QByteArray(R"({"type":"request","id":"seven","target":"T","method":"m","args":[]})")
                                  << QList<quint64>{0} << ErrorCode::InvalidMessage;
    QTest::newRow("json-fraction-id") << json << false << QByteArray(R"({"type":"request","id":1.5,"target":"T","method":"m","args":[]})")
                                      << QList<quint64>{0} << ErrorCode::InvalidMessage;
    QTest::newRow("json-missing-method") << json << false << QByteArray(R"({"type":"request","id":9,"target":"T","args":[]})")
                                         << QList<quint64>{9} << ErrorCode::InvalidMessage;
    QTest::newRow("json-args-not-array") << json << false << QByteArray(R"({"type":"request","id":10,"target":"T","method":"m","args":{}})")
                                         << QList<quint64>{10} << ErrorCode::InvalidMessage;
    QTest::newRow("json-bad-batch") << json << false
                                    << QByteArray(R"({"type":"batch","messages":[{"type":"request","id":11,"target":"T","method":"m","args":[]},)"
                                                  R"({"type":"request","id":12,"target":"T","args":[]}]})")
                                    << QList<quint64>{11, 12} << ErrorCode::InvalidMessage;

    for (bool encrypted : {false, true}) {
        const QString binary = QString::fromLatin1(BinarySubprotocol);
        const char *suffix = encrypted ? "-aes" : "";
        QTest::addRow("cbor-garbage%s", suffix) << binary << encrypted << QByteArray("\xff\xfe\x00", 3)
                                                << QList<quint64>{0} << ErrorCode::ParseError;
        QTest::addRow("cbor-empty%s", suffix) << binary << encrypted << QByteArray()
                                              << QList<quint64>{0} << ErrorCode::ParseError;
        QTest::addRow("cbor-trailing-bytes%s", suffix) << binary << encrypted
                                                       << cbor(cborRequest(3, QStringLiteral("T"), QStringLiteral("m"), QCborArray())) + '\x01'
                                                       << QList<quint64>{3} << ErrorCode::ParseError;
        QTest::addRow("cbor-not-array%s", suffix) << binary << encrypted << QCborValue(42).toCbor()
                                                  << QList<quint64>{0} << ErrorCode::InvalidMessage;
        QTest::addRow("cbor-unknown-type%s", suffix) << binary << encrypted << cbor({99, 5})
                                                     << QList<quint64>{0} << ErrorCode::InvalidMessage;
        QTest::addRow("cbor-negative-id%s", suffix) << binary << encrypted
                                                    << cbor(cborRequest(-1, QStringLiteral("T"), QStringLiteral("m"), QCborArray()))
                                                    << QList<quint64>{0} << ErrorCode::InvalidMessage;
        QTest::addRow("cbor-text-id%s", suffix) << binary << encrypted
                                                << cbor(cborRequest(QStringLiteral("x"), QStringLiteral("T"), QStringLiteral("m"), QCborArray()))
                                                << QList<quint64>{0} << ErrorCode::InvalidMessage;
        QTest::addRow("cbor-method-not-text%s", suffix) << binary << encrypted
                                                        << cbor(cborRequest(13, QStringLiteral("T"), 5, QCborArray()))
                                                        << QList<quint64>{13} << ErrorCode::InvalidMessage;
        QTest::addRow("cbor-truncated-after-id%s", suffix) << binary << encrypted
                                                           << cbor(cborRequest(14, QStringLiteral("Target"), QStringLiteral("m"), QCborArray())).left(5)
                                                           << QList<quint64>{14} << ErrorCode::ParseError;
        const QCborArray good = cborRequest(11, QStringLiteral("T"), QStringLiteral("m"), QCborArray());
        const QCborArray bad = QCborArray{int(Message::Type::Request), 12, QStringLiteral("T")};
        QTest::addRow("cbor-bad-batch%s", suffix) << binary << encrypted
                                                  << cbor({int(Message::Type::Batch), QCborArray{good, bad}})
                                                  << QList<quint64>{11, 12} << ErrorCode::InvalidMessage;
    }
}

void tst_TransportBadInput::badMessageAnswered()
{
    QFETCH(QString, subprotocol);
    QFETCH(bool, encrypted);
    QFETCH(QByteArray, payload);
    QFETCH(QList<quint64>, ids);
    QFETCH(ErrorCode, code);

    const QByteArray key = encrypted ? Key : QByteArray();
    startServer(key);
    QSignalSpy newConnection(m_server.get(), &Server::newConnection);
    RawWebSocket raw(subprotocol, key);
    QVERIFY2(raw.open(m_server->webSocketUrl()), qPrintable(raw.errorString));
    QTRY_COMPARE(newConnection.size(), 1);
    auto *connection = newConnection.at(0).at(0).value<Connection *>();
    QSignalSpy serverErrors(connection, &Connection::errorOccurred);

    if (raw.binary)
        raw.socket.sendBinaryMessage(raw.seal(payload));
    else
        raw.socket.sendTextMessage(QString::fromUtf8(payload));
    QVERIFY(raw.waitForMessages(ids.size()));
    for (qsizetype i = 0; i < ids.size(); ++i) {
        const Message error = raw.messages.at(i);
        QCOMPARE(error.type(), Message::Type::Error);
        QCOMPARE(error.id(), ids.at(i));
        QCOMPARE(error.errorCode(), code);
        QVERIFY(!error.errorMessage().isEmpty());
        qInfo() << "answered:" << error.errorMessage();
    }
    QCOMPARE(serverErrors.size(), 1);
    QCOMPARE(serverErrors.at(0).at(0).value<ErrorCode>(), code);
    QVERIFY(m_dispatched.isEmpty());

    // The connection keeps serving.
    raw.send(Message::request(100, QStringLiteral("T"), QStringLiteral("m"), {QStringLiteral("next")}));
    QVERIFY(raw.waitForMessages(ids.size() + 1));
    QCOMPARE(raw.messages.last(), Message::answer(100, QStringLiteral("next")));
    QCOMPARE(m_dispatched.size(), 1);
    QVERIFY(!raw.disconnected);
    QVERIFY(connection->isOpen());
    QVERIFY2(raw.openErrors.isEmpty(), qPrintable(raw.openErrors.join(QLatin1Char(';'))));
}

void tst_TransportBadInput::answersToUnknownIdsDropped()
{
    startServer(QByteArray());
    RawWebSocket raw(QString::fromLatin1(BinarySubprotocol));
    QVERIFY(raw.open(m_server->webSocketUrl()));
    // Answers and errors the server never asked for: dropped, nothing sent back.
    raw.send(Message::answer(12345, QStringLiteral("unsolicited")));
    raw.send(Message::error(777, ErrorCode::ImplementationError, QStringLiteral("unsolicited")));
    raw.send(Message::request(1, QStringLiteral("T"), QStringLiteral("m"), {1}));
    QVERIFY(raw.waitForMessages(1));
    QTest::qWait(100);
    QCOMPARE(raw.messages.size(), 1);
    QCOMPARE(raw.messages.at(0), Message::answer(1, 1));
    QVERIFY(!raw.disconnected);
}

void tst_TransportBadInput::frameViolationCloses_data()
{
    QTest::addColumn<QString>("subprotocol");
    QTest::addColumn<bool>("text");
    QTest::addColumn<QByteArray>("frame"); // sent as is, no envelope added
    QTest::addColumn<int>("closeCode");

    const QString binary = QString::fromLatin1(BinarySubprotocol);
    const QString json = QString::fromLatin1(JsonSubprotocol);
    const QByteArray request = MessageCodec::json()->encode(Message::request(1, QStringLiteral("T"), QStringLiteral("m"), {}));
    QTest::newRow("text-on-binary") << binary << true << request << int(QWebSocketProtocol::CloseCodeDatatypeNotSupported);
    QTest::newRow("binary-on-json") << json << false << request << int(QWebSocketProtocol::CloseCodeDatatypeNotSupported);
    const QByteArray cborRequest = MessageCodec::cbor()->encode(Message::request(1, QStringLiteral("T"), QStringLiteral("m"), {}));
    QTest::newRow("unknown-flag-bit") << binary << false << QByteArray(1, '\x40') + cborRequest << int(QWebSocketProtocol::CloseCodeProtocolError);
    QTest::newRow("hello-flag-from-client") << binary << false << QByteArray(1, '\x80') + cborRequest << int(QWebSocketProtocol::CloseCodeProtocolError);
    QTest::newRow("empty-frame") << binary << false << QByteArray() << int(QWebSocketProtocol::CloseCodeProtocolError);
    QTest::newRow("encrypted-flag-without-key") << binary << false << QByteArray(1, '\x02') + QByteArray(40, '\0')
                                                << int(QWebSocketProtocol::CloseCodeProtocolError);
    QByteArray badLz4(1, '\x01');
    badLz4 += QByteArray("\x00\x00\x01\x00", 4); // declares 256 bytes
    badLz4 += QByteArray(20, '\xff');
    QTest::newRow("bad-lz4") << binary << false << badLz4 << int(QWebSocketProtocol::CloseCodeProtocolError);
    QByteArray shortLz4(1, '\x01');
    shortLz4 += QByteArray("\x00\x00", 2); // length prefix cut short
    QTest::newRow("truncated-lz4-length") << binary << false << shortLz4 << int(QWebSocketProtocol::CloseCodeProtocolError);
}

void tst_TransportBadInput::frameViolationCloses()
{
    QFETCH(QString, subprotocol);
    QFETCH(bool, text);
    QFETCH(QByteArray, frame);
    QFETCH(int, closeCode);

    startServer(QByteArray());
    QSignalSpy newConnection(m_server.get(), &Server::newConnection);
    RawWebSocket raw(subprotocol);
    QVERIFY(raw.open(m_server->webSocketUrl()));
    QTRY_COMPARE(newConnection.size(), 1);
    auto *connection = newConnection.at(0).at(0).value<Connection *>();
    QSignalSpy closed(connection, &Connection::closed);
    if (text)
        raw.socket.sendTextMessage(QString::fromUtf8(frame));
    else
        raw.socket.sendBinaryMessage(frame);
    QVERIFY(raw.waitForDisconnected());
    QCOMPARE(raw.closeCode(), closeCode);
    QVERIFY(!raw.closeReason().isEmpty());
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(int(closed.at(0).at(0).value<QWebSocketProtocol::CloseCode>()), closeCode);
    QVERIFY(m_dispatched.isEmpty());

    // The server itself is fine.
    Client client;
    ClientSettings settings;
    settings.setSubprotocol(subprotocol);
    client.setSettings(settings);
    client.connectToServer(m_server->webSocketUrl());
    QVERIFY(client.waitForConnected(5000));
    QCOMPARE(client.callAndWait(QStringLiteral("T"), QStringLiteral("m"), {2}).result().toInteger(), 2);
}

void tst_TransportBadInput::garbageHttp_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("status");
    QTest::newRow("not-a-method") << QByteArray("GARBAGE\r\n\r\n") << 400;
    QTest::newRow("bad-content-length") << QByteArray("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n") << 400;
    QTest::newRow("bad-header-line") << QByteArray("GET / HTTP/1.1\r\nHost x y\r\n\r\n") << 400;
    QTest::newRow("tls-client-hello") << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + QByteArray(64, '\0') << 400;
    QByteArray binary(256, Qt::Uninitialized);
    for (int i = 0; i < binary.size(); ++i)
        binary[i] = char((i * 37 + 11) % 256);
    QTest::newRow("binary") << binary << 400;
    QTest::newRow("http-0.9") << QByteArray("GET /\r\n\r\n") << 505; // a version, not garbage
}

void tst_TransportBadInput::garbageHttp()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, status);
    startServer(QByteArray());
    m_server->addRoute("GET", QStringLiteral("/ok"), [](const HttpRequest &, const HttpResponder &responder) {
        responder.respond(HttpResponse(200, "ok"));
    });
    RawHttp http;
    QVERIFY(http.connectTo(m_server->serverPort()));
    http.send(bytes);
    const HttpReply reply = http.waitForReply();
    QCOMPARE(reply.status, status);
    QVERIFY2(!reply.body.isEmpty(), "the answer says why");
    qInfo() << "answered:" << reply.statusLine << reply.body.trimmed();
    QVERIFY(http.waitForDisconnected());

    RawHttp next;
    QVERIFY(next.connectTo(m_server->serverPort()));
    next.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
    QCOMPARE(next.waitForReply().status, 200);
}

QTEST_MAIN(tst_TransportBadInput)
#include "tst_transport_badinput.moc"
