#pragma once

// The chat sample of the reference documentation: publish/subscribe with callbacks.

#include <Burrow/contract.h>

class IChatCallback : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("BurrowInterface", "ChatCallback")
    BURROW_CONTRACT
public:
    using QObject::QObject;
    Q_INVOKABLE virtual void blaBla(const QString &pseudo, const QString &message) = 0;
};

class IChatService : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("BurrowInterface", "Chat")
    BURROW_CONTRACT
public:
    using QObject::QObject;
    Q_INVOKABLE virtual void join(const QString &pseudo, QSharedPointer<IChatCallback> callback) = 0;
    Q_INVOKABLE virtual void blaBla(const QString &pseudo, const QString &message) = 0;
    Q_INVOKABLE virtual int memberCount() = 0;
};
