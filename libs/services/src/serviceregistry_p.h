#pragma once

#include <Burrow/serviceregistry.h>

#include "callbackbinding_p.h"

#include <QtCore/QHash>
#include <QtCore/QMutex>
#include <QtCore/QPointer>
#include <QtCore/QSharedPointer>
#include <QtCore/QThreadPool>

#include <deque>
#include <functional>
#include <memory>

namespace Burrow {

class Responder;

// Owns a service instance; the last reference deletes it in its own thread.
using InstancePointer = QSharedPointer<QObject>;

// Runs tasks one at a time, in order, on a thread pool (LockedPerInterface).
class SerialQueue
{
public:
    static void post(const std::shared_ptr<SerialQueue> &queue, QThreadPool *pool,
                     std::function<void()> task);

private:
    static void drain(const std::shared_ptr<SerialQueue> &queue, QThreadPool *pool);

    QMutex m_mutex;
    std::deque<std::function<void()>> m_tasks;
    bool m_running = false;
};

struct Registration
{
    const ContractInfo *contract = nullptr;
    std::function<QObject *()> factory;
    ServiceRegistry::Lifetime lifetime = ServiceRegistry::Lifetime::Shared;
    ServiceRegistry::Execution execution = ServiceRegistry::Execution::InstanceThread;

    QMutex instanceMutex;
    InstancePointer shared;
    // Shared with queued tasks, which may outlive the registration.
    std::shared_ptr<SerialQueue> serial = std::make_shared<SerialQueue>();
};

// An instance that received a callback, to be told when it is released.
struct CallbackReceiver
{
    QWeakPointer<QObject> instance;
    std::weak_ptr<Registration> registration;
};

struct CallbackEntry
{
    QWeakPointer<QObject> proxy;
    std::shared_ptr<Private::CallbackChannel> channel;
    QList<CallbackReceiver> receivers;
};

// What the registry keeps per WebSocket connection.
struct ConnectionState
{
    quint64 id = 0;
    Connection *connection = nullptr; // guarded by mutex; nullptr once closed

    QMutex mutex;
    bool closed = false;
    QHash<QString, InstancePointer> instances; // PerConnection, by interface name
    QHash<quint64, CallbackEntry> callbacks;    // by callback id
};

class ServiceRegistryPrivate : public std::enable_shared_from_this<ServiceRegistryPrivate>
{
public:
    explicit ServiceRegistryPrivate(ServiceRegistry *q) : q(q) {}

    void handleMessage(Connection *connection, const Message &message, const Responder &responder);
    void dispatch(Connection *connection, const Message &message, const Responder &responder);
    void serveBuiltIn(const Message &message, const Responder &responder);

    std::shared_ptr<Registration> registration(const QString &interfaceName) const;
    std::shared_ptr<ConnectionState> connectionState(Connection *connection);
    void adopt(Connection *connection);
    InstancePointer acquireInstance(const std::shared_ptr<Registration> &registration,
                                    const std::shared_ptr<ConnectionState> &state, CallError *error);
    InstancePointer createInstance(Registration &registration, CallError *error);

    // Runs work in the instance's execution context.
    void execute(const std::shared_ptr<Registration> &registration, const InstancePointer &instance,
                 std::function<void()> work);

    void releaseCallback(quint64 connectionId, const QString &target);
    void connectionClosed(quint64 connectionId);
    // Tells the registry's signal and the receivers that a callback is released.
    void notifyReleased(CallbackEntry entry, Connection *connection);

    ServiceRegistry *q;
    mutable QMutex mutex;
    QHash<QString, std::shared_ptr<Registration>> registrations;
    QHash<quint64, std::shared_ptr<ConnectionState>> connections;
    QList<QPointer<Server>> servers;
    QList<QPointer<Connection>> adopted;
    QThreadPool pool;
};

} // namespace Burrow
