// fuzz_orm_rest: the ORM's REST front end (libs/orm/src/ormrestservice.cpp), the request bodies
// above all. Input: a first line "<METHOD> <path>" (e.g. "POST /orm/People/batch", a query
// allowed), then the body (JSON: a row, or a batch of writes). OrmRestService::handle() runs it
// against a real OrmDatabase (SQLite file in a temporary directory, recreated every 256 inputs)
// with three tables: People (versioned), Sample (unversioned, one column of every kind the
// REST body can carry: integers of several widths, double, bool, text, bytes, date-times,
// dates, times, UUIDs, URLs, an enum) and Archive (read-only, as a replicated table is).
//
// Checks (differential, __builtin_trap on failure): the status is one the service documents
// (200, 201, 204, 400, 403, 404, 405, 409; 500 is a finding); every body but a 204's is JSON,
// and an error body is {"error": <code name>, "message": <text>}; a refused request writes
// nothing (row counts and the database version unchanged: a batch is one transaction); a 201
// names a row that exists and the Location of it; a PUT answers the row as stored; a DELETE
// leaves no row; a batch answers one id per write. See docs/RELIABILITY-fuzzing.md.

#include "fuzzcommon.h"

#include <Burrow/ormdatabase.h>
#include <Burrow/ormrestservice.h>

#include <QtCore/QDateTime>
#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QTemporaryDir>
#include <QtCore/QUrl>
#include <QtCore/QUuid>

#include <cstdlib>
#include <memory>

using namespace Burrow;
using BurrowFuzz::fail;

namespace FuzzRecords {
Q_NAMESPACE
enum class Mood { Calm, Busy, Away };
Q_ENUM_NS(Mood)

struct Person
{
    Q_GADGET
    Q_CLASSINFO("BurrowTable", "People")
    Q_PROPERTY(qint64 id MEMBER id)
    Q_PROPERTY(qint64 version MEMBER version)
    Q_PROPERTY(QString name MEMBER name)
    Q_PROPERTY(int age MEMBER age)
public:
    qint64 id = 0;
    qint64 version = 0;
    QString name;
    int age = 0;
};

struct Sample
{
    Q_GADGET
    Q_PROPERTY(qint64 id MEMBER id)
    Q_PROPERTY(qint8 tiny MEMBER tiny)
    Q_PROPERTY(quint16 small MEMBER small)
    Q_PROPERTY(quint64 big MEMBER big)
    Q_PROPERTY(double ratio MEMBER ratio)
    Q_PROPERTY(float single MEMBER single)
    Q_PROPERTY(bool flag MEMBER flag)
    Q_PROPERTY(QString text MEMBER text)
    Q_PROPERTY(QByteArray blob MEMBER blob)
    Q_PROPERTY(QDateTime when MEMBER when)
    Q_PROPERTY(QDate day MEMBER day)
    Q_PROPERTY(QTime time MEMBER time)
    Q_PROPERTY(QUuid uuid MEMBER uuid)
    Q_PROPERTY(QUrl link MEMBER link)
    Q_PROPERTY(FuzzRecords::Mood mood MEMBER mood)
public:
    qint64 id = 0;
    qint8 tiny = 0;
    quint16 small = 0;
    quint64 big = 0;
    double ratio = 0;
    float single = 0;
    bool flag = false;
    QString text;
    QByteArray blob;
    QDateTime when;
    QDate day;
    QTime time;
    QUuid uuid;
    QUrl link;
    Mood mood = Mood::Calm;
};

struct Archive
{
    Q_GADGET
    Q_PROPERTY(qint64 id MEMBER id)
    Q_PROPERTY(qint64 version MEMBER version)
    Q_PROPERTY(QString note MEMBER note)
public:
    qint64 id = 0;
    qint64 version = 0;
    QString note;
};
} // namespace FuzzRecords

namespace {

const QString root = QStringLiteral("/orm");
const QStringList tables = {QStringLiteral("People"), QStringLiteral("Sample"), QStringLiteral("Archive")};

struct Fixture
{
    QTemporaryDir dir;
    std::unique_ptr<OrmDatabase> database;
    int inputs = 0;
    int generation = 0;

    OrmDatabase *get()
    {
        // A fresh database now and then, so that the tables stay small and each input is fast.
        if (database && ++inputs < 256)
            return database.get();
        database.reset();
        QFile::remove(dir.filePath(QStringLiteral("orm-%1.db").arg(generation)));
        ++generation;
        inputs = 0;
        database = std::make_unique<OrmDatabase>();
        if (!database->open(dir.filePath(QStringLiteral("orm-%1.db").arg(generation)))
            || !database->registerTable<FuzzRecords::Person>() || !database->registerTable<FuzzRecords::Sample>()
            || !database->registerTable<FuzzRecords::Archive>()) {
            fail("cannot set up the database", database->errorString().toUtf8());
        }
        // Some rows to update, read and delete (ids 1 and 2 in each table).
        for (int i = 1; i <= 2; ++i) {
            FuzzRecords::Person person{0, 0, QStringLiteral("P%1").arg(i), 30 + i};
            FuzzRecords::Sample sample;
            sample.text = QStringLiteral("S%1").arg(i);
            FuzzRecords::Archive archive{0, 0, QStringLiteral("A%1").arg(i)};
            if (!database->insert(person) || !database->insert(sample) || !database->insert(archive))
                fail("cannot fill the database", database->errorString().toUtf8());
        }
        database->setReadOnly(QStringLiteral("Archive"), true);
        return database.get();
    }
};

// Deleted by an atexit() handler registered after the first open(), so before the Qt SQL
// globals that open() created: the database (and any thread of its) must go first.
Fixture *fixture = nullptr;

void destroyFixture()
{
    delete fixture;
    fixture = nullptr;
}

struct State
{
    QList<qint64> counts;
    qint64 version = 0;
    bool operator==(const State &) const = default;
};

State stateOf(OrmDatabase *database)
{
    State state;
    for (const QString &table : tables)
        state.counts.append(database->countRows(table));
    state.version = database->currentVersion();
    return state;
}

QByteArray show(const State &state)
{
    QByteArray text = "version " + QByteArray::number(state.version) + ", rows";
    for (qint64 count : state.counts)
        text += ' ' + QByteArray::number(count);
    return text;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    BurrowFuzz::ensureApplication();
    if (!fixture)
        fixture = new Fixture;
    OrmDatabase *database = fixture->get();
    static const bool cleanupRegistered = std::atexit(destroyFixture) == 0;
    Q_UNUSED(cleanupRegistered);

    const QByteArray input = BurrowFuzz::bytes(data, size);
    const qsizetype newline = input.indexOf('\n');
    const QByteArray line = newline < 0 ? input : input.left(newline);
    const QByteArray body = newline < 0 ? QByteArray() : input.mid(newline + 1);
    const qsizetype space = line.indexOf(' ');
    const QByteArray method = space < 0 ? QByteArrayLiteral("GET") : line.left(space);
    const QByteArray target = space < 0 ? line : line.mid(space + 1);

    HttpRequest request;
    request.setMethod(method);
    request.setUrl(QUrl::fromEncoded(target));
    request.setBody(body);
    request.setHeaders({{"Content-Type", "application/json"}});

    const State before = stateOf(database);
    const HttpResponse response = OrmRestService::handle(database, root, request);
    const int status = response.statusCode();
    const QByteArray context = "request: " + line + "\nbody: " + body.left(300) + "\nstatus "
        + QByteArray::number(status) + ", answer: " + response.body().left(300);

    switch (status) {
    case 200: case 201: case 204: case 400: case 403: case 404: case 405: case 409:
        break;
    default:
        fail("OrmRestService answered a status it does not document", context);
    }
    QJsonDocument answer;
    if (status == 204) {
        if (!response.body().isEmpty())
            fail("a 204 answer has a body", context);
    } else {
        QJsonParseError parseError;
        answer = QJsonDocument::fromJson(response.body(), &parseError);
        if (parseError.error != QJsonParseError::NoError)
            fail("the answer is not JSON", context);
    }
    if (status >= 400) {
        const QJsonObject error = answer.object();
        if (!error.value(QStringLiteral("error")).isString() || error.value(QStringLiteral("error")).toString().isEmpty()
            || !error.value(QStringLiteral("message")).isString() || error.size() != 2) {
            fail("an error answer is not {\"error\", \"message\"}", context);
        }
        const State after = stateOf(database);
        if (after != before)
            fail("a refused request wrote to the database", context + "\nbefore: " + show(before) + "\nafter: " + show(after));
        return 0;
    }

    // Successful writes: what was answered is what is stored.
    const QString path = request.url().path();
    const QStringList parts = path.mid(root.size()).split(QLatin1Char('/'), Qt::SkipEmptyParts);
    if (method == "GET") {
        if (stateOf(database) != before)
            fail("a GET wrote to the database", context);
        return 0;
    }
    if (parts.isEmpty())
        fail("a write to the root succeeded", context);
    const QString table = parts.at(0);
    if (method == "POST" && parts.size() == 1) {
        if (status != 201)
            fail("an insert did not answer 201", context);
        const qint64 id = answer.object().value(QStringLiteral("id")).toInteger();
        if (id <= 0 || !database->row(table, id))
            fail("an insert answered an id that names no row", context);
        if (response.header("Location") != QStringLiteral("%1/%2/%3").arg(root, table).arg(id).toUtf8())
            fail("an insert answered a wrong Location", context + "\nLocation: " + response.header("Location"));
    } else if (method == "POST") { // batch
        const QJsonDocument writes = QJsonDocument::fromJson(body);
        if (answer.object().value(QStringLiteral("ids")).toArray().size() != writes.array().size())
            fail("a batch answered another number of ids than it had writes", context);
    } else if (method == "PUT") {
        const std::optional<QCborMap> stored = database->row(table, parts.at(1).toLongLong());
        if (!stored || QJsonDocument(stored->toJsonObject()) != answer)
            fail("an update answered another row than the one stored", context);
    } else if (method == "DELETE") {
        if (database->row(table, parts.at(1).toLongLong()))
            fail("a deleted row is still there", context);
    }
    return 0;
}

#include "fuzz_orm_rest.moc"
