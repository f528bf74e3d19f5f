#include "consolechat.h"

#include "chatformat.h"

#include <QtCore/QSocketNotifier>
#include <QtCore/QTimer>

#include <cerrno>
#include <cstdio>
#include <unistd.h>

namespace {
// How long the end of input waits for queued lines to be sent before leaving anyway.
constexpr int drainTimeout = 30000;
} // namespace

ConsoleChat::ConsoleChat(QObject *parent) : QObject(parent)
{
    connect(&m_session, &ChatSession::joined, this, [this](const QStringList &members, bool rejoined) {
        print(ChatFormat::welcomeLine(m_session.nickname(), members, rejoined));
        sendQueued();
    });
    connect(&m_session, &ChatSession::messageReceived, this,
            [](const QString &author, const QString &text, const QDateTime &time) {
                print(ChatFormat::messageLine(time, author, text));
            });
    connect(&m_session, &ChatSession::memberJoined, this,
            [](const QString &nickname) { print(ChatFormat::joinedLine(nickname)); });
    connect(&m_session, &ChatSession::memberLeft, this,
            [](const QString &nickname, const QString &reason) { print(ChatFormat::leftLine(nickname, reason)); });
    connect(&m_session, &ChatSession::connectionLost, this,
            [](const QString &reason) { print(ChatFormat::connectionLostLine(reason)); });
    connect(&m_session, &ChatSession::errorOccurred, this, [this](ChatSession::Error, const QString &message) {
        printError(message);
        finishWhenSent(); // a refused message is done with too
    });
    connect(&m_session, &ChatSession::messageSent, this, [this] { finishWhenSent(); });
    // Closed without leave(): the session gave up (a refused nickname, a wrong key...).
    connect(&m_session, &ChatSession::closed, this, [this] { finish(m_leaving ? 0 : 1); });
}

void ConsoleChat::start(const QUrl &url, const QString &nickname)
{
    m_notifier = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &ConsoleChat::readInput);
    m_session.open(url, nickname);
}

void ConsoleChat::readInput()
{
    char chunk[65536];
    const ssize_t got = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (got < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (got > 0) {
        m_buffer.append(chunk, got);
        qsizetype end;
        while ((end = m_buffer.indexOf('\n')) >= 0) {
            QByteArray line = m_buffer.left(end);
            m_buffer.remove(0, end + 1);
            if (line.endsWith('\r'))
                line.chop(1);
            handleLine(QString::fromUtf8(line));
        }
        return;
    }
    // End of input (or an error reading it): a last line without its newline counts too.
    m_notifier->setEnabled(false);
    if (!m_buffer.isEmpty()) {
        handleLine(QString::fromUtf8(m_buffer));
        m_buffer.clear();
    }
    m_inputEnded = true;
    QTimer::singleShot(drainTimeout, this, [this] {
        if (!m_queue.isEmpty())
            printError(QStringLiteral("%1 line(s) not sent").arg(m_queue.size()));
        m_queue.clear();
        leave();
    });
    finishWhenSent();
}

void ConsoleChat::handleLine(const QString &line)
{
    if (line.trimmed().isEmpty() || m_leaving)
        return;
    if (line.trimmed() == QLatin1String("/quit")) {
        m_inputEnded = true;
        m_queue.clear();
        m_notifier->setEnabled(false);
        leave();
        return;
    }
    if (line.trimmed() == QLatin1String("/members")) {
        print(QStringLiteral("* %1 member(s): %2")
                  .arg(m_session.members().size())
                  .arg(ChatFormat::printable(m_session.members().join(QStringLiteral(", ")))));
        return;
    }
    m_queue.append(line);
    sendQueued();
}

void ConsoleChat::sendQueued()
{
    if (!m_session.isJoined())
        return;
    while (!m_queue.isEmpty()) {
        if (!m_session.send(m_queue.constFirst()))
            return;
        m_queue.removeFirst();
    }
}

void ConsoleChat::finishWhenSent()
{
    if (m_inputEnded && m_queue.isEmpty() && m_session.pendingCount() == 0)
        leave();
}

void ConsoleChat::leave()
{
    if (m_leaving)
        return;
    m_leaving = true;
    if (m_session.state() == ChatSession::State::Disconnected)
        finish(0);
    else
        m_session.close();
}

void ConsoleChat::finish(int exitCode)
{
    if (m_finished)
        return;
    m_finished = true;
    if (m_notifier)
        m_notifier->setEnabled(false);
    Q_EMIT finished(exitCode);
}

void ConsoleChat::print(const QString &line)
{
    std::fputs(line.toUtf8().constData(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

void ConsoleChat::printError(const QString &line)
{
    std::fputs("! ", stderr);
    std::fputs(ChatFormat::printable(line).toUtf8().constData(), stderr);
    std::fputc('\n', stderr);
    std::fflush(stderr);
}
