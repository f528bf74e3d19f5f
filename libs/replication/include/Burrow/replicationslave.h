#pragma once

#include <Burrow/message.h>
#include <Burrow/replicationglobal.h>

#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <memory>

namespace Burrow {

class OrmDatabase;
class RemoteServices;
class ReplicationSlavePrivate;

struct ReplicationTableStatus;

// The slave side of real-time replication: keeps tables of a local OrmDatabase equal to the
// master's (a ReplicationMaster behind the Client of `services`).
//
//     OrmDatabase db;  db.open("slave.sqlite");  db.registerTable<Person>();
//     ReplicationSlave slave(&db, &services);      // services: RemoteServices over a ws:// Client
//     slave.startSync(QStringLiteral("People"));
//
// startSync() makes the table read-only locally, catches up from its appliedVersion() in pages
// (fetch(), each page applied as one transaction), then subscribes from the last version
// applied: the master sends everything after it, with no gap, one message per burst of
// commits, each applied as one transaction (OrmDatabase::applyChanges(), which records the
// applied version in the same transaction: never a partial batch, never twice). A message at
// or below the applied version is ignored; one that would leave a gap starts a new catch-up.
// When the connection is lost (or the master restarts) the table waits, and resumes with a
// catch-up once the Client is connected again; use ClientSettings::Reconnect::Automatically.
// The same after a restart of the slave: appliedVersion() is persisted.
//
// Lives in the database's thread; the callbacks it passes to the master run there too.
// `database` and `services` must outlive it. The local database may have other tables than the
// master's: only the followed ones are written.
class BURROW_REPLICATION_EXPORT ReplicationSlave : public QObject
{
    Q_OBJECT
public:
    enum class State {
        Stopped,    // not followed
        Waiting,    // for the connection, or for a retry after an error
        CatchingUp, // fetching and applying pages
        Live,       // subscribed: applying the master's changes as they come
    };
    Q_ENUM(State)

    ReplicationSlave(OrmDatabase *database, RemoteServices *services, QObject *parent = nullptr);
    // Stops every table (the master sees its callbacks released).
    ~ReplicationSlave() override;

    OrmDatabase *database() const;

    // Starts following `table`. False (see errorString()) when the local database has no such
    // versioned table. Following a table already followed does nothing and returns true.
    bool startSync(const QString &table);
    // Releases the table's callback (the master ends its subscription) and makes the table
    // writable again (as it was before startSync()). Its rows and applied version stay.
    void stopSync(const QString &table);
    void stopAll();

    QStringList tables() const;
    State state(const QString &table) const;
    // For a table not followed: Stopped, and the applied version stored in the database.
    ReplicationTableStatus status(const QString &table) const;

    // Changes asked for per fetch() page (the master may send fewer). Default 5000.
    int pageSize() const;
    void setPageSize(int count);
    // Wait before retrying after an error (not after a disconnection: the Client's reconnection
    // decides that). Default 1000 ms.
    int retryDelay() const;
    void setRetryDelay(int milliseconds);

    ErrorCode error() const;
    QString errorString() const;

Q_SIGNALS:
    void stateChanged(const QString &table, Burrow::ReplicationSlave::State state);
    // One transaction applied: `count` changes covering fromVersion..toVersion. lagMs: from the
    // master's commit of the oldest change to this commit (same clock when on the same host),
    // or -1 for catch-up pages.
    void changesApplied(const QString &table, int count, qint64 fromVersion, qint64 toVersion, qint64 lagMs);
    // A failure while following the table; the slave retries after retryDelay().
    void errorOccurred(const QString &table, Burrow::ErrorCode code, const QString &message);

private:
    friend class ReplicationSlavePrivate;
    friend class SlaveCallback;
    std::unique_ptr<ReplicationSlavePrivate> d;
};

// What ReplicationSlave::status() tells about one followed table (for monitors).
struct ReplicationTableStatus
{
    QString table;
    ReplicationSlave::State state = ReplicationSlave::State::Stopped;
    qint64 appliedVersion = 0;    // OrmDatabase::appliedVersion() of the table
    qint64 masterVersion = 0;     // the master's current version, as last heard
    qint64 appliedChanges = 0;    // changes applied since startSync()
    qint64 appliedMessages = 0;   // transactions (pages and live messages) applied since startSync()
    qint64 lastLagMs = -1;        // lag of the last live message, -1 before the first
    qint64 resumptions = 0;       // catch-ups after the first (reconnections, gaps, errors)
};

} // namespace Burrow

Q_DECLARE_METATYPE(Burrow::ReplicationTableStatus)
