#include "callbackbinding_p.h"

#include "answerwait_p.h"
#include "serviceslogging_p.h"

#include <Burrow/connection.h>

#include <QtCore/QPromise>
#include <QtCore/QThread>

#include <optional>

namespace Burrow::Private {

namespace {
// A publisher notifies its subscribers one after the other with the same arguments, and the
// callback ids (the targets) of different clients are often the same too: the last encoded
// notification of this thread is reused when nothing differs, so a fan-out to N connections
// encodes once rather than N times. (Codecs are identified by their subprotocol, as a server
// chooses them.) Large payloads are not kept.
struct LastNotification
{
    QString subprotocol;
    QString target;
    QString method;
    QCborArray arguments;
    QByteArray encoded;
};
constexpr qsizetype MaxRememberedNotification = 64 * 1024;

void sendNotification(Connection *connection, const QString &target, const QString &method,
                      const QCborArray &arguments)
{
    thread_local LastNotification last;
    const QString subprotocol = connection->subprotocol();
    if (last.encoded.isEmpty() || last.target != target || last.method != method
        || last.subprotocol != subprotocol || last.arguments != arguments) {
        QByteArray encoded = connection->encodeNotification(target, method, arguments);
        if (encoded.size() > MaxRememberedNotification) {
            last = {};
            connection->sendEncodedNotification(encoded);
            return;
        }
        last = {subprotocol, target, method, arguments, std::move(encoded)};
    }
    connection->sendEncodedNotification(last.encoded);
}
} // namespace

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
    std::optional<AnswerWaiter> waiter; // not for notifications (fan-out: once per subscriber)
    QThread *transportThread = nullptr;
    int timeout = 0;
    {
        // Held while touching the connection: release() (run before the connection object is
        // deleted) waits for it.
        QMutexLocker locker(&m_mutex);
        if (!m_connection)
            return {QCborValue(), releasedError()};
        if (method.returnsVoid()) {
            sendNotification(m_connection, m_target, method.name(), arguments);
            return {};
        }
        waiter.emplace();
        m_connection->call(m_target, method.name(), arguments, nullptr, waiter->handler());
        transportThread = m_connection->thread();
        timeout = m_connection->settings().answerTimeout();
    }
    const Message answer = waiter->wait(transportThread, timeout > 0 ? timeout + answerWaitMargin : 0);
    const CallOutcome outcome = outcomeFromMessage(answer);
    if (outcome.error.code() == ErrorCode::CallbackReleased)
        release(QStringLiteral("the client no longer knows it"));
    return outcome;
}

QFuture<CallOutcome> CallbackChannel::callAsync(const ContractMethod &method, const QCborArray &arguments)
{
    auto promise = std::make_shared<QPromise<CallOutcome>>();
    promise->start();
    QFuture<CallOutcome> future = promise->future();
    callWithHandler(method, arguments, [promise](const CallOutcome &outcome) {
        promise->addResult(outcome);
        promise->finish();
    });
    return future;
}

void CallbackChannel::callWithHandler(const ContractMethod &method, const QCborArray &arguments,
                                      RemoteBinding::OutcomeHandler onDone)
{
    CallOutcome now;
    {
        QMutexLocker locker(&m_mutex);
        if (!m_connection) {
            now = {QCborValue(), releasedError()};
        } else if (method.returnsVoid()) {
            sendNotification(m_connection, m_target, method.name(), arguments);
        } else {
            m_connection->call(m_target, method.name(), arguments, nullptr,
                               [onDone = std::move(onDone)](const Message &answer) {
                                   onDone(outcomeFromMessage(answer));
                               });
            return;
        }
    }
    onDone(now); // outside the lock: the handler may call through this channel again
}

CallOutcome CallbackBinding::call(int method, const QCborArray &arguments)
{
    return m_channel->call(contract().method(method), arguments);
}

QFuture<CallOutcome> CallbackBinding::callAsync(int method, const QCborArray &arguments)
{
    return m_channel->callAsync(contract().method(method), arguments);
}

void CallbackBinding::callWithHandler(int method, const QCborArray &arguments, OutcomeHandler onDone)
{
    m_channel->callWithHandler(contract().method(method), arguments, std::move(onDone));
}

} // namespace Burrow::Private
