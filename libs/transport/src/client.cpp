#include <Burrow/client.h>

#include "connection_p.h"
#include "httprpc_p.h"
#include "logging_p.h"

#include <QtCore/QEventLoop>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QRandomGenerator>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtWebSockets/QWebSocketHandshakeOptions>

namespace Burrow {

class ClientPrivate : public QObject
{
public:
    explicit ClientPrivate(Client *q) : q(q)
    {
        connectTimer.setSingleShot(true);
        reconnectTimer.setSingleShot(true);
        QObject::connect(&connectTimer, &QTimer::timeout, this, [this] {
            failAttempt(ErrorCode::Timeout, QStringLiteral("no connection within %1 ms").arg(settings.connectTimeout()));
        });
        QObject::connect(&reconnectTimer, &QTimer::timeout, this, &ClientPrivate::openSocket);
    }

    void setState(Client::State newState);
    void openSocket();
    void onSocketConnected();
    void onSessionReady();
    void failAttempt(ErrorCode code, const QString &why);
    void onConnectionClosed(QWebSocketProtocol::CloseCode code, const QString &reason);
    void scheduleReconnect();
    void dropSocket();
    void setError(ErrorCode code, const QString &why);
    QFuture<Message> httpCall(const QString &target, const QString &method, const QCborArray &arguments);

    Client *q;
    ClientSettings settings;
    QUrl url;
    Client::State state = Client::State::Disconnected;
    bool http = false;
    bool wantConnected = false;
    bool hadConnection = false;
    int attempt = 0;
    QWebSocket *socket = nullptr;
    SessionSecurity security;
    // Guards `connection` (written in the client's thread only) for call() from other threads.
    // Recursive: a call that fails at once runs its handler under it, and that may call again.
    mutable QRecursiveMutex connectionMutex;
    Connection *connection = nullptr;
    MessageHandler handler;
    BatchDelivery batchDelivery = BatchDelivery::Members;
    QTimer connectTimer;
    QTimer reconnectTimer;
    QNetworkAccessManager *network = nullptr;
    ErrorCode error = ErrorCode::NoError;
    QString errorString;
};

void ClientPrivate::setState(Client::State newState)
{
    if (state == newState)
        return;
    state = newState;
    Q_EMIT q->stateChanged(newState);
}

void ClientPrivate::setError(ErrorCode code, const QString &why)
{
    error = code;
    errorString = why;
    qCWarning(lcTransport).noquote() << "client" << url.toDisplayString() << ":" << why;
    Q_EMIT q->errorOccurred(code, why);
}

void ClientPrivate::openSocket()
{
    dropSocket();
    if (!settings.codec()) {
        setError(ErrorCode::NotSupported, QStringLiteral("no codec for subprotocol %1").arg(settings.subprotocol()));
        setState(Client::State::Disconnected);
        return;
    }
    setState(hadConnection ? Client::State::Reconnecting : Client::State::Connecting);
    socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    if (url.scheme() == QLatin1String("wss"))
        socket->setSslConfiguration(settings.sslConfiguration());
    QNetworkRequest request(url);
    security = {};
    const PreSharedKey key(settings.preSharedKey());
    if (!key.isNull()) {
        security.key = key;
        security.clientNonce = PreSharedKey::randomNonce();
        request.setRawHeader("Burrow-Nonce", security.clientNonce.toBase64());
        request.setRawHeader("Burrow-Proof", key.clientProof(security.clientNonce).toBase64());
    }
    QWebSocketHandshakeOptions options;
    options.setSubprotocols({settings.subprotocol()});
    QObject::connect(socket, &QWebSocket::connected, this, &ClientPrivate::onSocketConnected);
    QObject::connect(socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this, [this] {
        if (socket)
            failAttempt(ErrorCode::ConnectionClosed, socket->errorString());
    });
    QObject::connect(socket, &QWebSocket::disconnected, this, [this] {
        if (!socket)
            return;
        // A refused or failed TCP connection ends here too, before error() is emitted: say what
        // happened rather than blame the upgrade.
        if (socket->error() != QAbstractSocket::UnknownSocketError)
            failAttempt(ErrorCode::ConnectionClosed, socket->errorString());
        else
            failAttempt(ErrorCode::ConnectionClosed, QStringLiteral("server closed the connection during the upgrade"));
    });
    QObject::connect(socket, &QWebSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
        if (socket && !errors.isEmpty())
            failAttempt(ErrorCode::Unauthorized, QStringLiteral("TLS: %1").arg(errors.constFirst().errorString()));
    });
    if (settings.connectTimeout() > 0)
        connectTimer.start(settings.connectTimeout());
    socket->open(request, options);
}

void ClientPrivate::dropSocket()
{
    if (!socket)
        return;
    QWebSocket *old = std::exchange(socket, nullptr);
    old->disconnect(this);
    old->abort();
    old->deleteLater();
}

void ClientPrivate::onSocketConnected()
{
    connectTimer.stop();
    QWebSocket *ready = std::exchange(socket, nullptr);
    ready->disconnect(this);
    if (ready->subprotocol() != settings.subprotocol()) {
        const QString why = QStringLiteral("server did not accept subprotocol %1 (answered \"%2\")")
                                .arg(settings.subprotocol(), ready->subprotocol());
        ready->abort();
        ready->deleteLater();
        wantConnected = false;
        setError(ErrorCode::NotSupported, why);
        setState(Client::State::Disconnected);
        return;
    }
    auto *newConnection = new Connection(ready, Connection::Role::Client, settings.codec(), settings, this);
    newConnection->setMessageHandler(handler, batchDelivery);
    QObject::connect(newConnection, &Connection::closed, this, &ClientPrivate::onConnectionClosed);
    QObject::connect(newConnection, &Connection::errorOccurred, q, &Client::errorOccurred);
    {
        QMutexLocker locker(&connectionMutex);
        connection = newConnection;
    }
    newConnection->d->setUpEncryption(security);
    if (newConnection->d->isReady()) {
        onSessionReady();
    } else {
        connectTimer.start(std::max(settings.connectTimeout(), 1));
        QObject::connect(newConnection->d.get(), &ConnectionPrivate::sessionReady, this, &ClientPrivate::onSessionReady);
    }
}

void ClientPrivate::onSessionReady()
{
    connectTimer.stop();
    const bool again = hadConnection;
    hadConnection = true;
    attempt = 0;
    error = ErrorCode::NoError;
    errorString.clear();
    setState(Client::State::Connected);
    Q_EMIT q->connected();
    if (again)
        Q_EMIT q->reconnected();
}

void ClientPrivate::failAttempt(ErrorCode code, const QString &why)
{
    connectTimer.stop();
    dropSocket();
    Connection *half = nullptr;
    {
        QMutexLocker locker(&connectionMutex);
        if (connection && !connection->d->isReady())
            half = std::exchange(connection, nullptr);
    }
    if (half) {
        half->disconnect(this);
        half->deleteLater();
    }
    // Qt reports a refused upgrade as "... status code: 401 (<reason>)"; the reason is ours.
    ErrorCode reported = code;
    QString message = why;
    if (why.contains(QLatin1String(": 401 ")))
        reported = ErrorCode::Unauthorized;
    else if (why.contains(QLatin1String(": 503 ")))
        reported = ErrorCode::Unavailable;
    else if (why.contains(QLatin1String(": 400 ")))
        reported = ErrorCode::NotSupported;
    else if (why.contains(QLatin1String("processHandshake: Unknown error condition"))) {
        // Qt 6.4 says only this for a 400 answer, dropping the status and our reason: name the
        // causes a Burrow server refuses with 400 (docs/PROTOCOL.md, section 2).
        reported = ErrorCode::NotSupported;
        message = QStringLiteral("server refused the WebSocket upgrade with HTTP 400: it does not speak subprotocol %1")
                      .arg(settings.subprotocol());
        if (!security.key.isNull())
            message += QStringLiteral(", or it has no pre-shared key and this client sends one");
        message += QStringLiteral(" (Qt: %1)").arg(why);
    }
    setError(reported, message);
    // A wrong key or an unsupported protocol will not fix itself: retrying would only hammer.
    if (reported == ErrorCode::Unauthorized || reported == ErrorCode::NotSupported)
        wantConnected = false;
    scheduleReconnect();
}

void ClientPrivate::onConnectionClosed(QWebSocketProtocol::CloseCode code, const QString &reason)
{
    Connection *closed = nullptr;
    {
        QMutexLocker locker(&connectionMutex);
        closed = std::exchange(connection, nullptr);
    }
    if (!closed)
        return;
    closed->disconnect(this);
    closed->deleteLater();
    const bool wasReady = closed->d->isReady();
    if (!wasReady) {
        failAttempt(ErrorCode::Unauthorized, reason.isEmpty() ? QStringLiteral("session handshake failed") : reason);
        return;
    }
    Q_EMIT q->disconnected(code, reason);
    if (code == QWebSocketProtocol::CloseCodePolicyViolated && reason.contains(QLatin1String("key")))
        wantConnected = false;
    scheduleReconnect();
}

void ClientPrivate::scheduleReconnect()
{
    if (!wantConnected || settings.reconnect() != ClientSettings::Reconnect::Automatically) {
        wantConnected = false;
        setState(Client::State::Disconnected);
        return;
    }
    // Exponential backoff with jitter, so that a restarted server is not hit by every client at once.
    const int shift = std::min(attempt++, 16);
    const qint64 base = std::min<qint64>(qint64(settings.reconnectInitialDelay()) << shift, settings.reconnectMaxDelay());
    const double jitter = 0.8 + 0.4 * QRandomGenerator::global()->generateDouble();
    setState(Client::State::Reconnecting);
    reconnectTimer.start(int(base * jitter));
}

QFuture<Message> ClientPrivate::httpCall(const QString &target, const QString &method, const QCborArray &arguments)
{
    auto promise = std::make_shared<QPromise<Message>>();
    promise->start();
    QFuture<Message> future = promise->future();
    auto send = [this, promise, target, method, arguments] {
        if (!network)
            network = new QNetworkAccessManager(this);
        QUrl callUrl = url;
        QString path = url.path();
        while (path.endsWith(QLatin1Char('/')))
            path.chop(1);
        callUrl.setPath(path + QLatin1Char('/') + target + QLatin1Char('/') + method);
        QNetworkRequest request(callUrl);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        if (settings.answerTimeout() > 0)
            request.setTransferTimeout(settings.answerTimeout());
        if (callUrl.scheme() == QLatin1String("https"))
            request.setSslConfiguration(settings.sslConfiguration());
        const QByteArray body = QJsonDocument(arguments.toJsonArray()).toJson(QJsonDocument::Compact);
        QNetworkReply *reply = network->post(request, body);
        QObject::connect(reply, &QNetworkReply::finished, this, [reply, promise] {
            reply->deleteLater();
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            Message answer;
            if (status == 0) {
                const ErrorCode code = reply->error() == QNetworkReply::OperationCanceledError
                        || reply->error() == QNetworkReply::TimeoutError ? ErrorCode::Timeout : ErrorCode::ConnectionClosed;
                answer = Message::error(0, code, reply->errorString());
            } else {
                answer = httpRpcAnswerFromBody(0, status, reply->readAll());
            }
            promise->addResult(answer);
            promise->finish();
        });
    };
    if (QThread::currentThread() == thread())
        send();
    else
        QMetaObject::invokeMethod(this, send, Qt::QueuedConnection);
    return future;
}

// ---------------------------------------------------------------------------------------------

Client::Client(QObject *parent)
    : QObject(parent), d(std::make_unique<ClientPrivate>(this))
{
}

Client::~Client()
{
    disconnectFromServer();
}

ClientSettings Client::settings() const { return d->settings; }
void Client::setSettings(const ClientSettings &settings) { d->settings = settings; }

void Client::connectToServer(const QUrl &url)
{
    disconnectFromServer();
    d->url = url;
    d->hadConnection = false;
    d->attempt = 0;
    d->error = ErrorCode::NoError;
    d->errorString.clear();
    const QString scheme = url.scheme();
    if (scheme == QLatin1String("http") || scheme == QLatin1String("https")) {
        d->http = true;
        d->wantConnected = true;
        d->setState(State::Connected);
        // Queued, so that callers can connect to connected() after this call.
        QMetaObject::invokeMethod(this, [this] {
            if (d->http && d->state == State::Connected)
                Q_EMIT connected();
        }, Qt::QueuedConnection);
        return;
    }
    if (scheme != QLatin1String("ws") && scheme != QLatin1String("wss")) {
        d->setError(ErrorCode::NotSupported,
                    QStringLiteral("unsupported URL scheme \"%1\": use ws, wss, http or https").arg(scheme));
        return;
    }
    d->http = false;
    d->wantConnected = true;
    d->openSocket();
}

void Client::disconnectFromServer()
{
    d->wantConnected = false;
    d->reconnectTimer.stop();
    d->connectTimer.stop();
    d->dropSocket();
    Connection *current = nullptr;
    {
        QMutexLocker locker(&d->connectionMutex);
        current = std::exchange(d->connection, nullptr);
    }
    if (current) {
        current->disconnect(d.get());
        current->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("client disconnected"));
        // Let the close frame leave before the object goes.
        QTimer::singleShot(1000, current, &QObject::deleteLater);
        QObject::connect(current, &Connection::closed, current, &QObject::deleteLater);
        const bool wasReady = current->d->isReady();
        if (wasReady)
            Q_EMIT disconnected(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("client disconnected"));
    }
    d->http = false;
    d->setState(State::Disconnected);
}

Client::State Client::state() const { return d->state; }
QUrl Client::url() const { return d->url; }
bool Client::isHttp() const { return d->http; }

Connection *Client::connection() const
{
    QMutexLocker locker(&d->connectionMutex);
    return d->connection && d->connection->d->isReady() ? d->connection : nullptr;
}

void Client::setMessageHandler(const MessageHandler &handler, BatchDelivery delivery)
{
    d->handler = handler;
    d->batchDelivery = delivery;
    QMutexLocker locker(&d->connectionMutex);
    if (d->connection)
        d->connection->setMessageHandler(handler, delivery);
}

QFuture<Message> Client::call(const QString &target, const QString &method, const QCborArray &arguments)
{
    if (d->http)
        return d->httpCall(target, method, arguments);
    {
        QMutexLocker locker(&d->connectionMutex);
        if (d->connection)
            return d->connection->call(target, method, arguments);
    }
    QPromise<Message> promise;
    promise.start();
    promise.addResult(Message::error(0, ErrorCode::ConnectionClosed, QStringLiteral("not connected")));
    promise.finish();
    return promise.future();
}

void Client::call(const QString &target, const QString &method, const QCborArray &arguments,
                  QObject *context, AnswerHandler onDone)
{
    auto pendingCall = [&context, &onDone] {
        ConnectionPrivate::PendingCall call;
        call.onDone = std::move(onDone);
        if (context) {
            call.context = context;
            call.hasContext = true;
        }
        return call;
    };
    if (d->http) {
        // HTTP answers arrive in this client's thread; a null context means that thread.
        if (!context)
            context = this;
        auto call = std::make_shared<ConnectionPrivate::PendingCall>(pendingCall());
        d->httpCall(target, method, arguments).then(QtFuture::Launch::Sync, [call](const Message &answer) {
            call->complete(answer);
        });
        return;
    }
    if (QThread::currentThread() == thread()) {
        // `connection` only changes in this thread: no lock needed.
        if (d->connection) {
            d->connection->call(target, method, arguments, context, std::move(onDone));
            return;
        }
    } else {
        QMutexLocker locker(&d->connectionMutex);
        if (d->connection) {
            d->connection->call(target, method, arguments, context, std::move(onDone));
            return;
        }
    }
    pendingCall().complete(Message::error(0, ErrorCode::ConnectionClosed, QStringLiteral("not connected")));
}

Message Client::callAndWait(const QString &target, const QString &method, const QCborArray &arguments)
{
    return waitForAnswer(call(target, method, arguments), this);
}

bool Client::waitForConnected(int milliseconds)
{
    if (d->state == State::Connected)
        return true;
    QEventLoop loop;
    QObject::connect(this, &Client::connected, &loop, &QEventLoop::quit);
    QObject::connect(this, &Client::stateChanged, &loop, [&loop](State state) {
        if (state == State::Disconnected)
            loop.quit();
    });
    if (milliseconds >= 0)
        QTimer::singleShot(milliseconds, &loop, &QEventLoop::quit);
    if (d->state == State::Connecting || d->state == State::Reconnecting)
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    return d->state == State::Connected;
}

ErrorCode Client::error() const { return d->error; }
QString Client::errorString() const { return d->errorString; }

} // namespace Burrow
