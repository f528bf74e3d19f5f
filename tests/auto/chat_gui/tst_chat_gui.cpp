// The chat window driven as a user would (QT_QPA_PLATFORM=offscreen): address and nickname
// typed, connect clicked, a message typed and sent with Enter; it shows in the window's history
// and reaches a second member. Also: refusals, the reconnecting state, disconnecting, closing
// the window, preferences.

#include "chattestsupport.h"

#include "chathistorymodel.h"
#include "chatmessagedelegate.h"
#include "chatwindow.h"

#include <QtCore/QSettings>
#include <QtCore/QTemporaryDir>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QListView>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QStatusBar>

using namespace ChatTest;

namespace {

template<typename T>
T *child(QWidget *window, const char *name)
{
    T *widget = window->findChild<T *>(QLatin1String(name));
    if (!widget)
        qWarning() << "no widget named" << name;
    return widget;
}

void typeInto(QLineEdit *edit, const QString &text)
{
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Delete);
    QTest::keyClicks(edit, text);
}

bool historyHas(ChatWindow *window, const QString &untimed)
{
    for (const QString &line : window->history()->lines()) {
        if (line == untimed || (line.startsWith(QLatin1Char('[')) && line.mid(11) == untimed))
            return true;
    }
    return false;
}

QStringList memberRows(ChatWindow *window)
{
    QStringList rows;
    QAbstractItemModel *model = child<QListView>(window, "memberView")->model();
    for (int row = 0; row < model->rowCount(); ++row)
        rows.append(model->index(row, 0).data().toString());
    return rows;
}

} // namespace

class tst_ChatGui : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void urlFromAddress_data();
    void urlFromAddress();
    void connectTypeAndSend();
    void refusedNickname();
    void badAddress();
    void reconnecting();
    void disconnectButton();
    void closingLeaves();
    void preferences();
    void longMessagesWrap();
};

void tst_ChatGui::urlFromAddress_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<QString>("url");
    QTest::newRow("host") << QStringLiteral("example.org") << QStringLiteral("ws://example.org:8870/");
    QTest::newRow("host:port") << QStringLiteral("127.0.0.1:9000") << QStringLiteral("ws://127.0.0.1:9000/");
    QTest::newRow("spaces") << QStringLiteral("  localhost:1234 ") << QStringLiteral("ws://localhost:1234/");
    QTest::newRow("empty") << QString() << QStringLiteral("ws://localhost:8870/");
    QTest::newRow("ws url") << QStringLiteral("ws://chat.example.org:80/room") << QStringLiteral("ws://chat.example.org:80/room");
    QTest::newRow("wss url") << QStringLiteral("wss://chat.example.org/") << QStringLiteral("wss://chat.example.org:8870/");
    QTest::newRow("ipv6") << QStringLiteral("[::1]:8000") << QStringLiteral("ws://[::1]:8000/");
    QTest::newRow("http") << QStringLiteral("http://example.org/") << QString();
    QTest::newRow("garbage") << QStringLiteral("ws://exa mple:port") << QString();
}

void tst_ChatGui::urlFromAddress()
{
    QFETCH(QString, address);
    QFETCH(QString, url);
    QString error;
    const QUrl result = ChatWindow::urlFromAddress(address, &error);
    if (url.isEmpty()) {
        QVERIFY(!result.isValid());
        QVERIFY(error.contains(QLatin1String("not a server address")));
    } else {
        QCOMPARE(result.toString(), url);
    }
}

void tst_ChatGui::connectTypeAndSend()
{
    ChatServer server;
    QVERIFY(server.start());
    ChatWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    auto *serverEdit = child<QLineEdit>(&window, "serverEdit");
    auto *nicknameEdit = child<QLineEdit>(&window, "nicknameEdit");
    auto *connectButton = child<QPushButton>(&window, "connectButton");
    auto *messageEdit = child<QLineEdit>(&window, "messageEdit");
    auto *sendButton = child<QPushButton>(&window, "sendButton");
    auto *stateLabel = child<QLabel>(&window, "stateLabel");
    QVERIFY(serverEdit && nicknameEdit && connectButton && messageEdit && sendButton && stateLabel);
    QCOMPARE(stateLabel->text(), QStringLiteral("Disconnected"));
    QVERIFY(!sendButton->isEnabled());

    typeInto(serverEdit, QStringLiteral("127.0.0.1:%1").arg(server.port()));
    typeInto(nicknameEdit, QStringLiteral("alice"));
    QTest::mouseClick(connectButton, Qt::LeftButton);
    QTRY_VERIFY(window.session()->isJoined());
    QVERIFY2(stateLabel->text().contains(QLatin1String("Connected to ws://127.0.0.1:")), qPrintable(stateLabel->text()));
    QVERIFY(stateLabel->text().contains(QLatin1String("<b>alice</b>")));
    QCOMPARE(connectButton->text(), QStringLiteral("&Disconnect"));
    QVERIFY(!serverEdit->isEnabled());
    QVERIFY(!nicknameEdit->isEnabled());
    QCOMPARE(memberRows(&window), QStringList{QStringLiteral("alice")});
    QVERIFY(historyHas(&window, QStringLiteral("* joined as alice; 1 member(s): alice")));
    QCOMPARE(window.windowTitle(), QStringLiteral("alice — Burrow Chat"));

    // A second member.
    Participant bob;
    QVERIFY(bob.join(server.url(), QStringLiteral("bob")));
    QTRY_VERIFY(historyHas(&window, QStringLiteral("* bob joined")));
    QTRY_COMPARE(memberRows(&window), (QStringList{QStringLiteral("alice"), QStringLiteral("bob")}));

    // Type, press Enter.
    messageEdit->setFocus();
    QTest::keyClicks(messageEdit, QStringLiteral("hello bob"));
    QVERIFY(sendButton->isEnabled());
    QTest::keyClick(messageEdit, Qt::Key_Return);
    QCOMPARE(messageEdit->text(), QString());
    QTRY_VERIFY(historyHas(&window, QStringLiteral("<alice> hello bob")));
    QTRY_VERIFY(bob.saw(QStringLiteral("<alice> hello bob")));
    const int own = int(window.history()->lines().indexOf(window.history()->lines().filter(QStringLiteral("hello bob")).constFirst()));
    QCOMPARE(window.history()->entry(own).kind, ChatHistoryModel::Kind::OwnMessage);

    // The send button does the same.
    QTest::keyClicks(messageEdit, QStringLiteral("and once more"));
    QTest::mouseClick(sendButton, Qt::LeftButton);
    QTRY_VERIFY(bob.saw(QStringLiteral("<alice> and once more")));

    // Bob answers; the view follows the newest row.
    QVERIFY(bob.session.send(QStringLiteral("hi alice")));
    QTRY_VERIFY(historyHas(&window, QStringLiteral("<bob> hi alice")));
    auto *history = child<QListView>(&window, "historyView");
    QCOMPARE(history->model()->rowCount(), int(window.history()->lines().size()));

    // Whitespace only is not sent.
    QTest::keyClicks(messageEdit, QStringLiteral("   "));
    QVERIFY(!sendButton->isEnabled());
    QTest::keyClick(messageEdit, Qt::Key_Return);
    QCOMPARE(messageEdit->text(), QStringLiteral("   "));

    // A message the server refuses: said in the history and the status bar; the text stays.
    messageEdit->setText(QString(2001, QLatin1Char('y')));
    QTest::keyClick(messageEdit, Qt::Key_Return);
    QTRY_VERIFY(historyHas(&window, QStringLiteral("! not sent: the message is 2001 characters long; at most 2000 are allowed")));
    QVERIFY(window.statusBar()->currentMessage().contains(QLatin1String("at most 2000")));

    // Bob leaves.
    bob.session.close();
    QTRY_VERIFY(historyHas(&window, QStringLiteral("* bob left")));
    QTRY_COMPARE(memberRows(&window), QStringList{QStringLiteral("alice")});
}

void tst_ChatGui::refusedNickname()
{
    ChatServer server;
    QVERIFY(server.start());
    Participant alice;
    QVERIFY(alice.join(server.url(), QStringLiteral("alice")));

    ChatWindow window;
    window.show();
    window.setServerAddress(server.url().toString());
    window.setNickname(QStringLiteral("Alice"));
    QTest::mouseClick(child<QPushButton>(&window, "connectButton"), Qt::LeftButton);
    QTRY_COMPARE(window.session()->error(), ChatSession::Error::JoinRefused);
    QTRY_COMPARE(window.session()->state(), ChatSession::State::Disconnected);
    QVERIFY(historyHas(&window, QStringLiteral("! the nickname \"alice\" is taken by another member")));
    QVERIFY2(child<QLabel>(&window, "stateLabel")->text().contains(QLatin1String("Disconnected: the nickname")),
             qPrintable(child<QLabel>(&window, "stateLabel")->text()));
    // The fields are open again: pick another nickname.
    QVERIFY(child<QLineEdit>(&window, "nicknameEdit")->isEnabled());
    typeInto(child<QLineEdit>(&window, "nicknameEdit"), QStringLiteral("alice2"));
    QTest::keyClick(child<QLineEdit>(&window, "nicknameEdit"), Qt::Key_Return);
    QTRY_VERIFY(window.session()->isJoined());
    QTRY_VERIFY(alice.saw(QStringLiteral("* alice2 joined")));
}

void tst_ChatGui::badAddress()
{
    ChatWindow window;
    window.setServerAddress(QStringLiteral("http://example.org/"));
    window.setNickname(QStringLiteral("x"));
    window.connectToServer();
    QCOMPARE(window.session()->state(), ChatSession::State::Disconnected);
    QVERIFY(window.history()->lines().constLast().startsWith(QLatin1String("! \"http://example.org/\" is not a server address")));
}

void tst_ChatGui::reconnecting()
{
    auto server = std::make_unique<ChatServer>();
    QVERIFY(server->start());
    const quint16 port = server->port();
    ChatWindow window;
    Burrow::ClientSettings settings;
    settings.setReconnect(Burrow::ClientSettings::Reconnect::Automatically);
    settings.setReconnectInitialDelay(50);
    settings.setReconnectMaxDelay(200);
    window.setClientSettings(settings);
    window.show();
    window.setServerAddress(QStringLiteral("127.0.0.1:%1").arg(port));
    window.setNickname(QStringLiteral("alice"));
    window.connectToServer();
    QTRY_VERIFY(window.session()->isJoined());

    server.reset();
    auto *stateLabel = child<QLabel>(&window, "stateLabel");
    QTRY_VERIFY2(stateLabel->text().contains(QLatin1String("reconnecting")), qPrintable(stateLabel->text()));
    QVERIFY(historyHas(&window, QStringLiteral("* connection lost (client disconnected), reconnecting…"))
            || !window.history()->lines().filter(QStringLiteral("* connection lost")).isEmpty());
    QVERIFY(memberRows(&window).isEmpty());
    QVERIFY(!child<QPushButton>(&window, "sendButton")->isEnabled());
    QCOMPARE(child<QPushButton>(&window, "connectButton")->text(), QStringLiteral("&Disconnect"));

    server = std::make_unique<ChatServer>();
    QVERIFY(server->start(port));
    QTRY_VERIFY_WITH_TIMEOUT(window.session()->isJoined(), 10000);
    QVERIFY(historyHas(&window, QStringLiteral("* rejoined as alice; 1 member(s): alice")));
    QVERIFY(stateLabel->text().contains(QLatin1String("Connected")));
}

void tst_ChatGui::disconnectButton()
{
    ChatServer server;
    QVERIFY(server.start());
    Participant bob;
    QVERIFY(bob.join(server.url(), QStringLiteral("bob")));
    ChatWindow window;
    window.show();
    window.setServerAddress(server.url().toString());
    window.setNickname(QStringLiteral("alice"));
    auto *connectButton = child<QPushButton>(&window, "connectButton");
    QTest::mouseClick(connectButton, Qt::LeftButton);
    QTRY_VERIFY(window.session()->isJoined());
    QTest::mouseClick(connectButton, Qt::LeftButton);
    QTRY_COMPARE(window.session()->state(), ChatSession::State::Disconnected);
    QTRY_VERIFY(bob.saw(QStringLiteral("* alice left")));
    QCOMPARE(connectButton->text(), QStringLiteral("&Connect"));
    QVERIFY(child<QLineEdit>(&window, "serverEdit")->isEnabled());
    QCOMPARE(child<QLabel>(&window, "stateLabel")->text(), QStringLiteral("Disconnected"));
}

void tst_ChatGui::closingLeaves()
{
    ChatServer server;
    QVERIFY(server.start());
    Participant bob;
    QVERIFY(bob.join(server.url(), QStringLiteral("bob")));
    ChatWindow window;
    window.show();
    window.setServerAddress(server.url().toString());
    window.setNickname(QStringLiteral("alice"));
    window.connectToServer();
    QTRY_VERIFY(window.session()->isJoined());
    window.close(); // says goodbye first, then closes
    QTRY_VERIFY(bob.saw(QStringLiteral("* alice left")));
    QTRY_VERIFY(!window.isVisible());
}

void tst_ChatGui::preferences()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString file = dir.filePath(QStringLiteral("chat-client.ini"));
    ChatServer server;
    QVERIFY(server.start());
    const QString address = QStringLiteral("127.0.0.1:%1").arg(server.port());
    {
        QSettings settings(file, QSettings::IniFormat);
        ChatWindow window(&settings);
        QVERIFY(window.serverAddress().isEmpty());
        window.setServerAddress(address);
        window.setNickname(QStringLiteral("remembered"));
        window.resize(640, 480);
        window.show();
        window.connectToServer();
        QTRY_VERIFY(window.session()->isJoined());
        window.close();
        QTRY_VERIFY(!window.isVisible());
    }
    QSettings settings(file, QSettings::IniFormat);
    QCOMPARE(settings.value(QStringLiteral("server")).toString(), address);
    QCOMPARE(settings.value(QStringLiteral("nickname")).toString(), QStringLiteral("remembered"));
    ChatWindow again(&settings);
    QCOMPARE(again.serverAddress(), address);
    QCOMPARE(again.nickname(), QStringLiteral("remembered"));
    QCOMPARE(again.size(), QSize(640, 480));
}

void tst_ChatGui::longMessagesWrap()
{
    ChatWindow window;
    window.resize(600, 400);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.history()->addMessage(QStringLiteral("bob"), QStringLiteral("short"), QDateTime::currentDateTimeUtc());
    window.history()->addMessage(QStringLiteral("bob"), QString(40, QLatin1Char(' ')).replace(QLatin1Char(' '), QStringLiteral("words ")).repeated(8),
                                 QDateTime::currentDateTimeUtc());
    auto *view = child<QListView>(&window, "historyView");
    const QSize shortSize = view->sizeHintForIndex(window.history()->index(0));
    const QSize longSize = view->sizeHintForIndex(window.history()->index(1));
    QVERIFY2(longSize.height() > 3 * shortSize.height(), qPrintable(QStringLiteral("%1 vs %2").arg(longSize.height()).arg(shortSize.height())));
    QVERIFY(longSize.width() <= view->viewport()->width());
    // Markup in a message is shown, not interpreted.
    window.history()->addMessage(QStringLiteral("<b>mallory</b>"), QStringLiteral("<img src=x> & <i>hi</i>"),
                                 QDateTime::currentDateTimeUtc());
    const QString html = ChatMessageDelegate::html(window.history()->index(2), window.palette());
    QVERIFY2(html.contains(QLatin1String("&lt;img src=x&gt; &amp; &lt;i&gt;hi&lt;/i&gt;")), qPrintable(html));
    QVERIFY(html.contains(QLatin1String("&lt;b&gt;mallory&lt;/b&gt;")));
    QCOMPARE(ChatMessageDelegate::nicknameColor(QStringLiteral("Bob")), ChatMessageDelegate::nicknameColor(QStringLiteral("bob")));
}

QTEST_MAIN(tst_ChatGui)
#include "tst_chat_gui.moc"
