#pragma once

#include <Burrow/contract.h>
#include <Burrow/reply.h>
#include <Burrow/servicesglobal.h>

#include <QtCore/QFuture>
#include <QtCore/QObject>

#include <memory>

namespace Burrow {

class Client;
class RemoteServicesPrivate;

// The client side of interface services: resolves contracts served by a ServiceRegistry into
// remote proxies, and delivers the server's calls to the callbacks passed as arguments.
//
//     RemoteServices services(&client);
//     IChatService *chat = services.resolve<IChatService>(&error);
//     auto callback = QSharedPointer<ChatCallback>::create();
//     chat->join(QStringLiteral("me"), callback);   // blocking; ChatServiceAsync never blocks
//     callback.reset();                              // the server is told: callbackReleased()
//
// A callback object is known to the server by an id while it lives; when it is destroyed (its
// last QSharedPointer dropped, or deleted) the server is told it is released. Calls to it run in
// its thread. Callbacks need a WebSocket connection (ws://, wss://); over plain HTTP a callback
// argument fails with NotSupported.
//
// Installs the client's message handler.
class BURROW_SERVICES_EXPORT RemoteServices : public QObject
{
    Q_OBJECT
public:
    explicit RemoteServices(Client *client, QObject *parent = nullptr);
    ~RemoteServices() override;

    Client *client() const;

    // Blocking: asks the server for the contract and compares hashes. Returns a proxy owned by
    // this object (the same one on later calls), or nullptr with *errorString set and
    // lastCallError() telling why (UnknownService, ContractMismatch, a transport error).
    template<typename Contract>
    Contract *resolve(QString *errorString = nullptr)
    {
        return static_cast<Contract *>(resolve(Contract::burrowContract(), errorString));
    }

    // The non-blocking form; the proxy is created in this object's thread.
    template<typename Contract>
    QFuture<Reply<Contract *>> resolveAsync()
    {
        return resolveAsync(Contract::burrowContract()).then([](const Reply<QObject *> &reply) {
            if (reply.hasError())
                return Reply<Contract *>(reply.callError());
            return Reply<Contract *>(static_cast<Contract *>(reply.value()));
        });
    }

    QObject *resolve(const ContractInfo &contract, QString *errorString = nullptr);
    QFuture<Reply<QObject *>> resolveAsync(const ContractInfo &contract);

    // Callback objects passed to the server and not released yet.
    int callbackCount() const;

private:
    std::unique_ptr<RemoteServicesPrivate> d;
};

} // namespace Burrow
