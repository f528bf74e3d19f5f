#include "remoteservices_p.h"

#include "answerwait_p.h"
#include "serviceslogging_p.h"

#include <Burrow/callcontext.h>
#include <Burrow/connection.h>

#include <QtCore/QCborMap>
#include <QtCore/QSet>
#include <QtCore/QThread>

#include <functional>
#include <vector>

namespace Burrow {

namespace {

int waitLimit(const Client *client)
{
    const int timeout = client->settings().answerTimeout();
    return timeout > 0 ? timeout + Private::answerWaitMargin : 0;
}

QString qualified(const ContractInfo &contract, int method)
{
    return contract.interfaceName() + QLatin1Char('.') + contract.method(method).name();
}

} // namespace

// ---- ClientCallbacks ------------------------------------------------------------------------

quint64 ClientCallbacks::registerCallback(QObject *object, const ContractInfo &contract)
{
    QMutexLocker locker(&m_mutex);
    const auto known = m_ids.constFind(object);
    if (known != m_ids.constEnd())
        return known.value();
    const quint64 id = m_nextId++;
    Entry &entry = m_entries[id];
    entry.object = object;
    entry.key = object;
    entry.contract = &contract;
    m_ids.insert(object, id);
    std::weak_ptr<ClientCallbacks> self = weak_from_this();
    // Direct: runs in whichever thread destroys the object.
    entry.watch = QObject::connect(object, &QObject::destroyed, [self, id] {
        if (auto callbacks = self.lock())
            callbacks->objectDestroyed(id);
    });
    qCDebug(lcServices) << "callback" << id << contract.interfaceName() << object;
    return id;
}

void ClientCallbacks::objectDestroyed(quint64 id)
{
    {
        QMutexLocker locker(&m_mutex);
        const auto it = m_entries.find(id);
        if (it == m_entries.end())
            return;
        m_ids.remove(it->key);
        m_entries.erase(it);
    }
    qCDebug(lcServices) << "callback" << id << "released";
    sendRelease(id);
}

void ClientCallbacks::sendRelease(quint64 id)
{
    const QPointer<Client> client = m_client;
    if (!client)
        return;
    auto send = [client, id] {
        if (!client)
            return;
        if (Connection *connection = client->connection())
            connection->sendMessage(Message::callbackRelease(QString::number(id)));
    };
    if (client->thread() == QThread::currentThread())
        send();
    else
        QMetaObject::invokeMethod(client.data(), send, Qt::QueuedConnection);
}

int ClientCallbacks::count() const
{
    QMutexLocker locker(&m_mutex);
    return int(m_entries.size());
}

void ClientCallbacks::releaseAll()
{
    QHash<quint64, Entry> entries;
    {
        QMutexLocker locker(&m_mutex);
        entries.swap(m_entries);
        m_ids.clear();
    }
    for (auto it = entries.cbegin(); it != entries.cend(); ++it) {
        QObject::disconnect(it->watch);
        sendRelease(it.key());
    }
}

void ClientCallbacks::handleMessage(const Message &message, const Responder &responder)
{
    // Callbacks run in their object's thread (the GUI thread for widgets), posted even when
    // that is this thread, so that a callback may make blocking calls on this same connection
    // (see ServiceRegistryPrivate::execute()).
    Resolved resolved;
    QPointer<QObject> object;
    PreparedCall call;
    if (message.type() != Message::Type::Batch) {
        if (prepare(message, responder, &resolved, &object, &call))
            post(object, PreparedCalls{std::move(call)});
        return;
    }
    // One posted event per run of consecutive notifications to the same object rather than
    // one per notification (a publisher's burst); the order is unchanged.
    const QList<Message> messages = message.messages();
    QPointer<QObject> runObject;
    PreparedCalls run;
    for (const Message &inner : messages) {
        if (!prepare(inner, Responder(), &resolved, &object, &call))
            continue;
        if (!run.empty() && object != runObject)
            post(runObject, std::exchange(run, {}));
        runObject = object;
        run.push_back(std::move(call));
    }
    if (!run.empty())
        post(runObject, std::move(run));
}

bool ClientCallbacks::prepare(const Message &message, const Responder &responder, Resolved *resolved,
                              QPointer<QObject> *object, PreparedCall *call)
{
    if (message.type() != Message::Type::Request && message.type() != Message::Type::Notification)
        return false;
    const bool isRequest = message.type() == Message::Type::Request;
    const auto fail = [&](ErrorCode code, const QString &text) {
        if (isRequest)
            responder.sendError(code, text);
        else
            qCWarning(lcServices).noquote() << "callback notification" << message.target() + QLatin1Char('.') + message.method()
                                            << "dropped:" << text;
    };

    const QString &target = message.target();
    if (!resolved->contract || resolved->target != target) {
        *resolved = {};
        bool ok = false;
        const quint64 id = target.toULongLong(&ok);
        if (ok) {
            QMutexLocker locker(&m_mutex);
            const auto it = m_entries.constFind(id);
            if (it != m_entries.constEnd()) {
                resolved->object = it->object;
                resolved->contract = it->contract;
            }
        }
        resolved->target = target;
    }
    if (!resolved->contract || !resolved->object) {
        fail(ErrorCode::CallbackReleased,
             QStringLiteral("callback %1 is not known to this client (released, or never passed)").arg(target));
        return false;
    }
    const ContractInfo *contract = resolved->contract;
    if (resolved->methodIndex < 0 || resolved->method != message.method()) {
        resolved->method = message.method();
        resolved->methodIndex = contract->indexOfMethod(resolved->method);
    }
    if (resolved->methodIndex < 0) {
        fail(ErrorCode::UnknownMethod, QStringLiteral("callback interface '%1' has no method '%2'")
                                           .arg(contract->interfaceName(), message.method()));
        return false;
    }
    *object = resolved->object;
    *call = {contract, resolved->methodIndex, message.arguments(), isRequest ? responder : Responder(), target};
    return true;
}

void ClientCallbacks::post(const QPointer<QObject> &object, PreparedCalls calls)
{
    if (!object) { // destroyed since prepare(): requests get CallbackReleased
        for (const PreparedCall &call : calls)
            run(nullptr, nullptr, call);
        return;
    }
    QPointer<Connection> connection;
    if (m_client)
        connection = m_client->connection();
    QMetaObject::invokeMethod(object.data(), [object, connection, calls = std::move(calls)] {
        for (const PreparedCall &call : calls)
            run(object.data(), connection.data(), call);
    }, Qt::QueuedConnection);
}

void ClientCallbacks::run(QObject *object, Connection *connection, const PreparedCall &call)
{
    const bool isRequest = call.responder.isValid();
    if (!object) {
        if (isRequest) {
            call.responder.sendError(ErrorCode::CallbackReleased,
                                     QStringLiteral("callback %1 was destroyed before the call ran").arg(call.target));
        }
        return;
    }
    const ContractInfo &contract = *call.contract;
    CallContext context(connection, contract.interfaceName(), contract.method(call.method).name());
    const Private::CallOutcome outcome = contract.invoke(object, call.method, call.arguments, context);
    if (isRequest) {
        if (outcome.error.isError())
            call.responder.sendError(outcome.error.code(), outcome.error.message());
        else
            call.responder.sendAnswer(outcome.result);
    } else if (outcome.error.isError()) {
        qCWarning(lcServices).noquote() << "callback" << qualified(contract, call.method) << "failed:"
                                        << outcome.error.message();
    }
}

// ---- ServiceBinding -------------------------------------------------------------------------

Private::CallOutcome ServiceBinding::call(int method, const QCborArray &arguments)
{
    Client *client = m_client.data();
    if (!client) {
        return {QCborValue(), CallError(ErrorCode::ConnectionClosed,
                                        QStringLiteral("%1: the client no longer exists").arg(qualified(contract(), method)))};
    }
    // No QFuture: the answer comes to a handler (in the client's thread) and is waited for here.
    Private::AnswerWaiter waiter;
    client->call(contract().interfaceName(), contract().method(method).name(), arguments, nullptr, waiter.handler());
    return Private::outcomeFromMessage(waiter.wait(client->thread(), waitLimit(client)));
}

QFuture<Private::CallOutcome> ServiceBinding::callAsync(int method, const QCborArray &arguments)
{
    auto promise = std::make_shared<QPromise<Private::CallOutcome>>();
    promise->start();
    QFuture<Private::CallOutcome> future = promise->future();
    callWithHandler(method, arguments, [promise](const Private::CallOutcome &outcome) {
        promise->addResult(outcome);
        promise->finish();
    });
    return future;
}

void ServiceBinding::callWithHandler(int method, const QCborArray &arguments, OutcomeHandler onDone)
{
    Client *client = m_client.data();
    if (!client) {
        onDone({QCborValue(), CallError(ErrorCode::ConnectionClosed,
                                        QStringLiteral("%1: the client no longer exists").arg(qualified(contract(), method)))});
        return;
    }
    client->call(contract().interfaceName(), contract().method(method).name(), arguments, nullptr,
                 [onDone = std::move(onDone)](const Message &answer) {
                     onDone(Private::outcomeFromMessage(answer));
                 });
}

CallError ServiceBinding::marshalCallback(QObject *callback, const ContractInfo &callbackContract, int method,
                                          int parameter, QCborValue *encoded)
{
    Client *client = m_client.data();
    if (!client || client->isHttp()) {
        return Private::argumentError(contract(), method, parameter, ErrorCode::NotSupported,
                                      QStringLiteral("callbacks need a WebSocket connection (ws:// or wss://); "
                                                     "this client uses plain HTTP"));
    }
    const quint64 id = m_callbacks->registerCallback(callback, callbackContract);
    QCborMap map;
    map.insert(QLatin1String("callback"), qint64(id));
    map.insert(QLatin1String("interface"), callbackContract.interfaceName());
    *encoded = map;
    return {};
}

// ---- RemoteServicesPrivate ------------------------------------------------------------------

Reply<QObject *> RemoteServicesPrivate::finishResolve(const ContractInfo &contract, const Message &answer)
{
    const QString name = contract.interfaceName();
    const Private::CallOutcome outcome = Private::outcomeFromMessage(answer);
    if (outcome.error.isError()) {
        if (outcome.error.code() == ErrorCode::UnknownService) {
            return Reply<QObject *>(ErrorCode::UnknownService,
                                    QStringLiteral("service '%1' is not available on the server: %2")
                                        .arg(name, outcome.error.message()));
        }
        return Reply<QObject *>(outcome.error.code(), QStringLiteral("cannot resolve service '%1': %2")
                                                          .arg(name, outcome.error.message()));
    }
    const QCborMap description = outcome.result.toMap();
    const QByteArray serverHash = description.value(QLatin1String("hash")).toString().toLatin1();
    if (serverHash != contract.hash()) {
        QSet<QString> clientMethods;
        for (const ContractMethod &method : contract.methods())
            clientMethods.insert(QString::fromUtf8(method.signature()));
        QSet<QString> serverMethods;
        for (const QCborValue &value : description.value(QLatin1String("methods")).toArray())
            serverMethods.insert(value.toString());
        QStringList onlyClient = (clientMethods - serverMethods).values();
        QStringList onlyServer = (serverMethods - clientMethods).values();
        onlyClient.sort();
        onlyServer.sort();
        QString detail;
        if (!onlyClient.isEmpty() || !onlyServer.isEmpty()) {
            detail = QStringLiteral("; only in the client's contract: %1; only in the server's: %2")
                         .arg(onlyClient.isEmpty() ? QStringLiteral("nothing") : onlyClient.join(QLatin1String(", ")),
                              onlyServer.isEmpty() ? QStringLiteral("nothing") : onlyServer.join(QLatin1String(", ")));
        } else {
            detail = QStringLiteral("; the methods are the same but in a different order");
        }
        return Reply<QObject *>(ErrorCode::ContractMismatch,
                                QStringLiteral("contract '%1' differs between client and server (client hash %2, "
                                               "server hash %3)%4; build both from the same contract header")
                                    .arg(name, QString::fromLatin1(contract.hash().left(12)),
                                         QString::fromLatin1(serverHash.left(12)), detail));
    }

    QMutexLocker locker(&mutex);
    QObject *&proxy = proxies[&contract];
    if (!proxy) {
        proxy = contract.createRemoteProxy(std::make_shared<ServiceBinding>(contract, client.data(), callbacks));
        // Callable from any thread: it has no events of its own. Deleted with RemoteServices.
        proxy->moveToThread(nullptr);
    }
    return Reply<QObject *>(proxy);
}

// ---- RemoteServices -------------------------------------------------------------------------

RemoteServices::RemoteServices(Client *client, QObject *parent)
    : QObject(parent), d(std::make_unique<RemoteServicesPrivate>())
{
    d->client = client;
    d->callbacks = std::make_shared<ClientCallbacks>(client);
    std::weak_ptr<ClientCallbacks> callbacks = d->callbacks;
    client->setMessageHandler([callbacks](const Message &message, const Responder &responder) {
        if (auto receiver = callbacks.lock())
            receiver->handleMessage(message, responder);
        else if (responder.isValid())
            responder.sendError(ErrorCode::CallbackReleased, QStringLiteral("this client no longer takes callbacks"));
    }, BatchDelivery::Whole); // a burst of callback notifications: one posted event per object
}

RemoteServices::~RemoteServices()
{
    d->callbacks->releaseAll();
    QMutexLocker locker(&d->mutex);
    qDeleteAll(d->proxies);
    d->proxies.clear();
}

Client *RemoteServices::client() const
{
    return d->client.data();
}

QObject *RemoteServices::resolve(const ContractInfo &contract, QString *errorString)
{
    {
        QMutexLocker locker(&d->mutex);
        if (QObject *proxy = d->proxies.value(&contract)) {
            Private::setLastCallError({});
            return proxy;
        }
    }
    Reply<QObject *> reply;
    if (Client *client = d->client.data()) {
        const QFuture<Message> pending = client->call(QStringLiteral("burrow"), QStringLiteral("resolve"),
                                                      QCborArray{contract.interfaceName()});
        reply = d->finishResolve(contract, Private::waitForAnswer(pending, client->thread(), waitLimit(client)));
    } else {
        reply = Reply<QObject *>(ErrorCode::ConnectionClosed, QStringLiteral("the client no longer exists"));
    }
    Private::setLastCallError(reply.callError());
    if (reply.hasError()) {
        qCWarning(lcServices).noquote() << "resolve failed:" << reply.errorString();
        if (errorString)
            *errorString = reply.errorString();
        return nullptr;
    }
    if (errorString)
        errorString->clear();
    return reply.value();
}

QFuture<Reply<QObject *>> RemoteServices::resolveAsync(const ContractInfo &contract)
{
    {
        QMutexLocker locker(&d->mutex);
        if (QObject *proxy = d->proxies.value(&contract))
            return Private::readyReply(Reply<QObject *>(proxy));
    }
    Client *client = d->client.data();
    if (!client) {
        return Private::readyReply(Reply<QObject *>(ErrorCode::ConnectionClosed,
                                                    QStringLiteral("the client no longer exists")));
    }
    RemoteServicesPrivate *dd = d.get();
    const ContractInfo *info = &contract;
    return client->call(QStringLiteral("burrow"), QStringLiteral("resolve"), QCborArray{contract.interfaceName()})
        .then(this, [dd, info](const Message &answer) { return dd->finishResolve(*info, answer); })
        .onCanceled([] {
            return Reply<QObject *>(ErrorCode::ConnectionClosed, QStringLiteral("resolve was canceled"));
        });
}

int RemoteServices::callbackCount() const
{
    return d->callbacks->count();
}

} // namespace Burrow
