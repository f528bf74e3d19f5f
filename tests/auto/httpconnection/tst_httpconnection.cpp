// HttpConnection over real loopback sockets: a QTcpServer on 127.0.0.1, port 0, hands each
// accepted socket to an HttpConnection; the test writes raw bytes with a QTcpSocket client and
// parses the responses itself (independently of http_parser).

#include "httpconnection_p.h"

#include <Burrow/http.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QPointer>
#include <QtCore/QRandomGenerator>
#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QtTest>

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

using namespace Burrow;

namespace {

struct Response
{
    int status = 0;
    QByteArray reason;
    HttpHeaders headers;
    QByteArray body;

    QByteArray header(QByteArrayView name) const
    {
        for (const auto &h : headers) {
            if (QByteArrayView(h.first).compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        }
        return {};
    }
    bool hasHeader(QByteArrayView name) const
    {
        for (const auto &h : headers) {
            if (QByteArrayView(h.first).compare(name, Qt::CaseInsensitive) == 0)
                return true;
        }
        return false;
    }
};

// A raw HTTP client: writes bytes, parses responses out of what arrives.
class Client
{
public:
    explicit Client(quint16 port)
    {
        socket.connectToHost(QHostAddress::LocalHost, port);
        connected = QTest::qWaitFor([this] { return socket.state() == QAbstractSocket::ConnectedState; }, 5000);
    }

    void write(const QByteArray &bytes)
    {
        socket.write(bytes);
        socket.flush();
    }

    // Waits (running the event loop) for one complete response. expectBody is false for the
    // answer to a HEAD request.
    std::optional<Response> read(int timeout = 5000, bool expectBody = true)
    {
        std::optional<Response> response;
        (void)QTest::qWaitFor([&] {
            buffer += socket.readAll();
            response = parse(expectBody);
            return response.has_value() || socket.state() == QAbstractSocket::UnconnectedState;
        }, timeout);
        if (!response) {
            buffer += socket.readAll();
            response = parse(expectBody);
        }
        return response;
    }

    // Waits until the server closed the connection.
    bool waitForClosed(int timeout = 5000)
    {
        return QTest::qWaitFor([&] {
            buffer += socket.readAll();
            return socket.state() == QAbstractSocket::UnconnectedState;
        }, timeout);
    }

    QTcpSocket socket;
    QByteArray buffer; // received, not yet parsed
    bool connected = false;

private:
    std::optional<Response> parse(bool expectBody)
    {
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return std::nullopt;
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        Response r;
        const QByteArray statusLine = lines.first().trimmed();
        if (!statusLine.startsWith("HTTP/1.1 "))
            return std::nullopt;
        r.status = statusLine.mid(9, 3).toInt();
        r.reason = statusLine.mid(13);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines.at(i).trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon > 0)
                r.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
        }
        qsizetype length = 0;
        const bool bodyless = r.status < 200 || r.status == 204 || r.status == 304;
        if (expectBody && !bodyless)
            length = r.header("content-length").toLongLong();
        if (buffer.size() < end + 4 + length)
            return std::nullopt;
        r.body = buffer.mid(end + 4, length);
        buffer.remove(0, end + 4 + length);
        return r;
    }
};

// The server side: every accepted socket becomes an HttpConnection with these limits and handlers.
class Fixture : public QObject
{
public:
    Fixture()
    {
        listening = server.listen(QHostAddress::LocalHost, 0);
        connect(&server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = server.nextPendingConnection()) {
                auto *connection = new HttpConnection(socket, limits, this);
                connections.append(connection);
                connection->setRequestHandler([this](const HttpRequest &request, const HttpResponder &responder) {
                    ++requestsSeen;
                    if (handler)
                        handler(request, responder);
                });
                if (upgrade) {
                    connection->setUpgradeHandler([this, connection](const HttpRequest &head) {
                        upgrade(connection, head);
                    });
                }
                connect(connection, &HttpConnection::finished, this, [this, connection] {
                    ++finishedCount;
                    connection->deleteLater();
                });
                if (onAccept && !onAccept(connection))
                    continue;
                connection->start();
            }
        });
    }

    quint16 port() const { return server.serverPort(); }

    QTcpServer server;
    bool listening = false;
    HttpConnection::Limits limits;
    HttpConnection::RequestHandler handler;
    std::function<void(HttpConnection *, const HttpRequest &)> upgrade;
    std::function<bool(HttpConnection *)> onAccept; // false: do not start()
    QList<QPointer<HttpConnection>> connections;
    int requestsSeen = 0;
    int finishedCount = 0;
};

QByteArray get(const QByteArray &path, const QByteArray &extraHeaders = {})
{
    return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + extraHeaders + "\r\n";
}

void echo(const HttpRequest &request, const HttpResponder &responder)
{
    HttpResponse response(200, request.method() + ' ' + request.url().path().toUtf8() + ' ' + request.body());
    responder.respond(response);
}

} // namespace

class tst_HttpConnection : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void responseSerialization();
    void simpleGet();
    void postWithBody();
    void largeBody();
    void keepAliveSequential();
    void pipelinedOutOfOrder_data();
    void pipelinedOutOfOrder();
    void pipelineFlowControl();
    void chunkedBody();
    void randomSplits_data();
    void randomSplits();
    void http10Closes();
    void http10KeepAlive();
    void connectionClose();
    void oversizeHead_data();
    void oversizeHead();
    void oversizeBody_data();
    void oversizeBody();
    void malformed_data();
    void malformed();
    void headerTimeout_data();
    void headerTimeout();
    void keepAliveTimeout();
    void slowReader_data();
    void slowReader();
    void upgrade_data();
    void upgrade();
    void upgradeRefused();
    void upgradeWithoutHandler();
    void headHasNoBody();
    void droppedResponder();
    void handlerClosesConnection();
    void expectContinue();
    void respondAndCloseBeforeStart();
    void respondAfterConnectionGone();
};

void tst_HttpConnection::responseSerialization()
{
    HttpResponder::Slot::RequestInfo info;
    HttpResponse response(201, "{}", "application/json");
    response.setHeader("X-One", "1");
    response.setHeader("x-one", "2"); // replaces, case-insensitively
    response.setHeader("Bad", "a\r\nInjected: yes");
    bool closes = true;
    QByteArray wire = HttpConnection::serializeResponse(response, info, {}, &closes);
    QVERIFY(!closes);
    QVERIFY(wire.startsWith("HTTP/1.1 201 Created\r\n"));
    QVERIFY(wire.contains("\r\nContent-Type: application/json\r\n"));
    QVERIFY(wire.contains("\r\nX-One: 2\r\n"));
    QVERIFY(!wire.contains("Injected"));
    QVERIFY(wire.contains("\r\nContent-Length: 2\r\n"));
    QVERIFY(wire.contains("\r\nDate: "));
    QVERIFY(!wire.contains("Connection:"));
    QVERIFY(wire.endsWith("\r\n\r\n{}"));

    response.setHeader("Connection", "close");
    wire = HttpConnection::serializeResponse(response, info, "Made It", &closes);
    QVERIFY(closes);
    QVERIFY(wire.startsWith("HTTP/1.1 201 Made It\r\n"));
    QVERIFY(wire.contains("\r\nConnection: close\r\n"));

    info.head = true;
    HttpResponse head(200, "hello");
    wire = HttpConnection::serializeResponse(head, info);
    QVERIFY(wire.contains("\r\nContent-Length: 5\r\n"));
    QVERIFY(wire.endsWith("\r\n\r\n"));

    info.head = false;
    wire = HttpConnection::serializeResponse(HttpResponse(204), info);
    QVERIFY(!wire.contains("Content-Length"));
    QVERIFY(wire.endsWith("\r\n\r\n"));

    const HttpResponse error = HttpResponse::error(404, QStringLiteral("nothing at /x"));
    QCOMPARE(error.body(), QByteArray("404 Not Found: nothing at /x\n"));
    QCOMPARE(error.header("content-type"), QByteArray("text/plain; charset=utf-8"));
    QCOMPARE(HttpResponse::json("[]").header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(HttpResponse::reasonPhrase(431), QByteArray("Request Header Fields Too Large"));
    QCOMPARE(HttpResponse::reasonPhrase(499), QByteArray("Client Error"));
}

void tst_HttpConnection::simpleGet()
{
    Fixture f;
    QVERIFY(f.listening);
    HttpRequest seen;
    f.handler = [&](const HttpRequest &request, const HttpResponder &responder) {
        seen = request;
        responder.respond(HttpResponse(200, "hello " + request.url().path().toUtf8()));
    };
    Client c(f.port());
    QVERIFY(c.connected);
    c.write(get("/a%20b/c?x=1&y=two", "X-Test: Value\r\n"));
    const auto r = c.read();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->reason, QByteArray("OK"));
    QCOMPARE(r->body, QByteArray("hello /a b/c"));
    QCOMPARE(r->header("content-length"), QByteArray("12"));
    QCOMPARE(r->header("content-type"), QByteArray("text/plain; charset=utf-8"));
    QVERIFY(!r->hasHeader("connection"));
    QVERIFY(r->hasHeader("date"));

    QCOMPARE(seen.method(), QByteArray("GET"));
    QCOMPARE(seen.url().path(), QStringLiteral("/a b/c"));
    QCOMPARE(seen.url().query(), QStringLiteral("x=1&y=two"));
    QCOMPARE(seen.header("x-test"), QByteArray("Value"));
    QVERIFY(seen.hasHeader("HOST"));
    QVERIFY(!seen.hasHeader("X-Missing"));
    QCOMPARE(seen.httpMinorVersion(), 1);
    QVERIFY(seen.peerAddress().isLoopback());
    QVERIFY(seen.body().isEmpty());

    QTest::qWait(50);
    QCOMPARE(c.socket.state(), QAbstractSocket::ConnectedState);
    QCOMPARE(f.finishedCount, 0);
}

void tst_HttpConnection::postWithBody()
{
    Fixture f;
    HttpRequest seen;
    f.handler = [&](const HttpRequest &request, const HttpResponder &responder) {
        seen = request;
        responder.respond(HttpResponse::json("{\"got\":" + QByteArray::number(request.body().size()) + "}", 201));
    };
    Client c(f.port());
    const QByteArray body = "{\"name\":\"burrow\"}";
    c.write("POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    const auto r = c.read();
    QVERIFY(r);
    QCOMPARE(r->status, 201);
    QCOMPARE(r->header("content-type"), QByteArray("application/json"));
    QCOMPARE(r->body, "{\"got\":" + QByteArray::number(body.size()) + "}");
    QCOMPARE(seen.method(), QByteArray("POST"));
    QCOMPARE(seen.body(), body);
    QCOMPARE(seen.header("content-type"), QByteArray("application/json"));
}

void tst_HttpConnection::largeBody()
{
    Fixture f;
    f.limits.maxBodySize = 8 * 1024 * 1024;
    f.handler = [](const HttpRequest &request, const HttpResponder &responder) {
        responder.respond(HttpResponse(200, QByteArray::number(qChecksum(request.body())) + ' '
                                                + QByteArray::number(request.body().size())));
    };
    Client c(f.port());
    QByteArray body(3 * 1024 * 1024 + 17, Qt::Uninitialized);
    for (qsizetype i = 0; i < body.size(); ++i)
        body[i] = char(i * 7 + (i >> 9));
    c.write("PUT /blob HTTP/1.1\r\nHost: x\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    c.write(get("/after"));
    auto r = c.read(10000);
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->body, QByteArray::number(qChecksum(body)) + ' ' + QByteArray::number(body.size()));
    r = c.read();
    QVERIFY(r);
    QCOMPARE(r->body, QByteArray("0 0"));
}

void tst_HttpConnection::keepAliveSequential()
{
    Fixture f;
    f.handler = echo;
    Client c(f.port());
    for (int i = 1; i <= 3; ++i) {
        const QByteArray path = "/r" + QByteArray::number(i);
        c.write(get(path));
        const auto r = c.read();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(r->body, "GET " + path + ' ');
        QVERIFY(!r->hasHeader("connection"));
        QCOMPARE(c.socket.state(), QAbstractSocket::ConnectedState);
    }
    QCOMPARE(f.connections.size(), 1);
    QCOMPARE(f.connections.first()->requestCount(), quint64(3));
    QCOMPARE(f.finishedCount, 0);
}

void tst_HttpConnection::pipelinedOutOfOrder_data()
{
    QTest::addColumn<bool>("workerThreads");
    QTest::newRow("timers") << false;
    QTest::newRow("worker threads") << true;
}

void tst_HttpConnection::pipelinedOutOfOrder()
{
    QFETCH(bool, workerThreads);
    Fixture f;
    std::mutex mutex;
    QList<int> answerOrder;
    std::vector<std::thread> threads;
    std::atomic<int> respondedOffThread{0};
    const Qt::HANDLE mainThread = QThread::currentThreadId();
    f.handler = [&](const HttpRequest &request, const HttpResponder &responder) {
        QCOMPARE(QThread::currentThreadId(), mainThread);
        const int index = request.url().path().mid(1).toInt();
        const int delay = (4 - index) * 80; // the last request is answered first
        auto answer = [&, responder, index] {
            {
                std::lock_guard lock(mutex);
                answerOrder.append(index);
            }
            responder.respond(HttpResponse(200, "answer " + QByteArray::number(index)));
        };
        if (workerThreads) {
            threads.emplace_back([&, answer, delay] {
                std::this_thread::sleep_for(std::chrono::milliseconds(delay));
                if (QThread::currentThreadId() != mainThread)
                    ++respondedOffThread;
                answer();
            });
        } else {
            QTimer::singleShot(delay, answer);
        }
    };
    Client c(f.port());
    c.write(get("/1") + get("/2") + get("/3"));
    for (int i = 1; i <= 3; ++i) {
        const auto r = c.read();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(r->body, "answer " + QByteArray::number(i));
    }
    for (std::thread &t : threads)
        t.join();
    QCOMPARE(answerOrder, QList<int>({3, 2, 1}));
    QCOMPARE(f.requestsSeen, 3);
    if (workerThreads)
        QCOMPARE(respondedOffThread.load(), 3);
    QCOMPARE(c.socket.state(), QAbstractSocket::ConnectedState);
}

void tst_HttpConnection::pipelineFlowControl()
{
    // With 32 responses outstanding no further request is parsed; answering resumes parsing.
    Fixture f;
    QList<HttpResponder> held;
    QList<int> dispatched;
    f.handler = [&](const HttpRequest &request, const HttpResponder &responder) {
        dispatched.append(request.url().path().mid(1).toInt());
        held.append(responder);
    };
    Client c(f.port());
    QByteArray all;
    for (int i = 0; i < 40; ++i)
        all += get('/' + QByteArray::number(i));
    c.write(all);
    QTRY_COMPARE(held.size(), 32);
    QTest::qWait(100);
    QCOMPARE(held.size(), 32);
    for (int i = 0; i < 32; ++i)
        held.at(i).respond(HttpResponse(200, QByteArray::number(i)));
    QTRY_COMPARE(held.size(), 40);
    for (int i = 32; i < 40; ++i)
        held.at(i).respond(HttpResponse(200, QByteArray::number(i)));
    for (int i = 0; i < 40; ++i) {
        const auto r = c.read();
        QVERIFY(r);
        QCOMPARE(r->body, QByteArray::number(i));
        QCOMPARE(dispatched.at(i), i);
    }
}

void tst_HttpConnection::chunkedBody()
{
    Fixture f;
    f.handler = echo;
    Client c(f.port());
    c.write("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    QTest::qWait(50);
    c.write("7;ext=1\r\n, world\r\n");
    QTest::qWait(50);
    c.write("0\r\nX-Trailer: t\r\n\r\n" + get("/next"));
    auto r = c.read();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->body, QByteArray("POST /c hello, world"));
    r = c.read();
    QVERIFY(r);
    QCOMPARE(r->body, QByteArray("GET /next "));
}

void tst_HttpConnection::randomSplits_data()
{
    QTest::addColumn<quint32>("seed");
    for (quint32 seed = 1; seed <= 6; ++seed)
        QTest::addRow("seed %u", seed) << seed;
}

void tst_HttpConnection::randomSplits()
{
    // A mixed pipelined stream (GET, HEAD, Content-Length and chunked bodies, stray CRLFs between
    // requests), then an upgrade request, arriving in random pieces; handlers answer at random
    // times. Every response must come back in order, and the upgrade request's bytes must be the
    // socket's unread data at the hand-off.
    QFETCH(quint32, seed);
    QRandomGenerator random(seed);
    Fixture f;
    f.limits.maxHeaderSize = 4096;
    f.handler = [&random](const HttpRequest &request, const HttpResponder &responder) {
        const QByteArray answer = request.method() + ' ' + request.url().path().toUtf8() + ' '
                + QByteArray::number(request.body().size()) + ' ' + QByteArray::number(qChecksum(request.body()));
        const int delay = int(random.bounded(4)) * 10;
        if (delay == 0)
            responder.respond(HttpResponse(200, answer));
        else
            QTimer::singleShot(delay, [responder, answer] { responder.respond(HttpResponse(200, answer)); });
    };
    QByteArray taken;
    int upgrades = 0;
    f.upgrade = [&](HttpConnection *connection, const HttpRequest &head) {
        ++upgrades;
        QCOMPARE(head.url().path(), QStringLiteral("/ws"));
        QTcpSocket *socket = connection->takeSocket();
        taken = socket->readAll();
        socket->setParent(&f);
    };

    QByteArray stream;
    struct Expected { bool head; QByteArray body; };
    QList<Expected> expected;
    for (int i = 0; i < 40; ++i) {
        const QByteArray path = "/r" + QByteArray::number(i);
        QByteArray body(int(random.bounded(600)), Qt::Uninitialized);
        for (char &c : body)
            c = char(random.bounded(256));
        switch (random.bounded(4)) {
        case 0:
            stream += get(path, "X-Filler: " + QByteArray(int(random.bounded(300)), 'f') + "\r\n");
            expected.append({false, "GET " + path + " 0 0"});
            break;
        case 1:
            stream += "HEAD " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
            expected.append(Expected{true, QByteArray()});
            break;
        case 2:
            stream += "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + QByteArray::number(body.size())
                    + "\r\n\r\n" + body;
            expected.append({false, "POST " + path + ' ' + QByteArray::number(body.size()) + ' '
                                        + QByteArray::number(qChecksum(body))});
            break;
        default: {
            stream += "PUT " + path + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
            for (qsizetype at = 0; at < body.size();) {
                const qsizetype n = std::min<qsizetype>(body.size() - at, 1 + random.bounded(200));
                stream += QByteArray::number(n, 16) + "\r\n" + body.mid(at, n) + "\r\n";
                at += n;
            }
            stream += "0\r\n\r\n";
            expected.append({false, "PUT " + path + ' ' + QByteArray::number(body.size()) + ' '
                                        + QByteArray::number(qChecksum(body))});
            break;
        }
        }
        if (random.bounded(5) == 0)
            stream += "\r\n"; // tolerated between requests
    }
    const QByteArray upgradeRequest = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    if (seed % 2)
        stream += "\r\n\r\n"; // stray CRLFs right before the upgrade request
    stream += upgradeRequest;

    Client c(f.port());
    for (qsizetype at = 0; at < stream.size();) {
        const qsizetype n = std::min<qsizetype>(stream.size() - at, 1 + random.bounded(random.bounded(2) ? 40 : 700));
        c.write(stream.mid(at, n));
        at += n;
        if (random.bounded(3) == 0)
            QTest::qWait(1);
    }
    for (const Expected &e : expected) {
        const auto r = c.read(5000, !e.head);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        if (!e.head)
            QCOMPARE(r->body, e.body);
    }
    QTRY_COMPARE(upgrades, 1);
    // Whatever the stray CRLF before it, the hand-off starts at the request line.
    if (taken.startsWith("\r\n"))
        QFAIL("stray CRLF left before the upgrade request");
    QCOMPARE(taken, upgradeRequest);
    QCOMPARE(f.requestsSeen, int(expected.size()));
}

void tst_HttpConnection::http10Closes()
{
    Fixture f;
    HttpRequest seen;
    f.handler = [&](const HttpRequest &request, const HttpResponder &responder) {
        seen = request;
        echo(request, responder);
    };
    Client c(f.port());
    c.write("GET /old HTTP/1.0\r\n\r\n");
    const auto r = c.read();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->header("connection"), QByteArray("close"));
    QCOMPARE(r->header("content-length"), QByteArray("9"));
    QCOMPARE(seen.httpMinorVersion(), 0);
    QVERIFY(c.waitForClosed());
    QTRY_COMPARE(f.finishedCount, 1);
}

void tst_HttpConnection::http10KeepAlive()
{
    Fixture f;
    f.handler = echo;
    Client c(f.port());
    for (int i = 0; i < 2; ++i) {
        c.write("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        const auto r = c.read();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(r->header("connection"), QByteArray("keep-alive"));
    }
    QCOMPARE(c.socket.state(), QAbstractSocket::ConnectedState);
}

void tst_HttpConnection::connectionClose()
{
    Fixture f;
    f.handler = echo;
    Client c(f.port());
    // The request after the closing one is never answered.
    c.write(get("/1", "Connection: close\r\n") + get("/2"));
    const auto r = c.read();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->body, QByteArray("GET /1 "));
    QCOMPARE(r->header("connection"), QByteArray("close"));
    QVERIFY(c.waitForClosed());
    QVERIFY(c.buffer.isEmpty());
    QCOMPARE(f.requestsSeen, 1);
    QTRY_COMPARE(f.finishedCount, 1);
}

void tst_HttpConnection::oversizeHead_data()
{
    QTest::addColumn<bool>("trickle");
    QTest::addColumn<bool>("longUrl");
    QTest::newRow("one write") << false << false;
    QTest::newRow("trickled") << true << false;
    QTest::newRow("long url") << false << true;
}

void tst_HttpConnection::oversizeHead()
{
    QFETCH(bool, trickle);
    QFETCH(bool, longUrl);
    Fixture f;
    f.limits.maxHeaderSize = 1024;
    f.handler = echo;
    Client c(f.port());
    // A first, small request is answered normally.
    c.write(get("/small"));
    auto r = c.read();
    QVERIFY(r);
    QCOMPARE(r->status, 200);

    const QByteArray request = longUrl ? get('/' + QByteArray(3000, 'u'))
                                       : get("/big", "X-Big: " + QByteArray(3000, 'a') + "\r\n");
    if (trickle) {
        for (qsizetype i = 0; i < request.size() && c.socket.state() == QAbstractSocket::ConnectedState; i += 200) {
            c.write(request.mid(i, 200));
            QTest::qWait(5);
        }
    } else {
        c.write(request);
    }
    r = c.read();
    QVERIFY(r);
    QCOMPARE(r->status, 431);
    QCOMPARE(r->header("connection"), QByteArray("close"));
    QVERIFY(r->body.contains("1024"));
    QVERIFY(c.waitForClosed());
    QCOMPARE(f.requestsSeen, 1);
}

void tst_HttpConnection::oversizeBody_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::newRow("content-length")
            << QByteArray("POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
    QTest::newRow("content-length with expect")
            << QByteArray("POST /u HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 100000\r\n\r\n");
    QTest::newRow("chunk header")
            << QByteArray("POST /u HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n");
    QTest::newRow("accumulated chunks")
            << QByteArray("POST /u HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "200\r\n" + QByteArray(512, 'a') + "\r\n200\r\n" + QByteArray(512, 'b') + "\r\n"
                          "200\r\n" + QByteArray(512, 'c') + "\r\n");
}

void tst_HttpConnection::oversizeBody()
{
    // Only the head (or a part of the body) is sent: the refusal must not wait for the body.
    QFETCH(QByteArray, head);
    Fixture f;
    f.limits.maxBodySize = 1000;
    f.handler = echo;
    Client c(f.port());
    c.write(head);
    const auto r = c.read();
    QVERIFY(r);
    QCOMPARE(r->status, 413);
    QCOMPARE(r->header("connection"), QByteArray("close"));
    QVERIFY(r->body.contains("1000"));
    QVERIFY(c.waitForClosed());
    QCOMPARE(f.requestsSeen, 0);
    QVERIFY(c.buffer.isEmpty()); // no "100 Continue" either
}

void tst_HttpConnection::malformed_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("description");
    QTest::newRow("tls to a plain port") << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n")
                                         << QByteArray("invalid HTTP method");
    QTest::newRow("bad header") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
                                << QByteArray("invalid character in header");
    QTest::newRow("bad content-length") << QByteArray("POST / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n")
                                        << QByteArray("invalid character in content-length header");
    QTest::newRow("bad chunk size") << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
                                    << QByteArray("invalid character in chunk size header");
}

void tst_HttpConnection::malformed()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, description);
    Fixture f;
    f.handler = echo;
    Client c(f.port());
    c.write(request);
    const auto r = c.read();
    QVERIFY(r);
    QCOMPARE(r->status, 400);
    QCOMPARE(r->header("connection"), QByteArray("close"));
    QVERIFY2(r->body.contains(description), r->body.constData());
    QVERIFY(c.waitForClosed());
    QCOMPARE(f.requestsSeen, 0);
}

void tst_HttpConnection::headerTimeout_data()
{
    QTest::addColumn<QByteArray>("partial");
    QTest::addColumn<bool>("afterRequest");
    QTest::newRow("silent peer") << QByteArray() << false;
    QTest::newRow("half a head") << QByteArray("GET /slow HTTP/1.1\r\nHost: x\r\n") << false;
    QTest::newRow("half a second head") << QByteArray("GET /slow HTTP/1.1\r\nHo") << true;
    QTest::newRow("stalled body") << QByteArray("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc") << false;
}

void tst_HttpConnection::headerTimeout()
{
    QFETCH(QByteArray, partial);
    QFETCH(bool, afterRequest);
    Fixture f;
    f.limits.headerTimeout = 300;
    f.limits.keepAliveTimeout = 10000;
    f.handler = echo;
    Client c(f.port());
    if (afterRequest) {
        c.write(get("/first"));
        QVERIFY(c.read());
    }
    QElapsedTimer elapsed;
    elapsed.start();
    if (!partial.isEmpty())
        c.write(partial);
    QVERIFY(c.waitForClosed(5000));
    QVERIFY2(elapsed.elapsed() >= 250, QByteArray::number(elapsed.elapsed()).constData());
    if (partial.isEmpty()) {
        QVERIFY(c.buffer.isEmpty()); // nothing arrived: closed without a response
    } else {
        const auto r = c.read(100);
        QVERIFY(r);
        QCOMPARE(r->status, 408);
        QCOMPARE(r->header("connection"), QByteArray("close"));
    }
    QCOMPARE(f.requestsSeen, afterRequest ? 1 : 0);
    QTRY_COMPARE(f.finishedCount, 1);
}

void tst_HttpConnection::keepAliveTimeout()
{
    Fixture f;
    f.limits.keepAliveTimeout = 300;
    f.limits.headerTimeout = 10000;
    f.handler = echo;
    Client c(f.port());
    c.write(get("/1"));
    QVERIFY(c.read());
    // Activity restarts the idle timer.
    QTest::qWait(200);
    c.write(get("/2"));
    QVERIFY(c.read());
    QElapsedTimer elapsed;
    elapsed.start();
    QVERIFY(c.waitForClosed(5000));
    QVERIFY2(elapsed.elapsed() >= 250, QByteArray::number(elapsed.elapsed()).constData());
    QVERIFY(c.buffer.isEmpty());
    QTRY_COMPARE(f.finishedCount, 1);
}

void tst_HttpConnection::slowReader_data()
{
    QTest::addColumn<bool>("close");
    QTest::newRow("keep-alive") << false;
    QTest::newRow("connection close") << true;
}

void tst_HttpConnection::slowReader()
{
    // A long response read slowly outlasts the idle and close timeouts: they must count stalls,
    // not the transfer.
    QFETCH(bool, close);
    Fixture f;
    // The socket reports progress in bursts (as kernel buffers drain), so the timeouts stay well
    // above the burst interval while the whole transfer lasts several of them.
    f.limits.keepAliveTimeout = 600;
    f.limits.closeTimeout = 600;
    const QByteArray big(14 * 1024 * 1024, 'z');
    f.handler = [&](const HttpRequest &, const HttpResponder &responder) {
        responder.respond(HttpResponse(200, big));
    };
    Client c(f.port());
    c.socket.setReadBufferSize(64 * 1024);
    c.write(get("/big", close ? "Connection: close\r\n" : ""));
    QByteArray received;
    QElapsedTimer elapsed;
    elapsed.start();
    qsizetype expected = -1;
    while (elapsed.elapsed() < 30000) {
        QTest::qWait(8);
        received += c.socket.read(64 * 1024);
        if (expected < 0) {
            const qsizetype end = received.indexOf("\r\n\r\n");
            if (end >= 0)
                expected = end + 4 + big.size();
        }
        if (expected >= 0 && received.size() >= expected)
            break;
        if (c.socket.state() != QAbstractSocket::ConnectedState && c.socket.bytesAvailable() == 0)
            break;
    }
    QVERIFY2(elapsed.elapsed() > 1300, "the transfer was too fast to test anything");
    QCOMPARE(received.size(), expected);
    QVERIFY(received.endsWith(big.right(100)));
    if (close)
        QVERIFY(c.waitForClosed());
}

void tst_HttpConnection::upgrade_data()
{
    QTest::addColumn<bool>("split");
    QTest::addColumn<QByteArray>("after"); // bytes the client sends after the upgrade request
    QTest::newRow("one write") << false << QByteArray();
    QTest::newRow("split head") << true << QByteArray();
    QTest::newRow("early frame") << false << QByteArray("\x81\x85\x01\x02\x03\x04hello", 11);
}

void tst_HttpConnection::upgrade()
{
    QFETCH(bool, split);
    QFETCH(QByteArray, after);
    Fixture f;
    int answered = 0;
    f.handler = [&](const HttpRequest &request, const HttpResponder &responder) {
        // Answered late: the upgrade must wait for this response.
        QTimer::singleShot(150, [&answered, request, responder] {
            ++answered;
            echo(request, responder);
        });
    };
    HttpRequest head;
    QByteArray taken;
    int answeredAtUpgrade = -1;
    int upgrades = 0;
    QPointer<HttpConnection> upgraded;
    f.upgrade = [&](HttpConnection *connection, const HttpRequest &h) {
        ++upgrades;
        head = h;
        answeredAtUpgrade = answered;
        upgraded = connection;
        QTcpSocket *socket = connection->takeSocket();
        QVERIFY(socket);
        QCOMPARE(socket->parent(), nullptr);
        QVERIFY(!connection->socket());
        QVERIFY(!connection->takeSocket());
        taken = socket->readAll();
        socket->write("HTTP/1.1 101 Switching Protocols\r\n\r\n");
        socket->setParent(&f); // the new owner (deleting it at once would drop the unsent response)
    };
    const QByteArray upgradeRequest = "GET /ws?token=1 HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                                      "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: burrow-json.v1\r\n\r\n";
    Client c(f.port());
    if (split) {
        c.write(get("/a") + upgradeRequest.left(40));
        QTest::qWait(50);
        c.write(upgradeRequest.mid(40));
    } else {
        c.write(get("/a") + upgradeRequest + after);
    }
    const auto r = c.read();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->body, QByteArray("GET /a "));
    QTRY_COMPARE(upgrades, 1);
    QCOMPARE(answeredAtUpgrade, 1);
    QCOMPARE(taken, upgradeRequest + after);
    QCOMPARE(head.method(), QByteArray("GET"));
    QCOMPARE(head.url().path(), QStringLiteral("/ws"));
    QCOMPARE(head.url().query(), QStringLiteral("token=1"));
    QCOMPARE(head.header("sec-websocket-key"), QByteArray("dGhlIHNhbXBsZSBub25jZQ=="));
    QCOMPARE(head.header("upgrade"), QByteArray("websocket"));
    QVERIFY(head.peerAddress().isLoopback());
    QVERIFY(head.body().isEmpty());
    QCOMPARE(f.requestsSeen, 1);
    // What the new owner writes reaches the client after the earlier response.
    QTRY_VERIFY(c.buffer.contains("101 Switching Protocols") || c.socket.peek(64).contains("101"));
    QTRY_COMPARE(f.finishedCount, 1);
    QTRY_VERIFY(!upgraded);
}

void tst_HttpConnection::upgradeRefused()
{
    Fixture f;
    f.handler = echo;
    f.upgrade = [](HttpConnection *connection, const HttpRequest &) {
        connection->respondAndClose(HttpResponse::error(503, QStringLiteral("at capacity")), "Server Busy");
    };
    Client c(f.port());
    c.write(get("/ws", "Upgrade: websocket\r\nConnection: Upgrade\r\n"));
    const auto r = c.read();
    QVERIFY(r);
    QCOMPARE(r->status, 503);
    QCOMPARE(r->reason, QByteArray("Server Busy"));
    QCOMPARE(r->header("connection"), QByteArray("close"));
    QVERIFY(r->body.contains("at capacity"));
    QVERIFY(c.waitForClosed());
    QTRY_COMPARE(f.finishedCount, 1);
}

void tst_HttpConnection::upgradeWithoutHandler()
{
    // Without an upgrade handler (or for other protocols) an upgrade request is a plain request.
    Fixture f;
    f.handler = [](const HttpRequest &request, const HttpResponder &responder) {
        responder.respond(HttpResponse::error(426, QString::fromLatin1(request.header("upgrade"))));
    };
    Client c(f.port());
    c.write(get("/ws", "Upgrade: websocket\r\nConnection: Upgrade\r\n") + get("/next"));
    for (int i = 0; i < 2; ++i) {
        const auto r = c.read();
        QVERIFY(r);
        QCOMPARE(r->status, 426);
    }

    Fixture g;
    int upgrades = 0;
    g.handler = echo;
    g.upgrade = [&](HttpConnection *, const HttpRequest &) { ++upgrades; };
    Client d(g.port());
    d.write(get("/h2", "Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n"));
    const auto r = d.read();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(upgrades, 0);
}

void tst_HttpConnection::headHasNoBody()
{
    Fixture f;
    f.handler = [](const HttpRequest &request, const HttpResponder &responder) {
        responder.respond(HttpResponse(200, "hello " + request.method()));
    };
    Client c(f.port());
    c.write("HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n" + get("/x"));
    auto r = c.read(5000, false);
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->header("content-length"), QByteArray("10")); // the length a GET would have
    QVERIFY(r->body.isEmpty());
    // The next response starts right after the head: no body bytes were written.
    r = c.read();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->body, QByteArray("hello GET"));
    QVERIFY(c.buffer.isEmpty());
}

void tst_HttpConnection::droppedResponder()
{
    Fixture f;
    std::optional<HttpResponder> kept;
    f.handler = [&](const HttpRequest &request, const HttpResponder &responder) {
        if (request.url().path() == QLatin1String("/later"))
            kept = responder; // dropped below, from the event loop
    };
    Client c(f.port());
    c.write(get("/drop"));
    auto r = c.read();
    QVERIFY(r);
    QCOMPARE(r->status, 500);
    QVERIFY(r->body.contains("without answering"));
    QCOMPARE(c.socket.state(), QAbstractSocket::ConnectedState);

    c.write(get("/later"));
    QTRY_VERIFY(kept.has_value());
    QTest::qWait(50);
    QVERIFY(c.socket.bytesAvailable() == 0 && c.buffer.isEmpty());
    std::thread([&] { kept.reset(); }).join(); // the last copy dies in another thread
    r = c.read();
    QVERIFY(r);
    QCOMPARE(r->status, 500);
    // One-shot: answering through another copy after the first answer does nothing.
    HttpResponder late;
    f.handler = [&](const HttpRequest &, const HttpResponder &responder) {
        responder.respond(HttpResponse(200, "first"));
        responder.respond(HttpResponse(200, "second"));
        late = responder;
    };
    c.write(get("/twice"));
    r = c.read();
    QVERIFY(r);
    QCOMPARE(r->body, QByteArray("first"));
    late.respond(HttpResponse(200, "third"));
    QTest::qWait(50);
    QVERIFY(c.socket.bytesAvailable() == 0 && c.buffer.isEmpty());
}

void tst_HttpConnection::handlerClosesConnection()
{
    Fixture f;
    f.handler = [](const HttpRequest &, const HttpResponder &responder) {
        HttpResponse response(200, "bye");
        response.setHeader("Connection", "close");
        responder.respond(response);
    };
    Client c(f.port());
    c.write(get("/1") + get("/2"));
    const auto r = c.read();
    QVERIFY(r);
    QCOMPARE(r->body, QByteArray("bye"));
    QCOMPARE(r->header("connection"), QByteArray("close"));
    QVERIFY(c.waitForClosed());
    QVERIFY(c.buffer.isEmpty());
}

void tst_HttpConnection::expectContinue()
{
    Fixture f;
    f.handler = echo;
    Client c(f.port());
    c.write("PUT /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    auto r = c.read();
    QVERIFY(r);
    QCOMPARE(r->status, 100);
    QCOMPARE(r->reason, QByteArray("Continue"));
    QVERIFY(c.buffer.isEmpty());
    QCOMPARE(f.requestsSeen, 0);
    c.write("hello");
    r = c.read();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->body, QByteArray("PUT /up hello"));

    // Behind an unanswered request, the 100 waits for that request's response.
    HttpResponder held;
    f.handler = [&](const HttpRequest &request, const HttpResponder &responder) {
        if (request.url().path() == QLatin1String("/slow"))
            held = responder;
        else
            echo(request, responder);
    };
    c.write(get("/slow") + "PUT /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    QTRY_VERIFY(held.isValid());
    QTest::qWait(50);
    QVERIFY(c.socket.bytesAvailable() == 0 && c.buffer.isEmpty());
    held.respond(HttpResponse(200, "slow"));
    r = c.read();
    QVERIFY(r);
    QCOMPARE(r->body, QByteArray("slow"));
    r = c.read();
    QVERIFY(r);
    QCOMPARE(r->status, 100);
    c.write("ok");
    r = c.read();
    QVERIFY(r);
    QCOMPARE(r->body, QByteArray("PUT /up ok"));
}

void tst_HttpConnection::respondAndCloseBeforeStart()
{
    // The server at capacity: 503 without reading the request.
    Fixture f;
    f.handler = echo;
    f.onAccept = [](HttpConnection *connection) {
        connection->respondAndClose(HttpResponse::error(503, QStringLiteral("too many connections")));
        return false;
    };
    Client c(f.port());
    c.write(get("/x"));
    const auto r = c.read();
    QVERIFY(r);
    QCOMPARE(r->status, 503);
    QCOMPARE(r->header("connection"), QByteArray("close"));
    QVERIFY(c.waitForClosed());
    QCOMPARE(f.requestsSeen, 0);
    QTRY_COMPARE(f.finishedCount, 1);
}

void tst_HttpConnection::respondAfterConnectionGone()
{
    Fixture f;
    std::optional<HttpResponder> kept;
    f.handler = [&](const HttpRequest &, const HttpResponder &responder) { kept = responder; };
    {
        Client c(f.port());
        c.write(get("/x"));
        QTRY_VERIFY(kept.has_value());
        c.socket.abort();
    }
    QTRY_COMPARE(f.finishedCount, 1);
    QTRY_VERIFY(f.connections.first().isNull());
    std::thread([&] {
        kept->respond(HttpResponse(200, "too late"));
        kept.reset();
    }).join();
    QTest::qWait(20);
}

QTEST_MAIN(tst_HttpConnection)
#include "tst_httpconnection.moc"
