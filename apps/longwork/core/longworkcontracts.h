#pragma once

// The contracts of the long-work sample, shared by longwork-server and longwork-client: the
// client starts a named work and passes a callback; the server calls it back, from the
// work's thread, once the work has ended.

#include <Burrow/contract.h>

#include <QtCore/QSharedPointer>
#include <QtCore/QString>

class ILongWorkCallback : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("BurrowInterface", "LongWorkCallback")
    BURROW_CONTRACT
public:
    using QObject::QObject;
    // The work ended well after timeTaken milliseconds.
    Q_INVOKABLE virtual void workFinished(const QString &workName, int timeTaken) = 0;
    // The work ended in failure; error says why.
    Q_INVOKABLE virtual void workFailed(const QString &workName, const QString &error) = 0;
};

class ILongWorkService : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("BurrowInterface", "LongWork")
    BURROW_CONTRACT
public:
    using QObject::QObject;
    // Starts a work and returns at once; onFinish hears how it ends.
    Q_INVOKABLE virtual void startWork(const QString &workName, QSharedPointer<ILongWorkCallback> onFinish) = 0;
    // Works started since the server started.
    Q_INVOKABLE virtual int totalWorkCount() = 0;
};
