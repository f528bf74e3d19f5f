#pragma once

#include <Burrow/client.h>
#include <Burrow/contractsupport.h>
#include <Burrow/remoteservices.h>

#include <QtCore/QHash>
#include <QtCore/QMutex>
#include <QtCore/QPointer>

#include <memory>

namespace Burrow {

// The callback objects a client has passed to the server, by id. Holds them weakly: when one is
// destroyed its id is released and the server told.
class ClientCallbacks : public std::enable_shared_from_this<ClientCallbacks>
{
public:
    explicit ClientCallbacks(Client *client) : m_client(client) {}

    // Thread-safe. The same object always gets the same id while it lives.
    quint64 registerCallback(QObject *object, const ContractInfo &contract);
    // Incoming requests and notifications for callbacks (the client's message handler).
    void handleMessage(const Message &message, const Responder &responder);
    int count() const;
    // Stops watching every callback and tells the server they are released.
    void releaseAll();

private:
    struct Entry
    {
        QPointer<QObject> object;
        const QObject *key = nullptr;
        const ContractInfo *contract = nullptr;
        QMetaObject::Connection watch;
    };

    // Checks one request or notification and makes the work that runs it in *target's thread;
    // false (the failure answered or logged) when there is nothing to run.
    bool prepare(const Message &message, const Responder &responder, QPointer<QObject> *target,
                 std::function<void()> *run);
    void objectDestroyed(quint64 id);
    void sendRelease(quint64 id);

    mutable QMutex m_mutex;
    QPointer<Client> m_client;
    QHash<const QObject *, quint64> m_ids;
    QHash<quint64, Entry> m_entries;
    quint64 m_nextId = 1;
};

// Binding of a client-side service proxy: requests over the Client.
class ServiceBinding final : public Private::RemoteBinding
{
public:
    ServiceBinding(const ContractInfo &contract, Client *client, std::shared_ptr<ClientCallbacks> callbacks)
        : RemoteBinding(contract), m_client(client), m_callbacks(std::move(callbacks)) {}

    Private::CallOutcome call(int method, const QCborArray &arguments) override;
    QFuture<Private::CallOutcome> callAsync(int method, const QCborArray &arguments) override;
    void callWithHandler(int method, const QCborArray &arguments, OutcomeHandler onDone) override;
    CallError marshalCallback(QObject *callback, const ContractInfo &callbackContract, int method,
                              int parameter, QCborValue *encoded) override;

private:
    QPointer<Client> m_client;
    std::shared_ptr<ClientCallbacks> m_callbacks;
};

class RemoteServicesPrivate
{
public:
    // Checks a burrow.resolve answer and creates (or reuses) the proxy.
    Reply<QObject *> finishResolve(const ContractInfo &contract, const Message &answer);

    QPointer<Client> client;
    std::shared_ptr<ClientCallbacks> callbacks;
    QMutex mutex;
    QHash<const ContractInfo *, QObject *> proxies;
};

} // namespace Burrow
