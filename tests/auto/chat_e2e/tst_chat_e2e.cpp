// The real programs: chat-server and chat-client --console processes talking over 127.0.0.1.
// Three clients exchange messages; a client killed with SIGKILL is seen leaving; the server
// killed and restarted on the same port is rejoined by every client; the end of a client's
// input makes it leave cleanly; refused nicknames and wrong keys end a client with status 1.

#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtTest/QtTest>

#include <memory>

namespace {

// A child process whose standard output and error are kept as lines.
class Program : public QObject
{
public:
    Program(const QString &name, const QString &path, const QStringList &arguments) : m_name(name)
    {
        m_process.setProgram(path);
        m_process.setArguments(arguments);
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        m_process.setProcessEnvironment(environment);
        QObject::connect(&m_process, &QProcess::readyReadStandardOutput, this, [this] {
            collect(m_process.readAllStandardOutput(), &m_outBuffer, &m_out);
        });
        QObject::connect(&m_process, &QProcess::readyReadStandardError, this, [this] {
            collect(m_process.readAllStandardError(), &m_errBuffer, &m_err);
        });
        m_process.start();
    }
    ~Program() override
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
        if (QTest::currentTestFailed()) {
            qInfo().noquote() << m_name << "stdout:\n  " + m_out.join(QStringLiteral("\n  "));
            qInfo().noquote() << m_name << "stderr:\n  " + m_err.join(QStringLiteral("\n  "));
        }
    }

    QProcess &process() { return m_process; }
    QStringList out() const { return m_out; }
    QStringList err() const { return m_err; }

    // Lines with the "[hh:mm:ss] " of messages removed.
    QStringList untimedOut() const
    {
        static const QRegularExpression stamp(QStringLiteral("^\\[\\d\\d:\\d\\d:\\d\\d\\] "));
        QStringList result;
        for (QString line : m_out)
            result.append(line.remove(stamp));
        return result;
    }
    int count(const QString &line) const { return int(untimedOut().count(line)); }
    bool has(const QString &line) const { return untimedOut().contains(line); }

    bool waitFor(const QString &line, int timeout = 15000)
    {
        if (QTest::qWaitFor([&] { return has(line); }, timeout))
            return true;
        qWarning().noquote() << m_name << "did not print" << line << "; it printed:" << m_out << m_err;
        return false;
    }
    bool waitForCount(const QString &line, int count, int timeout = 15000)
    {
        if (QTest::qWaitFor([&] { return this->count(line) >= count; }, timeout))
            return true;
        qWarning().noquote() << m_name << "did not print" << line << count << "times; it printed:" << m_out << m_err;
        return false;
    }
    bool waitForErrorContaining(const QString &text, int timeout = 15000)
    {
        const auto found = [&] {
            for (const QString &line : m_err) {
                if (line.contains(text))
                    return true;
            }
            return false;
        };
        if (QTest::qWaitFor(found, timeout))
            return true;
        qWarning().noquote() << m_name << "did not report" << text << "; stderr:" << m_err;
        return false;
    }
    void writeLine(const QString &line) { m_process.write(line.toUtf8() + '\n'); }
    bool waitForExit(int timeout = 15000)
    {
        return QTest::qWaitFor([&] { return m_process.state() == QProcess::NotRunning; }, timeout);
    }

private:
    static void collect(const QByteArray &data, QByteArray *buffer, QStringList *lines)
    {
        buffer->append(data);
        qsizetype end;
        while ((end = buffer->indexOf('\n')) >= 0) {
            lines->append(QString::fromUtf8(buffer->left(end)));
            buffer->remove(0, end + 1);
        }
    }

    QString m_name;
    QProcess m_process;
    QByteArray m_outBuffer;
    QByteArray m_errBuffer;
    QStringList m_out;
    QStringList m_err;
};

using ProgramPointer = std::unique_ptr<Program>;

} // namespace

class tst_ChatEndToEnd : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void threeClients();
    void killedClientIsSeenLeaving();
    void serverRestart();
    void endOfInputLeaves();
    void refusals();
    void keyAndProtocol();
    void tlsServer();
    void serverOptions();

private:
    // chat-server on port (0: any free one); *port receives the port it printed.
    ProgramPointer startServer(quint16 *port, const QStringList &extra = {});
    ProgramPointer startClient(const QString &nickname, quint16 port, const QStringList &extra = {});
    ProgramPointer joinedClient(const QString &nickname, quint16 port, const QStringList &extra = {});
};

ProgramPointer tst_ChatEndToEnd::startServer(quint16 *port, const QStringList &extra)
{
    QStringList arguments{QStringLiteral("--port"), QString::number(*port)};
    arguments += extra;
    auto server = std::make_unique<Program>(QStringLiteral("chat-server"), QStringLiteral(CHAT_SERVER_PATH), arguments);
    static const QRegularExpression listening(QStringLiteral("^chat-server listening on ws://127\\.0\\.0\\.1:(\\d+)/$"));
    quint16 printed = 0;
    (void)QTest::qWaitFor([&] {
        for (const QString &line : server->out()) {
            const QRegularExpressionMatch match = listening.match(line);
            if (match.hasMatch())
                printed = quint16(match.captured(1).toUInt());
        }
        return printed != 0 || server->process().state() == QProcess::NotRunning;
    }, 15000);
    if (!printed) {
        qWarning() << "chat-server did not start:" << server->out() << server->err();
        return nullptr;
    }
    *port = printed;
    return server;
}

ProgramPointer tst_ChatEndToEnd::startClient(const QString &nickname, quint16 port, const QStringList &extra)
{
    QStringList arguments{QStringLiteral("--console"), QStringLiteral("--nick"), nickname, QStringLiteral("--host"),
                          QStringLiteral("127.0.0.1"), QStringLiteral("--port"), QString::number(port)};
    arguments += extra;
    return std::make_unique<Program>(nickname, QStringLiteral(CHAT_CLIENT_PATH), arguments);
}

ProgramPointer tst_ChatEndToEnd::joinedClient(const QString &nickname, quint16 port, const QStringList &extra)
{
    ProgramPointer client = startClient(nickname, port, extra);
    const QRegularExpression joined(QStringLiteral("^\\* joined as %1; ").arg(QRegularExpression::escape(nickname)));
    const bool ok = QTest::qWaitFor([&] { return !client->out().filter(joined).isEmpty(); }, 15000);
    if (!ok) {
        qWarning() << nickname << "did not join:" << client->out() << client->err();
        return nullptr;
    }
    return client;
}

void tst_ChatEndToEnd::threeClients()
{
    quint16 port = 0;
    ProgramPointer server = startServer(&port);
    QVERIFY(server);
    ProgramPointer alice = joinedClient(QStringLiteral("alice"), port);
    QVERIFY(alice);
    ProgramPointer bob = joinedClient(QStringLiteral("bob"), port);
    QVERIFY(bob);
    ProgramPointer carol = joinedClient(QStringLiteral("carol"), port);
    QVERIFY(carol);
    QVERIFY(carol->has(QStringLiteral("* joined as carol; 3 member(s): alice, bob, carol")));
    QVERIFY(alice->waitFor(QStringLiteral("* bob joined")));
    QVERIFY(alice->waitFor(QStringLiteral("* carol joined")));
    QVERIFY(bob->waitFor(QStringLiteral("* carol joined")));

    alice->writeLine(QStringLiteral("hello from alice"));
    bob->writeLine(QStringLiteral("hello from bob"));
    carol->writeLine(QStringLiteral("hello from carol, ünïcödé"));
    const QString fromAlice = QStringLiteral("<alice> hello from alice");
    const QString fromBob = QStringLiteral("<bob> hello from bob");
    const QString fromCarol = QStringLiteral("<carol> hello from carol, ünïcödé");
    QVERIFY(alice->waitFor(fromBob));
    QVERIFY(alice->waitFor(fromCarol));
    QVERIFY(bob->waitFor(fromAlice));
    QVERIFY(bob->waitFor(fromCarol));
    QVERIFY(carol->waitFor(fromAlice));
    QVERIFY(carol->waitFor(fromBob));
    // Nobody is sent their own messages; the lines carry the time.
    QVERIFY(!alice->has(fromAlice));
    QVERIFY(!bob->has(fromBob));
    const QString stamped = alice->out().filter(fromBob).constFirst();
    QVERIFY2(QRegularExpression(QStringLiteral("^\\[\\d\\d:\\d\\d:\\d\\d\\] <bob> hello from bob$")).match(stamped).hasMatch(),
             qPrintable(stamped));

    // /members
    bob->writeLine(QStringLiteral("/members"));
    QVERIFY(bob->waitFor(QStringLiteral("* 3 member(s): alice, bob, carol")));
    // A refused message is reported on standard error; the client stays.
    alice->writeLine(QString(2001, QLatin1Char('x')));
    QVERIFY(alice->waitForErrorContaining(QStringLiteral("! not sent: the message is 2001 characters long; at most 2000")));
    alice->writeLine(QStringLiteral("still here"));
    QVERIFY(bob->waitFor(QStringLiteral("<alice> still here")));

    // The server logged the joins (chat.server, on its standard error).
    QVERIFY(server->err().filter(QStringLiteral("chat.server: carol joined")).size() == 1);
}

void tst_ChatEndToEnd::killedClientIsSeenLeaving()
{
    quint16 port = 0;
    ProgramPointer server = startServer(&port);
    QVERIFY(server);
    ProgramPointer alice = joinedClient(QStringLiteral("alice"), port);
    ProgramPointer bob = joinedClient(QStringLiteral("bob"), port);
    ProgramPointer carol = joinedClient(QStringLiteral("carol"), port);
    QVERIFY(alice && bob && carol);
    QVERIFY(alice->waitFor(QStringLiteral("* carol joined")));

    bob->process().kill(); // SIGKILL: no goodbye, no close frame
    QVERIFY(bob->waitForExit());
    QCOMPARE(bob->process().exitStatus(), QProcess::CrashExit);
    QVERIFY(alice->waitFor(QStringLiteral("* bob left (connection lost)")));
    QVERIFY(carol->waitFor(QStringLiteral("* bob left (connection lost)")));
    carol->writeLine(QStringLiteral("bob is gone"));
    QVERIFY(alice->waitFor(QStringLiteral("<carol> bob is gone")));
    QVERIFY(server->err().filter(QStringLiteral("bob left")).constFirst().contains(QLatin1String("connection lost")));
}

void tst_ChatEndToEnd::serverRestart()
{
    quint16 port = 0;
    ProgramPointer server = startServer(&port);
    QVERIFY(server);
    ProgramPointer alice = joinedClient(QStringLiteral("alice"), port);
    ProgramPointer bob = joinedClient(QStringLiteral("bob"), port);
    ProgramPointer carol = joinedClient(QStringLiteral("carol"), port);
    QVERIFY(alice && bob && carol);
    alice->writeLine(QStringLiteral("before the restart"));
    QVERIFY(bob->waitFor(QStringLiteral("<alice> before the restart")));

    server->process().kill();
    QVERIFY(server->waitForExit());
    for (Program *client : {alice.get(), bob.get(), carol.get()}) {
        QVERIFY(QTest::qWaitFor([client] { return !client->out().filter(QStringLiteral("* connection lost")).isEmpty(); },
                                15000));
        QVERIFY(client->out().filter(QStringLiteral("* connection lost")).constFirst().endsWith(QStringLiteral("reconnecting…")));
    }
    // Typed while the server is away: kept, and sent after carol's rejoin (to whoever is back by
    // then, so nobody in particular is sure to get it).
    carol->writeLine(QStringLiteral("typed while away"));
    QTest::qWait(500);

    const quint16 samePort = port;
    ProgramPointer restarted = startServer(&port);
    QVERIFY(restarted);
    QCOMPARE(port, samePort);
    for (Program *client : {alice.get(), bob.get(), carol.get()}) {
        const QString name = client == alice.get() ? QStringLiteral("alice")
                             : client == bob.get() ? QStringLiteral("bob")
                                                   : QStringLiteral("carol");
        QVERIFY(QTest::qWaitFor([&] { return !client->out().filter(QStringLiteral("* rejoined as %1; ").arg(name)).isEmpty(); },
                                20000));
    }
    QTRY_COMPARE_WITH_TIMEOUT(restarted->err().filter(QStringLiteral(" joined (caller")).size(), 3, 10000);
    QVERIFY(carol->err().filter(QStringLiteral("not sent")).isEmpty());
    alice->writeLine(QStringLiteral("after the restart"));
    QVERIFY(bob->waitFor(QStringLiteral("<alice> after the restart")));
    QVERIFY(carol->waitFor(QStringLiteral("<alice> after the restart")));
    bob->writeLine(QStringLiteral("me too"));
    QVERIFY(alice->waitFor(QStringLiteral("<bob> me too")));
    QVERIFY(carol->waitFor(QStringLiteral("<bob> me too")));
    // No client crashed or gave up.
    for (Program *client : {alice.get(), bob.get(), carol.get()})
        QCOMPARE(client->process().state(), QProcess::Running);
}

void tst_ChatEndToEnd::endOfInputLeaves()
{
    quint16 port = 0;
    ProgramPointer server = startServer(&port);
    QVERIFY(server);
    ProgramPointer alice = joinedClient(QStringLiteral("alice"), port);
    QVERIFY(alice);
    // Lines written before the join and the end of input at once: all are sent, then it leaves.
    ProgramPointer dave = startClient(QStringLiteral("dave"), port);
    dave->writeLine(QStringLiteral("one"));
    dave->writeLine(QStringLiteral("two"));
    dave->process().write("three"); // no newline at the end
    dave->process().closeWriteChannel();
    QVERIFY(dave->waitForExit());
    QCOMPARE(dave->process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(dave->process().exitCode(), 0);
    QVERIFY(alice->waitFor(QStringLiteral("<dave> one")));
    QVERIFY(alice->waitFor(QStringLiteral("<dave> two")));
    QVERIFY(alice->waitFor(QStringLiteral("<dave> three")));
    QVERIFY(alice->waitFor(QStringLiteral("* dave left")));
    const QStringList lines = alice->untimedOut();
    QVERIFY(lines.indexOf(QStringLiteral("<dave> three")) < lines.indexOf(QStringLiteral("* dave left")));

    // /quit does the same.
    ProgramPointer erin = joinedClient(QStringLiteral("erin"), port);
    QVERIFY(erin);
    erin->writeLine(QStringLiteral("/quit"));
    QVERIFY(erin->waitForExit());
    QCOMPARE(erin->process().exitCode(), 0);
    QVERIFY(alice->waitFor(QStringLiteral("* erin left")));
}

void tst_ChatEndToEnd::refusals()
{
    quint16 port = 0;
    ProgramPointer server = startServer(&port);
    QVERIFY(server);
    ProgramPointer alice = joinedClient(QStringLiteral("alice"), port);
    QVERIFY(alice);

    struct Case
    {
        QString nickname;
        QString error;
    };
    const QList<Case> cases{
        {QStringLiteral("ALICE"), QStringLiteral("! the nickname \"alice\" is taken by another member")},
        {QString(33, QLatin1Char('z')), QStringLiteral("! the nickname is 33 characters long; at most 32 are allowed")},
        {QStringLiteral(" "), QStringLiteral("! the nickname is empty")},
        {QStringLiteral("tab\there"), QStringLiteral("! the nickname contains a control or invisible character (U+0009)")},
    };
    for (const Case &c : cases) {
        ProgramPointer client = startClient(c.nickname, port);
        QVERIFY(client->waitForExit());
        QCOMPARE(client->process().exitCode(), 1);
        QVERIFY2(client->err().contains(c.error), qPrintable(client->err().join(QLatin1Char('\n'))));
    }
    QVERIFY(alice->out().filter(QStringLiteral("joined")).size() == 1); // nobody else joined
}

void tst_ChatEndToEnd::keyAndProtocol()
{
    quint16 port = 0;
    ProgramPointer server = startServer(&port, {QStringLiteral("--key"), QStringLiteral("s3cret")});
    QVERIFY(server);
    ProgramPointer binary = joinedClient(QStringLiteral("binary"), port,
                                         {QStringLiteral("--key"), QStringLiteral("s3cret")});
    QVERIFY(binary);
    // JSON frames are not encrypted, but the key still opens the door.
    ProgramPointer json = joinedClient(QStringLiteral("json"), port,
                                       {QStringLiteral("--protocol"), QStringLiteral("json"), QStringLiteral("--key"),
                                        QStringLiteral("s3cret")});
    QVERIFY(json);
    json->writeLine(QStringLiteral("from the JSON side"));
    QVERIFY(binary->waitFor(QStringLiteral("<json> from the JSON side")));
    binary->writeLine(QStringLiteral("from the encrypted side"));
    QVERIFY(json->waitFor(QStringLiteral("<binary> from the encrypted side")));

    // A wrong key is not retried for ever: the client says why and ends.
    ProgramPointer wrong = startClient(QStringLiteral("intruder"), port, {QStringLiteral("--key"), QStringLiteral("guess")});
    QVERIFY(wrong->waitForExit(20000));
    QCOMPARE(wrong->process().exitCode(), 1);
    QVERIFY2(!wrong->err().isEmpty(), "no reason given");
    QVERIFY(!binary->has(QStringLiteral("* intruder joined")));
}

void tst_ChatEndToEnd::tlsServer()
{
    // wss:// with the test fixture's self-signed certificate.
    const QString certificate = QStringLiteral(CHAT_TLS_DIR "/server.crt");
    const QString key = QStringLiteral(CHAT_TLS_DIR "/server.key");
    Program server(QStringLiteral("chat-server"), QStringLiteral(CHAT_SERVER_PATH),
                   {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--tls-cert"), certificate,
                    QStringLiteral("--tls-key"), key});
    static const QRegularExpression listening(QStringLiteral("^chat-server listening on wss://127\\.0\\.0\\.1:(\\d+)/$"));
    quint16 port = 0;
    QVERIFY(QTest::qWaitFor([&] {
        for (const QString &line : server.out()) {
            const QRegularExpressionMatch match = listening.match(line);
            if (match.hasMatch())
                port = quint16(match.captured(1).toUInt());
        }
        return port != 0;
    }, 15000));
    // A client does not trust a self-signed certificate: it says so and ends, rather than
    // retrying for ever.
    ProgramPointer client = startClient(QStringLiteral("tls"), port, {QStringLiteral("--tls")});
    QVERIFY(client->waitForExit(20000));
    QCOMPARE(client->process().exitCode(), 1);
    QVERIFY2(!client->err().filter(QStringLiteral("TLS")).isEmpty(), qPrintable(client->err().join(QLatin1Char('\n'))));
    // Half a TLS configuration is refused at start.
    Program half(QStringLiteral("chat-server"), QStringLiteral(CHAT_SERVER_PATH),
                 {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--tls-cert"), certificate});
    QVERIFY(half.waitForExit());
    QCOMPARE(half.process().exitCode(), 2);
    QVERIFY(half.err().join(QLatin1Char('\n')).contains(QLatin1String("--tls-cert and --tls-key go together")));
}

void tst_ChatEndToEnd::serverOptions()
{
    // --help lists the shared options; a bad port is refused with status 2.
    Program help(QStringLiteral("chat-server"), QStringLiteral(CHAT_SERVER_PATH), {QStringLiteral("--help")});
    QVERIFY(help.waitForExit());
    const QString text = help.out().join(QLatin1Char('\n'));
    for (const char *option : {"--host", "--port", "--key", "--tls-cert", "--tls-key"})
        QVERIFY2(text.contains(QLatin1String(option)), option);
    Program bad(QStringLiteral("chat-server"), QStringLiteral(CHAT_SERVER_PATH), {QStringLiteral("--port"), QStringLiteral("70000")});
    QVERIFY(bad.waitForExit());
    QCOMPARE(bad.process().exitCode(), 2);

    Program clientHelp(QStringLiteral("chat-client"), QStringLiteral(CHAT_CLIENT_PATH), {QStringLiteral("--console"), QStringLiteral("--help")});
    QVERIFY(clientHelp.waitForExit());
    const QString clientText = clientHelp.out().join(QLatin1Char('\n'));
    for (const char *option : {"--console", "--nick", "--host", "--port", "--protocol", "--key", "--tls", "--screenshot"})
        QVERIFY2(clientText.contains(QLatin1String(option)), option);
}

QTEST_GUILESS_MAIN(tst_ChatEndToEnd)
#include "tst_chat_e2e.moc"
