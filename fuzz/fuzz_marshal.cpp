// fuzz_marshal: Burrow::variantFromCbor() (libs/services/include/Burrow/marshal.h), the decoding of
// every argument and result a service receives. Input: CBOR bytes, parsed with
// QCborValue::fromCbor() (inputs Qt rejects are skipped: Qt 6.4 values from a failed parse must
// not be touched); the value is then decoded into each target type below. For every target that
// accepts it: the result has exactly that type; encoding it (variantToCbor) and decoding that
// again must succeed and encode to the same CBOR (differential, __builtin_trap on mismatch);
// for types without floating point the two decoded values must also compare equal. A target
// that refuses must give an error string and leave *out unchanged. The typed front end
// (fromCbor<T>) must agree with the runtime one, and the value must also survive the trip through
// JSON text that the JSON codec gives it. See docs/RELIABILITY-fuzzing.md.

#include "fuzzcommon.h"

#include <Burrow/marshal.h>

#include <QtCore/QCborArray>
#include <QtCore/QCborMap>
#include <QtCore/QDateTime>
#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QList>
#include <QtCore/QMetaType>
#include <QtCore/QObject>
#include <QtCore/QStringList>
#include <QtCore/QUuid>
#include <QtCore/QVariantMap>

using BurrowFuzz::fail;

namespace FuzzTypes {
Q_NAMESPACE

enum class Color { Red, Green = 2, Blue = 4 };
Q_ENUM_NS(Color)

enum Permission { Read = 1, Write = 2, Execute = 4 };
Q_DECLARE_FLAGS(Permissions, Permission)
Q_FLAG_NS(Permissions)

struct Point
{
    Q_GADGET
    Q_PROPERTY(int x MEMBER x)
    Q_PROPERTY(int y MEMBER y)
    Q_PROPERTY(QString label MEMBER label)
public:
    int x = 0;
    int y = 0;
    QString label;
    friend bool operator==(const Point &, const Point &) = default;
};

struct Shape
{
    Q_GADGET
    Q_PROPERTY(QString name MEMBER name)
    Q_PROPERTY(FuzzTypes::Color color MEMBER color)
    Q_PROPERTY(FuzzTypes::Permissions permissions MEMBER permissions)
    Q_PROPERTY(FuzzTypes::Point origin MEMBER origin)
    Q_PROPERTY(QList<FuzzTypes::Point> points MEMBER points)
    Q_PROPERTY(QList<int> weights MEMBER weights)
    Q_PROPERTY(QByteArray blob MEMBER blob)
    Q_PROPERTY(QUuid id MEMBER id)
    Q_PROPERTY(int readOnly READ readOnly)
public:
    QString name;
    Color color = Color::Red;
    Permissions permissions;
    Point origin;
    QList<Point> points;
    QList<int> weights;
    QByteArray blob;
    QUuid id;
    int readOnly() const { return 7; }
    friend bool operator==(const Shape &, const Shape &) = default;
};

} // namespace FuzzTypes

Q_DECLARE_OPERATORS_FOR_FLAGS(FuzzTypes::Permissions)

namespace {

QByteArray hex(const QCborValue &value)
{
    return value.toCbor().toHex();
}

// comparable: the decoded values themselves must compare equal after the round trip.
template<typename T>
void checkTarget(const QCborValue &value, bool comparable = true)
{
    const QMetaType type = QMetaType::fromType<T>();
    QString why;
    if (!Burrow::isMarshallable(type, &why))
        fail("a fuzz target type is not marshallable", why.toUtf8());

    QVariant out;
    QString error;
    const bool ok = Burrow::variantFromCbor(value, type, &out, &error);
    if (!ok) {
        if (out.isValid())
            fail("a failed variantFromCbor() changed *out", type.name());
        if (error.isEmpty())
            fail("a failed variantFromCbor() gave no error string", type.name());
    } else if (!std::is_same_v<T, QVariant> && out.metaType() != type) {
        fail("variantFromCbor() returned another type", QByteArray(type.name()) + " != " + out.metaType().name());
    }

    // The typed front end must agree.
    T typed{};
    QString typedError;
    const bool typedOk = Burrow::fromCbor(value, &typed, &typedError);
    if (typedOk != ok)
        fail("fromCbor<T>() and variantFromCbor() disagree", QByteArray(type.name()) + " on " + hex(value));
    if constexpr (!std::is_same_v<T, QVariant>) {
        if (ok && comparable && !(typed == out.value<T>()))
            fail("fromCbor<T>() and variantFromCbor() decode differently", QByteArray(type.name()) + " on " + hex(value));
    }
    if (!ok)
        return;
    // Enum and flags keys: the text must be the key(s), nothing more. Finding 3 in
    // docs/RELIABILITY-fuzzing.md: text after a NUL character was ignored ("Green\0junk" was
    // Green, "Read\0|Nope" was Read), because the key went to QMetaEnum as a C string.
    if (QMetaType::fromType<T>().flags().testFlag(QMetaType::IsEnumeration)
        && value.isString() && value.toString().contains(QChar(0))) {
        fail("an enum or flags key with a NUL character in it was accepted", hex(value));
    }

    const QCborValue encoded = Burrow::variantToCbor(out);
    QVariant again;
    QString againError;
    if (!Burrow::variantFromCbor(encoded, type, &again, &againError)) {
        fail("a decoded value, encoded again, does not decode",
             QByteArray(type.name()) + ": " + againError.toUtf8() + "\ninput: " + hex(value)
                 + "\nencoded: " + hex(encoded));
    }
    const QCborValue encodedAgain = Burrow::variantToCbor(again);
    if (encodedAgain != encoded) {
        fail("encode(decode(encode(decode(x)))) != encode(decode(x))",
             QByteArray(type.name()) + "\ninput: " + hex(value) + "\nfirst:  " + hex(encoded)
                 + "\nsecond: " + hex(encodedAgain));
    }
    if (comparable && !(again == out)) {
        fail("decoded value changed through encode/decode",
             QByteArray(type.name()) + "\ninput: " + hex(value) + "\nencoded: " + hex(encoded));
    }
    // value -> CBOR -> JSON text -> CBOR -> value (what the JSON codec does to an argument) must
    // give the value back too; marshal.h lists the exceptions (floating point, QVariant targets),
    // which `comparable` already leaves out.
    if (comparable && !std::is_same_v<T, QVariant>) {
        const QByteArray text = QJsonDocument(QJsonArray{encoded.toJsonValue()}).toJson(QJsonDocument::Compact);
        const QCborValue fromJson = QCborValue::fromJsonValue(QJsonDocument::fromJson(text).array().at(0));
        QVariant overJson;
        QString jsonError;
        if (!Burrow::variantFromCbor(fromJson, type, &overJson, &jsonError)) {
            fail("a value does not come back over JSON",
                 QByteArray(type.name()) + ": " + jsonError.toUtf8() + "\ninput: " + hex(value) + "\njson: " + text);
        }
        if (!(overJson == out)) {
            fail("a value changes over JSON",
                 QByteArray(type.name()) + "\ninput: " + hex(value) + "\njson: " + text);
        }
    }

    // The raw-storage API must give the same as the QVariant one.
    T raw{};
    if (!Burrow::valueFromCbor(encoded, type, &raw, nullptr))
        fail("valueFromCbor() refused what variantFromCbor() accepted", type.name());
    if (Burrow::valueToCbor(type, &raw) != encoded && comparable)
        fail("valueToCbor() differs from variantToCbor()", type.name());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool once = [] {
        // A zone with daylight saving time, so that local times can be ambiguous or missing.
        if (QFile::exists(QStringLiteral("/usr/share/zoneinfo/Europe/Berlin")))
            qputenv("TZ", "Europe/Berlin");
        BurrowFuzz::ensureApplication();
        using namespace FuzzTypes;
        qRegisterMetaType<Color>();
        qRegisterMetaType<Permissions>();
        qRegisterMetaType<Point>();
        qRegisterMetaType<Shape>();
        qRegisterMetaType<QList<Point>>();
        qRegisterMetaType<QList<Shape>>();
        qRegisterMetaType<QList<int>>();
        return true;
    }();
    (void)once;

    QCborParserError parseError;
    const QCborValue value = QCborValue::fromCbor(BurrowFuzz::bytes(data, size), &parseError);
    if (parseError.error != QCborError::NoError)
        return 0; // Qt 6.4: a value from a failed parse must not be read

    using namespace FuzzTypes;
    checkTarget<int>(value);
    checkTarget<qint64>(value);
    checkTarget<quint64>(value);
    checkTarget<double>(value, false);
    checkTarget<QString>(value);
    checkTarget<QByteArray>(value);
    checkTarget<QUuid>(value);
    checkTarget<Color>(value);
    checkTarget<Permissions>(value);
    checkTarget<QStringList>(value);
    checkTarget<QList<int>>(value);
    checkTarget<Point>(value);
    checkTarget<Shape>(value);
    checkTarget<QList<Shape>>(value);
    checkTarget<QVariantMap>(value, false);
    checkTarget<QVariant>(value, false);
    {
        // QDateTime: years outside 0..9999 are documented to encode as null (no ISO text), so
        // the values are compared only when the encoding is not null. Finding 4 in
        // docs/RELIABILITY-fuzzing.md: a local time whose UTC offset is not a whole number of
        // minutes (local mean time before ~1900, e.g. +00:53:28 in Europe/Berlin) was encoded
        // with the offset cut to minutes, so it decoded as another instant.
        QVariant out;
        const bool ok = Burrow::variantFromCbor(value, QMetaType::fromType<QDateTime>(), &out, nullptr);
        const bool representable = ok && !Burrow::variantToCbor(out).isNull();
        checkTarget<QDateTime>(value, representable);
    }
    return 0;
}

#include "fuzz_marshal.moc"
