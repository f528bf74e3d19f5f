#pragma once

// The contract burrow-load drives: a method returning a value, and a subscription whose
// callbacks the server raises at a steady period.

#include <Burrow/contract.h>

class ILoadTicker : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("BurrowInterface", "LoadTicker")
    BURROW_CONTRACT
public:
    using QObject::QObject;
    // Raised by the server (one-way): a sequence number and the server's steady clock, in
    // microseconds, when it was sent (client and server share that clock on one host).
    Q_INVOKABLE virtual void tick(qint64 sequence, qint64 sentAtUs) = 0;
};

class ILoadService : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("BurrowInterface", "Load")
    BURROW_CONTRACT
public:
    using QObject::QObject;
    Q_INVOKABLE virtual qint64 add(qint64 a, qint64 b) = 0;
    // The server calls ticker->tick() every periodMs until the ticker is released. Returns the
    // number of subscriptions (not void, so that the client knows when it is registered).
    Q_INVOKABLE virtual int subscribe(QSharedPointer<ILoadTicker> ticker, int periodMs) = 0;
};
