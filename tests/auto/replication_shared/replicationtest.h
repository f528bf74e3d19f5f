#pragma once

// Helpers shared by the tests/auto/replication_* suites (header only; this folder is not a
// test): a master (OrmDatabase + Server with REST on /orm + ServiceRegistry + ReplicationMaster)
// and slaves (OrmDatabase + Client + RemoteServices + ReplicationSlave), all in the test's
// thread on 127.0.0.1; waiting runs the event loop (QTRY_*), so both sides keep working.

#include <Burrow/client.h>
#include <Burrow/ormdatabase.h>
#include <Burrow/ormrestservice.h>
#include <Burrow/remoteservices.h>
#include <Burrow/replicationmaster.h>
#include <Burrow/replicationslave.h>
#include <Burrow/server.h>
#include <Burrow/serviceregistry.h>
#include <Burrow/writebatch.h>

#include <QtTest/QtTest>

#include "../../../apps/replica/common/person.h"

#include <memory>
#include <random>

namespace ReplicationTest {

using namespace Burrow;

// Replicated, on master and slaves: replica-master's People record. A test including this
// header also includes "../../../apps/replica/common/moc_person.cpp" (its meta-object).
using ::Person;

// Versioned, only in the master's model.
struct Order
{
    Q_GADGET
    Q_PROPERTY(qint64 id MEMBER id)
    Q_PROPERTY(qint64 version MEMBER version)
    Q_PROPERTY(double amount MEMBER amount)
public:
    qint64 id = 0;
    qint64 version = 0;
    double amount = 0;
};

// Only in a slave's model, written locally.
struct LocalNote
{
    Q_GADGET
    Q_PROPERTY(qint64 id MEMBER id)
    Q_PROPERTY(qint64 version MEMBER version)
    Q_PROPERTY(QString text MEMBER text)
public:
    qint64 id = 0;
    qint64 version = 0;
    QString text;
};

inline const QString people = QStringLiteral("People");

// Writes People in groups: each transaction inserts a group of rows, updates every row of one
// group or deletes one, and stamps the rows it writes with a new batch number. So every state
// the master passes through has each batch number on exactly groupSize rows.
class GroupWriter
{
public:
    // Batch numbers start at firstBatch: give writers of one database distinct ranges.
    GroupWriter(OrmDatabase *database, int groupSize, quint32 seed = 1, qint64 firstBatch = 1)
        : m_database(database), m_groupSize(groupSize), m_random(seed), m_nextBatch(firstBatch)
    {
    }

    // One transaction; returns false (with a test warning) if it failed.
    bool write(int insertPercent = 40, int updatePercent = 40)
    {
        const qint64 number = m_nextBatch++;
        const int roll = int(m_random() % 100);
        WriteBatch batch = m_database->batch();
        if (m_groups.size() < 2 || roll < insertPercent) {
            QList<qint64> ids;
            for (int i = 0; i < m_groupSize; ++i)
                ids.append(batch.insert(make(0, number)));
            if (!commit(batch))
                return false;
            m_groups.insert(number, ids);
        } else {
            const QList<qint64> keys = m_groups.keys();
            const qint64 old = keys.at(qsizetype(m_random() % keys.size()));
            const QList<qint64> ids = m_groups.value(old);
            const bool update = roll < insertPercent + updatePercent;
            for (qint64 id : ids) {
                if (update)
                    batch.update(make(id, number));
                else
                    batch.remove<Person>(id);
            }
            if (!commit(batch))
                return false;
            m_groups.remove(old);
            if (update)
                m_groups.insert(number, ids);
        }
        ++m_transactions;
        return true;
    }
    bool write(int count, int insertPercent, int updatePercent)
    {
        for (int i = 0; i < count; ++i) {
            if (!write(insertPercent, updatePercent))
                return false;
        }
        return true;
    }
    int groupSize() const { return m_groupSize; }
    int transactions() const { return m_transactions; }

private:
    Person make(qint64 id, qint64 number)
    {
        Person p;
        p.id = id;
        p.name = QStringLiteral("person %1/%2").arg(number).arg(m_random() % 1000);
        p.age = int(m_random() % 100);
        p.email = QStringLiteral("person%1@example.org").arg(id);
        // A date in every row: the stored form travels as is (see Column::storedFromCbor()).
        p.updated = QDateTime(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC).addMSecs(number * 1001 + id);
        p.batch = number;
        return p;
    }
    bool commit(WriteBatch &batch)
    {
        if (batch.commit())
            return true;
        qWarning() << "write failed:" << batch.errorString();
        return false;
    }

    OrmDatabase *m_database;
    int m_groupSize;
    std::mt19937 m_random;
    qint64 m_nextBatch;
    int m_transactions = 0;
    QHash<qint64, QList<qint64>> m_groups;
};

// Batch numbers present on a number of rows other than groupSize: parts of transactions.
inline QList<qint64> partialBatches(const OrmDatabase &database, int groupSize)
{
    QHash<qint64, int> counts;
    for (const Person &p : database.records<Person>())
        ++counts[p.batch];
    QList<qint64> partial;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        if (it.value() != groupSize)
            partial.append(it.key());
    }
    return partial;
}

inline bool sameRows(const OrmDatabase &a, const OrmDatabase &b, const QString &table = people)
{
    const QList<QCborMap> left = a.rows(table);
    const QList<QCborMap> right = b.rows(table);
    if (left == right)
        return true;
    qWarning() << table << "differs:" << left.size() << "rows against" << right.size();
    for (qsizetype i = 0; i < qMin(left.size(), right.size()); ++i) {
        if (left.at(i) != right.at(i)) {
            qWarning() << "first difference at row" << i << left.at(i).toCborValue() << right.at(i).toCborValue();
            break;
        }
    }
    return false;
}

struct MasterSide
{
    OrmDatabase db;
    Server server;
    ServiceRegistry registry;
    std::unique_ptr<ReplicationMaster> master;

    bool open(const QString &file)
    {
        if (!db.open(file) || !db.registerTable<Person>() || !db.registerTable<Order>()) {
            qWarning() << "master database:" << db.errorString();
            return false;
        }
        return true;
    }
    bool start(quint16 port = 0)
    {
        registry.attach(&server);
        OrmRestService::serve(&server, &db);
        master = std::make_unique<ReplicationMaster>(&db, &registry);
        if (!server.listen(QHostAddress::LocalHost, port)) {
            qWarning() << "listen failed:" << server.errorString();
            return false;
        }
        return true;
    }
    QUrl url() const { return server.webSocketUrl(); }
};

struct SlaveSide
{
    OrmDatabase db;
    std::unique_ptr<Client> client = std::make_unique<Client>();
    std::unique_ptr<RemoteServices> services;
    std::unique_ptr<ReplicationSlave> slave;
    int transactions = 0;           // commits of the slave database
    QList<qint64> appliedCounts;    // changesApplied counts, in order
    QList<QPair<qint64, qint64>> appliedRanges;
    QList<qint64> lags;

    bool open(const QString &file, bool withLocalTable = false)
    {
        if (!db.open(file) || !db.registerTable<Person>() || (withLocalTable && !db.registerTable<LocalNote>())) {
            qWarning() << "slave database:" << db.errorString();
            return false;
        }
        QObject::connect(&db, &OrmDatabase::committed, [this] { ++transactions; });
        return true;
    }
    bool connectTo(const QUrl &url, const QString &subprotocol = QString::fromLatin1(BinarySubprotocol),
                   bool reconnect = false)
    {
        ClientSettings settings;
        settings.setSubprotocol(subprotocol);
        settings.setAnswerTimeout(20000);
        if (reconnect) {
            settings.setReconnect(ClientSettings::Reconnect::Automatically);
            settings.setReconnectInitialDelay(50);
            settings.setReconnectMaxDelay(500);
        }
        client->setSettings(settings);
        services = std::make_unique<RemoteServices>(client.get());
        slave = std::make_unique<ReplicationSlave>(&db, services.get());
        QObject::connect(slave.get(), &ReplicationSlave::changesApplied,
                         [this](const QString &, int count, qint64 from, qint64 to, qint64 lag) {
                             appliedCounts.append(count);
                             appliedRanges.append({from, to});
                             if (lag >= 0)
                                 lags.append(lag);
                         });
        client->connectToServer(url);
        if (!client->waitForConnected(10000)) {
            qWarning() << "connect failed:" << client->errorString();
            return false;
        }
        return true;
    }
    ReplicationSlave::State state() const { return slave->state(people); }
    // Every version applied exactly once, in order: each range starts right after the last.
    bool rangesAreContiguous() const
    {
        for (qsizetype i = 1; i < appliedRanges.size(); ++i) {
            if (appliedRanges.at(i).first != appliedRanges.at(i - 1).second + 1) {
                qWarning() << "range" << appliedRanges.at(i) << "follows" << appliedRanges.at(i - 1);
                return false;
            }
        }
        return true;
    }
    ~SlaveSide()
    {
        slave.reset();
        services.reset();
        client.reset();
    }
};

} // namespace ReplicationTest
