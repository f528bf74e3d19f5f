#pragma once

// Helpers for the chat tests: a chat server in this process, a recording callback, and a
// ChatSession whose events are kept as the console's lines.

#include "chathistorymodel.h"
#include "chatservice.h"
#include "chatsession.h"

#include <Burrow/server.h>
#include <Burrow/serviceregistry.h>

#include <QtCore/QMutex>
#include <QtTest/QtTest>

#include <memory>

namespace ChatTest {

// A Burrow::Server serving ChatService as chat-server does.
struct ChatServer
{
    Burrow::Server server;
    Burrow::ServiceRegistry registry;
    QPointer<ChatService> service;

    bool start(quint16 port = 0, const Burrow::ServerSettings &settings = Burrow::ServerSettings())
    {
        service = ChatService::registerWith(&registry);
        server.setSettings(settings);
        registry.attach(&server);
        if (!server.listen(QHostAddress::LocalHost, port)) {
            qWarning() << "listen failed:" << server.errorString();
            return false;
        }
        return true;
    }
    QUrl url() const { return server.webSocketUrl(); }
    quint16 port() const { return server.serverPort(); }
};

// Records what a member is told, as short lines ("msg alice: hi", "joined bob",
// "left bob (connection lost)"). Thread-safe.
class Recorder : public IChatCallback
{
    Q_OBJECT
public:
    void messagePosted(const QString &author, const QString &text, const QDateTime &time) override
    {
        QMutexLocker locker(&m_mutex);
        m_events.append(QStringLiteral("msg %1: %2").arg(author, text));
        m_lastTime = time;
    }
    void memberJoined(const QString &nickname) override
    {
        QMutexLocker locker(&m_mutex);
        m_events.append(QStringLiteral("joined %1").arg(nickname));
    }
    void memberLeft(const QString &nickname, const QString &reason) override
    {
        QMutexLocker locker(&m_mutex);
        m_events.append(QStringLiteral("left %1 (%2)").arg(nickname, reason));
    }
    QStringList events() const
    {
        QMutexLocker locker(&m_mutex);
        return m_events;
    }
    QDateTime lastTime() const
    {
        QMutexLocker locker(&m_mutex);
        return m_lastTime;
    }
    void clear()
    {
        QMutexLocker locker(&m_mutex);
        m_events.clear();
    }

private:
    mutable QMutex m_mutex;
    QStringList m_events;
    QDateTime m_lastTime;
};

// A ChatSession and what it reported, as the console would print it.
struct Participant
{
    ChatSession session;
    ChatHistoryModel history;
    QList<ChatSession::Error> errors;

    explicit Participant(const QString &subprotocol = QString::fromLatin1(Burrow::BinarySubprotocol))
    {
        Burrow::ClientSettings settings;
        settings.setSubprotocol(subprotocol);
        settings.setReconnect(Burrow::ClientSettings::Reconnect::Automatically);
        settings.setReconnectInitialDelay(50);
        settings.setReconnectMaxDelay(300);
        settings.setAnswerTimeout(10000);
        session.setClientSettings(settings);
        history.follow(&session);
        QObject::connect(&session, &ChatSession::errorOccurred, &session,
                         [this](ChatSession::Error error, const QString &) { errors.append(error); });
    }

    bool join(const QUrl &url, const QString &nickname, int timeout = 10000)
    {
        session.open(url, nickname);
        if (!QTest::qWaitFor([this] { return session.isJoined() || session.state() == ChatSession::State::Disconnected; },
                             timeout)) {
            qWarning() << nickname << "did not join:" << session.state() << session.errorString();
            return false;
        }
        if (!session.isJoined())
            qWarning() << nickname << "could not join:" << session.errorString();
        return session.isJoined();
    }

    QStringList lines() const { return history.lines(); }
    // Lines with the time stamp ("[hh:mm:ss] ") removed.
    QStringList untimedLines() const
    {
        QStringList result;
        for (QString line : history.lines()) {
            if (line.startsWith(QLatin1Char('[')))
                line = line.mid(11);
            result.append(line);
        }
        return result;
    }
    bool saw(const QString &line) const { return untimedLines().contains(line); }
};

inline void addSubprotocolRows()
{
    QTest::addColumn<QString>("subprotocol");
    QTest::newRow("binary") << QString::fromLatin1(Burrow::BinarySubprotocol);
    QTest::newRow("json") << QString::fromLatin1(Burrow::JsonSubprotocol);
}

} // namespace ChatTest
