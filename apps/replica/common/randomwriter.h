#pragma once

#include <QtCore/QElapsedTimer>
#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QTimer>

#include <random>

namespace Burrow {
class OrmDatabase;
}

// A random workload on the People table (person.h) for demos and tests: inserts, updates and
// deletes at a steady rate of row writes per second, in transactions of batchSize() rows.
//
// Rows live in groups of batchSize() rows. Each transaction (a WriteBatch) writes one whole group
// and stamps every row of it with a new batch number: it inserts a new group, updates every row
// of a group, or deletes a group. So in any state the master passes through, every batch number
// present is on exactly batchSize() rows; a replica where that does not hold shows part of a
// transaction. Picks up the groups already in the table, so it can resume after a restart.
class RandomWriter : public QObject
{
    Q_OBJECT
public:
    explicit RandomWriter(Burrow::OrmDatabase *database, QObject *parent = nullptr);

    // Row writes per second (default 100) and rows per transaction (default 4).
    void setRate(double rowsPerSecond) { m_rate = rowsPerSecond; }
    void setBatchSize(int rows) { m_batchSize = qMax(1, rows); }
    int batchSize() const { return m_batchSize; }
    void setSeed(quint32 seed) { m_random.seed(seed); }
    // Stops by itself after this long (0, the default: never).
    void setDuration(int milliseconds) { m_duration = milliseconds; }

    // Reads the groups already in the table and starts writing. False if the table cannot be read.
    bool start();
    void stop();
    bool isRunning() const { return m_timer.isActive(); }

    // Writes one transaction now (outside the rate); false when it failed.
    bool writeOne();

    qint64 rowsWritten() const { return m_rows; }
    qint64 transactions() const { return m_transactions; }
    qint64 failures() const { return m_failures; }

Q_SIGNALS:
    void finished();

private:
    void tick();

    Burrow::OrmDatabase *m_database;
    double m_rate = 100;
    int m_batchSize = 4;
    int m_duration = 0;
    std::mt19937 m_random{std::random_device{}()};
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_due = 0; // rows written since start()
    qint64 m_rows = 0;
    qint64 m_transactions = 0;
    qint64 m_failures = 0;
    qint64 m_nextBatch = 1;
    QHash<qint64, QList<qint64>> m_groups; // batch -> ids of its rows
    QList<qint64> m_batches;               // the keys of m_groups, for random picks
};
