#pragma once

#include <Burrow/message.h>
#include <Burrow/settings.h>

#include <QtCore/QFuture>
#include <QtCore/QObject>
#include <QtNetwork/QHostAddress>
#include <QtWebSockets/QWebSocketProtocol>

#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QWebSocket;
QT_END_NAMESPACE

namespace Burrow {

class Connection;
class ConnectionPrivate;

// Answers one incoming request, from any thread. Copyable; only the first answer is sent.
// For a notification or a callback release it is invalid and answering does nothing.
class BURROW_TRANSPORT_EXPORT Responder
{
public:
    class Target;
    Responder() = default;
    explicit Responder(std::shared_ptr<Target> target) : m_target(std::move(target)) {}

    bool isValid() const { return bool(m_target); }
    // The WebSocket connection the request came on; nullptr over plain HTTP.
    Connection *connection() const;
    quint64 requestId() const;

    void sendAnswer(const QCborValue &result) const;
    void sendError(ErrorCode code, const QString &message) const;

private:
    std::shared_ptr<Target> m_target;
};

// Receives requests, notifications and callback releases. Runs in the connection's thread.
using MessageHandler = std::function<void(const Message &message, const Responder &responder)>;

// How a received Batch reaches a MessageHandler.
enum class BatchDelivery {
    // Each message of the batch on its own, in order (the default).
    Members,
    // A batch holding only notifications and callback releases as one Batch message (with an
    // invalid Responder), so that the handler can take a burst in one go; any other batch
    // member by member.
    Whole,
};

// Receives the answer to one call: an Answer or an Error message. See Connection::call().
using AnswerHandler = std::function<void(const Message &answerOrError)>;

// One open WebSocket session (server or client side). Lives in the thread that created it; the
// sending functions and call() are thread-safe.
class BURROW_TRANSPORT_EXPORT Connection : public QObject
{
    Q_OBJECT
public:
    enum class Role { Server, Client };
    Q_ENUM(Role)

    ~Connection() override;

    // Unique among the connections of this process.
    quint64 id() const;
    Role role() const;
    QString subprotocol() const;
    bool isEncrypted() const;
    bool isOpen() const;
    QHostAddress peerAddress() const;
    quint16 peerPort() const;
    QString requestPath() const;
    ConnectionSettings settings() const;

    void setMessageHandler(const MessageHandler &handler, BatchDelivery delivery = BatchDelivery::Members);

    // Sends a request and returns its answer: an Answer message, or an Error message (the
    // peer's, or Timeout / ConnectionClosed raised here). Thread-safe.
    QFuture<Message> call(const QString &target, const QString &method, const QCborArray &arguments);
    // The same without a QFuture (cheaper: no promise per call). onDone runs exactly once with
    // the answer, the peer's error, or Timeout / ConnectionClosed, unless context is destroyed
    // first: then it never runs. It runs in context's thread; with a null context, in the
    // connection's thread. When the call fails before anything is sent (connection closed,
    // request too large) it runs before call() returns if context is null or lives in the
    // calling thread. Thread-safe.
    void call(const QString &target, const QString &method, const QCborArray &arguments,
              QObject *context, AnswerHandler onDone);
    // The blocking form: waits up to the answer timeout. In the connection's own thread it runs
    // a local event loop; prefer call() there.
    Message callAndWait(const QString &target, const QString &method, const QCborArray &arguments);

    // One-way message, batched with others sent close together (see ConnectionSettings). Thread-safe.
    void sendNotification(const QString &target, const QString &method, const QCborArray &arguments);
    // Already-encoded notification (from encodeNotification()), for fan-out to many peers
    // without encoding once per peer. Thread-safe.
    void sendEncodedNotification(const QByteArray &encoded);
    QByteArray encodeNotification(const QString &target, const QString &method,
                                  const QCborArray &arguments) const;
    // Sent at once, after anything batched before it. Thread-safe.
    void sendMessage(const Message &message);

    qint64 queuedBytes() const;

    // Thread-safe. The close code and reason reach the peer and closed().
    void close(QWebSocketProtocol::CloseCode code = QWebSocketProtocol::CloseCodeNormal,
               const QString &reason = QString());
    void abort(const QString &reason);

Q_SIGNALS:
    // After the connection is gone, for whatever reason; emitted once.
    void closed(QWebSocketProtocol::CloseCode code, const QString &reason);
    // The peer missed the heartbeat budget; closed() follows.
    void peerTimedOut();
    // A frame that could not be decoded or authenticated, or a protocol violation.
    void errorOccurred(Burrow::ErrorCode code, const QString &message);

protected:
    friend class ConnectionPrivate;
    friend class Server;
    friend class ServerPrivate;
    friend class Client;
    friend class ClientPrivate;
    Connection(QWebSocket *socket, Role role, const MessageCodecPointer &codec,
               const ConnectionSettings &settings, QObject *parent = nullptr);

private:
    std::unique_ptr<ConnectionPrivate> d;
};

} // namespace Burrow
