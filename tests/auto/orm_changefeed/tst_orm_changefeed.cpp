// Versions, tombstones, write batches, the change feed and applying it to another database:
// the primitives real-time replication is built on.

#include "testrecords.h"

#include <Burrow/ormdatabase.h>

#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>
#include <QtTest/QSignalSpy>
#include <QtTest/QtTest>

#include <random>

using namespace Burrow;

class tst_OrmChangeFeed : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void versionsIncreaseAcrossTables();
    void versionsSurviveReopen();
    void unversionedTablesHaveNoVersions();
    void deletesLeaveTombstones();
    void batchGetsConsecutiveVersions();
    void transactionBoundsArePersisted();
    void batchIsAtomic_data();
    void batchIsAtomic();
    void batchWithBadValueFailsAtCommit();
    void batchCanBeRetried();
    void committedSignal();
    void changesSincePaging();
    void changesSinceOnlyVersionedTables();
    void recordChangeCbor();
    void applyEncodedChanges();
    void applyMakesEqualDatabases();
    void applyTwiceIsIdempotent();
    void applyIsAtomic();
    void applyIgnoresUnknownColumns();
    void readOnlyTables();
    void liveReplication();

private:
    QString path(const QString &name) const { return m_dir->filePath(name); }
    bool openWithTables(OrmDatabase &db, const QString &name);
    // Pages through the master's feed and applies every page to the slave.
    static int replicate(OrmDatabase &master, OrmDatabase &slave, const QString &table, int pageSize);
    static void compareTables(OrmDatabase &a, OrmDatabase &b, const QString &table);
    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_OrmChangeFeed::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

bool tst_OrmChangeFeed::openWithTables(OrmDatabase &db, const QString &name)
{
    return db.open(path(name)) && db.registerTable<Person>() && db.registerTable<Order>()
            && db.registerTable<Note>();
}

int tst_OrmChangeFeed::replicate(OrmDatabase &master, OrmDatabase &slave, const QString &table, int pageSize)
{
    int pages = 0;
    for (;;) {
        qint64 upTo = 0;
        const qint64 since = slave.appliedVersion(table);
        const QList<RecordChange> changes = master.changesSince(table, since, pageSize, &upTo);
        if (master.error() != ErrorCode::NoError) {
            qWarning() << master.errorString();
            return -1;
        }
        if (changes.isEmpty() && upTo <= since)
            return pages;
        if (!slave.applyChanges(table, changes, upTo)) {
            qWarning() << slave.errorString();
            return -1;
        }
        ++pages;
        if (changes.size() < pageSize)
            return pages;
    }
}

void tst_OrmChangeFeed::compareTables(OrmDatabase &a, OrmDatabase &b, const QString &table)
{
    const QList<QCborMap> rowsA = a.rows(table);
    const QList<QCborMap> rowsB = b.rows(table);
    QCOMPARE(rowsA.size(), rowsB.size());
    for (qsizetype i = 0; i < rowsA.size(); ++i)
        QCOMPARE(rowsB.at(i), rowsA.at(i));
}

void tst_OrmChangeFeed::versionsIncreaseAcrossTables()
{
    OrmDatabase db;
    QVERIFY(openWithTables(db, "a.db"));
    QCOMPARE(db.currentVersion(), 0);
    Person ann{0, 0, "Ann", 1};
    Order order{0, 0, 1, 9.5};
    Person bob{0, 0, "Bob", 2};
    QVERIFY(db.insert(ann));
    QVERIFY(db.insert(order));
    QVERIFY(db.insert(bob));
    QCOMPARE(ann.version, 1);
    QCOMPARE(order.version, 2);
    QCOMPARE(bob.version, 3);
    ann.age = 5;
    QVERIFY(db.update(ann));
    QCOMPARE(db.record<Person>(ann.id)->version, 4);
    QVERIFY(db.updateRow("Order", order.id, QCborMap{{"amount", 10.0}}));
    QCOMPARE(db.record<Order>(order.id)->version, 5);
    QCOMPARE(db.currentVersion(), 5);
}

void tst_OrmChangeFeed::versionsSurviveReopen()
{
    {
        OrmDatabase db;
        QVERIFY(openWithTables(db, "a.db"));
        for (int i = 0; i < 3; ++i) {
            Person p{0, 0, "p", i};
            QVERIFY(db.insert(p));
        }
        QVERIFY(db.remove<Person>(2));
        QCOMPARE(db.currentVersion(), 4);
    }
    OrmDatabase db;
    QVERIFY(db.open(path("a.db")));
    QCOMPARE(db.currentVersion(), 4); // before any table is registered
    QVERIFY(db.registerTable<Order>());
    Order order{0, 0, 1, 1};
    QVERIFY(db.insert(order));
    QCOMPARE(order.version, 5);
}

void tst_OrmChangeFeed::unversionedTablesHaveNoVersions()
{
    OrmDatabase db;
    QVERIFY(openWithTables(db, "a.db"));
    Note note{0, "x"};
    QVERIFY(db.insert(note));
    note.text = "y";
    QVERIFY(db.update(note));
    QVERIFY(db.remove<Note>(note.id));
    QCOMPARE(db.currentVersion(), 0);
}

void tst_OrmChangeFeed::deletesLeaveTombstones()
{
    OrmDatabase db;
    QVERIFY(openWithTables(db, "a.db"));
    Person a{0, 0, "a", 1};
    Person b{0, 0, "b", 2};
    QVERIFY(db.insert(a));
    QVERIFY(db.insert(b));
    QVERIFY(db.remove<Person>(a.id));
    QCOMPARE(db.currentVersion(), 3);
    const QList<RecordChange> changes = db.changesSince("People", 0, 100);
    QCOMPARE(changes.size(), 2);
    QCOMPARE(changes.at(0).kind, RecordChange::Upsert);
    QCOMPARE(changes.at(0).id, b.id);
    QCOMPARE(changes.at(0).version, 2);
    QCOMPARE(changes.at(0).row.value("name"), QCborValue("b"));
    QCOMPARE(changes.at(1).kind, RecordChange::Delete);
    QCOMPARE(changes.at(1).id, a.id);
    QCOMPARE(changes.at(1).version, 3);
    QVERIFY(changes.at(1).row.isEmpty());
    // Tombstones survive reopening.
    db.close();
    QVERIFY(openWithTables(db, "a.db"));
    QCOMPARE(db.changesSince("People", 2, 100).size(), 1);
    QCOMPARE(db.changesSince("People", 2, 100).at(0).kind, RecordChange::Delete);
}

void tst_OrmChangeFeed::batchGetsConsecutiveVersions()
{
    OrmDatabase db;
    QVERIFY(openWithTables(db, "a.db"));
    Person first{0, 0, "first", 0};
    QVERIFY(db.insert(first));
    WriteBatch batch = db.batch();
    QList<qint64> ids;
    for (int i = 0; i < 250; ++i) // more than one multi-row statement
        ids.append(batch.insert(Person{0, 0, QStringLiteral("n%1").arg(i), i}));
    const qint64 orderId = batch.insert(Order{0, 0, ids.first(), 3.5});
    batch.update(Person{first.id, 0, "first, changed", 1});
    batch.remove<Person>(ids.last());
    const qint64 noteId = batch.insertRow("Note", QCborMap{{"text", "unversioned"}});
    QCOMPARE(batch.size(), 254);
    QCOMPARE(ids.first(), 2); // ids are known before the commit
    QVERIFY2(batch.commit(), qPrintable(batch.errorString()));
    QVERIFY(batch.isEmpty());
    QCOMPARE(batch.firstVersion(), 2);
    QCOMPARE(batch.lastVersion(), 254); // 253 versioned writes
    QCOMPARE(db.currentVersion(), 254);
    for (int i = 0; i < 249; ++i) {
        const std::optional<Person> p = db.record<Person>(ids.at(i));
        QVERIFY(p);
        QCOMPARE(p->version, 2 + i);
        QCOMPARE(p->age, i);
    }
    QCOMPARE(db.record<Order>(orderId)->version, 252);
    QCOMPARE(db.record<Person>(first.id)->version, 253);
    QVERIFY(!db.record<Person>(ids.last()));
    QCOMPARE(db.record<Note>(noteId)->text, QStringLiteral("unversioned"));
    const QList<RecordChange> changes = db.changesSince("People", 250, 10);
    QCOMPARE(changes.size(), 2);
    QCOMPARE(changes.at(0).version, 253);
    QCOMPARE(changes.at(1).version, 254);
    QCOMPARE(changes.at(1).kind, RecordChange::Delete);
}

void tst_OrmChangeFeed::transactionBoundsArePersisted()
{
    qint64 first = -1;
    qint64 last = -1;
    {
        OrmDatabase db;
        QVERIFY(openWithTables(db, "a.db"));
        Person single{0, 0, "single", 0};
        QVERIFY(db.insert(single)); // version 1, a transaction of one version
        WriteBatch batch = db.batch();
        for (int i = 0; i < 5; ++i)
            batch.insert(Person{0, 0, QStringLiteral("n%1").arg(i), i});
        batch.insertRow("Note", QCborMap{{"text", "unversioned"}});
        QVERIFY(batch.commit()); // versions 2..6
        QVERIFY(!db.transactionBounds(1, &first, &last));
        QCOMPARE(db.error(), ErrorCode::NoError);
        for (qint64 v = 2; v <= 6; ++v) {
            first = last = -1;
            QVERIFY(db.transactionBounds(v, &first, &last));
            QCOMPARE(first, 2);
            QCOMPARE(last, 6);
        }
        // A failed batch records nothing.
        WriteBatch failing = db.batch();
        failing.insert(Person{0, 0, "a", 1});
        failing.insert(Person{0, 0, "b", 2});
        failing.update(Person{9999, 0, "missing", 3});
        QVERIFY(!failing.commit());
        QVERIFY(!db.transactionBounds(7, &first, &last));
        Person after{0, 0, "after", 0};
        QVERIFY(db.insert(after));
        QCOMPARE(after.version, 7);
        QVERIFY(!db.transactionBounds(7, &first, &last));
        QVERIFY(!db.transactionBounds(100, &first, &last));
    }
    {
        // Persisted; and a file from before burrow_transactions gets it when opened.
        OrmDatabase db;
        QVERIFY(openWithTables(db, "a.db"));
        QVERIFY(db.transactionBounds(4, &first, &last));
        QCOMPARE(first, 2);
        QCOMPARE(last, 6);
        db.close();
        {
            QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw"));
            raw.setDatabaseName(path("a.db"));
            QVERIFY(raw.open());
            QSqlQuery drop(raw);
            QVERIFY(drop.exec(QStringLiteral("DROP TABLE burrow_transactions")));
            raw.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("raw"));
        QVERIFY(openWithTables(db, "a.db"));
        QVERIFY(!db.transactionBounds(4, &first, &last)); // older transactions stay unknown
        QCOMPARE(db.error(), ErrorCode::NoError);
        WriteBatch batch = db.batch();
        batch.insert(Person{0, 0, "x", 1});
        batch.insert(Person{0, 0, "y", 2});
        QVERIFY(batch.commit());
        QVERIFY(db.transactionBounds(9, &first, &last));
        QCOMPARE(first, 8);
        QCOMPARE(last, 9);
    }
    {
        // The receiving side records the transactions it applies.
        OrmDatabase master;
        OrmDatabase slave;
        QVERIFY(openWithTables(master, "a.db"));
        QVERIFY(openWithTables(slave, "b.db"));
        QCOMPARE(replicate(master, slave, "People", 3), 3);
        QVERIFY(slave.transactionBounds(8, &first, &last));
        QCOMPARE(first, 7);
        QCOMPARE(last, 9);
    }
}

void tst_OrmChangeFeed::batchIsAtomic_data()
{
    QTest::addColumn<int>("failAt");
    QTest::addColumn<int>("kind"); // 0: duplicate id insert, 1: update of a missing id, 2: remove of a missing id
    QTest::addColumn<ErrorCode>("expected");
    QTest::newRow("duplicate id, first") << 0 << 0 << ErrorCode::Conflict;
    QTest::newRow("duplicate id, inside a multi-row statement") << 150 << 0 << ErrorCode::Conflict;
    QTest::newRow("duplicate id, last") << 299 << 0 << ErrorCode::Conflict;
    QTest::newRow("missing update, middle") << 150 << 1 << ErrorCode::NotFound;
    QTest::newRow("missing remove, middle") << 150 << 2 << ErrorCode::NotFound;
}

void tst_OrmChangeFeed::batchIsAtomic()
{
    QFETCH(int, failAt);
    QFETCH(int, kind);
    QFETCH(ErrorCode, expected);
    OrmDatabase db;
    QVERIFY(openWithTables(db, "a.db"));
    Person existing{0, 0, "existing", 0};
    QVERIFY(db.insert(existing));
    const qint64 versionBefore = db.currentVersion();
    QSignalSpy committed(&db, &OrmDatabase::committed);

    WriteBatch batch = db.batch();
    for (int i = 0; i < 300; ++i) {
        if (i == failAt) {
            if (kind == 0)
                batch.insert(Person{existing.id, 0, "duplicate", 0});
            else if (kind == 1)
                batch.update(Person{9999, 0, "missing", 0});
            else
                batch.remove<Person>(9999);
            continue;
        }
        batch.insert(Person{0, 0, QStringLiteral("n%1").arg(i), i});
    }
    for (int i = 0; i < 300; ++i)
        batch.insert(Order{0, 0, 1, double(i)});
    QVERIFY(!batch.commit());
    QCOMPARE(batch.error(), expected);
    QCOMPARE(db.error(), expected);
    const int failingWrite = failAt + 1;
    QVERIFY2(batch.errorString().contains(QStringLiteral("write %1 of").arg(failingWrite)),
             qPrintable(batch.errorString()));
    // Nothing written, no version consumed, no signal.
    QCOMPARE(db.countRows("People"), 1);
    QCOMPARE(db.countRows("Order"), 0);
    QCOMPARE(db.currentVersion(), versionBefore);
    QCOMPARE(committed.size(), 0);
    QCOMPARE(db.changesSince("People", versionBefore, 10).size(), 0);
    Person next{0, 0, "next", 0};
    QVERIFY(db.insert(next));
    QCOMPARE(next.version, versionBefore + 1);
}

void tst_OrmChangeFeed::batchWithBadValueFailsAtCommit()
{
    OrmDatabase db;
    QVERIFY(openWithTables(db, "a.db"));
    WriteBatch batch = db.batch();
    QVERIFY(batch.insertRow("People", QCborMap{{"name", "ok"}}));
    QCOMPARE(batch.insertRow("People", QCborMap{{"age", "not a number"}}), 0);
    QCOMPARE(batch.error(), ErrorCode::InvalidArguments);
    QCOMPARE(batch.insertRow("People", QCborMap{{"name", "after"}}), 0); // the batch has failed
    QCOMPARE(batch.insertRow("Nope", QCborMap{}), 0);
    QVERIFY(!batch.commit());
    QVERIFY2(batch.errorString().contains("age"), qPrintable(batch.errorString()));
    QCOMPARE(db.countRows("People"), 0);
    QCOMPARE(db.currentVersion(), 0);
    batch.clear();
    QCOMPARE(batch.error(), ErrorCode::NoError);
    batch.insertRow("People", QCborMap{{"name", "fresh"}});
    QVERIFY(batch.commit());
    QCOMPARE(db.countRows("People"), 1);

    WriteBatch orphan;
    QCOMPARE(orphan.insert(Person{}), 0);
    QVERIFY(!orphan.commit());
    QCOMPARE(orphan.error(), ErrorCode::Unavailable);
}

void tst_OrmChangeFeed::batchCanBeRetried()
{
    OrmDatabase db;
    QVERIFY(openWithTables(db, "a.db"));
    Person existing{0, 0, "existing", 0};
    QVERIFY(db.insert(existing));
    WriteBatch batch = db.batch();
    batch.insert(Person{0, 0, "new", 1});
    batch.insert(Person{existing.id, 0, "replacement", 2});
    QVERIFY(!batch.commit());
    QCOMPARE(batch.error(), ErrorCode::Conflict);
    QCOMPARE(batch.size(), 2); // kept
    QCOMPARE(db.currentVersion(), 1);
    QVERIFY(db.remove<Person>(existing.id)); // version 2
    QVERIFY2(batch.commit(), qPrintable(batch.errorString()));
    QCOMPARE(batch.firstVersion(), 3);
    QCOMPARE(batch.lastVersion(), 4);
    QCOMPARE(db.record<Person>(existing.id)->name, QStringLiteral("replacement"));
    // The id is back: its tombstone is older than the row.
    const QList<RecordChange> changes = db.changesSince("People", 0, 10);
    QCOMPARE(changes.size(), 3);
    QCOMPARE(changes.at(0).kind, RecordChange::Delete);
    QCOMPARE(changes.at(2).id, existing.id);
    QCOMPARE(changes.at(2).kind, RecordChange::Upsert);
}

void tst_OrmChangeFeed::committedSignal()
{
    OrmDatabase db;
    QVERIFY(openWithTables(db, "a.db"));
    QSignalSpy committed(&db, &OrmDatabase::committed);
    Person p{0, 0, "p", 1};
    QVERIFY(db.insert(p));
    QCOMPARE(committed.size(), 1);
    QCOMPARE(committed.at(0).at(0).toStringList(), QStringList{"People"});
    QCOMPARE(committed.at(0).at(1).toLongLong(), 1);
    QCOMPARE(committed.at(0).at(2).toLongLong(), 1);
    WriteBatch batch = db.batch();
    batch.insert(Order{0, 0, 1, 1});
    batch.insert(Person{0, 0, "q", 2});
    batch.insert(Order{0, 0, 1, 2});
    batch.insert(Note{0, "n"});
    QVERIFY(batch.commit());
    QCOMPARE(committed.size(), 2);
    QCOMPARE(committed.at(1).at(0).toStringList(), (QStringList{"Order", "People", "Note"}));
    QCOMPARE(committed.at(1).at(1).toLongLong(), 2);
    QCOMPARE(committed.at(1).at(2).toLongLong(), 4);
    Note n{0, "x"};
    QVERIFY(db.insert(n));
    QCOMPARE(committed.size(), 3);
    QCOMPARE(committed.at(2).at(1).toLongLong(), 0);
    QCOMPARE(committed.at(2).at(2).toLongLong(), 0);
    QVERIFY(db.batch().commit()); // empty: no transaction, no signal
    QCOMPARE(committed.size(), 3);
}

void tst_OrmChangeFeed::changesSincePaging()
{
    OrmDatabase db;
    QVERIFY(openWithTables(db, "a.db"));
    // A random history of inserts, updates and deletes over two tables.
    std::mt19937 random(1234);
    QList<qint64> live;
    for (int step = 0; step < 600; ++step) {
        const int action = int(random() % 10);
        if (live.isEmpty() || action < 5) {
            Person p{0, 0, QStringLiteral("p%1").arg(step), step};
            QVERIFY(db.insert(p));
            live.append(p.id);
        } else if (action < 8) {
            const qint64 id = live.at(qsizetype(random() % live.size()));
            QVERIFY(db.updateRow("People", id, QCborMap{{"age", step}}));
        } else if (action < 9) {
            const qsizetype index = qsizetype(random() % live.size());
            QVERIFY(db.remove<Person>(live.takeAt(index)));
        } else {
            Order o{0, 0, 1, double(step)};
            QVERIFY(db.insert(o));
        }
    }
    const QList<RecordChange> all = db.changesSince("People", 0, 1000000);
    const qint64 rows = db.countRows("People");
    QCOMPARE(rows, live.size());
    for (int pageSize : {1, 7, 50, 1000}) {
        QList<RecordChange> paged;
        qint64 since = 0;
        int pages = 0;
        for (;;) {
            qint64 upTo = 0;
            const QList<RecordChange> page = db.changesSince("People", since, pageSize, &upTo);
            QVERIFY(page.size() <= pageSize);
            ++pages;
            paged.append(page);
            if (page.size() < pageSize) {
                QCOMPARE(upTo, db.currentVersion());
                break;
            }
            QCOMPARE(upTo, page.last().version);
            since = upTo;
        }
        QCOMPARE(paged.size(), all.size());
        QSet<qint64> ids;
        for (qsizetype i = 0; i < paged.size(); ++i) {
            QCOMPARE(paged.at(i), all.at(i));
            if (i > 0)
                QVERIFY(paged.at(i).version > paged.at(i - 1).version);
            QVERIFY2(!ids.contains(paged.at(i).id) || paged.at(i).kind == RecordChange::Upsert,
                     "a record appears once (a deleted id may come back only if re-inserted)");
            ids.insert(paged.at(i).id);
        }
    }
    // One upsert per live row, one delete per deleted id.
    qsizetype upserts = 0;
    for (const RecordChange &change : all)
        upserts += change.kind == RecordChange::Upsert;
    QCOMPARE(upserts, rows);
    QCOMPARE(all.last().version <= db.currentVersion(), true);
    qint64 upTo = 0;
    QVERIFY(db.changesSince("People", db.currentVersion(), 10, &upTo).isEmpty());
    QCOMPARE(upTo, db.currentVersion());
}

void tst_OrmChangeFeed::changesSinceOnlyVersionedTables()
{
    OrmDatabase db;
    QVERIFY(openWithTables(db, "a.db"));
    QVERIFY(db.changesSince("Note", 0, 10).isEmpty());
    QCOMPARE(db.error(), ErrorCode::NotSupported);
    QVERIFY(db.changesSince("Nope", 0, 10).isEmpty());
    QCOMPARE(db.error(), ErrorCode::NotFound);
    QVERIFY(db.changesSince("People", 0, 0).isEmpty());
    QCOMPARE(db.error(), ErrorCode::InvalidArguments);
    QVERIFY(!db.applyChanges("Note", {}, 1));
    QCOMPARE(db.error(), ErrorCode::NotSupported);
}

void tst_OrmChangeFeed::recordChangeCbor()
{
    OrmDatabase db;
    QVERIFY(openWithTables(db, "a.db"));
    Person a{0, 0, "a", 1};
    QVERIFY(db.insert(a));
    Person b{0, 0, "b", 2};
    QVERIFY(db.insert(b));
    QVERIFY(db.remove<Person>(a.id));
    const QList<RecordChange> changes = db.changesSince("People", 0, 10);
    const QCborArray encoded = RecordChange::listToCbor(changes);
    QCOMPARE(encoded.at(0).toArray().at(0), QCborValue(0));
    QCOMPARE(encoded.at(0).toArray().at(3).toMap().contains(QStringLiteral("id")), false);
    QCOMPARE(encoded.last().toArray().size(), 3);
    // Through bytes, as it travels.
    const QCborValue decodedBytes = QCborValue::fromCbor(QCborValue(encoded).toCbor());
    QList<RecordChange> decoded;
    QString why;
    QVERIFY2(RecordChange::listFromCbor(decodedBytes, &decoded, &why), qPrintable(why));
    QCOMPARE(decoded, changes);

    RecordChange change;
    QVERIFY(!RecordChange::fromCbor(QCborValue(5), &change, &why));
    QVERIFY(!RecordChange::fromCbor(QCborArray{0, 1}, &change, &why));
    QVERIFY(!RecordChange::fromCbor(QCborArray{0, 1, 2}, &change, &why)); // upsert without row
    QVERIFY(!RecordChange::fromCbor(QCborArray{1, 1, 2, QCborMap{}}, &change, &why));
    QVERIFY(!RecordChange::fromCbor(QCborArray{9, 1, 2}, &change, &why));
    QVERIFY(!RecordChange::listFromCbor(QCborArray{QCborArray{1, 1, 2}, 5}, &decoded, &why));
    QVERIFY2(why.startsWith("[1]"), qPrintable(why));
}

void tst_OrmChangeFeed::applyEncodedChanges()
{
    // The CBOR form applied directly gives what applyChanges() of the decoded list gives, for
    // every column type (a local time, a date at the end of February, extreme integers).
    OrmDatabase master;
    OrmDatabase viaList;
    OrmDatabase viaCbor;
    for (auto [db, file] : {std::pair{&master, "a.db"}, {&viaList, "b.db"}, {&viaCbor, "c.db"}})
        QVERIFY(db->open(path(file)) && db->registerTable<Sample>());
    Sample s;
    s.flag = true;
    s.shortNumber = -32768;
    s.number = -2147483647 - 1;
    s.unsignedNumber = 4000000000u;
    s.bigNumber = -9000000000000000000LL;
    s.hugeNumber = 18446744073709551615ULL;
    s.ratio = 3.25;
    s.weight = 1.5f;
    s.text = QStringLiteral("h\u00e9llo");
    s.bytes = QByteArray("\x00\x01\xff", 3);
    s.when = QDateTime(QDate(2024, 2, 29), QTime(23, 59, 59, 999), Qt::UTC);
    s.day = QDate(1999, 12, 31);
    s.time = QTime(23, 59, 58, 123);
    s.uuid = QUuid::fromString(QStringLiteral("{12345678-9abc-def0-1234-56789abcdef0}"));
    s.url = QUrl(QStringLiteral("https://example.org/a?q=1"));
    s.color = Sample::Blue;
    s.permissions = Sample::Read | Sample::Execute;
    s.tags = QStringList{"a", "b"};
    s.extra = QVariantMap{{"n", qint64(1)}};
    s.scores = {1, 2, 3};
    QVERIFY(master.insert(s));
    Sample local = s;
    local.id = 0;
    local.when = QDateTime(QDate(2001, 1, 1), QTime(1, 2, 3, 4), Qt::LocalTime);
    QVERIFY(master.insert(local));
    Sample empty;
    QVERIFY(master.insert(empty)); // null date, default values
    QVERIFY(master.remove<Sample>(local.id));
    qint64 upTo = 0;
    const QList<RecordChange> changes = master.changesSince("Samples", 0, 100, &upTo);
    QCOMPARE(changes.size(), 3);
    // Through bytes, as it travels.
    const QCborArray encoded = QCborValue::fromCbor(QCborValue(RecordChange::listToCbor(changes)).toCbor()).toArray();
    QVERIFY2(viaList.applyChanges("Samples", changes, upTo), qPrintable(viaList.errorString()));
    int count = -1;
    QVERIFY2(viaCbor.applyEncodedChanges("Samples", encoded, upTo, &count), qPrintable(viaCbor.errorString()));
    QCOMPARE(count, 3);
    compareTables(master, viaCbor, "Samples");
    compareTables(viaList, viaCbor, "Samples");
    QVERIFY(viaCbor.record<Sample>(s.id) == s);
    QCOMPARE(viaCbor.appliedVersion("Samples"), upTo);
    // Again: applied already.
    QVERIFY(viaCbor.applyEncodedChanges("Samples", encoded, upTo, &count));
    QCOMPARE(count, 0);

    // Malformed lists and values fail before anything is written.
    const qint64 applied = viaCbor.appliedVersion("Samples");
    const auto fails = [&](const QCborArray &list) {
        const bool ok = viaCbor.applyEncodedChanges("Samples", list, applied + 10);
        return !ok && viaCbor.error() == ErrorCode::InvalidArguments && viaCbor.appliedVersion("Samples") == applied;
    };
    QVERIFY(fails({5}));
    QVERIFY(fails({QCborArray{0, 1}}));
    QVERIFY(fails({QCborArray{0, 1, applied + 1}}));                  // upsert without row
    QVERIFY(fails({QCborArray{1, 1, applied + 1, QCborMap{}}}));      // delete with a row
    QVERIFY(fails({QCborArray{9, 1, applied + 1}}));                  // unknown kind
    QVERIFY(fails({QCborArray{1, 1, applied + 11}}));                 // above upToVersion
    QVERIFY(fails({QCborArray{0, 50, applied + 1, QCborMap{{1, 2}}}})); // a column name that is no string
    QVERIFY(fails({QCborArray{0, 50, applied + 1, QCborMap{{"number", 1}}},
                   QCborArray{0, 51, applied + 2, QCborMap{{"number", "x"}}}}));
    QVERIFY(fails({QCborArray{0, 50, applied + 1, QCborMap{{"shortNumber", 40000}}}}));
    QVERIFY(fails({QCborArray{0, 50, applied + 1, QCborMap{{"when", "2024-02-30T00:00:00.000Z"}}}}));
    QVERIFY(!viaCbor.record<Sample>(50));
    // Unknown columns are ignored, missing ones get their defaults; other date forms are parsed.
    QVERIFY(viaCbor.applyEncodedChanges("Samples",
                                        {QCborArray{0, 50, applied + 1, QCborMap{{"unknown", 1}, {"number", 7}}},
                                         QCborArray{0, 51, applied + 2, QCborMap{{"number", 8}, {"unknown", 2},
                                                                                 {"when", "2024-05-06T07:08:09Z"}}}},
                                        applied + 2, &count));
    QCOMPARE(count, 2);
    QCOMPARE(viaCbor.record<Sample>(50)->number, 7);
    QCOMPARE(viaCbor.record<Sample>(50)->text, QString());
    QCOMPARE(viaCbor.record<Sample>(51)->number, 8);
    QCOMPARE(viaCbor.record<Sample>(51)->when, QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9), Qt::UTC));
}

void tst_OrmChangeFeed::applyMakesEqualDatabases()
{
    OrmDatabase master;
    OrmDatabase slave;
    QVERIFY(openWithTables(master, "master.db"));
    QVERIFY(openWithTables(slave, "slave.db"));
    slave.setReadOnly("People", true);
    QList<qint64> ids;
    for (int i = 0; i < 120; ++i) {
        Person p{0, 0, QStringLiteral("p%1").arg(i), i};
        QVERIFY(master.insert(p));
        ids.append(p.id);
    }
    QCOMPARE(replicate(master, slave, "People", 25), 5);
    compareTables(master, slave, "People");
    QCOMPARE(slave.appliedVersion("People"), master.currentVersion());
    QVERIFY(slave.currentVersion() >= master.currentVersion());

    // Updates and deletes, including of rows the slave has, then catch up again.
    for (int i = 0; i < 120; i += 3)
        QVERIFY(master.updateRow("People", ids.at(i), QCborMap{{"name", "changed"}}));
    for (int i = 1; i < 120; i += 5)
        QVERIFY(master.removeRow("People", ids.at(i)));
    Order o{0, 0, 1, 1}; // another table moves the version too
    QVERIFY(master.insert(o));
    QVERIFY(replicate(master, slave, "People", 10) > 0);
    compareTables(master, slave, "People");
    QCOMPARE(slave.appliedVersion("People"), master.currentVersion());
    // The slave's feed equals the master's: a slave can feed further slaves.
    QCOMPARE(slave.changesSince("People", 0, 100000), master.changesSince("People", 0, 100000));

    // Survives reopening the slave.
    slave.close();
    QVERIFY(openWithTables(slave, "slave.db"));
    QCOMPARE(slave.appliedVersion("People"), master.currentVersion());
    QCOMPARE(replicate(master, slave, "People", 10), 0);
    compareTables(master, slave, "People");
}

void tst_OrmChangeFeed::applyTwiceIsIdempotent()
{
    OrmDatabase master;
    OrmDatabase slave;
    QVERIFY(openWithTables(master, "master.db"));
    QVERIFY(openWithTables(slave, "slave.db"));
    for (int i = 0; i < 10; ++i) {
        Person p{0, 0, QStringLiteral("p%1").arg(i), i};
        QVERIFY(master.insert(p));
    }
    qint64 upTo = 0;
    const QList<RecordChange> firstPage = master.changesSince("People", 0, 6, &upTo);
    QCOMPARE(upTo, 6);
    QSignalSpy committed(&slave, &OrmDatabase::committed);
    QVERIFY(slave.applyChanges("People", firstPage, upTo));
    QCOMPARE(committed.size(), 1);
    QCOMPARE(committed.at(0).at(1).toLongLong(), 1);
    QCOMPARE(committed.at(0).at(2).toLongLong(), 6);
    QVERIFY(slave.applyChanges("People", firstPage, upTo)); // again: nothing happens
    QCOMPARE(committed.size(), 1);
    QCOMPARE(slave.countRows("People"), 6);

    // A delete and an update of a row the slave has, then a page overlapping the applied one.
    QVERIFY(master.removeRow("People", 2));
    QVERIFY(master.updateRow("People", 3, QCborMap{{"age", 99}}));
    const QList<RecordChange> overlapping = master.changesSince("People", 4, 100, &upTo);
    QList<RecordChange> withOld = firstPage; // versions 1..6: 1..4 are skipped now
    withOld.append(overlapping);
    QVERIFY(slave.applyChanges("People", withOld, upTo));
    QCOMPARE(slave.appliedVersion("People"), upTo);
    compareTables(master, slave, "People");
    QVERIFY(slave.applyChanges("People", withOld, upTo));
    compareTables(master, slave, "People");
    // An old page after a newer one is skipped entirely.
    QVERIFY(slave.applyChanges("People", firstPage, 6));
    compareTables(master, slave, "People");
    QCOMPARE(slave.appliedVersion("People"), upTo);
}

void tst_OrmChangeFeed::applyIsAtomic()
{
    OrmDatabase master;
    OrmDatabase slave;
    QVERIFY(openWithTables(master, "master.db"));
    QVERIFY(openWithTables(slave, "slave.db"));
    for (int i = 0; i < 5; ++i) {
        Person p{0, 0, QStringLiteral("p%1").arg(i), i};
        QVERIFY(master.insert(p));
    }
    qint64 upTo = 0;
    QList<RecordChange> changes = master.changesSince("People", 0, 100, &upTo);
    changes[3].row.insert(QStringLiteral("age"), QStringLiteral("not a number"));
    QSignalSpy committed(&slave, &OrmDatabase::committed);
    QVERIFY(!slave.applyChanges("People", changes, upTo));
    QCOMPARE(slave.error(), ErrorCode::InvalidArguments);
    QVERIFY2(slave.errorString().contains("age"), qPrintable(slave.errorString()));
    QCOMPARE(slave.countRows("People"), 0);
    QCOMPARE(slave.appliedVersion("People"), 0);
    QCOMPARE(committed.size(), 0);
    // Versions above upToVersion are refused.
    changes = master.changesSince("People", 0, 100, &upTo);
    QVERIFY(!slave.applyChanges("People", changes, 3));
    QCOMPARE(slave.error(), ErrorCode::InvalidArguments);
    QVERIFY(slave.applyChanges("People", changes, upTo));
    QCOMPARE(slave.countRows("People"), 5);
}

// The slave's declaration of the table may differ from the master's.
void tst_OrmChangeFeed::applyIgnoresUnknownColumns()
{
    OrmDatabase master;
    OrmDatabase slave;
    QVERIFY(master.open(path("master.db")));
    QVERIFY(master.registerTable<PersonWithEmail>());
    QVERIFY(slave.open(path("slave.db")));
    QVERIFY(slave.registerTable<Person>());
    PersonWithEmail p{0, 0, "Ann", 3, "ann@example.org"};
    QVERIFY(master.insert(p));
    QCOMPARE(replicate(master, slave, "People", 10), 1);
    QCOMPARE(*slave.record<Person>(p.id), (Person{p.id, p.version, "Ann", 3}));
    // And the other way round: columns the row lacks get defaults.
    OrmDatabase third;
    QVERIFY(third.open(path("third.db")));
    QVERIFY(third.registerTable<PersonWithEmail>());
    QCOMPARE(replicate(slave, third, "People", 10), 1);
    QCOMPARE(third.record<PersonWithEmail>(p.id)->email, QString(""));
}

void tst_OrmChangeFeed::readOnlyTables()
{
    OrmDatabase master;
    OrmDatabase slave;
    QVERIFY(openWithTables(master, "master.db"));
    QVERIFY(openWithTables(slave, "slave.db"));
    slave.setReadOnly("People", true);
    QVERIFY(slave.isReadOnly("People"));
    QVERIFY(slave.tableInfo("People").isReadOnly);
    QVERIFY(!slave.isReadOnly("Order"));

    Person p{0, 0, "local", 1};
    QCOMPARE(slave.insert(p), 0);
    QCOMPARE(slave.error(), ErrorCode::ReadOnly);
    QVERIFY2(slave.errorString().contains("read-only") && slave.errorString().contains("People"),
             qPrintable(slave.errorString()));
    QCOMPARE(slave.insertRow("People", QCborMap{{"name", "x"}}), 0);
    QCOMPARE(slave.error(), ErrorCode::ReadOnly);

    Person m{0, 0, "from master", 1};
    QVERIFY(master.insert(m));
    QCOMPARE(replicate(master, slave, "People", 10), 1);
    QCOMPARE(slave.countRows("People"), 1);

    m.age = 2;
    QVERIFY(!slave.update(m));
    QCOMPARE(slave.error(), ErrorCode::ReadOnly);
    QVERIFY(!slave.updateRow("People", m.id, QCborMap{{"age", 3}}));
    QCOMPARE(slave.error(), ErrorCode::ReadOnly);
    QVERIFY(!slave.remove<Person>(m.id));
    QCOMPARE(slave.error(), ErrorCode::ReadOnly);
    WriteBatch batch = slave.batch();
    batch.insert(Order{0, 0, 1, 1}); // writable table
    batch.remove<Person>(m.id);
    QVERIFY(!batch.commit());
    QCOMPARE(batch.error(), ErrorCode::ReadOnly);
    QCOMPARE(slave.countRows("Order"), 0);

    // Made read-only after the write was added: refused at commit, nothing written.
    WriteBatch late = slave.batch();
    late.insert(Order{0, 0, 1, 1});
    slave.setReadOnly("Order", true);
    QVERIFY(!late.commit());
    QCOMPARE(late.error(), ErrorCode::ReadOnly);
    QCOMPARE(late.size(), 1); // kept for another attempt
    slave.setReadOnly("Order", false);
    QVERIFY(late.commit());
    QCOMPARE(slave.countRows("Order"), 1);

    QCOMPARE(*slave.record<Person>(m.id), *master.record<Person>(m.id));
    slave.setReadOnly("People", false);
    QVERIFY(slave.remove<Person>(m.id));
}

void tst_OrmChangeFeed::liveReplication()
{
    // What the replication layer does, without the network: on every master commit, fetch the
    // changes since the slave's applied version and apply them.
    OrmDatabase master;
    OrmDatabase slave;
    QVERIFY(openWithTables(master, "master.db"));
    QVERIFY(openWithTables(slave, "slave.db"));
    slave.setReadOnly("People", true);
    int applied = 0;
    connect(&master, &OrmDatabase::committed, this,
            [&](const QStringList &tables, qint64 fromVersion, qint64 toVersion) {
                if (!tables.contains("People"))
                    return;
                QVERIFY(fromVersion > slave.appliedVersion("People"));
                QVERIFY(toVersion >= fromVersion);
                QCOMPARE(replicate(master, slave, "People", 100) >= 1, true);
                ++applied;
            });
    Person a{0, 0, "a", 1};
    QVERIFY(master.insert(a));
    WriteBatch batch = master.batch();
    for (int i = 0; i < 300; ++i)
        batch.insert(Person{0, 0, QStringLiteral("b%1").arg(i), i});
    QVERIFY(batch.commit());
    QVERIFY(master.remove<Person>(a.id));
    Order o{0, 0, 1, 1};
    QVERIFY(master.insert(o));
    QCOMPARE(applied, 3);
    compareTables(master, slave, "People");
    QCOMPARE(slave.appliedVersion("People"), 302);
}

QTEST_GUILESS_MAIN(tst_OrmChangeFeed)
#include "tst_orm_changefeed.moc"
