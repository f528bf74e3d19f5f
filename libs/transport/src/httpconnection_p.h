#pragma once

#include <Burrow/http.h>
#include <Burrow/transportglobal.h>

#include <QtCore/QMutex>
#include <QtCore/QObject>

#include <atomic>
#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace Burrow {

class HttpConnection;
class HttpConnectionPrivate;

// What an HttpConnection shares with the responders of its requests: the connection pointer,
// cleared under the mutex when the connection is destroyed, so that a responder in another
// thread never posts to a dead object.
struct HttpConnectionLink
{
    QMutex mutex;
    HttpConnection *connection = nullptr;
};

// The shared state behind an HttpResponder: one request of one HttpConnection.
// respond() is thread-safe and one-shot (later calls are ignored). It serialises the response
// in the calling thread, then hands the bytes to the connection: directly when called in the
// connection's thread, else posted to it. Destroyed unanswered, it answers 500.
class BURROW_TRANSPORT_EXPORT HttpResponder::Slot
{
public:
    struct RequestInfo
    {
        bool head = false;            // HEAD request: no body is written
        bool close = false;           // the connection closes after this response
        bool http10KeepAlive = false; // HTTP/1.0 keep-alive: answer with "Connection: keep-alive"
    };

    Slot(std::shared_ptr<HttpConnectionLink> link, quint64 sequence, const RequestInfo &info);
    ~Slot();
    Slot(const Slot &) = delete;
    Slot &operator=(const Slot &) = delete;

    void respond(const HttpResponse &response);
    bool isAnswered() const { return m_answered.load(std::memory_order_acquire); }
    quint64 sequence() const { return m_sequence; }

private:
    const std::shared_ptr<HttpConnectionLink> m_link;
    const quint64 m_sequence;
    const RequestInfo m_info;
    std::atomic<bool> m_answered{false};
};

// The HTTP/1.1 side of one accepted TCP connection (a QTcpSocket, or a QSslSocket that is
// already encrypting: only the QTcpSocket API is used). Lives in the socket's thread.
//
// Parses requests with http_parser and hands each complete one to the request handler, with an
// HttpResponder that may answer from any thread, in any order: responses are written in request
// order (pipelining), one write per response, always with Content-Length (except 1xx, 204 and
// 304, which carry no body), and with "Connection: close" when the connection closes after it.
//
// Input is read with peek() and consumed only past what has been fully parsed, so the socket's
// unread data never starts inside a request head. When a request carries "Upgrade: websocket"
// and "Connection: upgrade" (and an upgrade handler is set), parsing stops at its head; once every
// earlier response has been written, the upgrade handler gets the head (method, url, headers,
// peer) and the socket's unread data starts exactly at the upgrade request's first byte. The
// handler then calls takeSocket() (and gives the socket to QWebSocketServer::handleConnection())
// or respondAndClose() to refuse. Without an upgrade handler such requests are ordinary requests.
//
// Limits (each error response has a plain-text body saying why, then the connection closes):
// a request head over maxHeaderSize: 431; a body over maxBodySize (declared Content-Length, at
// once and without reading it, or accumulated chunks): 413; a malformed request: 400 with
// http_parser's description; a head (counted from the accept for the first request, from its
// first byte for later ones) not complete within headerTimeout: 408 if any of it arrived, else a
// silent close; a body with no progress for headerTimeout: 408; idle keep-alive beyond
// keepAliveTimeout: silent close; HTTP major version other than 1: 505; CONNECT: 405.
// A timeout <= 0 disables that timer (closeTimeout <= 0 means 5 s). The keep-alive and close
// timers measure stalls: a period in which the socket reported response bytes written starts
// another period, so a long response read slowly is not cut. Flow control: while 32 responses are outstanding or more
// than 1 MiB of responses wait in the socket, no further request is parsed; a peer that then
// keeps sending more than maxHeaderSize + maxBodySize is aborted.
// "Expect: 100-continue" (HTTP/1.1) gets "HTTP/1.1 100 Continue" once the earlier responses are
// out, unless the declared body is refused with 413 first.
//
// Closing: the last response is written, then (plain sockets) the sending side is shut down and
// incoming data is discarded until the peer closes too ("lingering close", so that a peer still
// sending does not get a reset that destroys the response), or closeTimeout passes and the
// socket is aborted. Encrypted sockets use disconnectFromHost().
//
// Lifetime: finished() is emitted once (queued, from the event loop) when the socket closed, the
// connection is done, or after takeSocket(). The owner then deletes this object with
// deleteLater() — never with delete from a handler called by this object.
class BURROW_TRANSPORT_EXPORT HttpConnection : public QObject
{
    Q_OBJECT
public:
    struct Limits
    {
        qint64 maxHeaderSize = 16 * 1024;
        qint64 maxBodySize = 16 * 1024 * 1024;
        int keepAliveTimeout = 30000; // ms an idle keep-alive connection stays open
        int headerTimeout = 10000;    // ms to receive a complete request head (and between body bytes)
        int closeTimeout = 5000;      // ms without write progress while closing, then for the
                                      // peer to close after ours, before the socket is aborted
    };
    // Called in this object's thread for each complete request (body included).
    using RequestHandler = std::function<void(const HttpRequest &request, const HttpResponder &responder)>;
    // Called in this object's thread, with the head of a WebSocket upgrade request, after all
    // earlier responses were written. Must end with takeSocket() or respondAndClose(), now or later.
    using UpgradeHandler = std::function<void(const HttpRequest &head)>;

    // Takes ownership of the socket (it becomes a child of this object). Nothing is read before
    // start().
    HttpConnection(QTcpSocket *socket, const Limits &limits, QObject *parent = nullptr);
    ~HttpConnection() override;

    // Set both before start(). Without a request handler every request gets 404.
    void setRequestHandler(RequestHandler handler);
    void setUpgradeHandler(UpgradeHandler handler);

    // Begins reading; also processes bytes already buffered in the socket, so handlers may be
    // called (and finished() queued) before start() returns.
    void start();

    // For upgrades (in or after the upgrade handler): stops all reading and timers, disconnects
    // from the socket and gives up ownership (parent set to nullptr); the caller owns it.
    // Its unread data then starts exactly at the first byte of the upgrade request line.
    // finished() follows. Returns nullptr when the socket was already taken.
    QTcpSocket *takeSocket();

    // Writes this response after the ones already due (with "Connection: close"), then closes.
    // For refusing an upgrade, or 503 at capacity (also works before start()). A non-empty
    // reasonPhrase replaces the standard one on the status line.
    void respondAndClose(const HttpResponse &response, const QByteArray &reasonPhrase = QByteArray());

    // Closes now, without writing anything more (answers still outstanding are dropped).
    void abort();

    QTcpSocket *socket() const;
    // Requests dispatched to the request handler so far.
    quint64 requestCount() const;

    // The bytes of one response: status line, the handler's headers (minus Content-Length,
    // Transfer-Encoding and Connection, and any with CR/LF in them), Date, Content-Length (for a
    // HEAD request a Content-Length header set by the handler wins over the body's length),
    // Connection, then the body (none for HEAD, 1xx, 204, 304). *closes is set when the
    // connection must close after it (info.close, or the handler set "Connection: close").
    static QByteArray serializeResponse(const HttpResponse &response, const HttpResponder::Slot::RequestInfo &info,
                                        const QByteArray &reasonPhrase = QByteArray(), bool *closes = nullptr);

Q_SIGNALS:
    // The socket closed, the connection is done, or takeSocket() was called. Emitted once.
    void finished();

private:
    friend class HttpResponder::Slot;
    friend class HttpConnectionPrivate;
    // A response (already serialised) for request `sequence`; called in this object's thread.
    void deliver(quint64 sequence, const QByteArray &wire, bool close);

    std::unique_ptr<HttpConnectionPrivate> d;
};

} // namespace Burrow
