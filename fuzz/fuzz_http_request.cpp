// fuzz_http_request: the bytes a TCP peer sends to the server's one port, as HttpConnection
// (libs/transport/src/httpconnection.cpp, on http_parser) reads them: request heads, pipelined
// requests, Content-Length and chunked bodies, Expect: 100-continue, WebSocket upgrades, limits.
//
// Input: one options byte, then the byte stream. Options:
//   bit 0  answer requests later (after the bytes fed so far were parsed), in reverse order, and
//          drop every fifth responder unanswered (500); else each is answered at once
//   bit 1  small limits: 256-byte heads, 1 KiB bodies
//   bit 2  set an upgrade handler (WebSocket upgrades stop the parser)
//   bit 3  the upgrade handler refuses (respondAndClose) instead of taking the socket
//   bit 4  the peer half-closes its side after sending everything
//   bits 5-7  the stream arrives in chunks of 1, 3, 16, 61, 256, 1024 bytes or all at once (0, 7);
//             at least 1/64 of the stream each, so that an input costs at most ~64 rounds
//
// Each input gets a fresh connected socket pair (AF_UNIX socketpair(), wrapped in a QTcpSocket
// with setSocketDescriptor()) and a fresh HttpConnection, driven synchronously: write a chunk
// to the peer end, waitForReadyRead(0) (which parses), answer, flush, read what came back.
// Paths under /rpc/ go through serveHttpRpc() (RPC over HTTP) with a handler that echoes the
// arguments. Checks (differential, __builtin_trap on failure): the output parses (with an
// independent parser) as HTTP/1.1 responses in request order (every answer carries X-Seq: <n>,
// n in dispatch order), one per dispatched request when answers are immediate and the peer does
// not half-close, at most one refusal after them, nothing after Connection: close; a handed-off
// upgrade socket's unread data starts exactly at the upgrade request's method; bodies never
// exceed the limit; requestCount() matches the handler calls.
// See docs/RELIABILITY-fuzzing.md.

#include "fuzzcommon.h"

#include "httpconnection_p.h"
#include "httprpc_p.h"

#include <Burrow/connection.h>

#include <QtCore/QCborArray>
#include <QtCore/QCoreApplication>
#include <QtNetwork/QTcpSocket>

#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

using namespace Burrow;
using BurrowFuzz::fail;

namespace {

struct Deferred
{
    quint64 sequence;
    HttpResponder responder;
};

void drain(int fd, QByteArray &output)
{
    char buffer[16384];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
            if (output.size() < 4 * 1024 * 1024)
                output.append(buffer, n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return; // EAGAIN, EOF or error
    }
}

HttpResponse answerFor(quint64 sequence, const HttpRequest &request)
{
    HttpResponse response(200, "r" + QByteArray::number(sequence));
    response.setHeader("X-Seq", QByteArray::number(sequence));
    // Exercise header serialisation with something derived from the request (CR/LF dropped).
    const QByteArray echo = request.header("x-echo");
    if (!echo.isEmpty())
        response.setHeader("X-Echo", echo);
    if (request.hasHeader("x-close"))
        response.setHeader("Connection", "close");
    return response;
}

// Parses what the connection wrote as HTTP/1.1 responses (independently of http_parser) and
// checks them against the requests dispatched: heads[k] says whether request k was a HEAD.
// Final responses k < heads.size() answer request k (X-Seq, when present, must be k); at most
// one more may follow (a refusal: 4xx/5xx with Connection: close); nothing may follow a
// response with Connection: close. With expectAll, every dispatched request must be answered.
void checkOutput(const QByteArray &output, const std::vector<bool> &heads, bool expectAll)
{
    qsizetype at = 0;
    size_t finals = 0;
    bool closed = false;
    auto show = [&] { return output.left(6000); };
    while (at < output.size()) {
        if (closed)
            fail("bytes after a response with Connection: close", show());
        const qsizetype headEnd = output.indexOf("\r\n\r\n", at);
        if (headEnd < 0)
            fail("incomplete response head", show());
        const QList<QByteArray> lines = output.mid(at, headEnd - at).split('\n');
        const QByteArray statusLine = lines.first();
        if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.size() < 13 || statusLine.at(12) != ' ')
            fail("not an HTTP/1.1 status line", show());
        bool ok = false;
        const int status = statusLine.mid(9, 3).toInt(&ok);
        if (!ok || status < 100 || status > 599)
            fail("bad status code", show());
        qint64 contentLength = -1;
        qint64 sequence = -1;
        bool close = false;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            QByteArray line = lines.at(i);
            if (!line.endsWith('\r') && i + 1 < lines.size())
                fail("header line without CR", show());
            line.chop(line.endsWith('\r') ? 1 : 0);
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0)
                fail("header line without a name", show());
            const QByteArray name = line.left(colon).toLower();
            const QByteArray value = line.mid(colon + 1).trimmed();
            if (name == "content-length") {
                if (contentLength >= 0)
                    fail("two Content-Length headers", show());
                contentLength = value.toLongLong(&ok);
                if (!ok || contentLength < 0)
                    fail("bad Content-Length", show());
            } else if (name == "x-seq") {
                sequence = value.toLongLong(&ok);
            } else if (name == "connection" && value == "close") {
                close = true;
            }
        }
        at = headEnd + 4;
        if (status == 100)
            continue; // interim: no headers, no body, not counted
        const bool forRequest = finals < heads.size();
        if (forRequest && sequence >= 0 && sequence != qint64(finals))
            fail("response out of request order", show());
        if (!forRequest && (finals > heads.size() || status < 400 || !close))
            fail("a response for no request (only one final refusal with Connection: close may follow)", show());
        const bool bodyless = status == 204 || status == 304 || (forRequest && heads[finals]);
        if (contentLength < 0 && status != 204 && status != 304)
            fail("response without Content-Length", show());
        if (!bodyless) {
            if (at + contentLength > output.size())
                fail("response body cut short", show());
            at += contentLength;
        }
        ++finals;
        closed = close;
    }
    if (expectAll && finals < heads.size())
        fail("a dispatched request got no response", show());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    BurrowFuzz::ensureApplication();
    if (size < 1)
        return 0;
    const quint8 options = data[0];
    const bool deferAnswers = options & 0x01;
    const bool smallLimits = options & 0x02;
    const bool upgrades = options & 0x04;
    const bool refuseUpgrades = options & 0x08;
    const bool halfClose = options & 0x10;
    static const qsizetype chunkSizes[8] = {0, 1, 3, 16, 61, 256, 1024, 0};
    qsizetype chunk = chunkSizes[options >> 5];
    const char *stream = reinterpret_cast<const char *>(data + 1);
    const qsizetype streamSize = qsizetype(size - 1);
    if (chunk == 0)
        chunk = std::max<qsizetype>(streamSize, 1);
    chunk = std::max(chunk, streamSize / 64); // at most ~64 rounds of syscalls per input

    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        fail("socketpair() failed");
    const int peer = fds[1];
    ::fcntl(peer, F_SETFL, ::fcntl(peer, F_GETFL) | O_NONBLOCK);

    auto *socket = new QTcpSocket;
    if (!socket->setSocketDescriptor(fds[0]))
        fail("QTcpSocket::setSocketDescriptor() refused an AF_UNIX socket");

    HttpConnection::Limits limits;
    if (smallLimits) {
        limits.maxHeaderSize = 256;
        limits.maxBodySize = 1024;
    }
    auto *connection = new HttpConnection(socket, limits);

    std::vector<Deferred> deferred;
    HttpResponder lastResponder; // outlives the connection: must then be harmless
    std::vector<bool> heads;     // per dispatched request: was it HEAD
    quint64 dispatched = 0;
    QTcpSocket *taken = nullptr;
    bool upgradeSeen = false;
    QByteArray upgradeMethod;
    bool refuseLater = false;

    const MessageHandler rpcHandler = [](const Message &message, const Responder &responder) {
        if (message.type() != Message::Type::Request || message.target().isEmpty() || message.method().isEmpty())
            fail("serveHttpRpc() passed on an invalid request");
        if (message.method() == QLatin1String("fail"))
            responder.sendError(ErrorCode::NotFound, message.target());
        else
            responder.sendAnswer(message.arguments());
    };

    connection->setRequestHandler([&](const HttpRequest &request, const HttpResponder &responder) {
        if (request.method().isEmpty())
            fail("request without a method");
        if (request.body().size() > limits.maxBodySize)
            fail("request body over maxBodySize reached the handler");
        const quint64 sequence = dispatched++;
        heads.push_back(request.method() == "HEAD");
        lastResponder = responder;
        const QString path = request.url().path();
        if (path.startsWith(QLatin1String("/rpc/"))) {
            serveHttpRpc(QStringLiteral("/rpc"), rpcHandler, request, responder);
            return;
        }
        if (deferAnswers)
            deferred.push_back({sequence, responder});
        else
            responder.respond(answerFor(sequence, request));
    });
    if (upgrades) {
        connection->setUpgradeHandler([&](const HttpRequest &head) {
            if (upgradeSeen)
                fail("upgrade handler called twice");
            upgradeSeen = true;
            upgradeMethod = head.method();
            if (refuseUpgrades) {
                if (deferAnswers)
                    refuseLater = true;
                else
                    connection->respondAndClose(HttpResponse::error(400, QStringLiteral("refused")), "Refused Here");
                return;
            }
            taken = connection->takeSocket();
            if (!taken)
                fail("takeSocket() returned nullptr in the upgrade handler");
            // The unread data must start exactly at the upgrade request line.
            const QByteArray unread = taken->peek(upgradeMethod.size() + 1);
            if (unread != upgradeMethod + ' ')
                fail("upgrade socket's unread data does not start at the request line",
                     unread.toHex() + " vs " + upgradeMethod);
        });
    }

    QByteArray output;
    connection->start();
    qsizetype fed = 0;
    bool peerClosed = false;
    int stalled = 0;
    for (int round = 0; round < 100000; ++round) {
        bool progress = false;
        if (fed < streamSize) {
            // send(MSG_NOSIGNAL): the connection may have closed its end (no SIGPIPE then).
            const ssize_t n = ::send(peer, stream + fed, size_t(std::min(chunk, streamSize - fed)), MSG_NOSIGNAL);
            if (n > 0) {
                fed += n;
                progress = true;
            } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                fed = streamSize; // closed: nothing more can be sent
            }
        } else if (halfClose && !peerClosed) {
            ::shutdown(peer, SHUT_WR);
            peerClosed = true;
            progress = true;
        }
        QTcpSocket *s = connection->socket();
        if (s && s->state() == QAbstractSocket::ConnectedState) {
            const qint64 before = s->bytesAvailable();
            if (s->waitForReadyRead(0) || s->bytesAvailable() != before)
                progress = true;
        }
        if (!deferred.empty()) {
            std::vector<Deferred> now;
            now.swap(deferred);
            for (auto it = now.rbegin(); it != now.rend(); ++it) {
                if (it->sequence % 5 != 4) // every fifth: dropped unanswered (500)
                    it->responder.respond(answerFor(it->sequence, HttpRequest()));
            }
            now.clear();
            progress = true;
        }
        if (refuseLater) {
            refuseLater = false;
            connection->respondAndClose(HttpResponse::error(400, QStringLiteral("refused later")));
            progress = true;
        }
        s = connection->socket();
        if (s && s->bytesToWrite() > 0) {
            s->flush();
            progress = true;
            drain(peer, output); // (only then: a read() per round would double the cost)
        }
        stalled = progress ? 0 : stalled + 1;
        // Done when everything was sent and nothing moves; or when nothing moves for a while
        // although bytes are left (the socket was handed off or nobody reads it any more).
        if ((!progress && fed >= streamSize) || stalled > 3)
            break;
    }
    QCoreApplication::sendPostedEvents();
    drain(peer, output);

    if (connection->requestCount() != dispatched)
        fail("requestCount() does not match the requests dispatched");
    // Every request is answered, unless answers were late (the connection may then abort a peer
    // that keeps sending) or the peer half-closed (Qt closes the socket at once then).
    checkOutput(output, heads, !deferAnswers && !halfClose);

    deferred.clear();
    delete connection;
    lastResponder = HttpResponder();
    delete taken;
    ::close(peer);
    QCoreApplication::sendPostedEvents();
    return 0;
}
