// Remote calls: every marshalled type over both subprotocols (and plain HTTP), compared with
// the same client function run in-process; errors answered with clear codes on a connection
// that keeps serving; resolve failures; the non-blocking forms in an event loop.

#include "servicestest.h"

#include "alltypes_burrow.h"
#include "longwork_burrow.h"
#include "probe_burrow.h"
#include "probemismatch_burrow.h"
#include "testservices.h"
#include "typesexercise.h"

#include <QtCore/QElapsedTimer>

using namespace Burrow;
using namespace ServicesTest;
using namespace TestContracts;

class tst_ServicesRemote : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void allTypes_data();
    void allTypes();
    void callContext_data() { addSubprotocolRows(); }
    void callContext();

    void errors_data() { addSubprotocolRows(); }
    void errors();
    void throwingImplementation();
    void resolveMissingService();
    void resolveMismatchedContract();
    void resolveReusesTheProxy();
    void builtInServiceList();
    void attachSingleConnection();

    void blockingCallsFromWorkerThreads();
    void asyncInEventLoop();
    void asyncResolve();
    void callsAfterDisconnect();

private:
    std::unique_ptr<TestServer> m_server;
};

void tst_ServicesRemote::initTestCase()
{
    QThread::currentThread()->setObjectName(QStringLiteral("main"));
}

void tst_ServicesRemote::init()
{
    m_server = std::make_unique<TestServer>();
    QVERIFY(m_server->registry.registerService<ITypesService>([] { return new TypesService; }));
    QVERIFY(m_server->registry.registerService<IProbeService>([] { return new ProbeService; },
                                                              Lifetime::Shared, Execution::ThreadPool));
    QVERIFY(m_server->start());
}

void tst_ServicesRemote::allTypes_data()
{
    addSubprotocolRows();
    QTest::newRow("http") << QStringLiteral("http");
}

void tst_ServicesRemote::allTypes()
{
    QFETCH(QString, subprotocol);
    TestClient client;
    const bool http = subprotocol == QLatin1String("http");
    QVERIFY(client.connectTo(http ? m_server->rpcUrl() : m_server->webSocketUrl(),
                             http ? QString::fromLatin1(BinarySubprotocol) : subprotocol));
    if (!http)
        QCOMPARE(client.client->connection()->subprotocol(), subprotocol);
    ITypesService *remote = client.resolve<ITypesService>();
    QVERIFY(remote);

    TypesService local;
    QVariantList localResults;
    QVERIFY(exerciseTypes(&local, &localResults).isEmpty());

    QVariantList remoteResults;
    const QStringList failures = exerciseTypes(remote, &remoteResults);
    QVERIFY2(failures.isEmpty(), qPrintable(failures.join(QLatin1Char('\n'))));
    QCOMPARE(remoteResults.size(), localResults.size());
    for (qsizetype i = 0; i < localResults.size(); ++i)
        QVERIFY2(remoteResults.at(i) == localResults.at(i), qPrintable(QString::number(i)));
}

void tst_ServicesRemote::callContext()
{
    QFETCH(QString, subprotocol);
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl(), subprotocol));
    IProbeService *probe = client.resolve<IProbeService>();
    QVERIFY(probe);
    QCOMPARE(probe->callerInfo(), QStringLiteral("Probe.callerInfo ws"));
}

void tst_ServicesRemote::errors()
{
    QFETCH(QString, subprotocol);
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl(), subprotocol));
    Connection *connection = client.client->connection();
    QVERIFY(connection);
    ITypesService *types = client.resolve<ITypesService>();
    QVERIFY(types);

    struct Case
    {
        const char *name;
        QString target;
        QString method;
        QCborArray arguments;
        ErrorCode code;
        QStringList mentions;
    };
    const QList<Case> cases{
        {"unknown interface", QStringLiteral("Nope"), QStringLiteral("x"), {}, ErrorCode::UnknownService,
         {QStringLiteral("'Nope'"), QStringLiteral("Probe, Types")}},
        {"unknown method", QStringLiteral("Types"), QStringLiteral("echoNothing"), {}, ErrorCode::UnknownMethod,
         {QStringLiteral("'echoNothing'"), QStringLiteral("'Types'")}},
        {"too many arguments", QStringLiteral("Types"), QStringLiteral("echoInt32"), {1, 2}, ErrorCode::InvalidArguments,
         {QStringLiteral("Types.echoInt32 takes 1 argument(s), got 2")}},
        {"too few arguments", QStringLiteral("Types"), QStringLiteral("sumTen"), {1, 2, 3}, ErrorCode::InvalidArguments,
         {QStringLiteral("Types.sumTen takes 10 argument(s), got 3")}},
        {"wrong type", QStringLiteral("Types"), QStringLiteral("echoInt32"), {QStringLiteral("forty-two")},
         ErrorCode::InvalidArguments, {QStringLiteral("'value'")}},
        {"out of range", QStringLiteral("Types"), QStringLiteral("echoUInt8"), {256}, ErrorCode::InvalidArguments,
         {QStringLiteral("Types.echoUInt8")}},
        {"bad gadget", QStringLiteral("Types"), QStringLiteral("echoShape"), {QStringLiteral("not a shape")},
         ErrorCode::InvalidArguments, {QStringLiteral("'value'")}},
        {"bad enum", QStringLiteral("Types"), QStringLiteral("echoColor"), {QStringLiteral("Purple")},
         ErrorCode::InvalidArguments, {QStringLiteral("'value'")}},
        {"throwing", QStringLiteral("Types"), QStringLiteral("fail"), {QStringLiteral("on purpose")},
         ErrorCode::ImplementationError, {QStringLiteral("Types.fail failed: on purpose")}},
        {"bad built-in", QStringLiteral("burrow"), QStringLiteral("resolve"), {}, ErrorCode::InvalidArguments,
         {QStringLiteral("burrow.resolve")}},
    };
    for (const Case &c : cases) {
        const Message answer = client.client->callAndWait(c.target, c.method, c.arguments);
        QVERIFY2(answer.type() == Message::Type::Error, c.name);
        QVERIFY2(answer.errorCode() == c.code,
                 qPrintable(QStringLiteral("%1: %2 %3").arg(QLatin1String(c.name), errorCodeName(answer.errorCode()),
                                                            answer.errorMessage())));
        for (const QString &mention : c.mentions) {
            QVERIFY2(answer.errorMessage().contains(mention),
                     qPrintable(QStringLiteral("%1: \"%2\" lacks \"%3\"").arg(QLatin1String(c.name), answer.errorMessage(), mention)));
        }
        // The same connection serves the next call.
        QCOMPARE(types->echoInt32(7), 7);
        QCOMPARE(lastCallError().code(), ErrorCode::NoError);
        QCOMPARE(client.client->connection(), connection);
        QVERIFY(connection->isOpen());
    }
}

void tst_ServicesRemote::throwingImplementation()
{
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl()));
    ITypesService *types = client.resolve<ITypesService>();
    QVERIFY(types);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("Types.fail failed")));
    QCOMPARE(types->fail(QStringLiteral("thrown remotely")), 0);
    QCOMPARE(lastCallError().code(), ErrorCode::ImplementationError);
    QVERIFY2(lastCallError().message().contains(QLatin1String("thrown remotely")), qPrintable(lastCallError().message()));
    QCOMPARE(types->echoString(QStringLiteral("after")), QStringLiteral("after"));
    QCOMPARE(lastCallError().code(), ErrorCode::NoError);
}

void tst_ServicesRemote::resolveMissingService()
{
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl()));
    QString error;
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("resolve failed")));
    QCOMPARE(client.services->resolve<ILongWorkService>(&error), nullptr);
    QCOMPARE(lastCallError().code(), ErrorCode::UnknownService);
    QVERIFY2(error.contains(QLatin1String("'LongWork' is not available")), qPrintable(error));
    // The client still works.
    QVERIFY(client.resolve<ITypesService>());
}

void tst_ServicesRemote::resolveMismatchedContract()
{
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl()));
    QString error;
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("resolve failed")));
    QCOMPARE(client.services->resolve<IProbeServiceV2>(&error), nullptr);
    QCOMPARE(lastCallError().code(), ErrorCode::ContractMismatch);
    QVERIFY2(error.contains(QLatin1String("contract 'Probe' differs between client and server")), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("threadName(int)->QString")), qPrintable(error));
    QVERIFY(client.resolve<IProbeService>());
}

void tst_ServicesRemote::resolveReusesTheProxy()
{
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl()));
    ITypesService *first = client.resolve<ITypesService>();
    QVERIFY(first);
    QCOMPARE(client.resolve<ITypesService>(), first);
}

void tst_ServicesRemote::builtInServiceList()
{
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl()));
    const Message answer = client.client->callAndWait(QStringLiteral("burrow"), QStringLiteral("services"), {});
    QCOMPARE(answer.result().toArray(), (QCborArray{QStringLiteral("Probe"), QStringLiteral("Types")}));
    const Message resolved = client.client->callAndWait(QStringLiteral("burrow"), QStringLiteral("resolve"),
                                                        {QStringLiteral("Types")});
    QCOMPARE(resolved.result().toMap().value(QStringLiteral("hash")).toString().toLatin1(),
             ITypesService::burrowContract().hash());
}

void tst_ServicesRemote::blockingCallsFromWorkerThreads()
{
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl()));
    ITypesService *types = client.resolve<ITypesService>();
    QVERIFY(types);
    // Proxies may be called from any thread; the calling thread blocks, the client's keeps running.
    std::atomic<int> done{0};
    std::atomic<int> wrong{0};
    QList<QThread *> threads;
    for (int t = 0; t < 4; ++t) {
        threads.append(QThread::create([types, t, &done, &wrong] {
            for (int i = 0; i < 50; ++i) {
                const int value = t * 1000 + i;
                if (types->echoInt32(value) != value || lastCallError().isError())
                    ++wrong;
                ++done;
            }
        }));
        threads.last()->start();
    }
    QTRY_COMPARE_WITH_TIMEOUT(done.load(), 200, 30000);
    for (QThread *thread : std::as_const(threads)) {
        thread->wait();
        delete thread;
    }
    QCOMPARE(wrong.load(), 0);
}

void tst_ServicesRemote::attachSingleConnection()
{
    // A registry serving chosen connections only (ServiceRegistry::attach(Connection *)).
    Server server;
    ServiceRegistry registry;
    QVERIFY(registry.registerService<ITypesService>([] { return new TypesService; }));
    int accepted = 0;
    connect(&server, &Server::newConnection, &registry, [&](Connection *connection) {
        if (++accepted == 1)
            registry.attach(connection);
    });
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));

    TestClient served, ignored;
    QVERIFY(served.connectTo(server.webSocketUrl()));
    QVERIFY(ignored.connectTo(server.webSocketUrl()));
    ITypesService *types = served.resolve<ITypesService>();
    QVERIFY(types);
    QCOMPARE(types->echoString(QStringLiteral("attached")), QStringLiteral("attached"));
    QString error;
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("resolve failed")));
    QCOMPARE(ignored.services->resolve<ITypesService>(&error), nullptr);
    QCOMPARE(lastCallError().code(), ErrorCode::UnknownService);
}

void tst_ServicesRemote::asyncInEventLoop()
{
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl()));
    IProbeService *probe = client.resolve<IProbeService>();
    QVERIFY(probe);
    IProbeServiceAsync async(probe);

    // A "GUI" timer keeps ticking while the calls are in flight: nothing blocks.
    int ticks = 0;
    QTimer timer;
    connect(&timer, &QTimer::timeout, this, [&ticks] { ++ticks; });
    timer.start(10);

    QElapsedTimer elapsed;
    elapsed.start();
    QList<int> results;
    QList<bool> inCallerThread;
    for (int i = 0; i < 3; ++i) {
        async.sleepAndCount(200).then(this, [&](const Reply<int> &reply) {
            QVERIFY(!reply.hasError());
            results.append(reply.value());
            inCallerThread.append(QThread::currentThread() == thread());
        });
    }
    QVERIFY2(elapsed.elapsed() < 100, "the asynchronous calls blocked");
    QCOMPARE(results.size(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(results.size(), 3, 10000);
    QVERIFY2(ticks >= 10, qPrintable(QString::number(ticks)));
    QCOMPARE(inCallerThread, (QList<bool>{true, true, true}));

    ITypesService *types = client.resolve<ITypesService>();
    ITypesServiceAsync typesAsync(types);
    QFuture<Reply<Shape>> shape = typesAsync.echoShape(sampleShape());
    QTRY_VERIFY(shape.isFinished());
    QCOMPARE(shape.result().value(), sampleShape());
    QFuture<Reply<int>> failed = typesAsync.fail(QStringLiteral("async"));
    QTRY_VERIFY(failed.isFinished());
    QCOMPARE(failed.result().error(), ErrorCode::ImplementationError);
}

void tst_ServicesRemote::asyncResolve()
{
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl()));
    QFuture<Reply<ITypesService *>> resolved = client.services->resolveAsync<ITypesService>();
    QTRY_VERIFY(resolved.isFinished());
    QVERIFY(!resolved.result().hasError());
    ITypesService *types = resolved.result().value();
    QVERIFY(types);
    QCOMPARE(types->echoInt64(-3), qint64(-3));
    QCOMPARE(client.services->resolve<ITypesService>(), types);

    QFuture<Reply<ILongWorkService *>> missing = client.services->resolveAsync<ILongWorkService>();
    QTRY_VERIFY(missing.isFinished());
    QCOMPARE(missing.result().error(), ErrorCode::UnknownService);
    QFuture<Reply<IProbeServiceV2 *>> mismatch = client.services->resolveAsync<IProbeServiceV2>();
    QTRY_VERIFY(mismatch.isFinished());
    QCOMPARE(mismatch.result().error(), ErrorCode::ContractMismatch);
}

void tst_ServicesRemote::callsAfterDisconnect()
{
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl()));
    ITypesService *types = client.resolve<ITypesService>();
    QVERIFY(types);
    client.client->disconnectFromServer();
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("Types.echoInt32 failed")));
    QCOMPARE(types->echoInt32(5), 0);
    QCOMPARE(lastCallError().code(), ErrorCode::ConnectionClosed);
}

QTEST_GUILESS_MAIN(tst_ServicesRemote)
#include "tst_services_remote.moc"
