#include "changepager_p.h"

#include <Burrow/ormdatabase.h>

#include <algorithm>

namespace Burrow {

void CommitLog::record(qint64 firstVersion, qint64 lastVersion)
{
    if (lastVersion <= firstVersion)
        return;
    // committed() comes in version order; a range out of order (never seen) is not trusted.
    if (!m_ranges.empty() && firstVersion <= m_ranges.back().second)
        return;
    m_ranges.emplace_back(firstVersion, lastVersion);
    while (qsizetype(m_ranges.size()) > m_capacity)
        m_ranges.pop_front();
}

std::optional<std::pair<qint64, qint64>> CommitLog::splitAt(qint64 version) const
{
    // The first range ending after `version`.
    const auto it = std::upper_bound(m_ranges.cbegin(), m_ranges.cend(), version,
                                     [](qint64 v, const std::pair<qint64, qint64> &range) {
                                         return v < range.second;
                                     });
    if (it == m_ranges.cend() || it->first > version)
        return std::nullopt;
    return *it;
}

namespace {

ChangePage failed(const OrmDatabase *database)
{
    ChangePage page;
    page.error = database->error();
    page.errorString = database->errorString();
    return page;
}

} // namespace

ChangePage readChangePage(OrmDatabase *database, const QString &table, qint64 afterVersion, int limit,
                          const CommitLog &log)
{
    ChangePage page;
    qint64 upTo = 0;
    page.changes = database->changesSince(table, afterVersion, limit, &upTo);
    if (database->error() != ErrorCode::NoError)
        return failed(database);
    page.currentVersion = database->currentVersion();
    if (page.changes.size() < limit) {
        page.toVersion = upTo;
        page.complete = true;
        return page;
    }
    page.toVersion = upTo; // the last change's version
    const std::optional<std::pair<qint64, qint64>> split = log.splitAt(page.toVersion);
    if (!split)
        return page;
    const auto [first, last] = *split;

    // Cut back to the end of the transaction before, when that leaves something to send.
    if (first - 1 > afterVersion && page.changes.constFirst().version < first) {
        const auto end = std::lower_bound(page.changes.cbegin(), page.changes.cend(), first,
                                          [](const RecordChange &change, qint64 v) { return change.version < v; });
        page.changes.erase(end, page.changes.cend());
        page.toVersion = first - 1;
        return page;
    }

    // The page is one transaction (or starts inside it): extend it to the transaction's end.
    qint64 after = page.toVersion;
    for (;;) {
        qint64 moreUpTo = 0;
        QList<RecordChange> more = database->changesSince(table, after, limit, &moreUpTo);
        if (database->error() != ErrorCode::NoError)
            return failed(database);
        const bool moreComplete = more.size() < limit;
        for (RecordChange &change : more) {
            if (change.version > last)
                break;
            page.changes.append(std::move(change));
        }
        if (moreComplete) {
            page.toVersion = moreUpTo;
            page.complete = true;
            return page;
        }
        if (more.constLast().version >= last) {
            page.toVersion = last;
            return page;
        }
        after = more.constLast().version;
    }
}

} // namespace Burrow
