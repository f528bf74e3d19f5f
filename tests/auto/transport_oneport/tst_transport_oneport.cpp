// One port serves everything: plain HTTP routes (through QNetworkAccessManager and through a raw
// socket with keep-alive and pipelining), RPC over HTTP, and WebSocket clients of both
// subprotocols, at the same time, on the one Server.
#include "transporttest.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>

using namespace Burrow;
using namespace BurrowTest;

class tst_TransportOnePort : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void httpRoutesThroughNetworkAccessManager();
    void unknownRouteAndWrongMethod();
    void rawKeepAliveAndPipelining();
    void pipelinedAnswersStayInOrder();
    void upgradeAfterPipelinedRequests_data();
    void upgradeAfterPipelinedRequests();
    void httpAndWebSocketsAtOnce();
    void rpcOverHttp();
    void rpcOverHttpErrors();
    void clientInHttpMode();
    void urlsAndBusyPort();
    void httpModeFailures();
    void settingsAfterListen();

private:
    QNetworkReply *waitFor(QNetworkReply *reply);
    std::unique_ptr<Server> m_server;
    std::unique_ptr<QNetworkAccessManager> m_network;
    int m_handlerCalls = 0;
};

// The message handler of every test: Calc.add sums its arguments, Calc.echo returns its first
// argument, Calc.never never answers; any other target is UnknownService.
static void calcHandler(const Message &message, const Responder &responder)
{
    if (message.type() != Message::Type::Request)
        return;
    if (message.target() != QLatin1String("Calc")) {
        responder.sendError(ErrorCode::UnknownService, QStringLiteral("no service %1").arg(message.target()));
        return;
    }
    if (message.method() == QLatin1String("add")) {
        qint64 sum = 0;
        for (const QCborValue &value : message.arguments())
            sum += value.toInteger();
        responder.sendAnswer(sum);
    } else if (message.method() == QLatin1String("echo")) {
        responder.sendAnswer(message.arguments().at(0));
    } else if (message.method() == QLatin1String("whoami")) {
        responder.sendAnswer(responder.connection() ? responder.connection()->subprotocol() : QStringLiteral("http"));
    } else {
        responder.sendError(ErrorCode::UnknownMethod, QStringLiteral("no method %1").arg(message.method()));
    }
}

void tst_TransportOnePort::init()
{
    m_handlerCalls = 0;
    m_server = std::make_unique<Server>();
    m_server->addRoute("GET", QStringLiteral("/hello"), [](const HttpRequest &, const HttpResponder &responder) {
        responder.respond(HttpResponse(200, "hello\n"));
    });
    m_server->addRoute("POST", QStringLiteral("/echo"), [](const HttpRequest &request, const HttpResponder &responder) {
        HttpResponse response(200, request.body(), "application/octet-stream");
        response.setHeader("X-Path", request.url().path().toUtf8());
        responder.respond(response);
    });
    // Any method under /items, with the longest prefix winning over /items/special.
    m_server->addRoute(QByteArray(), QStringLiteral("/items"), [](const HttpRequest &request, const HttpResponder &responder) {
        responder.respond(HttpResponse(200, "items " + request.method() + ' ' + request.url().path().toUtf8()));
    });
    m_server->addRoute("GET", QStringLiteral("/items/special"), [](const HttpRequest &, const HttpResponder &responder) {
        responder.respond(HttpResponse(200, "special"));
    });
    // Answers after a delay given in the query, from a timer: later than requests behind it.
    m_server->addRoute("GET", QStringLiteral("/slow"), [](const HttpRequest &request, const HttpResponder &responder) {
        const int delay = request.url().query().toInt();
        QTimer::singleShot(delay, [responder, delay] { responder.respond(HttpResponse(200, "slow " + QByteArray::number(delay))); });
    });
    m_server->setMessageHandler([this](const Message &message, const Responder &responder) {
        ++m_handlerCalls;
        calcHandler(message, responder);
    });
    QVERIFY2(listenLocal(*m_server), qPrintable(m_server->errorString()));
    m_network = std::make_unique<QNetworkAccessManager>();
}

void tst_TransportOnePort::cleanup()
{
    m_network.reset();
    m_server.reset();
}

QNetworkReply *tst_TransportOnePort::waitFor(QNetworkReply *reply)
{
    reply->setParent(m_network.get());
    if (!QTest::qWaitFor([reply] { return reply->isFinished(); }, 10000))
        qWarning() << "reply to" << reply->url() << "did not finish";
    return reply;
}

static QUrl at(const Server &server, const QString &pathAndQuery)
{
    return server.httpUrl().resolved(QUrl(pathAndQuery));
}

void tst_TransportOnePort::httpRoutesThroughNetworkAccessManager()
{
    QNetworkReply *get = waitFor(m_network->get(QNetworkRequest(at(*m_server, QStringLiteral("/hello")))));
    QCOMPARE(get->error(), QNetworkReply::NoError);
    QCOMPARE(get->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(get->readAll(), QByteArray("hello\n"));

    QNetworkRequest post(at(*m_server, QStringLiteral("/echo")));
    post.setHeader(QNetworkRequest::ContentTypeHeader, "application/octet-stream");
    QByteArray body(100000, 'x');
    body[0] = 'a';
    body[99999] = 'z';
    QNetworkReply *posted = waitFor(m_network->post(post, body));
    QCOMPARE(posted->error(), QNetworkReply::NoError);
    QCOMPARE(posted->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(posted->rawHeader("X-Path"), QByteArray("/echo"));
    QCOMPARE(posted->readAll(), body);

    QNetworkReply *prefix = waitFor(m_network->get(QNetworkRequest(at(*m_server, QStringLiteral("/items/42")))));
    QCOMPARE(prefix->readAll(), QByteArray("items GET /items/42"));
    QNetworkReply *longest = waitFor(m_network->get(QNetworkRequest(at(*m_server, QStringLiteral("/items/special")))));
    QCOMPARE(longest->readAll(), QByteArray("special"));
    // "/itemsX" does not continue "/items" after a '/'.
    QNetworkReply *notPrefix = waitFor(m_network->get(QNetworkRequest(at(*m_server, QStringLiteral("/itemsX")))));
    QCOMPARE(notPrefix->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 404);
}

void tst_TransportOnePort::unknownRouteAndWrongMethod()
{
    QNetworkReply *missing = waitFor(m_network->get(QNetworkRequest(at(*m_server, QStringLiteral("/nothing/here")))));
    QCOMPARE(missing->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 404);
    QVERIFY2(missing->readAll().contains("/nothing/here"), "the 404 body names the path");

    QNetworkReply *wrongMethod = waitFor(m_network->deleteResource(QNetworkRequest(at(*m_server, QStringLiteral("/hello")))));
    QCOMPARE(wrongMethod->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 405);
    QVERIFY(wrongMethod->readAll().contains("DELETE"));

    QNetworkRequest post(at(*m_server, QStringLiteral("/hello")));
    post.setHeader(QNetworkRequest::ContentTypeHeader, "text/plain");
    QNetworkReply *postToGet = waitFor(m_network->post(post, QByteArray("x")));
    QCOMPARE(postToGet->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 405);
    QCOMPARE(m_handlerCalls, 0);
}

void tst_TransportOnePort::rawKeepAliveAndPipelining()
{
    RawHttp http;
    QVERIFY(http.connectTo(m_server->serverPort()));
    // Three requests in one write: the responses come back in order on the same connection.
    http.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
              "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde"
              "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n");
    const QList<HttpReply> replies = http.waitForReplies(3);
    QCOMPARE(replies.size(), 3);
    QCOMPARE(replies.at(0).status, 200);
    QCOMPARE(replies.at(0).body, QByteArray("hello\n"));
    QCOMPARE(replies.at(1).status, 200);
    QCOMPARE(replies.at(1).body, QByteArray("abcde"));
    QCOMPARE(replies.at(2).status, 404);
    for (const HttpReply &reply : replies)
        QVERIFY2(reply.header("connection").compare("close", Qt::CaseInsensitive) != 0, reply.statusLine.constData());

    // Still open (keep-alive): one more, sent in two pieces, then an RPC call on the same socket.
    QVERIFY(!http.disconnected);
    http.send("GET /hel");
    QTest::qWait(20);
    http.send("lo HTTP/1.1\r\nHost: x\r\n\r\n");
    const HttpReply again = http.waitForReply();
    QCOMPARE(again.status, 200);
    const QByteArray rpcBody = "[2,3]";
    http.send("POST /rpc/Calc/add HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
              + QByteArray::number(rpcBody.size()) + "\r\n\r\n" + rpcBody);
    const HttpReply rpc = http.waitForReply();
    QCOMPARE(rpc.status, 200);
    QCOMPARE(QJsonDocument::fromJson(rpc.body).object().value(QStringLiteral("result")).toInt(), 5);

    // "Connection: close" is honoured after the answer.
    http.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const HttpReply last = http.waitForReply();
    QCOMPARE(last.status, 200);
    QVERIFY(http.waitForDisconnected());
}

void tst_TransportOnePort::pipelinedAnswersStayInOrder()
{
    RawHttp http;
    QVERIFY(http.connectTo(m_server->serverPort()));
    // The first handler answers last; the responses still follow the request order.
    http.send("GET /slow?300 HTTP/1.1\r\nHost: x\r\n\r\n"
              "GET /slow?100 HTTP/1.1\r\nHost: x\r\n\r\n"
              "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    const QList<HttpReply> replies = http.waitForReplies(3);
    QCOMPARE(replies.size(), 3);
    QCOMPARE(replies.at(0).body, QByteArray("slow 300"));
    QCOMPARE(replies.at(1).body, QByteArray("slow 100"));
    QCOMPARE(replies.at(2).body, QByteArray("hello\n"));
}

// A WebSocket frame from a client (masked), written by hand.
static QByteArray clientFrame(quint8 opcode, const QByteArray &payload)
{
    QByteArray frame(1, char(0x80 | opcode));
    if (payload.size() < 126) {
        frame += char(0x80 | payload.size());
    } else {
        frame += char(0x80 | 126);
        frame += char(payload.size() >> 8);
        frame += char(payload.size() & 0xff);
    }
    const QByteArray mask("\x12\x34\x56\x78", 4);
    frame += mask;
    for (qsizetype i = 0; i < payload.size(); ++i)
        frame += char(payload.at(i) ^ mask.at(i % 4));
    return frame;
}

// Takes one unmasked server frame (payload < 64 KiB) off the front of buffer.
static bool takeServerFrame(QByteArray &buffer, quint8 *opcode, QByteArray *payload)
{
    if (buffer.size() < 2)
        return false;
    qsizetype length = quint8(buffer.at(1)) & 0x7f;
    qsizetype offset = 2;
    if (length == 126) {
        if (buffer.size() < 4)
            return false;
        length = (qsizetype(quint8(buffer.at(2))) << 8) | quint8(buffer.at(3));
        offset = 4;
    }
    if (buffer.size() < offset + length)
        return false;
    *opcode = quint8(buffer.at(0)) & 0x0f;
    *payload = buffer.mid(offset, length);
    buffer.remove(0, offset + length);
    return true;
}

void tst_TransportOnePort::upgradeAfterPipelinedRequests_data()
{
    QTest::addColumn<QByteArray>("before");
    QTest::newRow("upgrade-alone") << QByteArray();
    QTest::newRow("after-one") << QByteArray("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    QTest::newRow("after-two") << QByteArray("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                                            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
}

void tst_TransportOnePort::upgradeAfterPipelinedRequests()
{
    QFETCH(QByteArray, before);
    // Two plain requests and an upgrade in one write, on one keep-alive connection: the
    // responses come in order, then the same socket speaks WebSocket.
    RawHttp http;
    QVERIFY(http.connectTo(m_server->serverPort()));
    http.send(before + RawHttp::upgradeRequest(JsonSubprotocol));
    const int expected = before.count("HTTP/1.1") + 1;
    const QList<HttpReply> replies = http.waitForReplies(expected);
    QCOMPARE(replies.size(), expected);
    if (expected > 1)
        QCOMPARE(replies.at(0).body, QByteArray("hello\n"));
    if (expected > 2)
        QCOMPARE(replies.at(1).body, QByteArray("abc"));
    QCOMPARE(replies.last().status, 101);
    QCOMPARE(replies.last().header("sec-websocket-protocol"), QByteArray(JsonSubprotocol));
    QTRY_COMPARE(m_server->connectionCount(), 1);

    const QByteArray request = MessageCodec::json()->encode(Message::request(5, QStringLiteral("Calc"), QStringLiteral("add"), {40, 2}));
    http.send(clientFrame(0x1, request));
    quint8 opcode = 0;
    QByteArray payload;
    QVERIFY(QTest::qWaitFor([&] { return takeServerFrame(http.buffer, &opcode, &payload); }, 5000));
    QCOMPARE(opcode, quint8(0x1));
    QCOMPARE(MessageCodec::json()->decode(payload), Message::answer(5, 42));

    // A close frame from the client is answered with one carrying the same code.
    http.send(clientFrame(0x8, QByteArray("\x03\xe8", 2) + "done"));
    QVERIFY(QTest::qWaitFor([&] { return takeServerFrame(http.buffer, &opcode, &payload); }, 5000));
    QCOMPARE(opcode, quint8(0x8));
    QCOMPARE(payload.left(2), QByteArray("\x03\xe8", 2));
    QVERIFY(http.waitForDisconnected());
    QTRY_COMPARE(m_server->connectionCount(), 0);
}

void tst_TransportOnePort::httpAndWebSocketsAtOnce()
{
    // Two WebSocket clients (one per subprotocol), a keep-alive raw HTTP connection and
    // QNetworkAccessManager, all open at the same time on the one port.
    Client json;
    ClientSettings jsonSettings;
    jsonSettings.setSubprotocol(QString::fromLatin1(JsonSubprotocol));
    json.setSettings(jsonSettings);
    json.connectToServer(m_server->webSocketUrl());
    Client binary;
    binary.connectToServer(m_server->webSocketUrl()); // binary is the default
    QVERIFY2(json.waitForConnected(5000), qPrintable(json.errorString()));
    QVERIFY2(binary.waitForConnected(5000), qPrintable(binary.errorString()));
    QCOMPARE(json.connection()->subprotocol(), QString::fromLatin1(JsonSubprotocol));
    QCOMPARE(binary.connection()->subprotocol(), QString::fromLatin1(BinarySubprotocol));
    QTRY_COMPARE(m_server->connectionCount(), 2);

    RawHttp http;
    QVERIFY(http.connectTo(m_server->serverPort()));

    // Everything in flight at once, several rounds.
    for (int round = 0; round < 20; ++round) {
        QFuture<Message> jsonCall = json.call(QStringLiteral("Calc"), QStringLiteral("add"), {round, 1});
        QFuture<Message> binaryCall = binary.call(QStringLiteral("Calc"), QStringLiteral("add"), {round, 2});
        QFuture<Message> whoJson = json.call(QStringLiteral("Calc"), QStringLiteral("whoami"), {});
        QFuture<Message> whoBinary = binary.call(QStringLiteral("Calc"), QStringLiteral("whoami"), {});
        http.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /items/" + QByteArray::number(round) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        QNetworkRequest post(at(*m_server, QStringLiteral("/echo")));
        post.setHeader(QNetworkRequest::ContentTypeHeader, "text/plain");
        QNetworkReply *reply = m_network->post(post, QByteArray::number(round));
        reply->setParent(m_network.get());

        QTRY_VERIFY_WITH_TIMEOUT(jsonCall.isFinished() && binaryCall.isFinished() && whoJson.isFinished()
                                     && whoBinary.isFinished() && reply->isFinished(), 10000);
        QCOMPARE(jsonCall.result().result().toInteger(), round + 1);
        QCOMPARE(binaryCall.result().result().toInteger(), round + 2);
        QCOMPARE(whoJson.result().result().toString(), QString::fromLatin1(JsonSubprotocol));
        QCOMPARE(whoBinary.result().result().toString(), QString::fromLatin1(BinarySubprotocol));
        QCOMPARE(reply->readAll(), QByteArray::number(round));
        const QList<HttpReply> replies = http.waitForReplies(2);
        QCOMPARE(replies.size(), 2);
        QCOMPARE(replies.at(0).body, QByteArray("hello\n"));
        QCOMPARE(replies.at(1).body, "items GET /items/" + QByteArray::number(round));
    }
    QCOMPARE(m_server->connectionCount(), 2);
    QVERIFY(!http.disconnected);
    QCOMPARE(json.state(), Client::State::Connected);
    QCOMPARE(binary.state(), Client::State::Connected);

    // A raw WebSocket on each subprotocol also works next to them, on another path.
    for (const char *subprotocol : {JsonSubprotocol, BinarySubprotocol}) {
        RawWebSocket raw{QString::fromLatin1(subprotocol)};
        QVERIFY2(raw.open(m_server->webSocketUrl().resolved(QUrl(QStringLiteral("/some/path")))), qPrintable(raw.errorString));
        QCOMPARE(raw.socket.subprotocol(), QString::fromLatin1(subprotocol));
        raw.send(Message::request(7, QStringLiteral("Calc"), QStringLiteral("echo"), {QStringLiteral("hi")}));
        QVERIFY(raw.waitForMessages(1));
        QCOMPARE(raw.messages.at(0), Message::answer(7, QStringLiteral("hi")));
    }
}

static QNetworkRequest jsonPost(const QUrl &url)
{
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
    return request;
}

void tst_TransportOnePort::rpcOverHttp()
{
    QNetworkReply *add = waitFor(m_network->post(jsonPost(at(*m_server, QStringLiteral("/rpc/Calc/add"))), QByteArray("[1, 2, 39]")));
    QCOMPARE(add->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(add->header(QNetworkRequest::ContentTypeHeader).toString(), QStringLiteral("application/json"));
    const QJsonObject answer = QJsonDocument::fromJson(add->readAll()).object();
    QCOMPARE(answer.value(QStringLiteral("result")).toInt(), 42);
    QVERIFY(!answer.contains(QStringLiteral("error")));

    QNetworkReply *echo = waitFor(m_network->post(jsonPost(at(*m_server, QStringLiteral("/rpc/Calc/echo"))),
                                                  QByteArray(R"([{"a": [1, "two", null]}])")));
    QCOMPARE(echo->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(QJsonDocument::fromJson(echo->readAll()).object().value(QStringLiteral("result")),
             QJsonValue(QJsonObject{{QStringLiteral("a"), QJsonArray{1, QStringLiteral("two"), QJsonValue()}}}));

    // An empty body means no arguments.
    QNetworkReply *noArgs = waitFor(m_network->post(jsonPost(at(*m_server, QStringLiteral("/rpc/Calc/add"))), QByteArray()));
    QCOMPARE(noArgs->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(QJsonDocument::fromJson(noArgs->readAll()).object().value(QStringLiteral("result")).toInt(), 0);

    // Over HTTP the responder has no connection.
    QNetworkReply *who = waitFor(m_network->post(jsonPost(at(*m_server, QStringLiteral("/rpc/Calc/whoami"))), QByteArray("[]")));
    QCOMPARE(QJsonDocument::fromJson(who->readAll()).object().value(QStringLiteral("result")).toString(), QStringLiteral("http"));
}

static QJsonObject errorOf(QNetworkReply *reply)
{
    return QJsonDocument::fromJson(reply->readAll()).object().value(QStringLiteral("error")).toObject();
}

void tst_TransportOnePort::rpcOverHttpErrors()
{
    // Malformed JSON: 400 with an error object, and the handler never runs.
    QNetworkReply *malformed = waitFor(m_network->post(jsonPost(at(*m_server, QStringLiteral("/rpc/Calc/add"))), QByteArray("[1, 2")));
    QCOMPARE(malformed->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 400);
    QCOMPARE(malformed->header(QNetworkRequest::ContentTypeHeader).toString(), QStringLiteral("application/json"));
    QJsonObject error = errorOf(malformed);
    QCOMPARE(error.value(QStringLiteral("code")).toInt(), int(ErrorCode::ParseError));
    QCOMPARE(error.value(QStringLiteral("name")).toString(), errorCodeName(ErrorCode::ParseError));
    QVERIFY2(!error.value(QStringLiteral("message")).toString().isEmpty(), "the error says why");

    // Not an array: 400 InvalidArguments.
    QNetworkReply *object = waitFor(m_network->post(jsonPost(at(*m_server, QStringLiteral("/rpc/Calc/add"))), QByteArray(R"({"a":1})")));
    QCOMPARE(object->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 400);
    QCOMPARE(errorOf(object).value(QStringLiteral("code")).toInt(), int(ErrorCode::InvalidArguments));

    // Not <target>/<method>: 400.
    QNetworkReply *shortPath = waitFor(m_network->post(jsonPost(at(*m_server, QStringLiteral("/rpc/Calc"))), QByteArray("[]")));
    QCOMPARE(shortPath->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 400);
    QCOMPARE(errorOf(shortPath).value(QStringLiteral("code")).toInt(), int(ErrorCode::InvalidMessage));
    QCOMPARE(m_handlerCalls, 0);

    // The handler's UnknownService / UnknownMethod become 404 with the handler's message.
    QNetworkReply *unknownTarget = waitFor(m_network->post(jsonPost(at(*m_server, QStringLiteral("/rpc/Nobody/add"))), QByteArray("[]")));
    QCOMPARE(unknownTarget->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 404);
    error = errorOf(unknownTarget);
    QCOMPARE(error.value(QStringLiteral("code")).toInt(), int(ErrorCode::UnknownService));
    QCOMPARE(error.value(QStringLiteral("name")).toString(), errorCodeName(ErrorCode::UnknownService));
    QCOMPARE(error.value(QStringLiteral("message")).toString(), QStringLiteral("no service Nobody"));
    QNetworkReply *unknownMethod = waitFor(m_network->post(jsonPost(at(*m_server, QStringLiteral("/rpc/Calc/divide"))), QByteArray("[]")));
    QCOMPARE(unknownMethod->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 404);
    QCOMPARE(errorOf(unknownMethod).value(QStringLiteral("code")).toInt(), int(ErrorCode::UnknownMethod));
    QCOMPARE(m_handlerCalls, 2);

    // RPC is POST only (docs/PROTOCOL.md, section 8): a GET must not call the method.
    QNetworkReply *get = waitFor(m_network->get(QNetworkRequest(at(*m_server, QStringLiteral("/rpc/Calc/add")))));
    QCOMPARE(get->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 405);
    QCOMPARE(get->rawHeader("Allow"), QByteArray("POST"));
    QCOMPARE(m_handlerCalls, 2);
}

void tst_TransportOnePort::clientInHttpMode()
{
    Client client;
    QSignalSpy connected(&client, &Client::connected);
    QUrl url = m_server->httpUrl();
    url.setPath(QStringLiteral("/rpc"));
    client.connectToServer(url);
    QVERIFY(client.isHttp());
    QVERIFY(client.waitForConnected(1000));
    QTRY_COMPARE(connected.size(), 1);
    QCOMPARE(client.connection(), nullptr);

    const Message sum = client.callAndWait(QStringLiteral("Calc"), QStringLiteral("add"), {20, 22});
    QCOMPARE(sum.type(), Message::Type::Answer);
    QCOMPARE(sum.result().toInteger(), 42);
    const Message echo = client.callAndWait(QStringLiteral("Calc"), QStringLiteral("echo"), {QCborMap{{QStringLiteral("k"), QStringLiteral("v")}}});
    QCOMPARE(echo.result().toMap().value(QStringLiteral("k")).toString(), QStringLiteral("v"));
    const Message who = client.callAndWait(QStringLiteral("Calc"), QStringLiteral("whoami"), {});
    QCOMPARE(who.result().toString(), QStringLiteral("http"));

    // The handler's error comes back as an Error message with its code and text.
    const Message unknown = client.callAndWait(QStringLiteral("Nobody"), QStringLiteral("add"), {});
    QCOMPARE(unknown.type(), Message::Type::Error);
    QCOMPARE(unknown.errorCode(), ErrorCode::UnknownService);
    QCOMPARE(unknown.errorMessage(), QStringLiteral("no service Nobody"));

    // Several calls in flight at once.
    QList<QFuture<Message>> calls;
    for (int i = 0; i < 10; ++i)
        calls.append(client.call(QStringLiteral("Calc"), QStringLiteral("add"), {i, i}));
    for (int i = 0; i < 10; ++i) {
        QTRY_VERIFY_WITH_TIMEOUT(calls.at(i).isFinished(), 10000);
        QCOMPARE(calls.at(i).result().result().toInteger(), 2 * i);
    }

    // The same handler over a WebSocket, for comparison.
    Client ws;
    ws.connectToServer(m_server->webSocketUrl());
    QVERIFY(ws.waitForConnected(5000));
    QCOMPARE(ws.callAndWait(QStringLiteral("Calc"), QStringLiteral("add"), {20, 22}).result().toInteger(), 42);
}

void tst_TransportOnePort::urlsAndBusyPort()
{
    const quint16 port = m_server->serverPort();
    QVERIFY(m_server->isListening());
    QCOMPARE(m_server->serverAddress(), QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(m_server->webSocketUrl(), QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)));
    QCOMPARE(m_server->httpUrl(), QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(port)));

    Server second;
    QVERIFY(!second.listen(QHostAddress::LocalHost, port));
    QVERIFY(!second.isListening());
    QVERIFY(!second.errorString().isEmpty());
    QCOMPARE(second.serverPort(), quint16(0));

    // Closing stops the listening; listening again on the same port works.
    m_server->close();
    QVERIFY(!m_server->isListening());
    RawHttp refused;
    refused.socket.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(QTest::qWaitFor([&] { return refused.socket.state() == QAbstractSocket::UnconnectedState; }, 5000));
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, port), qPrintable(m_server->errorString()));
    QNetworkReply *get = waitFor(m_network->get(QNetworkRequest(at(*m_server, QStringLiteral("/hello")))));
    QCOMPARE(get->readAll(), QByteArray("hello\n"));
}

void tst_TransportOnePort::httpModeFailures()
{
    QList<Responder> held;
    m_server->setMessageHandler([&](const Message &message, const Responder &responder) {
        if (message.method() == QLatin1String("hold"))
            held.append(responder);
        else if (message.method() == QLatin1String("drop"))
            return; // the Responder goes unanswered
        else
            calcHandler(message, responder);
    });
    Client client;
    ClientSettings settings;
    settings.setAnswerTimeout(500);
    client.setSettings(settings);
    QUrl url = m_server->httpUrl();
    url.setPath(QStringLiteral("/rpc"));
    client.connectToServer(url);

    // No answer within the answer timeout: Timeout.
    QElapsedTimer timer;
    timer.start();
    const Message late = client.callAndWait(QStringLiteral("Calc"), QStringLiteral("hold"), {});
    QCOMPARE(late.errorCode(), ErrorCode::Timeout);
    QVERIFY2(timer.elapsed() >= 450 && timer.elapsed() < 500 + 3000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(client.callAndWait(QStringLiteral("Calc"), QStringLiteral("add"), {1, 1}).result().toInteger(), 2);

    // A handler that drops its Responder: a JSON error (docs/PROTOCOL.md section 8), status 500.
    QNetworkReply *dropped = waitFor(m_network->post(jsonPost(at(*m_server, QStringLiteral("/rpc/Calc/drop"))), QByteArray("[]")));
    QCOMPARE(dropped->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 500);
    QCOMPARE(errorOf(dropped).value(QStringLiteral("code")).toInt(), int(ErrorCode::ImplementationError));
    const Message droppedCall = client.callAndWait(QStringLiteral("Calc"), QStringLiteral("drop"), {});
    QCOMPARE(droppedCall.errorCode(), ErrorCode::ImplementationError);

    // No server: ConnectionClosed.
    const quint16 port = m_server->serverPort();
    m_server.reset();
    const Message down = client.callAndWait(QStringLiteral("Calc"), QStringLiteral("add"), {1, 1});
    QCOMPARE(down.type(), Message::Type::Error);
    QCOMPARE(down.errorCode(), ErrorCode::ConnectionClosed);
    Q_UNUSED(port);
}

void tst_TransportOnePort::settingsAfterListen()
{
    // Server::setSettings() applies to connections accepted afterwards, codecs included.
    Server server;
    ServerSettings settings;
    settings.setCodecs({MessageCodec::json()});
    server.setSettings(settings);
    server.setMessageHandler(calcHandler);
    QVERIFY(listenLocal(server));

    Client binary;
    binary.connectToServer(server.webSocketUrl());
    QVERIFY(!binary.waitForConnected(5000));
    QCOMPARE(binary.error(), ErrorCode::NotSupported);

    settings.setCodecs(MessageCodec::builtIn());
    settings.setPreSharedKey("added later");
    server.setSettings(settings);
    Client again;
    ClientSettings clientSettings;
    clientSettings.setPreSharedKey("added later");
    again.setSettings(clientSettings);
    again.connectToServer(server.webSocketUrl());
    QVERIFY2(again.waitForConnected(5000), qPrintable(again.errorString()));
    QCOMPARE(again.connection()->subprotocol(), QString::fromLatin1(BinarySubprotocol));
    QVERIFY(again.connection()->isEncrypted());
    QCOMPARE(again.callAndWait(QStringLiteral("Calc"), QStringLiteral("add"), {1, 2}).result().toInteger(), 3);
    // Raw check of the negotiated subprotocol on the wire.
    RawHttp raw;
    QVERIFY(raw.connectTo(server.serverPort()));
    const QByteArray nonce = PreSharedKey::randomNonce();
    raw.send(RawHttp::upgradeRequest(BinarySubprotocol, {{"Burrow-Nonce", nonce.toBase64()},
                                                         {"Burrow-Proof", PreSharedKey("added later").clientProof(nonce).toBase64()}}));
    const HttpReply reply = raw.waitForReply();
    QCOMPARE(reply.status, 101);
    QCOMPARE(reply.header("sec-websocket-protocol"), QByteArray(BinarySubprotocol));
}

QTEST_MAIN(tst_TransportOnePort)
#include "tst_transport_oneport.moc"
