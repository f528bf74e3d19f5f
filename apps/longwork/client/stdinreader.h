#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QObject>

QT_BEGIN_NAMESPACE
class QSocketNotifier;
QT_END_NAMESPACE

// Reads standard input line by line without blocking the event loop.
class StdinReader : public QObject
{
    Q_OBJECT
public:
    explicit StdinReader(QObject *parent = nullptr);
    void start();

Q_SIGNALS:
    void lineRead(const QString &line);
    void inputEnded();

private:
    void readAvailable();

    QSocketNotifier *m_notifier = nullptr;
    QByteArray m_buffer;
};
