#pragma once

#include <Burrow/settings.h>

#include <QtWidgets/QMainWindow>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
class QListView;
class QPushButton;
class QSettings;
class QSplitter;
class QStringListModel;
QT_END_NAMESPACE

class ChatHistoryModel;
class ChatSession;

// The chat window: server address, nickname and a connect/disconnect button on top; the
// history (messages, joins and leaves) with the member list beside it; the input line with its
// send button; the connection state in the status bar. Everything goes through a ChatSession,
// so the window never waits for the network.
//
// Widgets have object names, for tests: serverEdit, nicknameEdit, connectButton, historyView,
// memberView, messageEdit, sendButton, stateLabel.
class ChatWindow : public QMainWindow
{
    Q_OBJECT
public:
    // Preferences (last server, nickname, window geometry) are read from and written to
    // `preferences` when given.
    explicit ChatWindow(QSettings *preferences = nullptr, QWidget *parent = nullptr);
    ~ChatWindow() override;

    // Protocol, key and TLS for the connections (the server address comes from the field).
    void setClientSettings(const Burrow::ClientSettings &settings);

    QString serverAddress() const;
    void setServerAddress(const QString &address);
    QString nickname() const;
    void setNickname(const QString &nickname);

    ChatSession *session() const { return m_session; }
    ChatHistoryModel *history() const { return m_history; }

    // "host", "host:port", "ws://host:port/path" or "wss://host..." -> a WebSocket URL (ws://
    // unless given, port 8870 unless given). An invalid URL (with *errorString set) when it
    // cannot be made one.
    static QUrl urlFromAddress(const QString &address, QString *errorString = nullptr);

public Q_SLOTS:
    // What the connect button does.
    void connectToServer();
    void disconnectFromServer();
    // Sends the input line; it is cleared when the session takes the message.
    void sendMessage();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void updateState();
    void updateMembers(const QStringList &members);
    void scrollToBottomIfFollowing();
    void savePreferences();

    ChatSession *m_session;
    ChatHistoryModel *m_history;
    QStringListModel *m_members;
    QSettings *m_preferences;
    Burrow::ClientSettings m_clientSettings;

    QLineEdit *m_serverEdit;
    QLineEdit *m_nicknameEdit;
    QPushButton *m_connectButton;
    QListView *m_historyView;
    QListView *m_memberView;
    QLabel *m_membersLabel;
    QLineEdit *m_messageEdit;
    QPushButton *m_sendButton;
    QLabel *m_stateLabel;
    QSplitter *m_splitter;
    bool m_following = true;  // the history view shows its last row: keep it so
    bool m_closing = false;   // closeEvent() is waiting for the session to leave
    bool m_wasJoined = false; // joined since the last connectToServer()
};
