#pragma once

#include <Burrow/contract.h>
#include <Burrow/replicationglobal.h>

#include <QtCore/QCborArray>
#include <QtCore/QCborMap>
#include <QtCore/QSharedPointer>
#include <QtCore/QString>

// The wire contract of real-time replication (docs/REPLICATION.md). ReplicationMaster serves it,
// ReplicationSlave calls it; use those two classes rather than the contract itself.
//
// Versions are the database-wide versions of the master's OrmDatabase. A table's changes are
// the RecordChange entries of OrmDatabase::changesSince(), in their compact CBOR form
// (RecordChange::listToCbor()), in version order. Ranges of versions are inclusive:
// fromVersion..toVersion means "every change of the table stamped with a version from
// fromVersion to toVersion" (some of those versions may belong to other tables, so a range may
// hold fewer changes than versions, or none). Requests name the last version the caller
// already has: afterVersion.

namespace Burrow {

// Slave side: receives the changes of one table, for one subscription.
class BURROW_REPLICATION_EXPORT IReplicationCallback : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("BurrowInterface", "BurrowReplicationCallback")
    BURROW_CONTRACT
public:
    using QObject::QObject;

    // Every change of `table` in fromVersion..toVersion, to be applied as one transaction.
    // Messages of one subscription are contiguous: each fromVersion is the previous toVersion
    // + 1, the first is the subscription's afterVersion + 1. committedAt is when the master
    // committed the oldest change of the message (ms since the epoch, the master's clock), or
    // -1 when it is not known (changes older than the master process).
    Q_INVOKABLE virtual void changes(const QString &table, const QCborArray &changes,
                                     qint64 fromVersion, qint64 toVersion, qint64 committedAt) = 0;
};

// Master side, registered by ReplicationMaster under the interface name "BurrowReplication".
class BURROW_REPLICATION_EXPORT IReplicationService : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("BurrowInterface", "BurrowReplication")
    BURROW_CONTRACT
public:
    using QObject::QObject;

    // Starts live changes of `table` to `callback`, from afterVersion on, with no gap: every
    // change after afterVersion not in this answer's past reaches the callback, starting with
    // those committed before the call (sent before the answer). Answers
    //   {"subscribed": true, "toVersion": v, "currentVersion": c}
    // (v: the last version sent so far), or, when afterVersion is further behind than one
    // message can carry, {"subscribed": false, "currentVersion": c}: fetch() first, then
    // subscribe again. Fails (ImplementationError) for a table that is not replicated, or an
    // afterVersion above the master's current version (not the same database).
    Q_INVOKABLE virtual QCborMap subscribe(const QString &table, qint64 afterVersion,
                                           QSharedPointer<Burrow::IReplicationCallback> callback) = 0;

    // One page of catch-up: the changes after afterVersion, at most `limit` of them (capped by
    // the master), never ending inside one of the master's transactions when the master knows
    // its bounds. Answers
    //   {"changes": [...], "fromVersion": afterVersion + 1, "toVersion": v,
    //    "currentVersion": c, "complete": bool}
    // Apply the changes with upToVersion = v; "complete" is true when v is the master's
    // current version (nothing more to fetch).
    Q_INVOKABLE virtual QCborMap fetch(const QString &table, qint64 afterVersion, int limit) = 0;

    // The master database's current version.
    Q_INVOKABLE virtual qint64 currentVersion() = 0;
};

} // namespace Burrow
