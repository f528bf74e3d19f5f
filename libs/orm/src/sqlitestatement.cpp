#include "sqlitestatement_p.h"

#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlDriver>

#include <sqlite3.h>

namespace Burrow {

sqlite3 *sqliteHandle(const QSqlDatabase &connection)
{
    const QVariant handle = connection.driver() ? connection.driver()->handle() : QVariant();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return nullptr;
    return *static_cast<sqlite3 *const *>(handle.constData());
}

SqliteStatement::~SqliteStatement()
{
    finalize();
}

void SqliteStatement::finalize()
{
    if (m_statement)
        sqlite3_finalize(m_statement);
    m_statement = nullptr;
}

bool SqliteStatement::prepare(sqlite3 *database, const QString &sql, QString *errorString)
{
    finalize();
    m_database = database;
    const QByteArray text = sql.toUtf8();
    if (!database || sqlite3_prepare_v3(database, text.constData(), int(text.size()), SQLITE_PREPARE_PERSISTENT,
                                        &m_statement, nullptr) != SQLITE_OK) {
        *errorString = database ? QString::fromUtf8(sqlite3_errmsg(database)) : QStringLiteral("no SQLite handle");
        finalize();
        return false;
    }
    return true;
}

void SqliteStatement::bind(int position, qint64 value)
{
    sqlite3_bind_int64(m_statement, position + 1, value);
}

void SqliteStatement::bind(int position, const QVariant &value)
{
    const int index = position + 1;
    if (value.isNull()) {
        sqlite3_bind_null(m_statement, index);
        return;
    }
    switch (value.metaType().id()) {
    case QMetaType::LongLong:
        sqlite3_bind_int64(m_statement, index, *static_cast<const qint64 *>(value.constData()));
        return;
    case QMetaType::Double:
        sqlite3_bind_double(m_statement, index, *static_cast<const double *>(value.constData()));
        return;
    case QMetaType::QString: {
        const QString *text = static_cast<const QString *>(value.constData());
        sqlite3_bind_text16(m_statement, index, text->utf16(), int(text->size() * 2), SQLITE_STATIC);
        return;
    }
    case QMetaType::QByteArray: {
        const QByteArray *bytes = static_cast<const QByteArray *>(value.constData());
        sqlite3_bind_blob(m_statement, index, bytes->constData(), int(bytes->size()), SQLITE_STATIC);
        return;
    }
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::Bool:
        sqlite3_bind_int64(m_statement, index, value.toLongLong());
        return;
    default: {
        const QByteArray text = value.toString().toUtf8();
        sqlite3_bind_text(m_statement, index, text.constData(), int(text.size()), SQLITE_TRANSIENT);
        return;
    }
    }
}

bool SqliteStatement::exec(QString *errorString)
{
    m_uniqueViolation = false;
    const int result = sqlite3_step(m_statement);
    if (result == SQLITE_DONE || result == SQLITE_ROW) {
        sqlite3_reset(m_statement);
        return true;
    }
    const int extended = sqlite3_extended_errcode(m_database);
    m_uniqueViolation = extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY;
    *errorString = QString::fromUtf8(sqlite3_errmsg(m_database));
    sqlite3_reset(m_statement);
    return false;
}

} // namespace Burrow
