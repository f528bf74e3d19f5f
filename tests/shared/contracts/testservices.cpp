#include "testservices.h"

#include <Burrow/callcontext.h>
#include <Burrow/reply.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QThread>

#include <stdexcept>

using namespace TestContracts;

// ---- TypesService ---------------------------------------------------------------------------

Shape TypesService::makeShape(const QString &name, int x, int y, int pointCount)
{
    Shape shape;
    shape.name = name;
    shape.origin = {x, y};
    for (int i = 0; i < pointCount; ++i)
        shape.points.append({x + i, y - i});
    return shape;
}

int TypesService::sumTen(int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7, int a8, int a9)
{
    return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9;
}

QString TypesService::describe(bool flag, qint64 number, double real, const QString &text,
                               const QByteArray &bytes, const QDateTime &when, const QUuid &id,
                               Color color, const QStringList &words, const Shape &shape)
{
    return QStringLiteral("%1|%2|%3|%4|%5|%6|%7|%8|%9|%10:%11")
        .arg(flag ? QStringLiteral("true") : QStringLiteral("false"))
        .arg(number)
        .arg(real)
        .arg(text, QString::fromLatin1(bytes.toHex()),
             when.toUTC().toString(Qt::ISODateWithMs), id.toString(QUuid::WithoutBraces))
        .arg(int(color))
        .arg(words.join(QLatin1Char(',')), shape.name)
        .arg(shape.points.size());
}

int TypesService::fail(const QString &message)
{
    throw std::runtime_error(message.toStdString());
}

// ---- ProbeService ---------------------------------------------------------------------------

std::atomic<int> ProbeService::created{0};
std::atomic<int> ProbeService::alive{0};
std::atomic<int> ProbeService::active{0};
std::atomic<int> ProbeService::maxActive{0};

ProbeService::ProbeService() : m_number(++created)
{
    ++alive;
}

namespace {
QMutex destructionMutex;
QStringList lastReleased;
} // namespace

ProbeService::~ProbeService()
{
    {
        QMutexLocker locker(&destructionMutex);
        lastReleased = releasedInterfaces();
    }
    --alive;
}

QStringList ProbeService::releasedAtDestruction()
{
    QMutexLocker locker(&destructionMutex);
    return lastReleased;
}

void ProbeService::resetCounters()
{
    created = 0;
    alive = 0;
    active = 0;
    maxActive = 0;
    QMutexLocker locker(&destructionMutex);
    lastReleased.clear();
}

QString ProbeService::threadName()
{
    return QThread::currentThread()->objectName();
}

int ProbeService::sleepAndCount(int milliseconds)
{
    const int now = ++active;
    int seen = maxActive.load();
    while (now > seen && !maxActive.compare_exchange_weak(seen, now)) {
    }
    QThread::msleep(milliseconds);
    --active;
    return maxActive.load();
}

QString ProbeService::callerInfo()
{
    const Burrow::CallContext *context = Burrow::CallContext::current();
    if (!context)
        return QStringLiteral("none");
    return QStringLiteral("%1.%2 %3")
        .arg(context->interfaceName(), context->methodName(),
             context->connection() ? QStringLiteral("ws") : QStringLiteral("http"));
}

int ProbeService::ask(QSharedPointer<IQuestionCallback> callback, int question)
{
    const int answer = callback->answer(question);
    const Burrow::CallError error = Burrow::lastCallError();
    if (error.isError()) {
        throw std::runtime_error(QStringLiteral("%1: %2")
                                     .arg(Burrow::errorCodeName(error.code()), error.message())
                                     .toStdString());
    }
    return answer;
}

bool ProbeService::keep(QSharedPointer<IQuestionCallback> callback)
{
    QMutexLocker locker(&m_mutex);
    const bool same = m_kept && m_kept.data() == callback.data();
    m_kept = callback;
    return same;
}

static QString describeError(const Burrow::CallError &error)
{
    return QStringLiteral("error:%1:%2").arg(Burrow::errorCodeName(error.code()), error.message());
}

QString ProbeService::askKept(int question)
{
    const QSharedPointer<IQuestionCallback> callback = keptCallback();
    if (!callback)
        return QStringLiteral("error:none");
    const int answer = callback->answer(question);
    const Burrow::CallError error = Burrow::lastCallError();
    return error.isError() ? describeError(error) : QStringLiteral("answer:%1").arg(answer);
}

QString ProbeService::tellKept(const QString &text)
{
    const QSharedPointer<IQuestionCallback> callback = keptCallback();
    if (!callback)
        return QStringLiteral("error:none");
    callback->tell(text);
    const Burrow::CallError error = Burrow::lastCallError();
    return error.isError() ? describeError(error) : QStringLiteral("sent");
}

void ProbeService::callbackReleased(QObject *callback, const QString &interfaceName)
{
    Q_UNUSED(callback);
    QMutexLocker locker(&m_mutex);
    m_released.append(interfaceName);
}

QStringList ProbeService::releasedInterfaces() const
{
    QMutexLocker locker(&m_mutex);
    return m_released;
}

QSharedPointer<IQuestionCallback> ProbeService::keptCallback() const
{
    QMutexLocker locker(&m_mutex);
    return m_kept;
}

void ProbeService::dropKeptCallback()
{
    QMutexLocker locker(&m_mutex);
    m_kept.reset();
}

// ---- ChatService ----------------------------------------------------------------------------

void ChatService::join(const QString &pseudo, QSharedPointer<IChatCallback> callback)
{
    QMutexLocker locker(&m_mutex);
    m_members.append({pseudo, callback});
}

void ChatService::blaBla(const QString &pseudo, const QString &message)
{
    QList<Member> members;
    {
        QMutexLocker locker(&m_mutex);
        members = m_members;
    }
    for (const Member &member : std::as_const(members))
        member.callback->blaBla(pseudo, message);
}

int ChatService::memberCount()
{
    return members();
}

int ChatService::members() const
{
    QMutexLocker locker(&m_mutex);
    return int(m_members.size());
}

void ChatService::callbackReleased(QObject *callback, const QString &interfaceName)
{
    Q_UNUSED(interfaceName);
    QMutexLocker locker(&m_mutex);
    m_members.removeIf([callback](const Member &member) { return member.callback.data() == callback; });
    ++m_releasedCount;
}

// ---- LongWorkService ------------------------------------------------------------------------

void LongWorkService::startWork(const QString &workName, QSharedPointer<ILongWorkCallback> onFinish)
{
    ++m_total;
    const int duration = m_workMilliseconds;
    QThread *worker = QThread::create([this, workName, onFinish, duration] {
        QElapsedTimer timer;
        timer.start();
        QThread::msleep(duration);
        {
            QMutexLocker locker(&m_mutex);
            m_callbackThreads.append(QThread::currentThread()->objectName());
        }
        if (workName.startsWith(QLatin1String("fail")))
            onFinish->workFailed(workName, QStringLiteral("expected failure"));
        else
            onFinish->workFinished(workName, int(timer.elapsed()));
    });
    worker->setObjectName(QStringLiteral("work:") + workName);
    QObject::connect(worker, &QThread::finished, worker, &QObject::deleteLater);
    worker->start();
}

QStringList LongWorkService::callbackThreads() const
{
    QMutexLocker locker(&m_mutex);
    return m_callbackThreads;
}
