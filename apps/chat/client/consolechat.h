#pragma once

#include "chatsession.h"

#include <QtCore/QObject>
#include <QtCore/QStringList>

QT_BEGIN_NAMESPACE
class QSocketNotifier;
QT_END_NAMESPACE

// chat-client --console: each line read from standard input is posted; what arrives is printed
// on standard output ("[12:01:02] <alice> hello", "* bob joined", "* bob left (connection
// lost)"), errors on standard error ("! ..."). Lines typed while not a member wait for the
// next (re)join. "/members" lists the members, "/quit" (or the end of input, once every line
// is sent) leaves and ends.
class ConsoleChat : public QObject
{
    Q_OBJECT
public:
    explicit ConsoleChat(QObject *parent = nullptr);

    ChatSession *session() { return &m_session; }

    // Joins, and starts reading standard input.
    void start(const QUrl &url, const QString &nickname);

Q_SIGNALS:
    // The session is over: 0 after leaving, 1 when it could not join (or gave up).
    void finished(int exitCode);

private:
    void readInput();
    void handleLine(const QString &line);
    void sendQueued();
    void finishWhenSent();
    void leave();
    void finish(int exitCode);

    static void print(const QString &line);
    static void printError(const QString &line);

    ChatSession m_session;
    QSocketNotifier *m_notifier = nullptr;
    QByteArray m_buffer;
    QStringList m_queue;      // lines waiting for the session to (re)join
    bool m_inputEnded = false;
    bool m_leaving = false;
    bool m_finished = false;
};
