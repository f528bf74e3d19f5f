// replica-monitor's window (offscreen) with an embedded master on 127.0.0.1 (port 0): start
// sync, run the burst generator, see both table views agree; disconnect and reconnect the slave
// and see it resume to equality.

#include "monitorcontroller.h"
#include "monitorwindow.h"

#include <QtTest/QtTest>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QTableView>

using State = Burrow::ReplicationSlave::State;

namespace {

// What a view shows: every cell of every row, as text.
QStringList viewRows(const QTableView *view)
{
    const QAbstractItemModel *model = view->model();
    QStringList rows;
    for (int r = 0; r < model->rowCount(); ++r) {
        QStringList cells;
        for (int c = 0; c < model->columnCount(); ++c)
            cells.append(model->index(r, c).data().toString());
        rows.append(cells.join(QLatin1Char('|')));
    }
    return rows;
}

} // namespace

class tst_ReplicaMonitorGui : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void syncBurstDisconnectReconnect();
};

void tst_ReplicaMonitorGui::syncBurstDisconnectReconnect()
{
    MonitorController::Options options;
    options.embedded = true;
    MonitorController controller(options);
    QVERIFY2(controller.start(), qPrintable(controller.errorString()));
    MonitorWindow window(&controller);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    QVERIFY(viewRows(window.masterView()).size() > 0);
    QCOMPARE(viewRows(window.slaveView()).size(), 0);
    QCOMPARE(window.syncButton()->text(), QStringLiteral("Start sync"));

    QTest::mouseClick(window.syncButton(), Qt::LeftButton);
    QVERIFY(controller.isSyncing());
    QCOMPARE(window.syncButton()->text(), QStringLiteral("Stop sync"));
    QTRY_COMPARE_WITH_TIMEOUT(controller.stats().slaveState, State::Live, 15000);

    window.rateSpinBox()->setValue(500);
    QTest::mouseClick(window.burstButton(), Qt::LeftButton);
    QVERIFY(controller.isBursting());
    QCOMPARE(window.burstButton()->text(), QStringLiteral("Stop burst"));
    QTRY_VERIFY_WITH_TIMEOUT(controller.stats().masterVersion > 300, 15000);
    // While writing, the slave catches up with a master version it had not seen yet.
    const qint64 seen = controller.stats().masterVersion;
    QTRY_VERIFY_WITH_TIMEOUT(controller.stats().slaveVersion >= seen, 10000);

    QTest::mouseClick(window.burstButton(), Qt::LeftButton);
    QVERIFY(!controller.isBursting());
    QTRY_COMPARE_WITH_TIMEOUT(controller.stats().slaveVersion, controller.stats().masterVersion, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(viewRows(window.slaveView()), viewRows(window.masterView()), 5000);
    QVERIFY(viewRows(window.masterView()).size() > 10);

    // Disconnect, write more on the master, reconnect: the slave resumes to equality.
    QTest::mouseClick(window.connectionButton(), Qt::LeftButton);
    QCOMPARE(window.connectionButton()->text(), QStringLiteral("Reconnect slave"));
    QTRY_COMPARE_WITH_TIMEOUT(controller.stats().connection, Burrow::Client::State::Disconnected, 5000);
    const qint64 behind = controller.stats().slaveVersion;
    QTest::mouseClick(window.burstButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(controller.stats().masterVersion > behind + 100, 10000);
    QTest::mouseClick(window.burstButton(), Qt::LeftButton);
    QTRY_VERIFY(viewRows(window.slaveView()) != viewRows(window.masterView()));
    QCOMPARE(controller.stats().slaveVersion, behind);

    QTest::mouseClick(window.connectionButton(), Qt::LeftButton);
    QCOMPARE(window.connectionButton()->text(), QStringLiteral("Disconnect slave"));
    QTRY_COMPARE_WITH_TIMEOUT(controller.stats().slaveVersion, controller.stats().masterVersion, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(viewRows(window.slaveView()), viewRows(window.masterView()), 5000);
    const QString log = window.eventLog()->toPlainText();
    QVERIFY2(log.contains(QStringLiteral("resuming from v%1").arg(behind)), qPrintable(log));
    QVERIFY2(log.contains(QStringLiteral("applied ")), qPrintable(log));
}

QTEST_MAIN(tst_ReplicaMonitorGui)
#include "tst_replica_monitor_gui.moc"
