#pragma once

#include <Burrow/client.h>
#include <Burrow/contractsupport.h>
#include <Burrow/remoteservices.h>

#include <QtCore/QHash>
#include <QtCore/QMutex>
#include <QtCore/QPointer>

#include <memory>
#include <vector>

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

    // One checked request or notification, to run in its callback object's thread.
    struct PreparedCall
    {
        const ContractInfo *contract = nullptr;
        int method = -1;
        QCborArray arguments;
        Responder responder; // invalid for a notification
        QString target;
    };
    // The last target and method resolved while reading one frame: a burst of notifications
    // to one callback looks its id and method up once.
    struct Resolved
    {
        QString target;
        QPointer<QObject> object;
        const ContractInfo *contract = nullptr;
        QString method;
        int methodIndex = -1;
    };
    using PreparedCalls = std::vector<PreparedCall>;

    // Checks one request or notification and fills *call and *object; false (the failure
    // answered or logged) when there is nothing to run.
    bool prepare(const Message &message, const Responder &responder, Resolved *resolved,
                 QPointer<QObject> *object, PreparedCall *call);
    // Posts calls to object's thread, in order, as one event.
    void post(const QPointer<QObject> &object, PreparedCalls calls);
    static void run(QObject *object, Connection *connection, const PreparedCall &call);
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
