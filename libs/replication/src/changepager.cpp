#include "changepager_p.h"

#include <Burrow/ormdatabase.h>

#include <algorithm>

namespace Burrow {

namespace {

ChangePage failed(const OrmDatabase *database)
{
    ChangePage page;
    page.error = database->error();
    page.errorString = database->errorString();
    return page;
}

} // namespace

// The version of a change in the CBOR form: [kind, id, version, ...].
qint64 versionOf(const QCborValue &change)
{
    return change.toArray().at(2).toInteger();
}

ChangePage readChangePage(OrmDatabase *database, const QString &table, qint64 afterVersion, int limit)
{
    ChangePage page;
    qint64 upTo = 0;
    page.changes = database->encodedChangesSince(table, afterVersion, limit, &upTo);
    if (database->error() != ErrorCode::NoError)
        return failed(database);
    page.currentVersion = database->currentVersion();
    page.toVersion = upTo; // the last change's version when the page is full
    if (page.changes.size() < limit) {
        page.complete = true;
        return page;
    }
    // Does the page end inside a transaction?
    qint64 first = 0;
    qint64 last = 0;
    if (!database->transactionBounds(page.toVersion, &first, &last)) {
        if (database->error() != ErrorCode::NoError)
            return failed(database);
        return page;
    }
    if (last == page.toVersion)
        return page;

    // Cut back to the end of the transaction before, when that leaves something to send.
    if (first - 1 > afterVersion && versionOf(page.changes.first()) < first) {
        while (versionOf(page.changes.last()) >= first)
            page.changes.removeLast();
        page.toVersion = first - 1;
        return page;
    }

    // The page is one transaction (or starts inside it): extend it to the transaction's end.
    qint64 after = page.toVersion;
    for (;;) {
        qint64 moreUpTo = 0;
        const QCborArray more = database->encodedChangesSince(table, after, limit, &moreUpTo);
        if (database->error() != ErrorCode::NoError)
            return failed(database);
        bool beyond = false; // changes after the transaction, left for the next page
        for (const QCborValue &change : more) {
            if (versionOf(change) > last) {
                beyond = true;
                break;
            }
            page.changes.append(change);
        }
        if (more.size() < limit && !beyond) {
            page.toVersion = moreUpTo;
            page.complete = true;
            return page;
        }
        if (beyond || versionOf(more.last()) >= last) {
            page.toVersion = last;
            return page;
        }
        after = versionOf(more.last());
    }
}

} // namespace Burrow
