#include <Burrow/marshal.h>

#include <QtCore/QCborArray>
#include <QtCore/QCborMap>
#include <QtCore/QCborStreamWriter>
#include <QtCore/QDateTime>
#include <QtCore/QHash>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QMap>
#include <QtCore/QRandomGenerator>
#include <QtCore/QRegularExpression>
#include <QtCore/QSet>
#include <QtCore/QTimeZone>
#include <QtCore/QUrl>
#include <QtCore/QUuid>
#include <QtTest/QtTest>

#include <cmath>
#include <limits>

namespace Fruits {
Q_NAMESPACE
enum class Fruit { Apple, Banana, Cherry = 7 };
Q_ENUM_NS(Fruit)
} // namespace Fruits

class Palette
{
    Q_GADGET
public:
    // A fixed underlying type, so that Color(42) (a value without a key) is a valid Color:
    // without one its range is 0..3 and UBSan reports the load (scripts/leak-check.sh).
    enum Color : int { Red, Green, Blue };
    Q_ENUM(Color)
    enum Option { NoOption = 0, Bold = 1, Italic = 2, Underline = 4 };
    Q_DECLARE_FLAGS(Options, Option)
    Q_FLAG(Options)
    enum class Small : quint8 { Zero = 0, Big = 200 };
    Q_ENUM(Small)
    enum Bits { BitA = 1, BitB = 2 }; // flags without a zero key
    Q_DECLARE_FLAGS(BitSet, Bits)
    Q_FLAG(BitSet)
};
Q_DECLARE_OPERATORS_FOR_FLAGS(Palette::Options)

struct Item
{
    Q_GADGET
    Q_PROPERTY(QString name MEMBER name)
    Q_PROPERTY(int count MEMBER count)
public:
    QString name;
    int count = 0;
    bool operator==(const Item &other) const = default;
};

struct Order
{
    Q_GADGET
    Q_PROPERTY(QUuid id MEMBER id)
    Q_PROPERTY(QString customer MEMBER customer)
    Q_PROPERTY(QList<Item> items MEMBER items)
    Q_PROPERTY(Item primary MEMBER primary)
    Q_PROPERTY(Palette::Color color MEMBER color)
    Q_PROPERTY(Palette::Options options MEMBER options)
    Q_PROPERTY(QDateTime created MEMBER created)
    Q_PROPERTY(QVariant extra MEMBER extra)
    Q_PROPERTY(QMap<QString, Item> byName MEMBER byName)
    Q_PROPERTY(double total MEMBER total)
    Q_PROPERTY(qint64 big MEMBER big)
    Q_PROPERTY(QByteArray blob MEMBER blob)
    Q_PROPERTY(int computed READ computed)
public:
    QUuid id;
    QString customer = QStringLiteral("default customer");
    QList<Item> items;
    Item primary;
    Palette::Color color = Palette::Green;
    Palette::Options options;
    QDateTime created;
    QVariant extra;
    QMap<QString, Item> byName;
    double total = 0;
    qint64 big = 0;
    QByteArray blob;
    int computed() const { return int(items.size()); }
    bool operator==(const Order &other) const = default;
};

namespace {

using namespace Burrow;

QCborValue throughCborBytes(const QCborValue &value)
{
    const QByteArray bytes = value.toCbor();
    QCborParserError error;
    const QCborValue back = QCborValue::fromCbor(bytes, &error);
    if (error.error != QCborError::NoError)
        qWarning() << "CBOR parse error" << error.errorString();
    return back;
}

QCborValue throughJsonText(const QCborValue &value)
{
    // QJsonDocument holds objects/arrays only: carry the value as an array's element, as the
    // JSON codec carries arguments.
    const QByteArray text = QJsonDocument(QJsonArray{value.toJsonValue()}).toJson(QJsonDocument::Compact);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError)
        qWarning() << "JSON parse error" << error.errorString();
    return QCborValue::fromJsonValue(doc.array().at(0));
}

Order sampleOrder()
{
    Order order;
    order.id = QUuid::fromString(QStringLiteral("6f1c9a58-8f43-4d8e-b5a1-3f1d2e4c5b6a"));
    order.customer = QStringLiteral("Zoë 🦊");
    order.items = {Item{QStringLiteral("apple"), 3}, Item{QStringLiteral("pear"), 0},
                   Item{QStringLiteral("ünïcödé"), -7}};
    order.primary = Item{QStringLiteral("main"), 1};
    order.color = Palette::Blue;
    order.options = Palette::Bold | Palette::Underline;
    order.created = QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9, 10), Qt::UTC);
    order.extra = QVariantMap{{QStringLiteral("k"), QStringLiteral("v")}};
    order.byName = {{QStringLiteral("a"), Item{QStringLiteral("a"), 1}},
                    {QStringLiteral("b"), Item{QStringLiteral("b"), 2}}};
    order.total = 12.75;
    order.big = std::numeric_limits<qint64>::min();
    order.blob = QByteArray("\x00\x01\xfe\xff", 4);
    return order;
}

QByteArray mebibyte()
{
    QByteArray bytes(1024 * 1024, Qt::Uninitialized);
    QRandomGenerator generator(42);
    for (char &c : bytes)
        c = char(generator.bounded(256));
    return bytes;
}

bool sameValue(const QVariant &a, const QVariant &b) // a: actual, b: expected
{
    if (a.metaType() != b.metaType())
        return false;
    if (a.metaType() == QMetaType::fromType<QDateTime>()) {
        const QDateTime x = a.toDateTime();
        const QDateTime y = b.toDateTime();
        if (x.isValid() != y.isValid())
            return false;
        if (!x.isValid())
            return true;
        // Same instant, same offset, UTC stays UTC.
        return x == y && x.offsetFromUtc() == y.offsetFromUtc()
               && (y.timeSpec() != Qt::UTC || x.timeSpec() == Qt::UTC);
    }
    if (a.metaType() == QMetaType::fromType<double>()) {
        const double x = a.toDouble();
        const double y = b.toDouble();
        return (std::isnan(x) && std::isnan(y)) || x == y;
    }
    if (a.metaType() == QMetaType::fromType<float>()) {
        const float x = a.value<float>();
        const float y = b.value<float>();
        return (std::isnan(x) && std::isnan(y)) || x == y;
    }
    return a == b;
}

QString show(const QVariant &v)
{
    QString s;
    QDebug(&s) << v;
    return s.left(300);
}

QCborValue nestedArrays(int depth)
{
    QCborValue value(1);
    for (int i = 0; i < depth; ++i)
        value = QCborArray{value};
    return value;
}

} // namespace

class tst_Marshal : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
    void typedRoundTrip();
    void encodings();
    void nonFiniteOverJson();
    void naturalVariant();
    void quint64AboveInt64();
    void gadgetDefaultsAndUnknownKeys();
    void typedFastPaths();
    void valueFromCborPointerApi();
    void marshallable();
    void dateTimeSubMinuteOffset();
    void errors_data();
    void errors();
    void errorLeavesOutputUnchanged();
    void depthLimit();
    void randomSmoke();

    void benchmarkInt();
    void benchmarkString();
    void benchmarkGadget();
    void benchmarkIntRuntimePath();

private:
    void check(const QVariant &value);
};

void tst_Marshal::check(const QVariant &value)
{
    const QCborValue encoded = variantToCbor(value);
    QVERIFY2(!encoded.isUndefined(), qPrintable(show(value)));

    QVariant out;
    QString error;
    QVERIFY2(variantFromCbor(throughCborBytes(encoded), value.metaType(), &out, &error),
             qPrintable(QStringLiteral("CBOR: ") + error));
    QVERIFY2(sameValue(out, value),
             qPrintable(QStringLiteral("CBOR: ") + show(out) + QStringLiteral(" != ") + show(value)));

    out = QVariant();
    QVERIFY2(variantFromCbor(throughJsonText(encoded), value.metaType(), &out, &error),
             qPrintable(QStringLiteral("JSON: ") + error));
    QVERIFY2(sameValue(out, value),
             qPrintable(QStringLiteral("JSON: ") + show(out) + QStringLiteral(" != ") + show(value)));
}

void tst_Marshal::roundTrip_data()
{
    QTest::addColumn<QVariant>("value");

    QTest::newRow("bool true") << QVariant(true);
    QTest::newRow("bool false") << QVariant(false);
    QTest::newRow("qint8 min") << QVariant::fromValue(std::numeric_limits<qint8>::min());
    QTest::newRow("qint8 max") << QVariant::fromValue(std::numeric_limits<qint8>::max());
    QTest::newRow("quint8 max") << QVariant::fromValue(std::numeric_limits<quint8>::max());
    QTest::newRow("qint16 min") << QVariant::fromValue(std::numeric_limits<qint16>::min());
    QTest::newRow("quint16 max") << QVariant::fromValue(std::numeric_limits<quint16>::max());
    QTest::newRow("qint32 0") << QVariant::fromValue(qint32(0));
    QTest::newRow("qint32 min") << QVariant::fromValue(std::numeric_limits<qint32>::min());
    QTest::newRow("qint32 max") << QVariant::fromValue(std::numeric_limits<qint32>::max());
    QTest::newRow("quint32 max") << QVariant::fromValue(std::numeric_limits<quint32>::max());
    QTest::newRow("qint64 min") << QVariant::fromValue(std::numeric_limits<qint64>::min());
    QTest::newRow("qint64 max") << QVariant::fromValue(std::numeric_limits<qint64>::max());
    QTest::newRow("qint64 2^53+1") << QVariant::fromValue(qint64(9007199254740993LL));
    QTest::newRow("quint64 0") << QVariant::fromValue(quint64(0));
    QTest::newRow("quint64 INT64_MAX")
        << QVariant::fromValue(quint64(std::numeric_limits<qint64>::max()));
    QTest::newRow("quint64 INT64_MAX+1")
        << QVariant::fromValue(quint64(std::numeric_limits<qint64>::max()) + 1);
    QTest::newRow("quint64 max") << QVariant::fromValue(std::numeric_limits<quint64>::max());
    QTest::newRow("char") << QVariant::fromValue(char('x'));
    QTest::newRow("float") << QVariant::fromValue(1.5f);
    QTest::newRow("float pi") << QVariant::fromValue(3.14159274f);
    QTest::newRow("float max") << QVariant::fromValue(std::numeric_limits<float>::max());
    QTest::newRow("float denorm") << QVariant::fromValue(std::numeric_limits<float>::denorm_min());
    QTest::newRow("double 0.1") << QVariant(0.1);
    QTest::newRow("double integral") << QVariant(3.0);
    QTest::newRow("double 2^60") << QVariant(std::ldexp(1.0, 60));
    QTest::newRow("double -1e300") << QVariant(-1e300);
    QTest::newRow("double max") << QVariant(std::numeric_limits<double>::max());
    QTest::newRow("double min") << QVariant(std::numeric_limits<double>::min());
    QTest::newRow("double denorm") << QVariant(std::numeric_limits<double>::denorm_min());
    QTest::newRow("string empty") << QVariant(QString(QStringLiteral("")));
    QTest::newRow("string ascii") << QVariant(QStringLiteral("hello"));
    QTest::newRow("string unicode") << QVariant(QStringLiteral("héllo wörld 日本語 🦊 \u0000 \"q\" \\"));
    QTest::newRow("QChar") << QVariant(QChar(u'λ'));
    QTest::newRow("bytes empty") << QVariant(QByteArray(""));
    QTest::newRow("bytes binary") << QVariant(QByteArray("\x00\xff\xfe\x01\x80", 5));
    QTest::newRow("bytes 1 MiB") << QVariant(mebibyte());
    QTest::newRow("datetime UTC") << QVariant(QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9, 10), Qt::UTC));
    QTest::newRow("datetime epoch") << QVariant(QDateTime::fromMSecsSinceEpoch(0, Qt::UTC));
    QTest::newRow("datetime +05:30")
        << QVariant(QDateTime(QDate(2023, 12, 31), QTime(23, 59, 59, 999), Qt::OffsetFromUTC, 19800));
    QTest::newRow("datetime -08:00")
        << QVariant(QDateTime(QDate(1999, 1, 2), QTime(3, 4, 5, 6), Qt::OffsetFromUTC, -28800));
    QTest::newRow("datetime local") << QVariant(QDateTime(QDate(2022, 7, 1), QTime(12, 0, 0, 1)));
    QTest::newRow("datetime zone")
        << QVariant(QDateTime(QDate(2022, 7, 1), QTime(12, 0), QTimeZone(QByteArrayLiteral("UTC+03:00"))));
    QTest::newRow("datetime invalid") << QVariant(QDateTime());
    QTest::newRow("date") << QVariant(QDate(2024, 2, 29));
    QTest::newRow("date year 1") << QVariant(QDate(1, 1, 1));
    QTest::newRow("date invalid") << QVariant(QDate());
    QTest::newRow("time") << QVariant(QTime(23, 59, 59, 999));
    QTest::newRow("time midnight") << QVariant(QTime(0, 0));
    QTest::newRow("time invalid") << QVariant(QTime());
    QTest::newRow("uuid") << QVariant(QUuid::fromString(u"6f1c9a58-8f43-4d8e-b5a1-3f1d2e4c5b6a"));
    QTest::newRow("uuid null") << QVariant(QUuid());
    QTest::newRow("url") << QVariant(QUrl(QStringLiteral("https://example.com/a b?q=ü#frag")));
    QTest::newRow("enum") << QVariant::fromValue(Palette::Blue);
    QTest::newRow("enum first") << QVariant::fromValue(Palette::Red);
    QTest::newRow("enum without key") << QVariant::fromValue(Palette::Color(42));
    QTest::newRow("enum class ns") << QVariant::fromValue(Fruits::Fruit::Cherry);
    QTest::newRow("enum quint8") << QVariant::fromValue(Palette::Small::Big);
    QTest::newRow("flags two") << QVariant::fromValue(Palette::Options(Palette::Bold | Palette::Underline));
    QTest::newRow("flags zero") << QVariant::fromValue(Palette::Options());
    QTest::newRow("flags all") << QVariant::fromValue(Palette::Options(7));
    QTest::newRow("flags unknown bits") << QVariant::fromValue(Palette::Options(0x41));
    QTest::newRow("flags zero, no zero key") << QVariant::fromValue(Palette::BitSet());
    QTest::newRow("string list empty") << QVariant(QStringList());
    QTest::newRow("string list") << QVariant(QStringList{QStringLiteral("a"), QString(), QStringLiteral("ü")});
    QTest::newRow("json value") << QVariant(QJsonValue(QStringLiteral("x")));
    QTest::newRow("json object")
        << QVariant(QJsonObject{{QStringLiteral("a"), 1}, {QStringLiteral("b"), QJsonArray{true, 2.5, QJsonValue()}}});
    QTest::newRow("json array") << QVariant(QJsonArray{1, QStringLiteral("two"), QJsonObject{}});
    QTest::newRow("variant list")
        << QVariant(QVariantList{QVariant(qlonglong(1)), QVariant(2.5), QVariant(QStringLiteral("s")),
                                 QVariant(true), QVariant(QVariantList{}), QVariant()});
    QTest::newRow("variant map")
        << QVariant(QVariantMap{{QStringLiteral("int"), qlonglong(-5)},
                                {QStringLiteral("list"), QVariantList{qlonglong(1), QStringLiteral("x")}},
                                {QStringLiteral("map"), QVariantMap{{QStringLiteral("deep"), false}}},
                                {QStringLiteral(""), QStringLiteral("empty key")}});
    QTest::newRow("variant hash")
        << QVariant(QVariantHash{{QStringLiteral("a"), 1.25}, {QStringLiteral("b"), QStringLiteral("ß")}});
    QTest::newRow("gadget") << QVariant::fromValue(Item{QStringLiteral("x"), 9});
    QTest::newRow("gadget default") << QVariant::fromValue(Item{});
    QTest::newRow("nested gadget") << QVariant::fromValue(sampleOrder());
    QTest::newRow("QList<gadget>") << QVariant::fromValue(QList<Item>{Item{QStringLiteral("a"), 1}, Item{}});
    QTest::newRow("QList<gadget> empty") << QVariant::fromValue(QList<Item>{});
    QTest::newRow("QList<Order>") << QVariant::fromValue(QList<Order>{sampleOrder(), Order{}});
    QTest::newRow("QList<int>") << QVariant::fromValue(QList<int>{1, -2, 3});
    QTest::newRow("QVector<qint64>")
        << QVariant::fromValue(QVector<qint64>{std::numeric_limits<qint64>::min(), 0,
                                              std::numeric_limits<qint64>::max()});
    QTest::newRow("QList<quint64>")
        << QVariant::fromValue(QList<quint64>{0, std::numeric_limits<quint64>::max()});
    QTest::newRow("QList<double>") << QVariant::fromValue(QList<double>{0.5, 1.0, -2e-300});
    QTest::newRow("QList<bool>") << QVariant::fromValue(QList<bool>{true, false});
    QTest::newRow("QList<QByteArray>")
        << QVariant::fromValue(QList<QByteArray>{QByteArray("a"), QByteArray(), QByteArray("\xff", 1)});
    QTest::newRow("QList<QDateTime>")
        << QVariant::fromValue(QList<QDateTime>{QDateTime::fromMSecsSinceEpoch(1234567, Qt::UTC)});
    QTest::newRow("QList<QUuid>") << QVariant::fromValue(QList<QUuid>{QUuid::createUuid()});
    QTest::newRow("QList<enum>") << QVariant::fromValue(QList<Palette::Color>{Palette::Red, Palette::Blue});
    QTest::newRow("QList<QList<int>>")
        << QVariant::fromValue(QList<QList<int>>{{1, 2}, {}, {3}});
    QTest::newRow("QList<QVariantMap>")
        << QVariant::fromValue(QList<QVariantMap>{{{QStringLiteral("a"), true}}});
    QTest::newRow("QList<QString>") << QVariant::fromValue(QList<QString>{QStringLiteral("x")});
    QTest::newRow("QSet<int>") << QVariant::fromValue(QSet<int>{1, 5, 9});
    QTest::newRow("std::vector<int>") << QVariant::fromValue(std::vector<int>{4, 5});
    QTest::newRow("QMap<QString,int>")
        << QVariant::fromValue(QMap<QString, int>{{QStringLiteral("a"), 1}, {QStringLiteral("é"), 2}});
    QTest::newRow("QHash<QString,Item>")
        << QVariant::fromValue(QHash<QString, Item>{{QStringLiteral("k"), Item{QStringLiteral("n"), 4}}});
    QTest::newRow("QMap<QString,QList<int>>")
        << QVariant::fromValue(QMap<QString, QList<int>>{{QStringLiteral("k"), {1, 2}}});
    QTest::newRow("QMap<int,QString>")
        << QVariant::fromValue(QMap<int, QString>{{-1, QStringLiteral("minus")}, {7, QStringLiteral("seven")}});
    QTest::newRow("QMap<enum,int>")
        << QVariant::fromValue(QMap<Palette::Color, int>{{Palette::Red, 1}, {Palette::Blue, 3}});
    QTest::newRow("QMap<QString,int> empty") << QVariant::fromValue(QMap<QString, int>{});
}

void tst_Marshal::roundTrip()
{
    QFETCH(QVariant, value);
    check(value);
}

void tst_Marshal::typedRoundTrip()
{
    // The typed front end against the same round trips.
    const auto roundTrip = [](const auto &value) {
        using T = std::decay_t<decltype(value)>;
        const QCborValue encoded = toCbor(value);
        for (const QCborValue &carried : {throughCborBytes(encoded), throughJsonText(encoded)}) {
            T out{};
            QString error;
            if (!fromCbor(carried, &out, &error)) {
                qWarning() << "decode failed:" << error;
                return false;
            }
            if (!(out == value)) {
                qWarning() << "mismatch for" << QMetaType::fromType<T>().name();
                return false;
            }
        }
        return true;
    };
    QVERIFY(roundTrip(true));
    QVERIFY(roundTrip(qint8(-128)));
    QVERIFY(roundTrip(quint8(255)));
    QVERIFY(roundTrip(qint16(-32768)));
    QVERIFY(roundTrip(quint16(65535)));
    QVERIFY(roundTrip(std::numeric_limits<int>::min()));
    QVERIFY(roundTrip(std::numeric_limits<uint>::max()));
    QVERIFY(roundTrip(std::numeric_limits<qint64>::min()));
    QVERIFY(roundTrip(std::numeric_limits<qint64>::max()));
    QVERIFY(roundTrip(std::numeric_limits<quint64>::max()));
    QVERIFY(roundTrip(quint64(std::numeric_limits<qint64>::max()) + 12345));
    QVERIFY(roundTrip(0.1));
    QVERIFY(roundTrip(4.0));
    QVERIFY(roundTrip(-0.5f));
    QVERIFY(roundTrip(QString()));
    QVERIFY(roundTrip(QStringLiteral("日本語 🦊")));
    QVERIFY(roundTrip(mebibyte()));
    QVERIFY(roundTrip(QDateTime(QDate(2024, 1, 1), QTime(0, 0), Qt::UTC)));
    QVERIFY(roundTrip(QDate(2000, 1, 1)));
    QVERIFY(roundTrip(QTime(1, 2, 3, 4)));
    QVERIFY(roundTrip(QUuid::createUuid()));
    QVERIFY(roundTrip(Palette::Green));
    QVERIFY(roundTrip(Palette::Options(Palette::Italic)));
    QVERIFY(roundTrip(Fruits::Fruit::Banana));
    QVERIFY(roundTrip(QStringList{QStringLiteral("a")}));
    QVERIFY(roundTrip(QJsonObject{{QStringLiteral("x"), QJsonArray{1, 2}}}));
    QVERIFY(roundTrip(QVariant(QStringLiteral("v"))));
    QVERIFY(roundTrip(QVariantMap{{QStringLiteral("a"), qlonglong(1)}}));
    QVERIFY(roundTrip(sampleOrder()));
    QVERIFY(roundTrip(QList<Order>{sampleOrder(), sampleOrder()}));
    QVERIFY(roundTrip(QVector<Item>{Item{QStringLiteral("q"), 2}}));
    QVERIFY(roundTrip(QMap<QString, Order>{{QStringLiteral("o"), sampleOrder()}}));
    QVERIFY(roundTrip(QCborValue(QCborMap{{QStringLiteral("k"), QCborArray{1, 2.5}}})));
}

void tst_Marshal::encodings()
{
    // The documented wire forms.
    QCOMPARE(toCbor(Palette::Blue), QCborValue(QStringLiteral("Blue")));
    QCOMPARE(toCbor(Palette::Color(42)), QCborValue(42));
    QCOMPARE(toCbor(Palette::Options(Palette::Bold | Palette::Underline)),
             QCborValue(QStringLiteral("Bold|Underline")));
    QCOMPARE(toCbor(Palette::Options()), QCborValue(QStringLiteral("NoOption")));
    QCOMPARE(toCbor(Palette::BitSet()), QCborValue(QString(QStringLiteral(""))));
    QCOMPARE(toCbor(Palette::Options(0x41)), QCborValue(0x41));
    QCOMPARE(toCbor(Fruits::Fruit::Cherry), QCborValue(QStringLiteral("Cherry")));
    QCOMPARE(toCbor(QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9, 10), Qt::UTC)),
             QCborValue(QStringLiteral("2024-05-06T07:08:09.010Z")));
    QCOMPARE(toCbor(QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9), Qt::OffsetFromUTC, 7200)),
             QCborValue(QStringLiteral("2024-05-06T07:08:09.000+02:00")));
    QVERIFY(toCbor(QDateTime()).isNull());
    QCOMPARE(toCbor(QDate(2024, 2, 29)), QCborValue(QStringLiteral("2024-02-29")));
    QCOMPARE(toCbor(QTime(1, 2, 3, 4)), QCborValue(QStringLiteral("01:02:03.004")));
    QCOMPARE(toCbor(QUuid::fromString(u"{6F1C9A58-8F43-4D8E-B5A1-3F1D2E4C5B6A}")),
             QCborValue(QStringLiteral("6f1c9a58-8f43-4d8e-b5a1-3f1d2e4c5b6a")));
    QCOMPARE(toCbor(QByteArray("ab")), QCborValue(QByteArray("ab")));
    QCOMPARE(toCbor(QByteArray("\xfb\xff", 2)).toJsonValue(), QJsonValue(QStringLiteral("-_8")));
    QCOMPARE(toCbor(std::numeric_limits<quint64>::max()), QCborValue(QStringLiteral("18446744073709551615")));
    QCOMPARE(toCbor(quint64(5)), QCborValue(5));
    QCOMPARE(toCbor(QList<int>{1, 2}), QCborValue(QCborArray{1, 2}));
    QCOMPARE(toCbor(QVariant()), QCborValue(nullptr));
    QCOMPARE(toCbor(Item{QStringLiteral("n"), 2}),
             QCborValue(QCborMap{{QStringLiteral("name"), QStringLiteral("n")}, {QStringLiteral("count"), 2}}));
    QCOMPARE(toCbor(QMap<int, QString>{{3, QStringLiteral("x")}}),
             QCborValue(QCborMap{{3, QStringLiteral("x")}}));
    // Read-only properties are encoded, ignored when decoding.
    const QCborMap order = toCbor(sampleOrder()).toMap();
    QCOMPARE(order.value(QStringLiteral("computed")), QCborValue(3));
    QCOMPARE(order.value(QStringLiteral("options")), QCborValue(QStringLiteral("Bold|Underline")));
    QCOMPARE(order.value(QStringLiteral("items")).toArray().at(2).toMap().value(QStringLiteral("count")),
             QCborValue(-7));

    // Accepted alternatives.
    QString error;
    QDateTime dateTime;
    QVERIFY(fromCbor(QCborValue(QDateTime(QDate(2020, 1, 2), QTime(3, 4, 5, 6), Qt::UTC)), &dateTime, &error));
    QCOMPARE(dateTime, QDateTime(QDate(2020, 1, 2), QTime(3, 4, 5, 6), Qt::UTC));
    QVERIFY(fromCbor(QCborValue(QCborKnownTags::DateTimeString, QStringLiteral("2020-01-02T03:04:05.006+01:00")),
                     &dateTime, &error));
    QCOMPARE(dateTime.offsetFromUtc(), 3600);
    QCOMPARE(dateTime.toUTC(), QDateTime(QDate(2020, 1, 2), QTime(2, 4, 5, 6), Qt::UTC));
    // Tag 0 through CBOR bytes (Qt parses it into its DateTime extended type).
    QVERIFY(fromCbor(throughCborBytes(QCborValue(QCborKnownTags::DateTimeString,
                                                 QStringLiteral("2020-01-02T03:04:05Z"))),
                     &dateTime, &error));
    QCOMPARE(dateTime, QDateTime(QDate(2020, 1, 2), QTime(3, 4, 5), Qt::UTC));
    QVERIFY(fromCbor(QCborValue(QCborKnownTags::UnixTime_t, 1), &dateTime, &error));
    QCOMPARE(dateTime, QDateTime::fromMSecsSinceEpoch(1000, Qt::UTC));
    QVERIFY(fromCbor(QCborValue(QStringLiteral("2020-01-02T03:04:05")), &dateTime, &error));
    QCOMPARE(dateTime.timeSpec(), Qt::LocalTime);

    QByteArray bytes;
    QVERIFY(fromCbor(QCborValue(QStringLiteral("AAEC")), &bytes, &error));
    QCOMPARE(bytes, QByteArray("\x00\x01\x02", 3));
    QVERIFY(fromCbor(QCborValue(QStringLiteral("-_8")), &bytes, &error));
    QCOMPARE(bytes, QByteArray("\xfb\xff", 2));
    QVERIFY(fromCbor(QCborValue(QStringLiteral("-_8=")), &bytes, &error));
    QCOMPARE(bytes, QByteArray("\xfb\xff", 2));
    QVERIFY(fromCbor(QCborValue(QString(QStringLiteral(""))), &bytes, &error));
    QVERIFY(bytes.isEmpty());
    QVERIFY(fromCbor(QCborValue(QCborKnownTags::ExpectedBase64url, QByteArray("z")), &bytes, &error));
    QCOMPARE(bytes, QByteArray("z"));

    QUuid uuid;
    QVERIFY(fromCbor(QCborValue(QStringLiteral("{6F1C9A58-8F43-4D8E-B5A1-3F1D2E4C5B6A}")), &uuid, &error));
    QCOMPARE(uuid, QUuid::fromString(u"6f1c9a58-8f43-4d8e-b5a1-3f1d2e4c5b6a"));
    QVERIFY(fromCbor(QCborValue(uuid), &uuid, &error)); // tag 37

    int i = 0;
    QVERIFY(fromCbor(QCborValue(1e3), &i, &error));
    QCOMPARE(i, 1000);
    QVERIFY(fromCbor(QCborValue(-0.0), &i, &error));
    QCOMPARE(i, 0);
    qint64 i64 = 0;
    QVERIFY(fromCbor(QCborValue(QStringLiteral("-9223372036854775808")), &i64, &error));
    QCOMPARE(i64, std::numeric_limits<qint64>::min());
    quint64 u64 = 0;
    QVERIFY(fromCbor(QCborValue(QStringLiteral("18446744073709551615")), &u64, &error));
    QCOMPARE(u64, std::numeric_limits<quint64>::max());

    Palette::Color color = Palette::Red;
    QVERIFY(fromCbor(QCborValue(2), &color, &error));
    QCOMPARE(color, Palette::Blue);
    Palette::Options options;
    QVERIFY(fromCbor(QCborValue(QStringLiteral("Italic | Bold")), &options, &error));
    QCOMPARE(options, Palette::Options(Palette::Italic | Palette::Bold));
    QVERIFY(fromCbor(QCborValue(QString(QStringLiteral(""))), &options, &error));
    QCOMPARE(options, Palette::Options());
    QVERIFY(fromCbor(QCborValue(6), &options, &error));
    QCOMPARE(options, Palette::Options(Palette::Italic | Palette::Underline));

    QMap<int, QString> intKeys;
    QVERIFY(fromCbor(QCborValue(QCborMap{{QStringLiteral("12"), QStringLiteral("x")}}), &intKeys, &error));
    QCOMPARE(intKeys, (QMap<int, QString>{{12, QStringLiteral("x")}}));
    QVariantMap variantMap;
    QVERIFY(fromCbor(QCborValue(QCborMap{{5, true}}), &variantMap, &error));
    QCOMPARE(variantMap, (QVariantMap{{QStringLiteral("5"), true}}));
}

void tst_Marshal::nonFiniteOverJson()
{
    // CBOR carries NaN and the infinities.
    for (double d : {qQNaN(), qInf(), -qInf()}) {
        double out = 0;
        QString error;
        QVERIFY(fromCbor(throughCborBytes(toCbor(d)), &out, &error));
        QVERIFY((std::isnan(d) && std::isnan(out)) || d == out);
        float f = 0;
        QVERIFY(fromCbor(throughCborBytes(toCbor(float(d))), &f, &error));
        QVERIFY((std::isnan(d) && std::isnan(f)) || float(d) == f);
    }
    // JSON has neither: Qt writes null, which decodes as NaN.
    for (double d : {qQNaN(), qInf(), -qInf()}) {
        const QCborValue carried = throughJsonText(toCbor(d));
        QVERIFY(carried.isNull());
        double out = 0;
        QString error;
        QVERIFY(fromCbor(carried, &out, &error));
        QVERIFY(std::isnan(out));
    }
    // Text forms some JSON producers use.
    double out = 0;
    QString error;
    QVERIFY(fromCbor(QCborValue(QStringLiteral("Infinity")), &out, &error));
    QCOMPARE(out, qInf());
    QVERIFY(fromCbor(QCborValue(QStringLiteral("-Infinity")), &out, &error));
    QCOMPARE(out, -qInf());
    QVERIFY(fromCbor(QCborValue(QStringLiteral("NaN")), &out, &error));
    QVERIFY(std::isnan(out));
    // -0.0 keeps its sign through CBOR, not through JSON.
    QVERIFY(fromCbor(throughCborBytes(toCbor(-0.0)), &out, &error));
    QVERIFY(std::signbit(out));
    QVERIFY(fromCbor(throughJsonText(toCbor(-0.0)), &out, &error));
    QCOMPARE(out, 0.0);
}

void tst_Marshal::naturalVariant()
{
    // Decoding into QVariant gives the natural Qt type.
    struct Case
    {
        QCborValue cbor;
        QMetaType expected;
    };
    const QList<Case> cases = {
        {QCborValue(nullptr), QMetaType()},
        {QCborValue(), QMetaType()},
        {QCborValue(true), QMetaType::fromType<bool>()},
        {QCborValue(5), QMetaType::fromType<qlonglong>()},
        {QCborValue(2.5), QMetaType::fromType<double>()},
        {QCborValue(QStringLiteral("s")), QMetaType::fromType<QString>()},
        {QCborValue(QByteArray("b")), QMetaType::fromType<QByteArray>()},
        {QCborValue(QCborArray{1}), QMetaType::fromType<QVariantList>()},
        {QCborValue(QCborMap{{QStringLiteral("a"), 1}}), QMetaType::fromType<QVariantMap>()},
        {QCborValue(QDateTime::currentDateTimeUtc()), QMetaType::fromType<QDateTime>()},
        {QCborValue(QCborKnownTags::UnixTime_t, 5), QMetaType::fromType<QDateTime>()},
        {QCborValue(QUrl(QStringLiteral("http://x/"))), QMetaType::fromType<QUrl>()},
        {QCborValue(QUuid::createUuid()), QMetaType::fromType<QUuid>()},
        {QCborValue(QCborTag(1234), QStringLiteral("in tag")), QMetaType::fromType<QString>()},
    };
    for (const Case &c : cases) {
        QVariant out(42);
        QString error;
        QVERIFY2(variantFromCbor(c.cbor, QMetaType::fromType<QVariant>(), &out, &error), qPrintable(error));
        QCOMPARE(out.metaType(), c.expected);
        QVariant viaTyped;
        QVERIFY(fromCbor(throughCborBytes(c.cbor), &viaTyped, &error));
        QCOMPARE(viaTyped.metaType(), c.expected);
    }

    // A QVariant is carried as its natural value; it comes back in the natural type.
    QVariant out;
    QString error;
    QVERIFY(fromCbor(throughJsonText(toCbor(QVariant(int(7)))), &out, &error));
    QCOMPARE(out.metaType(), QMetaType::fromType<qlonglong>());
    QCOMPARE(out, QVariant(7));
    QVERIFY(fromCbor(throughJsonText(toCbor(QVariant::fromValue(Item{QStringLiteral("n"), 2}))), &out, &error));
    QCOMPARE(out, QVariant(QVariantMap{{QStringLiteral("name"), QStringLiteral("n")},
                                       {QStringLiteral("count"), qlonglong(2)}}));
    QVERIFY(fromCbor(throughJsonText(toCbor(QVariant(QByteArray("ab")))), &out, &error));
    QCOMPARE(out, QVariant(QStringLiteral("YWI")));
    QVERIFY(fromCbor(throughCborBytes(toCbor(QVariant(QByteArray("ab")))), &out, &error));
    QCOMPARE(out, QVariant(QByteArray("ab")));
    // A QVariant property of a gadget: natural on both sides.
    Order order;
    order.extra = QVariantList{qlonglong(1), QStringLiteral("two")};
    Order back;
    QVERIFY(fromCbor(throughJsonText(toCbor(order)), &back, &error));
    QCOMPARE(back.extra, order.extra);
    order.extra = QVariant();
    back.extra = 5;
    QVERIFY(fromCbor(throughJsonText(toCbor(order)), &back, &error));
    QVERIFY(!back.extra.isValid());
}

void tst_Marshal::quint64AboveInt64()
{
    // Qt turns CBOR unsigned integers above INT64_MAX into doubles, so they are sent as text.
    const quint64 value = quint64(std::numeric_limits<qint64>::max()) + 2;
    const QCborValue encoded = toCbor(value);
    QVERIFY(encoded.isString());
    quint64 out = 0;
    QString error;
    QVERIFY(fromCbor(throughCborBytes(encoded), &out, &error));
    QCOMPARE(out, value);
    QVERIFY(fromCbor(throughJsonText(encoded), &out, &error));
    QCOMPARE(out, value);
    // A real CBOR unsigned integer above INT64_MAX (from another encoder) arrives as a double:
    // accepted when it is integral and in range.
    QByteArray bytes;
    {
        QCborStreamWriter writer(&bytes);
        writer.append(quint64(1) << 63);
    }
    QVERIFY(fromCbor(QCborValue::fromCbor(bytes), &out, &error));
    QCOMPARE(out, quint64(1) << 63);
}

void tst_Marshal::gadgetDefaultsAndUnknownKeys()
{
    const QCborMap input{{QStringLiteral("total"), 2.5},
                         {QStringLiteral("unknown"), QCborArray{1, 2, 3}},
                         {QStringLiteral("computed"), QStringLiteral("ignored: read-only")},
                         {42, QStringLiteral("non-string key ignored")},
                         {QStringLiteral("items"), QCborArray{QCborMap{{QStringLiteral("count"), 4}}}}};
    Order order;
    QString error;
    QVERIFY2(fromCbor(QCborValue(input), &order, &error), qPrintable(error));
    QCOMPARE(order.total, 2.5);
    QCOMPARE(order.customer, QStringLiteral("default customer")); // missing: default kept
    QCOMPARE(order.color, Palette::Green);
    QCOMPARE(order.items.size(), 1);
    QCOMPARE(order.items.at(0).count, 4);
    QCOMPARE(order.items.at(0).name, QString());

    // Defaults are those of a fresh object, not of what *out held before.
    Order previous = sampleOrder();
    QVERIFY(fromCbor(QCborValue(QCborMap{}), &previous, &error));
    QCOMPARE(previous, Order());
}

void tst_Marshal::typedFastPaths()
{
    // The fast paths fall back to the runtime path for conversions and errors.
    int i = 0;
    QString error;
    QVERIFY(fromCbor(QCborValue(7.0), &i, &error));
    QCOMPARE(i, 7);
    QVERIFY(!fromCbor(QCborValue(std::numeric_limits<qint64>::max()), &i, &error));
    QVERIFY2(error.contains(u"out of range for qint32"), qPrintable(error));
    double d = 0;
    QVERIFY(fromCbor(QCborValue(3), &d, &error));
    QCOMPARE(d, 3.0);
    bool b = false;
    QVERIFY(!fromCbor(QCborValue(1), &b, &error));
    QCOMPARE(error, QStringLiteral("expected boolean, found integer"));
    QString s;
    QVERIFY(!fromCbor(QCborValue(1), &s, &error));
    QCOMPARE(error, QStringLiteral("expected string, found integer"));
    QVERIFY(!fromCbor(QCborValue(1), &s, nullptr)); // no error string wanted
}

void tst_Marshal::valueFromCborPointerApi()
{
    Order order = sampleOrder();
    Order target;
    QString error;
    QVERIFY(valueFromCbor(valueToCbor(QMetaType::fromType<Order>(), &order), QMetaType::fromType<Order>(),
                          &target, &error));
    QCOMPARE(target, order);
    QVariant variant;
    QVERIFY(valueFromCbor(QCborValue(3), QMetaType::fromType<QVariant>(), &variant, &error));
    QCOMPARE(variant, QVariant(qlonglong(3)));
    QList<int> list{9, 9, 9};
    QVERIFY(valueFromCbor(QCborArray{1}, QMetaType::fromType<QList<int>>(), &list, &error));
    QCOMPARE(list, QList<int>{1}); // assigned, not appended
    QVERIFY(!valueFromCbor(QCborArray{QStringLiteral("x")}, QMetaType::fromType<QList<int>>(), &list, &error));
    QCOMPARE(list, QList<int>{1});
    QCOMPARE(error, QStringLiteral("[0]: expected integer, found string"));
    QVERIFY(!variantFromCbor(QCborValue(1), QMetaType(), &variant, &error));
}

void tst_Marshal::marshallable()
{
    QVERIFY(isMarshallable(QMetaType::fromType<int>()));
    QVERIFY(isMarshallable(QMetaType::fromType<Order>()));
    QVERIFY(isMarshallable(QMetaType::fromType<QList<Order>>()));
    QVERIFY(isMarshallable(QMetaType::fromType<QMap<QString, QList<Item>>>()));
    QVERIFY(isMarshallable(QMetaType::fromType<Palette::Options>()));
    QString why;
    QVERIFY(!isMarshallable(QMetaType::fromType<QObject *>(), &why));
    QVERIFY(why.contains(u"QObject*"));
    QVERIFY(!isMarshallable(QMetaType::fromType<QList<QObject *>>(), &why));
    QVERIFY(!isMarshallable(QMetaType(), &why));

    // Unsupported types encode as undefined (with a warning), never crash.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("cannot marshal a value of type QObject\\*")));
    QVERIFY(variantToCbor(QVariant::fromValue(static_cast<QObject *>(this))).isUndefined());
    QString error;
    QVariant out;
    QVERIFY(!variantFromCbor(QCborValue(1), QMetaType::fromType<QObject *>(), &out, &error));
    QCOMPARE(error, QStringLiteral("type QObject* cannot be marshalled"));
}

void tst_Marshal::errors_data()
{
    QTest::addColumn<QCborValue>("input");
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("message");

    const auto id = [](auto *p) { return QMetaType::fromType<std::remove_pointer_t<decltype(p)>>().id(); };
    using Order_ = Order;

    // Integers
    QTest::newRow("string for int") << QCborValue(QStringLiteral("5")) << id((int *)nullptr)
                                    << QStringLiteral("expected integer, found string");
    QTest::newRow("bool for int") << QCborValue(true) << id((int *)nullptr)
                                  << QStringLiteral("expected integer, found boolean");
    QTest::newRow("null for int") << QCborValue(nullptr) << id((int *)nullptr)
                                  << QStringLiteral("expected integer, found null");
    QTest::newRow("fraction for int") << QCborValue(1.5) << id((int *)nullptr)
                                      << QStringLiteral("expected integer, found double 1.5");
    QTest::newRow("nan for int") << QCborValue(qQNaN()) << id((qint64 *)nullptr)
                                 << QStringLiteral("expected integer, found double nan");
    QTest::newRow("300 for quint8") << QCborValue(300) << id((quint8 *)nullptr)
                                    << QStringLiteral("300 is out of range for quint8 [0, 255]");
    QTest::newRow("-129 for qint8") << QCborValue(-129) << id((qint8 *)nullptr)
                                    << QStringLiteral("-129 is out of range for qint8 [-128, 127]");
    QTest::newRow("-1 for quint32") << QCborValue(-1) << id((quint32 *)nullptr)
                                    << QStringLiteral("-1 is out of range for quint32 [0, 4294967295]");
    QTest::newRow("-1 for quint64") << QCborValue(-1) << id((quint64 *)nullptr)
                                    << QStringLiteral("-1 is out of range for quint64");
    QTest::newRow("2^31 for qint32") << QCborValue(qint64(1) << 31) << id((qint32 *)nullptr)
                                     << QStringLiteral("2147483648 is out of range for qint32");
    QTest::newRow("2^63 double for qint64") << QCborValue(std::ldexp(1.0, 63)) << id((qint64 *)nullptr)
                                            << QStringLiteral("9223372036854775808 is out of range for qint64");
    QTest::newRow("2^64 double for quint64") << QCborValue(std::ldexp(1.0, 64)) << id((quint64 *)nullptr)
                                             << QStringLiteral("out of range for quint64");
    QTest::newRow("1e3 double for quint8") << QCborValue(1e3) << id((quint8 *)nullptr)
                                           << QStringLiteral("1000 is out of range for quint8");
    QTest::newRow("bad decimal for quint64") << QCborValue(QStringLiteral("12a")) << id((quint64 *)nullptr)
                                             << QStringLiteral("expected integer, found non-numeric string \"12a\"");
    QTest::newRow("negative text for quint64") << QCborValue(QStringLiteral("-1")) << id((quint64 *)nullptr)
                                               << QStringLiteral("non-numeric string \"-1\"");
    QTest::newRow("overflow text for qint64") << QCborValue(QStringLiteral("9223372036854775808"))
                                              << id((qint64 *)nullptr) << QStringLiteral("non-numeric string");
    // Other scalars
    QTest::newRow("int for bool") << QCborValue(1) << id((bool *)nullptr)
                                  << QStringLiteral("expected boolean, found integer");
    QTest::newRow("int for string") << QCborValue(1) << id((QString *)nullptr)
                                    << QStringLiteral("expected string, found integer");
    QTest::newRow("bytes for string") << QCborValue(QByteArray("x")) << id((QString *)nullptr)
                                      << QStringLiteral("expected string, found byte string");
    QTest::newRow("null for string") << QCborValue(nullptr) << id((QString *)nullptr)
                                     << QStringLiteral("expected string, found null");
    QTest::newRow("text for double") << QCborValue(QStringLiteral("1.5")) << id((double *)nullptr)
                                     << QStringLiteral("expected number, found string \"1.5\"");
    QTest::newRow("array for double") << QCborValue(QCborArray{}) << id((double *)nullptr)
                                      << QStringLiteral("expected number, found array");
    QTest::newRow("1e40 for float") << QCborValue(1e40) << id((float *)nullptr)
                                    << QStringLiteral("out of range for float");
    QTest::newRow("two chars for QChar") << QCborValue(QStringLiteral("ab")) << id((QChar *)nullptr)
                                         << QStringLiteral("expected a one-character string");
    QTest::newRow("int for bytes") << QCborValue(1) << id((QByteArray *)nullptr)
                                   << QStringLiteral("expected byte string, found integer");
    // base64url
    for (const char *bad : {"ab$c", "A", "AB=C", "+/8", "AA===", "AAA==", "YW I", "YWI\n"}) {
        QTest::addRow("bad base64url %s", QByteArray(bad).replace('\n', "\\n").constData()) << QCborValue(QString::fromLatin1(bad)) << id((QByteArray *)nullptr)
                                                << QStringLiteral("expected byte string, found string that is not valid base64url");
    }
    // Dates and times
    QTest::newRow("bad date-time") << QCborValue(QStringLiteral("2024-13-45T00:00:00Z")) << id((QDateTime *)nullptr)
                                   << QStringLiteral("invalid ISO 8601 date-time \"2024-13-45T00:00:00Z\"");
    QTest::newRow("empty date-time") << QCborValue(QString(QStringLiteral(""))) << id((QDateTime *)nullptr)
                                     << QStringLiteral("invalid ISO 8601 date-time \"\"");
    QTest::newRow("int for date-time") << QCborValue(5) << id((QDateTime *)nullptr)
                                       << QStringLiteral("expected ISO 8601 date-time string, found integer");
    QTest::newRow("tag 0 with int") << QCborValue(QCborKnownTags::DateTimeString, 5) << id((QDateTime *)nullptr)
                                    << QStringLiteral("expected date-time string in tag 0, found integer");
    QTest::newRow("tag 1 with text") << QCborValue(QCborKnownTags::UnixTime_t, QStringLiteral("x"))
                                     << id((QDateTime *)nullptr) << QStringLiteral("expected epoch seconds in tag 1");
    QTest::newRow("tag 1 beyond year 9999") << QCborValue(QCborKnownTags::UnixTime_t, qint64(1e12))
                                            << id((QDateTime *)nullptr)
                                            << QStringLiteral("epoch seconds 1000000000000 out of range");
    QTest::newRow("bad date") << QCborValue(QStringLiteral("yesterday")) << id((QDate *)nullptr)
                              << QStringLiteral("invalid ISO 8601 date \"yesterday\"");
    QTest::newRow("feb 30") << QCborValue(QStringLiteral("2023-02-30")) << id((QDate *)nullptr)
                            << QStringLiteral("invalid ISO 8601 date");
    QTest::newRow("bad time") << QCborValue(QStringLiteral("25:00:00")) << id((QTime *)nullptr)
                              << QStringLiteral("invalid ISO 8601 time \"25:00:00\"");
    QTest::newRow("map for time") << QCborValue(QCborMap{}) << id((QTime *)nullptr)
                                  << QStringLiteral("expected ISO 8601 time string, found map");
    // UUIDs
    QTest::newRow("bad uuid") << QCborValue(QStringLiteral("not-a-uuid")) << id((QUuid *)nullptr)
                              << QStringLiteral("invalid UUID \"not-a-uuid\"");
    QTest::newRow("uuid with trailing text")
        << QCborValue(QStringLiteral("6f1c9a58-8f43-4d8e-b5a1-3f1d2e4c5b6aXX")) << id((QUuid *)nullptr)
        << QStringLiteral("invalid UUID");
    QTest::newRow("uuid without dashes")
        << QCborValue(QStringLiteral("6f1c9a588f434d8eb5a13f1d2e4c5b6a")) << id((QUuid *)nullptr)
        << QStringLiteral("invalid UUID");
    QTest::newRow("uuid bad hex")
        << QCborValue(QStringLiteral("6f1c9a58-8f43-4d8e-b5a1-3f1d2e4c5bgz")) << id((QUuid *)nullptr)
        << QStringLiteral("invalid UUID");
    QTest::newRow("null for uuid") << QCborValue(nullptr) << id((QUuid *)nullptr)
                                   << QStringLiteral("expected UUID string, found null");
    // Enums
    QTest::newRow("unknown enum key") << QCborValue(QStringLiteral("Purple")) << id((Palette::Color *)nullptr)
                                      << QStringLiteral("unknown key \"Purple\" for enum Palette::Color");
    QTest::newRow("key of another enum") << QCborValue(QStringLiteral("Apple")) << id((Palette::Color *)nullptr)
                                         << QStringLiteral("unknown key \"Apple\"");
    QTest::newRow("unknown flag key") << QCborValue(QStringLiteral("Bold|Strike")) << id((Palette::Options *)nullptr)
                                      << QStringLiteral("unknown key \"Strike\" for flags QFlags<Palette::Option>");
    QTest::newRow("flags for enum") << QCborValue(QStringLiteral("Red|Green")) << id((Palette::Color *)nullptr)
                                    << QStringLiteral("unknown key \"Red|Green\"");
    QTest::newRow("bool for enum") << QCborValue(true) << id((Palette::Color *)nullptr)
                                   << QStringLiteral("expected Palette::Color key or integer, found boolean");
    QTest::newRow("enum int out of range") << QCborValue(256) << id((Palette::Small *)nullptr)
                                           << QStringLiteral("256 is out of range for Palette::Small [0, 255]");
    // QMetaEnum reads keys as C strings; text after a NUL must not be ignored (finding 3 in
    // docs/RELIABILITY-fuzzing.md: these were Green, Red and Bold).
    QTest::newRow("NUL in enum key") << QCborValue(QStringLiteral("Green\0junk")) << id((Palette::Color *)nullptr)
                                     << QStringLiteral("for enum Palette::Color: NUL character in the key");
    QTest::newRow("enum key ending in NUL") << QCborValue(QStringLiteral("Red\0")) << id((Palette::Color *)nullptr)
                                            << QStringLiteral("NUL character in the key");
    QTest::newRow("NUL in flags key") << QCborValue(QStringLiteral("Bold\0|Strike")) << id((Palette::Options *)nullptr)
                                      << QStringLiteral("for flags QFlags<Palette::Option>: NUL character in the key");
    // Containers and gadgets
    QTest::newRow("map for string list") << QCborValue(QCborMap{}) << id((QStringList *)nullptr)
                                         << QStringLiteral("expected array, found map");
    QTest::newRow("int in string list") << QCborValue(QCborArray{QStringLiteral("a"), 2}) << id((QStringList *)nullptr)
                                        << QStringLiteral("[1]: expected string, found integer");
    QTest::newRow("map for QList<int>") << QCborValue(QCborMap{}) << id((QList<int> *)nullptr)
                                        << QStringLiteral("expected array, found map");
    QTest::newRow("array for gadget") << QCborValue(QCborArray{}) << id((Item *)nullptr)
                                      << QStringLiteral("expected map, found array");
    QTest::newRow("null for gadget") << QCborValue(nullptr) << id((Item *)nullptr)
                                     << QStringLiteral("expected map, found null");
    QTest::newRow("wrong property") << QCborValue(QCborMap{{QStringLiteral("count"), QStringLiteral("x")}})
                                    << id((Item *)nullptr) << QStringLiteral("count: expected integer, found string");
    {
        QCborMap order = toCbor(sampleOrder()).toMap();
        QCborArray items = order.value(QStringLiteral("items")).toArray();
        QCborMap third = items.at(2).toMap();
        third.insert(QStringLiteral("count"), QStringLiteral("many"));
        items[2] = third;
        order.insert(QStringLiteral("items"), items);
        QTest::newRow("nested property path") << QCborValue(order) << id((Order_ *)nullptr)
                                              << QStringLiteral("items[2].count: expected integer, found string");
        QTest::newRow("path inside a list of gadgets")
            << QCborValue(QCborArray{QCborMap{}, order}) << id((QList<Order_> *)nullptr)
            << QStringLiteral("[1].items[2].count: expected integer, found string");
    }
    QTest::newRow("map value path")
        << QCborValue(QCborMap{{QStringLiteral("byName"),
                                QCborMap{{QStringLiteral("x"), QCborMap{{QStringLiteral("name"), 5}}}}}})
        << id((Order_ *)nullptr) << QStringLiteral("byName[\"x\"].name: expected string, found integer");
    QTest::newRow("enum property") << QCborValue(QCborMap{{QStringLiteral("color"), QStringLiteral("Pink")}})
                                   << id((Order_ *)nullptr)
                                   << QStringLiteral("color: unknown key \"Pink\" for enum Palette::Color");
    QTest::newRow("uuid property") << QCborValue(QCborMap{{QStringLiteral("id"), QStringLiteral("nope")}})
                                   << id((Order_ *)nullptr) << QStringLiteral("id: invalid UUID \"nope\"");
    QTest::newRow("bytes property") << QCborValue(QCborMap{{QStringLiteral("blob"), QStringLiteral("@@")}})
                                    << id((Order_ *)nullptr) << QStringLiteral("blob: expected byte string");
    QTest::newRow("array for map") << QCborValue(QCborArray{}) << id((QMap<QString, int> *)nullptr)
                                   << QStringLiteral("expected map, found array");
    QTest::newRow("bad int key") << QCborValue(QCborMap{{QStringLiteral("x"), QStringLiteral("v")}})
                                 << id((QMap<int, QString> *)nullptr)
                                 << QStringLiteral("[\"x\"]: map key: expected integer, found string \"x\"");
    QTest::newRow("array key for QVariantMap") << QCborValue(QCborMap{{QCborArray{}, 1}}) << id((QVariantMap *)nullptr)
                                               << QStringLiteral("map key: expected string, found array");
    QTest::newRow("array for variant map") << QCborValue(QCborArray{}) << id((QVariantHash *)nullptr)
                                           << QStringLiteral("expected map, found array");
    QTest::newRow("map for variant list") << QCborValue(QCborMap{}) << id((QVariantList *)nullptr)
                                          << QStringLiteral("expected array, found map");
    QTest::newRow("array for json object") << QCborValue(QCborArray{}) << id((QJsonObject *)nullptr)
                                           << QStringLiteral("expected map, found array");
    QTest::newRow("map for json array") << QCborValue(QCborMap{}) << id((QJsonArray *)nullptr)
                                        << QStringLiteral("expected array, found map");
    QTest::newRow("simple value for QVariant") << QCborValue(QCborSimpleType(99)) << id((QVariant *)nullptr)
                                               << QStringLiteral("cannot represent simple value 99 as a QVariant");
    QTest::newRow("simple value in QVariantList") << QCborValue(QCborArray{1, QCborSimpleType(40)})
                                                  << id((QVariantList *)nullptr)
                                                  << QStringLiteral("[1]: cannot represent simple value 40");
    QTest::newRow("string for nullptr") << QCborValue(QStringLiteral("x")) << id((std::nullptr_t *)nullptr)
                                        << QStringLiteral("expected null, found string");
    QTest::newRow("deep QVariant") << nestedArrays(65) << id((QVariant *)nullptr)
                                   << QStringLiteral("nested deeper than 64 levels");
    QTest::newRow("deep QJsonValue") << nestedArrays(65) << id((QJsonValue *)nullptr)
                                     << QStringLiteral("nested deeper than 64 levels");
    QTest::newRow("deep QCborValue") << nestedArrays(65) << id((QCborValue *)nullptr)
                                     << QStringLiteral("nested deeper than 64 levels");
    QTest::newRow("deep QVariantList") << nestedArrays(200) << id((QVariantList *)nullptr)
                                       << QStringLiteral("nested deeper than 64 levels");
}

void tst_Marshal::dateTimeSubMinuteOffset()
{
    // ISO 8601 offsets have no seconds: a date-time whose offset is not whole minutes (local mean
    // time, before ~1900) is sent as UTC, so that it decodes as the same instant. Finding 4 in
    // docs/RELIABILITY-fuzzing.md: it was sent as +00:53, 28 seconds off.
    const auto check = [](const QDateTime &dateTime, const QString &expected) {
        const QCborValue encoded = toCbor(dateTime);
        QCOMPARE(encoded, QCborValue(expected));
        for (const QCborValue &carried : {encoded, QCborValue::fromJsonValue(encoded.toJsonValue())}) {
            QDateTime back;
            QString error;
            QVERIFY2(fromCbor(carried, &back, &error), qPrintable(error));
            QCOMPARE(back.toMSecsSinceEpoch(), dateTime.toMSecsSinceEpoch());
        }
    };
    check(QDateTime(QDate(1850, 6, 1), QTime(12, 0), Qt::OffsetFromUTC, 3208), // +00:53:28
          QStringLiteral("1850-06-01T11:06:32.000Z"));
    check(QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9), Qt::OffsetFromUTC, -30),
          QStringLiteral("2024-05-06T07:08:39.000Z"));
    // The same through a time zone (the case the fuzzer found, there with local time).
    const QTimeZone berlin(QByteArrayLiteral("Europe/Berlin"));
    if (!berlin.isValid())
        QSKIP("no Europe/Berlin time zone data");
    // Whole-minute offsets keep their offset.
    check(QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9), berlin),
          QStringLiteral("2024-05-06T07:08:09.000+02:00"));
    const QDateTime zoned(QDate(1850, 6, 1), QTime(12, 0), berlin);
    if (zoned.offsetFromUtc() != 3208)
        QSKIP("this time zone database has no local mean time for Europe/Berlin");
    check(zoned, QStringLiteral("1850-06-01T11:06:32.000Z"));
}

void tst_Marshal::errors()
{
    QFETCH(QCborValue, input);
    QFETCH(int, type);
    QFETCH(QString, message);

    const QMetaType metaType(type);
    for (const QCborValue &carried : {input, throughCborBytes(input)}) {
        QVariant out;
        QString error;
        QVERIFY2(!variantFromCbor(carried, metaType, &out, &error), qPrintable(show(out)));
        QVERIFY2(error.contains(message), qPrintable(QStringLiteral("got: ") + error));
        QVERIFY(!out.isValid());
    }
}

void tst_Marshal::errorLeavesOutputUnchanged()
{
    Order order = sampleOrder();
    QString error;
    QVERIFY(!fromCbor(QCborValue(QCborMap{{QStringLiteral("customer"), QStringLiteral("new")},
                                          {QStringLiteral("total"), QStringLiteral("x")}}),
                      &order, &error));
    QCOMPARE(order, sampleOrder());
    int i = 5;
    QVERIFY(!fromCbor(QCborValue(300.5), &i, &error));
    QCOMPARE(i, 5);
    QVariant v(1);
    QVERIFY(!variantFromCbor(QCborValue(QStringLiteral("x")), QMetaType::fromType<int>(), &v, &error));
    QCOMPARE(v, QVariant(1));
}

void tst_Marshal::depthLimit()
{
    QString error;
    QVariant out;
    // 64 levels are fine for every kind of target, 65 are not.
    QVERIFY2(variantFromCbor(nestedArrays(64), QMetaType::fromType<QVariant>(), &out, &error), qPrintable(error));
    QJsonValue json;
    QVERIFY(fromCbor(nestedArrays(64), &json, &error));
    QVERIFY(!fromCbor(nestedArrays(65), &json, &error));
    // Nested gadgets count too.
    QCborMap deep{{QStringLiteral("count"), 1}};
    QCborValue value = QCborArray{deep};
    for (int i = 0; i < 100; ++i)
        value = QCborArray{value};
    QList<QList<QList<Item>>> lists;
    QVERIFY(!fromCbor(value, &lists, &error));
    QCOMPARE(error, QStringLiteral("[0][0][0]: expected map, found array")); // wrong shape first
    // Deep tags.
    QCborValue tagged(1);
    for (int i = 0; i < 1000; ++i)
        tagged = QCborValue(QCborTag(9999), tagged);
    QVERIFY(!variantFromCbor(tagged, QMetaType::fromType<QVariant>(), &out, &error));
    QVERIFY(error.contains(u"nested deeper than 64"));
    // Through CBOR bytes: a very deep document (Qt's own parser may stop earlier; either way no crash).
    QByteArray bytes(100000, char(0x81)); // array of one element, nested
    bytes.append(char(0x01));
    const QCborValue parsed = QCborValue::fromCbor(bytes);
    variantFromCbor(parsed, QMetaType::fromType<QVariant>(), &out, &error);
    variantFromCbor(parsed, QMetaType::fromType<QJsonValue>(), &out, &error);
    // Encoding something deeper than the limit gives undefined in its place (and a warning).
    QVariant deepVariant(1);
    for (int i = 0; i < 70; ++i)
        deepVariant = QVariantList{deepVariant};
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("nested deeper than 64")));
    const QCborValue encoded = variantToCbor(deepVariant);
    QVERIFY(encoded.isArray());
}

namespace {

class RandomCbor
{
public:
    explicit RandomCbor(quint32 seed) : m_random(seed) { }

    QCborValue value(int depth)
    {
        const int kind = int(m_random.bounded(depth > 8 ? 11 : 16));
        switch (kind) {
        case 0: return QCborValue(nullptr);
        case 1: return QCborValue(bool(m_random.bounded(2)));
        case 2: return QCborValue(qint64(m_random.generate64()));
        case 3: return QCborValue(qint64(m_random.bounded(-300, 300)));
        case 4: {
            const double special[] = {qQNaN(), qInf(), -qInf(), 0.5, 1e300, -1e-300, 3.0, 1e19};
            return QCborValue(special[m_random.bounded(8)]);
        }
        case 5: return QCborValue(m_random.generateDouble() * 1e6 - 5e5);
        case 6: return QCborValue(word());
        case 7: {
            QByteArray bytes(int(m_random.bounded(8)), Qt::Uninitialized);
            for (char &c : bytes)
                c = char(m_random.bounded(256));
            return QCborValue(bytes);
        }
        case 8: return QCborValue(QCborSimpleType(m_random.bounded(256)));
        case 9: return QCborValue(QCborTag(m_random.bounded(40)), value(depth + 1));
        case 10: return QCborValue(QCborValue::Undefined);
        case 11:
        case 12: {
            QCborArray array;
            const int n = int(m_random.bounded(5));
            for (int i = 0; i < n; ++i)
                array.append(value(depth + 1));
            return array;
        }
        default: {
            QCborMap map;
            const int n = int(m_random.bounded(6));
            for (int i = 0; i < n; ++i) {
                const QCborValue key = m_random.bounded(8) == 0 ? value(depth + 1) : QCborValue(word());
                map.insert(key, value(depth + 1));
            }
            return map;
        }
        }
    }

    QCborValue deep()
    {
        QCborValue v = value(0);
        const int levels = int(m_random.bounded(60, 80));
        for (int i = 0; i < levels; ++i) {
            if (m_random.bounded(2))
                v = QCborArray{v};
            else
                v = QCborMap{{word(), v}};
        }
        return v;
    }

    QByteArray mutate(QByteArray bytes)
    {
        const int edits = 1 + int(m_random.bounded(4));
        for (int i = 0; i < edits && !bytes.isEmpty(); ++i)
            bytes[int(m_random.bounded(quint32(bytes.size())))] = char(m_random.bounded(256));
        if (m_random.bounded(4) == 0)
            bytes.truncate(int(m_random.bounded(quint32(bytes.size() + 1))));
        return bytes;
    }

    quint32 bounded(quint32 n) { return m_random.bounded(n); }

private:
    QString word()
    {
        static const char *const words[] = {
            "id", "customer", "items", "primary", "color", "options", "created", "extra",
            "byName", "total", "big", "blob", "computed", "name", "count", "Blue", "Bold|Italic",
            "Bold|Nope", "", "6f1c9a58-8f43-4d8e-b5a1-3f1d2e4c5b6a", "2024-05-06T07:08:09.010Z",
            "AAEC", "-1", "18446744073709551615", "NaN", "ü🦊", "x"};
        return QString::fromUtf8(words[m_random.bounded(int(std::size(words)))]);
    }

    QRandomGenerator m_random;
};

} // namespace

void tst_Marshal::randomSmoke()
{
    RandomCbor random(20240506);
    const QCborValue valid = toCbor(sampleOrder());
    const QByteArray validBytes = valid.toCbor();
    int decodedOrders = 0;
    int decodedLists = 0;
    int decodedMaps = 0;
    int parseErrors = 0;
    for (int i = 0; i < 5000; ++i) {
        QCborValue input;
        switch (random.bounded(4)) {
        case 0: input = random.value(0); break;
        case 1: input = random.deep(); break;
        case 2: {
            // Corrupted bytes. Only what parses without error is a message: Qt 6.4 hands back
            // broken values on parse errors (a map ending in a key without a value, a string
            // whose toString() crashes), so the codec must drop those, and so do we.
            QCborParserError parseError;
            input = QCborValue::fromCbor(random.mutate(validBytes), &parseError);
            if (parseError.error != QCborError::NoError) {
                ++parseErrors;
                continue;
            }
            break;
        }
        default: {
            // A valid order with one property replaced by something random.
            QCborMap map = valid.toMap();
            const QList<QCborValue> keys = map.keys();
            map.insert(keys.at(int(random.bounded(quint32(keys.size())))), random.value(1));
            input = random.bounded(2) ? QCborValue(map) : QCborValue(QCborArray{map, random.value(0)});
            break;
        }
        }
        QString error;
        Order order;
        if (fromCbor(input, &order, &error)) {
            ++decodedOrders;
            Order again;
            QVERIFY(fromCbor(throughCborBytes(toCbor(order)), &again, &error));
        } else {
            QVERIFY(!error.isEmpty());
        }
        QList<Order> orders;
        if (fromCbor(input, &orders, &error))
            ++decodedLists;
        else
            QVERIFY(!error.isEmpty());
        QVariantMap map;
        if (fromCbor(input, &map, &error)) {
            ++decodedMaps;
            toCbor(map);
        } else {
            QVERIFY(!error.isEmpty());
        }
        QVariant natural;
        fromCbor(input, &natural, &error);
    }
    qDebug("decoded: %d orders, %d order lists, %d maps out of 5000 (%d corrupted inputs failed "
           "to parse)", decodedOrders, decodedLists, decodedMaps, parseErrors);
    QVERIFY(decodedOrders > 0);
    QVERIFY(decodedLists > 0);
    QVERIFY(decodedMaps > 0);
}

void tst_Marshal::benchmarkInt()
{
    int value = 123456;
    int out = 0;
    QString error;
    QBENCHMARK {
        const QCborValue c = toCbor(value);
        fromCbor(c, &out, &error);
    }
    QCOMPARE(out, value);
}

void tst_Marshal::benchmarkString()
{
    const QString value = QStringLiteral("a moderately short string");
    QString out;
    QString error;
    QBENCHMARK {
        const QCborValue c = toCbor(value);
        fromCbor(c, &out, &error);
    }
    QCOMPARE(out, value);
}

void tst_Marshal::benchmarkGadget()
{
    const Item value{QStringLiteral("widget"), 42};
    Item out;
    QString error;
    QBENCHMARK {
        const QCborValue c = toCbor(value);
        fromCbor(c, &out, &error);
    }
    QCOMPARE(out, value);
}

void tst_Marshal::benchmarkIntRuntimePath()
{
    // For comparison: the same int through the QVariant runtime path.
    const QVariant value(123456);
    QVariant out;
    QString error;
    QBENCHMARK {
        const QCborValue c = variantToCbor(value);
        variantFromCbor(c, QMetaType::fromType<int>(), &out, &error);
    }
    QCOMPARE(out, value);
}

QTEST_GUILESS_MAIN(tst_Marshal)
#include "tst_marshal.moc"
