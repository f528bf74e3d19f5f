#pragma once

// Same interface name as IProbeService, different methods: resolving it must fail with
// ContractMismatch.

#include <Burrow/contract.h>

class IProbeServiceV2 : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("BurrowInterface", "Probe")
    BURROW_CONTRACT
public:
    using QObject::QObject;
    Q_INVOKABLE virtual int instanceNumber() = 0;
    Q_INVOKABLE virtual QString threadName(int detail) = 0;
};
