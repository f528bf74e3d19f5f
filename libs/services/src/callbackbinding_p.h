#pragma once

#include <Burrow/contractsupport.h>

#include <QtCore/QMutex>
#include <QtCore/QString>

#include <memory>

namespace Burrow {

class Connection;

namespace Private {

// The server side of one callback id on one connection, shared by the callback proxy's binding
// and the registry's callback table. Once released (by the client, or because the connection
// closed) calls through it fail with CallbackReleased and the connection is never touched again.
class CallbackChannel
{
public:
    CallbackChannel(Connection *connection, quint64 id, const QString &interfaceName);

    quint64 id() const { return m_id; }
    QString interfaceName() const { return m_interfaceName; }

    // Thread-safe. Returns false if it was released already.
    bool release(const QString &reason);
    bool isReleased() const;

    CallOutcome call(const ContractMethod &method, const QCborArray &arguments);
    QFuture<CallOutcome> callAsync(const ContractMethod &method, const QCborArray &arguments);
    void callWithHandler(const ContractMethod &method, const QCborArray &arguments,
                         RemoteBinding::OutcomeHandler onDone);

private:
    CallError releasedError() const; // m_mutex held

    // Recursive: a call that fails at once (connection closed) runs its handler under it, and
    // that handler may call through this channel again.
    mutable QRecursiveMutex m_mutex;
    Connection *m_connection; // nullptr once released
    const quint64 m_id;
    const QString m_target;
    const QString m_interfaceName;
    QString m_releaseReason;
};

// Binding of a server-side callback proxy: void methods are notifications (one-way, batched by
// the transport), others are requests waiting up to the answer timeout.
class CallbackBinding final : public RemoteBinding
{
public:
    CallbackBinding(const ContractInfo &contract, std::shared_ptr<CallbackChannel> channel)
        : RemoteBinding(contract), m_channel(std::move(channel)) {}

    CallOutcome call(int method, const QCborArray &arguments) override;
    QFuture<CallOutcome> callAsync(int method, const QCborArray &arguments) override;
    void callWithHandler(int method, const QCborArray &arguments, OutcomeHandler onDone) override;

private:
    std::shared_ptr<CallbackChannel> m_channel;
};

} // namespace Private
} // namespace Burrow
