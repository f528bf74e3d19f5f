#pragma once

// The chat contracts, shared by chat-server and its clients: the publish/subscribe chat of the
// reference documentation (a service that broadcasts to the callbacks of its members), with
// nicknames, a member list and reasons for leaving.

#include <Burrow/contract.h>

#include <QtCore/QDateTime>
#include <QtCore/QSharedPointer>
#include <QtCore/QString>
#include <QtCore/QStringList>

// The answer to join() and say(): success, or why the request was refused.
struct ChatResult
{
    Q_GADGET
    Q_PROPERTY(ChatResult::Error error MEMBER error)
    Q_PROPERTY(QString errorString MEMBER errorString)
    Q_PROPERTY(QStringList members MEMBER members)
    Q_PROPERTY(QDateTime time MEMBER time)
public:
    enum class Error {
        NoError,
        NicknameEmpty,
        NicknameTooLong,
        NicknameInvalid, // control characters
        NicknameTaken,   // another member has it (compared case-insensitively)
        AlreadyJoined,   // this connection has joined already
        NotJoined,       // say() before join()
        MessageEmpty,
        MessageTooLong,
        NoCallback,      // join() without a callback to deliver messages to
    };
    Q_ENUM(Error)

    Error error = Error::NoError;
    QString errorString;   // for people; empty without error
    QStringList members;   // join(): the members, the caller included, sorted
    QDateTime time;        // the server's time (UTC) of the join or of the message

    bool isOk() const { return error == Error::NoError; }
    static ChatResult failure(Error error, const QString &errorString)
    {
        ChatResult result;
        result.error = error;
        result.errorString = errorString;
        return result;
    }
};

// What a member is told. Calls arrive in the thread of the callback object.
class IChatCallback : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("BurrowInterface", "ChatCallback")
    BURROW_CONTRACT
public:
    using QObject::QObject;

    // Another member posted text; time is the server's (UTC).
    Q_INVOKABLE virtual void messagePosted(const QString &author, const QString &text, const QDateTime &time) = 0;
    Q_INVOKABLE virtual void memberJoined(const QString &nickname) = 0;
    // reason: empty when the member left on purpose, else e.g. "connection lost".
    Q_INVOKABLE virtual void memberLeft(const QString &nickname, const QString &reason) = 0;
};

// The chat room. A member is a connection (one nickname per connection): say() and leave()
// act for the member who joined on the calling connection.
class IChatService : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("BurrowInterface", "ChatService")
    BURROW_CONTRACT
public:
    using QObject::QObject;

    // Joins as nickname; the other members are told, and callback receives what they post from
    // now on. Refused (ChatResult::error) for an invalid or taken nickname.
    Q_INVOKABLE virtual ChatResult join(const QString &nickname, QSharedPointer<IChatCallback> callback) = 0;
    // Posts text to every other member; refused when not joined, empty or too long.
    Q_INVOKABLE virtual ChatResult say(const QString &text) = 0;
    // Leaves the room (the others are told); does nothing when not joined.
    Q_INVOKABLE virtual void leave() = 0;
    // The nicknames of the members, sorted case-insensitively.
    Q_INVOKABLE virtual QStringList members() = 0;
};
