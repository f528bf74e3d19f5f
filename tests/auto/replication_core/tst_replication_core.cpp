// ReplicationMaster and ReplicationSlave in one process over real WebSocket connections on
// 127.0.0.1: catch-up in pages then live with no gap, one message and one slave transaction per
// burst, messages that never end inside a transaction, releases, read-only slave tables,
// several slaves, duplicates / overlaps / gaps, other tables, resumption.

#include "replicationtest.h"

#include <Burrow/recordchange.h>
#include <Burrow/replicationcontract.h>

#include <QtCore/QTemporaryDir>

#include <array>

using namespace ReplicationTest;

namespace {

// A hand-driven master: fetch() serves the database's change feed, subscribe() keeps the
// callback, and the test sends what it wants through send().
class FakeService : public IReplicationService
{
    Q_OBJECT
public:
    FakeService(OrmDatabase *database, QObject *parent) : IReplicationService(parent), m_database(database) {}

    QCborMap subscribe(const QString &, qint64 afterVersion, QSharedPointer<IReplicationCallback> callback) override
    {
        ++subscribeCount;
        this->callback = callback;
        return QCborMap{{QStringLiteral("subscribed"), true},
                        {QStringLiteral("toVersion"), afterVersion},
                        {QStringLiteral("currentVersion"), m_database->currentVersion()}};
    }
    QCborMap fetch(const QString &table, qint64 afterVersion, int limit) override
    {
        ++fetchCount;
        lastFetchAfter = afterVersion;
        qint64 upTo = 0;
        const QList<RecordChange> changes = m_database->changesSince(table, afterVersion, limit, &upTo);
        return QCborMap{{QStringLiteral("changes"), RecordChange::listToCbor(changes)},
                        {QStringLiteral("fromVersion"), afterVersion + 1},
                        {QStringLiteral("toVersion"), upTo},
                        {QStringLiteral("currentVersion"), m_database->currentVersion()},
                        {QStringLiteral("complete"), changes.size() < limit}};
    }
    qint64 currentVersion() override { return m_database->currentVersion(); }

    // Sends the changes in afterVersion + 1 .. toVersion as one message.
    void send(qint64 afterVersion, qint64 toVersion)
    {
        QList<RecordChange> changes = m_database->changesSince(people, afterVersion, 100000);
        changes.removeIf([toVersion](const RecordChange &change) { return change.version > toVersion; });
        callback->changes(people, RecordChange::listToCbor(changes), afterVersion + 1, toVersion,
                          QDateTime::currentMSecsSinceEpoch());
    }

    QSharedPointer<IReplicationCallback> callback;
    int subscribeCount = 0;
    int fetchCount = 0;
    qint64 lastFetchAfter = -1;

private:
    OrmDatabase *m_database;
};

} // namespace

class tst_ReplicationCore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void catchUpInPagesThenLive_data();
    void catchUpInPagesThenLive();
    void noGapWithWritesDuringCatchUp();
    void oneMessagePerBurst();
    void messagesEndBetweenTransactions();
    void pagesKeepTransactionsOlderThanTheMaster();
    void pageExtendedToATransactionEndKeepsTheRest();
    void stopSyncReleasesOnMaster();
    void destroyingTheSlaveReleases();
    void readOnlyOnSlave();
    void threeSlavesConverge();
    void duplicatesOverlapsAndGaps();
    void slaveWithOtherTables();
    void resumeAfterDisconnect();
    void resumeAfterMasterRestart();
    void slaveAheadOfMaster();
    void plainHttpClientIsRefused();
    void masterInItsOwnThread();

private:
    QString path(const QString &name) const { return m_dir->filePath(name); }
    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_ReplicationCore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void tst_ReplicationCore::catchUpInPagesThenLive_data()
{
    QTest::addColumn<QString>("subprotocol");
    QTest::newRow("binary") << QString::fromLatin1(BinarySubprotocol);
    QTest::newRow("json") << QString::fromLatin1(JsonSubprotocol);
}

void tst_ReplicationCore::catchUpInPagesThenLive()
{
    QFETCH(QString, subprotocol);
    MasterSide m;
    QVERIFY(m.open(path("master.sqlite")));
    QVERIFY(m.start());
    GroupWriter writer(&m.db, 10);
    QVERIFY(writer.write(120, 60, 30));
    const qint64 changeCount = m.db.changesSince(people, 0, 1000000).size();
    QVERIFY(changeCount > 500);

    SlaveSide s;
    QVERIFY(s.open(path("slave.sqlite")));
    QVERIFY(s.connectTo(m.url(), subprotocol));
    s.slave->setPageSize(100);
    QSignalSpy states(s.slave.get(), &ReplicationSlave::stateChanged);
    QVERIFY(s.slave->startSync(people));
    QTRY_COMPARE_WITH_TIMEOUT(s.state(), ReplicationSlave::State::Live, 20000);
    QVERIFY(sameRows(m.db, s.db));
    QCOMPARE(s.db.appliedVersion(people), m.db.currentVersion());
    // In pages of at most 100 changes (ending between transactions of 10), none live yet.
    QVERIFY2(s.appliedCounts.size() >= changeCount / 100, qPrintable(QString::number(s.appliedCounts.size())));
    for (qint64 count : std::as_const(s.appliedCounts))
        QVERIFY(count <= 100 && count % 10 == 0);
    QVERIFY(s.lags.isEmpty());
    QCOMPARE(s.slave->status(people).appliedChanges, changeCount);
    QCOMPARE(states.first().at(1).value<ReplicationSlave::State>(), ReplicationSlave::State::CatchingUp);
    QCOMPARE(m.master->subscriptionCount(), 1);

    // Live.
    QVERIFY(writer.write(30, 40, 40));
    QTRY_COMPARE(s.db.appliedVersion(people), m.db.currentVersion());
    QVERIFY(sameRows(m.db, s.db));
    QVERIFY(!s.lags.isEmpty());
    QVERIFY(s.rangesAreContiguous());
    QCOMPARE(m.master->subscriptions().constFirst().deliveredVersion, m.db.currentVersion());
}

void tst_ReplicationCore::noGapWithWritesDuringCatchUp()
{
    MasterSide m;
    QVERIFY(m.open(path("master.sqlite")));
    QVERIFY(m.start());
    GroupWriter writer(&m.db, 5);
    QVERIFY(writer.write(400, 50, 30));

    SlaveSide s;
    QVERIFY(s.open(path("slave.sqlite")));
    QVERIFY(s.connectTo(m.url()));
    s.slave->setPageSize(40);
    int partial = 0;
    QObject::connect(&s.db, &OrmDatabase::committed, [&] {
        if (!partialBatches(s.db, 5).isEmpty())
            ++partial;
    });
    // A transaction every millisecond while the slave catches up in small pages, and after.
    QTimer writes;
    writes.setInterval(1);
    QObject::connect(&writes, &QTimer::timeout, [&] { writer.write(); });
    writes.start();
    QVERIFY(s.slave->startSync(people));
    QTRY_COMPARE_WITH_TIMEOUT(s.state(), ReplicationSlave::State::Live, 30000);
    const int atLive = writer.transactions();
    QTest::qWait(300);
    writes.stop();
    QVERIFY2(writer.transactions() > atLive, "no writes after the subscription");
    QTRY_COMPARE(s.db.appliedVersion(people), m.db.currentVersion());
    QVERIFY(sameRows(m.db, s.db));
    QVERIFY(s.rangesAreContiguous());
    QCOMPARE(partial, 0);
}

void tst_ReplicationCore::oneMessagePerBurst()
{
    MasterSide m;
    QVERIFY(m.open(path("master.sqlite")));
    QVERIFY(m.start());
    GroupWriter writer(&m.db, 20);
    QVERIFY(writer.write(5, 100, 0));
    SlaveSide s;
    QVERIFY(s.open(path("slave.sqlite")));
    QVERIFY(s.connectTo(m.url()));
    QVERIFY(s.slave->startSync(people));
    QTRY_COMPARE(s.state(), ReplicationSlave::State::Live);
    QSignalSpy sent(m.master.get(), &ReplicationMaster::changesSent);

    // Five transactions in a burst (no event loop in between): one message, one transaction.
    const int transactions = s.transactions;
    const qsizetype messages = s.appliedCounts.size();
    QVERIFY(writer.write(5, 100, 0));
    QTRY_COMPARE(s.db.appliedVersion(people), m.db.currentVersion());
    QTest::qWait(50);
    QCOMPARE(sent.count(), 1);
    QCOMPARE(sent.first().at(2).toInt(), 100);
    QCOMPARE(s.appliedCounts.size() - messages, 1);
    QCOMPARE(s.appliedCounts.constLast(), 100);
    QCOMPARE(s.transactions - transactions, 1);
    QVERIFY(sameRows(m.db, s.db));

    // With the commits apart (more than the gather delay): one message each.
    sent.clear();
    for (int i = 0; i < 3; ++i) {
        QVERIFY(writer.write());
        QTRY_COMPARE(s.db.appliedVersion(people), m.db.currentVersion());
    }
    QCOMPARE(sent.count(), 3);
    QCOMPARE(s.transactions - transactions, 4);
}

void tst_ReplicationCore::messagesEndBetweenTransactions()
{
    MasterSide m;
    QVERIFY(m.open(path("master.sqlite")));
    QVERIFY(m.start());
    m.master->setMaxChangesPerMessage(30);
    SlaveSide s;
    QVERIFY(s.open(path("slave.sqlite")));
    QVERIFY(s.connectTo(m.url()));
    QVERIFY(s.slave->startSync(people));
    QTRY_COMPARE(s.state(), ReplicationSlave::State::Live);
    int partial = 0;
    QObject::connect(&s.db, &OrmDatabase::committed, [&] {
        if (!partialBatches(s.db, 20).isEmpty())
            ++partial;
    });

    // Ten transactions of 20 rows in a burst, at most 30 changes a message: twenty each.
    GroupWriter writer(&m.db, 20);
    const qsizetype before = s.appliedCounts.size();
    QVERIFY(writer.write(10, 100, 0));
    QTRY_COMPARE(s.db.appliedVersion(people), m.db.currentVersion());
    const QList<qint64> counts = s.appliedCounts.mid(before);
    QCOMPARE(counts, QList<qint64>(10, 20));
    QCOMPARE(partial, 0);

    // A transaction larger than the limit goes whole.
    GroupWriter large(&m.db, 45, 7, 1000);
    QVERIFY(large.write(1, 100, 0));
    QTRY_COMPARE(s.db.appliedVersion(people), m.db.currentVersion());
    QCOMPARE(s.appliedCounts.constLast(), 45);

    // So do catch-up pages: a new slave with pages of 30.
    SlaveSide late;
    QVERIFY(late.open(path("late.sqlite")));
    QVERIFY(late.connectTo(m.url()));
    late.slave->setPageSize(30);
    int latePartial = 0;
    QObject::connect(&late.db, &OrmDatabase::committed, [&] {
        const QList<Person> rows = late.db.records<Person>();
        QHash<qint64, int> counts;
        for (const Person &p : rows)
            ++counts[p.batch];
        for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
            if (it.value() != 20 && it.value() != 45)
                ++latePartial;
        }
    });
    QVERIFY(late.slave->startSync(people));
    QTRY_COMPARE(late.state(), ReplicationSlave::State::Live);
    QVERIFY(sameRows(m.db, late.db));
    QCOMPARE(latePartial, 0);
}

void tst_ReplicationCore::pagesKeepTransactionsOlderThanTheMaster()
{
    // Transactions committed before the ReplicationMaster existed: their bounds are persisted
    // by the ORM (OrmDatabase::transactionBounds()), so catch-up pages of 15 changes end
    // between transactions of 10 and the slave never holds part of one.
    MasterSide m;
    QVERIFY(m.open(path("master.sqlite")));
    GroupWriter writer(&m.db, 10);
    QVERIFY(writer.write(3, 100, 0));
    QVERIFY(m.start());
    SlaveSide s;
    QVERIFY(s.open(path("slave.sqlite")));
    QVERIFY(s.connectTo(m.url()));
    s.slave->setPageSize(15);
    int partial = 0;
    QObject::connect(&s.db, &OrmDatabase::committed, [&] {
        if (!partialBatches(s.db, 10).isEmpty())
            ++partial;
    });
    QVERIFY(s.slave->startSync(people));
    QTRY_COMPARE(s.state(), ReplicationSlave::State::Live);
    QVERIFY(sameRows(m.db, s.db));
    QCOMPARE(partial, 0);
    for (qint64 count : std::as_const(s.appliedCounts))
        QVERIFY2(count % 10 == 0, qPrintable(QString::number(count)));
}

void tst_ReplicationCore::pageExtendedToATransactionEndKeepsTheRest()
{
    // A page of 15 inside a transaction of 20 is extended to its end; the single write after
    // it, read with the extension, must not be counted as applied without being sent.
    MasterSide m;
    QVERIFY(m.open(path("master.sqlite")));
    WriteBatch batch = m.db.batch();
    for (int i = 0; i < 20; ++i) {
        Person p;
        p.name = QStringLiteral("in the transaction %1").arg(i);
        batch.insert(p);
    }
    QVERIFY(batch.commit());
    Person after;
    after.name = QStringLiteral("after it");
    QVERIFY(m.db.insert(after));
    QVERIFY(m.start());
    SlaveSide s;
    QVERIFY(s.open(path("slave.sqlite")));
    QVERIFY(s.connectTo(m.url()));
    s.slave->setPageSize(15);
    QVERIFY(s.slave->startSync(people));
    QTRY_COMPARE(s.state(), ReplicationSlave::State::Live);
    QVERIFY(sameRows(m.db, s.db));
    QVERIFY(s.db.record<Person>(after.id));
    QCOMPARE(s.db.appliedVersion(people), 21);
}

void tst_ReplicationCore::stopSyncReleasesOnMaster()
{
    MasterSide m;
    QVERIFY(m.open(path("master.sqlite")));
    QVERIFY(m.start());
    GroupWriter writer(&m.db, 3);
    QVERIFY(writer.write(10, 100, 0));
    SlaveSide s;
    QVERIFY(s.open(path("slave.sqlite")));
    QVERIFY(s.connectTo(m.url()));
    QSignalSpy added(m.master.get(), &ReplicationMaster::subscriptionAdded);
    QSignalSpy removed(m.master.get(), &ReplicationMaster::subscriptionRemoved);
    QVERIFY(s.slave->startSync(people));
    QTRY_COMPARE(s.state(), ReplicationSlave::State::Live);
    QCOMPARE(m.master->subscriptionCount(), 1);
    QCOMPARE(added.count(), 1);
    const ReplicationSubscription subscription = m.master->subscriptions().constFirst();
    QCOMPARE(subscription.table, people);
    QCOMPARE(subscription.connectionId, m.server.connections().constFirst()->id());

    s.slave->stopSync(people);
    QCOMPARE(s.state(), ReplicationSlave::State::Stopped);
    QCOMPARE(s.slave->status(people).appliedVersion, s.db.appliedVersion(people));
    QVERIFY(s.slave->status(people).appliedVersion > 0);
    QTRY_COMPARE(m.master->subscriptionCount(), 0);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.first().at(0).value<ReplicationSubscription>().id, subscription.id);

    // Nothing more arrives.
    const qint64 applied = s.db.appliedVersion(people);
    QVERIFY(writer.write(5, 100, 0));
    QTest::qWait(200);
    QCOMPARE(s.db.appliedVersion(people), applied);

    // And it starts again from where it stopped.
    QVERIFY(s.slave->startSync(people));
    QTRY_COMPARE(s.state(), ReplicationSlave::State::Live);
    QTRY_COMPARE(s.db.appliedVersion(people), m.db.currentVersion());
    QVERIFY(sameRows(m.db, s.db));
    QVERIFY(s.rangesAreContiguous());
}

void tst_ReplicationCore::destroyingTheSlaveReleases()
{
    MasterSide m;
    QVERIFY(m.open(path("master.sqlite")));
    QVERIFY(m.start());
    SlaveSide s;
    QVERIFY(s.open(path("slave.sqlite")));
    QVERIFY(s.connectTo(m.url()));
    QVERIFY(s.slave->startSync(people));
    QTRY_COMPARE(s.state(), ReplicationSlave::State::Live);
    QCOMPARE(m.master->subscriptionCount(), 1);
    s.slave.reset();
    QTRY_COMPARE(m.master->subscriptionCount(), 0);
    // The table is writable again.
    Person local;
    local.name = QStringLiteral("local");
    QVERIFY(s.db.insert(local) > 0);
}

void tst_ReplicationCore::readOnlyOnSlave()
{
    MasterSide m;
    QVERIFY(m.open(path("master.sqlite")));
    QVERIFY(m.start());
    SlaveSide s;
    QVERIFY(s.open(path("slave.sqlite")));
    QVERIFY(s.connectTo(m.url()));
    QVERIFY(s.slave->startSync(people));
    QVERIFY(s.db.isReadOnly(people));
    QTRY_COMPARE(s.state(), ReplicationSlave::State::Live);
    Person local;
    local.name = QStringLiteral("local");
    QCOMPARE(s.db.insert(local), 0);
    QCOMPARE(s.db.error(), ErrorCode::ReadOnly);
    QVERIFY(!s.db.removeRow(people, 1));

    // Replicated writes still land.
    GroupWriter writer(&m.db, 2);
    QVERIFY(writer.write(3, 100, 0));
    QTRY_COMPARE(s.db.appliedVersion(people), m.db.currentVersion());
    QCOMPARE(s.db.count<Person>(), 6);

    s.slave->stopSync(people);
    QVERIFY(!s.db.isReadOnly(people));
    QVERIFY(s.db.insert(local) > 0);
}

void tst_ReplicationCore::threeSlavesConverge()
{
    MasterSide m;
    QVERIFY(m.open(path("master.sqlite")));
    QVERIFY(m.start());
    GroupWriter writer(&m.db, 4);
    QVERIFY(writer.write(50, 60, 30));
    std::array<SlaveSide, 3> slaves;
    for (int i = 0; i < 3; ++i) {
        QVERIFY(slaves[i].open(path(QStringLiteral("slave%1.sqlite").arg(i))));
        QVERIFY(slaves[i].connectTo(m.url(), QString::fromLatin1(i == 1 ? JsonSubprotocol : BinarySubprotocol)));
        slaves[i].slave->setPageSize(25 + 10 * i);
    }
    QTimer writes;
    writes.setInterval(2);
    QObject::connect(&writes, &QTimer::timeout, [&] { writer.write(); });
    writes.start();
    for (SlaveSide &s : slaves)
        QVERIFY(s.slave->startSync(people));
    for (SlaveSide &s : slaves)
        QTRY_COMPARE_WITH_TIMEOUT(s.state(), ReplicationSlave::State::Live, 20000);
    QCOMPARE(m.master->subscriptionCount(), 3);
    QTest::qWait(300);
    writes.stop();
    for (SlaveSide &s : slaves) {
        QTRY_COMPARE(s.db.appliedVersion(people), m.db.currentVersion());
        QVERIFY(sameRows(m.db, s.db));
        QVERIFY(s.rangesAreContiguous());
    }
    // The connections are different ones.
    QSet<quint64> connections;
    for (const ReplicationSubscription &subscription : m.master->subscriptions())
        connections.insert(subscription.connectionId);
    QCOMPARE(connections.size(), 3);
}

void tst_ReplicationCore::duplicatesOverlapsAndGaps()
{
    OrmDatabase masterDb;
    QVERIFY(masterDb.open(path("master.sqlite")));
    QVERIFY(masterDb.registerTable<Person>());
    Server server;
    ServiceRegistry registry;
    QObject owner;
    auto *fake = new FakeService(&masterDb, &owner);
    QVERIFY(registry.registerService<IReplicationService>([fake]() -> IReplicationService * { return fake; }));
    registry.attach(&server);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    GroupWriter writer(&masterDb, 5);
    QVERIFY(writer.write(6, 100, 0));
    QCOMPARE(masterDb.currentVersion(), 30);

    SlaveSide s;
    QVERIFY(s.open(path("slave.sqlite")));
    QVERIFY(s.connectTo(server.webSocketUrl()));
    QVERIFY(s.slave->startSync(people));
    QTRY_COMPARE(s.state(), ReplicationSlave::State::Live);
    QCOMPARE(fake->subscribeCount, 1);
    QCOMPARE(s.db.appliedVersion(people), 30);

    // The same message twice: applied once.
    QVERIFY(writer.write(1, 100, 0)); // 31..35
    int transactions = s.transactions;
    qsizetype messages = s.appliedCounts.size();
    fake->send(30, 35);
    fake->send(30, 35);
    QTRY_COMPARE(s.db.appliedVersion(people), 35);
    QTest::qWait(100);
    QCOMPARE(s.transactions - transactions, 1);
    QCOMPARE(s.appliedCounts.size() - messages, 1);
    QCOMPARE(s.appliedCounts.constLast(), 5);

    // Overlapping what was applied: only the new changes count.
    QVERIFY(writer.write(1, 0, 100)); // 36..40: updates a group
    fake->send(33, 40);
    QTRY_COMPARE(s.db.appliedVersion(people), 40);
    QCOMPARE(s.appliedCounts.constLast(), 5);
    QCOMPARE(s.appliedRanges.constLast(), (QPair<qint64, qint64>(36, 40)));
    QVERIFY(sameRows(masterDb, s.db));

    // A gap: the slave catches up with fetch() from what it has, then subscribes again.
    QVERIFY(writer.write(2, 100, 0)); // 41..50
    const int fetches = fake->fetchCount;
    fake->send(45, 50);
    QTRY_COMPARE(fake->subscribeCount, 2);
    QVERIFY(fake->fetchCount > fetches);
    QCOMPARE(fake->lastFetchAfter, 40);
    QTRY_COMPARE(s.state(), ReplicationSlave::State::Live);
    QCOMPARE(s.db.appliedVersion(people), 50);
    QVERIFY(sameRows(masterDb, s.db));
    QVERIFY(s.rangesAreContiguous());
    QCOMPARE(s.slave->status(people).resumptions, 1);
}

void tst_ReplicationCore::slaveWithOtherTables()
{
    MasterSide m;
    QVERIFY(m.open(path("master.sqlite")));
    QVERIFY(m.start());
    SlaveSide s;
    QVERIFY(s.open(path("slave.sqlite"), true));
    QVERIFY(s.connectTo(m.url()));

    // Not in the slave's model.
    QVERIFY(!s.slave->startSync(QStringLiteral("Order")));
    QCOMPARE(s.slave->error(), ErrorCode::NotFound);
    // In the slave's model only: the master refuses it, the slave says so and keeps trying.
    QSignalSpy errors(s.slave.get(), &ReplicationSlave::errorOccurred);
    QVERIFY(s.slave->startSync(QStringLiteral("LocalNote")));
    QTRY_VERIFY(errors.count() >= 1);
    QCOMPARE(errors.first().at(0).toString(), QStringLiteral("LocalNote"));
    QVERIFY(errors.first().at(2).toString().contains(QStringLiteral("LocalNote")));
    QCOMPARE(s.slave->state(QStringLiteral("LocalNote")), ReplicationSlave::State::Waiting);
    s.slave->stopSync(QStringLiteral("LocalNote"));

    QVERIFY(s.slave->startSync(people));
    QTRY_COMPARE(s.state(), ReplicationSlave::State::Live);
    GroupWriter writer(&m.db, 3);
    QVERIFY(writer.write(10, 70, 20));
    Order order;
    order.amount = 12.5;
    QVERIFY(m.db.insert(order) > 0);
    QVERIFY(writer.write(5, 70, 20));
    LocalNote note;
    note.text = QStringLiteral("written on the slave");
    QVERIFY(s.db.insert(note) > 0);

    QTRY_COMPARE(s.db.appliedVersion(people), m.db.currentVersion());
    QVERIFY(sameRows(m.db, s.db));
    QVERIFY(!s.db.hasTable(QStringLiteral("Order")));
    QCOMPARE(s.db.count<LocalNote>(), 1);
}

void tst_ReplicationCore::resumeAfterDisconnect()
{
    MasterSide m;
    QVERIFY(m.open(path("master.sqlite")));
    QVERIFY(m.start());
    GroupWriter writer(&m.db, 4);
    QVERIFY(writer.write(20, 100, 0));
    SlaveSide s;
    QVERIFY(s.open(path("slave.sqlite")));
    QVERIFY(s.connectTo(m.url(), QString::fromLatin1(BinarySubprotocol), true));
    QVERIFY(s.slave->startSync(people));
    QTRY_COMPARE(s.state(), ReplicationSlave::State::Live);

    // The connection drops; writes go on; the client reconnects by itself.
    QSignalSpy states(s.slave.get(), &ReplicationSlave::stateChanged);
    const auto waited = [&states] {
        for (const QList<QVariant> &change : std::as_const(states)) {
            if (change.at(1).value<ReplicationSlave::State>() == ReplicationSlave::State::Waiting)
                return true;
        }
        return false;
    };
    for (Connection *connection : m.server.connections())
        connection->abort(QStringLiteral("test"));
    QVERIFY(writer.write(20, 40, 40));
    QTRY_VERIFY(waited());
    QVERIFY(writer.write(20, 40, 40));
    QTRY_COMPARE_WITH_TIMEOUT(s.state(), ReplicationSlave::State::Live, 10000);
    QTRY_COMPARE(s.db.appliedVersion(people), m.db.currentVersion());
    QVERIFY(sameRows(m.db, s.db));
    QVERIFY(s.rangesAreContiguous());
    QVERIFY(s.slave->status(people).resumptions >= 1);
    QTRY_COMPARE(m.master->subscriptionCount(), 1);

    // A disconnection asked for, and a reconnection later.
    s.client->disconnectFromServer();
    QTRY_COMPARE(s.state(), ReplicationSlave::State::Waiting);
    QVERIFY(writer.write(20, 40, 40));
    s.client->connectToServer(m.url());
    QTRY_COMPARE_WITH_TIMEOUT(s.state(), ReplicationSlave::State::Live, 10000);
    QVERIFY(writer.write(5, 40, 40));
    QTRY_COMPARE(s.db.appliedVersion(people), m.db.currentVersion());
    QVERIFY(sameRows(m.db, s.db));
    QVERIFY(s.rangesAreContiguous());
    QVERIFY(s.slave->status(people).resumptions >= 2);
}

void tst_ReplicationCore::resumeAfterMasterRestart()
{
    auto m = std::make_unique<MasterSide>();
    QVERIFY(m->open(path("master.sqlite")));
    QVERIFY(m->start());
    const quint16 port = m->server.serverPort();
    SlaveSide s;
    QVERIFY(s.open(path("slave.sqlite")));
    QVERIFY(s.connectTo(m->url(), QString::fromLatin1(BinarySubprotocol), true));
    QVERIFY(s.slave->startSync(people));
    {
        GroupWriter writer(&m->db, 4, 1);
        QVERIFY(writer.write(20, 100, 0));
    }
    QTRY_COMPARE(s.db.appliedVersion(people), m->db.currentVersion());
    QTRY_COMPARE(s.state(), ReplicationSlave::State::Live);

    m.reset();
    QTRY_COMPARE(s.state(), ReplicationSlave::State::Waiting);
    m = std::make_unique<MasterSide>();
    QVERIFY(m->open(path("master.sqlite")));
    {
        GroupWriter writer(&m->db, 4, 2, 1000);
        QVERIFY(writer.write(20, 100, 0)); // inserts only: it does not know the earlier groups
    }
    QVERIFY(m->start(port));
    QTRY_COMPARE_WITH_TIMEOUT(s.state(), ReplicationSlave::State::Live, 10000);
    QTRY_COMPARE(s.db.appliedVersion(people), m->db.currentVersion());
    QVERIFY(sameRows(m->db, s.db));
    QVERIFY(s.rangesAreContiguous());
}

void tst_ReplicationCore::slaveAheadOfMaster()
{
    MasterSide m;
    QVERIFY(m.open(path("master.sqlite")));
    QVERIFY(m.start());
    GroupWriter writer(&m.db, 2);
    QVERIFY(writer.write(3, 100, 0));
    SlaveSide s;
    QVERIFY(s.open(path("slave.sqlite")));
    QVERIFY(s.db.applyChanges(people, {}, 1000)); // "applied" far beyond the master
    QVERIFY(s.connectTo(m.url()));
    QSignalSpy errors(s.slave.get(), &ReplicationSlave::errorOccurred);
    QVERIFY(s.slave->startSync(people));
    QTRY_VERIFY(errors.count() >= 1);
    QVERIFY2(errors.first().at(2).toString().contains(QStringLiteral("same database")),
             qPrintable(errors.first().at(2).toString()));
    QCOMPARE(s.state(), ReplicationSlave::State::Waiting);
    QCOMPARE(s.db.appliedVersion(people), 1000);
}

void tst_ReplicationCore::plainHttpClientIsRefused()
{
    MasterSide m;
    QVERIFY(m.open(path("master.sqlite")));
    QVERIFY(m.start());
    SlaveSide s;
    QVERIFY(s.open(path("slave.sqlite")));
    QUrl rpc = m.server.httpUrl();
    rpc.setPath(m.server.settings().httpRpcPath());
    QVERIFY(s.connectTo(rpc));
    QSignalSpy errors(s.slave.get(), &ReplicationSlave::errorOccurred);
    QVERIFY(s.slave->startSync(people));
    QTRY_COMPARE(errors.count(), 1);
    QCOMPARE(errors.first().at(1).value<ErrorCode>(), ErrorCode::NotSupported);
    QCOMPARE(s.state(), ReplicationSlave::State::Waiting);
    QTest::qWait(100);
    QCOMPARE(m.master->subscriptionCount(), 0);
}

void tst_ReplicationCore::masterInItsOwnThread()
{
    // The master's database, server, registry and ReplicationMaster live in another thread, as
    // in a server whose network runs apart from its GUI; writes happen there too.
    QThread thread;
    thread.start();
    QObject context;
    context.moveToThread(&thread);
    const auto inMaster = [&context](const std::function<void()> &work) {
        QMetaObject::invokeMethod(&context, work, Qt::BlockingQueuedConnection);
    };
    std::unique_ptr<MasterSide> m;
    std::unique_ptr<GroupWriter> writer;
    bool started = false;
    inMaster([&] {
        m = std::make_unique<MasterSide>();
        writer = std::make_unique<GroupWriter>(&m->db, 4);
        started = m->open(path("master.sqlite")) && m->start() && writer->write(50, 60, 30);
    });
    const auto cleanup = qScopeGuard([&] {
        inMaster([&] {
            writer.reset();
            m.reset();
        });
        thread.quit();
        thread.wait();
    });
    QVERIFY(started);

    SlaveSide s;
    QVERIFY(s.open(path("slave.sqlite")));
    QVERIFY(s.connectTo(m->url()));
    s.slave->setPageSize(30);
    QVERIFY(s.slave->startSync(people));
    for (int i = 0; i < 20; ++i) {
        inMaster([&] { writer->write(3, 40, 40); });
        QTest::qWait(5);
    }
    QTRY_COMPARE_WITH_TIMEOUT(s.state(), ReplicationSlave::State::Live, 20000);
    qint64 current = 0;
    int subscriptions = 0;
    const auto readMaster = [&] {
        inMaster([&] {
            current = m->db.currentVersion();
            subscriptions = m->master->subscriptionCount();
        });
    };
    readMaster();
    QTRY_COMPARE(s.db.appliedVersion(people), current);
    readMaster();
    QCOMPARE(subscriptions, 1);
    QList<QCborMap> masterRows;
    inMaster([&] { masterRows = m->db.rows(people); });
    QVERIFY(!masterRows.isEmpty());
    QCOMPARE(s.db.rows(people), masterRows);
    QVERIFY(s.rangesAreContiguous());

    s.slave->stopSync(people);
    QTRY_VERIFY([&] {
        readMaster();
        return subscriptions == 0;
    }());
}

QTEST_GUILESS_MAIN(tst_ReplicationCore)

#include "tst_replication_core.moc"
#include "../../../apps/replica/common/moc_person.cpp"
