#include "chatwindow.h"

#include "chaticons.h"
#include "chathistorymodel.h"
#include "chatmessagedelegate.h"
#include "chatsession.h"

#include <QtCore/QSettings>
#include <QtCore/QStringListModel>
#include <QtCore/QTimer>
#include <QtGui/QCloseEvent>
#include <QtGui/QFont>
#include <QtWidgets/QBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QListView>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QScrollBar>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QStatusBar>

namespace {

constexpr int defaultPort = 8870;

// The member list: an icon per member, ours in bold.
class MemberListModel : public QStringListModel
{
public:
    using QStringListModel::QStringListModel;

    QString self;

    QVariant data(const QModelIndex &index, int role) const override
    {
        if (role == Qt::DecorationRole)
            return ChatIcons::icon(QStringLiteral("member"));
        if (role == Qt::FontRole && QStringListModel::data(index, Qt::DisplayRole).toString() == self) {
            QFont font;
            font.setBold(true);
            return font;
        }
        if (role == Qt::ForegroundRole)
            return ChatMessageDelegate::nicknameColor(QStringListModel::data(index, Qt::DisplayRole).toString());
        return QStringListModel::data(index, role);
    }
    Qt::ItemFlags flags(const QModelIndex &index) const override
    {
        return QStringListModel::flags(index) & ~Qt::ItemIsEditable & ~Qt::ItemIsDragEnabled & ~Qt::ItemIsDropEnabled;
    }
};

} // namespace

ChatWindow::ChatWindow(QSettings *preferences, QWidget *parent)
    : QMainWindow(parent),
      m_session(new ChatSession(this)),
      m_history(new ChatHistoryModel(this)),
      m_members(new MemberListModel(this)),
      m_preferences(preferences)
{
    setWindowTitle(tr("Burrow Chat"));
    setWindowIcon(ChatIcons::icon(QStringLiteral("chat")));

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);

    // Server, nickname, connect.
    auto *top = new QHBoxLayout;
    m_serverEdit = new QLineEdit(central);
    m_serverEdit->setObjectName(QStringLiteral("serverEdit"));
    m_serverEdit->setPlaceholderText(QStringLiteral("localhost:%1").arg(defaultPort));
    m_serverEdit->setToolTip(tr("host, host:port or ws://host:port/"));
    m_nicknameEdit = new QLineEdit(central);
    m_nicknameEdit->setObjectName(QStringLiteral("nicknameEdit"));
    m_nicknameEdit->setPlaceholderText(tr("your nickname"));
    m_nicknameEdit->setMaximumWidth(200);
    m_connectButton = new QPushButton(central);
    m_connectButton->setObjectName(QStringLiteral("connectButton"));
    auto *serverLabel = new QLabel(tr("&Server:"), central);
    serverLabel->setBuddy(m_serverEdit);
    auto *nicknameLabel = new QLabel(tr("&Nickname:"), central);
    nicknameLabel->setBuddy(m_nicknameEdit);
    top->addWidget(serverLabel);
    top->addWidget(m_serverEdit, 1);
    top->addWidget(nicknameLabel);
    top->addWidget(m_nicknameEdit);
    top->addWidget(m_connectButton);
    layout->addLayout(top);

    // History | members.
    m_splitter = new QSplitter(Qt::Horizontal, central);
    m_historyView = new QListView(m_splitter);
    m_historyView->setObjectName(QStringLiteral("historyView"));
    m_historyView->setModel(m_history);
    m_historyView->setItemDelegate(new ChatMessageDelegate(m_historyView));
    m_historyView->setResizeMode(QListView::Adjust);
    m_historyView->setUniformItemSizes(false);
    m_historyView->setWordWrap(true);
    m_historyView->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_historyView->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_historyView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_historyView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    auto *memberPane = new QWidget(m_splitter);
    auto *memberLayout = new QVBoxLayout(memberPane);
    memberLayout->setContentsMargins(0, 0, 0, 0);
    m_membersLabel = new QLabel(memberPane);
    m_memberView = new QListView(memberPane);
    m_memberView->setObjectName(QStringLiteral("memberView"));
    m_memberView->setModel(m_members);
    m_memberView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_memberView->setSelectionMode(QAbstractItemView::NoSelection);
    memberLayout->addWidget(m_membersLabel);
    memberLayout->addWidget(m_memberView);
    m_splitter->addWidget(m_historyView);
    m_splitter->addWidget(memberPane);
    m_splitter->setStretchFactor(0, 4);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({560, 160});
    layout->addWidget(m_splitter, 1);

    // Input.
    auto *bottom = new QHBoxLayout;
    m_messageEdit = new QLineEdit(central);
    m_messageEdit->setObjectName(QStringLiteral("messageEdit"));
    m_messageEdit->setPlaceholderText(tr("Type a message and press Enter"));
    m_sendButton = new QPushButton(ChatIcons::icon(QStringLiteral("send")), tr("Send"), central);
    m_sendButton->setObjectName(QStringLiteral("sendButton"));
    bottom->addWidget(m_messageEdit, 1);
    bottom->addWidget(m_sendButton);
    layout->addLayout(bottom);
    setCentralWidget(central);

    m_stateLabel = new QLabel(this);
    m_stateLabel->setObjectName(QStringLiteral("stateLabel"));
    statusBar()->addWidget(m_stateLabel, 1);

    connect(m_connectButton, &QPushButton::clicked, this, [this] {
        if (m_session->state() == ChatSession::State::Disconnected)
            connectToServer();
        else
            disconnectFromServer();
    });
    connect(m_serverEdit, &QLineEdit::returnPressed, this, &ChatWindow::connectToServer);
    connect(m_nicknameEdit, &QLineEdit::returnPressed, this, &ChatWindow::connectToServer);
    connect(m_messageEdit, &QLineEdit::returnPressed, this, &ChatWindow::sendMessage);
    connect(m_sendButton, &QPushButton::clicked, this, &ChatWindow::sendMessage);
    connect(m_messageEdit, &QLineEdit::textChanged, this, &ChatWindow::updateState);

    m_history->follow(m_session);
    connect(m_session, &ChatSession::stateChanged, this, &ChatWindow::updateState);
    connect(m_session, &ChatSession::membersChanged, this, &ChatWindow::updateMembers);
    connect(m_session, &ChatSession::joined, this, [this] {
        m_wasJoined = true;
        savePreferences();
        m_messageEdit->setFocus();
    });
    connect(m_session, &ChatSession::errorOccurred, this, [this](ChatSession::Error error, const QString &message) {
        // Errors about the connection show in the state label; those about a message, briefly.
        if (error == ChatSession::Error::SendRefused || error == ChatSession::Error::NotJoined)
            statusBar()->showMessage(message, 8000);
        updateState();
    });
    connect(m_session, &ChatSession::closed, this, [this] {
        if (m_closing)
            close();
    });

    // Keep showing the newest entries, unless the user scrolled up to read older ones.
    connect(m_historyView->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        m_following = value >= m_historyView->verticalScrollBar()->maximum();
    });
    connect(m_history, &QAbstractItemModel::rowsInserted, this, &ChatWindow::scrollToBottomIfFollowing);

    resize(760, 520);
    if (m_preferences) {
        setServerAddress(m_preferences->value(QStringLiteral("server")).toString());
        setNickname(m_preferences->value(QStringLiteral("nickname")).toString());
        restoreGeometry(m_preferences->value(QStringLiteral("geometry")).toByteArray());
        m_splitter->restoreState(m_preferences->value(QStringLiteral("splitter")).toByteArray());
    }
    updateMembers({});
    updateState();
}

ChatWindow::~ChatWindow() = default;

void ChatWindow::setClientSettings(const Burrow::ClientSettings &settings)
{
    m_clientSettings = settings;
}

QString ChatWindow::serverAddress() const { return m_serverEdit->text(); }
void ChatWindow::setServerAddress(const QString &address) { m_serverEdit->setText(address); }
QString ChatWindow::nickname() const { return m_nicknameEdit->text(); }
void ChatWindow::setNickname(const QString &nickname) { m_nicknameEdit->setText(nickname); }

QUrl ChatWindow::urlFromAddress(const QString &address, QString *errorString)
{
    QString text = address.trimmed();
    if (text.isEmpty())
        text = QStringLiteral("localhost");
    if (!text.contains(QLatin1String("://")))
        text.prepend(QStringLiteral("ws://"));
    QUrl url(text, QUrl::StrictMode);
    const QString scheme = url.scheme();
    if (!url.isValid() || url.host().isEmpty() || (scheme != QLatin1String("ws") && scheme != QLatin1String("wss"))) {
        if (errorString) {
            *errorString = tr("\"%1\" is not a server address (host, host:port or ws://host:port/)")
                               .arg(address.trimmed());
        }
        return QUrl();
    }
    if (url.port() < 0)
        url.setPort(defaultPort);
    if (url.path().isEmpty())
        url.setPath(QStringLiteral("/"));
    return url;
}

void ChatWindow::connectToServer()
{
    if (m_session->state() != ChatSession::State::Disconnected)
        return;
    QString error;
    const QUrl url = urlFromAddress(serverAddress(), &error);
    if (!url.isValid()) {
        m_history->addError(error);
        statusBar()->showMessage(error, 8000);
        return;
    }
    m_session->setClientSettings(m_clientSettings);
    m_wasJoined = false;
    m_session->open(url, nickname());
}

void ChatWindow::disconnectFromServer()
{
    m_session->close();
}

void ChatWindow::sendMessage()
{
    const QString text = m_messageEdit->text();
    if (text.trimmed().isEmpty())
        return;
    if (m_session->send(text))
        m_messageEdit->clear();
}

void ChatWindow::closeEvent(QCloseEvent *event)
{
    savePreferences();
    const ChatSession::State state = m_session->state();
    if (state == ChatSession::State::Joined || state == ChatSession::State::Leaving) {
        // Say goodbye first; closed() closes the window again.
        m_closing = true;
        event->ignore();
        if (state == ChatSession::State::Joined)
            m_session->close();
        return;
    }
    QMainWindow::closeEvent(event);
}

void ChatWindow::updateState()
{
    using State = ChatSession::State;
    const State state = m_session->state();
    const bool idle = state == State::Disconnected;
    m_serverEdit->setEnabled(idle);
    m_nicknameEdit->setEnabled(idle);
    m_connectButton->setText(idle ? tr("&Connect") : tr("&Disconnect"));
    m_connectButton->setIcon(ChatIcons::icon(idle ? QStringLiteral("connect") : QStringLiteral("disconnect")));
    m_connectButton->setEnabled(state != State::Leaving);
    m_sendButton->setEnabled(state == State::Joined && !m_messageEdit->text().trimmed().isEmpty());

    const QString server = m_session->url().toDisplayString();
    const QString nickname = m_session->nickname().toHtmlEscaped();
    QString text;
    switch (state) {
    case State::Disconnected:
        text = m_session->errorString().isEmpty()
                   ? tr("Disconnected")
                   : tr("Disconnected: %1").arg(m_session->errorString().toHtmlEscaped());
        break;
    case State::Connecting:
        text = tr("Connecting to %1…").arg(server);
        break;
    case State::Joining:
        text = tr("Joining %1 as <b>%2</b>…").arg(server, nickname);
        break;
    case State::Joined:
        text = tr("Connected to %1 as <b>%2</b>").arg(server, nickname);
        break;
    case State::Reconnecting:
        text = m_wasJoined ? tr("<span style=\"color:#c62828\">Connection lost, reconnecting to %1…</span>").arg(server)
                           : tr("<span style=\"color:#c62828\">Cannot reach %1 yet, retrying…</span>").arg(server);
        if (m_session->error() == ChatSession::Error::ConnectionFailed)
            text += QStringLiteral(" <span style=\"color:gray\">(%1)</span>").arg(m_session->errorString().toHtmlEscaped());
        break;
    case State::Leaving:
        text = tr("Leaving…");
        break;
    }
    m_stateLabel->setText(text);
    setWindowTitle(state == State::Joined ? tr("%1 — Burrow Chat").arg(m_session->nickname()) : tr("Burrow Chat"));
}

void ChatWindow::updateMembers(const QStringList &members)
{
    static_cast<MemberListModel *>(m_members)->self = m_session->nickname().trimmed();
    m_members->setStringList(members);
    m_membersLabel->setText(members.isEmpty() ? tr("Members") : tr("Members (%1)").arg(members.size()));
}

void ChatWindow::scrollToBottomIfFollowing()
{
    if (!m_following)
        return;
    // After the view has laid out the new rows.
    QTimer::singleShot(0, m_historyView, [view = m_historyView] { view->scrollToBottom(); });
}

void ChatWindow::savePreferences()
{
    if (!m_preferences)
        return;
    m_preferences->setValue(QStringLiteral("server"), serverAddress());
    m_preferences->setValue(QStringLiteral("nickname"), nickname());
    m_preferences->setValue(QStringLiteral("geometry"), saveGeometry());
    m_preferences->setValue(QStringLiteral("splitter"), m_splitter->saveState());
}
