// MonitorController and ChangeFeedModel without the window: an embedded master on 127.0.0.1
// (port 0), a local slave, the burst generator, a manual disconnection and the statistics.

#include "changefeedmodel.h"
#include "monitorcontroller.h"
#include "person.h"

#include <Burrow/ormdatabase.h>

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

using State = Burrow::ReplicationSlave::State;

class tst_ReplicaMonitorCore : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void feedModelShowsNewestRowsAndHighlights();
    void feedModelWithoutDatabase();
    void controllerFollowsBurstAndResumes();
    void controllerRemoteMode();
};

static Person person(const QString &name)
{
    Person p;
    p.name = name;
    p.age = 30;
    p.email = name + QStringLiteral("@example.org");
    return p;
}

void tst_ReplicaMonitorCore::feedModelShowsNewestRowsAndHighlights()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    Burrow::OrmDatabase db;
    QVERIFY(db.open(dir.filePath(QStringLiteral("a.sqlite"))));
    QVERIFY(db.registerTable<Person>());
    for (int i = 0; i < 10; ++i) {
        Person p = person(QStringLiteral("p%1").arg(i));
        QVERIFY(db.insert(p) > 0);
    }
    ChangeFeedModel model;
    model.setMaxVisibleRows(4);
    model.setHighlightDuration(400);
    model.setSource(&db, QStringLiteral("People"));
    QCOMPARE(model.refresh(), 10);
    QCOMPARE(model.totalRows(), 10);
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.version(), db.currentVersion());
    // Newest first; rows of the first refresh are not highlighted.
    QCOMPARE(model.data(model.index(0, 0), ChangeFeedModel::IdRole).toLongLong(), 10);
    QCOMPARE(model.data(model.index(3, 0), ChangeFeedModel::IdRole).toLongLong(), 7);
    QCOMPARE(model.data(model.index(0, 0), ChangeFeedModel::HighlightRole).toDouble(), 0.0);
    QCOMPARE(model.headerData(2, Qt::Horizontal).toString(), QStringLiteral("name"));
    QCOMPARE(model.data(model.index(0, 2)).toString(), QStringLiteral("p9"));

    // An update moves a row to the top, highlighted; a delete removes one.
    Person p1 = *db.record<Person>(1);
    p1.name = QStringLiteral("renamed");
    QVERIFY(db.update(p1));
    QVERIFY(db.remove<Person>(10));
    QCOMPARE(model.refresh(), 2);
    QCOMPARE(model.totalRows(), 9);
    QCOMPARE(model.data(model.index(0, 0), ChangeFeedModel::IdRole).toLongLong(), 1);
    QCOMPARE(model.data(model.index(0, 2)).toString(), QStringLiteral("renamed"));
    QVERIFY(model.data(model.index(0, 0), ChangeFeedModel::HighlightRole).toDouble() > 0.5);
    QVERIFY(model.data(model.index(0, 0), Qt::BackgroundRole).value<QColor>().isValid());
    QCOMPARE(model.data(model.index(1, 0), ChangeFeedModel::IdRole).toLongLong(), 9);
    QVERIFY(!model.data(model.index(1, 0), Qt::BackgroundRole).isValid());
    // The highlight fades.
    QTRY_COMPARE_WITH_TIMEOUT(model.data(model.index(0, 0), ChangeFeedModel::HighlightRole).toDouble(), 0.0, 2000);
    QCOMPARE(model.refresh(), 0);
}

void tst_ReplicaMonitorCore::feedModelWithoutDatabase()
{
    ChangeFeedModel model;
    model.refresh();
    Burrow::RecordChange a;
    a.id = 5;
    a.version = 3;
    a.row.insert(QStringLiteral("name"), QStringLiteral("five"));
    Burrow::RecordChange b = a;
    b.id = 6;
    b.version = 2;
    Burrow::RecordChange gone;
    gone.kind = Burrow::RecordChange::Delete;
    gone.id = 6;
    gone.version = 4;
    model.addChanges({a, b}, 3);
    QCOMPARE(model.refresh(), 2);
    QCOMPARE(model.visibleKeys(), (QList<QPair<qint64, qint64>>{{5, 3}, {6, 2}}));
    model.addChanges({gone}, 7);
    QCOMPARE(model.refresh(), 1);
    QCOMPARE(model.visibleKeys(), (QList<QPair<qint64, qint64>>{{5, 3}}));
    QCOMPARE(model.version(), 7);
}

void tst_ReplicaMonitorCore::controllerFollowsBurstAndResumes()
{
    MonitorController::Options options;
    options.embedded = true;
    options.seedGroups = 10;
    MonitorController controller(options);
    QVERIFY2(controller.start(), qPrintable(controller.errorString()));
    QVERIFY(controller.canBurst());
    QVERIFY(controller.masterUrl().port() > 0);
    QVERIFY(controller.masterModel()->totalRows() > 0);
    QCOMPARE(controller.masterModel()->totalRows(), int(controller.masterDatabase()->count<Person>()));
    QCOMPARE(controller.stats().masterVersion, controller.masterDatabase()->currentVersion());
    QCOMPARE(controller.stats().slaveVersion, 0);

    controller.startSync();
    QVERIFY(controller.isSyncing());
    QTRY_COMPARE_WITH_TIMEOUT(controller.stats().slaveState, State::Live, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(controller.stats().slaveVersion, controller.stats().masterVersion, 10000);

    controller.setBurstRate(1000);
    controller.startBurst();
    QVERIFY(controller.isBursting());
    QTRY_VERIFY_WITH_TIMEOUT(controller.stats().masterVersion > 400, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(controller.stats().rowsPerSecond > 0, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(controller.stats().p50LagMs >= 0, 5000);
    QVERIFY(controller.stats().writesPerSecond > 0);
    controller.stopBurst();
    QVERIFY(!controller.isBursting());
    QTRY_COMPARE_WITH_TIMEOUT(controller.stats().slaveVersion, controller.stats().masterVersion, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(controller.slaveModel()->visibleKeys(), controller.masterModel()->visibleKeys(), 5000);
    QCOMPARE(controller.stats().lagVersions, 0);
    bool appliedLine = false;
    for (const QString &line : controller.events())
        appliedLine = appliedLine || (line.contains(QStringLiteral("applied ")) && line.contains(QStringLiteral(" changes v")));
    QVERIFY2(appliedLine, qPrintable(controller.events().join(QLatin1Char('\n'))));

    // Disconnected: the master moves on, the slave stays behind; reconnected: it resumes.
    controller.disconnectSlave();
    QVERIFY(controller.isSlaveDisconnected());
    QTRY_COMPARE_WITH_TIMEOUT(controller.stats().connection, Burrow::Client::State::Disconnected, 5000);
    const qint64 before = controller.stats().slaveVersion;
    controller.startBurst();
    QTRY_VERIFY_WITH_TIMEOUT(controller.stats().masterVersion > before + 100, 10000);
    controller.stopBurst();
    QTest::qWait(300);
    QCOMPARE(controller.stats().slaveVersion, before);
    QVERIFY(controller.stats().lagVersions > 0);
    controller.reconnectSlave();
    QTRY_COMPARE_WITH_TIMEOUT(controller.stats().connection, Burrow::Client::State::Connected, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(controller.stats().slaveVersion, controller.stats().masterVersion, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(controller.slaveModel()->visibleKeys(), controller.masterModel()->visibleKeys(), 5000);
    QCOMPARE(controller.slaveModel()->totalRows(), controller.masterModel()->totalRows());
    const QString log = controller.events().join(QLatin1Char('\n'));
    QVERIFY2(log.contains(QStringLiteral("disconnected (by hand)")), qPrintable(log));
    QVERIFY2(log.contains(QStringLiteral("resuming from v%1").arg(before)), qPrintable(log));

    controller.stopSync();
    QVERIFY(!controller.isSyncing());
    QTRY_COMPARE(controller.stats().slaveState, State::Stopped);
}

void tst_ReplicaMonitorCore::controllerRemoteMode()
{
    // A master in another controller (embedded), followed by a remote-mode controller.
    MonitorController::Options masterOptions;
    masterOptions.seedGroups = 5;
    MonitorController master(masterOptions);
    QVERIFY2(master.start(), qPrintable(master.errorString()));

    MonitorController::Options options;
    options.embedded = false;
    options.masterUrl = master.masterUrl();
    MonitorController remote(options);
    QVERIFY2(remote.start(), qPrintable(remote.errorString()));
    QVERIFY(!remote.canBurst());
    QVERIFY(remote.masterDatabase() == nullptr);
    remote.startSync();
    master.setBurstRate(400);
    master.startBurst();
    QTRY_VERIFY_WITH_TIMEOUT(master.stats().masterVersion > 200, 10000);
    master.stopBurst();
    const qint64 version = master.masterDatabase()->currentVersion();
    QTRY_COMPARE_WITH_TIMEOUT(remote.stats().masterVersion, version, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(remote.stats().slaveVersion, version, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(remote.masterModel()->visibleKeys(), master.masterModel()->visibleKeys(), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(remote.slaveModel()->visibleKeys(), master.masterModel()->visibleKeys(), 5000);
}

QTEST_MAIN(tst_ReplicaMonitorCore)
#include "tst_replica_monitor_core.moc"
