#pragma once

#include <Burrow/connection.h>
#include <Burrow/http.h>
#include <Burrow/settings.h>

#include <QtCore/QObject>
#include <QtNetwork/QHostAddress>

#include <memory>

namespace Burrow {

class ServerPrivate;

// Listens on one TCP port: plain HTTP/1.1 requests go to the routes added with addRoute() (and
// RPC calls under ServerSettings::httpRpcPath() to the message handler); requests carrying
// "Upgrade: websocket" become Connections speaking the negotiated subprotocol.
class BURROW_TRANSPORT_EXPORT Server : public QObject
{
    Q_OBJECT
public:
    explicit Server(QObject *parent = nullptr);
    ~Server() override;

    ServerSettings settings() const;
    // Applies to connections accepted afterwards.
    void setSettings(const ServerSettings &settings);

    bool listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    void close();
    bool isListening() const;
    QHostAddress serverAddress() const;
    quint16 serverPort() const;
    QString errorString() const;
    // "ws://127.0.0.1:port/" (or wss://) for the listening address; http(s):// for HTTP.
    QUrl webSocketUrl() const;
    QUrl httpUrl() const;

    // Plain HTTP route: the handler gets requests whose method matches (empty: any) and whose
    // path equals pathPrefix or continues it after a '/'. The longest matching prefix wins.
    void addRoute(const QByteArray &method, const QString &pathPrefix, const HttpHandler &handler);

    // Handler for requests, notifications and callback releases from every connection, and for
    // RPC requests over plain HTTP (then Responder::connection() is nullptr).
    void setMessageHandler(const MessageHandler &handler);

    QList<Connection *> connections() const;
    int connectionCount() const;

Q_SIGNALS:
    void newConnection(Burrow::Connection *connection);
    // Emitted before the connection object is deleted (later, with deleteLater()).
    void connectionClosed(Burrow::Connection *connection);
    // An upgrade request was refused (wrong key, unknown subprotocol, at capacity, ...).
    void upgradeRefused(const QHostAddress &peer, int httpStatus, const QString &reason);

private:
    std::unique_ptr<ServerPrivate> d;
};

} // namespace Burrow
