#pragma once

#include <Burrow/message.h>
#include <Burrow/recordchange.h>

#include <QtCore/QCborArray>
#include <QtCore/QString>


namespace Burrow {

class OrmDatabase;

// One page of a table's change feed that never ends inside a known transaction.
struct ChangePage
{
    QCborArray changes;        // RecordChange::listToCbor() form
    qint64 toVersion = 0;      // apply with this upToVersion
    qint64 currentVersion = 0; // the database's, when the page was read
    bool complete = false;     // toVersion is the current version: nothing more to read
    ErrorCode error = ErrorCode::NoError;
    QString errorString;
    bool isValid() const { return error == ErrorCode::NoError; }
};

// Reads the changes of `table` after `afterVersion`: at most `limit`, unless the limit falls
// inside a transaction (OrmDatabase::transactionBounds()) that starts at or before
// afterVersion + 1, which is then included whole; otherwise the page is cut back to the end
// of the transaction before.
ChangePage readChangePage(OrmDatabase *database, const QString &table, qint64 afterVersion, int limit);

} // namespace Burrow
