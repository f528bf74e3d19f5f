#pragma once

#include <Burrow/connection.h>
#include <Burrow/contract.h>
#include <Burrow/servicesglobal.h>

#include <QtCore/QObject>
#include <QtCore/QStringList>

#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QThreadPool;
QT_END_NAMESPACE

namespace Burrow {

class Server;
class ServiceRegistryPrivate;

// Serves implementations of contracts to the clients of a Server (or of single Connections):
// requests whose target is a registered interface name are dispatched to an instance of the
// implementation, in the execution context chosen at registration.
//
//     ServiceRegistry registry;
//     registry.registerService<IChatService>([] { return new ChatService; },
//                                            ServiceRegistry::Lifetime::Shared,
//                                            ServiceRegistry::Execution::LockedPerInterface);
//     registry.attach(&server);
//
// Callback parameters (QSharedPointer<Contract>) reach the implementation as callback proxies.
// When a client releases a callback, or its connection closes, callbackReleased() is emitted and
// every instance that received the callback gets its callbackReleased(QObject *, QString)
// invokable called, if it has one (declare it Q_INVOKABLE, or as a slot, in a Q_OBJECT class).
//
// The built-in target "burrow" answers "resolve" (interface name -> {interface, hash, methods})
// and "services" (the registered interface names); RemoteServices uses it.
class BURROW_SERVICES_EXPORT ServiceRegistry : public QObject
{
    Q_OBJECT
public:
    enum class Lifetime {
        Shared,        // one instance, created on first use, kept until unregistered
        PerConnection, // one per WebSocket connection, destroyed when it closes (per call over HTTP)
        PerCall,       // a new instance for each call, destroyed after it
    };
    Q_ENUM(Lifetime)

    enum class Execution {
        InstanceThread,     // in the instance's thread, through its event loop (posted even
                            // when that is the receiving thread, so that the service may make
                            // blocking calls on the same connection)
        LockedPerInterface, // on the thread pool, one call at a time per registration
        ThreadPool,         // on the thread pool, concurrently
    };
    Q_ENUM(Execution)

    explicit ServiceRegistry(QObject *parent = nullptr);
    ~ServiceRegistry() override;

    // Serves the server's WebSocket connections (present and future) and its RPC-over-HTTP
    // requests. Replaces the server's message handler.
    void attach(Server *server);
    // Serves one connection (e.g. the Connection of a Client, to offer services to the peer).
    // Replaces its message handler.
    void attach(Connection *connection);
    // The handler attach() installs, for other wiring. Without a known connection, callback
    // releases cannot be attributed and are ignored; prefer attach().
    MessageHandler messageHandler();

    // The factory is called (in the thread receiving the call) when an instance is needed; the
    // registry owns what it returns unless it has a parent. Returns false if the interface name
    // is registered already.
    template<typename Contract>
    bool registerService(std::function<Contract *()> factory, Lifetime lifetime = Lifetime::Shared,
                         Execution execution = Execution::InstanceThread)
    {
        return registerService(Contract::burrowContract(),
                               [factory = std::move(factory)]() -> QObject * { return factory(); },
                               lifetime, execution);
    }
    bool registerService(const ContractInfo &contract, std::function<QObject *()> factory,
                         Lifetime lifetime = Lifetime::Shared,
                         Execution execution = Execution::InstanceThread);

    template<typename Contract>
    bool unregisterService()
    {
        return unregisterService(Contract::burrowContract().interfaceName());
    }
    bool unregisterService(const QString &interfaceName);

    QStringList services() const;
    bool hasService(const QString &interfaceName) const;

    // Runs LockedPerInterface and ThreadPool calls.
    QThreadPool *threadPool() const;

Q_SIGNALS:
    // A callback proxy given to a service was released by its client, or its connection closed.
    // Emitted in the thread that learnt it (the connection's); the proxy stays valid while
    // QSharedPointers to it exist, but calling it does nothing (CallbackReleased).
    void callbackReleased(QObject *callback, const QString &interfaceName);

private:
    friend class ServiceRegistryPrivate;
    std::shared_ptr<ServiceRegistryPrivate> d;
};

using Lifetime = ServiceRegistry::Lifetime;
using Execution = ServiceRegistry::Execution;

} // namespace Burrow
