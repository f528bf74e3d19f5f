#include "chatservice.h"

#include "chatlogging.h"
#include "chatrules.h"

#include <Burrow/callcontext.h>
#include <Burrow/connection.h>
#include <Burrow/serviceregistry.h>

#include <algorithm>

ChatService::ChatService(QObject *parent) : IChatService(parent) {}

ChatService::~ChatService() = default;

ChatService *ChatService::registerWith(Burrow::ServiceRegistry *registry)
{
    auto *service = new ChatService;
    if (!registry->registerService<IChatService>([service] { return service; }, Burrow::Lifetime::Shared,
                                                 Burrow::Execution::LockedPerInterface)) {
        delete service;
        return nullptr;
    }
    // Direct: emitted in the connection's thread as soon as the release is known. The
    // connection goes with the service.
    QObject::connect(registry, &Burrow::ServiceRegistry::callbackReleased, service,
                     [service](QObject *callback, const QString &) { service->markReleased(callback); },
                     Qt::DirectConnection);
    return service;
}

void ChatService::markReleased(QObject *callback)
{
    QMutexLocker locker(&m_releasedMutex);
    if (const auto flag = m_releasedFlags.value(callback))
        flag->store(true, std::memory_order_relaxed);
}

ChatService::CallerId ChatService::currentCaller()
{
    const Burrow::CallContext *context = Burrow::CallContext::current();
    if (!context)
        return localCaller;
    if (Burrow::Connection *connection = context->connection())
        return connection->id();
    return anonymousCaller;
}

QString ChatService::connectionLostReason()
{
    return QStringLiteral("connection lost");
}

ChatResult ChatService::join(const QString &nickname, QSharedPointer<IChatCallback> callback)
{
    return joinAs(currentCaller(), nickname, std::move(callback));
}

ChatResult ChatService::say(const QString &text)
{
    return sayAs(currentCaller(), text);
}

void ChatService::leave()
{
    leaveAs(currentCaller());
}

QStringList ChatService::members()
{
    QMutexLocker locker(&m_mutex);
    return sortedNicknames();
}

QStringList ChatService::sortedNicknames() const
{
    QStringList names;
    names.reserve(m_members.size());
    for (const Member &member : m_members)
        names.append(member.nickname);
    std::sort(names.begin(), names.end(), [](const QString &a, const QString &b) {
        const int order = a.compare(b, Qt::CaseInsensitive);
        return order != 0 ? order < 0 : a < b;
    });
    return names;
}

ChatResult ChatService::refuse(CallerId caller, const char *what, const ChatResult &result)
{
    ++m_statistics.refusals;
    qCInfo(lcChatServer).noquote() << QStringLiteral("caller %1: %2 refused: %3")
                                          .arg(caller)
                                          .arg(QLatin1String(what), result.errorString);
    return result;
}

ChatResult ChatService::joinAs(CallerId caller, const QString &nickname, QSharedPointer<IChatCallback> callback)
{
    QMutexLocker locker(&m_mutex);
    if (caller == anonymousCaller) {
        return refuse(caller, "join",
                      ChatResult::failure(ChatResult::Error::NoCallback,
                                          QStringLiteral("joining needs a WebSocket connection")));
    }
    ChatResult check = ChatRules::checkNickname(nickname);
    if (!check.isOk())
        return refuse(caller, "join", check);
    if (!callback) {
        return refuse(caller, "join",
                      ChatResult::failure(ChatResult::Error::NoCallback,
                                          QStringLiteral("join needs a callback to deliver messages to")));
    }
    const auto existing = m_members.constFind(caller);
    if (existing != m_members.constEnd()) {
        return refuse(caller, "join",
                      ChatResult::failure(ChatResult::Error::AlreadyJoined,
                                          QStringLiteral("this connection has joined already, as \"%1\"")
                                              .arg(existing->nickname)));
    }
    Member member;
    member.nickname = ChatRules::normalizedNickname(nickname);
    member.key = ChatRules::nicknameKey(nickname);
    member.callback = std::move(callback);
    member.released = std::make_shared<std::atomic<bool>>(false);
    if (const auto holder = m_byKey.constFind(member.key); holder != m_byKey.constEnd()) {
        return refuse(caller, "join",
                      ChatResult::failure(ChatResult::Error::NicknameTaken,
                                          QStringLiteral("the nickname \"%1\" is taken by another member")
                                              .arg(m_members.value(holder.value()).nickname)));
    }

    const QList<Member> others = m_members.values();
    m_byKey.insert(member.key, caller);
    m_members.insert(caller, member);
    {
        QMutexLocker releasedLocker(&m_releasedMutex);
        m_releasedFlags.insert(member.callback.data(), member.released);
    }
    ++m_statistics.joins;
    qCInfo(lcChatServer).noquote() << QStringLiteral("%1 joined (caller %2); %3 member(s)")
                                          .arg(member.nickname)
                                          .arg(caller)
                                          .arg(m_members.size());
    for (const Member &other : others) {
        if (!other.released->load(std::memory_order_relaxed))
            other.callback->memberJoined(member.nickname);
    }

    ChatResult result;
    result.members = sortedNicknames();
    result.time = QDateTime::currentDateTimeUtc();
    return result;
}

ChatResult ChatService::sayAs(CallerId caller, const QString &text)
{
    QMutexLocker locker(&m_mutex);
    const auto author = m_members.constFind(caller);
    if (author == m_members.constEnd()) {
        return refuse(caller, "say",
                      ChatResult::failure(ChatResult::Error::NotJoined,
                                          QStringLiteral("join the chat before posting")));
    }
    ChatResult check = ChatRules::checkMessage(text);
    if (!check.isOk())
        return refuse(caller, "say", check);

    const QString nickname = author->nickname;
    const QDateTime time = QDateTime::currentDateTimeUtc();
    // A copy: a local callback may make someone leave while we go through the list.
    const QHash<CallerId, Member> members = m_members;
    ++m_statistics.messages;
    for (auto it = members.cbegin(); it != members.cend(); ++it) {
        if (it.key() == caller || it->released->load(std::memory_order_relaxed))
            continue;
        it->callback->messagePosted(nickname, text, time);
        ++m_statistics.deliveries;
    }
    ChatResult result;
    result.time = time;
    return result;
}

bool ChatService::leaveAs(CallerId caller, const QString &reason)
{
    QMutexLocker locker(&m_mutex);
    const auto it = m_members.find(caller);
    if (it == m_members.end())
        return false;
    const Member member = it.value();
    m_members.erase(it);
    m_byKey.remove(member.key);
    {
        QMutexLocker releasedLocker(&m_releasedMutex);
        m_releasedFlags.remove(member.callback.data());
    }
    ++m_statistics.leaves;
    qCInfo(lcChatServer).noquote() << QStringLiteral("%1 left (caller %2%3); %4 member(s)")
                                          .arg(member.nickname)
                                          .arg(caller)
                                          .arg(reason.isEmpty() ? QString() : QStringLiteral(", ") + reason)
                                          .arg(m_members.size());
    const QList<Member> others = m_members.values();
    for (const Member &other : others) {
        if (!other.released->load(std::memory_order_relaxed))
            other.callback->memberLeft(member.nickname, reason);
    }
    return true;
}

void ChatService::callbackReleased(QObject *callback, const QString &interfaceName)
{
    Q_UNUSED(interfaceName);
    QMutexLocker locker(&m_mutex);
    for (auto it = m_members.cbegin(); it != m_members.cend(); ++it) {
        if (static_cast<QObject *>(it->callback.data()) != callback)
            continue;
        // The registry tells a release by the client on its connection, and a closed
        // connection without one.
        const Burrow::CallContext *context = Burrow::CallContext::current();
        const bool connectionClosed = context && !context->connection();
        leaveAs(it.key(), connectionClosed ? connectionLostReason() : QString());
        return;
    }
}

QString ChatService::nicknameOf(CallerId caller) const
{
    QMutexLocker locker(&m_mutex);
    return m_members.value(caller).nickname;
}

ChatService::Statistics ChatService::statistics() const
{
    QMutexLocker locker(&m_mutex);
    Statistics statistics = m_statistics;
    statistics.members = int(m_members.size());
    return statistics;
}
