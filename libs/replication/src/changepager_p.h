#pragma once

#include <Burrow/message.h>
#include <Burrow/recordchange.h>

#include <QtCore/QList>
#include <QtCore/QString>

#include <deque>
#include <optional>
#include <utility>

namespace Burrow {

class OrmDatabase;

// The bounds of the master's recent multi-version transactions, from OrmDatabase::committed():
// what lets a page of changes end between two transactions rather than inside one. A
// transaction that stamped a single version cannot be split, so only longer ones are kept, the
// most recent `capacity` of them. Transactions committed before the log started (before the
// master was created, or older than the capacity) are unknown: see docs/REPLICATION.md.
class CommitLog
{
public:
    explicit CommitLog(qsizetype capacity = 100000) : m_capacity(capacity) {}

    void record(qint64 firstVersion, qint64 lastVersion);
    // The known transaction [first, last] with first <= version < last: ending a page at
    // `version` would split it.
    std::optional<std::pair<qint64, qint64>> splitAt(qint64 version) const;
    qsizetype size() const { return qsizetype(m_ranges.size()); }

private:
    std::deque<std::pair<qint64, qint64>> m_ranges; // in version order
    qsizetype m_capacity;
};

// One page of a table's change feed that never ends inside a known transaction.
struct ChangePage
{
    QList<RecordChange> changes;
    qint64 toVersion = 0;      // apply with this upToVersion
    qint64 currentVersion = 0; // the database's, when the page was read
    bool complete = false;     // toVersion is the current version: nothing more to read
    ErrorCode error = ErrorCode::NoError;
    QString errorString;
    bool isValid() const { return error == ErrorCode::NoError; }
};

// Reads the changes of `table` after `afterVersion`: at most `limit`, unless the limit falls
// inside a known transaction that starts at or before afterVersion + 1, which is then
// included whole; otherwise the page is cut back to the end of the transaction before.
ChangePage readChangePage(OrmDatabase *database, const QString &table, qint64 afterVersion, int limit,
                          const CommitLog &log);

} // namespace Burrow
