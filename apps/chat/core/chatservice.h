#pragma once

#include "chatcontracts.h"

#include <QtCore/QHash>
#include <QtCore/QMutex>
#include <QtCore/QRecursiveMutex>

#include <atomic>
#include <memory>

namespace Burrow {
class ServiceRegistry;
}

// The chat room served by chat-server, registered Shared and LockedPerInterface as the
// reference registers its chat (sicShared, optExecLockedPerInterface):
//
//     ChatService *chat = ChatService::registerWith(&registry);
//
// A member is a caller: the connection a call came on (Burrow::CallContext). A member leaves
// with leave(), when its client releases the callback it joined with, or when its connection
// closes (callbackReleased(), the registry's release convention); the others are told why.
//
// Thread-safe: LockedPerInterface runs one call at a time, and a lock keeps direct calls from
// several threads in order too. Callbacks are called with the lock held, so that every member
// sees the same order; a local callback may call back into the service (the lock is recursive).
class ChatService : public IChatService
{
    Q_OBJECT
public:
    // Who is calling: a connection id, or localCaller for a direct call in this process.
    using CallerId = quint64;
    static constexpr CallerId localCaller = 0;
    // A remote call without a connection (RPC over plain HTTP): it can never be a member.
    static constexpr CallerId anonymousCaller = ~CallerId(0);

    struct Statistics
    {
        int members = 0;
        quint64 joins = 0;
        quint64 leaves = 0;
        quint64 messages = 0;   // accepted by say()
        quint64 deliveries = 0; // messagePosted() calls made
        quint64 refusals = 0;   // join() and say() calls refused
    };

    explicit ChatService(QObject *parent = nullptr);
    ~ChatService() override;

    // Registers a new ChatService with the registry (Shared, LockedPerInterface; the registry
    // owns it) and has it follow the registry's callbackReleased() signal, so that a member
    // whose callback is gone is skipped at once, before callbackReleased() makes it leave.
    static ChatService *registerWith(Burrow::ServiceRegistry *registry);
    // Skips the member holding this callback in broadcasts from now on. Thread-safe; cheap.
    void markReleased(QObject *callback);

    // IChatService, for the caller of the current call (currentCaller()).
    ChatResult join(const QString &nickname, QSharedPointer<IChatCallback> callback) override;
    ChatResult say(const QString &text) override;
    void leave() override;
    QStringList members() override;

    // The registry calls this when a callback this service received is released by its client,
    // or when the callback's connection closes.
    Q_INVOKABLE void callbackReleased(QObject *callback, const QString &interfaceName);

    // The same operations for a caller named explicitly: in-process members and tests.
    ChatResult joinAs(CallerId caller, const QString &nickname, QSharedPointer<IChatCallback> callback);
    ChatResult sayAs(CallerId caller, const QString &text);
    // reason: empty for a member leaving on purpose. False if caller was not a member.
    bool leaveAs(CallerId caller, const QString &reason = QString());
    QString nicknameOf(CallerId caller) const;

    Statistics statistics() const;

    // The id of the connection the current call came on; localCaller outside a remote call,
    // anonymousCaller for a remote call without a WebSocket connection.
    static CallerId currentCaller();

    // Reasons given to memberLeft().
    static QString connectionLostReason();

private:
    struct Member
    {
        QString nickname;
        QString key; // ChatRules::nicknameKey()
        QSharedPointer<IChatCallback> callback;
        std::shared_ptr<std::atomic<bool>> released; // set by markReleased()
    };

    ChatResult refuse(CallerId caller, const char *what, const ChatResult &result);
    QStringList sortedNicknames() const; // m_mutex held

    mutable QRecursiveMutex m_mutex;
    QHash<CallerId, Member> m_members;
    QHash<QString, CallerId> m_byKey;
    Statistics m_statistics;

    // markReleased() runs in the connection's thread while a broadcast may hold m_mutex: it
    // has its own lock.
    QMutex m_releasedMutex;
    QHash<QObject *, std::shared_ptr<std::atomic<bool>>> m_releasedFlags;
};
