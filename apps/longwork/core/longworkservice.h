#pragma once

#include "longworkcontracts.h"
#include "workplanner.h"

#include <memory>

class LongWorkServicePrivate;

// The server side of the long-work sample (register it with Lifetime::Shared): each work runs
// on a worker thread of its own for a while, then ends in success or in a random failure, and
// the callback hears about it from that thread. A work whose callback was released (the client
// dropped it, or disconnected) ends without telling anyone.
//
//     registry.registerService<ILongWorkService>([] { return new LongWorkService(settings); },
//                                                Lifetime::Shared);
//
// Logs each work in the "longwork.server" category.
class LongWorkService : public ILongWorkService
{
    Q_OBJECT
public:
    explicit LongWorkService(const LongWorkSettings &settings = LongWorkSettings(), QObject *parent = nullptr);
    // Calls stop().
    ~LongWorkService() override;

    LongWorkSettings settings() const;

    // Throws std::invalid_argument for an empty name (the caller gets ImplementationError).
    // A null callback is accepted: the work runs and nobody hears of it.
    void startWork(const QString &workName, QSharedPointer<ILongWorkCallback> onFinish) override;
    int totalWorkCount() override;

    int runningWorkCount() const;
    // Waits until no work is running; false on timeout (-1: no limit).
    bool waitForIdle(int milliseconds = -1);
    // Ends the running works at once, each failing with "the server is shutting down" (their
    // callbacks are still called), and waits for their threads. Later works are refused.
    void stop();

    // The ServiceRegistry release convention: the client released a callback, or its
    // connection closed. The works holding it will end silently.
    Q_INVOKABLE void callbackReleased(QObject *callback, const QString &interfaceName);

Q_SIGNALS:
    // Emitted from the work's thread once it has ended; delivered is false when nobody could be
    // told (no callback, or it was released).
    void workEnded(const QString &workName, bool succeeded, int timeTaken, bool delivered);

private:
    friend class LongWorkServicePrivate;
    std::shared_ptr<LongWorkServicePrivate> d;
};
