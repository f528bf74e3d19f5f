// REST access to ORM tables through a real Burrow::Server and QNetworkAccessManager.

#include "testrecords.h"

#include <Burrow/ormdatabase.h>
#include <Burrow/ormrestservice.h>
#include <Burrow/server.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QThread>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtTest/QtTest>

using namespace Burrow;

struct Answer
{
    int status = 0;
    QByteArray body;
    QNetworkReply::NetworkError networkError = QNetworkReply::NoError;
    QHash<QByteArray, QByteArray> headers;

    QJsonDocument json() const { return QJsonDocument::fromJson(body); }
    QJsonObject object() const { return json().object(); }
    QString message() const { return object().value("message").toString(); }
};

class tst_OrmRest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void tableList();
    void crud();
    void listPaging();
    void errors();
    void readOnlyTable();
    void batch();
    void databaseInAnotherThread();

private:
    Answer send(const QByteArray &method, const QString &path, const QByteArray &body = {});
    bool startServer(OrmDatabase *database);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<OrmDatabase> m_db;
    std::unique_ptr<Server> m_server;
    QNetworkAccessManager m_network;
};

void tst_OrmRest::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_db = std::make_unique<OrmDatabase>();
    QVERIFY(m_db->open(m_dir->filePath("rest.db")));
    QVERIFY(m_db->registerTable<Person>());
    QVERIFY(m_db->registerTable<Sample>());
    QVERIFY(m_db->registerTable<Note>());
    QVERIFY(startServer(m_db.get()));
}

void tst_OrmRest::cleanup()
{
    m_server.reset();
    m_db.reset();
}

bool tst_OrmRest::startServer(OrmDatabase *database)
{
    m_server = std::make_unique<Server>();
    OrmRestService::serve(m_server.get(), database);
    return m_server->listen(QHostAddress::LocalHost, 0);
}

Answer tst_OrmRest::send(const QByteArray &method, const QString &path, const QByteArray &body)
{
    QUrl url = m_server->httpUrl();
    const qsizetype query = path.indexOf(QLatin1Char('?'));
    url.setPath(query < 0 ? path : path.left(query));
    if (query >= 0)
        url.setQuery(path.mid(query + 1));
    QNetworkRequest request(url);
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
    QNetworkReply *reply = m_network.sendCustomRequest(request, method, body);
    QEventLoop loop;
    connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(10000, &loop, &QEventLoop::quit);
    loop.exec();
    Answer answer;
    if (!reply->isFinished()) {
        qWarning() << "no answer to" << method << path;
        reply->abort();
    }
    answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    answer.body = reply->readAll();
    answer.networkError = reply->error();
    for (const auto &pair : reply->rawHeaderPairs())
        answer.headers.insert(pair.first.toLower(), pair.second);
    reply->deleteLater();
    return answer;
}

void tst_OrmRest::tableList()
{
    const Answer answer = send("GET", "/orm");
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.json().array(), QJsonArray({"People", "Samples", "Note"}));
    QCOMPARE(send("POST", "/orm", "{}").status, 405);
}

void tst_OrmRest::crud()
{
    Answer created = send("POST", "/orm/People", R"({"name": "Ann", "age": 31})");
    QCOMPARE(created.status, 201);
    const qint64 id = created.object().value("id").toInteger();
    QCOMPARE(id, 1);
    QCOMPARE(created.object().value("version").toInteger(), 1);
    QCOMPARE(created.headers.value("location"), QByteArray("/orm/People/1"));
    QCOMPARE(m_db->record<Person>(id), (Person{1, 1, "Ann", 31}));

    Answer read = send("GET", "/orm/People/1");
    QCOMPARE(read.status, 200);
    QCOMPARE(read.headers.value("content-type"), QByteArray("application/json"));
    QCOMPARE(read.object(), (QJsonObject{{"id", 1}, {"version", 1}, {"name", "Ann"}, {"age", 31}}));

    Answer updated = send("PUT", "/orm/People/1", R"({"age": 32})");
    QCOMPARE(updated.status, 200);
    QCOMPARE(updated.object().value("age").toInt(), 32);
    QCOMPARE(updated.object().value("name").toString(), QStringLiteral("Ann"));
    QCOMPARE(updated.object().value("version").toInteger(), 2);

    QCOMPARE(send("DELETE", "/orm/People/1").status, 204);
    QCOMPARE(send("GET", "/orm/People/1").status, 404);
    QCOMPARE(send("DELETE", "/orm/People/1").status, 404);
    QCOMPARE(m_db->changesSince("People", 0, 10).size(), 1); // the tombstone

    // Every column type through JSON.
    Sample sample;
    sample.text = "t";
    sample.bytes = QByteArray("\x01\x02\xff", 3);
    sample.when = QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5, 6), Qt::UTC);
    sample.uuid = QUuid::createUuid();
    sample.color = Sample::Blue;
    sample.tags = {"x", "y"};
    sample.hugeNumber = 18446744073709551615ULL;
    QVERIFY(m_db->insert(sample));
    Answer typed = send("GET", QStringLiteral("/orm/Samples/%1").arg(sample.id));
    QCOMPARE(typed.status, 200);
    QJsonObject object = typed.object();
    QCOMPARE(object.value("color").toString(), QStringLiteral("Blue"));
    QCOMPARE(object.value("when").toString(), QStringLiteral("2024-01-02T03:04:05.006Z"));
    QCOMPARE(object.value("bytes").toString(), QStringLiteral("AQL_")); // base64url
    QCOMPARE(object.value("tags").toArray(), QJsonArray({"x", "y"}));
    QCOMPARE(object.value("hugeNumber").toString(), QStringLiteral("18446744073709551615"));
    // Posting the same object back gives the same record.
    object.remove("id");
    Answer copy = send("POST", "/orm/Samples", QJsonDocument(object).toJson());
    QCOMPARE(copy.status, 201);
    std::optional<Sample> copied = m_db->record<Sample>(copy.object().value("id").toInteger());
    QVERIFY(copied);
    sample.id = copied->id;
    sample.version = copied->version;
    QCOMPARE(*copied, sample);

    // Unversioned table: no version in the answer.
    Answer note = send("POST", "/orm/Note", R"({"text": "hi"})");
    QCOMPARE(note.status, 201);
    QVERIFY(!note.object().contains("version"));
}

void tst_OrmRest::listPaging()
{
    WriteBatch batch = m_db->batch();
    for (int i = 0; i < 30; ++i)
        batch.insert(Person{0, 0, QStringLiteral("p%1").arg(i), i});
    QVERIFY(batch.commit());
    Answer all = send("GET", "/orm/People");
    QCOMPARE(all.status, 200);
    QCOMPARE(all.json().array().size(), 30);
    QCOMPARE(all.headers.value("x-total-count"), QByteArray("30"));
    Answer page = send("GET", "/orm/People?limit=10&offset=25");
    QCOMPARE(page.status, 200);
    const QJsonArray rows = page.json().array();
    QCOMPARE(rows.size(), 5);
    QCOMPARE(rows.first().toObject().value("age").toInt(), 25);
    QCOMPARE(send("GET", "/orm/People?limit=abc").status, 400);
    QCOMPARE(send("GET", "/orm/People?limit=-1").status, 400);
    QCOMPARE(send("GET", "/orm/People?limit=100000").status, 400);
    QCOMPARE(send("GET", "/orm/People?offset=x").status, 400);
}

void tst_OrmRest::errors()
{
    QVERIFY(m_db->insertRow("People", QCborMap{{"name", "Ann"}}));

    Answer answer = send("GET", "/orm/Nope");
    QCOMPARE(answer.status, 404);
    QCOMPARE(answer.object().value("error").toString(), QStringLiteral("NotFound"));
    QVERIFY2(answer.message().contains("Nope"), answer.body.constData());
    QCOMPARE(send("GET", "/orm/Nope/1").status, 404);
    QCOMPARE(send("POST", "/orm/Nope", "{}").status, 404);
    QCOMPARE(send("GET", "/orm/People/999").status, 404);
    QCOMPARE(send("GET", "/orm/People/abc").status, 404);
    QCOMPARE(send("GET", "/orm/People/1/more").status, 404);
    QCOMPARE(send("PUT", "/orm/People/999", R"({"age": 1})").status, 404);

    answer = send("POST", "/orm/People", R"({"name": "Bob", )");
    QCOMPARE(answer.status, 400);
    QVERIFY2(answer.message().contains("malformed JSON"), answer.body.constData());
    answer = send("POST", "/orm/People", "[1, 2]");
    QCOMPARE(answer.status, 400);
    QVERIFY2(answer.message().contains("object"), answer.body.constData());
    answer = send("POST", "/orm/People", R"({"name": "Bob", "age": "old"})");
    QCOMPARE(answer.status, 400);
    QCOMPARE(answer.object().value("error").toString(), QStringLiteral("InvalidArguments"));
    QVERIFY2(answer.message().contains("age"), answer.body.constData());
    answer = send("POST", "/orm/People", R"({"name": "Bob", "shoeSize": 44})");
    QCOMPARE(answer.status, 400);
    QVERIFY2(answer.message().contains("shoeSize"), answer.body.constData());
    answer = send("POST", "/orm/People", R"({"name": 12})");
    QCOMPARE(answer.status, 400);
    answer = send("PUT", "/orm/People/1", R"({"age": 1.5})");
    QCOMPARE(answer.status, 400);
    answer = send("PUT", "/orm/People/1", R"({"id": 2, "age": 1})");
    QCOMPARE(answer.status, 400);
    answer = send("PUT", "/orm/People/1", "not json");
    QCOMPARE(answer.status, 400);
    answer = send("POST", "/orm/Samples", R"({"color": "Purple"})");
    QCOMPARE(answer.status, 400);
    QVERIFY2(answer.message().contains("color"), answer.body.constData());

    answer = send("POST", "/orm/People", R"({"id": 1, "name": "Again"})");
    QCOMPARE(answer.status, 409);
    QCOMPARE(answer.object().value("error").toString(), QStringLiteral("Conflict"));

    answer = send("PATCH", "/orm/People/1", "{}");
    QCOMPARE(answer.status, 405);
    QCOMPARE(answer.headers.value("allow"), QByteArray("GET, PUT, DELETE"));
    QCOMPARE(send("DELETE", "/orm/People").status, 405);
    QCOMPARE(send("GET", "/orm/People/batch").status, 405);

    // Nothing of the above changed the table.
    QCOMPARE(m_db->countRows("People"), 1);
    QCOMPARE(m_db->record<Person>(1)->name, QStringLiteral("Ann"));
}

void tst_OrmRest::readOnlyTable()
{
    const qint64 id = m_db->insertRow("People", QCborMap{{"name", "Ann"}});
    m_db->setReadOnly("People", true);
    QCOMPARE(send("GET", "/orm/People").status, 200);
    QCOMPARE(send("GET", QStringLiteral("/orm/People/%1").arg(id)).status, 200);
    Answer answer = send("POST", "/orm/People", R"({"name": "Bob"})");
    QCOMPARE(answer.status, 403);
    QCOMPARE(answer.object().value("error").toString(), QStringLiteral("ReadOnly"));
    QVERIFY2(answer.message().contains("read-only"), answer.body.constData());
    QCOMPARE(send("PUT", QStringLiteral("/orm/People/%1").arg(id), R"({"age": 3})").status, 403);
    QCOMPARE(send("DELETE", QStringLiteral("/orm/People/%1").arg(id)).status, 403);
    QCOMPARE(send("POST", "/orm/People/batch", R"([{"delete": 1}])").status, 403);
    QCOMPARE(m_db->countRows("People"), 1);
}

void tst_OrmRest::batch()
{
    QVERIFY(m_db->insertRow("People", QCborMap{{"name", "Ann"}}));
    Answer answer = send("POST", "/orm/People/batch",
                         R"([{"insert": {"name": "Bob", "age": 2}}, {"update": {"id": 1, "age": 40}},
                             {"insert": {"name": "Carol"}}, {"delete": 1}])");
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.object().value("ids").toArray(), QJsonArray({2, 1, 3, 1}));
    QCOMPARE(answer.object().value("firstVersion").toInteger(), 2);
    QCOMPARE(answer.object().value("lastVersion").toInteger(), 5);
    QCOMPARE(m_db->countRows("People"), 2);

    // All or nothing.
    answer = send("POST", "/orm/People/batch",
                  R"([{"insert": {"name": "Dave"}}, {"update": {"id": 77, "age": 1}}])");
    QCOMPARE(answer.status, 404);
    QVERIFY2(answer.message().contains("write 2 of 2"), answer.body.constData());
    answer = send("POST", "/orm/People/batch", R"([{"insert": {"name": "Dave"}}, {"insert": {"age": "x"}}])");
    QCOMPARE(answer.status, 400);
    answer = send("POST", "/orm/People/batch", R"([{"upsert": {}}])");
    QCOMPARE(answer.status, 400);
    answer = send("POST", "/orm/People/batch", R"({"insert": {}})");
    QCOMPARE(answer.status, 400);
    QCOMPARE(m_db->countRows("People"), 2);
    QCOMPARE(m_db->currentVersion(), 5);
}

void tst_OrmRest::databaseInAnotherThread()
{
    m_server.reset();
    m_db.reset();
    QThread worker;
    worker.setObjectName("database");
    auto *database = new OrmDatabase;
    database->moveToThread(&worker);
    connect(&worker, &QThread::finished, database, &QObject::deleteLater);
    worker.start();
    bool opened = false;
    QMetaObject::invokeMethod(database, [&] {
        opened = database->open(m_dir->filePath("threaded.db")) && database->registerTable<Person>();
    }, Qt::BlockingQueuedConnection);
    QVERIFY(opened);
    QVERIFY(startServer(database));

    // Using it from the wrong thread is refused, not a crash.
    QCOMPARE(database->countRows("People"), -1);

    for (int i = 0; i < 20; ++i) {
        const Answer created = send("POST", "/orm/People", QStringLiteral(R"({"name": "p%1"})").arg(i).toUtf8());
        QCOMPARE(created.status, 201);
    }
    Answer list = send("GET", "/orm/People");
    QCOMPARE(list.status, 200);
    QCOMPARE(list.json().array().size(), 20);
    QCOMPARE(send("GET", "/orm/People/3").object().value("name").toString(), QStringLiteral("p2"));

    m_server.reset();
    worker.quit();
    QVERIFY(worker.wait(5000));
}

QTEST_GUILESS_MAIN(tst_OrmRest)
#include "tst_orm_rest.moc"
