// longwork-client's window, driven as a user would (offscreen): type a name, press Enter, watch
// the row run and end; the server going away and coming back.

#include "longworkcontracts.h"
#include "longworkservice.h"
#include "longworksession.h"
#include "mainwindow.h"
#include "workmodel.h"

#include <Burrow/server.h>
#include <Burrow/serviceregistry.h>

#include <QtCore/QStandardPaths>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTableView>
#include <QtTest/QtTest>

#include <memory>

using namespace Burrow;

namespace {

struct TestServer
{
    TestServer(double failureRate, int workMilliseconds, quint16 port = 0)
    {
        LongWorkSettings settings;
        settings.setMeanDuration(workMilliseconds);
        settings.setFailureRate(failureRate);
        settings.setSeed(1);
        registry.registerService<ILongWorkService>([settings] { return new LongWorkService(settings); });
        registry.attach(&server);
        listening = server.listen(QHostAddress::LocalHost, port);
    }
    Server server;
    ServiceRegistry registry;
    bool listening = false;
};

ClientSettings quickReconnect()
{
    ClientSettings settings;
    settings.setReconnect(ClientSettings::Reconnect::Automatically);
    settings.setReconnectInitialDelay(100);
    settings.setReconnectMaxDelay(400);
    return settings;
}

QString cell(QTableView *view, int row, int column, int role = Qt::DisplayRole)
{
    return view->model()->index(row, column).data(role).toString();
}

} // namespace

class tst_LongWorkGui : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void typeEnterRunningThenFinished();
    void failedWorkShowsReason();
    void startButtonFollowsConnectionAndText();
    void serverGoneAndBack();
};

void tst_LongWorkGui::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QLoggingCategory::setFilterRules(QStringLiteral("longwork.server.info=false"));
}

void tst_LongWorkGui::typeEnterRunningThenFinished()
{
    TestServer server(0.0, 800);
    QVERIFY(server.listening);
    LongWorkSession session;
    session.setSettings(quickReconnect());
    MainWindow window(&session);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    session.connectToServer(server.server.webSocketUrl());
    QTRY_VERIFY(window.connectionLabel()->text().startsWith(QLatin1String("Connected to ws://127.0.0.1:")));

    QTableView *view = window.workView();
    QTest::keyClicks(window.nameEdit(), QStringLiteral("alpha"));
    QVERIFY(window.startButton()->isEnabled());
    QTest::keyClick(window.nameEdit(), Qt::Key_Return);
    QCOMPARE(window.nameEdit()->text(), QString()); // ready for the next one
    QCOMPARE(view->model()->rowCount(), 1);
    QCOMPARE(cell(view, 0, WorkModel::NameColumn), QStringLiteral("alpha"));
    QCOMPARE(cell(view, 0, WorkModel::StateColumn), QStringLiteral("running"));
    QVERIFY(!view->model()->index(0, WorkModel::StateColumn).data(Qt::DecorationRole).value<QIcon>().isNull());

    // The elapsed time moves while it runs.
    const QString first = cell(view, 0, WorkModel::TimeColumn);
    QVERIFY2(first.startsWith(QLatin1String("running for")), qPrintable(first));
    QTRY_VERIFY(cell(view, 0, WorkModel::TimeColumn) != first);
    QTRY_VERIFY(window.totalLabel()->text().endsWith(QLatin1String(": 1")));

    QTRY_COMPARE_WITH_TIMEOUT(cell(view, 0, WorkModel::StateColumn), QStringLiteral("finished"), 10000);
    const QString time = cell(view, 0, WorkModel::TimeColumn);
    QVERIFY2(QRegularExpression(QStringLiteral("^finished in \\d+ ms$")).match(time).hasMatch(), qPrintable(time));
    QVERIFY(cell(view, 0, WorkModel::ReasonColumn).isEmpty());

    // Enter with nothing typed starts nothing.
    QTest::keyClick(window.nameEdit(), Qt::Key_Return);
    QCOMPARE(view->model()->rowCount(), 1);
    // The button starts works too.
    QTest::keyClicks(window.nameEdit(), QStringLiteral("bravo"));
    QTest::mouseClick(window.startButton(), Qt::LeftButton);
    QCOMPARE(view->model()->rowCount(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(cell(view, 1, WorkModel::StateColumn), QStringLiteral("finished"), 10000);
    QTRY_VERIFY(window.totalLabel()->text().endsWith(QLatin1String(": 2")));
}

void tst_LongWorkGui::failedWorkShowsReason()
{
    TestServer server(1.0, 200);
    QVERIFY(server.listening);
    LongWorkSession session;
    MainWindow window(&session);
    window.show();
    session.connectToServer(server.server.webSocketUrl());
    QTRY_VERIFY(window.startButton()->isEnabled() || session.state() == LongWorkSession::State::Connected);
    QTest::keyClicks(window.nameEdit(), QStringLiteral("doomed"));
    QTest::keyClick(window.nameEdit(), Qt::Key_Enter);
    QTableView *view = window.workView();
    QCOMPARE(view->model()->rowCount(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(cell(view, 0, WorkModel::StateColumn), QStringLiteral("failed"), 10000);
    QCOMPARE(cell(view, 0, WorkModel::ReasonColumn), QStringLiteral("expected random failure"));
    QVERIFY(cell(view, 0, WorkModel::TimeColumn).startsWith(QLatin1String("failed after")));
    QVERIFY(view->model()->index(0, 0).data(Qt::BackgroundRole).value<QColor>().isValid());
}

void tst_LongWorkGui::startButtonFollowsConnectionAndText()
{
    LongWorkSession session;
    MainWindow window(&session);
    window.show();
    QTest::keyClicks(window.nameEdit(), QStringLiteral("nowhere"));
    // Not connected: nothing can start.
    QVERIFY(!window.startButton()->isEnabled());
    QTest::keyClick(window.nameEdit(), Qt::Key_Return);
    QCOMPARE(window.workView()->model()->rowCount(), 0);
    QCOMPARE(window.nameEdit()->text(), QStringLiteral("nowhere")); // kept for later
    QVERIFY(window.connectionLabel()->text().startsWith(QLatin1String("Disconnected")));

    TestServer server(0.0, 100);
    QVERIFY(server.listening);
    session.connectToServer(server.server.webSocketUrl());
    QTRY_VERIFY(window.startButton()->isEnabled());
    window.nameEdit()->clear();
    QVERIFY(!window.startButton()->isEnabled());
}

void tst_LongWorkGui::serverGoneAndBack()
{
    auto server = std::make_unique<TestServer>(0.0, 60000);
    QVERIFY(server->listening);
    const quint16 port = server->server.serverPort();
    LongWorkSession session;
    session.setSettings(quickReconnect());
    MainWindow window(&session);
    window.show();
    session.connectToServer(server->server.webSocketUrl());
    QTRY_VERIFY(window.startButton()->isEnabled() || session.state() == LongWorkSession::State::Connected);
    QTest::keyClicks(window.nameEdit(), QStringLiteral("endless"));
    QTest::keyClick(window.nameEdit(), Qt::Key_Return);
    QTableView *view = window.workView();
    QTRY_VERIFY(window.totalLabel()->text().endsWith(QLatin1String(": 1")));

    // The server goes away: the row fails, the status bar says what happens.
    server.reset();
    QTRY_COMPARE(cell(view, 0, WorkModel::StateColumn), QStringLiteral("failed"));
    QCOMPARE(cell(view, 0, WorkModel::ReasonColumn), QStringLiteral("connection lost"));
    QTRY_VERIFY2(window.connectionLabel()->text().contains(QLatin1String("reconnecting to ws://127.0.0.1:")),
                 qPrintable(window.connectionLabel()->text()));
    QVERIFY(window.connectionLabel()->text().startsWith(QLatin1String("Connection lost")));
    QVERIFY(!window.startButton()->isEnabled());

    // Back on the same port: connected again, and works run.
    server = std::make_unique<TestServer>(0.0, 200, port);
    QVERIFY(server->listening);
    QTRY_VERIFY_WITH_TIMEOUT(window.connectionLabel()->text().startsWith(QLatin1String("Connected")), 10000);
    QTest::keyClicks(window.nameEdit(), QStringLiteral("again"));
    QTest::keyClick(window.nameEdit(), Qt::Key_Return);
    QCOMPARE(view->model()->rowCount(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(cell(view, 1, WorkModel::StateColumn), QStringLiteral("finished"), 10000);
    QTRY_VERIFY(window.totalLabel()->text().endsWith(QLatin1String(": 1"))); // the new server's count
}

QTEST_MAIN(tst_LongWorkGui)
#include "tst_longwork_gui.moc"
