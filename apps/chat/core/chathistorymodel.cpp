#include "chathistorymodel.h"

#include "chatformat.h"
#include "chatsession.h"

ChatHistoryModel::ChatHistoryModel(QObject *parent) : QAbstractListModel(parent) {}

void ChatHistoryModel::follow(ChatSession *session)
{
    connect(session, &ChatSession::messageReceived, this,
            [this](const QString &author, const QString &text, const QDateTime &time) { addMessage(author, text, time); });
    connect(session, &ChatSession::messageSent, this, [this, session](const QString &text, const QDateTime &time) {
        addMessage(session->nickname(), text, time, true);
    });
    connect(session, &ChatSession::memberJoined, this,
            [this](const QString &nickname) { addNotice(ChatFormat::joinedLine(nickname).mid(2)); });
    connect(session, &ChatSession::memberLeft, this, [this](const QString &nickname, const QString &reason) {
        addNotice(ChatFormat::leftLine(nickname, reason).mid(2));
    });
    connect(session, &ChatSession::joined, this, [this, session](const QStringList &members, bool rejoined) {
        addNotice(ChatFormat::welcomeLine(session->nickname(), members, rejoined).mid(2));
    });
    connect(session, &ChatSession::connectionLost, this,
            [this](const QString &reason) { addNotice(ChatFormat::connectionLostLine(reason).mid(2)); });
    connect(session, &ChatSession::errorOccurred, this,
            [this](ChatSession::Error, const QString &message) { addError(message); });
}

void ChatHistoryModel::addMessage(const QString &author, const QString &text, const QDateTime &time, bool own)
{
    append({own ? Kind::OwnMessage : Kind::Message, time, author, text});
}

void ChatHistoryModel::addNotice(const QString &text, const QDateTime &time)
{
    append({Kind::Notice, time, QString(), text});
}

void ChatHistoryModel::addError(const QString &text, const QDateTime &time)
{
    append({Kind::Error, time, QString(), text});
}

void ChatHistoryModel::append(Entry entry)
{
    if (m_maximumEntries > 0 && m_entries.size() >= m_maximumEntries) {
        const int excess = int(m_entries.size()) - m_maximumEntries + 1;
        beginRemoveRows(QModelIndex(), 0, excess - 1);
        m_entries.remove(0, excess);
        endRemoveRows();
    }
    const int row = int(m_entries.size());
    beginInsertRows(QModelIndex(), row, row);
    m_entries.append(std::move(entry));
    endInsertRows();
}

void ChatHistoryModel::clear()
{
    beginResetModel();
    m_entries.clear();
    endResetModel();
}

void ChatHistoryModel::setMaximumEntries(int count)
{
    m_maximumEntries = count;
    if (count > 0 && m_entries.size() > count) {
        const int excess = int(m_entries.size()) - count;
        beginRemoveRows(QModelIndex(), 0, excess - 1);
        m_entries.remove(0, excess);
        endRemoveRows();
    }
}

QStringList ChatHistoryModel::lines() const
{
    QStringList result;
    result.reserve(m_entries.size());
    for (const Entry &entry : m_entries)
        result.append(lineOf(entry));
    return result;
}

QString ChatHistoryModel::lineOf(const Entry &entry)
{
    switch (entry.kind) {
    case Kind::Message:
    case Kind::OwnMessage:
        return ChatFormat::messageLine(entry.time, entry.author, entry.text);
    case Kind::Notice:
        return QStringLiteral("* ") + ChatFormat::printable(entry.text);
    case Kind::Error:
        return QStringLiteral("! ") + ChatFormat::printable(entry.text);
    }
    return QString();
}

int ChatHistoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

QVariant ChatHistoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const Entry &entry = m_entries.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return lineOf(entry);
    case Qt::ToolTipRole:
        return entry.time.toLocalTime().toString(Qt::TextDate);
    case KindRole:
        return QVariant::fromValue(entry.kind);
    case TimeRole:
        return entry.time;
    case AuthorRole:
        return entry.author;
    case TextRole:
        return entry.text;
    default:
        return QVariant();
    }
}

QHash<int, QByteArray> ChatHistoryModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(KindRole, "kind");
    names.insert(TimeRole, "time");
    names.insert(AuthorRole, "author");
    names.insert(TextRole, "text");
    return names;
}
