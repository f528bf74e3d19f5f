#pragma once

// The long-work sample of the reference documentation: the client starts a long process on the
// server and is told on a callback when it ends.

#include <Burrow/contract.h>

class ILongWorkCallback : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("BurrowInterface", "LongWorkCallback")
    BURROW_CONTRACT
public:
    using QObject::QObject;
    Q_INVOKABLE virtual void workFinished(const QString &workName, int timeTaken) = 0;
    Q_INVOKABLE virtual void workFailed(const QString &workName, const QString &error) = 0;
};

class ILongWorkService : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("BurrowInterface", "LongWork")
    BURROW_CONTRACT
public:
    using QObject::QObject;
    Q_INVOKABLE virtual void startWork(const QString &workName, QSharedPointer<ILongWorkCallback> onFinish) = 0;
    Q_INVOKABLE virtual int totalWorkCount() = 0;
};
