#pragma once

// Service implementations shared by the services tests.

#include "alltypes.h"
#include "chat.h"
#include "longwork.h"
#include "probe.h"

#include <QtCore/QMutex>
#include <QtCore/QPointer>
#include <QtCore/QStringList>

#include <atomic>

class TypesService : public TestContracts::ITypesService
{
    Q_OBJECT
public:
    using ITypesService::ITypesService;

    bool echoBool(bool value) override { return value; }
    qint8 echoInt8(qint8 value) override { return value; }
    quint8 echoUInt8(quint8 value) override { return value; }
    qint16 echoInt16(qint16 value) override { return value; }
    quint16 echoUInt16(quint16 value) override { return value; }
    qint32 echoInt32(qint32 value) override { return value; }
    quint32 echoUInt32(quint32 value) override { return value; }
    qint64 echoInt64(qint64 value) override { return value; }
    quint64 echoUInt64(quint64 value) override { return value; }
    double echoDouble(double value) override { return value; }
    QString echoString(const QString &value) override { return value; }
    QByteArray echoBytes(const QByteArray &value) override { return value; }
    QDateTime echoDateTime(const QDateTime &value) override { return value; }
    QUuid echoUuid(const QUuid &value) override { return value; }
    Color echoColor(Color value) override { return value; }
    QStringList echoStringList(const QStringList &value) override { return value; }
    QJsonObject echoJsonObject(const QJsonObject &value) override { return value; }
    QVariantMap echoVariantMap(const QVariantMap &value) override { return value; }
    TestContracts::Shape echoShape(const TestContracts::Shape &value) override { return value; }
    QList<int> echoIntList(const QList<int> &value) override { return value; }
    TestContracts::Shape makeShape(const QString &name, int x, int y, int pointCount) override;
    int sumTen(int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7, int a8, int a9) override;
    QString describe(bool flag, qint64 number, double real, const QString &text, const QByteArray &bytes,
                     const QDateTime &when, const QUuid &id, Color color, const QStringList &words,
                     const TestContracts::Shape &shape) override;
    void doNothing() override {}
    int fail(const QString &message) override;
};

// Counts its instances and the calls running at the same time.
class ProbeService : public IProbeService
{
    Q_OBJECT
public:
    ProbeService();
    ~ProbeService() override;

    static std::atomic<int> created;
    static std::atomic<int> alive;
    static std::atomic<int> active;
    static std::atomic<int> maxActive;
    static void resetCounters();
    // What the last destroyed instance had been told by callbackReleased().
    static QStringList releasedAtDestruction();

    int instanceNumber() override { return m_number; }
    QString threadName() override;
    int sleepAndCount(int milliseconds) override;
    QString callerInfo() override;
    int ask(QSharedPointer<IQuestionCallback> callback, int question) override;
    bool keep(QSharedPointer<IQuestionCallback> callback) override;
    QString askKept(int question) override;
    QString tellKept(const QString &text) override;

    // The release convention: called when a callback this instance received is released.
    Q_INVOKABLE void callbackReleased(QObject *callback, const QString &interfaceName);

    QStringList releasedInterfaces() const;
    QSharedPointer<IQuestionCallback> keptCallback() const;
    void dropKeptCallback();

private:
    int m_number;
    mutable QMutex m_mutex;
    QSharedPointer<IQuestionCallback> m_kept;
    QStringList m_released;
};

// The reference's chat: a shared list of callbacks, pruned by callbackReleased().
class ChatService : public IChatService
{
    Q_OBJECT
public:
    using IChatService::IChatService;

    void join(const QString &pseudo, QSharedPointer<IChatCallback> callback) override;
    void blaBla(const QString &pseudo, const QString &message) override;
    int memberCount() override;

    Q_INVOKABLE void callbackReleased(QObject *callback, const QString &interfaceName);

    int releasedCount() const { return m_releasedCount.load(); }
    int members() const;

private:
    struct Member
    {
        QString pseudo;
        QSharedPointer<IChatCallback> callback;
    };
    mutable QMutex m_mutex;
    QList<Member> m_members;
    std::atomic<int> m_releasedCount{0};
};

// The reference's long work: each work runs in its own thread and reports on the callback.
class LongWorkService : public ILongWorkService
{
    Q_OBJECT
public:
    explicit LongWorkService(int workMilliseconds = 100, QObject *parent = nullptr)
        : ILongWorkService(parent), m_workMilliseconds(workMilliseconds) {}

    // Works named "fail..." report workFailed().
    void startWork(const QString &workName, QSharedPointer<ILongWorkCallback> onFinish) override;
    int totalWorkCount() override { return m_total.load(); }

    // The threads that called the callbacks (objectName "work:<name>").
    QStringList callbackThreads() const;

private:
    int m_workMilliseconds;
    std::atomic<int> m_total{0};
    mutable QMutex m_mutex;
    QStringList m_callbackThreads;
};
