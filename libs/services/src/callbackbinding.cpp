#include "callbackbinding_p.h"

#include "answerwait_p.h"
#include "serviceslogging_p.h"

#include <Burrow/connection.h>

#include <QtCore/QThread>

namespace Burrow::Private {

CallbackChannel::CallbackChannel(Connection *connection, quint64 id, const QString &interfaceName)
    : m_connection(connection), m_id(id), m_target(QString::number(id)), m_interfaceName(interfaceName)
{
}

bool CallbackChannel::release(const QString &reason)
{
    QMutexLocker locker(&m_mutex);
    if (!m_connection)
        return false;
    m_connection = nullptr;
    m_releaseReason = reason;
    return true;
}

bool CallbackChannel::isReleased() const
{
    QMutexLocker locker(&m_mutex);
    return !m_connection;
}

CallError CallbackChannel::releasedError() const
{
    return CallError(ErrorCode::CallbackReleased,
                     QStringLiteral("callback %1 (%2) is released: %3; calls to it do nothing")
                         .arg(m_id)
                         .arg(m_interfaceName, m_releaseReason));
}

CallOutcome CallbackChannel::call(const ContractMethod &method, const QCborArray &arguments)
{
    QFuture<Message> pending;
    QThread *transportThread = nullptr;
    int timeout = 0;
    {
        // Held while touching the connection: release() (run before the connection object is
        // deleted) waits for it.
        QMutexLocker locker(&m_mutex);
        if (!m_connection)
            return {QCborValue(), releasedError()};
        if (method.returnsVoid()) {
            m_connection->sendNotification(m_target, method.name(), arguments);
            return {};
        }
        pending = m_connection->call(m_target, method.name(), arguments);
        transportThread = m_connection->thread();
        timeout = m_connection->settings().answerTimeout();
    }
    const Message answer = waitForAnswer(pending, transportThread, timeout > 0 ? timeout + answerWaitMargin : 0);
    const CallOutcome outcome = outcomeFromMessage(answer);
    if (outcome.error.code() == ErrorCode::CallbackReleased)
        release(QStringLiteral("the client no longer knows it"));
    return outcome;
}

QFuture<CallOutcome> CallbackChannel::callAsync(const ContractMethod &method, const QCborArray &arguments)
{
    QMutexLocker locker(&m_mutex);
    if (!m_connection)
        return readyOutcome({QCborValue(), releasedError()});
    if (method.returnsVoid()) {
        m_connection->sendNotification(m_target, method.name(), arguments);
        return readyOutcome({});
    }
    return outcomeFuture(m_connection->call(m_target, method.name(), arguments));
}

CallOutcome CallbackBinding::call(int method, const QCborArray &arguments)
{
    return m_channel->call(contract().method(method), arguments);
}

QFuture<CallOutcome> CallbackBinding::callAsync(int method, const QCborArray &arguments)
{
    return m_channel->callAsync(contract().method(method), arguments);
}

} // namespace Burrow::Private
