#include "serviceregistry_p.h"

#include "serviceslogging_p.h"

#include <Burrow/callcontext.h>
#include <Burrow/server.h>

#include <QtCore/QCborMap>
#include <QtCore/QMetaMethod>
#include <QtCore/QThread>

namespace Burrow {

namespace {

const QString builtInTarget = QStringLiteral("burrow");

void deleteInstance(QObject *object)
{
    if (object->thread() == QThread::currentThread() || !object->thread())
        delete object;
    else
        object->deleteLater();
}

bool parseCallbackArgument(const QCborValue &value, quint64 *id, QString *interfaceName, CallError *error)
{
    const QCborValue idValue = value.isMap() ? value.toMap().value(QLatin1String("callback")) : QCborValue();
    bool ok = false;
    if (idValue.isInteger() && idValue.toInteger() > 0) {
        *id = quint64(idValue.toInteger());
        ok = true;
    } else if (idValue.isDouble() && idValue.toDouble() >= 1 && idValue.toDouble() < 9007199254740992.0
               && qint64(idValue.toDouble()) == idValue.toDouble()) {
        *id = quint64(idValue.toDouble());
        ok = true;
    } else if (idValue.isString()) {
        *id = idValue.toString().toULongLong(&ok);
        ok = ok && *id > 0;
    }
    if (!ok) {
        *error = CallError(ErrorCode::InvalidArguments,
                           QStringLiteral("expected a callback, {\"callback\": <id>, \"interface\": <name>}"));
        return false;
    }
    *interfaceName = value.toMap().value(QLatin1String("interface")).toString();
    return true;
}

// Callback arguments of a call that came over a WebSocket connection.
class ConnectionCallbackResolver final : public Private::CallbackResolver
{
public:
    ConnectionCallbackResolver(std::shared_ptr<ConnectionState> state, const InstancePointer &instance,
                               std::weak_ptr<Registration> registration)
        : m_state(std::move(state)), m_instance(instance), m_registration(std::move(registration))
    {
    }

    CallError resolveCallback(const QCborValue &value, const ContractInfo &contract,
                              QSharedPointer<QObject> *callback) override
    {
        quint64 id = 0;
        QString interfaceName;
        CallError error;
        if (!parseCallbackArgument(value, &id, &interfaceName, &error))
            return error;
        if (interfaceName != contract.interfaceName()) {
            return CallError(ErrorCode::InvalidArguments,
                             QStringLiteral("a callback of interface '%1' was passed where '%2' is expected")
                                 .arg(interfaceName, contract.interfaceName()));
        }

        QMutexLocker locker(&m_state->mutex);
        if (m_state->closed || !m_state->connection)
            return CallError(ErrorCode::ConnectionClosed, QStringLiteral("the connection is closed"));
        CallbackEntry &entry = m_state->callbacks[id];
        QSharedPointer<QObject> proxy = entry.proxy.toStrongRef();
        if (!proxy || !entry.channel || entry.channel->isReleased()) {
            // First time this id is seen on this connection, or its proxy is gone: a new proxy.
            auto channel = std::make_shared<Private::CallbackChannel>(m_state->connection, id, interfaceName);
            QObject *object = contract.createRemoteProxy(std::make_shared<Private::CallbackBinding>(contract, channel));
            // Callable and deletable from any thread: it has no events of its own.
            object->moveToThread(nullptr);
            proxy = QSharedPointer<QObject>(object);
            entry.proxy = proxy;
            entry.channel = channel;
            entry.receivers.clear();
            qCDebug(lcServices) << "connection" << m_state->id << "gave callback" << id << interfaceName;
        }
        if (InstancePointer instance = m_instance.toStrongRef()) {
            bool known = false;
            for (const CallbackReceiver &receiver : std::as_const(entry.receivers))
                known = known || receiver.instance == m_instance;
            if (!known)
                entry.receivers.append({m_instance, m_registration});
        }
        *callback = proxy;
        return {};
    }

private:
    std::shared_ptr<ConnectionState> m_state;
    QWeakPointer<QObject> m_instance;
    std::weak_ptr<Registration> m_registration;
};

// Callback arguments of a call that came over plain HTTP: refused.
class HttpCallbackResolver final : public Private::CallbackResolver
{
public:
    CallError resolveCallback(const QCborValue &, const ContractInfo &, QSharedPointer<QObject> *) override
    {
        return CallError(ErrorCode::NotSupported,
                         QStringLiteral("callbacks need a WebSocket connection; this call came over plain HTTP"));
    }
};

QString joinedNames(QStringList names)
{
    names.sort();
    return names.isEmpty() ? QStringLiteral("none") : names.join(QLatin1String(", "));
}

} // namespace

// ---- SerialQueue ----------------------------------------------------------------------------

void SerialQueue::post(const std::shared_ptr<SerialQueue> &queue, QThreadPool *pool,
                       std::function<void()> task)
{
    {
        QMutexLocker locker(&queue->m_mutex);
        queue->m_tasks.push_back(std::move(task));
        if (queue->m_running)
            return;
        queue->m_running = true;
    }
    pool->start([queue, pool] { drain(queue, pool); });
}

void SerialQueue::drain(const std::shared_ptr<SerialQueue> &queue, QThreadPool *pool)
{
    // A bounded number of tasks per turn, so that one busy registration does not keep a pool
    // thread forever.
    for (int done = 0; done < 64; ++done) {
        std::function<void()> task;
        {
            QMutexLocker locker(&queue->m_mutex);
            if (queue->m_tasks.empty()) {
                queue->m_running = false;
                return;
            }
            task = std::move(queue->m_tasks.front());
            queue->m_tasks.pop_front();
        }
        task();
    }
    pool->start([queue, pool] { drain(queue, pool); });
}

// ---- ServiceRegistryPrivate -----------------------------------------------------------------

std::shared_ptr<Registration> ServiceRegistryPrivate::registration(const QString &interfaceName) const
{
    QMutexLocker locker(&mutex);
    return registrations.value(interfaceName);
}

std::shared_ptr<ConnectionState> ServiceRegistryPrivate::connectionState(Connection *connection)
{
    const quint64 id = connection->id();
    QMutexLocker locker(&mutex);
    std::shared_ptr<ConnectionState> &state = connections[id];
    if (!state) {
        state = std::make_shared<ConnectionState>();
        state->id = id;
        state->connection = connection;
        locker.unlock();
        // Also when the connection was not adopted (a handler installed by other means).
        std::weak_ptr<ServiceRegistryPrivate> self = weak_from_this();
        QObject::connect(connection, &Connection::closed, connection, [self, id] {
            if (auto d = self.lock())
                d->connectionClosed(id);
        }, Qt::DirectConnection);
        QObject::connect(connection, &QObject::destroyed, [self, id] {
            if (auto d = self.lock())
                d->connectionClosed(id);
        });
    }
    return state;
}

void ServiceRegistryPrivate::adopt(Connection *connection)
{
    std::weak_ptr<ServiceRegistryPrivate> self = weak_from_this();
    // Bound to this connection: the transport gives notifications and callback releases no
    // Responder to tell where they came from.
    connection->setMessageHandler([self, connection](const Message &message, const Responder &responder) {
        if (auto d = self.lock())
            d->handleMessage(connection, message, responder);
        else if (responder.isValid())
            responder.sendError(ErrorCode::Unavailable, QStringLiteral("the service registry is gone"));
    });
    connectionState(connection);
    QMutexLocker locker(&mutex);
    adopted.removeAll(nullptr);
    adopted.append(connection);
}

void ServiceRegistryPrivate::handleMessage(Connection *connection, const Message &message,
                                           const Responder &responder)
{
    if (!connection)
        connection = responder.connection();
    switch (message.type()) {
    case Message::Type::Request:
    case Message::Type::Notification:
        dispatch(connection, message, responder);
        return;
    case Message::Type::CallbackRelease:
        if (connection) {
            releaseCallback(connection->id(), message.target());
        } else {
            qCWarning(lcServices) << "release of callback" << message.target()
                                  << "from an unknown connection ignored (use ServiceRegistry::attach())";
        }
        return;
    case Message::Type::Batch: {
        const QList<Message> messages = message.messages();
        for (const Message &inner : messages)
            handleMessage(connection, inner, Responder());
        return;
    }
    default:
        if (responder.isValid())
            responder.sendError(ErrorCode::InvalidMessage, QStringLiteral("unexpected message type"));
        return;
    }
}

void ServiceRegistryPrivate::dispatch(Connection *connection, const Message &message, const Responder &responder)
{
    const bool isRequest = message.type() == Message::Type::Request;
    const auto fail = [&](ErrorCode code, const QString &text) {
        if (isRequest)
            responder.sendError(code, text);
        else
            qCWarning(lcServices).noquote() << "notification" << message.target() + QLatin1Char('.') + message.method()
                                            << "dropped:" << text;
    };

    if (message.target() == builtInTarget) {
        serveBuiltIn(message, responder);
        return;
    }
    const std::shared_ptr<Registration> registration = this->registration(message.target());
    if (!registration) {
        fail(ErrorCode::UnknownService, QStringLiteral("no service named '%1' is registered (registered: %2)")
                                            .arg(message.target(), joinedNames(q->services())));
        return;
    }
    const ContractInfo &contract = *registration->contract;
    const int method = contract.indexOfMethod(message.method());
    if (method < 0) {
        QStringList names;
        for (const ContractMethod &m : contract.methods())
            names.append(m.name());
        fail(ErrorCode::UnknownMethod, QStringLiteral("interface '%1' has no method '%2' (methods: %3)")
                                           .arg(contract.interfaceName(), message.method(), joinedNames(names)));
        return;
    }

    const std::shared_ptr<ConnectionState> state = connection ? connectionState(connection) : nullptr;
    CallError error;
    const InstancePointer instance = acquireInstance(registration, state, &error);
    if (!instance) {
        fail(error.code(), error.message());
        return;
    }

    auto work = [registration, instance, state, method, arguments = message.arguments(), responder,
                 isRequest, methodName = message.method()] {
        Connection *current = nullptr;
        if (state) {
            QMutexLocker locker(&state->mutex);
            current = state->connection;
        }
        std::unique_ptr<Private::CallbackResolver> resolver;
        if (state)
            resolver = std::make_unique<ConnectionCallbackResolver>(state, instance, registration);
        else
            resolver = std::make_unique<HttpCallbackResolver>();
        const ContractInfo &served = *registration->contract;
        CallContext context(current, served.interfaceName(), methodName, resolver.get());
        const Private::CallOutcome outcome = served.invoke(instance.data(), method, arguments, context);
        if (isRequest) {
            if (outcome.error.isError())
                responder.sendError(outcome.error.code(), outcome.error.message());
            else
                responder.sendAnswer(outcome.result);
        } else if (outcome.error.isError()) {
            qCWarning(lcServices).noquote() << "notification" << served.interfaceName() + QLatin1Char('.') + methodName
                                            << "failed:" << outcome.error.message();
        }
    };
    execute(registration, instance, std::move(work));
}

void ServiceRegistryPrivate::serveBuiltIn(const Message &message, const Responder &responder)
{
    if (message.type() != Message::Type::Request)
        return;
    if (message.method() == QLatin1String("services")) {
        QCborArray names;
        for (const QString &name : q->services())
            names.append(name);
        responder.sendAnswer(names);
        return;
    }
    if (message.method() != QLatin1String("resolve")) {
        responder.sendError(ErrorCode::UnknownMethod,
                            QStringLiteral("interface 'burrow' has no method '%1' (methods: resolve, services)")
                                .arg(message.method()));
        return;
    }
    const QCborArray arguments = message.arguments();
    if (arguments.size() != 1 || !arguments.at(0).isString()) {
        responder.sendError(ErrorCode::InvalidArguments,
                            QStringLiteral("burrow.resolve takes one argument, the interface name"));
        return;
    }
    const QString name = arguments.at(0).toString();
    const std::shared_ptr<Registration> registration = this->registration(name);
    if (!registration) {
        responder.sendError(ErrorCode::UnknownService,
                            QStringLiteral("no service named '%1' is registered (registered: %2)")
                                .arg(name, joinedNames(q->services())));
        return;
    }
    QCborArray methods;
    for (const ContractMethod &method : registration->contract->methods())
        methods.append(QString::fromUtf8(method.signature()));
    QCborMap answer;
    answer.insert(QLatin1String("interface"), name);
    answer.insert(QLatin1String("hash"), QString::fromLatin1(registration->contract->hash()));
    answer.insert(QLatin1String("methods"), methods);
    responder.sendAnswer(answer);
}

InstancePointer ServiceRegistryPrivate::createInstance(Registration &registration, CallError *error)
{
    QObject *object = registration.factory ? registration.factory() : nullptr;
    if (!object) {
        *error = CallError(ErrorCode::Unavailable, QStringLiteral("the factory of service '%1' returned no object")
                                                       .arg(registration.contract->interfaceName()));
        return {};
    }
    if (!registration.contract->metaObject()->cast(object)) {
        qCWarning(lcServices) << "the factory of" << registration.contract->interfaceName() << "returned a"
                              << object->metaObject()->className() << ", not an implementation of"
                              << registration.contract->metaObject()->className();
    }
    // Created in a receiving thread other than the registry's: give it the registry's thread,
    // unless the factory chose one.
    if (object->thread() == QThread::currentThread() && QThread::currentThread() != q->thread()
        && !object->parent()) {
        object->moveToThread(q->thread());
    }
    if (object->parent())
        return InstancePointer(object, [](QObject *) {}); // owned by its parent
    return InstancePointer(object, &deleteInstance);
}

InstancePointer ServiceRegistryPrivate::acquireInstance(const std::shared_ptr<Registration> &registration,
                                                        const std::shared_ptr<ConnectionState> &state,
                                                        CallError *error)
{
    switch (registration->lifetime) {
    case ServiceRegistry::Lifetime::Shared: {
        QMutexLocker locker(&registration->instanceMutex);
        if (!registration->shared)
            registration->shared = createInstance(*registration, error);
        return registration->shared;
    }
    case ServiceRegistry::Lifetime::PerConnection:
        if (state) {
            QMutexLocker locker(&state->mutex);
            if (state->closed) {
                *error = CallError(ErrorCode::ConnectionClosed, QStringLiteral("the connection is closed"));
                return {};
            }
            InstancePointer &instance = state->instances[registration->contract->interfaceName()];
            if (!instance)
                instance = createInstance(*registration, error);
            return instance;
        }
        // Over plain HTTP each request is its own connection.
        return createInstance(*registration, error);
    case ServiceRegistry::Lifetime::PerCall:
        return createInstance(*registration, error);
    }
    return {};
}

void ServiceRegistryPrivate::execute(const std::shared_ptr<Registration> &registration,
                                     const InstancePointer &instance, std::function<void()> work)
{
    switch (registration->execution) {
    case ServiceRegistry::Execution::InstanceThread:
        // Posted even when the instance lives in this thread: the transport calls us while it
        // reads the socket, and a socket does not signal new data to a nested event loop. Run
        // here, a service making a blocking call on the same connection (say, to a callback)
        // would wait for an answer that cannot be read until it returns.
        QMetaObject::invokeMethod(instance.data(), std::move(work), Qt::QueuedConnection);
        return;
    case ServiceRegistry::Execution::LockedPerInterface:
        SerialQueue::post(registration->serial, &pool, std::move(work));
        return;
    case ServiceRegistry::Execution::ThreadPool:
        pool.start(std::move(work));
        return;
    }
}

void ServiceRegistryPrivate::releaseCallback(quint64 connectionId, const QString &target)
{
    bool ok = false;
    const quint64 id = target.toULongLong(&ok);
    std::shared_ptr<ConnectionState> state;
    {
        QMutexLocker locker(&mutex);
        state = connections.value(connectionId);
    }
    if (!ok || !state) {
        qCDebug(lcServices) << "release of unknown callback" << target << "on connection" << connectionId;
        return;
    }
    CallbackEntry entry;
    Connection *connection = nullptr;
    {
        QMutexLocker locker(&state->mutex);
        const auto it = state->callbacks.find(id);
        if (it == state->callbacks.end())
            return;
        entry = it.value();
        state->callbacks.erase(it);
        connection = state->connection;
    }
    qCDebug(lcServices) << "connection" << connectionId << "released callback" << id;
    if (entry.channel && entry.channel->release(QStringLiteral("its client released it")))
        notifyReleased(entry, connection);
}

void ServiceRegistryPrivate::connectionClosed(quint64 connectionId)
{
    std::shared_ptr<ConnectionState> state;
    {
        QMutexLocker locker(&mutex);
        state = connections.take(connectionId);
    }
    if (!state)
        return;
    QHash<quint64, CallbackEntry> callbacks;
    QHash<QString, InstancePointer> instances;
    {
        QMutexLocker locker(&state->mutex);
        state->closed = true;
        state->connection = nullptr;
        callbacks.swap(state->callbacks);
        instances.swap(state->instances);
    }
    qCDebug(lcServices) << "connection" << connectionId << "closed:" << callbacks.size() << "callbacks,"
                        << instances.size() << "instances released";
    for (const CallbackEntry &entry : std::as_const(callbacks)) {
        if (entry.channel && entry.channel->release(QStringLiteral("its connection closed")))
            notifyReleased(entry, nullptr);
    }
    // PerConnection instances go when the last queued call (or release notice) holding them ends.
    instances.clear();
}

void ServiceRegistryPrivate::notifyReleased(CallbackEntry entry, Connection *connection)
{
    const QSharedPointer<QObject> proxy = entry.proxy.toStrongRef();
    if (!proxy)
        return; // nobody holds it any more: nobody to tell
    const QString interfaceName = entry.channel->interfaceName();
    Q_EMIT q->callbackReleased(proxy.data(), interfaceName);

    for (const CallbackReceiver &receiver : std::as_const(entry.receivers)) {
        const InstancePointer instance = receiver.instance.toStrongRef();
        const std::shared_ptr<Registration> registration = receiver.registration.lock();
        if (!instance || !registration)
            continue;
        const QMetaObject *metaObject = instance->metaObject();
        const int index = metaObject->indexOfMethod("callbackReleased(QObject*,QString)");
        if (index < 0)
            continue;
        const QMetaMethod method = metaObject->method(index);
        QPointer<Connection> guardedConnection = connection;
        execute(registration, instance, [instance, proxy, interfaceName, method, registration, guardedConnection] {
            CallContext context(guardedConnection.data(), registration->contract->interfaceName(),
                                QStringLiteral("callbackReleased"));
            const CallContext::Scope scope(&context);
            method.invoke(instance.data(), Qt::DirectConnection, Q_ARG(QObject *, proxy.data()),
                          Q_ARG(QString, interfaceName));
        });
    }
}

// ---- ServiceRegistry ------------------------------------------------------------------------

ServiceRegistry::ServiceRegistry(QObject *parent)
    : QObject(parent), d(std::make_shared<ServiceRegistryPrivate>(this))
{
    d->pool.setObjectName(QStringLiteral("burrow.services"));
}

ServiceRegistry::~ServiceRegistry()
{
    QList<QPointer<Server>> servers;
    QList<QPointer<Connection>> adopted;
    QHash<quint64, std::shared_ptr<ConnectionState>> connections;
    {
        QMutexLocker locker(&d->mutex);
        servers = d->servers;
        adopted = d->adopted;
        connections = d->connections;
    }
    for (const QPointer<Server> &server : std::as_const(servers)) {
        if (server)
            server->setMessageHandler({});
    }
    for (const QPointer<Connection> &connection : std::as_const(adopted)) {
        if (connection)
            connection->setMessageHandler({});
    }
    d->pool.waitForDone();
    // Proxies still held by instances become inert.
    for (const std::shared_ptr<ConnectionState> &state : std::as_const(connections)) {
        QMutexLocker locker(&state->mutex);
        for (const CallbackEntry &entry : std::as_const(state->callbacks)) {
            if (entry.channel)
                entry.channel->release(QStringLiteral("the service registry was destroyed"));
        }
    }
}

void ServiceRegistry::attach(Server *server)
{
    std::weak_ptr<ServiceRegistryPrivate> self = d;
    server->setMessageHandler([self](const Message &message, const Responder &responder) {
        if (auto registry = self.lock())
            registry->handleMessage(nullptr, message, responder);
        else if (responder.isValid())
            responder.sendError(ErrorCode::Unavailable, QStringLiteral("the service registry is gone"));
    });
    connect(server, &Server::newConnection, this, [self](Connection *connection) {
        if (auto registry = self.lock())
            registry->adopt(connection);
    }, Qt::DirectConnection);
    connect(server, &Server::connectionClosed, this, [self](Connection *connection) {
        if (auto registry = self.lock())
            registry->connectionClosed(connection->id());
    }, Qt::DirectConnection);
    const QList<Connection *> existing = server->connections();
    for (Connection *connection : existing)
        d->adopt(connection);
    QMutexLocker locker(&d->mutex);
    d->servers.append(server);
}

void ServiceRegistry::attach(Connection *connection)
{
    d->adopt(connection);
}

MessageHandler ServiceRegistry::messageHandler()
{
    std::weak_ptr<ServiceRegistryPrivate> self = d;
    return [self](const Message &message, const Responder &responder) {
        if (auto registry = self.lock())
            registry->handleMessage(nullptr, message, responder);
    };
}

bool ServiceRegistry::registerService(const ContractInfo &contract, std::function<QObject *()> factory,
                                      Lifetime lifetime, Execution execution)
{
    auto registration = std::make_shared<Registration>();
    registration->contract = &contract;
    registration->factory = std::move(factory);
    registration->lifetime = lifetime;
    registration->execution = execution;
    QMutexLocker locker(&d->mutex);
    if (d->registrations.contains(contract.interfaceName())) {
        qCWarning(lcServices) << "service" << contract.interfaceName() << "is registered already";
        return false;
    }
    d->registrations.insert(contract.interfaceName(), registration);
    qCDebug(lcServices) << "registered" << contract.interfaceName() << lifetime << execution;
    return true;
}

bool ServiceRegistry::unregisterService(const QString &interfaceName)
{
    std::shared_ptr<Registration> registration;
    QList<std::shared_ptr<ConnectionState>> states;
    {
        QMutexLocker locker(&d->mutex);
        registration = d->registrations.take(interfaceName);
        states = d->connections.values();
    }
    if (!registration)
        return false;
    InstancePointer shared;
    {
        QMutexLocker locker(&registration->instanceMutex);
        shared.swap(registration->shared);
    }
    for (const std::shared_ptr<ConnectionState> &state : std::as_const(states)) {
        QMutexLocker locker(&state->mutex);
        InstancePointer instance = state->instances.take(interfaceName);
        locker.unlock(); // the instance goes here, outside the lock
    }
    return true;
}

QStringList ServiceRegistry::services() const
{
    QMutexLocker locker(&d->mutex);
    QStringList names = d->registrations.keys();
    names.sort();
    return names;
}

bool ServiceRegistry::hasService(const QString &interfaceName) const
{
    QMutexLocker locker(&d->mutex);
    return d->registrations.contains(interfaceName);
}

QThreadPool *ServiceRegistry::threadPool() const
{
    return &d->pool;
}

} // namespace Burrow
