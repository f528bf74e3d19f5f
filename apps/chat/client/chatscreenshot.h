#pragma once

#include <Burrow/settings.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QObject>
#include <QtCore/QTimer>
#include <QtCore/QUrl>

#include <functional>

class ChatSession;
class ChatWindow;

// chat-client --screenshot: plays a short conversation between the window's user and three
// scripted participants (ChatSessions in this process, on the same server), then saves the
// window's picture (QWidget::grab()).
class ChatScreenshot : public QObject
{
    Q_OBJECT
public:
    ChatScreenshot(ChatWindow *window, const QString &file, const Burrow::ClientSettings &settings,
                   QObject *parent = nullptr);
    ~ChatScreenshot() override;

    void start();

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

    ChatWindow *m_window;
    QString m_file;
    Burrow::ClientSettings m_settings;
    QUrl m_url;
    QList<ChatSession *> m_participants;
    QList<Step> m_steps;
    int m_next = 0;
    QTimer m_timer;
    QElapsedTimer m_sinceStep;
    QElapsedTimer m_total;
};
