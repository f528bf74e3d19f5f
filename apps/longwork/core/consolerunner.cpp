#include "consolerunner.h"

#include "longworksession.h"

ConsoleRunner::ConsoleRunner(LongWorkSession *session, QObject *parent) : QObject(parent), m_session(session)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        Q_EMIT message(tr("timed out with %n work(s) outstanding", nullptr, outstandingCount()));
        finish(1);
    });
    connect(session, &LongWorkSession::stateChanged, this, [this](LongWorkSession::State state) {
        switch (state) {
        case LongWorkSession::State::Connected:
            Q_EMIT message(tr("connected to %1").arg(m_session->url().toDisplayString()));
            startWaiting();
            break;
        case LongWorkSession::State::Reconnecting:
            Q_EMIT message(tr("reconnecting to %1").arg(m_session->url().toDisplayString()));
            break;
        case LongWorkSession::State::Disconnected:
            if (!m_finished) {
                Q_EMIT message(tr("cannot connect to %1: %2")
                                   .arg(m_session->url().toDisplayString(), m_session->errorString()));
                finish(2);
            }
            break;
        case LongWorkSession::State::Connecting:
            break;
        }
    });
    connect(session, &LongWorkSession::connectionLost, this,
            [this](const QString &reason) { Q_EMIT message(tr("%1; the works running are lost").arg(reason)); });
    connect(session, &LongWorkSession::errorOccurred, this, [this](const QString &error) {
        if (m_session->state() != LongWorkSession::State::Connected)
            Q_EMIT message(error);
    });
    connect(session, &LongWorkSession::workStarted, this,
            [this](quint64, const QString &name) { Q_EMIT message(tr("started %1").arg(name)); });
    connect(session, &LongWorkSession::workFinished, this, [this](quint64, const QString &name, int timeTaken) {
        --m_started;
        Q_EMIT resultLine(QStringLiteral("finished %1 %2ms").arg(name).arg(timeTaken));
        checkDone();
    });
    connect(session, &LongWorkSession::workFailed, this, [this](quint64, const QString &name, const QString &reason) {
        --m_started;
        Q_EMIT resultLine(QStringLiteral("failed %1: %2").arg(name, reason));
        checkDone();
    });
}

void ConsoleRunner::start()
{
    if (m_timeout > 0)
        m_timer.start(m_timeout);
    startWaiting();
}

void ConsoleRunner::addLine(const QString &line)
{
    const QString name = line.trimmed();
    if (name.isEmpty() || m_finished)
        return;
    m_waiting.append(name);
    startWaiting();
}

void ConsoleRunner::endInput()
{
    m_inputEnded = true;
    checkDone();
}

void ConsoleRunner::startWaiting()
{
    while (!m_finished && !m_waiting.isEmpty() && m_session->state() == LongWorkSession::State::Connected) {
        const QString name = m_waiting.takeFirst();
        if (m_session->startWork(name) == 0) {
            m_waiting.prepend(name);
            break;
        }
        ++m_started;
    }
}

void ConsoleRunner::checkDone()
{
    if (m_inputEnded && m_waiting.isEmpty() && m_started == 0)
        finish(0);
}

void ConsoleRunner::finish(int exitCode)
{
    if (m_finished)
        return;
    m_finished = true;
    m_timer.stop();
    Q_EMIT finished(exitCode);
}
