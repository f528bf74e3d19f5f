#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtCore/QVariant>

struct sqlite3;
struct sqlite3_stmt;

QT_BEGIN_NAMESPACE
class QSqlDatabase;
QT_END_NAMESPACE

namespace Burrow {

// The sqlite3 handle of an open QSQLITE connection (nullptr if the driver gives none).
sqlite3 *sqliteHandle(const QSqlDatabase &connection);

// A statement prepared on the QSQLITE connection's own handle and bound with the SQLite API,
// for the statements that run once per row (inserts, replication's upserts): Qt 6.4's
// QSqlQuery::bindValue() formats a placeholder name (QString::arg) for every value, and exec()
// binds each value again from a QVariant; on a replication slave that cost more than SQLite's
// own insert (callgrind). Used inside the transactions of the same connection.
class SqliteStatement
{
public:
    SqliteStatement() = default;
    ~SqliteStatement();
    SqliteStatement(const SqliteStatement &) = delete;
    SqliteStatement &operator=(const SqliteStatement &) = delete;

    bool prepare(sqlite3 *database, const QString &sql, QString *errorString);
    bool isPrepared() const { return m_statement != nullptr; }
    void finalize();

    // Positions start at 0, as with QSqlQuery. The value must stay alive until exec() returns
    // (text and blobs are not copied); stored forms are qint64, double, QString, QByteArray
    // or null.
    void bind(int position, const QVariant &value);
    void bind(int position, qint64 value);
    // Runs the statement to its end and resets it; false with *errorString on failure.
    bool exec(QString *errorString);
    // After a failed exec(): a UNIQUE or PRIMARY KEY constraint was violated.
    bool failedOnUniqueness() const { return m_uniqueViolation; }

private:
    sqlite3 *m_database = nullptr;
    sqlite3_stmt *m_statement = nullptr;
    bool m_uniqueViolation = false;
};

} // namespace Burrow
