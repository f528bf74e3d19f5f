// Batch insert throughput of the ORM compared with plain QSqlQuery inserts of the same rows in
// one transaction, and the rate of the change feed applied to a second database. Prints the
// figures; the checks are only that every row arrived. Rows: BURROW_ORM_ROWS (default 100000).

#include <Burrow/ormdatabase.h>

#include <QtCore/QElapsedTimer>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>
#include <QtTest/QtTest>

#include <ctime>

using namespace Burrow;

struct Measurement
{
    Q_GADGET
    Q_CLASSINFO("BurrowTable", "Measurements")
    Q_PROPERTY(qint64 id MEMBER id)
    Q_PROPERTY(qint64 version MEMBER version)
    Q_PROPERTY(QString name MEMBER name)
    Q_PROPERTY(int count MEMBER count)
    Q_PROPERTY(double value MEMBER value)
public:
    qint64 id = 0;
    qint64 version = 0;
    QString name;
    int count = 0;
    double value = 0;
    bool operator==(const Measurement &) const = default;
};
using Row = Measurement;

namespace {

// Wall-clock and process CPU time: the machine is shared, CPU time is the steadier figure.
class Stopwatch
{
public:
    Stopwatch() { restart(); }
    void restart()
    {
        m_wall.start();
        m_cpu = cpuSeconds();
    }
    double wallSeconds() const { return m_wall.nsecsElapsed() / 1e9; }
    double cpuElapsed() const { return cpuSeconds() - m_cpu; }

private:
    static double cpuSeconds()
    {
        timespec ts{};
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
    }
    QElapsedTimer m_wall;
    double m_cpu = 0;
};

// Resident set size in MiB (Linux; 0 elsewhere), to show what a batch holds in memory.
double residentMiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    }
    return 0;
}

QString rate(qint64 rows, double seconds)
{
    return QStringLiteral("%1 rows/s").arg(QLocale::c().toString(qRound64(rows / qMax(seconds, 1e-9))));
}

void report(const char *what, qint64 rows, const Stopwatch &watch)
{
    qInfo().noquote() << QStringLiteral("%1: %2 rows in %3 s wall (%4), %5 s CPU (%6)")
                                 .arg(QLatin1String(what)).arg(rows)
                                 .arg(watch.wallSeconds(), 0, 'f', 3).arg(rate(rows, watch.wallSeconds()))
                                 .arg(watch.cpuElapsed(), 0, 'f', 3).arg(rate(rows, watch.cpuElapsed()));
}

Row makeRow(int i)
{
    return Row{0, 0, QStringLiteral("name %1").arg(i), i % 1000, i * 0.5};
}

} // namespace

class tst_OrmThroughput : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void plainQSqlQuery();
    void ormBatch();
    void ormUntypedBatch();
    void changeFeedToSecondDatabase();

private:
    int m_rows = 100000;
    QTemporaryDir m_dir;
};

void tst_OrmThroughput::initTestCase()
{
    QVERIFY(m_dir.isValid());
    bool ok = false;
    const int rows = qEnvironmentVariableIntValue("BURROW_ORM_ROWS", &ok);
    if (ok && rows > 0)
        m_rows = rows;
    qInfo() << "rows:" << m_rows;
}

// The reference: what a hand-written QSqlQuery loop does with the same table (same schema as
// the ORM creates: AUTOINCREMENT id, version index), one prepared statement, one transaction.
void tst_OrmThroughput::plainQSqlQuery()
{
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("plain"));
        db.setDatabaseName(m_dir.filePath("plain.db"));
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec("PRAGMA journal_mode=WAL"));
        QVERIFY(query.exec("PRAGMA synchronous=NORMAL"));
        QVERIFY(query.exec("CREATE TABLE Measurements (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                           "version INTEGER DEFAULT 0, name TEXT DEFAULT '', count INTEGER DEFAULT 0, "
                           "value REAL DEFAULT 0.0)"));
        QVERIFY(query.exec("CREATE INDEX Measurements_version ON Measurements (version)"));

        QList<Row> rows;
        rows.reserve(m_rows);
        for (int i = 0; i < m_rows; ++i)
            rows.append(makeRow(i));

        Stopwatch watch;
        QVERIFY(query.exec("BEGIN IMMEDIATE"));
        QSqlQuery insert(db);
        QVERIFY(insert.prepare("INSERT INTO Measurements (id, version, name, count, value) VALUES (?, ?, ?, ?, ?)"));
        for (int i = 0; i < m_rows; ++i) {
            const Row &row = rows.at(i);
            insert.bindValue(0, qint64(i + 1));
            insert.bindValue(1, qint64(i + 1));
            insert.bindValue(2, row.name);
            insert.bindValue(3, row.count);
            insert.bindValue(4, row.value);
            QVERIFY2(insert.exec(), qPrintable(insert.lastError().text()));
        }
        QVERIFY(query.exec("COMMIT"));
        report("plain QSqlQuery, one transaction", m_rows, watch);
        QVERIFY(query.exec("SELECT count(*) FROM Measurements"));
        QVERIFY(query.next());
        QCOMPARE(query.value(0).toInt(), m_rows);
    }
    QSqlDatabase::removeDatabase(QStringLiteral("plain"));
}

void tst_OrmThroughput::ormBatch()
{
    OrmDatabase db;
    QVERIFY(db.open(m_dir.filePath("orm.db")));
    QVERIFY(db.registerTable<Row>());
    QList<Row> rows;
    rows.reserve(m_rows);
    for (int i = 0; i < m_rows; ++i)
        rows.append(makeRow(i));

    const double residentBefore = residentMiB();
    Stopwatch watch;
    WriteBatch batch = db.batch();
    for (const Row &row : std::as_const(rows))
        batch.insert(row);
    const double residentAdded = residentMiB() - residentBefore;
    Stopwatch commitWatch;
    QVERIFY2(batch.commit(), qPrintable(batch.errorString()));
    report("ORM WriteBatch (typed), adding + commit", m_rows, watch);
    report("  of which commit", m_rows, commitWatch);
    qInfo().noquote() << QStringLiteral("  the pending batch grew the resident set by %1 MiB (%2 bytes/row)")
                                 .arg(residentAdded, 0, 'f', 1).arg(residentAdded * 1048576.0 / m_rows, 0, 'f', 0);
    QCOMPARE(batch.lastVersion() - batch.firstVersion() + 1, m_rows);
    QCOMPARE(db.countRows("Measurements"), m_rows);
    const std::optional<Row> last = db.record<Row>(m_rows);
    QVERIFY(last);
    QCOMPARE(last->name, rows.last().name);
    QCOMPARE(last->version, m_rows);
}

void tst_OrmThroughput::ormUntypedBatch()
{
    OrmDatabase db;
    QVERIFY(db.open(m_dir.filePath("untyped.db")));
    QVERIFY(db.registerTable<Row>());
    QList<QCborMap> rows;
    rows.reserve(m_rows);
    for (int i = 0; i < m_rows; ++i) {
        const Row row = makeRow(i);
        rows.append(QCborMap{{QStringLiteral("name"), row.name}, {QStringLiteral("count"), row.count},
                             {QStringLiteral("value"), row.value}});
    }
    Stopwatch watch;
    WriteBatch batch = db.batch();
    for (const QCborMap &row : std::as_const(rows))
        batch.insertRow(QStringLiteral("Measurements"), row);
    QVERIFY2(batch.commit(), qPrintable(batch.errorString()));
    report("ORM WriteBatch (untyped CBOR rows), adding + commit", m_rows, watch);
    QCOMPARE(db.countRows("Measurements"), m_rows);
}

void tst_OrmThroughput::changeFeedToSecondDatabase()
{
    OrmDatabase master;
    QVERIFY(master.open(m_dir.filePath("orm.db"))); // filled by ormBatch()
    QVERIFY(master.registerTable<Row>());
    QCOMPARE(master.countRows("Measurements"), m_rows);
    OrmDatabase slave;
    QVERIFY(slave.open(m_dir.filePath("slave.db")));
    QVERIFY(slave.registerTable<Row>());
    slave.setReadOnly(QStringLiteral("Measurements"), true);

    // CPU seconds of each step: reading the feed, encoding, decoding, applying.
    double feedSeconds = 0;
    double encodeSeconds = 0;
    double decodeSeconds = 0;
    double applySeconds = 0;
    qint64 wireBytes = 0;
    Stopwatch watch;
    int pages = 0;
    for (;;) {
        Stopwatch step;
        qint64 upTo = 0;
        const QList<RecordChange> changes = master.changesSince(QStringLiteral("Measurements"),
                                                                slave.appliedVersion(QStringLiteral("Measurements")),
                                                                10000, &upTo);
        feedSeconds += step.cpuElapsed();
        // What travels: the compact CBOR form.
        step.restart();
        const QByteArray wire = QCborValue(RecordChange::listToCbor(changes)).toCbor();
        encodeSeconds += step.cpuElapsed();
        wireBytes += wire.size();
        step.restart();
        QList<RecordChange> received;
        QVERIFY(RecordChange::listFromCbor(QCborValue::fromCbor(wire), &received));
        decodeSeconds += step.cpuElapsed();
        step.restart();
        QVERIFY2(slave.applyChanges(QStringLiteral("Measurements"), received, upTo), qPrintable(slave.errorString()));
        applySeconds += step.cpuElapsed();
        ++pages;
        if (changes.size() < 10000)
            break;
    }
    report("change feed -> CBOR -> applyChanges, pages of 10000", m_rows, watch);
    qInfo().noquote() << QStringLiteral("  CPU: changesSince %1 s (%2), encode %3 s, decode %4 s, applyChanges %5 s (%6); "
                                        "%7 pages, %8 bytes/row on the wire")
                                 .arg(feedSeconds, 0, 'f', 3).arg(rate(m_rows, feedSeconds))
                                 .arg(encodeSeconds, 0, 'f', 3).arg(decodeSeconds, 0, 'f', 3)
                                 .arg(applySeconds, 0, 'f', 3).arg(rate(m_rows, applySeconds))
                                 .arg(pages).arg(double(wireBytes) / m_rows, 0, 'f', 1);
    QCOMPARE(slave.countRows("Measurements"), m_rows);
    QCOMPARE(slave.appliedVersion("Measurements"), master.currentVersion());
    QCOMPARE(slave.rows("Measurements", {}, {}, 100, m_rows - 100), master.rows("Measurements", {}, {}, 100, m_rows - 100));
}

QTEST_GUILESS_MAIN(tst_OrmThroughput)
#include "tst_orm_throughput.moc"
