// Wrong keys, tampered and replayed frames against the real server executables: chat-server,
// longwork-server and replica-master are started with --key on a port they pick (--port 0, the
// URL read from their "listening on" line). A client holding the wrong key (or none) is refused
// at upgrade with HTTP 401; a tampered or a replayed frame on an encrypted session closes that
// connection with 1008; after each, the server still serves a client holding the right key.

#include "transporttest.h"

#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>

using namespace Burrow;
using namespace BurrowTest;
using namespace Qt::StringLiterals;

namespace {

const QByteArray Key = "e2e key: the right one";

// One server executable, stopped (SIGTERM, then SIGKILL) when destroyed.
class ServerProcess
{
public:
    ~ServerProcess()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(10000))
            m_process.kill();
        m_process.waitForFinished(5000);
    }

    bool start(const QString &name, const QString &directory)
    {
        QStringList arguments = {u"--port"_s, u"0"_s, u"--key"_s, QString::fromLatin1(Key)};
        if (name == u"chat-server") {
            m_process.setProgram(QStringLiteral(CHAT_SERVER));
        } else if (name == u"longwork-server") {
            m_process.setProgram(QStringLiteral(LONGWORK_SERVER));
            arguments += {u"--work-ms"_s, u"50"_s};
        } else {
            m_process.setProgram(QStringLiteral(REPLICA_MASTER));
            arguments += {u"--db"_s, directory + u"/master.sqlite"_s, u"--status-interval"_s, u"0"_s};
        }
        m_process.setArguments(arguments);
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        QObject::connect(&m_process, &QProcess::readyRead, &m_process, [this] { m_output += m_process.readAll(); });
        m_process.start();
        if (!m_process.waitForStarted(10000))
            return false;
        static const QRegularExpression listening(u"listening on (ws://\\S+)"_s);
        if (!QTest::qWaitFor([&] { return listening.match(QString::fromUtf8(m_output)).hasMatch()
                                          || m_process.state() == QProcess::NotRunning; }, 30000)) {
            return false;
        }
        const QRegularExpressionMatch match = listening.match(QString::fromUtf8(m_output));
        if (!match.hasMatch())
            return false;
        m_url = QUrl(match.captured(1));
        return m_url.port() > 0;
    }

    QUrl url() const { return m_url; }
    bool isRunning() const { return m_process.state() == QProcess::Running; }
    QByteArray output() const { return m_output; }

private:
    QProcess m_process;
    QByteArray m_output;
    QUrl m_url;
};

// The registry's built-in "burrow.services" call, answered by every Burrow server.
bool servesCorrectClient(const QUrl &url, const QString &subprotocol, QString *why)
{
    Client client;
    ClientSettings settings;
    settings.setSubprotocol(subprotocol);
    settings.setPreSharedKey(Key);
    settings.setAnswerTimeout(20000);
    client.setSettings(settings);
    client.connectToServer(url);
    if (!client.waitForConnected(20000)) {
        *why = u"right key refused: "_s + client.errorString();
        return false;
    }
    const Message answer = client.callAndWait(u"burrow"_s, u"services"_s, {});
    if (answer.type() != Message::Type::Answer || !answer.result().isArray() || answer.result().toArray().isEmpty()) {
        *why = u"unexpected answer to burrow.services: type %1, error %2"_s.arg(int(answer.type()))
                   .arg(errorCodeName(answer.errorCode()));
        return false;
    }
    return true;
}

} // namespace

class tst_ReliabilityE2e : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void wrongKeyRefused_data();
    void wrongKeyRefused();
    void tamperedFrameCloses_data();
    void tamperedFrameCloses();
    void replayedFrameCloses_data();
    void replayedFrameCloses();

private:
    static void addServerRows();
    QTemporaryDir m_directory;
};

void tst_ReliabilityE2e::addServerRows()
{
    QTest::addColumn<QString>("server");
    QTest::newRow("chat-server") << u"chat-server"_s;
    QTest::newRow("longwork-server") << u"longwork-server"_s;
    QTest::newRow("replica-master") << u"replica-master"_s;
}

void tst_ReliabilityE2e::wrongKeyRefused_data()
{
    addServerRows();
}

void tst_ReliabilityE2e::wrongKeyRefused()
{
    QFETCH(QString, server);
    ServerProcess process;
    QVERIFY2(process.start(server, m_directory.path()), process.output().constData());

    struct Attempt
    {
        QString subprotocol;
        QByteArray key;
        QString reason; // docs/PROTOCOL.md, section 2
    };
    const QString wrong = u"wrong pre-shared key"_s;
    const QString missing = u"this server requires a pre-shared key"_s;
    const QList<Attempt> attempts = {
        {QString::fromLatin1(BinarySubprotocol), "not the server's key", wrong},
        {QString::fromLatin1(JsonSubprotocol), "not the server's key", wrong},
        {QString::fromLatin1(BinarySubprotocol), QByteArray(), missing},
        {QString::fromLatin1(JsonSubprotocol), QByteArray(), missing},
    };
    for (const Attempt &attempt : attempts) {
        Client client;
        ClientSettings settings;
        settings.setSubprotocol(attempt.subprotocol);
        settings.setPreSharedKey(attempt.key);
        // Refused keys are not retried, even with automatic reconnection (docs/PROTOCOL.md).
        settings.setReconnect(ClientSettings::Reconnect::Automatically);
        settings.setReconnectInitialDelay(20);
        client.setSettings(settings);
        QSignalSpy errors(&client, &Client::errorOccurred);
        client.connectToServer(process.url());
        QVERIFY(!client.waitForConnected(20000));
        QCOMPARE(client.error(), ErrorCode::Unauthorized);
        QVERIFY2(client.errorString().contains(u"401"_s), qPrintable(client.errorString()));
        QVERIFY2(client.errorString().contains(attempt.reason), qPrintable(client.errorString()));
        QTest::qWait(200);
        QCOMPARE(client.state(), Client::State::Disconnected);
        QCOMPARE(errors.size(), 1);
    }

    // The same, written by hand: the HTTP status and reason of the refusal.
    RawHttp raw;
    QVERIFY(raw.connectTo(quint16(process.url().port())));
    const QByteArray nonce = PreSharedKey::randomNonce();
    raw.send(RawHttp::upgradeRequest(BinarySubprotocol,
                                     {{"Burrow-Nonce", nonce.toBase64()},
                                      {"Burrow-Proof", PreSharedKey("another key").clientProof(nonce).toBase64()}}));
    const HttpReply reply = raw.waitForReply(20000);
    QCOMPARE(reply.status, 401);
    QCOMPARE(reply.reason, QByteArray("wrong pre-shared key"));
    QVERIFY(raw.waitForDisconnected(20000));

    QVERIFY(process.isRunning());
    QString why;
    QVERIFY2(servesCorrectClient(process.url(), QString::fromLatin1(BinarySubprotocol), &why), qPrintable(why));
    QVERIFY2(servesCorrectClient(process.url(), QString::fromLatin1(JsonSubprotocol), &why), qPrintable(why));
}

void tst_ReliabilityE2e::tamperedFrameCloses_data()
{
    addServerRows();
}

void tst_ReliabilityE2e::tamperedFrameCloses()
{
    QFETCH(QString, server);
    ServerProcess process;
    QVERIFY2(process.start(server, m_directory.path()), process.output().constData());

    // Each part of the envelope: sequence number, ciphertext, authentication tag.
    for (const int offset : {3, 12, -1}) {
        RawWebSocket raw(QString::fromLatin1(BinarySubprotocol), Key);
        QVERIFY2(raw.open(process.url(), 20000), qPrintable(raw.errorString));
        QVERIFY(raw.helloReceived);
        raw.send(Message::request(1, u"burrow"_s, u"services"_s, {}));
        QVERIFY(raw.waitForMessages(1, 20000));
        QCOMPARE(raw.messages.at(0).type(), Message::Type::Answer);

        QByteArray frame = raw.seal(raw.encode(Message::request(2, u"burrow"_s, u"services"_s, {})));
        const qsizetype at = offset >= 0 ? offset : frame.size() + offset;
        frame[at] = char(frame.at(at) ^ 0x04);
        raw.socket.sendBinaryMessage(frame);
        QVERIFY(raw.waitForDisconnected(20000));
        QCOMPARE(raw.closeCode(), int(QWebSocketProtocol::CloseCodePolicyViolated));
        QCOMPARE(raw.messages.size(), 1); // the tampered request was never answered
    }

    QVERIFY(process.isRunning());
    QString why;
    QVERIFY2(servesCorrectClient(process.url(), QString::fromLatin1(BinarySubprotocol), &why), qPrintable(why));
}

void tst_ReliabilityE2e::replayedFrameCloses_data()
{
    addServerRows();
}

void tst_ReliabilityE2e::replayedFrameCloses()
{
    QFETCH(QString, server);
    ServerProcess process;
    QVERIFY2(process.start(server, m_directory.path()), process.output().constData());

    RawWebSocket raw(QString::fromLatin1(BinarySubprotocol), Key);
    QVERIFY2(raw.open(process.url(), 20000), qPrintable(raw.errorString));
    const QByteArray frame = raw.seal(raw.encode(Message::request(1, u"burrow"_s, u"services"_s, {})));
    raw.socket.sendBinaryMessage(frame);
    QVERIFY(raw.waitForMessages(1, 20000));
    QCOMPARE(raw.messages.at(0).type(), Message::Type::Answer);

    raw.socket.sendBinaryMessage(frame); // the same sealed frame again
    QVERIFY(raw.waitForDisconnected(20000));
    QCOMPARE(raw.closeCode(), int(QWebSocketProtocol::CloseCodePolicyViolated));
    QCOMPARE(raw.messages.size(), 1);

    // A frame replayed on another session (other session keys) fails authentication too.
    RawWebSocket other(QString::fromLatin1(BinarySubprotocol), Key);
    QVERIFY2(other.open(process.url(), 20000), qPrintable(other.errorString));
    other.socket.sendBinaryMessage(frame);
    QVERIFY(other.waitForDisconnected(20000));
    QCOMPARE(other.closeCode(), int(QWebSocketProtocol::CloseCodePolicyViolated));
    QVERIFY(other.messages.isEmpty());

    QVERIFY(process.isRunning());
    QString why;
    QVERIFY2(servesCorrectClient(process.url(), QString::fromLatin1(BinarySubprotocol), &why), qPrintable(why));
}

QTEST_GUILESS_MAIN(tst_ReliabilityE2e)
#include "tst_reliability_e2e.moc"
