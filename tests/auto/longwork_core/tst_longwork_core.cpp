// LongWorkService in-process and over a real Server and Client (callbacks from the works'
// threads, failure share, total count, released callbacks, vanished clients), and
// LongWorkSession against it (model, total count, the server going away and coming back).

#include "longworkcontracts.h"
#include "longworkcontracts_burrow.h"
#include "longworkservice.h"
#include "longworksession.h"
#include "workmodel.h"
#include "workplanner.h"

#include <Burrow/client.h>
#include <Burrow/remoteservices.h>
#include <Burrow/server.h>
#include <Burrow/serviceregistry.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QMutex>
#include <QtCore/QPointer>
#include <QtCore/QThread>
#include <QtTest/QtTest>

#include <memory>
#include <stdexcept>

using namespace Burrow;

namespace {

bool isMainThread()
{
    return QThread::currentThread() == QCoreApplication::instance()->thread();
}

struct Outcome
{
    QString name;
    bool succeeded = false;
    int timeTaken = 0;
    QString error;
    QString thread;
    bool inMainThread = false;
    qint64 at = 0; // ms since the callback was created
};

// Records every call, from whatever thread it comes.
class RecordingCallback : public ILongWorkCallback
{
public:
    RecordingCallback() { m_clock.start(); }

    void workFinished(const QString &workName, int timeTaken) override { record({workName, true, timeTaken, {}}); }
    void workFailed(const QString &workName, const QString &error) override { record({workName, false, 0, error}); }

    QList<Outcome> outcomes() const
    {
        QMutexLocker locker(&m_mutex);
        return m_outcomes;
    }
    int count() const { return int(outcomes().size()); }

private:
    void record(Outcome outcome)
    {
        outcome.thread = QThread::currentThread()->objectName();
        outcome.inMainThread = isMainThread();
        outcome.at = m_clock.elapsed();
        QMutexLocker locker(&m_mutex);
        m_outcomes.append(outcome);
    }

    QElapsedTimer m_clock;
    mutable QMutex m_mutex;
    QList<Outcome> m_outcomes;
};

LongWorkSettings quickSettings(int meanDuration, double failureRate, quint32 seed)
{
    LongWorkSettings settings;
    settings.setMeanDuration(meanDuration);
    settings.setFailureRate(failureRate);
    settings.setSeed(seed);
    return settings;
}

// A Server with a ServiceRegistry serving one LongWorkService on 127.0.0.1.
struct TestServer
{
    explicit TestServer(const LongWorkSettings &settings, quint16 port = 0)
    {
        registry.registerService<ILongWorkService>([this, settings] { return service = new LongWorkService(settings); },
                                                   Lifetime::Shared);
        registry.attach(&server);
        listening = server.listen(QHostAddress::LocalHost, port);
        if (!listening)
            qWarning() << "listen failed:" << server.errorString();
    }
    QUrl url() const { return server.webSocketUrl(); }
    // The Shared instance, created at the first call.
    LongWorkService *created() const { return service; }

    Server server;
    ServiceRegistry registry;
    QPointer<LongWorkService> service;
    bool listening = false;
};

struct TestClient
{
    bool connectTo(const QUrl &url, const QString &subprotocol = QString::fromLatin1(BinarySubprotocol))
    {
        ClientSettings settings;
        settings.setSubprotocol(subprotocol);
        client.setSettings(settings);
        client.connectToServer(url);
        if (!client.waitForConnected(10000))
            return false;
        service = services.resolve<ILongWorkService>();
        return service != nullptr;
    }

    Client client;
    RemoteServices services{&client};
    ILongWorkService *service = nullptr;
};

} // namespace

class tst_LongWorkCore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void plannerIsDeterministic();
    void plannerFailureShare_data();
    void plannerFailureShare();
    void plannerDurations();

    void callbackFromWorkerThreadAfterTheWork();
    void failureShareInProcess();
    void emptyNameIsRefused();
    void nullCallbackIsAccepted();
    void stopEndsRunningWorks();

    void overServer_data();
    void overServer();
    void releasedCallbackMidWork();
    void clientGoneMidWork();

    void sessionRunsWorks();
    void sessionDuplicateNames();
    void sessionSurvivesServerRestart();
    void sessionRefusesWhenNotConnected();
    void sessionUnknownService();
    void sessionDestroyedWithCallsPending();

    void modelTicksWhileRunning();
};

void tst_LongWorkCore::initTestCase()
{
    QThread::currentThread()->setObjectName(QStringLiteral("main"));
    QLoggingCategory::setFilterRules(QStringLiteral("longwork.server.info=false"));
}

void tst_LongWorkCore::plannerIsDeterministic()
{
    const LongWorkSettings settings = quickSettings(1000, 0.3, 1234);
    WorkPlanner a(settings);
    WorkPlanner b(settings);
    for (int i = 0; i < 100; ++i) {
        const WorkPlanner::Plan one = a.next();
        const WorkPlanner::Plan two = b.next();
        QCOMPARE(one.duration, two.duration);
        QCOMPARE(one.fails, two.fails);
    }
    // Another seed, another sequence.
    WorkPlanner c(quickSettings(1000, 0.3, 4321));
    WorkPlanner d(settings);
    int differences = 0;
    for (int i = 0; i < 100; ++i)
        differences += c.next().duration != d.next().duration ? 1 : 0;
    QVERIFY(differences > 90);
}

void tst_LongWorkCore::plannerFailureShare_data()
{
    QTest::addColumn<double>("rate");
    QTest::newRow("never") << 0.0;
    QTest::newRow("default 20 %") << 0.2;
    QTest::newRow("40 %") << 0.4;
    QTest::newRow("always") << 1.0;
}

void tst_LongWorkCore::plannerFailureShare()
{
    QFETCH(double, rate);
    for (quint32 seed : {1u, 2u, 3u, 99u}) {
        WorkPlanner planner(quickSettings(100, rate, seed));
        const int total = 10000;
        int failures = 0;
        for (int i = 0; i < total; ++i)
            failures += planner.next().fails ? 1 : 0;
        // Binomial: the standard deviation is at most 50 for 10000 draws; allow 4 of them.
        QVERIFY2(qAbs(failures - rate * total) <= 200,
                 qPrintable(QStringLiteral("seed %1: %2 failures of %3").arg(seed).arg(failures).arg(total)));
    }
}

void tst_LongWorkCore::plannerDurations()
{
    WorkPlanner planner(quickSettings(5000, 0.2, 7));
    int shortest = INT_MAX;
    int longest = 0;
    qint64 sum = 0;
    for (int i = 0; i < 5000; ++i) {
        const int duration = planner.next().duration;
        shortest = qMin(shortest, duration);
        longest = qMax(longest, duration);
        sum += duration;
    }
    QVERIFY(shortest >= 4000);
    QVERIFY(longest <= 6000);
    QVERIFY(shortest < 4100 && longest > 5900); // the whole +-20 % is used
    QVERIFY(qAbs(sum / 5000 - 5000) < 50);
}

void tst_LongWorkCore::callbackFromWorkerThreadAfterTheWork()
{
    LongWorkService service(quickSettings(200, 0.0, 5));
    QSignalSpy ended(&service, &LongWorkService::workEnded);
    RecordingCallback *recorder = new RecordingCallback;
    QSharedPointer<ILongWorkCallback> callback(recorder);
    QElapsedTimer clock;
    clock.start();
    service.startWork(QStringLiteral("alpha"), callback);
    // startWork() returns at once; the work runs elsewhere.
    QCOMPARE(service.totalWorkCount(), 1);
    QCOMPARE(service.runningWorkCount(), 1);
    QCOMPARE(recorder->count(), 0);

    QTRY_COMPARE_WITH_TIMEOUT(recorder->count(), 1, 5000);
    const Outcome outcome = recorder->outcomes().constFirst();
    QCOMPARE(outcome.name, QStringLiteral("alpha"));
    QVERIFY(outcome.succeeded);
    QVERIFY(!outcome.inMainThread);
    QCOMPARE(outcome.thread, QStringLiteral("work:alpha"));
    // +-20 % around 200 ms, measured by the work and here.
    QVERIFY2(outcome.timeTaken >= 160, qPrintable(QString::number(outcome.timeTaken)));
    QVERIFY2(outcome.at >= 155, qPrintable(QString::number(outcome.at)));
    QTRY_COMPARE(ended.size(), 1);
    QCOMPARE(ended.at(0).at(0).toString(), QStringLiteral("alpha"));
    QCOMPARE(ended.at(0).at(1).toBool(), true);
    QCOMPARE(ended.at(0).at(3).toBool(), true);
    QCOMPARE(service.runningWorkCount(), 0);
    // The service let go of the callback.
    const QWeakPointer<ILongWorkCallback> weak = callback.toWeakRef();
    callback.reset();
    QTRY_VERIFY(weak.isNull());
}

void tst_LongWorkCore::failureShareInProcess()
{
    const LongWorkSettings settings = quickSettings(20, 0.3, 2024);
    LongWorkService service(settings);
    auto recorder = QSharedPointer<RecordingCallback>::create();
    const int total = 300;
    for (int i = 0; i < total; ++i)
        service.startWork(QStringLiteral("w%1").arg(i), recorder);
    QVERIFY(service.waitForIdle(30000));
    QCOMPARE(recorder->count(), total);
    QCOMPARE(service.totalWorkCount(), total);

    // The seed decides: the n-th work started gets the n-th plan.
    WorkPlanner planner(settings);
    int expectedFailures = 0;
    QHash<QString, bool> expected;
    for (int i = 0; i < total; ++i) {
        const bool fails = planner.next().fails;
        expected.insert(QStringLiteral("w%1").arg(i), fails);
        expectedFailures += fails ? 1 : 0;
    }
    int failures = 0;
    for (const Outcome &outcome : recorder->outcomes()) {
        QCOMPARE(!outcome.succeeded, expected.value(outcome.name));
        if (!outcome.succeeded) {
            ++failures;
            QCOMPARE(outcome.error, QStringLiteral("expected random failure"));
        }
    }
    QCOMPARE(failures, expectedFailures);
    // And the share is what was asked for (binomial, sd ~ 8 for 300 draws).
    QVERIFY2(qAbs(failures - 0.3 * total) < 35, qPrintable(QString::number(failures)));
}

void tst_LongWorkCore::emptyNameIsRefused()
{
    LongWorkService service(quickSettings(10, 0.0, 1));
    auto recorder = QSharedPointer<RecordingCallback>::create();
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, service.startWork(QString(), recorder));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, service.startWork(QStringLiteral("  "), recorder));
    QCOMPARE(service.totalWorkCount(), 0);
}

void tst_LongWorkCore::nullCallbackIsAccepted()
{
    LongWorkService service(quickSettings(10, 0.0, 1));
    QSignalSpy ended(&service, &LongWorkService::workEnded);
    service.startWork(QStringLiteral("nobody"), {});
    QVERIFY(service.waitForIdle(5000));
    QTRY_COMPARE(ended.size(), 1);
    QCOMPARE(ended.at(0).at(3).toBool(), false);
    QCOMPARE(service.totalWorkCount(), 1);
}

void tst_LongWorkCore::stopEndsRunningWorks()
{
    auto service = std::make_unique<LongWorkService>(quickSettings(60000, 0.0, 1));
    auto recorder = QSharedPointer<RecordingCallback>::create();
    service->startWork(QStringLiteral("long"), recorder);
    service->startWork(QStringLiteral("longer"), recorder);
    QElapsedTimer clock;
    clock.start();
    service->stop();
    QVERIFY(clock.elapsed() < 5000);
    QCOMPARE(recorder->count(), 2);
    for (const Outcome &outcome : recorder->outcomes()) {
        QVERIFY(!outcome.succeeded);
        QCOMPARE(outcome.error, QStringLiteral("the server is shutting down"));
    }
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, service->startWork(QStringLiteral("late"), recorder));
    service.reset();
}

void tst_LongWorkCore::overServer_data()
{
    QTest::addColumn<QString>("subprotocol");
    QTest::newRow("binary") << QString::fromLatin1(BinarySubprotocol);
    QTest::newRow("json") << QString::fromLatin1(JsonSubprotocol);
}

void tst_LongWorkCore::overServer()
{
    QFETCH(QString, subprotocol);
    const LongWorkSettings settings = quickSettings(300, 0.5, 77);
    TestServer server(settings);
    QVERIFY(server.listening);
    TestClient client;
    QVERIFY(client.connectTo(server.url(), subprotocol));

    auto recorder = QSharedPointer<RecordingCallback>::create();
    const QStringList names{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("d"),
                            QStringLiteral("e"), QStringLiteral("f")};
    for (const QString &name : names) {
        client.service->startWork(name, recorder);
        QCOMPARE(lastCallError().code(), ErrorCode::NoError);
    }
    QCOMPARE(client.service->totalWorkCount(), int(names.size()));
    QVERIFY(server.created());
    QSignalSpy ended(server.created(), &LongWorkService::workEnded);

    QTRY_COMPARE_WITH_TIMEOUT(recorder->count(), int(names.size()), 10000);
    WorkPlanner planner(settings);
    QHash<QString, WorkPlanner::Plan> plans;
    for (const QString &name : names)
        plans.insert(name, planner.next());
    int failures = 0;
    for (const Outcome &outcome : recorder->outcomes()) {
        const WorkPlanner::Plan plan = plans.value(outcome.name);
        QCOMPARE(outcome.succeeded, !plan.fails);
        // Over the wire the callback runs in its object's thread: this one.
        QVERIFY(outcome.inMainThread);
        if (outcome.succeeded)
            QVERIFY2(outcome.timeTaken >= plan.duration, qPrintable(QStringLiteral("%1 < %2").arg(outcome.timeTaken).arg(plan.duration)));
        else
            ++failures;
    }
    QVERIFY(failures > 0 && failures < names.size()); // seed 77 gives both
    QTRY_COMPARE(ended.size(), int(names.size()));
    for (const QList<QVariant> &arguments : ended)
        QVERIFY(arguments.at(3).toBool()); // delivered
    QCOMPARE(client.service->totalWorkCount(), int(names.size()));

    // The async form, as the session uses it.
    ILongWorkServiceAsync async(client.service);
    QFuture<Reply<int>> total = async.totalWorkCount();
    QTRY_VERIFY(total.isFinished());
    QCOMPARE(total.result().value(), int(names.size()));
}

void tst_LongWorkCore::releasedCallbackMidWork()
{
    TestServer server(quickSettings(400, 0.0, 3));
    QVERIFY(server.listening);
    TestClient client;
    QVERIFY(client.connectTo(server.url()));
    QSignalSpy released(&server.registry, &ServiceRegistry::callbackReleased);

    auto dropped = QSharedPointer<RecordingCallback>::create();
    client.service->startWork(QStringLiteral("orphan"), dropped);
    QVERIFY(server.created());
    QSignalSpy ended(server.created(), &LongWorkService::workEnded);
    // The client lets go of its callback while the work runs: the server is told.
    QPointer<RecordingCallback> watch(dropped.data());
    dropped.reset();
    QVERIFY(!watch);
    QTRY_COMPARE(released.size(), 1);

    // No warning anywhere: the work ends silently.
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));
    QTRY_COMPARE_WITH_TIMEOUT(ended.size(), 1, 5000);
    QCOMPARE(ended.at(0).at(0).toString(), QStringLiteral("orphan"));
    QCOMPARE(ended.at(0).at(3).toBool(), false); // nobody was told
    QCOMPARE(server.created()->runningWorkCount(), 0);

    // The server carries on.
    auto kept = QSharedPointer<RecordingCallback>::create();
    client.service->startWork(QStringLiteral("next"), kept);
    QTRY_COMPARE_WITH_TIMEOUT(kept->count(), 1, 5000);
    QVERIFY(kept->outcomes().constFirst().succeeded);
    QCOMPARE(client.service->totalWorkCount(), 2);
}

void tst_LongWorkCore::clientGoneMidWork()
{
    TestServer server(quickSettings(400, 0.0, 3));
    QVERIFY(server.listening);
    auto gone = std::make_unique<TestClient>();
    QVERIFY(gone->connectTo(server.url()));
    auto callback = QSharedPointer<RecordingCallback>::create();
    for (int i = 0; i < 3; ++i)
        gone->service->startWork(QStringLiteral("gone%1").arg(i), callback);
    QVERIFY(server.created());
    QSignalSpy ended(server.created(), &LongWorkService::workEnded);
    // Dropped without a goodbye: the socket is aborted.
    gone->client.connection()->abort(QStringLiteral("test"));
    gone.reset();

    TestClient other;
    QVERIFY(other.connectTo(server.url()));
    auto recorder = QSharedPointer<RecordingCallback>::create();
    other.service->startWork(QStringLiteral("other"), recorder);
    QTRY_COMPARE_WITH_TIMEOUT(ended.size(), 4, 5000);
    QTRY_COMPARE(recorder->count(), 1);
    QCOMPARE(callback->count(), 0);
    int delivered = 0;
    for (const QList<QVariant> &arguments : ended)
        delivered += arguments.at(3).toBool() ? 1 : 0;
    QCOMPARE(delivered, 1);
    QCOMPARE(other.service->totalWorkCount(), 4);
}

namespace {

ClientSettings sessionSettings()
{
    ClientSettings settings;
    settings.setReconnect(ClientSettings::Reconnect::Automatically);
    settings.setReconnectInitialDelay(100);
    settings.setReconnectMaxDelay(400);
    return settings;
}

} // namespace

void tst_LongWorkCore::sessionRunsWorks()
{
    const LongWorkSettings settings = quickSettings(300, 0.5, 77); // as overServer: a, b, ... known
    TestServer server(settings);
    QVERIFY(server.listening);
    LongWorkSession session;
    session.setSettings(sessionSettings());
    QSignalSpy states(&session, &LongWorkSession::stateChanged);
    QSignalSpy totals(&session, &LongWorkSession::totalWorkCountChanged);
    QSignalSpy finished(&session, &LongWorkSession::workFinished);
    QSignalSpy failed(&session, &LongWorkSession::workFailed);
    QCOMPARE(session.totalWorkCount(), -1);
    QCOMPARE(session.startWork(QStringLiteral("early")), 0u);
    session.connectToServer(server.url());
    QTRY_COMPARE(session.state(), LongWorkSession::State::Connected);
    QCOMPARE(states.constFirst().at(0).value<LongWorkSession::State>(), LongWorkSession::State::Connecting);
    QTRY_COMPARE(session.totalWorkCount(), 0);

    WorkModel *model = session.model();
    const QStringList names{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("d")};
    QList<quint64> ids;
    for (const QString &name : names)
        ids.append(session.startWork(name));
    QCOMPARE(model->rowCount(), 4);
    QCOMPARE(model->runningCount(), 4);
    QCOMPARE(model->index(0, WorkModel::StateColumn).data().toString(), QStringLiteral("running"));
    QTRY_COMPARE(session.totalWorkCount(), 4);

    QTRY_COMPARE_WITH_TIMEOUT(model->runningCount(), 0, 10000);
    WorkPlanner planner(settings);
    for (int row = 0; row < names.size(); ++row) {
        const WorkPlanner::Plan plan = planner.next();
        const WorkModel::Work &work = model->workAt(row);
        QCOMPARE(work.id, ids.at(row));
        QCOMPARE(work.name, names.at(row));
        const QString time = model->index(row, WorkModel::TimeColumn).data().toString();
        if (plan.fails) {
            QCOMPARE(work.state, WorkModel::WorkState::Failed);
            QCOMPARE(model->index(row, WorkModel::ReasonColumn).data().toString(), QStringLiteral("expected random failure"));
            QVERIFY2(time.startsWith(QLatin1String("failed after")), qPrintable(time));
        } else {
            QCOMPARE(work.state, WorkModel::WorkState::Finished);
            QVERIFY(work.duration >= plan.duration);
            QCOMPARE(time, QStringLiteral("finished in %1 ms").arg(work.duration));
            QVERIFY(model->index(row, WorkModel::ReasonColumn).data().toString().isEmpty());
        }
    }
    QCOMPARE(finished.size() + failed.size(), 4);
    QCOMPARE(session.totalWorkCount(), 4);
    // The session released each callback once its work came back.
    QTRY_COMPARE(server.created()->runningWorkCount(), 0);

    model->removeEndedWorks();
    QCOMPARE(model->rowCount(), 0);
}

void tst_LongWorkCore::sessionDuplicateNames()
{
    // Same name twice: each outcome finds its own row (one callback per work).
    TestServer server(quickSettings(200, 0.0, 1));
    QVERIFY(server.listening);
    LongWorkSession session;
    session.setSettings(sessionSettings());
    session.connectToServer(server.url());
    QTRY_COMPARE(session.state(), LongWorkSession::State::Connected);
    const quint64 first = session.startWork(QStringLiteral("same"));
    QTest::qWait(50);
    const quint64 second = session.startWork(QStringLiteral("same"));
    QVERIFY(first && second && first != second);
    QTRY_COMPARE_WITH_TIMEOUT(session.runningWorkCount(), 0, 5000);
    QCOMPARE(session.model()->count(WorkModel::WorkState::Finished), 2);
}

void tst_LongWorkCore::sessionSurvivesServerRestart()
{
    const LongWorkSettings settings = quickSettings(5000, 0.0, 1);
    auto server = std::make_unique<TestServer>(settings);
    const quint16 port = server->server.serverPort();
    const QUrl url = server->url();
    LongWorkSession session;
    session.setSettings(sessionSettings());
    QSignalSpy lost(&session, &LongWorkSession::connectionLost);
    QSignalSpy failed(&session, &LongWorkSession::workFailed);
    session.connectToServer(url);
    QTRY_COMPARE(session.state(), LongWorkSession::State::Connected);
    session.startWork(QStringLiteral("long-one"));
    session.startWork(QStringLiteral("long-two"));
    QTRY_COMPARE(session.totalWorkCount(), 2);

    // The server goes away with the works running.
    server.reset();
    QTRY_COMPARE(lost.size(), 1);
    QTRY_COMPARE(session.state(), LongWorkSession::State::Reconnecting);
    QCOMPARE(failed.size(), 2);
    WorkModel *model = session.model();
    QCOMPARE(model->runningCount(), 0);
    for (int row = 0; row < 2; ++row) {
        QCOMPARE(model->workAt(row).state, WorkModel::WorkState::Failed);
        QCOMPARE(model->workAt(row).reason, QStringLiteral("connection lost"));
    }
    QCOMPARE(session.startWork(QStringLiteral("meanwhile")), 0u);

    // A new server on the same port: the session carries on.
    server = std::make_unique<TestServer>(quickSettings(200, 0.0, 1), port);
    QVERIFY(server->listening);
    QTRY_COMPARE_WITH_TIMEOUT(session.state(), LongWorkSession::State::Connected, 10000);
    QTRY_COMPARE(session.totalWorkCount(), 0); // a new server counts from zero
    const quint64 id = session.startWork(QStringLiteral("after"));
    QVERIFY(id);
    QTRY_COMPARE_WITH_TIMEOUT(model->work(id)->state, WorkModel::WorkState::Finished, 5000);
    QTRY_COMPARE(session.totalWorkCount(), 1);
}

void tst_LongWorkCore::sessionRefusesWhenNotConnected()
{
    LongWorkSession session;
    QCOMPARE(session.state(), LongWorkSession::State::Disconnected);
    QCOMPARE(session.startWork(QStringLiteral("x")), 0u);
    QCOMPARE(session.model()->rowCount(), 0);

    // Nobody listening: with automatic reconnection the session keeps trying.
    TestServer probe(quickSettings(10, 0.0, 1));
    const QUrl url = probe.url();
    probe.server.close();
    session.setSettings(sessionSettings());
    QSignalSpy errors(&session, &LongWorkSession::errorOccurred);
    session.connectToServer(url);
    QTRY_VERIFY(errors.size() >= 1);
    QTRY_COMPARE(session.state(), LongWorkSession::State::Reconnecting);
    QVERIFY(!session.errorString().isEmpty());
    session.disconnectFromServer();
    QCOMPARE(session.state(), LongWorkSession::State::Disconnected);
}

void tst_LongWorkCore::sessionUnknownService()
{
    // A Burrow server without the LongWork service: the session says so and stops trying.
    Server server;
    ServiceRegistry registry;
    registry.attach(&server);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    LongWorkSession session;
    session.setSettings(sessionSettings());
    QSignalSpy errors(&session, &LongWorkSession::errorOccurred);
    session.connectToServer(server.webSocketUrl());
    QTRY_COMPARE(session.state(), LongWorkSession::State::Disconnected);
    QVERIFY(errors.size() >= 1);
    QVERIFY2(session.errorString().contains(QLatin1String("LongWork")), qPrintable(session.errorString()));
}

void tst_LongWorkCore::sessionDestroyedWithCallsPending()
{
    // Destroying the session fails its calls still waiting for an answer; their continuations
    // must not touch what is being destroyed (this crashed longwork-client --console at exit).
    TestServer server(quickSettings(5000, 0.0, 1));
    QVERIFY(server.listening);
    for (int round = 0; round < 5; ++round) {
        auto session = std::make_unique<LongWorkSession>();
        session->connectToServer(server.url());
        QTRY_COMPARE(session->state(), LongWorkSession::State::Connected);
        for (int i = 0; i < 3; ++i)
            QVERIFY(session->startWork(QStringLiteral("pending%1").arg(i)));
        session->refreshTotalWorkCount();
        session->refreshTotalWorkCount();
        session.reset();
    }
    QTest::qWait(50);
    QTRY_COMPARE(server.created()->runningWorkCount(), 0); // the works lost their callbacks: ended
}

void tst_LongWorkCore::modelTicksWhileRunning()
{
    WorkModel model;
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setTickInterval(50);
    const quint64 id = model.addWork(QStringLiteral("tick"));
    QTRY_VERIFY(changed.size() >= 3);
    QCOMPARE(changed.constLast().at(0).toModelIndex().column(), int(WorkModel::TimeColumn));
    QVERIFY(model.index(0, WorkModel::TimeColumn).data().toString().startsWith(QLatin1String("running for")));
    QVERIFY(model.finishWork(id, 1234));
    QVERIFY(!model.failWork(id, QStringLiteral("late"))); // the first outcome wins
    changed.clear();
    QTest::qWait(200);
    QCOMPARE(changed.size(), 0); // nothing runs: no ticks
    QCOMPARE(model.index(0, WorkModel::TimeColumn).data().toString(), QStringLiteral("finished in 1234 ms"));
    QCOMPARE(model.index(0, WorkModel::StateColumn).data().toString(), QStringLiteral("finished"));
    QCOMPARE(model.data(model.index(0, 0), WorkModel::StateRole).toInt(), int(WorkModel::WorkState::Finished));
}

QTEST_GUILESS_MAIN(tst_LongWorkCore)
#include "tst_longwork_core.moc"
