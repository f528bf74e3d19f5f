#include "httpconnection_p.h"

#include "logging_p.h"

#include <QtCore/QDateTime>
#include <QtCore/QLocale>
#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtNetwork/QTcpSocket>
#if QT_CONFIG(ssl)
#  include <QtNetwork/QSslSocket>
#endif

#include <http_parser.h>

#include <deque>
#include <exception>
#include <limits>

#ifdef Q_OS_WIN
#  include <winsock2.h>
#else
#  include <sys/socket.h>
#endif

namespace Burrow {

namespace {

// No further request is parsed while this many responses are outstanding...
constexpr qsizetype MaxOutstandingResponses = 32;
// ... or while this many response bytes wait in the socket (a peer that does not read).
constexpr qint64 MaxWriteBacklog = 1024 * 1024;
// Body memory reserved up front from a declared Content-Length (the rest grows as it arrives).
constexpr qint64 MaxBodyReserve = 1024 * 1024;
constexpr uint64_t NoContentLength = std::numeric_limits<uint64_t>::max();

QByteArray httpDate()
{
    thread_local qint64 cachedSecond = -1;
    thread_local QByteArray cached;
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    if (now != cachedSecond) {
        cached = QLocale::c()
                     .toString(QDateTime::fromSecsSinceEpoch(now, Qt::UTC), u"ddd, dd MMM yyyy hh:mm:ss 'GMT'")
                     .toLatin1();
        cachedSecond = now;
    }
    return cached;
}

bool isValidHeaderName(const QByteArray &name)
{
    if (name.isEmpty())
        return false;
    for (char c : name) {
        if (c <= ' ' || c == ':' || c == 0x7f)
            return false;
    }
    return true;
}

bool isValidHeaderValue(const QByteArray &value)
{
    return !value.contains('\r') && !value.contains('\n') && !value.contains('\0');
}

bool isDigits(const QByteArray &value)
{
    if (value.isEmpty())
        return false;
    for (char c : value) {
        if (c < '0' || c > '9')
            return false;
    }
    return true;
}

// Whether a comma-separated header value holds the token (case-insensitive).
bool hasToken(const QByteArray &value, QByteArrayView token)
{
    for (const QByteArray &part : value.split(',')) {
        if (QByteArrayView(part.trimmed()).compare(token, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

} // namespace

// --- HttpConnectionPrivate -------------------------------------------------------------------

class HttpConnectionPrivate
{
public:
    enum class State {
        Created,        // before start()
        Reading,        // parsing requests
        LastRequest,    // no more requests will be parsed; the remaining responses are written, then close
        UpgradePending, // an upgrade head was parsed; waiting for the earlier responses
        Upgrading,      // the upgrade handler was called; waiting for takeSocket() or respondAndClose()
        Closing,        // everything written or being written; shutting down
        Detached,       // takeSocket() was called
        Finished,
    };
    enum class TimerKind { None, Head, Body, Idle, Close };
    enum class Pause { None, MessageBegin, Upgrade, MessageComplete, Refused };

    struct Pending
    {
        quint64 sequence = 0;
        bool answered = false;
        bool close = false;
        QByteArray wire;
    };

    HttpConnectionPrivate(HttpConnection *q, QTcpSocket *socket, const HttpConnection::Limits &limits)
        : q(q), socket(socket), limits(limits), link(std::make_shared<HttpConnectionLink>())
    {
        http_parser_init(&parser, HTTP_REQUEST);
        parser.data = this;
    }

    static const http_parser_settings &parserSettings();
    static HttpConnectionPrivate *self(http_parser *p) { return static_cast<HttpConnectionPrivate *>(p->data); }
    static int onMessageBegin(http_parser *p);
    static int onUrl(http_parser *p, const char *at, size_t length);
    static int onHeaderField(http_parser *p, const char *at, size_t length);
    static int onHeaderValue(http_parser *p, const char *at, size_t length);
    static int onHeadersComplete(http_parser *p);
    static int onBody(http_parser *p, const char *at, size_t length);
    static int onChunkHeader(http_parser *p);
    static int onMessageComplete(http_parser *p);

    void pauseParser(Pause reason)
    {
        pauseReason = reason;
        http_parser_pause(&parser, 1);
    }
    // From a parser callback: answer with an error, stop parsing.
    int refuseFromParser(int status, const QString &reason)
    {
        refuse(status, reason);
        pauseParser(Pause::Refused);
        return 0;
    }
    bool headTooLarge(const char *end) const
    {
        return (end - execBase) - messageStart > limits.maxHeaderSize;
    }
    void storeHeader()
    {
        if (!headerField.isEmpty())
            headers.append({headerField, headerValue});
        headerField.clear();
        headerValue.clear();
        lastWasValue = false;
    }

    void pump();
    void parseInput();
    void consumeInput();
    void dispatchRequest();
    void refuse(int status, const QString &reason);
    void deliver(quint64 sequence, const QByteArray &wire, bool close);
    void flushResponses();
    void startUpgrade();
    void beginClose();
    void shutDownIfFlushed();
    void discardInput();
    void finish();
    void updateTimer();
    void setTimer(TimerKind kind, int milliseconds);
    bool inputBlocked() const
    {
        return pending.size() >= MaxOutstandingResponses || socket->bytesToWrite() > MaxWriteBacklog;
    }
    bool inputOverCap() const
    {
        return socket->bytesAvailable() > limits.maxHeaderSize + limits.maxBodySize;
    }

    void onReadyRead();
    void onBytesWritten(qint64 bytes);
    void onDisconnected();
    void onTimeout();

    HttpConnection *q;
    QTcpSocket *socket;
    const HttpConnection::Limits limits;
    const std::shared_ptr<HttpConnectionLink> link;
    HttpConnection::RequestHandler requestHandler;
    HttpConnection::UpgradeHandler upgradeHandler;
    QHostAddress peerAddress;
    quint16 peerPort = 0;
    State state = State::Created;
    QTimer timer;
    TimerKind timerKind = TimerKind::None;
    bool finishQueued = false;
    bool pumping = false;
    bool pumpAgain = false;
    bool shutdownSent = false;
    qint64 written = 0;             // bytes the socket reported written
    qint64 writtenAtTimerStart = 0;

    // Input. Offsets count from the first unread byte of the socket.
    http_parser parser;
    Pause pauseReason = Pause::None;
    const char *execBase = nullptr; // start of the peeked data while it is being parsed
    qint64 fed = 0;                 // bytes already given to the parser
    qint64 messageStart = -1;       // first byte of the request whose head is being parsed
    bool inHead = false;
    bool inBody = false;
    bool bodyProgress = false;
    bool restartHeadTimer = false;
    bool activity = false; // a request began or a response was written: the idle time restarts
    quint64 messagesBegun = 0;

    // The request being parsed.
    QByteArray url;
    QByteArray headerField;
    QByteArray headerValue;
    bool lastWasValue = false;
    HttpHeaders headers;
    HttpRequest request;
    QByteArray body;
    bool keepAlive = true;
    bool headRequest = false;
    HttpRequest upgradeHead;

    // Output, in request order.
    std::deque<Pending> pending;
    quint64 nextSequence = 0;
    quint64 requestCount = 0;
    bool continueWanted = false; // "100 Continue" to send once the earlier responses are out
};

const http_parser_settings &HttpConnectionPrivate::parserSettings()
{
    static const http_parser_settings settings = [] {
        http_parser_settings s;
        http_parser_settings_init(&s);
        s.on_message_begin = &HttpConnectionPrivate::onMessageBegin;
        s.on_url = &HttpConnectionPrivate::onUrl;
        s.on_header_field = &HttpConnectionPrivate::onHeaderField;
        s.on_header_value = &HttpConnectionPrivate::onHeaderValue;
        s.on_headers_complete = &HttpConnectionPrivate::onHeadersComplete;
        s.on_body = &HttpConnectionPrivate::onBody;
        s.on_chunk_header = &HttpConnectionPrivate::onChunkHeader;
        s.on_message_complete = &HttpConnectionPrivate::onMessageComplete;
        return s;
    }();
    return settings;
}

int HttpConnectionPrivate::onMessageBegin(http_parser *p)
{
    HttpConnectionPrivate *d = self(p);
    d->inHead = true;
    d->inBody = false;
    d->url.clear();
    d->headers.clear();
    d->headerField.clear();
    d->headerValue.clear();
    d->lastWasValue = false;
    d->request = HttpRequest();
    d->body = QByteArray();
    // The first request's head is timed from the accept; later ones from their first byte.
    if (d->messagesBegun++ > 0)
        d->restartHeadTimer = true;
    d->activity = true;
    // Paused so that the caller learns where the request starts (the byte before the returned count).
    d->pauseParser(Pause::MessageBegin);
    return 0;
}

int HttpConnectionPrivate::onUrl(http_parser *p, const char *at, size_t length)
{
    HttpConnectionPrivate *d = self(p);
    if (d->headTooLarge(at + length))
        return d->refuseFromParser(431, QStringLiteral("request head larger than %1 bytes").arg(d->limits.maxHeaderSize));
    d->url.append(at, qsizetype(length));
    return 0;
}

int HttpConnectionPrivate::onHeaderField(http_parser *p, const char *at, size_t length)
{
    HttpConnectionPrivate *d = self(p);
    if (!d->inHead) // trailer fields of a chunked body: ignored (http_parser bounds their size)
        return 0;
    if (d->headTooLarge(at + length))
        return d->refuseFromParser(431, QStringLiteral("request head larger than %1 bytes").arg(d->limits.maxHeaderSize));
    if (d->lastWasValue)
        d->storeHeader();
    d->headerField.append(at, qsizetype(length));
    return 0;
}

int HttpConnectionPrivate::onHeaderValue(http_parser *p, const char *at, size_t length)
{
    HttpConnectionPrivate *d = self(p);
    if (!d->inHead)
        return 0;
    if (d->headTooLarge(at + length))
        return d->refuseFromParser(431, QStringLiteral("request head larger than %1 bytes").arg(d->limits.maxHeaderSize));
    d->lastWasValue = true;
    d->headerValue.append(at, qsizetype(length));
    return 0;
}

int HttpConnectionPrivate::onHeadersComplete(http_parser *p)
{
    HttpConnectionPrivate *d = self(p);
    d->storeHeader();

    if (p->http_major != 1) {
        return d->refuseFromParser(505, QStringLiteral("HTTP/%1.%2 is not supported; use HTTP/1.1")
                                            .arg(p->http_major).arg(p->http_minor));
    }
    const auto method = static_cast<enum http_method>(p->method);
    if (method == HTTP_CONNECT)
        return d->refuseFromParser(405, QStringLiteral("CONNECT is not supported"));

    http_parser_url parts;
    http_parser_url_init(&parts);
    if (http_parser_parse_url(d->url.constData(), size_t(d->url.size()), 0, &parts) != 0)
        return d->refuseFromParser(400, QStringLiteral("invalid request target"));
    QUrl url;
    if (parts.field_set & (1 << UF_PATH)) {
        const auto &f = parts.field_data[UF_PATH];
        url.setPath(QString::fromUtf8(d->url.constData() + f.off, f.len), QUrl::TolerantMode);
    } else {
        url.setPath(QStringLiteral("/"));
    }
    if (parts.field_set & (1 << UF_QUERY)) {
        const auto &f = parts.field_data[UF_QUERY];
        url.setQuery(QString::fromUtf8(d->url.constData() + f.off, f.len), QUrl::TolerantMode);
    }

    d->request.setMethod(QByteArray(http_method_str(method)));
    d->request.setUrl(url);
    d->request.setHeaders(d->headers);
    d->request.setPeerAddress(d->peerAddress);
    d->request.setHttpMinorVersion(p->http_minor);
    d->keepAlive = http_should_keep_alive(p) != 0;
    d->headRequest = method == HTTP_HEAD;

    if (p->upgrade && d->upgradeHandler && hasToken(d->request.header("upgrade"), "websocket")) {
        d->upgradeHead = d->request;
        d->pauseParser(Pause::Upgrade);
        return 0;
    }

    d->inHead = false;
    const bool chunked = p->flags & F_CHUNKED;
    const bool declared = !chunked && p->content_length != NoContentLength && p->content_length > 0;
    if (declared && p->content_length > uint64_t(d->limits.maxBodySize)) {
        return d->refuseFromParser(413, QStringLiteral("request body of %1 bytes is larger than the limit of %2 bytes")
                                            .arg(p->content_length).arg(d->limits.maxBodySize));
    }
    d->inBody = chunked || declared;
    d->body = QByteArray();
    if (declared)
        d->body.reserve(qsizetype(std::min<uint64_t>(p->content_length, MaxBodyReserve)));
    if (d->inBody && p->http_minor >= 1
        && QByteArrayView(d->request.header("expect")).compare("100-continue", Qt::CaseInsensitive) == 0) {
        if (d->pending.empty())
            d->socket->write("HTTP/1.1 100 Continue\r\n\r\n");
        else
            d->continueWanted = true;
    }
    return 0;
}

int HttpConnectionPrivate::onBody(http_parser *p, const char *at, size_t length)
{
    HttpConnectionPrivate *d = self(p);
    if (d->body.size() + qint64(length) > d->limits.maxBodySize) {
        return d->refuseFromParser(413, QStringLiteral("request body larger than the limit of %1 bytes")
                                            .arg(d->limits.maxBodySize));
    }
    d->body.append(at, qsizetype(length));
    d->bodyProgress = true;
    return 0;
}

int HttpConnectionPrivate::onChunkHeader(http_parser *p)
{
    HttpConnectionPrivate *d = self(p);
    // The chunk's size is known before its bytes arrive: refuse early.
    if (p->content_length > uint64_t(d->limits.maxBodySize) - uint64_t(d->body.size())) {
        return d->refuseFromParser(413, QStringLiteral("request body larger than the limit of %1 bytes")
                                            .arg(d->limits.maxBodySize));
    }
    return 0;
}

int HttpConnectionPrivate::onMessageComplete(http_parser *p)
{
    // Paused so that the request is dispatched outside http_parser, knowing where it ended.
    self(p)->pauseParser(Pause::MessageComplete);
    return 0;
}

// Runs everything that can make progress; re-entrant calls (a handler answering at once, a
// responder dropped during dispatch) only ask for another round.
void HttpConnectionPrivate::pump()
{
    if (pumping) {
        pumpAgain = true;
        return;
    }
    pumping = true;
    do {
        pumpAgain = false;
        flushResponses();
        if (state == State::Reading)
            parseInput();
        flushResponses();
    } while (pumpAgain && socket);
    pumping = false;

    if (state == State::UpgradePending && pending.empty()) {
        startUpgrade();
        return;
    }
    updateTimer();
}

void HttpConnectionPrivate::parseInput()
{
    while (state == State::Reading && !inputBlocked()) {
        const qint64 available = socket->bytesAvailable();
        if (available <= fed)
            return;
        const QByteArray data = socket->peek(available);
        if (data.size() <= fed)
            return;
        execBase = data.constData();
        qint64 pos = fed;
        bool stop = false;
        while (!stop && pos < data.size()) {
            pauseReason = Pause::None;
            const size_t parsed = http_parser_execute(&parser, &parserSettings(), data.constData() + pos,
                                                      size_t(data.size() - pos));
            pos += qint64(parsed);
            const auto error = HTTP_PARSER_ERRNO(&parser);
            if (error == HPE_PAUSED) {
                http_parser_pause(&parser, 0);
                switch (pauseReason) {
                case Pause::MessageBegin:
                    messageStart = pos - 1;
                    break;
                case Pause::MessageComplete:
                    fed = pos;
                    dispatchRequest();
                    stop = state != State::Reading || inputBlocked();
                    break;
                case Pause::Upgrade:
                    state = State::UpgradePending;
                    stop = true;
                    break;
                case Pause::Refused:
                case Pause::None:
                    stop = true;
                    break;
                }
            } else if (error != HPE_OK) {
                if (error == HPE_HEADER_OVERFLOW) {
                    refuse(431, QStringLiteral("request head too large"));
                } else {
                    refuse(400, QStringLiteral("malformed request: %1")
                                    .arg(QString::fromLatin1(http_errno_description(error))));
                }
                stop = true;
            } else if (parsed == 0) {
                stop = true;
            }
        }
        execBase = nullptr;
        if (state == State::Reading || state == State::UpgradePending)
            fed = pos;
        if (state == State::Reading && inHead && fed - messageStart > limits.maxHeaderSize)
            refuse(431, QStringLiteral("request head larger than %1 bytes").arg(limits.maxHeaderSize));
        consumeInput();
        if (stop)
            return;
    }
}

// Reads (drops) what has been parsed, except the head of a request still being parsed or of an
// upgrade request: those stay unread in the socket.
void HttpConnectionPrivate::consumeInput()
{
    qint64 keep = 0;
    switch (state) {
    case State::Reading:
        keep = inHead ? messageStart : fed;
        break;
    case State::UpgradePending:
        keep = messageStart;
        break;
    case State::LastRequest:
    case State::Closing:
        discardInput();
        fed = 0;
        messageStart = -1;
        return;
    default:
        return;
    }
    if (keep <= 0)
        return;
    const qint64 skipped = socket->skip(keep);
    if (skipped > 0) {
        fed -= skipped;
        if (messageStart >= 0)
            messageStart -= skipped;
    }
}

void HttpConnectionPrivate::dispatchRequest()
{
    inHead = false;
    inBody = false;
    continueWanted = false;
    HttpResponder::Slot::RequestInfo info;
    info.head = headRequest;
    info.close = !keepAlive;
    info.http10KeepAlive = keepAlive && request.httpMinorVersion() == 0;
    Pending entry;
    entry.sequence = nextSequence++;
    entry.close = info.close;
    pending.push_back(entry);
    if (info.close)
        state = State::LastRequest;
    ++requestCount;

    HttpRequest dispatched = std::move(request);
    request = HttpRequest();
    dispatched.setBody(body);
    body = QByteArray();
    auto slot = std::make_shared<HttpResponder::Slot>(link, entry.sequence, info);
    if (!requestHandler) {
        slot->respond(HttpResponse::error(404, QStringLiteral("no request handler is installed")));
        return;
    }
    try {
        requestHandler(dispatched, HttpResponder(slot));
    } catch (const std::exception &e) {
        qCWarning(lcTransport) << "HTTP request handler threw:" << e.what();
        slot->respond(HttpResponse::error(500, QStringLiteral("the request handler failed")));
    } catch (...) {
        qCWarning(lcTransport) << "HTTP request handler threw";
        slot->respond(HttpResponse::error(500, QStringLiteral("the request handler failed")));
    }
    // Dropping the last reference to an unanswered slot answers 500.
}

// Queues an error response after the ones already due; nothing more is parsed, the connection
// closes once it is written.
void HttpConnectionPrivate::refuse(int status, const QString &reason)
{
    if (state != State::Reading && state != State::Created)
        return;
    qCInfo(lcTransport).nospace() << "HTTP " << status << " to " << peerAddress.toString() << ":" << peerPort
                                  << ": " << reason;
    HttpResponder::Slot::RequestInfo info;
    info.close = true;
    Pending entry;
    entry.sequence = nextSequence++;
    entry.answered = true;
    entry.close = true;
    entry.wire = HttpConnection::serializeResponse(HttpResponse::error(status, reason), info);
    pending.push_back(std::move(entry));
    state = State::LastRequest;
    inHead = false;
    inBody = false;
    continueWanted = false;
}

void HttpConnectionPrivate::deliver(quint64 sequence, const QByteArray &wire, bool close)
{
    if (!socket || pending.empty() || sequence < pending.front().sequence)
        return;
    const quint64 index = sequence - pending.front().sequence;
    if (index >= pending.size())
        return;
    Pending &entry = pending[index];
    if (entry.answered)
        return;
    entry.answered = true;
    entry.wire = wire;
    entry.close = entry.close || close;
    if (entry.close && state == State::Reading) {
        // No response after this one will be written: parse no further requests (RFC 9112
        // 9.6), as for a request's own "Connection: close". Without this, a handler answering
        // at once with "Connection: close" had the rest of the pipelined input dispatched too,
        // and those requests ran without their responses ever being sent.
        state = State::LastRequest;
        inHead = false;
        inBody = false;
        continueWanted = false;
    }
    pump();
}

void HttpConnectionPrivate::flushResponses()
{
    if (!socket)
        return;
    while (!pending.empty() && pending.front().answered) {
        const Pending entry = std::move(pending.front());
        pending.pop_front();
        socket->write(entry.wire);
        activity = true;
        if (entry.close) {
            beginClose();
            return;
        }
    }
    if (pending.empty() && continueWanted && state == State::Reading && inBody) {
        socket->write("HTTP/1.1 100 Continue\r\n\r\n");
        continueWanted = false;
    }
}

void HttpConnectionPrivate::startUpgrade()
{
    state = State::Upgrading;
    setTimer(TimerKind::None, 0);
    socket->flush(); // the earlier responses, as far as the socket takes them now
    const HttpRequest head = std::move(upgradeHead);
    upgradeHead = HttpRequest();
    qCDebug(lcTransport) << "HTTP upgrade request from" << peerAddress << head.url().path();
    if (upgradeHandler)
        upgradeHandler(head);
}

void HttpConnectionPrivate::beginClose()
{
    state = State::Closing;
    pending.clear();
    continueWanted = false;
    discardInput();
    setTimer(TimerKind::Close, limits.closeTimeout > 0 ? limits.closeTimeout : 5000);
    if (socket->state() == QAbstractSocket::UnconnectedState) {
        finish();
        return;
    }
#if QT_CONFIG(ssl)
    if (auto *ssl = qobject_cast<QSslSocket *>(socket); ssl && ssl->isEncrypted()) {
        socket->disconnectFromHost(); // flushes, sends close_notify, then closes
        if (socket && socket->state() == QAbstractSocket::UnconnectedState)
            finish();
        return;
    }
#endif
    shutDownIfFlushed();
}

// Lingering close of a plain socket: once the last response left, shut down the sending side
// and wait (discarding input) for the peer to close, or for the close timer.
void HttpConnectionPrivate::shutDownIfFlushed()
{
    if (state != State::Closing || shutdownSent || !socket || socket->bytesToWrite() > 0)
        return;
    shutdownSent = true;
    const qintptr descriptor = socket->socketDescriptor();
    if (descriptor == -1 || socket->state() != QAbstractSocket::ConnectedState) {
        socket->disconnectFromHost();
        if (socket->state() == QAbstractSocket::UnconnectedState)
            finish();
        return;
    }
#ifdef Q_OS_WIN
    ::shutdown(SOCKET(descriptor), SD_SEND);
#else
    ::shutdown(int(descriptor), SHUT_WR);
#endif
}

void HttpConnectionPrivate::discardInput()
{
    if (socket) {
        const qint64 available = socket->bytesAvailable();
        if (available > 0)
            socket->skip(available);
    }
    fed = 0;
    messageStart = -1;
}

void HttpConnectionPrivate::finish()
{
    timer.stop();
    timerKind = TimerKind::None;
    pending.clear();
    if (state != State::Detached)
        state = State::Finished;
    if (finishQueued)
        return;
    finishQueued = true;
    QMetaObject::invokeMethod(q, [q = q] { Q_EMIT q->finished(); }, Qt::QueuedConnection);
}

void HttpConnectionPrivate::setTimer(TimerKind kind, int milliseconds)
{
    if (kind == TimerKind::None || milliseconds <= 0) {
        timer.stop();
        timerKind = TimerKind::None;
        return;
    }
    timerKind = kind;
    writtenAtTimerStart = written;
    timer.start(milliseconds);
}

void HttpConnectionPrivate::updateTimer()
{
    switch (state) {
    case State::Reading:
        break;
    case State::LastRequest:
    case State::UpgradePending:
    case State::Upgrading:
        // Waiting for handlers: their business.
        if (timerKind != TimerKind::None)
            setTimer(TimerKind::None, 0);
        return;
    default:
        return;
    }
    if (inHead || (messagesBegun == 0 && !inBody)) {
        // A head being received, or the first one awaited since the accept.
        if (restartHeadTimer || timerKind != TimerKind::Head)
            setTimer(TimerKind::Head, limits.headerTimeout);
    } else if (inBody && !continueWanted) {
        if (bodyProgress || timerKind != TimerKind::Body)
            setTimer(TimerKind::Body, limits.headerTimeout);
    } else if (!inBody && pending.empty()) {
        if (activity || timerKind != TimerKind::Idle)
            setTimer(TimerKind::Idle, limits.keepAliveTimeout);
    } else if (timerKind != TimerKind::None) {
        setTimer(TimerKind::None, 0);
    }
    restartHeadTimer = false;
    bodyProgress = false;
    activity = false;
}

void HttpConnectionPrivate::onReadyRead()
{
    switch (state) {
    case State::Reading:
        if (inputBlocked()) {
            if (inputOverCap()) {
                qCWarning(lcTransport) << "HTTP peer" << peerAddress << "keeps sending while"
                                       << pending.size() << "responses are outstanding; aborting";
                q->abort();
            }
            return;
        }
        pump();
        return;
    case State::LastRequest:
    case State::Closing:
        discardInput();
        return;
    case State::UpgradePending:
    case State::Upgrading:
        if (inputOverCap()) {
            qCWarning(lcTransport) << "HTTP peer" << peerAddress << "sent too much after an upgrade request; aborting";
            q->abort();
        }
        return;
    default:
        return;
    }
}

void HttpConnectionPrivate::onBytesWritten(qint64 bytes)
{
    written += bytes;
    if (state == State::Closing)
        shutDownIfFlushed();
    else if (state == State::Reading && !pumping && socket->bytesAvailable() > fed && !inputBlocked())
        pump();
}

void HttpConnectionPrivate::onDisconnected()
{
    if (state == State::Detached || state == State::Finished)
        return;
    qCDebug(lcTransport) << "HTTP connection from" << peerAddress << "closed";
    finish();
}

void HttpConnectionPrivate::onTimeout()
{
    const TimerKind kind = timerKind;
    // The idle and close timers measure stalls: a peer still taking a long response (the socket
    // reports bytes written within the period) is given another period.
    if ((kind == TimerKind::Idle || kind == TimerKind::Close) && written != writtenAtTimerStart && socket) {
        setTimer(kind, int(timer.interval()));
        return;
    }
    timerKind = TimerKind::None;
    switch (kind) {
    case TimerKind::Head:
        if (inHead) {
            refuse(408, QStringLiteral("request head not complete within %1 ms").arg(limits.headerTimeout));
            pump();
        } else {
            qCDebug(lcTransport) << "HTTP connection from" << peerAddress << "sent no request; closing";
            beginClose();
        }
        return;
    case TimerKind::Body:
        refuse(408, QStringLiteral("request body stalled for %1 ms").arg(limits.headerTimeout));
        pump();
        return;
    case TimerKind::Idle:
        qCDebug(lcTransport) << "HTTP keep-alive connection from" << peerAddress << "idle; closing";
        beginClose();
        return;
    case TimerKind::Close:
        if (socket)
            socket->abort();
        finish();
        return;
    case TimerKind::None:
        return;
    }
}

// --- HttpResponder::Slot ---------------------------------------------------------------------

HttpResponder::Slot::Slot(std::shared_ptr<HttpConnectionLink> link, quint64 sequence, const RequestInfo &info)
    : m_link(std::move(link)), m_sequence(sequence), m_info(info)
{
}

HttpResponder::Slot::~Slot()
{
    if (!isAnswered())
        respond(HttpResponse::error(500, QStringLiteral("the request handler dropped the request without answering")));
}

void HttpResponder::Slot::respond(const HttpResponse &response)
{
    bool expected = false;
    if (!m_answered.compare_exchange_strong(expected, true, std::memory_order_acq_rel))
        return;
    bool close = false;
    const QByteArray wire = HttpConnection::serializeResponse(response, m_info, QByteArray(), &close);

    QMutexLocker locker(&m_link->mutex);
    HttpConnection *connection = m_link->connection;
    if (!connection)
        return;
    if (connection->thread() == QThread::currentThread()) {
        // Only this thread can destroy the connection, so it stays valid without the lock (which
        // must not be held: delivering can dispatch requests, whose slots take it).
        locker.unlock();
        connection->deliver(m_sequence, wire, close);
        return;
    }
    QMetaObject::invokeMethod(
        connection, [connection, sequence = m_sequence, wire, close] { connection->deliver(sequence, wire, close); },
        Qt::QueuedConnection);
}

// --- HttpConnection --------------------------------------------------------------------------

HttpConnection::HttpConnection(QTcpSocket *socket, const Limits &limits, QObject *parent)
    : QObject(parent), d(std::make_unique<HttpConnectionPrivate>(this, socket, limits))
{
    Q_ASSERT(socket);
    Q_ASSERT(socket->thread() == thread());
    d->link->connection = this;
    socket->setParent(this);
    d->peerAddress = socket->peerAddress();
    d->peerPort = socket->peerPort();
    d->timer.setSingleShot(true);
    connect(&d->timer, &QTimer::timeout, this, [this] { d->onTimeout(); });
    connect(socket, &QIODevice::readyRead, this, [this] { d->onReadyRead(); });
    connect(socket, &QIODevice::bytesWritten, this, [this](qint64 bytes) { d->onBytesWritten(bytes); });
    connect(socket, &QAbstractSocket::disconnected, this, [this] { d->onDisconnected(); });
    connect(socket, &QAbstractSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error != QAbstractSocket::RemoteHostClosedError)
            qCDebug(lcTransport) << "HTTP connection from" << d->peerAddress << "socket error" << error;
        if (d->socket && d->socket->state() == QAbstractSocket::UnconnectedState)
            d->onDisconnected();
    });
}

HttpConnection::~HttpConnection()
{
    {
        QMutexLocker locker(&d->link->mutex);
        d->link->connection = nullptr;
    }
    d->timer.stop();
    if (d->socket) {
        disconnect(d->socket, nullptr, this, nullptr);
        delete d->socket;
        d->socket = nullptr;
    }
}

void HttpConnection::setRequestHandler(RequestHandler handler)
{
    d->requestHandler = std::move(handler);
}

void HttpConnection::setUpgradeHandler(UpgradeHandler handler)
{
    d->upgradeHandler = std::move(handler);
}

void HttpConnection::start()
{
    if (d->state != HttpConnectionPrivate::State::Created)
        return;
    d->state = HttpConnectionPrivate::State::Reading;
    if (d->socket->state() != QAbstractSocket::ConnectedState) {
        d->finish();
        return;
    }
    d->setTimer(HttpConnectionPrivate::TimerKind::Head, d->limits.headerTimeout);
    d->pump();
}

QTcpSocket *HttpConnection::takeSocket()
{
    QTcpSocket *socket = d->socket;
    if (!socket)
        return nullptr;
    d->timer.stop();
    d->timerKind = HttpConnectionPrivate::TimerKind::None;
    disconnect(socket, nullptr, this, nullptr);
    d->socket = nullptr;
    socket->setParent(nullptr);
    d->state = HttpConnectionPrivate::State::Detached;
    d->finish();
    return socket;
}

void HttpConnection::respondAndClose(const HttpResponse &response, const QByteArray &reasonPhrase)
{
    using State = HttpConnectionPrivate::State;
    if (!d->socket || d->state == State::Closing || d->state == State::Detached || d->state == State::Finished)
        return;
    HttpResponder::Slot::RequestInfo info;
    info.close = true;
    HttpConnectionPrivate::Pending entry;
    entry.sequence = d->nextSequence++;
    entry.answered = true;
    entry.close = true;
    entry.wire = serializeResponse(response, info, reasonPhrase);
    d->pending.push_back(std::move(entry));
    d->state = State::LastRequest;
    d->inHead = false;
    d->inBody = false;
    d->continueWanted = false;
    d->pump();
}

void HttpConnection::abort()
{
    using State = HttpConnectionPrivate::State;
    if (!d->socket || d->state == State::Detached || d->state == State::Finished)
        return;
    d->state = State::Closing;
    d->pending.clear();
    d->socket->abort();
    d->finish();
}

QTcpSocket *HttpConnection::socket() const
{
    return d->socket;
}

quint64 HttpConnection::requestCount() const
{
    return d->requestCount;
}

void HttpConnection::deliver(quint64 sequence, const QByteArray &wire, bool close)
{
    d->deliver(sequence, wire, close);
}

QByteArray HttpConnection::serializeResponse(const HttpResponse &response, const HttpResponder::Slot::RequestInfo &info,
                                             const QByteArray &reasonPhrase, bool *closes)
{
    int status = response.statusCode();
    if (status < 100 || status > 999) {
        qCWarning(lcTransport) << "invalid HTTP status code" << status << "answered as 500";
        status = 500;
    }
    const bool bodyless = (status >= 100 && status < 200) || status == 204 || status == 304;
    const QByteArray body = response.body();
    const HttpHeaders headers = response.headers();
    QByteArray phrase = reasonPhrase.isEmpty() || !isValidHeaderValue(reasonPhrase)
            ? HttpResponse::reasonPhrase(status) : reasonPhrase;

    bool close = info.close;
    bool hasDate = false;
    QByteArray declaredLength;
    qsizetype size = 96 + phrase.size() + body.size();
    for (const auto &header : headers)
        size += header.first.size() + header.second.size() + 4;

    QByteArray out;
    out.reserve(size);
    out += "HTTP/1.1 ";
    out += QByteArray::number(status);
    out += ' ';
    out += phrase;
    out += "\r\n";
    for (const auto &[name, value] : headers) {
        if (!isValidHeaderName(name) || !isValidHeaderValue(value)) {
            qCWarning(lcTransport) << "dropping invalid HTTP response header" << name;
            continue;
        }
        const QByteArrayView view(name);
        if (view.compare("Content-Length", Qt::CaseInsensitive) == 0) {
            declaredLength = value.trimmed();
            continue;
        }
        if (view.compare("Transfer-Encoding", Qt::CaseInsensitive) == 0)
            continue;
        if (view.compare("Connection", Qt::CaseInsensitive) == 0) {
            if (hasToken(value, "close"))
                close = true;
            continue;
        }
        if (view.compare("Date", Qt::CaseInsensitive) == 0)
            hasDate = true;
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    if (!hasDate) {
        out += "Date: ";
        out += httpDate();
        out += "\r\n";
    }
    if (!bodyless) {
        out += "Content-Length: ";
        if (info.head && isDigits(declaredLength))
            out += declaredLength;
        else
            out += QByteArray::number(body.size());
        out += "\r\n";
    }
    if (close)
        out += "Connection: close\r\n";
    else if (info.http10KeepAlive)
        out += "Connection: keep-alive\r\n";
    out += "\r\n";
    if (!info.head && !bodyless)
        out += body;
    if (closes)
        *closes = close;
    return out;
}

} // namespace Burrow
