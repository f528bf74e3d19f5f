#include "answerwait_p.h"

#include <QtCore/QEventLoop>
#include <QtCore/QFutureWatcher>
#include <QtCore/QPromise>
#include <QtCore/QSemaphore>
#include <QtCore/QThread>
#include <QtCore/QTimer>

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
            if (!future.isFinished())
                loop.exec(QEventLoop::ExcludeUserInputEvents);
            if (timedOut && !future.isFinished())
                return timeoutMessage(timeoutMilliseconds);
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

QFuture<CallOutcome> outcomeFuture(QFuture<Message> future)
{
    return future.then([](const Message &message) { return outcomeFromMessage(message); })
        .onCanceled([] {
            return CallOutcome{QCborValue(), CallError(ErrorCode::ConnectionClosed,
                                                       QStringLiteral("the call was canceled"))};
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
