#include "longworksession.h"

#include "longworkcontracts_burrow.h"
#include "longworklogging.h"
#include "workmodel.h"

#include <Burrow/client.h>
#include <Burrow/remoteservices.h>

#include <QtCore/QHash>
#include <QtCore/QPointer>
#include <QtCore/QTimer>

#include <functional>

namespace {

// One callback per work, so that an outcome always finds its row, even when names repeat.
// Lives in the session's thread: the server's calls run there.
class WorkCallback final : public ILongWorkCallback
{
public:
    using Handler = std::function<void(bool succeeded, int timeTaken, const QString &error)>;
    explicit WorkCallback(Handler handler) : m_handler(std::move(handler)) {}

    void workFinished(const QString &, int timeTaken) override { m_handler(true, timeTaken, QString()); }
    void workFailed(const QString &, const QString &error) override { m_handler(false, 0, error); }

private:
    Handler m_handler;
};

} // namespace

class LongWorkSessionPrivate
{
public:
    explicit LongWorkSessionPrivate(LongWorkSession *q) : q(q), services(&client) {}

    void updateState();
    void onConnected();
    void onDisconnected(const QString &reason);
    void endWork(quint64 id, bool succeeded, int timeTaken, const QString &error, bool fromServer);
    void setTotal(int count);

    LongWorkSession *q;
    Burrow::Client client;
    Burrow::RemoteServices services; // after client: destroyed before it
    WorkModel model;
    QPointer<ILongWorkService> service; // the remote proxy, owned by services
    bool ready = false;                 // resolved on the current connection
    bool everReady = false;             // since connectToServer()
    bool closing = false;               // disconnectFromServer()
    bool destroying = false;            // in ~LongWorkSession(): answers are ignored
    LongWorkSession::State state = LongWorkSession::State::Disconnected;
    QString errorString;
    int total = -1;
    bool refreshing = false;
    bool refreshAgain = false;
    quint64 resolveGeneration = 0;
    QHash<quint64, QSharedPointer<WorkCallback>> callbacks;
};

void LongWorkSessionPrivate::updateState()
{
    LongWorkSession::State next = LongWorkSession::State::Disconnected;
    switch (client.state()) {
    case Burrow::Client::State::Disconnected:
        next = LongWorkSession::State::Disconnected;
        break;
    case Burrow::Client::State::Connecting:
        next = LongWorkSession::State::Connecting;
        break;
    case Burrow::Client::State::Reconnecting:
        next = LongWorkSession::State::Reconnecting;
        break;
    case Burrow::Client::State::Connected:
        // Not usable before the service is resolved: still on the way.
        next = ready ? LongWorkSession::State::Connected
                     : (everReady ? LongWorkSession::State::Reconnecting : LongWorkSession::State::Connecting);
        break;
    }
    if (next == state)
        return;
    state = next;
    qCDebug(lcLongWorkClient) << "session" << LongWorkSession::stateText(state);
    Q_EMIT q->stateChanged(state);
}

void LongWorkSessionPrivate::onConnected()
{
    const quint64 generation = ++resolveGeneration;
    services.resolveAsync<ILongWorkService>().then(q, [this, generation](const Burrow::Reply<ILongWorkService *> &reply) {
        if (destroying || generation != resolveGeneration || client.state() != Burrow::Client::State::Connected)
            return; // a newer connection, or this one is gone already
        if (reply.hasError()) {
            errorString = reply.errorString();
            qCWarning(lcLongWorkClient).noquote() << "cannot use the server:" << errorString;
            Q_EMIT q->errorOccurred(errorString);
            // A server without the service (or with another contract) will not change by
            // reconnecting; a lost connection will, and the client is already on it.
            if (reply.error() == Burrow::ErrorCode::UnknownService
                || reply.error() == Burrow::ErrorCode::ContractMismatch) {
                q->disconnectFromServer();
            } else {
                // E.g. a timeout on a slow server that is still connected: ask again.
                QTimer::singleShot(1000, q, [this, generation] {
                    if (!destroying && generation == resolveGeneration
                        && client.state() == Burrow::Client::State::Connected) {
                        onConnected();
                    }
                });
            }
            return;
        }
        service = reply.value();
        ready = true;
        everReady = true;
        errorString.clear();
        updateState();
        q->refreshTotalWorkCount();
    });
}

void LongWorkSessionPrivate::onDisconnected(const QString &reason)
{
    ready = false;
    ++resolveGeneration;
    const QString why = closing ? QStringLiteral("disconnected from the server") : QStringLiteral("connection lost");
    // The server dropped these callbacks with the connection: no outcome will come.
    const QList<quint64> running = model.runningWorks();
    for (quint64 id : running)
        endWork(id, false, 0, why, false);
    if (!closing) {
        errorString = reason.isEmpty() ? why : QStringLiteral("%1 (%2)").arg(why, reason);
        Q_EMIT q->connectionLost(errorString);
    }
    updateState();
}

void LongWorkSessionPrivate::endWork(quint64 id, bool succeeded, int timeTaken, const QString &error, bool fromServer)
{
    const WorkModel::Work *work = model.work(id);
    const QString name = work ? work->name : QString();
    const bool changed = succeeded ? model.finishWork(id, timeTaken) : model.failWork(id, error);
    // Dropping the callback tells the server it is released (deleteLater: this may run inside
    // one of its own methods).
    callbacks.remove(id);
    if (!changed)
        return;
    if (succeeded)
        Q_EMIT q->workFinished(id, name, timeTaken);
    else
        Q_EMIT q->workFailed(id, name, error);
    if (fromServer)
        q->refreshTotalWorkCount();
}

void LongWorkSessionPrivate::setTotal(int count)
{
    if (count == total)
        return;
    total = count;
    Q_EMIT q->totalWorkCountChanged(total);
}

// ---- LongWorkSession ------------------------------------------------------------------------

LongWorkSession::LongWorkSession(QObject *parent)
    : QObject(parent), d(std::make_unique<LongWorkSessionPrivate>(this))
{
    connect(&d->client, &Burrow::Client::stateChanged, this, [this] { d->updateState(); });
    connect(&d->client, &Burrow::Client::connected, this, [this] { d->onConnected(); });
    connect(&d->client, &Burrow::Client::disconnected, this,
            [this](QWebSocketProtocol::CloseCode, const QString &reason) { d->onDisconnected(reason); });
    connect(&d->client, &Burrow::Client::errorOccurred, this, [this](Burrow::ErrorCode, const QString &message) {
        if (d->ready)
            return; // e.g. an undecodable frame on a working connection: the transport logs it
        d->errorString = message;
        Q_EMIT errorOccurred(message);
    });
}

LongWorkSession::~LongWorkSession()
{
    // Quietly: no signals to a half-destroyed owner. Disconnecting fails the calls still
    // waiting for an answer, and runs their continuations: now, while everything they could
    // touch is alive (they return at once).
    d->destroying = true;
    d->client.disconnect(this);
    d->client.disconnectFromServer();
    d->callbacks.clear();
}

Burrow::ClientSettings LongWorkSession::settings() const
{
    return d->client.settings();
}

void LongWorkSession::setSettings(const Burrow::ClientSettings &settings)
{
    d->client.setSettings(settings);
}

void LongWorkSession::connectToServer(const QUrl &url)
{
    d->closing = false;
    d->everReady = false;
    d->errorString.clear();
    d->client.connectToServer(url);
    d->updateState();
}

void LongWorkSession::disconnectFromServer()
{
    d->closing = true;
    const bool wasReady = d->ready;
    d->client.disconnectFromServer();
    if (wasReady && d->ready) // the client said nothing: do it here
        d->onDisconnected(QString());
    d->ready = false;
    d->updateState();
}

QUrl LongWorkSession::url() const
{
    return d->client.url();
}

LongWorkSession::State LongWorkSession::state() const
{
    return d->state;
}

QString LongWorkSession::errorString() const
{
    return d->errorString;
}

QString LongWorkSession::stateText(State state)
{
    switch (state) {
    case State::Disconnected:
        return tr("disconnected");
    case State::Connecting:
        return tr("connecting");
    case State::Connected:
        return tr("connected");
    case State::Reconnecting:
        return tr("reconnecting");
    }
    return {};
}

WorkModel *LongWorkSession::model() const
{
    return &d->model;
}

quint64 LongWorkSession::startWork(const QString &workName)
{
    const QString name = workName.trimmed();
    if (name.isEmpty() || d->state != State::Connected || !d->service)
        return 0;
    const quint64 id = d->model.addWork(name);
    const QPointer<LongWorkSession> self(this);
    auto callback = QSharedPointer<WorkCallback>(
        new WorkCallback([self, id](bool succeeded, int timeTaken, const QString &error) {
            if (self)
                self->d->endWork(id, succeeded, timeTaken, error, true);
        }),
        &QObject::deleteLater);
    d->callbacks.insert(id, callback);
    ILongWorkServiceAsync(d->service.data()).startWork(name, callback).then(this, [this, id, name](const Burrow::Reply<void> &reply) {
        if (d->destroying)
            return;
        if (reply.hasError()) {
            qCWarning(lcLongWorkClient).noquote() << "work" << name << "was not started:" << reply.errorString();
            d->endWork(id, false, 0, reply.errorString(), false);
            return;
        }
        Q_EMIT workStarted(id, name);
        refreshTotalWorkCount();
    });
    return id;
}

int LongWorkSession::runningWorkCount() const
{
    return d->model.runningCount();
}

int LongWorkSession::totalWorkCount() const
{
    return d->total;
}

void LongWorkSession::refreshTotalWorkCount()
{
    if (d->destroying || !d->ready || !d->service)
        return;
    // One request at a time; asked again meanwhile, it asks once more when the answer comes.
    if (d->refreshing) {
        d->refreshAgain = true;
        return;
    }
    d->refreshing = true;
    ILongWorkServiceAsync(d->service.data()).totalWorkCount().then(this, [this](const Burrow::Reply<int> &reply) {
        if (d->destroying)
            return;
        d->refreshing = false;
        if (!reply.hasError())
            d->setTotal(reply.value());
        if (std::exchange(d->refreshAgain, false))
            refreshTotalWorkCount();
    });
}
