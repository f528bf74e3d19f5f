#pragma once

// For the apps' scripted modes (screenshots, load runs): wait on the calling thread while still
// processing its events, since what is awaited (a connection, a sync) is delivered by them.

#include <QtCore/QCoreApplication>
#include <QtCore/QDeadlineTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QThread>

namespace BurrowApps {

// Processes events until condition() holds or milliseconds pass; returns condition()'s last value.
template<typename Condition>
bool waitUntil(Condition &&condition, int milliseconds)
{
    const QDeadlineTimer deadline(milliseconds);
    while (!condition()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::usleep(500); // events arriving between two passes are taken in the next one
    }
    return true;
}

// Processes events for milliseconds (lets animations and highlights reach a stable picture).
inline void processEventsFor(int milliseconds)
{
    waitUntil([] { return false; }, milliseconds);
}

} // namespace BurrowApps
