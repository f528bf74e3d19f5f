#include "typesexercise.h"

#include <Burrow/message.h>
#include <Burrow/reply.h>

#include <QtCore/QDebug>
#include <QtCore/QJsonArray>
#include <QtCore/QTimeZone>

#include <limits>

using namespace TestContracts;

Shape sampleShape()
{
    Shape shape;
    shape.name = QStringLiteral("triangle \u00e9\u4e2d");
    shape.origin = {-3, 7};
    shape.points = {{0, 0}, {10, 0}, {5, -8}};
    return shape;
}

QDateTime sampleDateTime()
{
    return QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9, 10), Qt::UTC);
}

namespace {

template<typename T>
QString show(const T &value)
{
    QString text;
    QDebug(&text) << value;
    return text;
}

QString show(const Shape &shape)
{
    QString text = QStringLiteral("Shape(%1 @%2,%3 [").arg(shape.name).arg(shape.origin.x).arg(shape.origin.y);
    for (const Point &point : shape.points)
        text += QStringLiteral("(%1,%2)").arg(point.x).arg(point.y);
    return text + QStringLiteral("])");
}

struct Checker
{
    QStringList *failures;
    QVariantList *results;

    template<typename T>
    void check(const char *what, const T &got, const T &expected)
    {
        const Burrow::CallError error = Burrow::lastCallError();
        if (error.isError()) {
            failures->append(QStringLiteral("%1: call failed: %2 %3")
                                 .arg(QLatin1String(what), Burrow::errorCodeName(error.code()), error.message()));
        } else if (!(got == expected)) {
            failures->append(QStringLiteral("%1: got %2, expected %3")
                                 .arg(QLatin1String(what), show(got), show(expected)));
        }
        results->append(QVariant::fromValue(got));
    }
};

} // namespace

QStringList exerciseTypes(ITypesService *service, QVariantList *results)
{
    QStringList failures;
    Checker c{&failures, results};

    for (bool value : {true, false})
        c.check("echoBool", service->echoBool(value), value);
    for (qint8 value : {qint8(-128), qint8(0), qint8(127)})
        c.check("echoInt8", service->echoInt8(value), value);
    for (quint8 value : {quint8(0), quint8(255)})
        c.check("echoUInt8", service->echoUInt8(value), value);
    for (qint16 value : {std::numeric_limits<qint16>::min(), qint16(-1), std::numeric_limits<qint16>::max()})
        c.check("echoInt16", service->echoInt16(value), value);
    for (quint16 value : {quint16(0), std::numeric_limits<quint16>::max()})
        c.check("echoUInt16", service->echoUInt16(value), value);
    for (qint32 value : {std::numeric_limits<qint32>::min(), qint32(42), std::numeric_limits<qint32>::max()})
        c.check("echoInt32", service->echoInt32(value), value);
    for (quint32 value : {quint32(0), std::numeric_limits<quint32>::max()})
        c.check("echoUInt32", service->echoUInt32(value), value);
    for (qint64 value : {std::numeric_limits<qint64>::min(), qint64(-5), qint64(1) << 53, std::numeric_limits<qint64>::max()})
        c.check("echoInt64", service->echoInt64(value), value);
    for (quint64 value : {quint64(0), quint64(std::numeric_limits<qint64>::max()) + 1, std::numeric_limits<quint64>::max()})
        c.check("echoUInt64", service->echoUInt64(value), value);
    for (double value : {0.0, 42.0, -1.5, 3.141592653589793, 1e300, std::numeric_limits<double>::denorm_min()})
        c.check("echoDouble", service->echoDouble(value), value);
    for (const QString &value : {QString(), QStringLiteral("plain"), QStringLiteral("\u00e9t\u00e9 \u4e2d\u6587 \U0001F600 \"quoted\"\n")})
        c.check("echoString", service->echoString(value), value.isNull() ? QString(QLatin1String("")) : value);
    for (const QByteArray &value : {QByteArray(), QByteArray("\x00\x01\xff text", 9), QByteArray(1000, 'z')})
        c.check("echoBytes", service->echoBytes(value), value);
    const QDateTime utc = sampleDateTime();
    const QDateTime offset = QDateTime(QDate(1999, 12, 31), QTime(23, 59, 59, 999), QTimeZone(-5 * 3600));
    for (const QDateTime &value : {utc, offset})
        c.check("echoDateTime", service->echoDateTime(value), value);
    const QUuid uuid(QStringLiteral("{6f1c6a3e-2b1d-4a57-9a7e-0c2f3b4d5e6f}"));
    for (const QUuid &value : {uuid, QUuid()})
        c.check("echoUuid", service->echoUuid(value), value);
    for (ITypesService::Color value : {ITypesService::Color::Red, ITypesService::Color::Blue})
        c.check("echoColor", service->echoColor(value), value);
    const QStringList words{QStringLiteral("one"), QString(), QStringLiteral("tr\u00e9s")};
    c.check("echoStringList", service->echoStringList(words), QStringList{QStringLiteral("one"), QLatin1String(""), QStringLiteral("tr\u00e9s")});
    c.check("echoStringList(empty)", service->echoStringList({}), QStringList());
    const QJsonObject json{{QStringLiteral("name"), QStringLiteral("x")},
                           {QStringLiteral("n"), 1.5},
                           {QStringLiteral("list"), QJsonArray{true, QStringLiteral("two"), QJsonValue::Null}},
                           {QStringLiteral("nested"), QJsonObject{{QStringLiteral("k"), false}}}};
    c.check("echoJsonObject", service->echoJsonObject(json), json);
    const QVariantMap map{{QStringLiteral("int"), qint64(7)},
                          {QStringLiteral("text"), QStringLiteral("t")},
                          {QStringLiteral("flag"), true},
                          {QStringLiteral("real"), 2.5},
                          {QStringLiteral("list"), QVariantList{qint64(1), QStringLiteral("b")}},
                          {QStringLiteral("map"), QVariantMap{{QStringLiteral("inner"), qint64(-1)}}}};
    c.check("echoVariantMap", service->echoVariantMap(map), map);
    c.check("echoShape", service->echoShape(sampleShape()), sampleShape());
    c.check("echoShape(empty)", service->echoShape(Shape()), Shape());
    const QList<int> numbers{1, -2, 3, std::numeric_limits<int>::max()};
    c.check("echoIntList", service->echoIntList(numbers), numbers);
    c.check("echoIntList(empty)", service->echoIntList({}), QList<int>());

    Shape expected;
    expected.name = QStringLiteral("made");
    expected.origin = {2, 3};
    expected.points = {{2, 3}, {3, 2}};
    c.check("makeShape", service->makeShape(QStringLiteral("made"), 2, 3, 2), expected);
    c.check("sumTen", service->sumTen(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 55);
    c.check("describe",
            service->describe(true, -9, 0.25, QStringLiteral("txt"), QByteArray("\x01\xfe", 2), utc, uuid,
                              ITypesService::Color::Green, words, sampleShape()),
            QStringLiteral("true|-9|0.25|txt|01fe|2024-05-06T07:08:09.010Z|6f1c6a3e-2b1d-4a57-9a7e-0c2f3b4d5e6f|1|one,,tr\u00e9s|triangle \u00e9\u4e2d:3"));
    service->doNothing();
    c.check("doNothing", true, true);
    return failures;
}
