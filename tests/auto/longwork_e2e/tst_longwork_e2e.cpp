// End to end: the real longwork-server and longwork-client --console processes. Outcomes are
// deterministic: the server's --seed decides the n-th work's duration and outcome, and the
// test draws the same plans with WorkPlanner.

#include "longworkcontracts.h"
#include "workplanner.h"

#include <Burrow/client.h>
#include <Burrow/remoteservices.h>

#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtTest/QtTest>

#include <memory>

using namespace Burrow;

namespace {

const QString serverPath = QStringLiteral(LONGWORK_SERVER);
const QString clientPath = QStringLiteral(LONGWORK_CLIENT);

// A process whose output is collected as it comes.
class Program
{
public:
    explicit Program(const QString &name) : m_name(name)
    {
        QObject::connect(&process, &QProcess::readyReadStandardOutput, [this] { out += process.readAllStandardOutput(); });
        QObject::connect(&process, &QProcess::readyReadStandardError, [this] { err += process.readAllStandardError(); });
    }
    ~Program()
    {
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished(5000);
        }
    }

    void start(const QString &path, const QStringList &arguments)
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("QT_MESSAGE_PATTERN"), QStringLiteral("%{category}: %{message}"));
        process.setProcessEnvironment(environment);
        process.start(path, arguments);
    }
    bool waitForOut(const QString &text, int milliseconds = 10000)
    {
        return QTest::qWaitFor([&] { return QString::fromUtf8(out).contains(text); }, milliseconds);
    }
    bool waitForErr(const QString &text, int milliseconds = 10000)
    {
        return QTest::qWaitFor([&] { return QString::fromUtf8(err).contains(text); }, milliseconds);
    }
    bool waitForExit(int milliseconds = 30000)
    {
        return QTest::qWaitFor([&] { return process.state() == QProcess::NotRunning; }, milliseconds);
    }
    QStringList outLines() const { return QString::fromUtf8(out).split(QLatin1Char('\n'), Qt::SkipEmptyParts); }
    QString describe() const
    {
        return QStringLiteral("%1 stdout:\n%2\n%1 stderr:\n%3").arg(m_name, QString::fromUtf8(out), QString::fromUtf8(err));
    }

    QProcess process;
    QByteArray out;
    QByteArray err;

private:
    QString m_name;
};

struct ServerProgram : Program
{
    ServerProgram() : Program(QStringLiteral("server")) {}

    // Starts it and reads the URL it prints.
    bool start(const QStringList &arguments)
    {
        Program::start(serverPath, arguments);
        if (!waitForOut(QStringLiteral("\n"), 15000))
            return false;
        const QRegularExpressionMatch match =
            QRegularExpression(QStringLiteral("^longwork-server listening on (ws://\\S+)$"), QRegularExpression::MultilineOption)
                .match(QString::fromUtf8(out));
        if (!match.hasMatch())
            return false;
        url = QUrl(match.captured(1));
        return url.port() > 0;
    }

    QUrl url;
};

struct ClientProgram : Program
{
    ClientProgram() : Program(QStringLiteral("client")) {}

    void start(const QUrl &server, const QStringList &extra = {})
    {
        QStringList arguments{QStringLiteral("--console"), QStringLiteral("--host"), server.host(),
                              QStringLiteral("--port"), QString::number(server.port()), QStringLiteral("--timeout"),
                              QStringLiteral("60000")};
        Program::start(clientPath, arguments + extra);
    }
    void write(const QString &text) { process.write(text.toUtf8()); }
};

// The server's total, asked over a connection of the test's own.
int totalWorkCount(const QUrl &url, const QString &key = QString())
{
    Client client;
    ClientSettings settings;
    settings.setPreSharedKey(key.toUtf8());
    client.setSettings(settings);
    RemoteServices services(&client);
    client.connectToServer(url);
    if (!client.waitForConnected(10000))
        return -1;
    ILongWorkService *service = services.resolve<ILongWorkService>();
    return service ? service->totalWorkCount() : -1;
}

LongWorkSettings planSettings(int workMilliseconds, double failureRate, quint32 seed)
{
    LongWorkSettings settings;
    settings.setMeanDuration(workMilliseconds);
    settings.setFailureRate(failureRate);
    settings.setSeed(seed);
    return settings;
}

} // namespace

class tst_LongWorkE2e : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fiveWorksAtOnce_data();
    void fiveWorksAtOnce();
    void killedClientDoesNotDisturbServer();
    void serverRestart();
    void badOptions();
};

void tst_LongWorkE2e::fiveWorksAtOnce_data()
{
    QTest::addColumn<QString>("protocol");
    QTest::addColumn<QString>("key");
    QTest::newRow("binary") << QStringLiteral("binary") << QString();
    QTest::newRow("json") << QStringLiteral("json") << QString();
    QTest::newRow("binary, encrypted") << QStringLiteral("binary") << QStringLiteral("longwork-secret");
}

void tst_LongWorkE2e::fiveWorksAtOnce()
{
    QFETCH(QString, protocol);
    QFETCH(QString, key);
    const int workMs = 300;
    const double failureRate = 0.4;
    const quint32 seed = 42;
    ServerProgram server;
    QStringList serverArguments{QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--work-ms"),
                                QString::number(workMs), QStringLiteral("--failure-rate"), QString::number(failureRate),
                                QStringLiteral("--seed"), QString::number(seed)};
    QStringList keyArguments;
    if (!key.isEmpty())
        keyArguments << QStringLiteral("--key") << key;
    QVERIFY2(server.start(serverArguments + keyArguments), qPrintable(server.describe()));
    QCOMPARE(server.url.host(), QStringLiteral("127.0.0.1"));

    ClientProgram client;
    client.start(server.url, QStringList{QStringLiteral("--protocol"), protocol} + keyArguments);
    const QStringList names{QStringLiteral("alpha"), QStringLiteral("bravo"), QStringLiteral("charlie"),
                            QStringLiteral("delta"), QStringLiteral("echo")};
    client.write(names.join(QLatin1Char('\n')) + QLatin1Char('\n'));
    client.process.closeWriteChannel();
    QVERIFY2(client.waitForExit(30000), qPrintable(client.describe()));
    QCOMPARE(client.process.exitStatus(), QProcess::NormalExit);
    QVERIFY2(client.process.exitCode() == 0, qPrintable(client.describe()));

    // The n-th work the server received is the n-th line: the seed decides its fate.
    WorkPlanner planner(planSettings(workMs, failureRate, seed));
    QHash<QString, WorkPlanner::Plan> plans;
    for (const QString &name : names)
        plans.insert(name, planner.next());
    const QStringList lines = client.outLines();
    QCOMPARE(lines.size(), names.size());
    const QRegularExpression finished(QStringLiteral("^finished (\\S+) (\\d+)ms$"));
    const QRegularExpression failed(QStringLiteral("^failed (\\S+): (.*)$"));
    QSet<QString> seen;
    int failures = 0;
    for (const QString &line : lines) {
        const QRegularExpressionMatch success = finished.match(line);
        const QRegularExpressionMatch failure = failed.match(line);
        QVERIFY2(success.hasMatch() || failure.hasMatch(), qPrintable(line));
        const QString name = success.hasMatch() ? success.captured(1) : failure.captured(1);
        QVERIFY2(plans.contains(name) && !seen.contains(name), qPrintable(line));
        seen.insert(name);
        const WorkPlanner::Plan plan = plans.value(name);
        if (plan.fails) {
            ++failures;
            QVERIFY2(failure.hasMatch(), qPrintable(line));
            QCOMPARE(failure.captured(2), QStringLiteral("expected random failure"));
        } else {
            QVERIFY2(success.hasMatch(), qPrintable(line));
            const int ms = success.captured(2).toInt();
            QVERIFY2(ms >= plan.duration && ms < plan.duration + 5000, qPrintable(line));
        }
    }
    QVERIFY(failures > 0 && failures < names.size()); // seed 42: both outcomes
    // The server logged each end, and counted five works.
    const auto ends = [&server] {
        const QString log = QString::fromUtf8(server.err);
        return log.count(QLatin1String(" finished in ")) + log.count(QLatin1String(" failed after "));
    };
    QVERIFY2(QTest::qWaitFor([&] { return ends() == 5; }, 5000), qPrintable(server.describe()));
    QCOMPARE(totalWorkCount(server.url, key), 5);
}

void tst_LongWorkE2e::killedClientDoesNotDisturbServer()
{
    ServerProgram server;
    QVERIFY2(server.start({QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--work-ms"),
                           QStringLiteral("1500"), QStringLiteral("--failure-rate"), QStringLiteral("0"),
                           QStringLiteral("--seed"), QStringLiteral("1")}),
             qPrintable(server.describe()));

    // Client A starts three works, then dies without a word.
    ClientProgram victim;
    victim.start(server.url);
    victim.write(QStringLiteral("a1\na2\na3\n"));
    QVERIFY2(victim.waitForErr(QStringLiteral("started a3")), qPrintable(victim.describe()));
    victim.process.kill(); // SIGKILL
    QVERIFY(victim.waitForExit(5000));
    QCOMPARE(victim.process.exitStatus(), QProcess::CrashExit);

    // Client B's works still finish.
    ClientProgram survivor;
    survivor.start(server.url);
    survivor.write(QStringLiteral("b1\nb2\n"));
    survivor.process.closeWriteChannel();
    QVERIFY2(survivor.waitForExit(30000), qPrintable(survivor.describe()));
    QVERIFY2(survivor.process.exitCode() == 0, qPrintable(survivor.describe()));
    QStringList lines = survivor.outLines();
    lines.sort();
    QCOMPARE(lines.size(), 2);
    QVERIFY2(lines.at(0).startsWith(QLatin1String("finished b1 ")), qPrintable(lines.at(0)));
    QVERIFY2(lines.at(1).startsWith(QLatin1String("finished b2 ")), qPrintable(lines.at(1)));

    // A's works ended on the server without anyone to tell; the server is fine.
    for (const char *name : {"a1", "a2", "a3"}) {
        const QRegularExpression ended(QStringLiteral("work %1 finished (after|in) \\d+ ms; its client is gone")
                                           .arg(QLatin1String(name)));
        QVERIFY2(QTest::qWaitFor([&] { return ended.match(QString::fromUtf8(server.err)).hasMatch(); }, 10000),
                 qPrintable(server.describe()));
    }
    QCOMPARE(server.process.state(), QProcess::Running);
    QCOMPARE(totalWorkCount(server.url), 5);
    QVERIFY2(!server.err.contains("warning") && !server.err.contains("critical"), qPrintable(server.describe()));

    // And it stops cleanly when asked.
    server.process.terminate(); // SIGTERM
    QVERIFY(server.waitForExit(10000));
    QCOMPARE(server.process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(server.process.exitCode(), 0);
    QVERIFY2(server.err.contains("stopped after 5 works"), qPrintable(server.describe()));
}

void tst_LongWorkE2e::serverRestart()
{
    auto first = std::make_unique<ServerProgram>();
    QVERIFY2(first->start({QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--work-ms"),
                           QStringLiteral("60000"), QStringLiteral("--failure-rate"), QStringLiteral("0")}),
             qPrintable(first->describe()));
    const QUrl url = first->url;

    ClientProgram client;
    client.start(url);
    client.write(QStringLiteral("one\n"));
    QVERIFY2(client.waitForErr(QStringLiteral("started one")), qPrintable(client.describe()));

    // The server is killed with the work running: the client says so and keeps going.
    first->process.kill();
    QVERIFY(first->waitForExit(5000));
    QVERIFY2(client.waitForOut(QStringLiteral("failed one: connection lost\n")), qPrintable(client.describe()));
    QVERIFY2(client.waitForErr(QStringLiteral("connection lost")), qPrintable(client.describe()));
    QVERIFY2(client.waitForErr(QStringLiteral("reconnecting")), qPrintable(client.describe()));
    QCOMPARE(client.process.state(), QProcess::Running);

    // Restarted on the same port, the client reconnects and runs the next work.
    ServerProgram second;
    QVERIFY2(second.start({QStringLiteral("--port"), QString::number(url.port()), QStringLiteral("--work-ms"),
                           QStringLiteral("300"), QStringLiteral("--failure-rate"), QStringLiteral("0")}),
             qPrintable(second.describe()));
    client.write(QStringLiteral("two\n"));
    client.process.closeWriteChannel();
    QVERIFY2(client.waitForExit(30000), qPrintable(client.describe()));
    QCOMPARE(client.process.exitStatus(), QProcess::NormalExit);
    QVERIFY2(client.process.exitCode() == 0, qPrintable(client.describe()));
    const QStringList lines = client.outLines();
    QCOMPARE(lines.size(), 2);
    QCOMPARE(lines.at(0), QStringLiteral("failed one: connection lost"));
    QVERIFY2(QRegularExpression(QStringLiteral("^finished two \\d+ms$")).match(lines.at(1)).hasMatch(), qPrintable(lines.at(1)));
    QCOMPARE(totalWorkCount(second.url), 1);
}

void tst_LongWorkE2e::badOptions()
{
    for (const QStringList &arguments : {QStringList{QStringLiteral("--failure-rate"), QStringLiteral("1.5")},
                                         QStringList{QStringLiteral("--work-ms"), QStringLiteral("soon")},
                                         QStringList{QStringLiteral("--port"), QStringLiteral("70000")}}) {
        QProcess process;
        process.start(serverPath, arguments);
        QVERIFY(process.waitForFinished(10000));
        QCOMPARE(process.exitCode(), 2);
        QVERIFY(!process.readAllStandardError().isEmpty());
    }
    QProcess client;
    client.start(clientPath, {QStringLiteral("--console"), QStringLiteral("--protocol"), QStringLiteral("xml")});
    QVERIFY(client.waitForFinished(10000));
    QCOMPARE(client.exitCode(), 2);
    QVERIFY(client.readAllStandardError().contains("--protocol"));
}

QTEST_GUILESS_MAIN(tst_LongWorkE2e)
#include "tst_longwork_e2e.moc"
