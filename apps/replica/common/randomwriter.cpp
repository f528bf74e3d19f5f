#include "randomwriter.h"

#include "person.h"

#include <Burrow/ormdatabase.h>
#include <Burrow/writebatch.h>

#include <QtCore/QDebug>

namespace {
const QStringList firstNames = {QStringLiteral("Ada"), QStringLiteral("Alan"), QStringLiteral("Grace"),
                                QStringLiteral("Edsger"), QStringLiteral("Barbara"), QStringLiteral("Donald"),
                                QStringLiteral("Frances"), QStringLiteral("Ken"), QStringLiteral("Radia"),
                                QStringLiteral("Niklaus")};
constexpr int targetGroups = 200; // deletes balance inserts around this many groups
} // namespace

RandomWriter::RandomWriter(Burrow::OrmDatabase *database, QObject *parent) : QObject(parent), m_database(database)
{
    m_timer.setInterval(5);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &RandomWriter::tick);
}

bool RandomWriter::start()
{
    m_groups.clear();
    m_batches.clear();
    const QList<Person> people = m_database->records<Person>();
    if (m_database->error() != Burrow::ErrorCode::NoError) {
        qWarning().noquote() << "RandomWriter: cannot read People:" << m_database->errorString();
        return false;
    }
    for (const Person &person : people) {
        m_groups[person.batch].append(person.id);
        m_nextBatch = qMax(m_nextBatch, person.batch + 1);
    }
    m_batches = m_groups.keys();
    m_clock.start();
    m_due = 0;
    if (m_rate > 0)
        m_timer.start();
    return true;
}

void RandomWriter::stop()
{
    m_timer.stop();
}

void RandomWriter::tick()
{
    if (m_duration > 0 && m_clock.elapsed() >= m_duration) {
        stop();
        Q_EMIT finished();
        return;
    }
    const qint64 target = qint64(m_rate * double(m_clock.elapsed()) / 1000.0);
    // At most 100 ms of writes per tick, so that a stalled loop does not burst.
    int budget = qMax(1, int(m_rate / 10 / m_batchSize));
    while (m_due + m_batchSize <= target && budget-- > 0) {
        m_due += m_batchSize;
        writeOne();
    }
    if (m_due + m_batchSize <= target)
        m_due = target; // behind: drop what cannot be caught up
}

bool RandomWriter::writeOne()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const qint64 batchNumber = m_nextBatch++;
    const auto person = [&](qint64 id) {
        Person p;
        p.id = id;
        p.name = firstNames.at(int(m_random() % firstNames.size())) + QLatin1Char(' ') + QString::number(batchNumber);
        p.age = int(18 + m_random() % 70);
        p.email = QStringLiteral("%1.%2@example.org").arg(batchNumber).arg(id);
        p.updated = now;
        p.batch = batchNumber;
        return p;
    };

    // Insert while there are few groups, delete when there are many, update otherwise.
    const int groups = int(m_batches.size());
    const int roll = int(m_random() % 100);
    enum { Insert, Update, Delete } kind;
    if (groups < 2)
        kind = Insert;
    else if (roll < 35 + (groups < targetGroups ? 10 : -10))
        kind = Insert;
    else if (roll < 75)
        kind = Update;
    else
        kind = Delete;

    Burrow::WriteBatch batch = m_database->batch();
    qsizetype index = -1;
    qint64 oldBatch = 0;
    QList<qint64> ids;
    if (kind == Insert) {
        for (int i = 0; i < m_batchSize; ++i)
            ids.append(batch.insert(person(0)));
    } else {
        index = qsizetype(m_random() % m_batches.size());
        oldBatch = m_batches.at(index);
        ids = m_groups.value(oldBatch);
        for (qint64 id : std::as_const(ids)) {
            if (kind == Update)
                batch.update(person(id));
            else
                batch.remove<Person>(id);
        }
    }
    if (!batch.commit()) {
        ++m_failures;
        qWarning().noquote() << "RandomWriter: transaction failed:" << batch.errorString();
        return false;
    }
    if (kind != Insert) {
        m_groups.remove(oldBatch);
        m_batches.removeAt(index);
    }
    if (kind != Delete) {
        m_groups.insert(batchNumber, ids);
        m_batches.append(batchNumber);
    }
    m_rows += ids.size();
    ++m_transactions;
    return true;
}
