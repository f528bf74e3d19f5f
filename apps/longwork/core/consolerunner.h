#pragma once

#include <QtCore/QObject>
#include <QtCore/QStringList>
#include <QtCore/QTimer>

class LongWorkSession;

// longwork-client --console: each line given is the name of a work to start (blank lines are
// skipped); names given while not connected wait for the connection. Every work gives one
// result line, "finished <name> <ms>ms" or "failed <name>: <reason>". Once the input has ended
// and every work started has come back, finished(0) is emitted; finished(1) when the timeout
// expires first, finished(2) when the session gives up connecting.
class ConsoleRunner : public QObject
{
    Q_OBJECT
public:
    explicit ConsoleRunner(LongWorkSession *session, QObject *parent = nullptr);

    // Milliseconds from start() until the runner gives up; 0 (the default): never.
    void setTimeout(int milliseconds) { m_timeout = milliseconds; }
    void start();

    int outstandingCount() const { return int(m_waiting.size()) + m_started; }

public Q_SLOTS:
    void addLine(const QString &line);
    void endInput();

Q_SIGNALS:
    // A result line (for stdout).
    void resultLine(const QString &line);
    // Progress and problems (for stderr).
    void message(const QString &text);
    void finished(int exitCode);

private:
    void startWaiting();
    void checkDone();
    void finish(int exitCode);

    LongWorkSession *m_session;
    QStringList m_waiting; // names not sent yet
    int m_started = 0;     // sent, not come back yet
    bool m_inputEnded = false;
    bool m_finished = false;
    int m_timeout = 0;
    QTimer m_timer;
};
