#include "longworkservice.h"

#include "longworklogging.h"
#include "longworkcontracts_burrow.h"

#include <Burrow/reply.h>

#include <QtCore/QDeadlineTimer>
#include <QtCore/QElapsedTimer>
#include <QtCore/QHash>
#include <QtCore/QMutex>
#include <QtCore/QPointer>
#include <QtCore/QThread>
#include <QtCore/QThreadPool>
#include <QtCore/QWaitCondition>

#include <algorithm>
#include <atomic>
#include <stdexcept>

namespace {

struct Work
{
    quint64 id = 0;
    QString name;
    WorkPlanner::Plan plan;
    QElapsedTimer timer;
    QSharedPointer<ILongWorkCallback> callback;
    bool callbackReleased = false;
};

} // namespace

class LongWorkServicePrivate
{
public:
    explicit LongWorkServicePrivate(const LongWorkSettings &settings) : settings(settings), planner(settings)
    {
        pool.setMaxThreadCount(std::max(settings.maxConcurrentWorks(), 1));
        pool.setObjectName(QStringLiteral("longwork"));
    }

    void run(LongWorkService *service, const std::shared_ptr<Work> &work);

    const LongWorkSettings settings;
    WorkPlanner planner;
    QThreadPool pool;
    std::atomic<int> total{0};

    mutable QMutex mutex;
    QWaitCondition wake; // stop() and the end of works
    bool stopping = false;
    quint64 nextId = 1;
    QHash<quint64, std::shared_ptr<Work>> running;
};

void LongWorkServicePrivate::run(LongWorkService *service, const std::shared_ptr<Work> &work)
{
    QThread *thread = QThread::currentThread();
    const QString previousName = thread->objectName();
    thread->setObjectName(QStringLiteral("work:") + work->name);

    // The hard work: waiting until the planned end, or until stop().
    bool interrupted = false;
    QSharedPointer<ILongWorkCallback> callback;
    bool released = false;
    {
        QMutexLocker locker(&mutex);
        const QDeadlineTimer deadline(std::max<qint64>(work->plan.duration - work->timer.elapsed(), 0));
        while (!stopping && !deadline.hasExpired())
            wake.wait(&mutex, deadline);
        interrupted = stopping && !deadline.hasExpired();
        running.remove(work->id);
        callback = std::exchange(work->callback, {});
        released = work->callbackReleased;
        wake.wakeAll();
    }
    const int timeTaken = int(work->timer.elapsed());
    const bool succeeded = !interrupted && !work->plan.fails;
    const QString error = interrupted ? QStringLiteral("the server is shutting down")
                                      : QStringLiteral("expected random failure");

    bool delivered = false;
    if (!callback) {
        qCInfo(lcLongWorkServer).noquote() << "work" << work->name << (succeeded ? "finished" : "failed")
                                           << "after" << timeTaken << "ms; nobody to tell (no callback)";
    } else if (released) {
        qCInfo(lcLongWorkServer).noquote() << "work" << work->name << (succeeded ? "finished" : "failed")
                                           << "after" << timeTaken << "ms; its client is gone";
    } else {
        // A callback proxy: the call is one notification over the client's connection, sent
        // from this thread. Released in the meantime, it does nothing and says so.
        if (succeeded)
            callback->workFinished(work->name, timeTaken);
        else
            callback->workFailed(work->name, error);
        const Burrow::CallError callError = Burrow::lastCallError();
        delivered = !callError.isError();
        const QString gone = delivered ? QString() : QStringLiteral("; its client is gone");
        if (succeeded) {
            qCInfo(lcLongWorkServer).noquote() << "work" << work->name << "finished in" << timeTaken << "ms" + gone;
        } else {
            qCInfo(lcLongWorkServer).noquote() << "work" << work->name << "failed after" << timeTaken << "ms:"
                                               << error + gone;
        }
    }
    // Dropped here, in the work's thread, like the reference's TLongWorkServiceThread.
    callback.reset();
    thread->setObjectName(previousName);
    Q_EMIT service->workEnded(work->name, succeeded, timeTaken, delivered);
}

LongWorkService::LongWorkService(const LongWorkSettings &settings, QObject *parent)
    : ILongWorkService(parent), d(std::make_shared<LongWorkServicePrivate>(settings))
{
}

LongWorkService::~LongWorkService()
{
    stop();
}

LongWorkSettings LongWorkService::settings() const
{
    return d->settings;
}

void LongWorkService::startWork(const QString &workName, QSharedPointer<ILongWorkCallback> onFinish)
{
    if (workName.trimmed().isEmpty())
        throw std::invalid_argument("a work needs a name");
    auto work = std::make_shared<Work>();
    work->timer.start();
    work->name = workName;
    work->callback = std::move(onFinish);
    {
        QMutexLocker locker(&d->mutex);
        if (d->stopping)
            throw std::runtime_error("the server is shutting down");
        work->id = d->nextId++;
        // Drawn in the order works are started, so that a seed makes them predictable.
        work->plan = d->planner.next();
        d->running.insert(work->id, work);
    }
    const int number = ++d->total;
    qCInfo(lcLongWorkServer).noquote() << "work" << workName << "started (#" + QString::number(number)
                                              + "), will" << (work->plan.fails ? "fail" : "finish")
                                       << "after" << work->plan.duration << "ms";
    std::weak_ptr<LongWorkServicePrivate> weak = d;
    d->pool.start([this, weak, work] {
        if (auto dd = weak.lock())
            dd->run(this, work);
    });
}

int LongWorkService::totalWorkCount()
{
    return d->total.load();
}

int LongWorkService::runningWorkCount() const
{
    QMutexLocker locker(&d->mutex);
    return int(d->running.size());
}

bool LongWorkService::waitForIdle(int milliseconds)
{
    const QDeadlineTimer deadline(milliseconds); // negative: forever
    {
        QMutexLocker locker(&d->mutex);
        while (!d->running.isEmpty()) {
            if (!d->wake.wait(&d->mutex, deadline))
                return d->running.isEmpty();
        }
    }
    return d->pool.waitForDone(int(std::max<qint64>(deadline.remainingTime(), -1)));
}

void LongWorkService::stop()
{
    {
        QMutexLocker locker(&d->mutex);
        if (!d->stopping && !d->running.isEmpty())
            qCInfo(lcLongWorkServer) << "stopping" << d->running.size() << "running works";
        d->stopping = true;
        d->wake.wakeAll();
    }
    d->pool.waitForDone();
}

void LongWorkService::callbackReleased(QObject *callback, const QString &interfaceName)
{
    Q_UNUSED(interfaceName);
    QMutexLocker locker(&d->mutex);
    for (const std::shared_ptr<Work> &work : std::as_const(d->running)) {
        if (!work->callbackReleased && work->callback && work->callback.data() == callback) {
            work->callbackReleased = true;
            qCInfo(lcLongWorkServer).noquote() << "work" << work->name
                                               << "lost its callback; it will end without telling anyone";
        }
    }
}
