// Callbacks: the reference's long-work and chat samples (callbacks from worker threads, broadcast,
// release when the client drops its callback, when its connection is aborted and when its
// process is killed), proxy identity, calls to released callbacks, answer timeouts, HTTP.
//
// Run with "--chat-child <ws url>" this binary is the child chat client that the SIGKILL test
// spawns and kills.

#include "servicestest.h"

#include "chat_burrow.h"
#include "longwork_burrow.h"
#include "probe_burrow.h"
#include "testservices.h"

#include <QtCore/QProcess>

#include <cstdio>

using namespace Burrow;
using namespace ServicesTest;

namespace {

bool isMainThread()
{
    return QThread::currentThread() == QCoreApplication::instance()->thread();
}

class LongWorkCallback : public ILongWorkCallback
{
public:
    void workFinished(const QString &workName, int timeTaken) override
    {
        record(QStringLiteral("finished %1 %2").arg(workName).arg(timeTaken >= 100 ? QStringLiteral("late") : QStringLiteral("early")));
    }
    void workFailed(const QString &workName, const QString &error) override
    {
        record(QStringLiteral("failed %1 %2").arg(workName, error));
    }

    QStringList events() const
    {
        QMutexLocker locker(&m_mutex);
        return m_events;
    }
    QStringList threads() const
    {
        QMutexLocker locker(&m_mutex);
        return m_threads;
    }

private:
    void record(const QString &event)
    {
        QMutexLocker locker(&m_mutex);
        m_events.append(event);
        m_threads.append(QThread::currentThread()->objectName());
    }
    mutable QMutex m_mutex;
    QStringList m_events;
    QStringList m_threads;
};

class ChatCallback : public IChatCallback
{
public:
    void blaBla(const QString &pseudo, const QString &message) override
    {
        received.append(pseudo + QLatin1String(": ") + message);
        inMainThread = inMainThread && isMainThread();
    }
    QStringList received;
    bool inMainThread = true;
};

class QuestionCallback : public IQuestionCallback
{
public:
    explicit QuestionCallback(int delay = 0) : m_delay(delay) {}
    int answer(int question) override
    {
        QThread::msleep(m_delay);
        ++answered;
        return question + 22;
    }
    void tell(const QString &text) override { told.append(text); }

    std::atomic<int> answered{0};
    QStringList told;

private:
    int m_delay;
};

int runChatChild(const QUrl &url)
{
    Client client;
    RemoteServices services(&client);
    client.connectToServer(url);
    if (!client.waitForConnected(10000))
        return 2;
    IChatService *chat = services.resolve<IChatService>();
    if (!chat)
        return 3;
    auto callback = QSharedPointer<ChatCallback>::create();
    chat->join(QStringLiteral("child"), callback);
    if (lastCallError().isError())
        return 4;
    std::printf("joined\n");
    std::fflush(stdout);
    return QCoreApplication::exec();
}

} // namespace

class tst_ServicesCallbacks : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void longWork_data() { addSubprotocolRows(); }
    void longWork();
    void callbackInItsOwnThread();
    void chat_data() { addSubprotocolRows(); }
    void chat();
    void chatReleaseWhenChildProcessIsKilled();
    void manyNotifications();

    void callbackAnswers();
    void sameCallbackGivesSameProxy();
    void callToReleasedCallback();
    void releaseOnDisconnect();
    void releaseWhenRemoteServicesIsDestroyed();
    void callbackAnswerTimeout();
    void callbackOverHttp();

private:
    std::unique_ptr<TestServer> m_server;
    QPointer<ChatService> m_chat;
    QPointer<ProbeService> m_probe;
    QPointer<LongWorkService> m_longWork;
};

void tst_ServicesCallbacks::initTestCase()
{
    QThread::currentThread()->setObjectName(QStringLiteral("main"));
}

void tst_ServicesCallbacks::init()
{
    m_server = std::make_unique<TestServer>();
    ServiceRegistry &registry = m_server->registry;
    // As in the reference: the chat is shared and locked per interface.
    QVERIFY(registry.registerService<IChatService>([this] { return m_chat = new ChatService; },
                                                   Lifetime::Shared, Execution::LockedPerInterface));
    QVERIFY(registry.registerService<ILongWorkService>([this] { return m_longWork = new LongWorkService(100); }));
    QVERIFY(registry.registerService<IProbeService>([this] { return m_probe = new ProbeService; }));
    QVERIFY(m_server->start());
}

void tst_ServicesCallbacks::cleanup()
{
    m_server.reset();
}

void tst_ServicesCallbacks::longWork()
{
    QFETCH(QString, subprotocol);
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl(), subprotocol));
    ILongWorkService *service = client.resolve<ILongWorkService>();
    QVERIFY(service);

    auto callback = QSharedPointer<LongWorkCallback>::create();
    service->startWork(QStringLiteral("alpha"), callback);
    QCOMPARE(lastCallError().code(), ErrorCode::NoError);
    service->startWork(QStringLiteral("fail-beta"), callback);
    QCOMPARE(service->totalWorkCount(), 2);
    QCOMPARE(client.services->callbackCount(), 1);

    // The callbacks come from the works' threads on the server, after the work, and run in the
    // callback object's thread here.
    QTRY_COMPARE_WITH_TIMEOUT(callback->events().size(), 2, 10000);
    QStringList events = callback->events();
    events.sort();
    QCOMPARE(events, (QStringList{QStringLiteral("failed fail-beta expected failure"),
                                  QStringLiteral("finished alpha late")}));
    QCOMPARE(callback->threads(), (QStringList{QStringLiteral("main"), QStringLiteral("main")}));
    QStringList serverThreads = m_longWork->callbackThreads();
    serverThreads.sort();
    QCOMPARE(serverThreads, (QStringList{QStringLiteral("work:alpha"), QStringLiteral("work:fail-beta")}));
}

void tst_ServicesCallbacks::callbackInItsOwnThread()
{
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl()));
    ILongWorkService *service = client.resolve<ILongWorkService>();
    QVERIFY(service);

    QThread worker;
    worker.setObjectName(QStringLiteral("callback-thread"));
    worker.start();
    const auto stop = qScopeGuard([&worker] {
        worker.quit();
        worker.wait();
    });
    QSharedPointer<LongWorkCallback> callback(new LongWorkCallback, &QObject::deleteLater);
    callback->moveToThread(&worker);
    service->startWork(QStringLiteral("gamma"), callback);
    QTRY_COMPARE_WITH_TIMEOUT(callback->events().size(), 1, 10000);
    QCOMPARE(callback->threads(), QStringList{QStringLiteral("callback-thread")});
}

void tst_ServicesCallbacks::chat()
{
    QFETCH(QString, subprotocol);
    QSignalSpy released(&m_server->registry, &ServiceRegistry::callbackReleased);
    TestClient a, b, c;
    for (TestClient *client : {&a, &b, &c})
        QVERIFY(client->connectTo(m_server->webSocketUrl(), subprotocol));
    IChatService *chatA = a.resolve<IChatService>();
    IChatService *chatB = b.resolve<IChatService>();
    IChatService *chatC = c.resolve<IChatService>();
    QVERIFY(chatA && chatB && chatC);

    auto callbackA = QSharedPointer<ChatCallback>::create();
    auto callbackB = QSharedPointer<ChatCallback>::create();
    auto callbackC = QSharedPointer<ChatCallback>::create();
    chatA->join(QStringLiteral("alice"), callbackA);
    chatB->join(QStringLiteral("bob"), callbackB);
    chatC->join(QStringLiteral("carol"), callbackC);
    QCOMPARE(chatA->memberCount(), 3);

    chatA->blaBla(QStringLiteral("alice"), QStringLiteral("hello"));
    const QStringList hello{QStringLiteral("alice: hello")};
    QTRY_COMPARE(callbackA->received, hello);
    QTRY_COMPARE(callbackB->received, hello);
    QTRY_COMPARE(callbackC->received, hello);
    QVERIFY(callbackA->inMainThread && callbackB->inMainThread);

    // Bob drops his callback: the server is told, the chat forgets him.
    callbackB.reset();
    QTRY_COMPARE(m_chat->members(), 2);
    QCOMPARE(m_chat->releasedCount(), 1);
    QCOMPARE(released.size(), 1);
    QCOMPARE(released.at(0).at(1).toString(), QStringLiteral("ChatCallback"));
    QCOMPARE(chatB->memberCount(), 2);

    // Carol's connection is aborted: all her callbacks are released.
    c.client->connection()->abort(QStringLiteral("test abort"));
    QTRY_COMPARE(m_chat->members(), 1);
    QCOMPARE(m_chat->releasedCount(), 2);
    QTRY_COMPARE(released.size(), 2);

    chatB->blaBla(QStringLiteral("bob"), QStringLiteral("anyone?"));
    QTRY_COMPARE(callbackA->received.size(), 2);
    QCOMPARE(callbackA->received.last(), QStringLiteral("bob: anyone?"));
    QTest::qWait(50);
    QCOMPARE(callbackC->received, hello);
}

void tst_ServicesCallbacks::chatReleaseWhenChildProcessIsKilled()
{
    TestClient local;
    QVERIFY(local.connectTo(m_server->webSocketUrl()));
    IChatService *chat = local.resolve<IChatService>();
    QVERIFY(chat);
    auto callback = QSharedPointer<ChatCallback>::create();
    chat->join(QStringLiteral("parent"), callback);

    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(),
                {QStringLiteral("--chat-child"), m_server->webSocketUrl().toString()});
    QVERIFY(child.waitForStarted(10000));
    QTRY_VERIFY_WITH_TIMEOUT(child.readAllStandardOutput().contains("joined") || m_chat->members() == 2, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(m_chat->members(), 2, 10000);

    chat->blaBla(QStringLiteral("parent"), QStringLiteral("before the kill"));
    QTRY_COMPARE(callback->received.size(), 1);

    child.kill(); // SIGKILL: no close frame, no release message; the socket just dies
    QVERIFY(child.waitForFinished(10000));
    QCOMPARE(child.exitStatus(), QProcess::CrashExit);
    QTRY_COMPARE_WITH_TIMEOUT(m_chat->members(), 1, 20000);
    QCOMPARE(m_chat->releasedCount(), 1);

    chat->blaBla(QStringLiteral("parent"), QStringLiteral("after the kill"));
    QTRY_COMPARE(callback->received.size(), 2);
    QCOMPARE(chat->memberCount(), 1);
}

void tst_ServicesCallbacks::manyNotifications()
{
    TestClient speaker, listener;
    QVERIFY(speaker.connectTo(m_server->webSocketUrl()));
    QVERIFY(listener.connectTo(m_server->webSocketUrl(), QString::fromLatin1(JsonSubprotocol)));
    IChatService *chat = speaker.resolve<IChatService>();
    IChatService *listening = listener.resolve<IChatService>();
    QVERIFY(chat && listening);
    auto callback = QSharedPointer<ChatCallback>::create();
    listening->join(QStringLiteral("ear"), callback);

    IChatServiceAsync async(chat);
    const int count = 500;
    for (int i = 0; i < count; ++i)
        async.blaBla(QStringLiteral("speaker"), QString::number(i));
    QTRY_COMPARE_WITH_TIMEOUT(callback->received.size(), count, 30000);
    for (int i = 0; i < count; ++i)
        QCOMPARE(callback->received.at(i), QStringLiteral("speaker: %1").arg(i));
}

void tst_ServicesCallbacks::callbackAnswers()
{
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl()));
    IProbeService *probe = client.resolve<IProbeService>();
    QVERIFY(probe);
    auto callback = QSharedPointer<QuestionCallback>::create();
    QCOMPARE(probe->ask(callback, 20), 42);
    QCOMPARE(callback->answered.load(), 1);

    QVERIFY(!probe->keep(callback));
    QCOMPARE(probe->tellKept(QStringLiteral("one-way")), QStringLiteral("sent"));
    QTRY_COMPARE(callback->told, QStringList{QStringLiteral("one-way")});
    QCOMPARE(probe->askKept(1), QStringLiteral("answer:23"));
}

void tst_ServicesCallbacks::sameCallbackGivesSameProxy()
{
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl()));
    IProbeService *probe = client.resolve<IProbeService>();
    QVERIFY(probe);
    auto callback = QSharedPointer<QuestionCallback>::create();
    auto other = QSharedPointer<QuestionCallback>::create();
    QVERIFY(!probe->keep(callback));
    QVERIFY(probe->keep(callback));  // same object -> same id -> same proxy on the server
    QVERIFY(!probe->keep(other));
    QVERIFY(probe->keep(other));
    QCOMPARE(client.services->callbackCount(), 2);
}

void tst_ServicesCallbacks::callToReleasedCallback()
{
    QSignalSpy released(&m_server->registry, &ServiceRegistry::callbackReleased);
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl()));
    IProbeService *probe = client.resolve<IProbeService>();
    QVERIFY(probe);
    auto callback = QSharedPointer<QuestionCallback>::create();
    QVERIFY(!probe->keep(callback));
    QCOMPARE(probe->askKept(1), QStringLiteral("answer:23"));

    callback.reset();
    QTRY_COMPARE(released.size(), 1);
    QCOMPARE(client.services->callbackCount(), 0);
    // The service was told (the callbackReleased convention) ...
    QTRY_COMPARE(m_probe->releasedInterfaces(), QStringList{QStringLiteral("QuestionCallback")});
    // ... and still holds a valid proxy, whose calls do nothing but report CallbackReleased.
    QVERIFY(m_probe->keptCallback());
    QCOMPARE(released.at(0).at(0).value<QObject *>(), static_cast<QObject *>(m_probe->keptCallback().data()));
    QTest::failOnWarning(QRegularExpression(QStringLiteral("QuestionCallback")));
    const QString asked = probe->askKept(2);
    QVERIFY2(asked.startsWith(QLatin1String("error:CallbackReleased:")), qPrintable(asked));
    QVERIFY2(asked.contains(QLatin1String("released")), qPrintable(asked));
    const QString told = probe->tellKept(QStringLiteral("anyone?"));
    QVERIFY2(told.startsWith(QLatin1String("error:CallbackReleased:")), qPrintable(told));
    // The connection keeps serving.
    QCOMPARE(probe->instanceNumber(), m_probe->instanceNumber());
    m_probe->dropKeptCallback();
}

void tst_ServicesCallbacks::releaseOnDisconnect()
{
    QSignalSpy released(&m_server->registry, &ServiceRegistry::callbackReleased);
    auto client = std::make_unique<TestClient>();
    QVERIFY(client->connectTo(m_server->webSocketUrl()));
    IProbeService *probe = client->resolve<IProbeService>();
    QVERIFY(probe);
    auto callback = QSharedPointer<QuestionCallback>::create();
    QVERIFY(!probe->keep(callback));
    client->client->disconnectFromServer();
    QTRY_COMPARE(released.size(), 1);
    QTRY_COMPARE(m_probe->releasedInterfaces(), QStringList{QStringLiteral("QuestionCallback")});
    // Quietly: calling a released callback is ordinary, no warning.
    QTest::failOnWarning(QRegularExpression(QStringLiteral("QuestionCallback")));
    QVERIFY(m_probe->askKept(5).startsWith(QLatin1String("error:CallbackReleased:")));
    m_probe->dropKeptCallback();
}

void tst_ServicesCallbacks::releaseWhenRemoteServicesIsDestroyed()
{
    QSignalSpy released(&m_server->registry, &ServiceRegistry::callbackReleased);
    TestClient client;
    QVERIFY(client.connectTo(m_server->webSocketUrl()));
    IProbeService *probe = client.resolve<IProbeService>();
    QVERIFY(probe);
    auto callback = QSharedPointer<QuestionCallback>::create();
    QVERIFY(!probe->keep(callback));
    client.services.reset(); // the connection stays open; the callback object too
    QTRY_COMPARE(released.size(), 1);
    QVERIFY(client.client->connection()->isOpen());
    m_probe->dropKeptCallback();
}

void tst_ServicesCallbacks::callbackAnswerTimeout()
{
    TestServer server;
    ProbeService *probeService = nullptr;
    QVERIFY(server.registry.registerService<IProbeService>([&probeService] { return probeService = new ProbeService; }));
    ServerSettings settings;
    settings.setAnswerTimeout(300);
    QVERIFY(server.start(settings));

    TestClient client;
    QVERIFY(client.connectTo(server.webSocketUrl()));
    IProbeService *probe = client.resolve<IProbeService>();
    QVERIFY(probe);

    QThread worker;
    worker.start();
    const auto stop = qScopeGuard([&worker] {
        worker.quit();
        worker.wait();
    });
    // Answers after 1.5 s, in its own thread: the server gives up after 300 ms.
    QSharedPointer<QuestionCallback> slow(new QuestionCallback(1500), &QObject::deleteLater);
    slow->moveToThread(&worker);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("QuestionCallback.answer failed")));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("Probe.ask failed")));
    QElapsedTimer elapsed;
    elapsed.start();
    QCOMPARE(probe->ask(slow, 1), 0);
    QVERIFY2(elapsed.elapsed() < 1400, qPrintable(QString::number(elapsed.elapsed())));
    QCOMPARE(lastCallError().code(), ErrorCode::ImplementationError);
    QVERIFY2(lastCallError().message().contains(QLatin1String("Timeout")), qPrintable(lastCallError().message()));
    // The connection keeps serving, and the late answer is dropped quietly.
    QCOMPARE(probe->instanceNumber(), probeService->instanceNumber());
    QTRY_COMPARE_WITH_TIMEOUT(slow->answered.load(), 1, 5000);
    QTest::qWait(100);
    QCOMPARE(probe->callerInfo(), QStringLiteral("Probe.callerInfo ws"));
}

void tst_ServicesCallbacks::callbackOverHttp()
{
    TestClient client;
    QVERIFY(client.connectTo(m_server->rpcUrl()));
    ILongWorkService *service = client.resolve<ILongWorkService>();
    QVERIFY(service);
    auto callback = QSharedPointer<LongWorkCallback>::create();
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("LongWork.startWork failed")));
    service->startWork(QStringLiteral("never"), callback);
    QCOMPARE(lastCallError().code(), ErrorCode::NotSupported);
    QVERIFY2(lastCallError().message().contains(QLatin1String("'onFinish'")), qPrintable(lastCallError().message()));
    QVERIFY2(lastCallError().message().contains(QLatin1String("plain HTTP")), qPrintable(lastCallError().message()));
    QCOMPARE(service->totalWorkCount(), 0);
    QCOMPARE(lastCallError().code(), ErrorCode::NoError);
    QCOMPARE(client.services->callbackCount(), 0);
}

int main(int argc, char *argv[])
{
    QCoreApplication application(argc, argv);
    if (argc == 3 && qstrcmp(argv[1], "--chat-child") == 0)
        return runChatChild(QUrl(QString::fromLocal8Bit(argv[2])));
    QTEST_SET_MAIN_SOURCE_PATH
    tst_ServicesCallbacks test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_services_callbacks.moc"
