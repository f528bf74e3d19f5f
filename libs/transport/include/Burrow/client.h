#pragma once

#include <Burrow/connection.h>
#include <Burrow/settings.h>

#include <QtCore/QFuture>
#include <QtCore/QObject>
#include <QtCore/QUrl>

#include <memory>

namespace Burrow {

class ClientPrivate;

// Connects to a Burrow server by URL: ws:// and wss:// open a WebSocket Connection (requests,
// notifications and callbacks both ways); http:// and https:// make each call() a plain
// HTTP POST (no callbacks). With ClientSettings::Reconnect::Automatically a lost WebSocket is
// reopened with backoff and reconnected() is emitted.
class BURROW_TRANSPORT_EXPORT Client : public QObject
{
    Q_OBJECT
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
public:
    enum class State { Disconnected, Connecting, Connected, Reconnecting };
    Q_ENUM(State)

    explicit Client(QObject *parent = nullptr);
    ~Client() override;

    ClientSettings settings() const;
    void setSettings(const ClientSettings &settings);

    void connectToServer(const QUrl &url);
    void disconnectFromServer();

    State state() const;
    QUrl url() const;
    bool isHttp() const;
    // The current WebSocket connection; nullptr when not connected or in HTTP mode.
    Connection *connection() const;

    // Handler for requests and notifications coming from the server (callbacks); kept across
    // reconnections.
    void setMessageHandler(const MessageHandler &handler, BatchDelivery delivery = BatchDelivery::Members);

    // Over the WebSocket, or as POST <path>/<target>/<method> in HTTP mode. Fails at once with
    // ConnectionClosed when not connected. Thread-safe.
    QFuture<Message> call(const QString &target, const QString &method, const QCborArray &arguments);
    // The completion-callback form, as Connection::call(target, method, arguments, context,
    // onDone); in HTTP mode a null context means this client's thread.
    void call(const QString &target, const QString &method, const QCborArray &arguments,
              QObject *context, AnswerHandler onDone);
    Message callAndWait(const QString &target, const QString &method, const QCborArray &arguments);

    // Blocks (running a local event loop) until connected or the connect timeout; for tests and
    // console programs.
    bool waitForConnected(int milliseconds = -1);

    ErrorCode error() const;
    QString errorString() const;

Q_SIGNALS:
    void stateChanged(Burrow::Client::State state);
    void connected();
    // The first connection after a loss, with automatic reconnection; follows connected().
    void reconnected();
    void disconnected(QWebSocketProtocol::CloseCode code, const QString &reason);
    void errorOccurred(Burrow::ErrorCode code, const QString &message);

private:
    std::unique_ptr<ClientPrivate> d;
};

} // namespace Burrow
