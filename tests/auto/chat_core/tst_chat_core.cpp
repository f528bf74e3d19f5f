// ChatService's rules (every nickname and message refusal), broadcast, and leaving (on purpose,
// by releasing the callback, by losing the connection): in-process through the explicit-caller
// API, then over a real Server and Clients (ChatSession and bare RemoteServices), with a
// server restart that the sessions survive.

#include "chattestsupport.h"

#include "chatcontracts_burrow.h"
#include "chatformat.h"
#include "chatrules.h"

#include <Burrow/client.h>
#include <Burrow/connection.h>
#include <Burrow/remoteservices.h>

using namespace ChatTest;
using Error = ChatResult::Error;

class tst_ChatCore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void nicknameRules_data();
    void nicknameRules();
    void messageRules_data();
    void messageRules();
    void duplicateNickname();
    void joinTwiceAndSayWithoutJoining();
    void noCallback();
    void broadcastInProcess();
    void leaveInProcess();
    void releaseInProcess();
    void markedReleasedIsSkipped();
    void statistics();
    void formatting();

    void remoteRules();
    void remoteBroadcast_data() { addSubprotocolRows(); }
    void remoteBroadcast();
    void remoteLeaveOnClose();
    void remoteLeaveOnRelease();
    void remoteLeaveOnConnectionClose();
    void remoteTimestamps();
    void sendWhenNotJoined();
    void serverRestart();
    void serverMissing();

    void callsToReleasedCallbacksDoNotWarn();
};

// ---- in-process ------------------------------------------------------------------------------

void tst_ChatCore::nicknameRules_data()
{
    QTest::addColumn<QString>("nickname");
    QTest::addColumn<Error>("error");
    QTest::addColumn<QString>("mention");
    QTest::newRow("plain") << QStringLiteral("alice") << Error::NoError << QString();
    QTest::newRow("spaces inside") << QStringLiteral("alice smith") << Error::NoError << QString();
    QTest::newRow("accents") << QStringLiteral("Zoë Ørsted") << Error::NoError << QString();
    QTest::newRow("32 characters") << QString(32, QLatin1Char('x')) << Error::NoError << QString();
    QTest::newRow("32 with emoji") << QString(31, QLatin1Char('x')) + QStringLiteral("\U0001F600") << Error::NoError << QString();
    QTest::newRow("trimmed to 32") << QStringLiteral("  ") + QString(32, QLatin1Char('x')) + QStringLiteral(" ")
                                   << Error::NoError << QString();
    QTest::newRow("empty") << QString() << Error::NicknameEmpty << QStringLiteral("empty");
    QTest::newRow("blank") << QStringLiteral(" \t ") << Error::NicknameEmpty << QStringLiteral("empty");
    QTest::newRow("33 characters") << QString(33, QLatin1Char('x')) << Error::NicknameTooLong
                                   << QStringLiteral("33 characters long; at most 32");
    QTest::newRow("2000 characters") << QString(2000, QLatin1Char('x')) << Error::NicknameTooLong
                                     << QStringLiteral("at most 32");
    QTest::newRow("escape") << QStringLiteral("bad\x1b[31mred") << Error::NicknameInvalid << QStringLiteral("U+001B");
    QTest::newRow("newline") << QStringLiteral("two\nlines") << Error::NicknameInvalid << QStringLiteral("U+000A");
    QTest::newRow("nul") << QStringLiteral("a") + QChar(0) + QStringLiteral("b") << Error::NicknameInvalid
                         << QStringLiteral("U+0000");
    QTest::newRow("C1 control") << QStringLiteral("a\u0085b") << Error::NicknameInvalid << QStringLiteral("U+0085");
    QTest::newRow("delete") << QStringLiteral("a\x7f") << Error::NicknameInvalid << QStringLiteral("U+007F");
    QTest::newRow("right-to-left override") << QStringLiteral("ali\u202Eecila") << Error::NicknameInvalid
                                            << QStringLiteral("U+202E");
    QTest::newRow("zero-width joiner") << QStringLiteral("al\u200Dice") << Error::NicknameInvalid
                                       << QStringLiteral("U+200D");
    QTest::newRow("line separator") << QStringLiteral("a\u2028b") << Error::NicknameInvalid << QStringLiteral("U+2028");
    QTest::newRow("lone surrogate") << QStringLiteral("a") + QChar(0xD800) << Error::NicknameInvalid
                                    << QStringLiteral("U+D800");
}

void tst_ChatCore::nicknameRules()
{
    QFETCH(QString, nickname);
    QFETCH(Error, error);
    QFETCH(QString, mention);

    ChatService service;
    auto recorder = QSharedPointer<Recorder>::create();
    const ChatResult result = service.joinAs(1, nickname, recorder);
    QCOMPARE(result.error, error);
    QVERIFY2(result.errorString.contains(mention), qPrintable(result.errorString));
    if (error == Error::NoError) {
        QVERIFY(result.errorString.isEmpty());
        QCOMPARE(result.members, QStringList{nickname.trimmed()});
        QVERIFY(result.time.isValid());
        QCOMPARE(service.members(), QStringList{nickname.trimmed()});
    } else {
        QVERIFY(result.members.isEmpty());
        QVERIFY(service.members().isEmpty());
        QCOMPARE(service.statistics().refusals, 1u);
    }
    // The shared check says the same.
    QCOMPARE(ChatRules::checkNickname(nickname).error, error);
}

void tst_ChatCore::messageRules_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<Error>("error");
    QTest::addColumn<QString>("mention");
    QTest::newRow("plain") << QStringLiteral("hello") << Error::NoError << QString();
    QTest::newRow("one character") << QStringLiteral("x") << Error::NoError << QString();
    QTest::newRow("2000 characters") << QString(2000, QLatin1Char('x')) << Error::NoError << QString();
    QTest::newRow("2000 emoji") << QString(2000, QLatin1Char('x')).replace(QLatin1Char('x'), QStringLiteral("\U0001F600"))
                                << Error::NoError << QString();
    QTest::newRow("tabs and unicode") << QStringLiteral("a\tb — ünï") << Error::NoError << QString();
    QTest::newRow("empty") << QString() << Error::MessageEmpty << QStringLiteral("empty");
    QTest::newRow("blank") << QStringLiteral("   ") << Error::MessageEmpty << QStringLiteral("empty");
    QTest::newRow("2001 characters") << QString(2001, QLatin1Char('x')) << Error::MessageTooLong
                                     << QStringLiteral("2001 characters long; at most 2000");
    QTest::newRow("100000 characters") << QString(100000, QLatin1Char('x')) << Error::MessageTooLong
                                       << QStringLiteral("at most 2000");
}

void tst_ChatCore::messageRules()
{
    QFETCH(QString, text);
    QFETCH(Error, error);
    QFETCH(QString, mention);

    ChatService service;
    auto alice = QSharedPointer<Recorder>::create();
    auto bob = QSharedPointer<Recorder>::create();
    QVERIFY(service.joinAs(1, QStringLiteral("alice"), alice).isOk());
    QVERIFY(service.joinAs(2, QStringLiteral("bob"), bob).isOk());
    bob->clear();
    const ChatResult result = service.sayAs(1, text);
    QCOMPARE(result.error, error);
    QVERIFY2(result.errorString.contains(mention), qPrintable(result.errorString));
    if (error == Error::NoError) {
        QCOMPARE(bob->events(), QStringList{QStringLiteral("msg alice: ") + text});
        QVERIFY(result.time.isValid());
        QCOMPARE(result.time, bob->lastTime());
    } else {
        QVERIFY(bob->events().isEmpty());
    }
    QVERIFY(alice->events().contains(QStringLiteral("joined bob")));
    QCOMPARE(alice->events().size(), 1); // never its own message
}

void tst_ChatCore::duplicateNickname()
{
    ChatService service;
    auto first = QSharedPointer<Recorder>::create();
    QVERIFY(service.joinAs(1, QStringLiteral("Alice"), first).isOk());
    for (const QString &nickname : {QStringLiteral("Alice"), QStringLiteral("alice"), QStringLiteral("ALICE"),
                                    QStringLiteral(" alice "), QStringLiteral("aLiCe")}) {
        const ChatResult result = service.joinAs(2, nickname, QSharedPointer<Recorder>::create());
        QCOMPARE(result.error, Error::NicknameTaken);
        QVERIFY2(result.errorString.contains(QLatin1String("\"Alice\" is taken")), qPrintable(result.errorString));
    }
    // Case folding, not just lower case: final sigma and sigma are the same letter.
    QVERIFY(service.joinAs(3, QStringLiteral("Σίσυφος"), QSharedPointer<Recorder>::create()).isOk());
    QCOMPARE(service.joinAs(4, QStringLiteral("ΣΊΣΥΦΟΣ"), QSharedPointer<Recorder>::create()).error, Error::NicknameTaken);
    QCOMPARE(service.members(), (QStringList{QStringLiteral("Alice"), QStringLiteral("Σίσυφος")}));
    // Free again once its holder left.
    QVERIFY(service.leaveAs(1));
    QVERIFY(service.joinAs(2, QStringLiteral("alice"), QSharedPointer<Recorder>::create()).isOk());
    QCOMPARE(service.members(), (QStringList{QStringLiteral("alice"), QStringLiteral("Σίσυφος")}));
}

void tst_ChatCore::joinTwiceAndSayWithoutJoining()
{
    ChatService service;
    const ChatResult notJoined = service.sayAs(7, QStringLiteral("hello?"));
    QCOMPARE(notJoined.error, Error::NotJoined);
    QVERIFY(!notJoined.errorString.isEmpty());
    QVERIFY(service.joinAs(7, QStringLiteral("carol"), QSharedPointer<Recorder>::create()).isOk());
    const ChatResult twice = service.joinAs(7, QStringLiteral("caroline"), QSharedPointer<Recorder>::create());
    QCOMPARE(twice.error, Error::AlreadyJoined);
    QVERIFY2(twice.errorString.contains(QLatin1String("\"carol\"")), qPrintable(twice.errorString));
    QCOMPARE(service.members(), QStringList{QStringLiteral("carol")});
    QVERIFY(!service.leaveAs(8));
    QVERIFY(service.leaveAs(7));
    QVERIFY(!service.leaveAs(7));
    QCOMPARE(service.sayAs(7, QStringLiteral("gone")).error, Error::NotJoined);
}

void tst_ChatCore::noCallback()
{
    ChatService service;
    QCOMPARE(service.joinAs(1, QStringLiteral("dave"), {}).error, Error::NoCallback);
    QCOMPARE(service.joinAs(ChatService::anonymousCaller, QStringLiteral("dave"), QSharedPointer<Recorder>::create()).error,
             Error::NoCallback);
    QVERIFY(service.members().isEmpty());
}

void tst_ChatCore::broadcastInProcess()
{
    ChatService service;
    auto alice = QSharedPointer<Recorder>::create();
    auto bob = QSharedPointer<Recorder>::create();
    auto carol = QSharedPointer<Recorder>::create();
    const ChatResult a = service.joinAs(1, QStringLiteral("alice"), alice);
    QCOMPARE(a.members, QStringList{QStringLiteral("alice")});
    const ChatResult b = service.joinAs(2, QStringLiteral("bob"), bob);
    QCOMPARE(b.members, (QStringList{QStringLiteral("alice"), QStringLiteral("bob")}));
    // IChatService itself acts for the local caller (no CallContext): a third member.
    QCOMPARE(ChatService::currentCaller(), ChatService::localCaller);
    const ChatResult c = service.join(QStringLiteral("Carol"), carol);
    QCOMPARE(c.members, (QStringList{QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("Carol")}));

    QVERIFY(service.sayAs(1, QStringLiteral("hi all")).isOk());
    QVERIFY(service.sayAs(2, QStringLiteral("hi alice")).isOk());
    QVERIFY(service.say(QStringLiteral("hello from carol")).isOk());

    QCOMPARE(alice->events(), (QStringList{QStringLiteral("joined bob"), QStringLiteral("joined Carol"),
                                           QStringLiteral("msg bob: hi alice"), QStringLiteral("msg Carol: hello from carol")}));
    QCOMPARE(bob->events(), (QStringList{QStringLiteral("joined Carol"), QStringLiteral("msg alice: hi all"),
                                         QStringLiteral("msg Carol: hello from carol")}));
    QCOMPARE(carol->events(), (QStringList{QStringLiteral("msg alice: hi all"), QStringLiteral("msg bob: hi alice")}));
}

void tst_ChatCore::leaveInProcess()
{
    ChatService service;
    auto alice = QSharedPointer<Recorder>::create();
    auto bob = QSharedPointer<Recorder>::create();
    QVERIFY(service.joinAs(1, QStringLiteral("alice"), alice).isOk());
    QVERIFY(service.joinAs(2, QStringLiteral("bob"), bob).isOk());
    service.leaveAs(2);
    QCOMPARE(alice->events().last(), QStringLiteral("left bob ()"));
    QVERIFY(service.joinAs(3, QStringLiteral("carol"), QSharedPointer<Recorder>::create()).isOk());
    service.leaveAs(3, ChatService::connectionLostReason());
    QCOMPARE(alice->events().last(), QStringLiteral("left carol (connection lost)"));
    // Gone members hear nothing more.
    bob->clear();
    QVERIFY(service.sayAs(1, QStringLiteral("anyone?")).isOk());
    QVERIFY(bob->events().isEmpty());
    QCOMPARE(service.members(), QStringList{QStringLiteral("alice")});
}

void tst_ChatCore::releaseInProcess()
{
    ChatService service;
    auto alice = QSharedPointer<Recorder>::create();
    auto bob = QSharedPointer<Recorder>::create();
    QVERIFY(service.joinAs(1, QStringLiteral("alice"), alice).isOk());
    QVERIFY(service.joinAs(2, QStringLiteral("bob"), bob).isOk());
    // The registry's release convention, called by hand: an unknown callback changes nothing.
    Recorder stranger;
    service.callbackReleased(&stranger, QStringLiteral("ChatCallback"));
    QCOMPARE(service.members().size(), 2);
    service.callbackReleased(bob.data(), QStringLiteral("ChatCallback"));
    QCOMPARE(service.members(), QStringList{QStringLiteral("alice")});
    QCOMPARE(alice->events().last(), QStringLiteral("left bob ()"));
}

void tst_ChatCore::markedReleasedIsSkipped()
{
    // What registerWith() wires to the registry's callbackReleased() signal: the member is
    // skipped at once, and leaves when callbackReleased() runs.
    ChatService service;
    auto alice = QSharedPointer<Recorder>::create();
    auto bob = QSharedPointer<Recorder>::create();
    QVERIFY(service.joinAs(1, QStringLiteral("alice"), alice).isOk());
    QVERIFY(service.joinAs(2, QStringLiteral("bob"), bob).isOk());
    service.markReleased(bob.data());
    QVERIFY(service.sayAs(1, QStringLiteral("bob, are you there?")).isOk());
    QVERIFY(bob->events().isEmpty());
    QCOMPARE(service.statistics().deliveries, 0u);
    QCOMPARE(service.members().size(), 2);
    service.callbackReleased(bob.data(), QStringLiteral("ChatCallback"));
    QCOMPARE(service.members(), QStringList{QStringLiteral("alice")});
    // The flag went with the member: a new member at the same address is not skipped.
    bob.reset();
    auto carol = QSharedPointer<Recorder>::create();
    QVERIFY(service.joinAs(3, QStringLiteral("carol"), carol).isOk());
    QVERIFY(service.sayAs(1, QStringLiteral("hi carol")).isOk());
    QCOMPARE(carol->events(), QStringList{QStringLiteral("msg alice: hi carol")});
}

void tst_ChatCore::statistics()
{
    ChatService service;
    QVERIFY(service.joinAs(1, QStringLiteral("a"), QSharedPointer<Recorder>::create()).isOk());
    QVERIFY(service.joinAs(2, QStringLiteral("b"), QSharedPointer<Recorder>::create()).isOk());
    QVERIFY(service.joinAs(3, QStringLiteral("c"), QSharedPointer<Recorder>::create()).isOk());
    QVERIFY(service.sayAs(1, QStringLiteral("one")).isOk());
    QVERIFY(service.sayAs(2, QStringLiteral("two")).isOk());
    QVERIFY(!service.sayAs(2, QString()).isOk());
    service.leaveAs(3);
    const ChatService::Statistics s = service.statistics();
    QCOMPARE(s.members, 2);
    QCOMPARE(s.joins, 3u);
    QCOMPARE(s.leaves, 1u);
    QCOMPARE(s.messages, 2u);
    QCOMPARE(s.deliveries, 4u);
    QCOMPARE(s.refusals, 1u);
}

void tst_ChatCore::formatting()
{
    const QDateTime time(QDate(2024, 5, 6), QTime(12, 1, 2));
    QCOMPARE(ChatFormat::messageLine(time, QStringLiteral("alice"), QStringLiteral("hello")),
             QStringLiteral("[12:01:02] <alice> hello"));
    QCOMPARE(ChatFormat::joinedLine(QStringLiteral("bob")), QStringLiteral("* bob joined"));
    QCOMPARE(ChatFormat::leftLine(QStringLiteral("bob"), QStringLiteral("connection lost")),
             QStringLiteral("* bob left (connection lost)"));
    QCOMPARE(ChatFormat::leftLine(QStringLiteral("bob"), QString()), QStringLiteral("* bob left"));
    // A message cannot end the line or move the terminal's cursor.
    QCOMPARE(ChatFormat::printable(QStringLiteral("a\nb\x1b[2Jc\td")), QStringLiteral("a\uFFFDb\uFFFD[2Jc\td"));
    QCOMPARE(ChatRules::characterCount(QStringLiteral("a\U0001F600b")), 3);
}

// ---- over a real server ---------------------------------------------------------------------

void tst_ChatCore::remoteRules()
{
    ChatServer server;
    QVERIFY(server.start());
    Participant alice;
    QVERIFY(alice.join(server.url(), QStringLiteral("alice")));

    // Refused nicknames: the session stops and says why.
    struct Case
    {
        QString nickname;
        QString mention;
    };
    const QList<Case> cases{
        {QString(), QStringLiteral("empty")},
        {QString(33, QLatin1Char('n')), QStringLiteral("at most 32")},
        {QStringLiteral("bell\a"), QStringLiteral("U+0007")},
        {QStringLiteral("ALICE"), QStringLiteral("\"alice\" is taken")},
    };
    for (const Case &c : cases) {
        Participant other;
        QVERIFY(!other.join(server.url(), c.nickname));
        QCOMPARE(other.session.state(), ChatSession::State::Disconnected);
        QCOMPARE(other.session.error(), ChatSession::Error::JoinRefused);
        QVERIFY2(other.session.errorString().contains(c.mention), qPrintable(other.session.errorString()));
        QVERIFY(other.lines().last().startsWith(QLatin1String("! ")));
    }

    // Refused messages: the session stays joined.
    Participant bob;
    QVERIFY(bob.join(server.url(), QStringLiteral("bob")));
    QVERIFY(bob.session.send(QString(2001, QLatin1Char('m'))));
    QTRY_COMPARE(bob.errors.size(), 1);
    QCOMPARE(bob.errors.constFirst(), ChatSession::Error::SendRefused);
    QVERIFY2(bob.session.errorString().contains(QLatin1String("2001 characters long; at most 2000")),
             qPrintable(bob.session.errorString()));
    QVERIFY(bob.session.send(QStringLiteral("   ")));
    QTRY_COMPARE(bob.errors.size(), 2);
    QVERIFY2(bob.session.errorString().contains(QLatin1String("empty")), qPrintable(bob.session.errorString()));
    QVERIFY(bob.session.isJoined());
    QVERIFY(bob.session.send(QString(2000, QLatin1Char('m'))));
    QTRY_VERIFY(alice.saw(QStringLiteral("<bob> ") + QString(2000, QLatin1Char('m'))));
    QCOMPARE(server.service->statistics().refusals, 6u);
}

void tst_ChatCore::remoteBroadcast()
{
    QFETCH(QString, subprotocol);
    ChatServer server;
    QVERIFY(server.start());
    Participant alice(subprotocol), bob(subprotocol), carol(subprotocol);
    QVERIFY(alice.join(server.url(), QStringLiteral("alice")));
    QVERIFY(bob.join(server.url(), QStringLiteral("bob")));
    QVERIFY(carol.join(server.url(), QStringLiteral("carol")));
    QCOMPARE(carol.session.members(), (QStringList{QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("carol")}));
    QTRY_COMPARE(alice.session.members(), carol.session.members());
    QTRY_COMPARE(bob.session.members(), carol.session.members());
    QTRY_VERIFY(alice.saw(QStringLiteral("* bob joined")));
    QTRY_VERIFY(alice.saw(QStringLiteral("* carol joined")));

    QVERIFY(alice.session.send(QStringLiteral("hello from alice")));
    QVERIFY(bob.session.send(QStringLiteral("hello from bob")));
    QVERIFY(carol.session.send(QStringLiteral("hello from carol — ünïcödé \U0001F600")));

    const QString fromAlice = QStringLiteral("<alice> hello from alice");
    const QString fromBob = QStringLiteral("<bob> hello from bob");
    const QString fromCarol = QStringLiteral("<carol> hello from carol — ünïcödé \U0001F600");
    for (Participant *p : {&alice, &bob, &carol}) {
        // Everyone has all three: the others' received, its own acknowledged.
        QTRY_VERIFY2(p->saw(fromAlice) && p->saw(fromBob) && p->saw(fromCarol),
                     qPrintable(p->lines().join(QLatin1Char('\n'))));
    }
    // Own messages come once, as acknowledged ones.
    QCOMPARE(alice.untimedLines().count(fromAlice), 1);
    QCOMPARE(alice.history.entry(int(alice.lines().size()) - 1).kind == ChatHistoryModel::Kind::Message
                 || alice.history.entry(int(alice.lines().size()) - 1).kind == ChatHistoryModel::Kind::OwnMessage,
             true);
    QCOMPARE(server.service->statistics().deliveries, 6u);
    QCOMPARE(alice.session.pendingCount(), 0);

    // Many in a row, in order.
    for (int i = 0; i < 200; ++i)
        QVERIFY(bob.session.send(QString::number(i)));
    QTRY_VERIFY(alice.saw(QStringLiteral("<bob> 199")));
    QStringList numbers;
    for (const QString &line : alice.untimedLines()) {
        if (line.startsWith(QLatin1String("<bob> ")) && line != fromBob)
            numbers.append(line.mid(6));
    }
    QCOMPARE(numbers.size(), 200);
    for (int i = 0; i < 200; ++i)
        QCOMPARE(numbers.at(i), QString::number(i));
}

void tst_ChatCore::remoteLeaveOnClose()
{
    ChatServer server;
    QVERIFY(server.start());
    Participant alice, bob;
    QVERIFY(alice.join(server.url(), QStringLiteral("alice")));
    QVERIFY(bob.join(server.url(), QStringLiteral("bob")));
    QSignalSpy closed(&bob.session, &ChatSession::closed);
    bob.session.close();
    QCOMPARE(bob.session.state(), ChatSession::State::Leaving);
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(bob.session.state(), ChatSession::State::Disconnected);
    QTRY_VERIFY(alice.saw(QStringLiteral("* bob left")));
    QCOMPARE(alice.session.members(), QStringList{QStringLiteral("alice")});
    QCOMPARE(server.service->members(), QStringList{QStringLiteral("alice")});
    // The nickname is free again.
    Participant bob2;
    QVERIFY(bob2.join(server.url(), QStringLiteral("BOB")));
    QTRY_VERIFY(alice.saw(QStringLiteral("* BOB joined")));
}

void tst_ChatCore::remoteLeaveOnRelease()
{
    // The reference's way to unsubscribe: drop the callback; the server hears of it and the
    // service's callbackReleased() makes the member leave.
    ChatServer server;
    QVERIFY(server.start());
    Participant alice;
    QVERIFY(alice.join(server.url(), QStringLiteral("alice")));

    Burrow::Client client;
    Burrow::RemoteServices services(&client);
    client.connectToServer(server.url());
    QVERIFY(client.waitForConnected(10000));
    IChatService *chat = services.resolve<IChatService>();
    QVERIFY(chat);
    auto callback = QSharedPointer<Recorder>::create();
    const ChatResult joined = chat->join(QStringLiteral("bob"), callback);
    QVERIFY2(joined.isOk(), qPrintable(joined.errorString));
    QCOMPARE(services.callbackCount(), 1);
    QTRY_VERIFY(alice.saw(QStringLiteral("* bob joined")));
    QVERIFY(alice.session.send(QStringLiteral("hi bob")));
    QTRY_COMPARE(callback->events(), QStringList{QStringLiteral("msg alice: hi bob")});

    QSignalSpy released(&server.registry, &Burrow::ServiceRegistry::callbackReleased);
    callback.reset();
    QTRY_COMPARE(released.size(), 1);
    QTRY_VERIFY(alice.saw(QStringLiteral("* bob left")));
    QCOMPARE(chat->members(), QStringList{QStringLiteral("alice")});
    QVERIFY(client.connection() && client.connection()->isOpen());
    // Still connected, no longer a member.
    QCOMPARE(chat->say(QStringLiteral("still here?")).error, Error::NotJoined);
    // And free to join again with a new callback.
    auto again = QSharedPointer<Recorder>::create();
    QVERIFY(chat->join(QStringLiteral("bob"), again).isOk());
    QTRY_VERIFY(alice.untimedLines().count(QStringLiteral("* bob joined")) == 2);
}

void tst_ChatCore::remoteLeaveOnConnectionClose()
{
    ChatServer server;
    QVERIFY(server.start());
    Participant alice, bob, carol;
    QVERIFY(alice.join(server.url(), QStringLiteral("alice")));
    QVERIFY(bob.join(server.url(), QStringLiteral("bob")));
    QVERIFY(carol.join(server.url(), QStringLiteral("carol")));

    // Without goodbye: the server sees the connection close.
    bob.session.abort();
    QTRY_VERIFY(alice.saw(QStringLiteral("* bob left (connection lost)")));
    QTRY_VERIFY(carol.saw(QStringLiteral("* bob left (connection lost)")));

    // The server drops carol's connection: she is told, reconnects and joins again.
    QSignalSpy lost(&carol.session, &ChatSession::connectionLost);
    QSignalSpy joined(&carol.session, &ChatSession::joined);
    const QList<Burrow::Connection *> connections = server.server.connections();
    QCOMPARE(connections.size(), 2);
    Burrow::Connection *carolsConnection = nullptr;
    for (Burrow::Connection *connection : connections) {
        if (server.service->nicknameOf(connection->id()) == QLatin1String("carol"))
            carolsConnection = connection;
    }
    QVERIFY(carolsConnection);
    carolsConnection->abort(QStringLiteral("test"));
    QTRY_VERIFY(alice.saw(QStringLiteral("* carol left (connection lost)")));
    QTRY_COMPARE(lost.size(), 1);
    QTRY_COMPARE(joined.size(), 1);
    QCOMPARE(joined.constFirst().at(1).toBool(), true);
    QTRY_VERIFY(alice.untimedLines().count(QStringLiteral("* carol joined")) == 2);
    QVERIFY(carol.saw(QStringLiteral("* rejoined as carol; 2 member(s): alice, carol")));
    QVERIFY(alice.session.send(QStringLiteral("welcome back")));
    QTRY_VERIFY(carol.saw(QStringLiteral("<alice> welcome back")));
}

void tst_ChatCore::remoteTimestamps()
{
    ChatServer server;
    QVERIFY(server.start());
    Participant alice, bob;
    QVERIFY(alice.join(server.url(), QStringLiteral("alice")));
    QVERIFY(bob.join(server.url(), QStringLiteral("bob")));
    QSignalSpy received(&bob.session, &ChatSession::messageReceived);
    QSignalSpy sent(&alice.session, &ChatSession::messageSent);
    const QDateTime before = QDateTime::currentDateTimeUtc();
    QVERIFY(alice.session.send(QStringLiteral("what time is it?")));
    QTRY_COMPARE(received.size(), 1);
    QTRY_COMPARE(sent.size(), 1);
    const QDateTime stamped = received.constFirst().at(2).toDateTime();
    QCOMPARE(stamped, sent.constFirst().at(1).toDateTime());
    QVERIFY(stamped >= before.addMSecs(-1));
    QVERIFY(stamped <= QDateTime::currentDateTimeUtc().addMSecs(1));
}

void tst_ChatCore::sendWhenNotJoined()
{
    ChatSession session;
    QSignalSpy errors(&session, &ChatSession::errorOccurred);
    QVERIFY(!session.send(QStringLiteral("into the void")));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.constFirst().at(0).value<ChatSession::Error>(), ChatSession::Error::NotJoined);
    QVERIFY(session.members().isEmpty());
    session.close(); // nothing to close
    QCOMPARE(session.state(), ChatSession::State::Disconnected);
}

void tst_ChatCore::serverRestart()
{
    auto server = std::make_unique<ChatServer>();
    QVERIFY(server->start());
    const quint16 port = server->port();
    const QUrl url = server->url();
    Participant alice, bob;
    QVERIFY(alice.join(url, QStringLiteral("alice")));
    QVERIFY(bob.join(url, QStringLiteral("bob")));
    QSignalSpy aliceLost(&alice.session, &ChatSession::connectionLost);
    QSignalSpy bobJoined(&bob.session, &ChatSession::joined);

    server.reset();
    QTRY_COMPARE(aliceLost.size(), 1);
    QTRY_COMPARE(alice.session.state(), ChatSession::State::Reconnecting);
    QVERIFY(alice.saw(QStringLiteral("* connection lost (client disconnected), reconnecting…"))
            || alice.untimedLines().filter(QStringLiteral("* connection lost")).size() == 1);
    QVERIFY(alice.session.members().isEmpty());
    QVERIFY(!alice.session.send(QStringLiteral("anyone?")));
    QTest::qWait(300); // a few failed attempts

    server = std::make_unique<ChatServer>();
    QVERIFY(server->start(port));
    QTRY_VERIFY_WITH_TIMEOUT(alice.session.isJoined(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(bob.session.isJoined(), 10000);
    QCOMPARE(bobJoined.size(), 1);
    QCOMPARE(bobJoined.constFirst().at(1).toBool(), true);
    QTRY_COMPARE(alice.session.members(), (QStringList{QStringLiteral("alice"), QStringLiteral("bob")}));
    QVERIFY(alice.session.send(QStringLiteral("back again")));
    QTRY_VERIFY(bob.saw(QStringLiteral("<alice> back again")));
    // Connection errors are reported once, not at every attempt.
    QVERIFY(alice.errors.count(ChatSession::Error::ConnectionFailed) <= 2);
}

void tst_ChatCore::serverMissing()
{
    // A Burrow server without the chat: the session says so and stops.
    Burrow::Server server;
    Burrow::ServiceRegistry registry;
    registry.attach(&server);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    Participant alice;
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("resolve|ChatService")));
    QVERIFY(!alice.join(server.webSocketUrl(), QStringLiteral("alice")));
    QCOMPARE(alice.session.error(), ChatSession::Error::ServiceMissing);
    QVERIFY2(alice.session.errorString().contains(QLatin1String("ChatService")), qPrintable(alice.session.errorString()));
}

// ---- a library behaviour, documented (docs/CHAT.md, "Notes on the libraries") -----------

namespace {
QAtomicInt servicesWarnings;
QtMessageHandler previousHandler = nullptr;
void countServicesWarnings(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (type == QtWarningMsg && context.category && QByteArray(context.category) == "burrow.services")
        servicesWarnings.ref();
    previousHandler(type, context, message);
}
} // namespace

void tst_ChatCore::callsToReleasedCallbacksDoNotWarn()
{
    // A one-way (void) call on a callback proxy that was released (here: its connection closed)
    // does nothing. In publish/subscribe such calls are ordinary (a member that just dropped is
    // still in the list until callbackReleased() runs), so burrow.services must not warn.
    Burrow::Server server;
    Burrow::ServiceRegistry registry;
    auto *service = new ChatService; // registered without registerWith(): no markReleased()
    QVERIFY(registry.registerService<IChatService>([service] { return service; }, Burrow::Lifetime::Shared,
                                                   Burrow::Execution::LockedPerInterface));
    registry.attach(&server);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    Participant alice, bob;
    QVERIFY(alice.join(server.webSocketUrl(), QStringLiteral("alice")));
    QVERIFY(bob.join(server.webSocketUrl(), QStringLiteral("bob")));
    ChatService::CallerId aliceCaller = 0;
    for (Burrow::Connection *connection : server.connections()) {
        if (service->nicknameOf(connection->id()) == QLatin1String("alice"))
            aliceCaller = connection->id();
    }
    QVERIFY(aliceCaller);

    // Right after bob's callback is released, before the service hears of it: alice posts.
    bool posted = false;
    connect(&registry, &Burrow::ServiceRegistry::callbackReleased, this, [&] {
        posted = service->sayAs(aliceCaller, QStringLiteral("to a member who just left")).isOk();
    }, Qt::DirectConnection);
    servicesWarnings = 0;
    previousHandler = qInstallMessageHandler(countServicesWarnings);
    bob.session.abort();
    QTRY_VERIFY(alice.saw(QStringLiteral("* bob left (connection lost)")));
    qInstallMessageHandler(previousHandler);
    QVERIFY(posted);
    QCOMPARE(servicesWarnings.loadRelaxed(), 0);
}

QTEST_GUILESS_MAIN(tst_ChatCore)
#include "tst_chat_core.moc"
