#include "chatsession.h"

#include "chatcontracts_burrow.h"
#include "chatlogging.h"

#include <Burrow/remoteservices.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QPointer>
#include <QtCore/QTimer>

#include <algorithm>
#include <functional>
#include <vector>

namespace {

// A nickname still held by our previous connection (the server has not noticed yet that it
// dropped) is retried this often, this many times, after a reconnection.
constexpr int rejoinRetryDelay = 2000;
constexpr int rejoinRetries = 30;

} // namespace

// Receives the server's calls (in the session's thread) and hands them to the session.
class ChatCallbackReceiver final : public IChatCallback
{
    Q_OBJECT
public:
    explicit ChatCallbackReceiver(ChatSessionPrivate *session) : m_session(session) {}

    void detach() { m_session = nullptr; }

    void messagePosted(const QString &author, const QString &text, const QDateTime &time) override;
    void memberJoined(const QString &nickname) override;
    void memberLeft(const QString &nickname, const QString &reason) override;

private:
    ChatSessionPrivate *m_session;
};

class ChatSessionPrivate
{
public:
    explicit ChatSessionPrivate(ChatSession *q) : q(q)
    {
        settings.setReconnect(Burrow::ClientSettings::Reconnect::Automatically);
        rejoinTimer.setSingleShot(true);
        leaveTimer.setSingleShot(true);
        QObject::connect(&rejoinTimer, &QTimer::timeout, q, [this] { sendJoin(); });
        QObject::connect(&leaveTimer, &QTimer::timeout, q, [this] { finishClose(); });
    }

    void setState(ChatSession::State newState);
    void setError(ChatSession::Error code, const QString &message);
    void teardown();
    void stop(); // gives up: disconnected, closed()
    void finishClose();

    void onConnected();
    void onDisconnected(const QString &reason);
    void onClientState(Burrow::Client::State clientState);
    void onClientError(Burrow::ErrorCode code, const QString &message);
    void sendJoin();
    void onJoinReply(const Burrow::Reply<ChatResult> &reply);

    // Runs a callback event now when a member, later when joining, never otherwise.
    void deliver(std::function<void()> event);
    void setMembers(const QStringList &list);
    void addMember(const QString &nickname);
    void removeMember(const QString &nickname);

    ChatSession *q;
    Burrow::ClientSettings settings;
    std::unique_ptr<Burrow::Client> client;
    std::unique_ptr<Burrow::RemoteServices> services;
    QPointer<IChatService> service;
    QSharedPointer<ChatCallbackReceiver> callback;

    QUrl url;
    QString nickname;
    ChatSession::State state = ChatSession::State::Disconnected;
    ChatSession::Error error = ChatSession::Error::NoError;
    QString errorString;
    QString lastConnectionError;
    QStringList members;
    // Bumped by open(), close() and each new connection: late answers to older requests are
    // recognised and dropped.
    quint64 generation = 0;
    bool hasJoined = false; // joined at least once since open()
    int pending = 0;
    int takenRetries = 0;
    std::vector<std::function<void()>> early; // callback events that came while joining
    QTimer rejoinTimer;
    QTimer leaveTimer;
};

// ---- ChatCallbackReceiver -------------------------------------------------------------------

// The server calls back as soon as we are a member, so that its calls may come before the
// answer to join() is handled here: they wait for it in `early`.
void ChatCallbackReceiver::messagePosted(const QString &author, const QString &text, const QDateTime &time)
{
    if (m_session) {
        m_session->deliver([session = m_session, author, text, time] {
            Q_EMIT session->q->messageReceived(author, text, time);
        });
    }
}

void ChatCallbackReceiver::memberJoined(const QString &nickname)
{
    if (m_session) {
        m_session->deliver([session = m_session, nickname] {
            session->addMember(nickname);
            Q_EMIT session->q->memberJoined(nickname);
        });
    }
}

void ChatCallbackReceiver::memberLeft(const QString &nickname, const QString &reason)
{
    if (m_session) {
        m_session->deliver([session = m_session, nickname, reason] {
            session->removeMember(nickname);
            Q_EMIT session->q->memberLeft(nickname, reason);
        });
    }
}

// ---- ChatSessionPrivate ---------------------------------------------------------------------

void ChatSessionPrivate::setState(ChatSession::State newState)
{
    if (state == newState)
        return;
    qCDebug(lcChatClient) << nickname << state << "->" << newState;
    state = newState;
    Q_EMIT q->stateChanged(newState);
}

void ChatSessionPrivate::setError(ChatSession::Error code, const QString &message)
{
    error = code;
    errorString = message;
    qCDebug(lcChatClient) << nickname << code << message;
    Q_EMIT q->errorOccurred(code, message);
}

void ChatSessionPrivate::deliver(std::function<void()> event)
{
    if (state == ChatSession::State::Joined)
        event();
    else if (state == ChatSession::State::Joining)
        early.push_back(std::move(event));
}

void ChatSessionPrivate::setMembers(const QStringList &list)
{
    members = list;
    Q_EMIT q->membersChanged(members);
}

void ChatSessionPrivate::addMember(const QString &name)
{
    // Sorted as the server sorts: case-insensitively, ties broken by code points.
    const auto less = [](const QString &a, const QString &b) {
        const int order = a.compare(b, Qt::CaseInsensitive);
        return order != 0 ? order < 0 : a < b;
    };
    if (members.contains(name))
        return;
    members.insert(std::lower_bound(members.begin(), members.end(), name, less), name);
    Q_EMIT q->membersChanged(members);
}

void ChatSessionPrivate::removeMember(const QString &name)
{
    if (members.removeAll(name) > 0)
        Q_EMIT q->membersChanged(members);
}

void ChatSessionPrivate::teardown()
{
    ++generation;
    rejoinTimer.stop();
    leaveTimer.stop();
    if (callback)
        callback->detach();
    if (client) {
        client->disconnect(q);
        client->disconnectFromServer();
    }
    // The server learns of the release from the closed connection.
    callback.reset();
    service.clear();
    // The client lets its close frame leave before its connection goes: keep it a little.
    if (client) {
        Burrow::Client *old = client.release();
        Burrow::RemoteServices *oldServices = services.release();
        // Deleted (services first) when the holder goes: after 2 s, or with the application
        // object if the event loop ends before that, so that nothing outlives the process.
        auto *holder = new QObject(QCoreApplication::instance());
        QObject::connect(holder, &QObject::destroyed, [old, oldServices] {
            delete oldServices;
            delete old;
        });
        QTimer::singleShot(2000, holder, [holder] { holder->deleteLater(); });
    }
    services.reset();
    pending = 0;
    takenRetries = 0;
    early.clear();
    if (!members.isEmpty())
        setMembers({});
}

void ChatSessionPrivate::stop()
{
    teardown();
    setState(ChatSession::State::Disconnected);
    Q_EMIT q->closed();
}

void ChatSessionPrivate::finishClose()
{
    if (state != ChatSession::State::Leaving)
        return;
    // Released while the connection is still open: the server hears of it before the close.
    if (callback)
        callback->detach();
    callback.reset();
    stop();
}

void ChatSessionPrivate::onConnected()
{
    ++generation;
    lastConnectionError.clear();
    setState(ChatSession::State::Joining);
    const quint64 current = generation;
    services->resolveAsync<IChatService>().then(q, [this, current](const Burrow::Reply<IChatService *> &reply) {
        if (current != generation)
            return;
        if (reply.hasError()) {
            if (reply.error() == Burrow::ErrorCode::UnknownService
                || reply.error() == Burrow::ErrorCode::ContractMismatch) {
                setError(ChatSession::Error::ServiceMissing, reply.errorString());
                stop();
            }
            // Anything else is the connection going: the reconnection joins again.
            return;
        }
        service = reply.value();
        sendJoin();
    });
}

void ChatSessionPrivate::sendJoin()
{
    if (!service || !callback || state != ChatSession::State::Joining)
        return;
    const quint64 current = generation;
    IChatServiceAsync(service).join(nickname, callback).then(q, [this, current](const Burrow::Reply<ChatResult> &reply) {
        if (current == generation)
            onJoinReply(reply);
    });
}

void ChatSessionPrivate::onJoinReply(const Burrow::Reply<ChatResult> &reply)
{
    if (reply.hasError()) {
        // The connection dropped (the reconnection joins again) or the server did not answer.
        if (client && client->state() == Burrow::Client::State::Connected) {
            setError(ChatSession::Error::ConnectionFailed,
                     QStringLiteral("joining failed: %1; trying again").arg(reply.errorString()));
            rejoinTimer.start(rejoinRetryDelay);
        }
        return;
    }
    const ChatResult result = reply.value();
    if (!result.isOk()) {
        // After a reconnection our old connection may still hold the nickname until the server
        // notices that it dropped.
        if (result.error == ChatResult::Error::NicknameTaken && hasJoined && takenRetries < rejoinRetries) {
            if (takenRetries++ == 0) {
                setError(ChatSession::Error::JoinRefused,
                         QStringLiteral("%1; waiting for the server to drop our previous connection")
                             .arg(result.errorString));
            }
            rejoinTimer.start(rejoinRetryDelay);
            return;
        }
        setError(ChatSession::Error::JoinRefused, result.errorString);
        stop();
        return;
    }
    const bool rejoined = hasJoined;
    hasJoined = true;
    takenRetries = 0;
    error = ChatSession::Error::NoError;
    errorString.clear();
    setState(ChatSession::State::Joined);
    setMembers(result.members);
    Q_EMIT q->joined(members, rejoined);
    const quint64 current = generation;
    std::vector<std::function<void()>> events;
    events.swap(early);
    for (const auto &event : events) {
        if (current != generation || state != ChatSession::State::Joined)
            break;
        event();
    }
}

void ChatSessionPrivate::onDisconnected(const QString &reason)
{
    ++generation;
    rejoinTimer.stop();
    pending = 0;
    early.clear();
    if (state == ChatSession::State::Leaving) {
        finishClose();
        return;
    }
    const bool wasMember = state == ChatSession::State::Joined || state == ChatSession::State::Joining;
    if (!members.isEmpty())
        setMembers({});
    if (wasMember)
        Q_EMIT q->connectionLost(reason);
}

void ChatSessionPrivate::onClientState(Burrow::Client::State clientState)
{
    if (state == ChatSession::State::Leaving)
        return;
    switch (clientState) {
    case Burrow::Client::State::Connecting:
        setState(ChatSession::State::Connecting);
        break;
    case Burrow::Client::State::Reconnecting:
        setState(ChatSession::State::Reconnecting);
        break;
    case Burrow::Client::State::Disconnected:
        // The client gave up (a wrong key, an unsupported protocol, or no reconnection).
        stop();
        break;
    case Burrow::Client::State::Connected:
        break; // connected() follows
    }
}

void ChatSessionPrivate::onClientError(Burrow::ErrorCode code, const QString &message)
{
    // A connection that keeps failing says so once, not at every attempt.
    if (message == lastConnectionError)
        return;
    lastConnectionError = message;
    const bool fatal = code == Burrow::ErrorCode::Unauthorized || code == Burrow::ErrorCode::NotSupported;
    setError(fatal ? ChatSession::Error::Unauthorized : ChatSession::Error::ConnectionFailed,
             QStringLiteral("cannot connect: %1").arg(message));
}

// ---- ChatSession ----------------------------------------------------------------------------

ChatSession::ChatSession(QObject *parent) : QObject(parent), d(std::make_unique<ChatSessionPrivate>(this))
{
    qRegisterMetaType<ChatSession::State>();
    qRegisterMetaType<ChatSession::Error>();
}

ChatSession::~ChatSession()
{
    // No signals from a dying session: its receivers (the window owning it) may be half
    // destroyed already (found by UBSan in tst_chat_gui).
    blockSignals(true);
    d->teardown();
}

Burrow::ClientSettings ChatSession::clientSettings() const
{
    return d->settings;
}

void ChatSession::setClientSettings(const Burrow::ClientSettings &settings)
{
    d->settings = settings;
}

void ChatSession::open(const QUrl &url, const QString &nickname)
{
    d->teardown();
    d->url = url;
    d->nickname = nickname;
    d->hasJoined = false;
    d->error = Error::NoError;
    d->errorString.clear();
    d->lastConnectionError.clear();

    d->client = std::make_unique<Burrow::Client>();
    d->client->setSettings(d->settings);
    d->services = std::make_unique<Burrow::RemoteServices>(d->client.get());
    d->callback = QSharedPointer<ChatCallbackReceiver>::create(d.get());
    Burrow::Client *client = d->client.get();
    connect(client, &Burrow::Client::connected, this, [this] { d->onConnected(); });
    connect(client, &Burrow::Client::disconnected, this,
            [this](QWebSocketProtocol::CloseCode, const QString &reason) { d->onDisconnected(reason); });
    connect(client, &Burrow::Client::stateChanged, this,
            [this](Burrow::Client::State state) { d->onClientState(state); });
    connect(client, &Burrow::Client::errorOccurred, this,
            [this](Burrow::ErrorCode code, const QString &message) { d->onClientError(code, message); });
    d->setState(State::Connecting);
    client->connectToServer(url);
    if (client->state() == Burrow::Client::State::Disconnected && d->state != State::Disconnected) {
        // Refused at once (e.g. an unsupported URL scheme): errorOccurred() said why.
        d->stop();
    }
}

void ChatSession::close()
{
    switch (d->state) {
    case State::Disconnected:
    case State::Leaving:
        return;
    case State::Joined:
        if (d->service) {
            d->setState(State::Leaving);
            const quint64 current = d->generation;
            IChatServiceAsync(d->service).leave().then(this, [this, current](const Burrow::Reply<void> &) {
                if (current == d->generation)
                    d->finishClose();
            });
            // A server that does not answer does not keep us.
            const int timeout = d->settings.answerTimeout();
            d->leaveTimer.start(timeout > 0 ? std::min(timeout, 5000) : 5000);
            return;
        }
        break;
    default:
        break;
    }
    d->stop();
}

void ChatSession::abort()
{
    if (d->state == State::Disconnected)
        return;
    d->stop();
}

bool ChatSession::send(const QString &text)
{
    if (d->state != State::Joined || !d->service) {
        d->setError(Error::NotJoined, QStringLiteral("not sent: %1").arg(stateText(d->state)));
        return false;
    }
    ++d->pending;
    const quint64 current = d->generation;
    IChatServiceAsync(d->service).say(text).then(this, [this, current, text](const Burrow::Reply<ChatResult> &reply) {
        if (current != d->generation)
            return;
        --d->pending;
        if (reply.hasError()) {
            d->setError(Error::SendRefused, QStringLiteral("not sent: %1").arg(reply.errorString()));
            return;
        }
        const ChatResult result = reply.value();
        if (!result.isOk()) {
            d->setError(Error::SendRefused, QStringLiteral("not sent: %1").arg(result.errorString));
            return;
        }
        Q_EMIT messageSent(text, result.time);
    });
    return true;
}

ChatSession::State ChatSession::state() const { return d->state; }
QUrl ChatSession::url() const { return d->url; }
QString ChatSession::nickname() const { return d->nickname; }
QStringList ChatSession::members() const { return d->members; }
ChatSession::Error ChatSession::error() const { return d->error; }
QString ChatSession::errorString() const { return d->errorString; }
int ChatSession::pendingCount() const { return d->pending; }
Burrow::Client *ChatSession::client() const { return d->client.get(); }

QString ChatSession::stateText(State state)
{
    switch (state) {
    case State::Disconnected:
        return tr("disconnected");
    case State::Connecting:
        return tr("connecting…");
    case State::Joining:
        return tr("joining…");
    case State::Joined:
        return tr("connected");
    case State::Reconnecting:
        return tr("reconnecting…");
    case State::Leaving:
        return tr("leaving…");
    }
    return QString();
}

#include "chatsession.moc"
