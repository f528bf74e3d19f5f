#include "answerwait_p.h"

#include <QtCore/QDeadlineTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QFutureWatcher>
#include <QtCore/QMutex>
#include <QtCore/QPromise>
#include <QtCore/QSemaphore>
#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtCore/QWaitCondition>

#include <memory>

namespace Burrow::Private {

CallOutcome outcomeFromMessage(const Message &message)
{
    switch (message.type()) {
    case Message::Type::Answer:
        return {message.result(), {}};
    case Message::Type::Error:
        return {QCborValue(), CallError(message.errorCode(), message.errorMessage())};
    default:
        return {QCborValue(), CallError(ErrorCode::ConnectionClosed,
                                        QStringLiteral("the call ended without an answer"))};
    }
}

namespace {
Message timeoutMessage(int milliseconds)
{
    return Message::error(0, ErrorCode::Timeout,
                          QStringLiteral("no answer within %1 ms").arg(milliseconds));
}

// Runs loop until it quits or timeoutMilliseconds pass (<= 0: no limit of its own); true when
// the time ran out.
bool execUntilQuitOrTimeout(QEventLoop &loop, int timeoutMilliseconds)
{
    bool timedOut = false;
    QTimer timer;
    if (timeoutMilliseconds > 0) {
        timer.setSingleShot(true);
        QObject::connect(&timer, &QTimer::timeout, &loop, [&] {
            timedOut = true;
            loop.quit();
        });
        timer.start(timeoutMilliseconds);
    }
    loop.exec(QEventLoop::ExcludeUserInputEvents);
    return timedOut;
}
} // namespace

Message waitForAnswer(QFuture<Message> future, QThread *transportThread, int timeoutMilliseconds)
{
    if (!future.isFinished()) {
        if (transportThread == QThread::currentThread()) {
            QEventLoop loop;
            QFutureWatcher<Message> watcher;
            QObject::connect(&watcher, &QFutureWatcherBase::finished, &loop, &QEventLoop::quit);
            QObject::connect(&watcher, &QFutureWatcherBase::canceled, &loop, &QEventLoop::quit);
            watcher.setFuture(future);
            if (!future.isFinished() && execUntilQuitOrTimeout(loop, timeoutMilliseconds)
                && !future.isFinished()) {
                return timeoutMessage(timeoutMilliseconds);
            }
        } else {
            auto done = std::make_shared<QSemaphore>();
            future.then([done](const Message &) { done->release(); }).onCanceled([done] { done->release(); });
            if (!done->tryAcquire(1, timeoutMilliseconds > 0 ? timeoutMilliseconds : -1))
                return timeoutMessage(timeoutMilliseconds);
        }
    }
    if (future.isCanceled() || future.resultCount() == 0)
        return Message();
    return future.result();
}

struct AnswerWaiter::State
{
    QMutex mutex;
    QWaitCondition condition;
    bool done = false;
    Message answer;
    QEventLoop *loop = nullptr; // set while wait() runs a local event loop
};

AnswerWaiter::AnswerWaiter() : m_state(std::make_shared<State>()) {}

AnswerHandler AnswerWaiter::handler() const
{
    return [state = m_state](const Message &answer) {
        QMutexLocker locker(&state->mutex);
        state->answer = answer;
        state->done = true;
        if (state->loop)
            state->loop->quit(); // same thread as the loop: the transport's
        state->condition.wakeAll();
    };
}

Message AnswerWaiter::wait(QThread *transportThread, int timeoutMilliseconds)
{
    State &state = *m_state;
    QMutexLocker locker(&state.mutex);
    if (state.done)
        return state.answer;
    if (transportThread == QThread::currentThread()) {
        // The answer is delivered by this thread's event loop.
        QEventLoop loop;
        state.loop = &loop;
        locker.unlock();
        const bool timedOut = execUntilQuitOrTimeout(loop, timeoutMilliseconds);
        locker.relock();
        state.loop = nullptr;
        if (!state.done)
            return timedOut ? timeoutMessage(timeoutMilliseconds) : Message();
        return state.answer;
    }
    QDeadlineTimer deadline(timeoutMilliseconds > 0 ? qint64(timeoutMilliseconds) : -1);
    while (!state.done) {
        if (!state.condition.wait(&state.mutex, deadline))
            break;
    }
    return state.done ? state.answer : timeoutMessage(timeoutMilliseconds);
}

QFuture<CallOutcome> outcomeFuture(QFuture<Message> future)
{
    return future.then([](const Message &message) { return outcomeFromMessage(message); })
        .onCanceled([] {
            return CallOutcome{QCborValue(), CallError(ErrorCode::ConnectionClosed,
                                                       QStringLiteral("the call was canceled"))};
        });
}

// (Defined here, next to the other call plumbing, rather than in contractinfo.cpp.)
void RemoteBinding::callWithHandler(int method, const QCborArray &arguments, OutcomeHandler onDone)
{
    callAsync(method, arguments).then(QtFuture::Launch::Sync, [onDone = std::move(onDone)](const CallOutcome &outcome) {
        onDone(outcome);
    });
}

QFuture<CallOutcome> readyOutcome(const CallOutcome &outcome)
{
    QPromise<CallOutcome> promise;
    promise.start();
    promise.addResult(outcome);
    promise.finish();
    return promise.future();
}

} // namespace Burrow::Private
