#pragma once

// Contracts for lifetime, threading and error tests.

#include <Burrow/contract.h>

class IQuestionCallback : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("BurrowInterface", "QuestionCallback")
    BURROW_CONTRACT
public:
    using QObject::QObject;
    Q_INVOKABLE virtual int answer(int question) = 0;
    Q_INVOKABLE virtual void tell(const QString &text) = 0;
};

class IProbeService : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("BurrowInterface", "Probe")
    BURROW_CONTRACT
public:
    using QObject::QObject;
    // The serial number of the instance serving the call (1, 2, ... in creation order).
    Q_INVOKABLE virtual int instanceNumber() = 0;
    // The objectName() of the thread running the call.
    Q_INVOKABLE virtual QString threadName() = 0;
    // Sleeps, and returns the most calls seen running at the same time (on any instance).
    Q_INVOKABLE virtual int sleepAndCount(int milliseconds) = 0;
    // "Probe.callerInfo ws" (with a connection) or "Probe.callerInfo http", from CallContext.
    Q_INVOKABLE virtual QString callerInfo() = 0;
    // Asks the callback and returns its answer; throws with the callback error when it fails.
    Q_INVOKABLE virtual int ask(QSharedPointer<IQuestionCallback> callback, int question) = 0;
    // Keeps the callback; reports whether it is the same proxy object as the one kept before.
    Q_INVOKABLE virtual bool keep(QSharedPointer<IQuestionCallback> callback) = 0;
    // Asks the kept callback: "answer:<n>" or "error:<ErrorCode name>:<message>".
    Q_INVOKABLE virtual QString askKept(int question) = 0;
    // Tells the kept callback (one-way): "sent" or "error:<ErrorCode name>:<message>".
    Q_INVOKABLE virtual QString tellKept(const QString &text) = 0;
};
