#pragma once

#include <QtCore/QAbstractListModel>
#include <QtCore/QDateTime>
#include <QtCore/QList>

class ChatSession;

// What the window's history shows: messages (ours and the others'), notices (joins, leaves,
// connection changes) and errors, oldest first. The display role is the console's line
// (ChatFormat); the other roles give the parts, for a delegate that lays them out.
class ChatHistoryModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum class Kind { Message, OwnMessage, Notice, Error };
    Q_ENUM(Kind)

    enum Role {
        KindRole = Qt::UserRole + 1, // Kind
        TimeRole,                    // QDateTime (UTC for messages, local for notices)
        AuthorRole,                  // QString, messages only
        TextRole,                    // QString: the message, notice or error
    };

    struct Entry
    {
        Kind kind = Kind::Notice;
        QDateTime time;
        QString author;
        QString text;
    };

    explicit ChatHistoryModel(QObject *parent = nullptr);

    // Adds what the session reports: messages, joins, leaves, connection changes, errors.
    void follow(ChatSession *session);

    void addMessage(const QString &author, const QString &text, const QDateTime &time, bool own = false);
    void addNotice(const QString &text, const QDateTime &time = QDateTime::currentDateTime());
    void addError(const QString &text, const QDateTime &time = QDateTime::currentDateTime());
    void clear();

    // Oldest entries go beyond this many.
    int maximumEntries() const { return m_maximumEntries; }
    void setMaximumEntries(int count);

    const Entry &entry(int row) const { return m_entries.at(row); }
    // The display text of every row, for tests and logs.
    QStringList lines() const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    static QString lineOf(const Entry &entry);

private:
    void append(Entry entry);

    QList<Entry> m_entries;
    int m_maximumEntries = 5000;
};
