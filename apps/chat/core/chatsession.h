#pragma once

#include "chatcontracts.h"

#include <Burrow/client.h>
#include <Burrow/settings.h>

#include <QtCore/QDateTime>
#include <QtCore/QObject>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

#include <memory>

class ChatSessionPrivate;

// The client side of the chat, for the window and the console alike: connects to a chat
// server, joins under a nickname, posts, and turns what the server calls back into signals.
//
// Never blocks: every call to the server is asynchronous (the generated IChatServiceAsync), and
// the answers come back in this object's thread. With ClientSettings::Reconnect::Automatically
// (the default here, and in AppOptions::clientSettings()) a lost connection is reopened with
// backoff and the session joins again under the same nickname.
//
//     ChatSession session;
//     session.setClientSettings(options.clientSettings());
//     QObject::connect(&session, &ChatSession::messageReceived, ...);
//     session.open(QUrl("ws://localhost:8870/"), "alice");
//     ...
//     session.send("hello");
//     session.close(); // leaves, then disconnects; closed() follows
class ChatSession : public QObject
{
    Q_OBJECT
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
public:
    enum class State {
        Disconnected, // not open, or given up (see error())
        Connecting,   // opening the first connection
        Joining,      // connected, join() sent
        Joined,       // a member: send() works
        Reconnecting, // the connection was lost (or could not be opened): retrying
        Leaving,      // close() was called: leaving, then disconnecting
    };
    Q_ENUM(State)

    enum class Error {
        NoError,
        ConnectionFailed, // could not connect, or lost the connection (transient with reconnection)
        Unauthorized,     // wrong key, TLS failure, unsupported protocol: retrying would not help
        ServiceMissing,   // the server does not serve the chat (or another version of it)
        JoinRefused,      // the nickname was refused (ChatResult says why): the session stops
        SendRefused,      // a message was refused, or could not be sent
        NotJoined,        // send() while not a member
    };
    Q_ENUM(Error)

    explicit ChatSession(QObject *parent = nullptr);
    ~ChatSession() override;

    // Default: Burrow's, but with Reconnect::Automatically.
    Burrow::ClientSettings clientSettings() const;
    // Applies to the next open().
    void setClientSettings(const Burrow::ClientSettings &settings);

    // Connects to url (ws:// or wss://) and joins as nickname; keeps the membership across
    // reconnections until close(). An open session is closed first (without waiting).
    void open(const QUrl &url, const QString &nickname);
    // Leaves the room (so that the others see a member leaving on purpose), then disconnects;
    // closed() follows, within the answer timeout at worst.
    void close();
    // Disconnects at once, without saying goodbye (the server sees the connection close).
    void abort();

    // Posts text to the others. False, with errorOccurred(NotJoined), when not a member; the
    // outcome comes later as messageSent() or errorOccurred(SendRefused).
    bool send(const QString &text);

    State state() const;
    bool isJoined() const { return state() == State::Joined; }
    QUrl url() const;
    QString nickname() const;
    // The members as last known (empty when not joined), sorted case-insensitively.
    QStringList members() const;
    Error error() const;
    QString errorString() const;
    // Messages sent and not acknowledged yet.
    int pendingCount() const;

    Burrow::Client *client() const;

    // "connected", "reconnecting…" and so on, for a status bar.
    static QString stateText(State state);

Q_SIGNALS:
    void stateChanged(ChatSession::State state);
    // Joined (again, after a reconnection: rejoined is true), with the members at that time.
    void joined(const QStringList &members, bool rejoined);
    void membersChanged(const QStringList &members);
    void messageReceived(const QString &author, const QString &text, const QDateTime &time);
    // One of our messages, acknowledged by the server; time is the server's.
    void messageSent(const QString &text, const QDateTime &time);
    void memberJoined(const QString &nickname);
    // reason: empty when the member left on purpose.
    void memberLeft(const QString &nickname, const QString &reason);
    // The connection dropped while a member; the session reconnects and joins again.
    void connectionLost(const QString &reason);
    void errorOccurred(ChatSession::Error error, const QString &message);
    // After close() (or abort(), or a refusal that stops the session): disconnected.
    void closed();

private:
    friend class ChatSessionPrivate;
    std::unique_ptr<ChatSessionPrivate> d;
};
