#include "connection_p.h"
#include "cborcodec_p.h"
#include "logging_p.h"

#include <algorithm>

#include <QtCore/QEventLoop>
#include <QtCore/QFutureWatcher>
#include <QtCore/QThread>

namespace Burrow {

namespace {
std::atomic<quint64> nextConnectionId{1};

// A close frame carries at most 123 bytes of reason (RFC 6455, 5.5); QWebSocket cuts longer ones
// at 123 bytes, possibly inside a character, and the peer then fails the connection with 1007
// instead of seeing the code. Cut on a character boundary instead.
QString closeReason(const QString &reason)
{
    const QByteArray utf8 = reason.toUtf8();
    constexpr qsizetype MaxReasonSize = 123;
    if (utf8.size() <= MaxReasonSize)
        return reason;
    qsizetype end = MaxReasonSize;
    while (end > 0 && (quint8(utf8.at(end)) & 0xc0) == 0x80)
        --end; // utf8[end], the first byte left out, continues a character: leave that one out too
    return QString::fromUtf8(utf8.left(end));
}
} // namespace

Responder::Target::~Target() = default;

Connection *Responder::connection() const
{
    return m_target ? m_target->connection() : nullptr;
}

quint64 Responder::requestId() const
{
    return m_target ? m_target->requestId() : 0;
}

void Responder::sendAnswer(const QCborValue &result) const
{
    if (m_target && !m_target->answered.exchange(true))
        m_target->deliverAnswer(result);
}

void Responder::Target::deliverAnswer(const QCborValue &result)
{
    deliver(Message::answer(requestId(), result));
}

void Responder::sendError(ErrorCode code, const QString &message) const
{
    if (m_target && !m_target->answered.exchange(true))
        m_target->deliver(Message::error(m_target->requestId(), code, message));
}

void ConnectionResponderTarget::deliver(const Message &answerOrError)
{
    // The common case, answering from a handler in the connection's thread: the link is only
    // ever cleared in that thread, so it needs no lock here.
    if (QThread::currentThread() == m_link->thread) {
        if (m_link->connection)
            m_link->connection->sendMessage(answerOrError);
        return;
    }
    QMutexLocker locker(&m_link->mutex);
    if (m_link->connection)
        m_link->connection->sendMessage(answerOrError);
}

void ConnectionResponderTarget::deliverAnswer(const QCborValue &result)
{
    if (QThread::currentThread() == m_link->thread) {
        if (m_link->connection)
            ConnectionPrivate::get(m_link->connection)->sendAnswer(m_requestId, result);
        return;
    }
    QMutexLocker locker(&m_link->mutex);
    if (m_link->connection)
        ConnectionPrivate::get(m_link->connection)->sendAnswer(m_requestId, result);
}

void ConnectionPrivate::sendAnswer(quint64 requestId, const QCborValue &result)
{
    if (!cbor) {
        q->sendMessage(Message::answer(requestId, result));
        return;
    }
    const QByteArray payload = CborCodec::encodeAnswer(requestId, result);
    if (settings.maxMessageSize() >= 0 && payload.size() > settings.maxMessageSize()) {
        q->sendMessage(Message::answer(requestId, result)); // the error path of sendMessage()
        return;
    }
    sendNow(payload);
}

// ---------------------------------------------------------------------------------------------

ConnectionPrivate::ConnectionPrivate(Connection *q, QWebSocket *socket, Connection::Role role,
                                     const MessageCodecPointer &codec,
                                     const ConnectionSettings &settings)
    : q(q), socket(socket), role(role), codec(codec),
      cbor(dynamic_cast<const CborCodec *>(codec.get())), settings(settings),
      id(nextConnectionId.fetch_add(1)),
      binary(codec->frameType() == MessageCodec::FrameType::Binary)
{
    link->connection = q;
    link->thread = q->thread();
    subprotocol = codec->subprotocol();
    peerAddress = socket->peerAddress();
    peerPort = socket->peerPort();
    requestPath = socket->requestUrl().path();
    clock.start();
    lastMessageAt = clock.elapsed();

    if (binary) {
        sealer.emplace(settings.compressionThreshold(), QByteArray());
        opener.emplace(settings.maxMessageSize(), QByteArray());
    }

    // The envelope adds at most a few dozen bytes; the exact bound on the decoded payload is
    // enforced after opening it.
    const quint64 wireLimit = quint64(settings.maxMessageSize()) + 64;
    socket->setMaxAllowedIncomingMessageSize(wireLimit);
    socket->setMaxAllowedIncomingFrameSize(wireLimit);

    connect(socket, &QWebSocket::binaryMessageReceived, this, &ConnectionPrivate::onBinaryFrame);
    connect(socket, &QWebSocket::textMessageReceived, this, &ConnectionPrivate::onTextFrame);
    connect(socket, &QWebSocket::pong, this, [this] { missedHeartbeats = 0; });
    connect(socket, &QWebSocket::disconnected, this, [this] {
        finish(this->socket->closeCode(), this->socket->closeReason());
    });

    heartbeatTimer.setTimerType(Qt::CoarseTimer);
    connect(&heartbeatTimer, &QTimer::timeout, this, &ConnectionPrivate::onHeartbeat);
    if (settings.heartbeatInterval() > 0)
        heartbeatTimer.start(settings.heartbeatInterval());

    housekeepingTimer.setTimerType(Qt::CoarseTimer);
    connect(&housekeepingTimer, &QTimer::timeout, this, &ConnectionPrivate::onHousekeeping);
    updateHousekeeping();

    batchTimer.setSingleShot(true);
    batchTimer.setTimerType(Qt::PreciseTimer);
    connect(&batchTimer, &QTimer::timeout, this, &ConnectionPrivate::flushBatch);
}

ConnectionPrivate::~ConnectionPrivate()
{
    QMutexLocker locker(&link->mutex);
    link->connection = nullptr;
}

void ConnectionPrivate::setUpEncryption(const SessionSecurity &sessionSecurity)
{
    security = sessionSecurity;
    encrypted = !security.key.isNull();
    if (!encrypted || !binary)
        return;
    if (role == Connection::Role::Server) {
        const QByteArray serverNonce = PreSharedKey::randomNonce();
        const auto keys = security.key.sessionKeys(security.clientNonce, serverNonce);
        if (keys.clientToServer.isEmpty() || keys.serverToClient.isEmpty()) {
            // No randomness or no keys: refuse rather than fall back to clear text.
            protocolFailure(QWebSocketProtocol::CloseCodeBadOperation, ErrorCode::ImplementationError,
                            QStringLiteral("cannot derive session keys"));
            return;
        }
        // The HELLO goes out in clear, before the sealer switches to encryption.
        socket->sendBinaryMessage(PreSharedKey::encodeHello(
            serverNonce, security.key.serverProof(security.clientNonce, serverNonce)));
        sealer.emplace(settings.compressionThreshold(), keys.serverToClient);
        opener.emplace(settings.maxMessageSize(), keys.clientToServer);
    } else {
        ready = false; // until the server's HELLO proves it holds the key
    }
}

void ConnectionPrivate::post(std::function<void()> function)
{
    QMetaObject::invokeMethod(this, std::move(function), Qt::QueuedConnection);
}

void ConnectionPrivate::writePayload(const QByteArray &payload)
{
    if (finished)
        return;
    if (!ready) {
        heldUntilReady.append(payload);
        return;
    }
    lastMessageAt = clock.elapsed();
    if (binary) {
        const QByteArray frame = sealer->seal(payload);
        if (frame.isNull()) { // an OpenSSL failure or an exhausted sequence: never send in clear
            protocolFailure(QWebSocketProtocol::CloseCodeBadOperation, ErrorCode::ImplementationError,
                            QStringLiteral("cannot seal an outgoing frame"));
            return;
        }
        socket->sendBinaryMessage(frame);
    } else
        socket->sendTextMessage(QString::fromUtf8(payload));

    if (settings.maxQueuedBytes() > 0 && socket->bytesToWrite() > settings.maxQueuedBytes()) {
        protocolFailure(QWebSocketProtocol::CloseCodePolicyViolated, ErrorCode::Unavailable,
                        QStringLiteral("peer is not reading: %1 bytes queued (limit %2)")
                            .arg(socket->bytesToWrite())
                            .arg(settings.maxQueuedBytes()));
    }
}

void ConnectionPrivate::sendNow(const QByteArray &payload)
{
    if (inOwnThread()) {
        flushBatch();
        writePayload(payload);
    } else {
        post([this, payload] {
            flushBatch();
            writePayload(payload);
        });
    }
}

void ConnectionPrivate::enqueueNotification(const QByteArray &encoded)
{
    if (settings.maxMessageSize() >= 0 && encoded.size() > settings.maxMessageSize()) {
        // As sendMessage(): the peer would close the connection with 1009.
        qCWarning(lcTransport) << "connection" << id << "not sending a notification of" << encoded.size()
                               << "bytes: over the" << settings.maxMessageSize() << "-byte limit";
        return;
    }
    if (settings.batchDelay() < 0) {
        sendNow(encoded);
        return;
    }
    bool flushAtOnce = false;
    bool schedule = false;
    {
        QMutexLocker locker(&mutex);
        if (!open)
            return;
        batch.append(encoded);
        batchBytes += encoded.size();
        batchPending.store(true, std::memory_order_release);
        flushAtOnce = batch.size() >= settings.batchMaxMessages()
                || batchBytes >= settings.batchMaxBytes();
        schedule = !flushScheduled;
        flushScheduled = true;
    }
    if (flushAtOnce) {
        if (inOwnThread())
            flushBatch();
        else
            post([this] { flushBatch(); });
    } else if (schedule) {
        if (inOwnThread())
            batchTimer.start(settings.batchDelay());
        else
            post([this] { batchTimer.start(settings.batchDelay()); });
    }
}

void ConnectionPrivate::flushBatch()
{
    // Called before every request and answer: most of the time there is nothing batched.
    if (!batchPending.load(std::memory_order_acquire))
        return;
    QList<QByteArray> messages;
    {
        QMutexLocker locker(&mutex);
        batchPending.store(false, std::memory_order_relaxed);
        messages.swap(batch);
        batchBytes = 0;
        flushScheduled = false;
    }
    batchTimer.stop();
    if (messages.isEmpty())
        return;
    writeBatch(messages);
}

void ConnectionPrivate::writeBatch(const QList<QByteArray> &messages)
{
    if (messages.size() == 1) {
        writePayload(messages.constFirst());
        return;
    }
    // batchMaxBytes may exceed maxMessageSize: a batch over it would make the peer close the
    // connection with 1009, so it goes out in halves (each message is within the limit).
    const QByteArray encoded = codec->encodeBatch(messages);
    if (settings.maxMessageSize() < 0 || encoded.size() <= settings.maxMessageSize()) {
        writePayload(encoded);
        return;
    }
    const qsizetype half = messages.size() / 2;
    writeBatch(messages.first(half));
    writeBatch(messages.sliced(half));
}

void ConnectionPrivate::onBinaryFrame(const QByteArray &frame)
{
    missedHeartbeats = 0;
    if (!binary) {
        protocolFailure(QWebSocketProtocol::CloseCodeDatatypeNotSupported, ErrorCode::ParseError,
                        QStringLiteral("binary frame on the text subprotocol %1").arg(subprotocol));
        return;
    }
    if (!ready) {
        QByteArray serverNonce, proof;
        if (!PreSharedKey::decodeHello(frame, &serverNonce, &proof)) {
            protocolFailure(QWebSocketProtocol::CloseCodeProtocolError, ErrorCode::Unauthorized,
                            QStringLiteral("expected the server's HELLO frame"));
            return;
        }
        if (!security.key.verifyServerProof(security.clientNonce, serverNonce, proof)) {
            protocolFailure(QWebSocketProtocol::CloseCodePolicyViolated, ErrorCode::Unauthorized,
                            QStringLiteral("the server does not hold the same pre-shared key"));
            return;
        }
        const auto keys = security.key.sessionKeys(security.clientNonce, serverNonce);
        if (keys.clientToServer.isEmpty() || keys.serverToClient.isEmpty()) {
            protocolFailure(QWebSocketProtocol::CloseCodeBadOperation, ErrorCode::ImplementationError,
                            QStringLiteral("cannot derive session keys"));
            return;
        }
        sealer.emplace(settings.compressionThreshold(), keys.clientToServer);
        opener.emplace(settings.maxMessageSize(), keys.serverToClient);
        ready = true;
        const QList<QByteArray> held = std::exchange(heldUntilReady, {});
        for (const QByteArray &payload : held)
            writePayload(payload);
        Q_EMIT sessionReady();
        return;
    }
    QByteArray payload;
    QString why;
    switch (opener->open(frame, &payload, &why)) {
    case FrameOpener::Result::Ok:
        onPayload(payload);
        return;
    case FrameOpener::Result::TooLarge:
        protocolFailure(QWebSocketProtocol::CloseCodeTooMuchData, ErrorCode::MessageTooLarge, why);
        return;
    case FrameOpener::Result::Malformed:
    case FrameOpener::Result::DecompressionFailed:
        protocolFailure(QWebSocketProtocol::CloseCodeProtocolError, ErrorCode::ParseError, why);
        return;
    case FrameOpener::Result::AuthenticationFailed:
    case FrameOpener::Result::OutOfSequence:
        protocolFailure(QWebSocketProtocol::CloseCodePolicyViolated, ErrorCode::Unauthorized, why);
        return;
    }
}

void ConnectionPrivate::onTextFrame(const QString &text)
{
    missedHeartbeats = 0;
    if (binary) {
        protocolFailure(QWebSocketProtocol::CloseCodeDatatypeNotSupported, ErrorCode::ParseError,
                        QStringLiteral("text frame on the binary subprotocol %1").arg(subprotocol));
        return;
    }
    // The socket's own limit has the envelope's margin, which text frames do not have.
    const QByteArray payload = text.toUtf8();
    if (settings.maxMessageSize() >= 0 && payload.size() > settings.maxMessageSize()) {
        protocolFailure(QWebSocketProtocol::CloseCodeTooMuchData, ErrorCode::MessageTooLarge,
                        QStringLiteral("message of %1 bytes exceeds the %2-byte limit")
                            .arg(payload.size()).arg(settings.maxMessageSize()));
        return;
    }
    onPayload(payload);
}

void ConnectionPrivate::onPayload(const QByteArray &payload)
{
    lastMessageAt = clock.elapsed();
    ErrorCode code = ErrorCode::NoError;
    QString why;
    const Message message = codec->decode(payload, &code, &why);
    if (!message.isValid()) {
        // A bad message is answered, not fatal: the connection keeps serving.
        qCWarning(lcTransport) << "connection" << id << "received an undecodable message:" << why;
        const QList<quint64> ids = codec->peekRequestIds(payload);
        if (ids.isEmpty())
            writePayload(codec->encode(Message::error(0, code, why)));
        for (quint64 requestId : ids)
            writePayload(codec->encode(Message::error(requestId, code, why)));
        Q_EMIT q->errorOccurred(code, why);
        return;
    }
    dispatch(message);
}

void ConnectionPrivate::dispatch(const Message &message)
{
    switch (message.type()) {
    case Message::Type::Answer:
    case Message::Type::Error: {
        if (message.id() == 0) {
            Q_EMIT q->errorOccurred(message.errorCode(),
                                    QStringLiteral("peer reported: %1").arg(message.errorMessage()));
            return;
        }
        std::optional<PendingCall> call;
        {
            QMutexLocker locker(&mutex);
            auto it = pending.find(message.id());
            if (it != pending.end()) {
                call.emplace(std::move(it->second));
                pending.erase(it);
            }
        }
        if (!call) {
            qCDebug(lcTransport) << "connection" << id << "dropped an answer to unknown or timed-out request" << message.id();
            return;
        }
        call->complete(message);
        return;
    }
    case Message::Type::Request:
        if (!handler) {
            writePayload(codec->encode(Message::error(message.id(), ErrorCode::UnknownService,
                                                      QStringLiteral("no service is served here"))));
            return;
        }
        handler(message, Responder(std::make_shared<ConnectionResponderTarget>(link, q, message.id())));
        return;
    case Message::Type::Notification:
    case Message::Type::CallbackRelease:
        if (handler)
            handler(message, Responder());
        return;
    case Message::Type::Batch: {
        const QList<Message> messages = message.messages();
        if (handler && batchDelivery == BatchDelivery::Whole
            && std::all_of(messages.cbegin(), messages.cend(), [](const Message &m) {
                   return m.type() == Message::Type::Notification
                       || m.type() == Message::Type::CallbackRelease;
               })) {
            handler(message, Responder());
            return;
        }
        for (const Message &inner : messages) {
            if (finished)
                return;
            dispatch(inner);
        }
        return;
    }
    case Message::Type::Invalid:
        return;
    }
}

void ConnectionPrivate::failAllPending(ErrorCode code, const QString &why)
{
    std::unordered_map<quint64, PendingCall> failed;
    {
        QMutexLocker locker(&mutex);
        failed.swap(pending);
    }
    for (auto &[requestId, call] : failed)
        call.complete(Message::error(requestId, code, why));
}

void ConnectionPrivate::protocolFailure(QWebSocketProtocol::CloseCode code, ErrorCode error,
                                        const QString &why)
{
    qCWarning(lcTransport) << "connection" << id << "closing:" << why;
    Q_EMIT q->errorOccurred(error, why);
    socket->close(code, closeReason(why)); // a close reason must fit in a control frame
    finish(code, why);
    // The close frame needs a moment to leave; a peer that never answers it is cut off.
    QTimer::singleShot(1000, socket, &QWebSocket::abort);
}

void ConnectionPrivate::finish(QWebSocketProtocol::CloseCode code, const QString &reason)
{
    if (finished)
        return;
    finished = true;
    {
        QMutexLocker locker(&mutex);
        open = false;
        batch.clear();
    }
    {
        QMutexLocker locker(&link->mutex);
        link->connection = nullptr;
    }
    heartbeatTimer.stop();
    housekeepingTimer.stop();
    batchTimer.stop();
    const QString why = reason.isEmpty()
            ? QStringLiteral("connection closed (code %1)").arg(int(code))
            : QStringLiteral("connection closed: %1").arg(reason);
    failAllPending(ErrorCode::ConnectionClosed, why);
    qCDebug(lcTransport) << "connection" << id << "closed" << int(code) << reason;
    Q_EMIT q->closed(code, reason);
}

void ConnectionPrivate::onHeartbeat()
{
    if (finished)
        return;
    if (missedHeartbeats >= settings.missedHeartbeats()) {
        const QString why = QStringLiteral("peer missed %1 heartbeats of %2 ms")
                                .arg(missedHeartbeats).arg(settings.heartbeatInterval());
        Q_EMIT q->peerTimedOut();
        protocolFailure(QWebSocketProtocol::CloseCodeGoingAway, ErrorCode::Timeout, why);
        return;
    }
    ++missedHeartbeats;
    socket->ping();
}

void ConnectionPrivate::updateHousekeeping()
{
    bool needed = settings.idleTimeout() > 0;
    if (!needed) {
        QMutexLocker locker(&mutex);
        needed = !pending.empty() && settings.answerTimeout() > 0;
    }
    if (!needed) {
        housekeepingTimer.stop();
        return;
    }
    if (housekeepingTimer.isActive())
        return;
    int shortest = INT_MAX;
    if (settings.idleTimeout() > 0)
        shortest = settings.idleTimeout();
    if (settings.answerTimeout() > 0)
        shortest = std::min(shortest, settings.answerTimeout());
    // A tenth of the shortest timeout keeps deadlines within 10 % without waking too often.
    housekeepingTimer.start(std::clamp(shortest / 10, 20, 1000));
}

void ConnectionPrivate::onHousekeeping()
{
    const qint64 now = clock.elapsed();
    if (settings.idleTimeout() > 0 && now - lastMessageAt >= settings.idleTimeout()) {
        protocolFailure(QWebSocketProtocol::CloseCodeNormal, ErrorCode::Timeout,
                        QStringLiteral("idle for %1 ms").arg(now - lastMessageAt));
        return;
    }
    std::vector<std::pair<quint64, PendingCall>> expired;
    bool empty = false;
    {
        QMutexLocker locker(&mutex);
        for (auto it = pending.begin(); it != pending.end();) {
            if (it->second.deadline <= now) {
                expired.emplace_back(it->first, std::move(it->second));
                it = pending.erase(it);
            } else {
                ++it;
            }
        }
        empty = pending.empty();
    }
    for (auto &[requestId, call] : expired) {
        call.complete(Message::error(requestId, ErrorCode::Timeout,
                                     QStringLiteral("no answer within %1 ms").arg(settings.answerTimeout())));
    }
    if (empty && settings.idleTimeout() <= 0)
        housekeepingTimer.stop();
}

// ---------------------------------------------------------------------------------------------

Connection::Connection(QWebSocket *socket, Role role, const MessageCodecPointer &codec,
                       const ConnectionSettings &settings, QObject *parent)
    : QObject(parent)
{
    socket->setParent(this);
    d = std::make_unique<ConnectionPrivate>(this, socket, role, codec, settings);
}

Connection::~Connection()
{
    d->finish(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("connection object destroyed"));
    d->socket->abort();
}

quint64 Connection::id() const { return d->id; }
Connection::Role Connection::role() const { return d->role; }
QString Connection::subprotocol() const { return d->subprotocol; }
bool Connection::isEncrypted() const { return d->encrypted && d->binary; }
bool Connection::isOpen() const { return !d->finished; }
QHostAddress Connection::peerAddress() const { return d->peerAddress; }
quint16 Connection::peerPort() const { return d->peerPort; }
QString Connection::requestPath() const { return d->requestPath; }
ConnectionSettings Connection::settings() const { return d->settings; }

void Connection::setMessageHandler(const MessageHandler &handler, BatchDelivery delivery)
{
    d->handler = handler;
    d->batchDelivery = delivery;
}

QFuture<Message> Connection::call(const QString &target, const QString &method,
                                  const QCborArray &arguments)
{
    ConnectionPrivate::PendingCall call;
    call.promise.emplace();
    call.promise->start();
    QFuture<Message> future = call.promise->future();
    d->startCall(target, method, arguments, std::move(call));
    return future;
}

void Connection::call(const QString &target, const QString &method, const QCborArray &arguments,
                      QObject *context, AnswerHandler onDone)
{
    ConnectionPrivate::PendingCall call;
    call.onDone = std::move(onDone);
    if (context) {
        call.context = context;
        call.hasContext = true;
    }
    d->startCall(target, method, arguments, std::move(call));
}

void ConnectionPrivate::PendingCall::complete(const Message &answerOrError)
{
    if (promise) {
        promise->addResult(answerOrError);
        promise->finish();
        return;
    }
    if (!onDone)
        return;
    if (!hasContext) {
        onDone(answerOrError);
        return;
    }
    QObject *receiver = context.data();
    if (!receiver)
        return; // the context is gone: the handler must not run
    if (receiver->thread() == QThread::currentThread()) {
        onDone(answerOrError);
        return;
    }
    // A queued call to a receiver destroyed meanwhile is dropped by Qt, as wanted.
    QMetaObject::invokeMethod(receiver, [handler = std::move(onDone), answerOrError] {
        handler(answerOrError);
    }, Qt::QueuedConnection);
}

void ConnectionPrivate::startCall(const QString &target, const QString &method,
                                  const QCborArray &arguments, PendingCall call)
{
    const quint64 requestId = nextRequestId.fetch_add(1, std::memory_order_relaxed);
    const QByteArray payload = cbor ? CborCodec::encodeRequest(requestId, target, method, arguments)
                                    : codec->encode(Message::request(requestId, target, method, arguments));
    if (settings.maxMessageSize() >= 0 && payload.size() > settings.maxMessageSize()) {
        call.complete(Message::error(requestId, ErrorCode::MessageTooLarge,
                                     QStringLiteral("request of %1 bytes exceeds the %2-byte limit")
                                         .arg(payload.size()).arg(settings.maxMessageSize())));
        return;
    }
    {
        QMutexLocker locker(&mutex);
        if (!open) {
            locker.unlock();
            call.complete(Message::error(requestId, ErrorCode::ConnectionClosed,
                                         QStringLiteral("connection is closed")));
            return;
        }
        call.deadline = settings.answerTimeout() > 0
                ? clock.elapsed() + settings.answerTimeout() : std::numeric_limits<qint64>::max();
        pending.emplace(requestId, std::move(call));
    }
    if (inOwnThread()) {
        flushBatch();
        writePayload(payload);
        updateHousekeeping();
    } else {
        post([this, payload] {
            flushBatch();
            writePayload(payload);
            updateHousekeeping();
        });
    }
}

Message waitForAnswer(QFuture<Message> future, QObject *context)
{
    if (future.isFinished())
        return future.result();
    if (QThread::currentThread() == context->thread()) {
        QEventLoop loop;
        QFutureWatcher<Message> watcher;
        QObject::connect(&watcher, &QFutureWatcher<Message>::finished, &loop, &QEventLoop::quit);
        watcher.setFuture(future);
        if (!future.isFinished())
            loop.exec(QEventLoop::ExcludeUserInputEvents);
    } else {
        future.waitForFinished();
    }
    return future.result();
}

Message Connection::callAndWait(const QString &target, const QString &method,
                                const QCborArray &arguments)
{
    return waitForAnswer(call(target, method, arguments), this);
}

QByteArray Connection::encodeNotification(const QString &target, const QString &method,
                                          const QCborArray &arguments) const
{
    return d->codec->encode(Message::notification(target, method, arguments));
}

void Connection::sendNotification(const QString &target, const QString &method,
                                  const QCborArray &arguments)
{
    d->enqueueNotification(encodeNotification(target, method, arguments));
}

void Connection::sendEncodedNotification(const QByteArray &encoded)
{
    d->enqueueNotification(encoded);
}

void Connection::sendMessage(const Message &message)
{
    QByteArray payload = d->codec->encode(message);
    if (d->settings.maxMessageSize() >= 0 && payload.size() > d->settings.maxMessageSize()) {
        const QString why = QStringLiteral("message of %1 bytes exceeds the %2-byte limit")
                                .arg(payload.size()).arg(d->settings.maxMessageSize());
        qCWarning(lcTransport) << "connection" << d->id << "not sending:" << why;
        if (message.type() == Message::Type::Answer)
            payload = d->codec->encode(Message::error(message.id(), ErrorCode::MessageTooLarge, why));
        else
            return;
    }
    d->sendNow(payload);
}

qint64 Connection::queuedBytes() const
{
    QMutexLocker locker(&d->mutex);
    return d->batchBytes + (d->inOwnThread() ? d->socket->bytesToWrite() : 0);
}

void Connection::close(QWebSocketProtocol::CloseCode code, const QString &reason)
{
    auto doClose = [this, code, reason] {
        if (d->finished)
            return;
        d->flushBatch();
        d->socket->close(code, closeReason(reason));
    };
    if (d->inOwnThread())
        doClose();
    else
        d->post(doClose);
}

void Connection::abort(const QString &reason)
{
    auto doAbort = [this, reason] {
        d->finish(QWebSocketProtocol::CloseCodeAbnormalDisconnection, reason);
        d->socket->abort();
    };
    if (d->inOwnThread())
        doAbort();
    else
        d->post(doAbort);
}

} // namespace Burrow
