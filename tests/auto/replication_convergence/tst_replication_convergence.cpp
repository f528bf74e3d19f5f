// The replication must-show: replica-master writes a random workload (inserts, updates and
// deletes, four rows per transaction) while the replica-slave process is killed with SIGKILL and
// restarted five times and the master process is killed and restarted once. Meanwhile the
// slave's database is sampled every few milliseconds through a read-only SQLite connection: no
// sample may show part of a transaction (a batch number on other than four rows). Once the
// writer stops, the slave's People table must equal the master's row by row.

#include <QtCore/QElapsedTimer>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>
#include <QtSql/QSqlRecord>
#include <QtTest/QtTest>

#include <memory>

namespace {

constexpr int batchSize = 4;

// A child program whose stdout lines are kept (and echoed on failure).
class Program
{
public:
    Program(const QString &name, const QString &executable) : m_name(name), m_executable(executable)
    {
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        QObject::connect(&m_process, &QProcess::readyRead, [this] {
            while (m_process.canReadLine()) {
                const QString line = QString::fromUtf8(m_process.readLine()).trimmed();
                m_lines.append(line);
                m_log.append(m_name + QLatin1String(": ") + line);
            }
        });
    }
    ~Program()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    bool start(const QStringList &arguments)
    {
        m_lines.clear();
        m_process.start(m_executable, arguments);
        return m_process.waitForStarted(10000);
    }
    // Waits (running the event loop) for a line matching `pattern`; its first capture.
    QString waitForLine(const QRegularExpression &pattern, int milliseconds = 20000)
    {
        QElapsedTimer timer;
        timer.start();
        qsizetype checked = 0;
        while (timer.elapsed() < milliseconds) {
            for (; checked < m_lines.size(); ++checked) {
                const QRegularExpressionMatch match = pattern.match(m_lines.at(checked));
                if (match.hasMatch())
                    return match.captured(1).isNull() ? match.captured(0) : match.captured(1);
            }
            if (m_process.state() == QProcess::NotRunning)
                break;
            QTest::qWait(10);
        }
        return {};
    }
    void kill()
    {
        m_process.kill(); // SIGKILL
        m_process.waitForFinished(5000);
    }
    // SIGTERM; true when it exited by itself with code 0.
    bool terminate()
    {
        m_process.terminate();
        if (!m_process.waitForFinished(10000))
            return false;
        return m_process.exitStatus() == QProcess::NormalExit && m_process.exitCode() == 0;
    }
    const QStringList &log() const { return m_log; }
    const QStringList &lines() const { return m_lines; }

private:
    QString m_name;
    QString m_executable;
    QProcess m_process;
    QStringList m_lines;
    QStringList m_log;
};

QSqlDatabase openReadOnly(const QString &connection, const QString &file)
{
    QSqlDatabase db = QSqlDatabase::contains(connection) ? QSqlDatabase::database(connection, false)
                                                         : QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
    if (!db.isOpen()) {
        db.setDatabaseName(file);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=2000"));
        db.open();
    }
    return db;
}

// Every row of People, every column, in id order.
QList<QVariantList> tableRows(QSqlDatabase db, QString *error)
{
    QList<QVariantList> rows;
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT * FROM People ORDER BY id"))) {
        *error = query.lastError().text();
        return rows;
    }
    while (query.next()) {
        QVariantList row;
        for (int i = 0; i < query.record().count(); ++i)
            row.append(query.value(i));
        rows.append(row);
    }
    return rows;
}

} // namespace

class tst_ReplicationConvergence : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void killsAndRestarts();
};

void tst_ReplicationConvergence::killsAndRestarts()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString masterFile = dir.filePath(QStringLiteral("master.sqlite"));
    const QString slaveFile = dir.filePath(QStringLiteral("slave.sqlite"));
    QElapsedTimer total;
    total.start();

    Program master(QStringLiteral("master"), QStringLiteral(REPLICA_MASTER));
    Program slave(QStringLiteral("slave"), QStringLiteral(REPLICA_SLAVE));
    const auto dumpLogs = qScopeGuard([&] {
        if (QTest::currentTestFailed()) {
            for (const QString &line : master.log().mid(qMax<qsizetype>(0, master.log().size() - 40)))
                qInfo().noquote() << line;
            for (const QString &line : slave.log().mid(qMax<qsizetype>(0, slave.log().size() - 60)))
                qInfo().noquote() << line;
        }
    });

    const QRegularExpression listening(QStringLiteral("^replica-master listening on (ws://\\S+)"));
    const QStringList writerArguments = {QStringLiteral("--write-rate"), QStringLiteral("600"),
                                         QStringLiteral("--batch-size"), QString::number(batchSize),
                                         QStringLiteral("--status-interval"), QStringLiteral("0")};
    QVERIFY(master.start(QStringList{QStringLiteral("--db"), masterFile, QStringLiteral("--port"), QStringLiteral("0"),
                                     QStringLiteral("--seed"), QStringLiteral("1")}
                         + writerArguments));
    const QString url = master.waitForLine(listening);
    QVERIFY2(!url.isEmpty(), "replica-master did not start");
    const QString port = QUrl(url).port() > 0 ? QString::number(QUrl(url).port()) : QString();
    QVERIFY(!port.isEmpty());

    const QStringList slaveArguments = {QStringLiteral("--db"), slaveFile, QStringLiteral("--master"), url,
                                        QStringLiteral("--status-interval"), QStringLiteral("0")};
    QVERIFY(slave.start(slaveArguments));
    QVERIFY(!slave.waitForLine(QRegularExpression(QStringLiteral("^People: live"))).isEmpty());

    // Sample the slave's database all along.
    int samples = 0;
    int failedSamples = 0;
    QStringList partial;
    QTimer sampler;
    sampler.setInterval(5);
    QObject::connect(&sampler, &QTimer::timeout, [&] {
        QSqlDatabase db = openReadOnly(QStringLiteral("sampler"), slaveFile);
        QSqlQuery query(db);
        if (!db.isOpen() || !query.exec(QStringLiteral("SELECT batch, COUNT(*) FROM People GROUP BY batch "
                                                       "HAVING COUNT(*) != %1").arg(batchSize))) {
            ++failedSamples;
            return;
        }
        ++samples;
        while (query.next())
            partial.append(QStringLiteral("batch %1 on %2 rows").arg(query.value(0).toLongLong()).arg(query.value(1).toInt()));
    });
    sampler.start();

    const QRegularExpression live(QStringLiteral("^People: live"));
    for (int cycle = 0; cycle < 5; ++cycle) {
        QTest::qWait(1500);
        slave.kill();
        if (cycle == 2) {
            // The master goes too, and comes back on the same port; its writer stops after 6 s.
            master.kill();
            QTest::qWait(200);
            QVERIFY(master.start(QStringList{QStringLiteral("--db"), masterFile, QStringLiteral("--port"), port,
                                             QStringLiteral("--seed"), QStringLiteral("2"),
                                             QStringLiteral("--write-for"), QStringLiteral("6")}
                                 + writerArguments));
            QVERIFY2(!master.waitForLine(listening).isEmpty(), "replica-master did not restart");
        }
        QTest::qWait(200);
        QVERIFY(slave.start(slaveArguments));
        QVERIFY2(!slave.waitForLine(live).isEmpty(), qPrintable(QStringLiteral("cycle %1: the slave did not resume").arg(cycle)));
    }

    // The writer stops; the slave converges.
    QVERIFY(!master.waitForLine(QRegularExpression(QStringLiteral("^writer finished")), 30000).isEmpty());
    QSqlDatabase masterDb = openReadOnly(QStringLiteral("master"), masterFile);
    QVERIFY2(masterDb.isOpen(), qPrintable(masterDb.lastError().text()));
    QString error;
    const QList<QVariantList> expected = tableRows(masterDb, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(expected.size() > 100);
    QList<QVariantList> replicated;
    QElapsedTimer converge;
    converge.start();
    while (converge.elapsed() < 20000) {
        error.clear();
        replicated = tableRows(openReadOnly(QStringLiteral("sampler"), slaveFile), &error);
        if (error.isEmpty() && replicated == expected)
            break;
        QTest::qWait(50);
    }
    sampler.stop();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(replicated.size(), expected.size());
    for (qsizetype i = 0; i < expected.size(); ++i)
        QCOMPARE(replicated.at(i), expected.at(i));

    qInfo("%d samples of the slave (%d could not be taken), %lld rows, %lld ms in all", samples, failedSamples,
          qint64(expected.size()), qint64(total.elapsed()));
    QVERIFY(samples > 200);
    QVERIFY2(partial.isEmpty(), qPrintable(partial.mid(0, 10).join(QLatin1String("; "))));

    QSqlDatabase::database(QStringLiteral("sampler"), false).close();
    masterDb.close();
    QVERIFY2(slave.terminate(), "replica-slave did not exit cleanly on SIGTERM");
    QVERIFY2(master.terminate(), "replica-master did not exit cleanly on SIGTERM");
}

QTEST_GUILESS_MAIN(tst_ReplicationConvergence)

#include "tst_replication_convergence.moc"
