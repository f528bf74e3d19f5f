#pragma once

#include <Burrow/connection.h>

#include "frameprotection_p.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QMutex>
#include <QtCore/QPointer>
#include <QtCore/QPromise>
#include <QtCore/QTimer>
#include <QtWebSockets/QWebSocket>

#include <atomic>
#include <optional>
#include <unordered_map>

namespace Burrow {

class CborCodec;

// Where a Responder's answer goes.
class Responder::Target
{
public:
    virtual ~Target();
    virtual Connection *connection() const { return nullptr; }
    virtual quint64 requestId() const = 0;
    // Called at most once (Responder guarantees it), or deliverAnswer() instead.
    virtual void deliver(const Message &answerOrError) = 0;
    // The answer of sendAnswer(); the default builds the Message for deliver().
    virtual void deliverAnswer(const QCborValue &result);

    std::atomic_bool answered = false;
};

// A reference to a Connection that other threads may hold: the connection clears it under the
// mutex before it is destroyed, so a holder never touches a deleted object.
struct ConnectionLink
{
    QMutex mutex;
    Connection *connection = nullptr; // written only in `thread`
    QThread *thread = nullptr;        // the connection's thread: there it is read without the mutex
};

// Encryption state agreed at upgrade time: the server knows it at once; the client learns the
// server's nonce from the HELLO frame.
struct SessionSecurity
{
    PreSharedKey key{QByteArray()};
    QByteArray clientNonce;
};

// Waits for a call's answer: a local event loop in the context's thread, a plain wait elsewhere.
Message waitForAnswer(QFuture<Message> future, QObject *context);

class ConnectionPrivate : public QObject
{
    Q_OBJECT
Q_SIGNALS:
    // A client's session is usable (at once, or after the server's HELLO when encrypted).
    void sessionReady();

public:
    ConnectionPrivate(Connection *q, QWebSocket *socket, Connection::Role role,
                      const MessageCodecPointer &codec, const ConnectionSettings &settings);
    ~ConnectionPrivate() override;

    // Called by Server/Client before the connection is used.
    void setUpEncryption(const SessionSecurity &security);
    bool isReady() const { return ready; }

    // Connection thread only.
    void writePayload(const QByteArray &payload);
    void flushBatch();
    void writeBatch(const QList<QByteArray> &messages);
    void dispatch(const Message &message);
    void failAllPending(ErrorCode code, const QString &why);
    void finish(QWebSocketProtocol::CloseCode code, const QString &reason);
    void protocolFailure(QWebSocketProtocol::CloseCode code, ErrorCode error, const QString &why);
    void onPayload(const QByteArray &payload);
    void onBinaryFrame(const QByteArray &frame);
    void onTextFrame(const QString &text);
    void onHeartbeat();
    void updateHousekeeping();
    void onHousekeeping();

    // Any thread.
    void post(std::function<void()> function);
    bool inOwnThread() const { return QThread::currentThread() == thread(); }
    void enqueueNotification(const QByteArray &encoded);
    void sendNow(const QByteArray &payload);
    // Connection::sendMessage(Message::answer(requestId, result)), without the Message when
    // the codec is the built-in binary one.
    void sendAnswer(quint64 requestId, const QCborValue &result);
    static ConnectionPrivate *get(Connection *connection) { return connection->d.get(); }

    Connection *q;
    QWebSocket *socket;
    const Connection::Role role;
    const MessageCodecPointer codec;
    const CborCodec *const cbor; // codec when it is the built-in binary one (a faster call path)
    const ConnectionSettings settings;
    const quint64 id;
    const bool binary;
    QString subprotocol;
    QHostAddress peerAddress;
    quint16 peerPort = 0;
    QString requestPath;

    MessageHandler handler;
    BatchDelivery batchDelivery = BatchDelivery::Members;
    std::shared_ptr<ConnectionLink> link = std::make_shared<ConnectionLink>();

    std::optional<FrameSealer> sealer;
    std::optional<FrameOpener> opener;
    SessionSecurity security;
    bool encrypted = false;
    bool ready = true;           // false while a client waits for the server's HELLO
    QList<QByteArray> heldUntilReady;

    // A call waiting for its answer: either a promise (the QFuture form) or a handler (the
    // callback form, with its optional context).
    struct PendingCall
    {
        std::optional<QPromise<Message>> promise;
        AnswerHandler onDone;
        QPointer<QObject> context;
        bool hasContext = false;
        qint64 deadline = 0; // on `clock`

        void complete(const Message &answerOrError);
    };
    // Sends a request whose answer goes to `call` (registered under its request id).
    void startCall(const QString &target, const QString &method, const QCborArray &arguments,
                   PendingCall call);
    std::atomic<quint64> nextRequestId{1};
    mutable QMutex mutex; // guards the members below
    std::unordered_map<quint64, PendingCall> pending;
    QList<QByteArray> batch;
    std::atomic_bool batchPending = false; // batch is not empty (readable without the mutex)
    qint64 batchBytes = 0;
    bool flushScheduled = false;
    bool open = true;

    QElapsedTimer clock;
    qint64 lastMessageAt = 0;
    QTimer heartbeatTimer;
    int missedHeartbeats = 0;
    QTimer housekeepingTimer;
    QTimer batchTimer;
    bool finished = false;
};



// Sends a Responder's answer back over a WebSocket connection.
class ConnectionResponderTarget final : public Responder::Target
{
public:
    ConnectionResponderTarget(std::shared_ptr<ConnectionLink> link, Connection *connection, quint64 requestId)
        : m_link(std::move(link)), m_connection(connection), m_requestId(requestId) {}
    Connection *connection() const override { return m_connection; }
    quint64 requestId() const override { return m_requestId; }
    void deliver(const Message &answerOrError) override;
    void deliverAnswer(const QCborValue &result) override;

private:
    std::shared_ptr<ConnectionLink> m_link;
    Connection *m_connection; // for identification only; may dangle once closed
    quint64 m_requestId;
};

} // namespace Burrow
