#include "stdinreader.h"

#include <QtCore/QMetaObject>
#include <QtCore/QSocketNotifier>

#ifdef Q_OS_UNIX
#  include <cerrno>
#  include <unistd.h>
#else
#  include <iostream>
#  include <string>
#  include <thread>
#endif

StdinReader::StdinReader(QObject *parent) : QObject(parent) {}

void StdinReader::start()
{
#ifdef Q_OS_UNIX
    m_notifier = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &StdinReader::readAvailable);
#else
    // No pollable stdin here: a detached thread reads it (and may outlive the event loop).
    std::thread([this] {
        std::string line;
        while (std::getline(std::cin, line))
            QMetaObject::invokeMethod(this, [this, text = QString::fromStdString(line)] { Q_EMIT lineRead(text); });
        QMetaObject::invokeMethod(this, [this] { Q_EMIT inputEnded(); });
    }).detach();
#endif
}

void StdinReader::readAvailable()
{
#ifdef Q_OS_UNIX
    char chunk[4096];
    const ssize_t got = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (got < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (got > 0)
        m_buffer.append(chunk, qsizetype(got));
    qsizetype newline;
    while ((newline = m_buffer.indexOf('\n')) >= 0) {
        const QByteArray line = m_buffer.left(newline);
        m_buffer.remove(0, newline + 1);
        Q_EMIT lineRead(QString::fromUtf8(line).trimmed());
    }
    if (got <= 0) {
        m_notifier->setEnabled(false);
        if (!m_buffer.isEmpty())
            Q_EMIT lineRead(QString::fromUtf8(std::exchange(m_buffer, {})).trimmed());
        Q_EMIT inputEnded();
    }
#endif
}
