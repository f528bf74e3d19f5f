#pragma once

#include <Burrow/settings.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QObject>
#include <QtCore/QTimer>
#include <QtCore/QUrl>

#include <functional>
#include <memory>

namespace Burrow {
class Server;
class ServiceRegistry;
}
class ChatSession;
class ChatWindow;

// chat-client --screenshot: plays a short scene between the window's user and scripted
// participants (ChatSessions in this process), then saves the window's picture
// (QWidget::grab()).
//   Conversation: three others join, talk and leave (one by losing its connection), on the
//                 server the window is set to.
//   Reconnecting: a server of its own in this process, which goes away after a few messages:
//                 the window shows the connection lost and its reconnection attempts.
class ChatScreenshot : public QObject
{
    Q_OBJECT
public:
    enum class Scene { Conversation, Reconnecting };

    ChatScreenshot(ChatWindow *window, const QString &file, Scene scene, const Burrow::ClientSettings &settings,
                   QObject *parent = nullptr);
    ~ChatScreenshot() override;

    void start();
    // "conversation" or "reconnecting"; false for anything else.
    static bool sceneFromName(const QString &name, Scene *scene);

Q_SIGNALS:
    void finished(int exitCode);

private:
    struct Step
    {
        std::function<bool()> ready; // polled until true
        std::function<void()> action;
    };
    ChatSession *participant(const QString &nickname);
    bool windowSaw(const QString &text) const;
    void poll();
    void fail(const QString &why);
    void playConversation();
    void playReconnecting();
    void addGrab(int delay);

    ChatWindow *m_window;
    QString m_file;
    Scene m_scene;
    std::unique_ptr<Burrow::ServiceRegistry> m_registry; // Reconnecting: the server of its own
    std::unique_ptr<Burrow::Server> m_server;
    Burrow::ClientSettings m_settings;
    QUrl m_url;
    QList<ChatSession *> m_participants;
    QList<Step> m_steps;
    int m_next = 0;
    QTimer m_timer;
    QElapsedTimer m_sinceStep;
    QElapsedTimer m_total;
};
