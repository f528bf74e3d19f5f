#pragma once

#include <QtCore/QAtomicInteger>
#include <QtCore/QString>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace Burrow {

// Checkpoints an ORM file's write-ahead log from a thread and a connection of its own, so that
// a checkpoint's writes and fsyncs never stall the thread that commits (with replication: the
// master's commit -> send path and the slave's apply path). The writing connection keeps a
// far larger automatic checkpoint as a fallback. Durability is that of WAL with
// synchronous=NORMAL either way: the log is synced before each checkpoint.
class WalCheckpointer
{
public:
    static constexpr int intervalMs = 100;      // at most one checkpoint per interval, after commits
    static constexpr int fallbackPages = 10000; // wal_autocheckpoint of the writing connection

    explicit WalCheckpointer(const QString &fileName);
    ~WalCheckpointer();
    WalCheckpointer(const WalCheckpointer &) = delete;
    WalCheckpointer &operator=(const WalCheckpointer &) = delete;

    // After a commit: a checkpoint within the interval. Cheap (one relaxed atomic add).
    void noteCommit() { m_commits.fetchAndAddRelaxed(1); }

private:
    void run(const QString &fileName);

    QAtomicInteger<quint64> m_commits{0};
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
};

} // namespace Burrow
