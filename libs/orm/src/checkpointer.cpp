#include "checkpointer_p.h"

#include "logging_p.h"

#include <QtCore/QAtomicInt>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>

#include <chrono>

namespace Burrow {

WalCheckpointer::WalCheckpointer(const QString &fileName)
    : m_thread([this, fileName] { run(fileName); })
{
}

WalCheckpointer::~WalCheckpointer()
{
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

void WalCheckpointer::run(const QString &fileName)
{
    static QAtomicInt counter;
    const QString name = QStringLiteral("burrow.orm.checkpoint.%1").arg(counter.fetchAndAddRelaxed(1));
    {
        QSqlDatabase connection = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        connection.setDatabaseName(fileName);
        // Short: a checkpoint that cannot start now is simply done at the next interval.
        connection.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=100"));
        if (!connection.open()) {
            qCDebug(lcOrm).noquote() << "no checkpointing connection to" << fileName << ":"
                                     << connection.lastError().text();
        } else {
            quint64 done = 0;
            std::unique_lock<std::mutex> lock(m_mutex);
            while (!m_stop) {
                m_wake.wait_for(lock, std::chrono::milliseconds(intervalMs));
                const quint64 commits = m_commits.loadRelaxed();
                if (m_stop || commits == done)
                    continue;
                done = commits;
                lock.unlock();
                // PASSIVE: never waits for readers or writers; what it cannot copy now is
                // copied next time.
                QSqlQuery query(connection);
                if (!query.exec(QStringLiteral("PRAGMA wal_checkpoint(PASSIVE)")))
                    qCDebug(lcOrm).noquote() << "checkpoint of" << fileName << "failed:" << query.lastError().text();
                lock.lock();
            }
        }
        connection.close();
    }
    QSqlDatabase::removeDatabase(name);
}

} // namespace Burrow
