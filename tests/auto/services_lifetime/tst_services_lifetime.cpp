// Instance lifetimes (Shared, PerConnection, PerCall) and execution options (InstanceThread,
// LockedPerInterface, ThreadPool), observed through ProbeService's counters.

#include "servicestest.h"

#include "probe_burrow.h"
#include "testservices.h"

#include <QtCore/QThreadPool>

using namespace Burrow;
using namespace ServicesTest;

class tst_ServicesLifetime : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void shared();
    void perConnection();
    void perConnectionReleasesCallbacksFirst();
    void perCall();
    void perConnectionOverHttp();
    void unregister();

    void instanceThreadRegistryThread();
    void instanceThreadWorker();
    void lockedPerInterface();
    void threadPool();

private:
    bool start(Lifetime lifetime, Execution execution = Execution::InstanceThread,
               std::function<QObject *()> factory = {});
    QList<int> concurrentSleeps(int clients, int callsPerClient, int milliseconds, QStringList *threads);

    std::unique_ptr<TestServer> m_server;
};

void tst_ServicesLifetime::initTestCase()
{
    QThread::currentThread()->setObjectName(QStringLiteral("main"));
}

void tst_ServicesLifetime::init()
{
    ProbeService::resetCounters();
    m_server = std::make_unique<TestServer>();
}

void tst_ServicesLifetime::cleanup()
{
    m_server.reset();
    QTRY_COMPARE(ProbeService::alive.load(), 0);
}

bool tst_ServicesLifetime::start(Lifetime lifetime, Execution execution, std::function<QObject *()> factory)
{
    if (!factory)
        factory = [] { return new ProbeService; };
    m_server->registry.threadPool()->setMaxThreadCount(4);
    return m_server->registry.registerService(IProbeService::burrowContract(), factory, lifetime, execution)
        && m_server->start();
}

void tst_ServicesLifetime::shared()
{
    QVERIFY(start(Lifetime::Shared));
    QCOMPARE(ProbeService::created.load(), 0); // created on first use
    TestClient a, b;
    QVERIFY(a.connectTo(m_server->webSocketUrl()));
    QVERIFY(b.connectTo(m_server->webSocketUrl()));
    IProbeService *probeA = a.resolve<IProbeService>();
    IProbeService *probeB = b.resolve<IProbeService>();
    QCOMPARE(probeA->instanceNumber(), 1);
    QCOMPARE(probeB->instanceNumber(), 1);
    QCOMPARE(probeA->instanceNumber(), 1);
    QCOMPARE(ProbeService::created.load(), 1);
    a.client->disconnectFromServer();
    QTest::qWait(50);
    QCOMPARE(ProbeService::alive.load(), 1); // lives with the registry
    QCOMPARE(probeB->instanceNumber(), 1);
}

void tst_ServicesLifetime::perConnection()
{
    QVERIFY(start(Lifetime::PerConnection));
    TestClient a, b;
    QVERIFY(a.connectTo(m_server->webSocketUrl()));
    QVERIFY(b.connectTo(m_server->webSocketUrl()));
    IProbeService *probeA = a.resolve<IProbeService>();
    IProbeService *probeB = b.resolve<IProbeService>();
    const int first = probeA->instanceNumber();
    QCOMPARE(probeA->instanceNumber(), first);
    const int second = probeB->instanceNumber();
    QVERIFY(second != first);
    QCOMPARE(probeB->instanceNumber(), second);
    QCOMPARE(probeA->instanceNumber(), first);
    QCOMPARE(ProbeService::created.load(), 2);
    QCOMPARE(ProbeService::alive.load(), 2);

    // Destroyed when its connection closes.
    a.client->disconnectFromServer();
    QTRY_COMPARE(ProbeService::alive.load(), 1);
    QCOMPARE(probeB->instanceNumber(), second);
    b.client->connection()->abort(QStringLiteral("test"));
    QTRY_COMPARE(ProbeService::alive.load(), 0);
    QCOMPARE(ProbeService::created.load(), 2);
}

namespace {
class Question : public IQuestionCallback
{
public:
    int answer(int question) override { return question; }
    void tell(const QString &) override {}
};
} // namespace

void tst_ServicesLifetime::perConnectionReleasesCallbacksFirst()
{
    QVERIFY(start(Lifetime::PerConnection));
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl()));
    IProbeService *probe = client.resolve<IProbeService>();
    auto callback = QSharedPointer<Question>::create();
    QVERIFY(!probe->keep(callback));
    QCOMPARE(ProbeService::alive.load(), 1);
    client.client->disconnectFromServer();
    QTRY_COMPARE(ProbeService::alive.load(), 0);
    // The instance was told its callback was released before it went away.
    QCOMPARE(ProbeService::releasedAtDestruction(), QStringList{QStringLiteral("QuestionCallback")});
}

void tst_ServicesLifetime::perCall()
{
    QVERIFY(start(Lifetime::PerCall));
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl()));
    IProbeService *probe = client.resolve<IProbeService>();
    QSet<int> numbers;
    for (int i = 0; i < 3; ++i)
        numbers.insert(probe->instanceNumber());
    QCOMPARE(numbers.size(), 3);
    QCOMPARE(ProbeService::created.load(), 3);
    QTRY_COMPARE(ProbeService::alive.load(), 0); // deleted after each call
}

void tst_ServicesLifetime::perConnectionOverHttp()
{
    QVERIFY(start(Lifetime::PerConnection, Execution::ThreadPool));
    TestClient client;
    QVERIFY(client.connectTo(m_server->rpcUrl()));
    IProbeService *probe = client.resolve<IProbeService>();
    QVERIFY(probe);
    // Each HTTP request is its own "connection".
    QVERIFY(probe->instanceNumber() != probe->instanceNumber());
    QTRY_COMPARE(ProbeService::alive.load(), 0);
}

void tst_ServicesLifetime::unregister()
{
    QVERIFY(start(Lifetime::Shared));
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl()));
    IProbeService *probe = client.resolve<IProbeService>();
    QCOMPARE(probe->instanceNumber(), 1);
    QCOMPARE(m_server->registry.services(), QStringList{QStringLiteral("Probe")});
    QVERIFY(m_server->registry.unregisterService<IProbeService>());
    QVERIFY(!m_server->registry.unregisterService<IProbeService>());
    QTRY_COMPARE(ProbeService::alive.load(), 0);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("Probe.instanceNumber failed")));
    QCOMPARE(probe->instanceNumber(), 0);
    QCOMPARE(lastCallError().code(), ErrorCode::UnknownService);
    // Registering again is allowed.
    QVERIFY(m_server->registry.registerService<IProbeService>([] { return new ProbeService; }));
    QCOMPARE(probe->instanceNumber(), 2);
}

void tst_ServicesLifetime::instanceThreadRegistryThread()
{
    QVERIFY(start(Lifetime::Shared, Execution::InstanceThread));
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl()));
    IProbeService *probe = client.resolve<IProbeService>();
    QCOMPARE(probe->threadName(), QStringLiteral("main"));
}

void tst_ServicesLifetime::instanceThreadWorker()
{
    QThread worker;
    worker.setObjectName(QStringLiteral("probe-worker"));
    worker.start();
    const auto stop = qScopeGuard([this, &worker] {
        m_server.reset(); // the instance is deleted in its thread: before it stops
        QTRY_COMPARE(ProbeService::alive.load(), 0);
        worker.quit();
        worker.wait();
    });
    QVERIFY(start(Lifetime::PerConnection, Execution::InstanceThread, [&worker] {
        auto *probe = new ProbeService;
        probe->moveToThread(&worker);
        return probe;
    }));
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl()));
    IProbeService *probe = client.resolve<IProbeService>();
    QCOMPARE(probe->threadName(), QStringLiteral("probe-worker"));
    QCOMPARE(probe->threadName(), QStringLiteral("probe-worker"));
    client.client->disconnectFromServer();
    QTRY_COMPARE(ProbeService::alive.load(), 0);
}

QList<int> tst_ServicesLifetime::concurrentSleeps(int clients, int callsPerClient, int milliseconds,
                                                   QStringList *threads)
{
    std::vector<std::unique_ptr<TestClient>> connected;
    QList<QFuture<Reply<int>>> futures;
    QList<QFuture<Reply<QString>>> names;
    for (int c = 0; c < clients; ++c) {
        connected.push_back(std::make_unique<TestClient>());
        if (!connected.back()->connectTo(m_server->webSocketUrl()))
            return {};
        IProbeService *probe = connected.back()->resolve<IProbeService>();
        IProbeServiceAsync async(probe);
        for (int i = 0; i < callsPerClient; ++i) {
            futures.append(async.sleepAndCount(milliseconds));
            names.append(async.threadName());
        }
    }
    QList<int> maxima;
    if (!QTest::qWaitFor([&] {
            for (const auto &future : futures) {
                if (!future.isFinished())
                    return false;
            }
            for (const auto &future : names) {
                if (!future.isFinished())
                    return false;
            }
            return true;
        }, 20000)) {
        return {};
    }
    for (const auto &future : futures)
        maxima.append(future.result().hasError() ? -1 : future.result().value());
    for (const auto &future : names)
        threads->append(future.result().value());
    return maxima;
}

void tst_ServicesLifetime::lockedPerInterface()
{
    QVERIFY(start(Lifetime::Shared, Execution::LockedPerInterface));
    QStringList threads;
    const QList<int> maxima = concurrentSleeps(2, 3, 60, &threads);
    QCOMPARE(maxima.size(), 6);
    // Never two calls at once, although the pool has 4 threads and calls come from 2 connections.
    for (int maximum : maxima)
        QCOMPARE(maximum, 1);
    for (const QString &thread : std::as_const(threads))
        QVERIFY2(thread != QLatin1String("main"), qPrintable(thread));
}

void tst_ServicesLifetime::threadPool()
{
    QVERIFY(start(Lifetime::Shared, Execution::ThreadPool));
    QStringList threads;
    const QList<int> maxima = concurrentSleeps(2, 2, 400, &threads);
    QCOMPARE(maxima.size(), 4);
    const int observed = *std::max_element(maxima.begin(), maxima.end());
    // Four 400 ms calls on four pool threads overlap.
    QVERIFY2(observed >= 3, qPrintable(QString::number(observed)));
    for (const QString &thread : std::as_const(threads))
        QVERIFY2(thread != QLatin1String("main"), qPrintable(thread));
}

QTEST_GUILESS_MAIN(tst_ServicesLifetime)
#include "tst_services_lifetime.moc"
