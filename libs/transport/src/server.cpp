#include <Burrow/server.h>

#include "connection_p.h"
#include "httpconnection_p.h"
#include "httprpc_p.h"
#include "logging_p.h"

#include <QtNetwork/QSslServer>
#include <QtNetwork/QSslSocket>
#include <QtNetwork/QTcpServer>
#include <QtWebSockets/QWebSocketServer>

#include <map>

namespace Burrow {

class ServerPrivate : public QObject
{
public:
    explicit ServerPrivate(Server *q) : q(q) {}

    struct Route
    {
        QByteArray method;
        QString prefix;
        HttpHandler handler;
    };
    struct AcceptedUpgrade
    {
        MessageCodecPointer codec;
        SessionSecurity security;
    };
    using PeerKey = std::pair<QString, quint16>;

    void onPendingConnections();
    void serveHttp(HttpConnection *http, const HttpRequest &request, const HttpResponder &responder);
    void onUpgradeRequest(HttpConnection *http, const HttpRequest &head);
    void refuseUpgrade(HttpConnection *http, const HttpRequest &head, int status, const QString &reason);
    void onWebSocket();
    int openConnectionCount() const { return int(httpConnections.size() + connections.size() + upgrading.size()); }
    MessageCodecPointer codecFor(const QString &subprotocol) const;

    Server *q;
    ServerSettings settings;
    std::unique_ptr<QTcpServer> listener;
    std::unique_ptr<QWebSocketServer> webSockets;
    QList<Route> routes;
    MessageHandler messageHandler;
    QSet<HttpConnection *> httpConnections;
    std::map<PeerKey, AcceptedUpgrade> upgrading;
    QList<Connection *> connections;
    QString errorString;
};

MessageCodecPointer ServerPrivate::codecFor(const QString &subprotocol) const
{
    for (const MessageCodecPointer &codec : settings.codecs()) {
        if (codec->subprotocol() == subprotocol)
            return codec;
    }
    return {};
}

void ServerPrivate::onPendingConnections()
{
    while (listener->hasPendingConnections()) {
        QTcpSocket *socket = listener->nextPendingConnection();
        if (!socket)
            break;
        if (openConnectionCount() >= settings.maxConnections()) {
            qCWarning(lcTransport) << "refusing connection from" << socket->peerAddress()
                                   << ": at the limit of" << settings.maxConnections() << "connections";
            // As an upgrade refusal (docs/PROTOCOL.md, section 2): the reason on the status line
            // (all that Qt's WebSocket client reports) and in Burrow-Error. HttpConnection's
            // lingering close keeps the request the peer is still sending from turning the
            // answer into a reset.
            const QString reason = QStringLiteral("server at capacity: %1 connections").arg(settings.maxConnections());
            HttpResponse response = HttpResponse::error(503, reason);
            response.setHeader("Retry-After", "1");
            response.setHeader("Burrow-Error", reason.toUtf8());
            auto *refused = new HttpConnection(socket, HttpConnection::Limits(), this);
            QObject::connect(refused, &HttpConnection::finished, refused, &QObject::deleteLater);
            refused->respondAndClose(response, reason.toUtf8());
            continue;
        }
        HttpConnection::Limits limits;
        limits.maxHeaderSize = settings.maxHttpHeaderSize();
        limits.maxBodySize = settings.maxHttpBodySize();
        limits.keepAliveTimeout = settings.httpKeepAliveTimeout();
        limits.headerTimeout = settings.handshakeTimeout();
        auto *http = new HttpConnection(socket, limits, this);
        httpConnections.insert(http);
        http->setRequestHandler([this, http](const HttpRequest &request, const HttpResponder &responder) {
            serveHttp(http, request, responder);
        });
        http->setUpgradeHandler([this, http](const HttpRequest &head) { onUpgradeRequest(http, head); });
        QObject::connect(http, &HttpConnection::finished, this, [this, http] {
            httpConnections.remove(http);
            http->deleteLater();
        });
        http->start();
    }
}

void ServerPrivate::serveHttp(HttpConnection *, const HttpRequest &request, const HttpResponder &responder)
{
    const QString path = request.url().path();
    const QString rpcPath = settings.httpRpcPath();
    if (!rpcPath.isEmpty() && path.startsWith(rpcPath + QLatin1Char('/'))) {
        // RPC is POST only (docs/PROTOCOL.md, section 8): a GET (a link, a crawler, a cross-site
        // <img>) must not call a method.
        if (request.method() != "POST") {
            HttpResponse response = HttpResponse::error(405, QStringLiteral("RPC calls are POST %1/<target>/<method>").arg(rpcPath));
            response.setHeader("Allow", "POST");
            responder.respond(response);
            return;
        }
        serveHttpRpc(rpcPath, messageHandler, request, responder);
        return;
    }
    const Route *best = nullptr;
    bool pathMatched = false;
    for (const Route &route : std::as_const(routes)) {
        const bool matches = path == route.prefix
                || (path.startsWith(route.prefix)
                    && (route.prefix.endsWith(QLatin1Char('/')) || path.at(route.prefix.size()) == QLatin1Char('/')));
        if (!matches)
            continue;
        pathMatched = true;
        if (!route.method.isEmpty() && route.method != request.method())
            continue;
        if (!best || route.prefix.size() > best->prefix.size())
            best = &route;
    }
    if (best) {
        best->handler(request, responder);
        return;
    }
    if (pathMatched) {
        responder.respond(HttpResponse::error(405, QStringLiteral("method %1 not allowed on %2")
                                                       .arg(QString::fromLatin1(request.method()), path)));
        return;
    }
    responder.respond(HttpResponse::error(404, QStringLiteral("nothing is served at %1").arg(path)));
}

void ServerPrivate::refuseUpgrade(HttpConnection *http, const HttpRequest &head, int status, const QString &reason)
{
    qCWarning(lcTransport) << "refused WebSocket upgrade from" << head.peerAddress() << status << reason;
    Q_EMIT q->upgradeRefused(head.peerAddress(), status, reason);
    // The reason is also the status line's phrase: Qt's client reports only that line.
    HttpResponse response = HttpResponse::error(status, reason);
    response.setHeader("Burrow-Error", reason.toUtf8());
    http->respondAndClose(response, reason.toUtf8());
}

void ServerPrivate::onUpgradeRequest(HttpConnection *http, const HttpRequest &head)
{
    if (head.header("upgrade").toLower() != "websocket") {
        refuseUpgrade(http, head, 400, QStringLiteral("only WebSocket upgrades are served"));
        return;
    }
    if (int(connections.size() + upgrading.size()) >= settings.maxConnections()) {
        refuseUpgrade(http, head, 503, QStringLiteral("server at capacity: %1 connections").arg(settings.maxConnections()));
        return;
    }
    // Subprotocol negotiation: the client's first offer that this server speaks.
    MessageCodecPointer codec;
    QStringList offered;
    for (const QByteArray &token : head.header("sec-websocket-protocol").split(',')) {
        const QString name = QString::fromLatin1(token.trimmed());
        if (name.isEmpty())
            continue;
        offered.append(name);
        if (!codec)
            codec = codecFor(name);
    }
    if (!codec) {
        QStringList spoken;
        for (const MessageCodecPointer &c : settings.codecs())
            spoken.append(c->subprotocol());
        refuseUpgrade(http, head, 400,
                      offered.isEmpty()
                          ? QStringLiteral("no WebSocket subprotocol requested; this server speaks %1").arg(spoken.join(QStringLiteral(", ")))
                          : QStringLiteral("unsupported WebSocket subprotocol %1; this server speaks %2")
                                .arg(offered.join(QStringLiteral(", ")), spoken.join(QStringLiteral(", "))));
        return;
    }
    // Key proof: with a pre-shared key, every client must prove it holds the key, whatever the
    // subprotocol (binary frames are then also encrypted).
    SessionSecurity security;
    const QByteArray nonce = QByteArray::fromBase64(head.header("burrow-nonce"));
    const QByteArray proof = QByteArray::fromBase64(head.header("burrow-proof"));
    const PreSharedKey key(settings.preSharedKey());
    if (!key.isNull()) {
        if (nonce.isEmpty() || proof.isEmpty()) {
            refuseUpgrade(http, head, 401, QStringLiteral("this server requires a pre-shared key"));
            return;
        }
        if (nonce.size() != 16 || !key.verifyClientProof(nonce, proof)) {
            refuseUpgrade(http, head, 401, QStringLiteral("wrong pre-shared key"));
            return;
        }
        security.key = key;
        security.clientNonce = nonce;
    } else if (!proof.isEmpty()) {
        refuseUpgrade(http, head, 400, QStringLiteral("this server has no pre-shared key; connect without one"));
        return;
    }

    QTcpSocket *socket = http->takeSocket();
    httpConnections.remove(http);
    http->deleteLater();
    upgrading[{socket->peerAddress().toString(), socket->peerPort()}] = {codec, security};
    QObject::connect(socket, &QObject::destroyed, this,
                     [this, key = PeerKey{socket->peerAddress().toString(), socket->peerPort()}] { upgrading.erase(key); });
    webSockets->handleConnection(socket);
}

void ServerPrivate::onWebSocket()
{
    while (QWebSocket *socket = webSockets->nextPendingConnection()) {
        const auto it = upgrading.find({socket->peerAddress().toString(), socket->peerPort()});
        if (it == upgrading.end()) {
            qCWarning(lcTransport) << "WebSocket from" << socket->peerAddress() << "without a validated upgrade";
            socket->abort();
            socket->deleteLater();
            continue;
        }
        const AcceptedUpgrade accepted = it->second;
        upgrading.erase(it);
        auto *connection = new Connection(socket, Connection::Role::Server, accepted.codec, settings, q);
        connection->d->setUpEncryption(accepted.security);
        connection->setMessageHandler(messageHandler);
        connections.append(connection);
        QObject::connect(connection, &Connection::closed, this, [this, connection] {
            connections.removeOne(connection);
            Q_EMIT q->connectionClosed(connection);
            connection->deleteLater();
        });
        qCDebug(lcTransport) << "connection" << connection->id() << "from" << connection->peerAddress()
                             << "speaks" << connection->subprotocol() << (connection->isEncrypted() ? "encrypted" : "");
        Q_EMIT q->newConnection(connection);
    }
}

// ---------------------------------------------------------------------------------------------

Server::Server(QObject *parent)
    : QObject(parent), d(std::make_unique<ServerPrivate>(this))
{
}

Server::~Server()
{
    close();
}

ServerSettings Server::settings() const { return d->settings; }
void Server::setSettings(const ServerSettings &settings)
{
    d->settings = settings;
    // The upgrade handshake of connections accepted from now on uses the new codecs: the
    // QWebSocketServer echoes only the subprotocols it was told about.
    if (d->webSockets) {
        QStringList subprotocols;
        for (const MessageCodecPointer &codec : settings.codecs())
            subprotocols.append(codec->subprotocol());
        d->webSockets->setSupportedSubprotocols(subprotocols);
        d->webSockets->setHandshakeTimeout(std::chrono::milliseconds(settings.handshakeTimeout()));
    }
}

bool Server::listen(const QHostAddress &address, quint16 port)
{
    close();
    if (d->settings.isTlsEnabled()) {
        auto *ssl = new QSslServer;
        ssl->setSslConfiguration(d->settings.sslConfiguration());
        ssl->setHandshakeTimeout(d->settings.handshakeTimeout());
        d->listener.reset(ssl);
    } else {
        d->listener = std::make_unique<QTcpServer>();
    }
    d->listener->setMaxPendingConnections(std::max(d->settings.maxConnections(), 30));
    QObject::connect(d->listener.get(), &QTcpServer::pendingConnectionAvailable, d.get(),
                     &ServerPrivate::onPendingConnections);
    if (!d->listener->listen(address, port)) {
        d->errorString = d->listener->errorString();
        d->listener.reset();
        return false;
    }

    d->webSockets = std::make_unique<QWebSocketServer>(QStringLiteral("Burrow"), QWebSocketServer::NonSecureMode);
    QStringList subprotocols;
    for (const MessageCodecPointer &codec : d->settings.codecs())
        subprotocols.append(codec->subprotocol());
    d->webSockets->setSupportedSubprotocols(subprotocols);
    d->webSockets->setHandshakeTimeout(std::chrono::milliseconds(d->settings.handshakeTimeout()));
    d->webSockets->setMaxPendingConnections(std::max(d->settings.maxConnections(), 30));
    QObject::connect(d->webSockets.get(), &QWebSocketServer::newConnection, d.get(), &ServerPrivate::onWebSocket);

    return true;
}

void Server::close()
{
    if (d->listener)
        d->listener->close();
    d->listener.reset();
    const QList<Connection *> open = d->connections;
    for (Connection *connection : open)
        connection->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("server shutting down"));
    for (HttpConnection *http : std::as_const(d->httpConnections))
        http->deleteLater();
    d->httpConnections.clear();
    d->webSockets.reset();
}

bool Server::isListening() const { return d->listener && d->listener->isListening(); }
QHostAddress Server::serverAddress() const { return d->listener ? d->listener->serverAddress() : QHostAddress(); }
quint16 Server::serverPort() const { return d->listener ? d->listener->serverPort() : 0; }
QString Server::errorString() const { return d->errorString; }

static QUrl serverUrl(const Server *server, const QString &scheme)
{
    QUrl url;
    url.setScheme(scheme);
    QHostAddress address = server->serverAddress();
    if (address == QHostAddress::Any || address == QHostAddress::AnyIPv4)
        address = QHostAddress::LocalHost;
    else if (address == QHostAddress::AnyIPv6)
        address = QHostAddress::LocalHostIPv6;
    url.setHost(address.toString());
    url.setPort(server->serverPort());
    url.setPath(QStringLiteral("/"));
    return url;
}

QUrl Server::webSocketUrl() const
{
    return serverUrl(this, d->settings.isTlsEnabled() ? QStringLiteral("wss") : QStringLiteral("ws"));
}

QUrl Server::httpUrl() const
{
    return serverUrl(this, d->settings.isTlsEnabled() ? QStringLiteral("https") : QStringLiteral("http"));
}

void Server::addRoute(const QByteArray &method, const QString &pathPrefix, const HttpHandler &handler)
{
    QString prefix = pathPrefix;
    if (!prefix.startsWith(QLatin1Char('/')))
        prefix.prepend(QLatin1Char('/'));
    d->routes.append({method.toUpper(), prefix, handler});
}

void Server::setMessageHandler(const MessageHandler &handler)
{
    d->messageHandler = handler;
    for (Connection *connection : std::as_const(d->connections))
        connection->setMessageHandler(handler);
}

QList<Connection *> Server::connections() const { return d->connections; }
int Server::connectionCount() const { return int(d->connections.size()); }

} // namespace Burrow
