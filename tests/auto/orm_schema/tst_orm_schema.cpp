// Tables from declarations, migration, and reading/writing every supported column type.

#include "testrecords.h"

#include <Burrow/ormdatabase.h>

#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>
#include <QtTest/QtTest>

using namespace Burrow;

// A record that cannot be a table (no id).
struct NoId
{
    Q_GADGET
    Q_PROPERTY(QString name MEMBER name)
public:
    QString name;
    bool operator==(const NoId &) const = default;
};

// A record whose id has the wrong type.
struct IntId
{
    Q_GADGET
    Q_PROPERTY(int id MEMBER id)
public:
    int id = 0;
    bool operator==(const IntId &) const = default;
};

namespace Shop {
struct Item
{
    Q_GADGET
    Q_PROPERTY(qint64 id MEMBER id)
    Q_PROPERTY(QString label MEMBER label)
    Q_PROPERTY(int stock READ stock) // read-only: not a column
public:
    qint64 id = 0;
    QString label;
    int stock() const { return 42; }
    bool operator==(const Item &) const = default;
};
} // namespace Shop

class tst_OrmSchema : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void createsTables();
    void tableNames();
    void refusesBadDeclarations();
    void addsMissingColumnsKeepingData();
    void becomingVersionedStampsExistingRows();
    void keepsUndeclaredColumns();
    void walMode();
    void typedRoundTripOfEveryType();
    void untypedFormsOfEveryType();
    void untypedRoundTripOfEveryType();
    void defaultsForMissingFields();
    void wrongTypedFieldsAreRejected();
    void crud();
    void recordsWhereAndPaging();
    void explicitIdsAndConflicts();
    void idsAreNotReused();
    void errorsWhenClosedOrUnregistered();

private:
    QString path() const { return m_dir->filePath(QStringLiteral("test.db")); }
    static Sample fullSample();
    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_OrmSchema::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void tst_OrmSchema::createsTables()
{
    OrmDatabase db;
    QVERIFY2(db.open(path()), qPrintable(db.errorString()));
    QVERIFY2(db.registerTable<Person>(), qPrintable(db.errorString()));
    QVERIFY(db.registerTable<Person>()); // again: no-op
    QVERIFY2(db.registerTable<Sample>(), qPrintable(db.errorString()));

    const TableInfo info = db.tableInfo(QStringLiteral("People"));
    QVERIFY(info.isValid());
    QVERIFY(info.isVersioned);
    QCOMPARE(info.metaObject, &Person::staticMetaObject);
    QCOMPARE(info.columns.size(), 4);
    QCOMPARE(info.columns.at(2).name, QStringLiteral("name"));
    QCOMPARE(info.columns.at(2).sqlType, QStringLiteral("TEXT"));
    QCOMPARE(info.columns.at(3).sqlType, QStringLiteral("INTEGER"));

    const TableInfo samples = db.tableInfo(QStringLiteral("Samples"));
    QHash<QString, QString> types;
    for (const ColumnInfo &column : samples.columns)
        types.insert(column.name, column.sqlType);
    QCOMPARE(types.value("flag"), QStringLiteral("INTEGER"));
    QCOMPARE(types.value("hugeNumber"), QStringLiteral("INTEGER"));
    QCOMPARE(types.value("ratio"), QStringLiteral("REAL"));
    QCOMPARE(types.value("weight"), QStringLiteral("REAL"));
    QCOMPARE(types.value("bytes"), QStringLiteral("BLOB"));
    QCOMPARE(types.value("when"), QStringLiteral("TEXT"));
    QCOMPARE(types.value("uuid"), QStringLiteral("TEXT"));
    QCOMPARE(types.value("color"), QStringLiteral("INTEGER"));
    QCOMPARE(types.value("permissions"), QStringLiteral("INTEGER"));
    QCOMPARE(types.value("tags"), QStringLiteral("BLOB"));
    QVERIFY(samples.columns.at(samples.columnIndex("tags")).isCbor);

    // The file has the tables, as declared.
    db.close();
    {
        QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw"));
        raw.setDatabaseName(path());
        QVERIFY(raw.open());
        QVERIFY(raw.tables().contains(QStringLiteral("People")));
        QVERIFY(raw.tables().contains(QStringLiteral("Samples")));
        QSqlQuery query(raw);
        QVERIFY(query.exec(QStringLiteral("SELECT id, version, name, age FROM People")));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("raw"));
}

void tst_OrmSchema::tableNames()
{
    QCOMPARE(OrmDatabase::tableName<Person>(), QStringLiteral("People"));
    QCOMPARE(OrmDatabase::tableName<Order>(), QStringLiteral("Order"));
    QCOMPARE(OrmDatabase::tableName<Shop::Item>(), QStringLiteral("Item"));

    OrmDatabase db;
    QVERIFY(db.open(path()));
    QVERIFY(db.registerTable<Order>()); // "Order" is an SQL keyword: names are quoted
    QVERIFY(db.registerTable<Shop::Item>());
    QCOMPARE(db.tableNames(), (QStringList{"Order", "Item"}));
    QVERIFY(!db.tableInfo("Item").isVersioned);
    QCOMPARE(db.tableInfo("Item").columns.size(), 2); // the read-only property is not a column
    Order order{0, 0, 5, 12.5};
    QVERIFY(db.insert(order));
    QCOMPARE(db.record<Order>(order.id), order);
}

void tst_OrmSchema::refusesBadDeclarations()
{
    OrmDatabase db;
    QVERIFY(db.open(path()));
    QVERIFY(!db.registerTable<NoId>());
    QCOMPARE(db.error(), ErrorCode::InvalidArguments);
    QVERIFY2(db.errorString().contains("id"), qPrintable(db.errorString()));
    QVERIFY(!db.registerTable<IntId>());
    QVERIFY2(db.errorString().contains("qint64"), qPrintable(db.errorString()));
    // Two declarations of one table in the same session.
    QVERIFY(db.registerTable<Person>());
    QVERIFY(!db.registerTable<PersonWithEmail>());
    QCOMPARE(db.error(), ErrorCode::Conflict);
    QVERIFY(db.registerTable<Person>());
    QCOMPARE(db.error(), ErrorCode::NoError);
}

void tst_OrmSchema::addsMissingColumnsKeepingData()
{
    Person ann{0, 0, "Ann", 31};
    Person bob{0, 0, "Bob", 42};
    {
        OrmDatabase db;
        QVERIFY(db.open(path()));
        QVERIFY(db.registerTable<Person>());
        QVERIFY(db.insert(ann));
        QVERIFY(db.insert(bob));
    }
    OrmDatabase db;
    QVERIFY(db.open(path()));
    QVERIFY2(db.registerTable<PersonWithEmail>(), qPrintable(db.errorString()));
    QCOMPARE(db.tableInfo("People").columns.size(), 5);
    const QList<PersonWithEmail> people = db.records<PersonWithEmail>();
    QCOMPARE(people.size(), 2);
    QCOMPARE(people.at(0).name, QStringLiteral("Ann"));
    QCOMPARE(people.at(0).age, 31);
    QCOMPARE(people.at(0).version, ann.version); // migration does not touch versions
    QCOMPARE(people.at(0).email, QString(""));
    QCOMPARE(people.at(1).name, QStringLiteral("Bob"));

    PersonWithEmail carol{0, 0, "Carol", 25, "carol@example.org"};
    QVERIFY(db.insert(carol));
    QCOMPARE(db.record<PersonWithEmail>(carol.id)->email, QStringLiteral("carol@example.org"));
    db.close();

    // Back to the old declaration: the extra column is kept, never dropped.
    QVERIFY(db.open(path()));
    QVERIFY(db.registerTable<Person>());
    QCOMPARE(db.records<Person>().size(), 3);
    Person dave{0, 0, "Dave", 50};
    QVERIFY(db.insert(dave));
    db.close();
    QVERIFY(db.open(path()));
    QVERIFY(db.registerTable<PersonWithEmail>());
    QCOMPARE(db.record<PersonWithEmail>(carol.id)->email, QStringLiteral("carol@example.org"));
    QCOMPARE(db.record<PersonWithEmail>(dave.id)->email, QString("")); // the column's default
}

struct PlainPerson
{
    Q_GADGET
    Q_CLASSINFO("BurrowTable", "People")
    Q_PROPERTY(qint64 id MEMBER id)
    Q_PROPERTY(QString name MEMBER name)
public:
    qint64 id = 0;
    QString name;
    bool operator==(const PlainPerson &) const = default;
};

void tst_OrmSchema::becomingVersionedStampsExistingRows()
{
    {
        OrmDatabase db;
        QVERIFY(db.open(path()));
        QVERIFY(db.registerTable<PlainPerson>());
        for (const char *name : {"a", "b", "c"}) {
            PlainPerson p{0, QString::fromLatin1(name)};
            QVERIFY(db.insert(p));
        }
        QCOMPARE(db.currentVersion(), 0);
    }
    OrmDatabase db;
    QVERIFY(db.open(path()));
    QVERIFY(db.registerTable<Person>());
    QCOMPARE(db.currentVersion(), 3);
    const QList<Person> people = db.records<Person>();
    QCOMPARE(people.size(), 3);
    QCOMPARE(people.at(0).version, 1);
    QCOMPARE(people.at(2).version, 3);
    QCOMPARE(db.changesSince("People", 0, 100).size(), 3);
}

void tst_OrmSchema::keepsUndeclaredColumns()
{
    {
        QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw"));
        raw.setDatabaseName(path());
        QVERIFY(raw.open());
        QSqlQuery query(raw);
        QVERIFY(query.exec("CREATE TABLE People (id INTEGER PRIMARY KEY, name TEXT, legacy TEXT)"));
        QVERIFY(query.exec("INSERT INTO People (id, name, legacy) VALUES (7, 'Old', 'kept')"));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("raw"));
    OrmDatabase db;
    QVERIFY(db.open(path()));
    QVERIFY2(db.registerTable<Person>(), qPrintable(db.errorString()));
    const std::optional<Person> old = db.record<Person>(7);
    QVERIFY(old);
    QCOMPARE(old->name, QStringLiteral("Old"));
    QCOMPARE(old->age, 0);
    Person fresh{0, 0, "New", 1};
    QVERIFY(db.insert(fresh));
    QCOMPARE(fresh.id, 8);
    QCOMPARE(db.countRows("People", "legacy = ?", {"kept"}), 1);
}

void tst_OrmSchema::walMode()
{
    OrmDatabase db;
    QVERIFY(db.open(path()));
    QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw"));
    raw.setDatabaseName(path());
    QVERIFY(raw.open());
    {
        QSqlQuery query(raw);
        QVERIFY(query.exec("PRAGMA journal_mode"));
        QVERIFY(query.next());
        QCOMPARE(query.value(0).toString(), QStringLiteral("wal")); // persistent in the file
    }
    raw.close();
    raw = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("raw"));
}

Sample tst_OrmSchema::fullSample()
{
    Sample s;
    s.flag = true;
    s.shortNumber = -1234;
    s.number = -2000000000;
    s.unsignedNumber = 4000000000u;
    s.bigNumber = -9000000000000000000LL;
    s.hugeNumber = 18446744073709551615ULL;
    s.ratio = 3.14159;
    s.weight = 1.5f;
    s.text = QStringLiteral("héllo \"world\" ✓");
    s.bytes = QByteArray("\x00\x01\xff binary", 10);
    s.when = QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9, 10), Qt::UTC);
    s.day = QDate(1999, 12, 31);
    s.time = QTime(23, 59, 58, 123);
    s.uuid = QUuid::fromString(QStringLiteral("{12345678-9abc-def0-1234-56789abcdef0}"));
    s.url = QUrl(QStringLiteral("https://example.org/a path?q=1"));
    s.color = Sample::Blue;
    s.permissions = Sample::Read | Sample::Execute;
    s.tags = QStringList{"a", "b", "c"};
    s.extra = QVariantMap{{"n", qint64(1)}, {"s", QStringLiteral("x")}};
    s.scores = {1, 2, 3};
    return s;
}

void tst_OrmSchema::typedRoundTripOfEveryType()
{
    OrmDatabase db;
    QVERIFY(db.open(path()));
    QVERIFY2(db.registerTable<Sample>(), qPrintable(db.errorString()));
    Sample full = fullSample();
    QVERIFY2(db.insert(full), qPrintable(db.errorString()));
    QCOMPARE(full.id, 1);
    QCOMPARE(full.version, 1);
    Sample empty; // default values, including an invalid QDateTime and null QUuid
    QVERIFY(db.insert(empty));

    std::optional<Sample> read = db.record<Sample>(full.id);
    QVERIFY(read);
    QCOMPARE(*read, full);
    QCOMPARE(read->when.timeSpec(), Qt::UTC);
    read = db.record<Sample>(empty.id);
    QVERIFY(read);
    QCOMPARE(*read, empty);
    QVERIFY(!read->when.isValid());

    // A local time comes back as the same instant (in UTC).
    Sample local;
    local.when = QDateTime(QDate(2020, 1, 2), QTime(3, 4, 5, 6), Qt::LocalTime);
    QVERIFY(db.insert(local));
    QCOMPARE(db.record<Sample>(local.id)->when, local.when);

    // Survives reopening.
    db.close();
    QVERIFY(db.open(path()));
    QVERIFY(db.registerTable<Sample>());
    QCOMPARE(*db.record<Sample>(full.id), full);

    // Update every column.
    Sample changed = full;
    changed.flag = false;
    changed.text = QStringLiteral("changed");
    changed.color = Sample::Green;
    changed.tags = {"z"};
    changed.hugeNumber = 5;
    QVERIFY2(db.update(changed), qPrintable(db.errorString()));
    read = db.record<Sample>(full.id);
    QCOMPARE(read->version, 4);
    changed.version = read->version;
    QCOMPARE(*read, changed);
}

void tst_OrmSchema::untypedFormsOfEveryType()
{
    OrmDatabase db;
    QVERIFY(db.open(path()));
    QVERIFY(db.registerTable<Sample>());
    Sample full = fullSample();
    QVERIFY(db.insert(full));
    const std::optional<QCborMap> row = db.row("Samples", full.id);
    QVERIFY2(row, qPrintable(db.errorString()));
    QCOMPARE(row->keys().first(), QCborValue("id"));
    QCOMPARE(row->keys().at(1), QCborValue("version"));
    QCOMPARE(row->value("id"), QCborValue(full.id));
    QCOMPARE(row->value("flag"), QCborValue(true));
    QCOMPARE(row->value("shortNumber"), QCborValue(-1234));
    QCOMPARE(row->value("unsignedNumber"), QCborValue(qint64(4000000000u)));
    QCOMPARE(row->value("hugeNumber"), QCborValue("18446744073709551615"));
    QCOMPARE(row->value("text"), QCborValue(full.text));
    QCOMPARE(row->value("bytes"), QCborValue(full.bytes));
    QCOMPARE(row->value("when"), QCborValue("2024-05-06T07:08:09.010Z"));
    QCOMPARE(row->value("day"), QCborValue("1999-12-31"));
    QCOMPARE(row->value("time"), QCborValue("23:59:58.123"));
    QCOMPARE(row->value("uuid"), QCborValue("12345678-9abc-def0-1234-56789abcdef0"));
    QCOMPARE(row->value("color"), QCborValue("Blue"));
    QCOMPARE(row->value("permissions"), QCborValue("Read|Execute"));
    QCOMPARE(row->value("tags"), QCborValue(QCborArray{"a", "b", "c"}));
    QCOMPARE(row->value("scores"), QCborValue(QCborArray{1, 2, 3}));

    // The SQLite forms, for other readers of the file.
    db.close();
    {
        QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw"));
        raw.setDatabaseName(path());
        QVERIFY(raw.open());
        QSqlQuery query(raw);
        QVERIFY(query.exec("SELECT flag, color, \"when\", uuid, typeof(tags), hugeNumber, permissions FROM Samples"));
        QVERIFY(query.next());
        QCOMPARE(query.value(0), QVariant(qint64(1)));
        QCOMPARE(query.value(1), QVariant(qint64(7)));
        QCOMPARE(query.value(2), QVariant("2024-05-06T07:08:09.010Z"));
        QCOMPARE(query.value(3), QVariant("12345678-9abc-def0-1234-56789abcdef0"));
        QCOMPARE(query.value(4), QVariant("blob"));
        QCOMPARE(query.value(5), QVariant(qint64(-1)));
        QCOMPARE(query.value(6), QVariant(qint64(5)));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("raw"));
}

void tst_OrmSchema::untypedRoundTripOfEveryType()
{
    OrmDatabase db;
    QVERIFY(db.open(path()));
    QVERIFY(db.registerTable<Sample>());
    Sample full = fullSample();
    QVERIFY(db.insert(full));
    QCborMap row = *db.row("Samples", full.id);
    row.remove(QStringLiteral("id"));
    const qint64 copy = db.insertRow("Samples", row);
    QVERIFY2(copy, qPrintable(db.errorString()));
    std::optional<Sample> read = db.record<Sample>(copy);
    QVERIFY(read);
    full.id = copy;
    full.version = read->version;
    QCOMPARE(*read, full);

    // Through JSON, as REST clients send it.
    const QCborMap fromJson = QCborMap::fromJsonObject(row.toJsonObject());
    const qint64 third = db.insertRow("Samples", fromJson);
    QVERIFY2(third, qPrintable(db.errorString()));
    read = db.record<Sample>(third);
    full.id = third;
    full.version = read->version;
    QCOMPARE(read->bytes, full.bytes);
    QCOMPARE(read->hugeNumber, full.hugeNumber);
    QCOMPARE(read->when, full.when);
    QCOMPARE(read->color, full.color);
    QCOMPARE(read->extra, full.extra);
    QCOMPARE(*read, full);
}

void tst_OrmSchema::defaultsForMissingFields()
{
    OrmDatabase db;
    QVERIFY(db.open(path()));
    QVERIFY(db.registerTable<Sample>());
    const qint64 id = db.insertRow("Samples", QCborMap{{"text", "only text"}});
    QVERIFY2(id, qPrintable(db.errorString()));
    Sample expected;
    expected.id = id;
    expected.version = 1;
    expected.text = QStringLiteral("only text");
    QCOMPARE(*db.record<Sample>(id), expected);
}

void tst_OrmSchema::wrongTypedFieldsAreRejected()
{
    OrmDatabase db;
    QVERIFY(db.open(path()));
    QVERIFY(db.registerTable<Sample>());
    QCOMPARE(db.insertRow("Samples", QCborMap{{"number", "twelve"}}), 0);
    QCOMPARE(db.error(), ErrorCode::InvalidArguments);
    QVERIFY2(db.errorString().contains("number"), qPrintable(db.errorString()));
    QCOMPARE(db.insertRow("Samples", QCborMap{{"shortNumber", 100000}}), 0);
    QCOMPARE(db.insertRow("Samples", QCborMap{{"color", "Purple"}}), 0);
    QCOMPARE(db.insertRow("Samples", QCborMap{{"uuid", "not a uuid"}}), 0);
    QCOMPARE(db.insertRow("Samples", QCborMap{{"tags", 5}}), 0);
    QCOMPARE(db.insertRow("Samples", QCborMap{{"nosuchcolumn", 5}}), 0);
    QVERIFY2(db.errorString().contains("nosuchcolumn"), qPrintable(db.errorString()));
    QCOMPARE(db.insertRow("Samples", QCborMap{{"id", "x"}}), 0);
    QCOMPARE(db.countRows("Samples"), 0);
    QCOMPARE(db.currentVersion(), 0);
    // Enum by number and by name.
    QVERIFY(db.insertRow("Samples", QCborMap{{"color", 1}}));
    QVERIFY(db.insertRow("Samples", QCborMap{{"color", "Blue"}}));
    QCOMPARE(db.countRows("Samples", "color = ?", {7}), 1);
}

void tst_OrmSchema::crud()
{
    OrmDatabase db;
    QVERIFY(db.open(path()));
    QVERIFY(db.registerTable<Person>());
    QVERIFY(db.registerTable<Note>());

    Person ann{0, 0, "Ann", 31};
    QCOMPARE(db.insert(ann), 1);
    QCOMPARE(ann.id, 1);
    QCOMPARE(ann.version, 1);
    QCOMPARE(db.record<Person>(1), ann);
    ann.age = 32;
    QVERIFY(db.update(ann));
    QCOMPARE(db.record<Person>(1)->age, 32);
    QCOMPARE(db.record<Person>(1)->version, 2);
    QVERIFY(db.remove<Person>(1));
    QVERIFY(!db.record<Person>(1));
    QCOMPARE(db.error(), ErrorCode::NotFound);
    QVERIFY(!db.remove<Person>(1));
    QCOMPARE(db.error(), ErrorCode::NotFound);
    Person ghost{99, 0, "Ghost", 1};
    QVERIFY(!db.update(ghost));
    QCOMPARE(db.error(), ErrorCode::NotFound);

    // Untyped.
    const qint64 id = db.insertRow("People", QCborMap{{"name", "Bob"}, {"age", 40}});
    QVERIFY(id);
    QVERIFY(db.updateRow("People", id, QCborMap{{"age", 41}}));
    QCOMPARE(db.row("People", id)->value("age"), QCborValue(41));
    QCOMPARE(db.row("People", id)->value("name"), QCborValue("Bob")); // untouched
    QVERIFY(!db.updateRow("People", id, QCborMap{{"id", id + 1}, {"age", 1}}));
    QCOMPARE(db.error(), ErrorCode::InvalidArguments);
    QVERIFY(db.removeRow("People", id));
    QVERIFY(!db.row("People", id));
    QVERIFY(!db.row("Nope", 1));
    QCOMPARE(db.error(), ErrorCode::NotFound);

    // Unversioned table.
    Note note{0, "hello"};
    QVERIFY(db.insert(note));
    QCOMPARE(db.record<Note>(note.id), note);
    QVERIFY(db.remove<Note>(note.id));
    QCOMPARE(db.countRows("Note"), 0);
}

void tst_OrmSchema::recordsWhereAndPaging()
{
    OrmDatabase db;
    QVERIFY(db.open(path()));
    QVERIFY(db.registerTable<Person>());
    WriteBatch batch = db.batch();
    for (int i = 0; i < 20; ++i)
        batch.insert(Person{0, 0, QStringLiteral("p%1").arg(i), i});
    QVERIFY(batch.commit());
    QCOMPARE(db.records<Person>().size(), 20);
    QCOMPARE(db.records<Person>("age >= ?", {15}).size(), 5);
    QCOMPARE(db.count<Person>("age >= ? AND name LIKE ?", {10, "p1%"}), 10);
    const QList<Person> page = db.records<Person>({}, {}, 5, 10);
    QCOMPARE(page.size(), 5);
    QCOMPARE(page.first().age, 10);
    QCOMPARE(db.rows("People", "age < ?", {3}).size(), 3);
    QVERIFY(db.records<Person>("no such column = 1").isEmpty());
    QCOMPARE(db.error(), ErrorCode::InvalidArguments);
    // The bound value is a value, never SQL.
    QCOMPARE(db.count<Person>("name = ?", {"x' OR '1'='1"}), 0);
}

void tst_OrmSchema::explicitIdsAndConflicts()
{
    OrmDatabase db;
    QVERIFY(db.open(path()));
    QVERIFY(db.registerTable<Person>());
    Person p{100, 0, "Hundred", 1};
    QCOMPARE(db.insert(p), 100);
    Person next{0, 0, "Next", 2};
    QCOMPARE(db.insert(next), 101);
    Person duplicate{100, 0, "Again", 3};
    QCOMPARE(db.insert(duplicate), 0);
    QCOMPARE(db.error(), ErrorCode::Conflict);
    QVERIFY2(db.errorString().contains("100"), qPrintable(db.errorString()));
    QCOMPARE(db.record<Person>(100)->name, QStringLiteral("Hundred"));
}

void tst_OrmSchema::idsAreNotReused()
{
    {
        OrmDatabase db;
        QVERIFY(db.open(path()));
        QVERIFY(db.registerTable<Person>());
        QVERIFY(db.registerTable<Note>());
        Person a{0, 0, "a", 1};
        Person b{0, 0, "b", 2};
        QVERIFY(db.insert(a));
        QVERIFY(db.insert(b));
        QVERIFY(db.remove<Person>(b.id));
        Note n{0, "n"};
        QVERIFY(db.insert(n));
        QVERIFY(db.remove<Note>(n.id)); // unversioned: no tombstone
    }
    OrmDatabase db;
    QVERIFY(db.open(path()));
    QVERIFY(db.registerTable<Person>());
    QVERIFY(db.registerTable<Note>());
    Person c{0, 0, "c", 3};
    QCOMPARE(db.insert(c), 3);
    Note m{0, "m"};
    QCOMPARE(db.insert(m), 2);
}

void tst_OrmSchema::errorsWhenClosedOrUnregistered()
{
    OrmDatabase db;
    Person p{0, 0, "x", 1};
    QCOMPARE(db.insert(p), 0);
    QCOMPARE(db.error(), ErrorCode::Unavailable);
    QVERIFY(!db.registerTable<Person>());
    QVERIFY(db.open(path()));
    QCOMPARE(db.insert(p), 0);
    QCOMPARE(db.error(), ErrorCode::NotFound);
    QVERIFY2(db.errorString().contains("registerTable"), qPrintable(db.errorString()));
    QVERIFY(!db.open(m_dir->filePath("no/such/dir/x.db")));
    QCOMPARE(db.error(), ErrorCode::Unavailable);
    QVERIFY(!db.isOpen());

    // Not a database.
    QFile junk(m_dir->filePath("junk.db"));
    QVERIFY(junk.open(QIODevice::WriteOnly));
    junk.write(QByteArray(4096, 'x'));
    junk.close();
    QVERIFY(!db.open(junk.fileName()));
    QVERIFY(!db.errorString().isEmpty());
}

QTEST_GUILESS_MAIN(tst_OrmSchema)
#include "tst_orm_schema.moc"
