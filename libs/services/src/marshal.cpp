#include <Burrow/marshal.h>

#include <QtCore/QAssociativeIterable>
#include <QtCore/QCborArray>
#include <QtCore/QCborMap>
#include <QtCore/QDateTime>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QJsonValue>
#include <QtCore/QLoggingCategory>
#include <QtCore/QMetaEnum>
#include <QtCore/QMetaObject>
#include <QtCore/QMetaProperty>
#include <QtCore/QSequentialIterable>
#include <QtCore/QSet>
#include <QtCore/QStringList>
#include <QtCore/QUrl>
#include <QtCore/QUuid>
#include <QtCore/QVarLengthArray>

#include <cmath>
#include <optional>

namespace Burrow {
namespace {

Q_LOGGING_CATEGORY(lcMarshal, "burrow.services.marshal")

// ---------------------------------------------------------------------------------------------
// Helpers shared by both directions

bool isVariantType(QMetaType type)
{
    return type == QMetaType::fromType<QVariant>();
}

// A default-constructed object of some meta type. QVariant-backed (small types live inline);
// for the QVariant type itself the QVariant *is* the object.
class Slot
{
public:
    explicit Slot(QMetaType type)
        : m_isVariant(isVariantType(type))
    {
        if (!m_isVariant)
            m_holder = QVariant(type);
    }
    bool isValid() const { return m_isVariant || m_holder.isValid(); }
    void *data() { return m_isVariant ? static_cast<void *>(&m_holder) : m_holder.data(); }
    // For QMetaProperty::writeOnGadget: the typed variant, or the natural value for a QVariant
    // property (which writeOnGadget passes through unchanged).
    QVariant &variant() { return m_holder; }

private:
    bool m_isVariant;
    QVariant m_holder;
};

QMetaEnum metaEnumFor(QMetaType type)
{
    const QMetaObject *mo = type.metaObject();
    if (!mo)
        return {};
    QByteArrayView name(type.name());
    if (name.startsWith("QFlags<") && name.endsWith('>'))
        name = name.sliced(7, name.size() - 8);
    const qsizetype colons = name.lastIndexOf("::");
    if (colons >= 0)
        name = name.sliced(colons + 2);
    for (int i = mo->enumeratorCount() - 1; i >= 0; --i) {
        const QMetaEnum e = mo->enumerator(i);
        if (name == QByteArrayView(e.name()) || name == QByteArrayView(e.enumName()))
            return e;
    }
    return {};
}

// The one list of the integer types: calls f(T(), name) with the C++ type T of an integer meta
// type id and the name used in error messages; std::nullopt for other ids.
template<typename F>
auto withIntegerType(int id, F &&f) -> std::optional<decltype(f(int(), ""))>
{
    switch (id) {
    case QMetaType::Char: return f(char(), "char");
    case QMetaType::SChar: return f(qint8(), "qint8");
    case QMetaType::UChar: return f(quint8(), "quint8");
    case QMetaType::Short: return f(qint16(), "qint16");
    case QMetaType::UShort: return f(quint16(), "quint16");
    case QMetaType::Int: return f(qint32(), "qint32");
    case QMetaType::UInt: return f(quint32(), "quint32");
    case QMetaType::Long: return f(long(), "long");
    case QMetaType::ULong: return f(ulong(), "ulong");
    case QMetaType::LongLong: return f(qint64(), "qint64");
    case QMetaType::ULongLong: return f(quint64(), "quint64");
    case QMetaType::Char16: return f(char16_t(), "char16_t");
    case QMetaType::Char32: return f(char32_t(), "char32_t");
    default: return std::nullopt;
    }
}

bool isIntegerTypeId(int id)
{
    return withIntegerType(id, [](auto, const char *) { return true; }).has_value();
}

// The integer meta type an enum is stored as: the same size and signedness.
int enumStorageTypeId(QMetaType type)
{
    const bool isUnsigned = type.flags() & QMetaType::IsUnsignedEnumeration;
    switch (type.sizeOf()) {
    case 1: return isUnsigned ? QMetaType::UChar : QMetaType::SChar;
    case 2: return isUnsigned ? QMetaType::UShort : QMetaType::Short;
    case 4: return isUnsigned ? QMetaType::UInt : QMetaType::Int;
    case 8: return isUnsigned ? QMetaType::ULongLong : QMetaType::LongLong;
    default: return QMetaType::UnknownType;
    }
}

// Strict decimal integer text: optional '-', then digits only.
bool parseDecimal(const QString &text, bool allowNegative, qint64 *s, quint64 *u)
{
    if (text.isEmpty() || text.size() > 21)
        return false;
    qsizetype i = 0;
    if (text.at(0) == u'-') {
        if (!allowNegative)
            return false;
        i = 1;
    }
    if (i == text.size())
        return false;
    for (; i < text.size(); ++i) {
        if (text.at(i) < u'0' || text.at(i) > u'9')
            return false;
    }
    bool ok = false;
    if (s)
        *s = text.toLongLong(&ok, 10);
    else
        *u = text.toULongLong(&ok, 10);
    return ok;
}

QString quoted(const QString &text)
{
    constexpr qsizetype maxShown = 48;
    if (text.size() > maxShown)
        return u'"' + text.left(maxShown) + QStringLiteral("...\"");
    return u'"' + text + u'"';
}

QString describe(const QCborValue &value)
{
    switch (value.type()) {
    case QCborValue::Integer: return QStringLiteral("integer");
    case QCborValue::ByteArray: return QStringLiteral("byte string");
    case QCborValue::String: return QStringLiteral("string");
    case QCborValue::Array: return QStringLiteral("array");
    case QCborValue::Map: return QStringLiteral("map");
    case QCborValue::Tag: return QStringLiteral("tag %1").arg(quint64(value.tag()));
    case QCborValue::SimpleType:
        return QStringLiteral("simple value %1").arg(int(value.toSimpleType()));
    case QCborValue::False:
    case QCborValue::True: return QStringLiteral("boolean");
    case QCborValue::Null: return QStringLiteral("null");
    case QCborValue::Undefined: return QStringLiteral("undefined");
    case QCborValue::Double: return QStringLiteral("double");
    case QCborValue::DateTime: return QStringLiteral("date-time (tag 0)");
    case QCborValue::Url: return QStringLiteral("URL (tag 32)");
    case QCborValue::RegularExpression: return QStringLiteral("regular expression (tag 35)");
    case QCborValue::Uuid: return QStringLiteral("UUID (tag 37)");
    case QCborValue::Invalid: break;
    }
    if (value.isSimpleType()) // QCborValue::type() is SimpleType + n for simple(n)
        return QStringLiteral("simple value %1").arg(int(value.toSimpleType()));
    return QStringLiteral("invalid value");
}

bool isStrictUuidText(QStringView text)
{
    if (text.size() == 38) {
        if (text.front() != u'{' || text.back() != u'}')
            return false;
        text = text.sliced(1, 36);
    }
    if (text.size() != 36)
        return false;
    for (qsizetype i = 0; i < 36; ++i) {
        const QChar c = text.at(i);
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != u'-')
                return false;
        } else if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f')
                     || (c >= u'A' && c <= u'F'))) {
            return false;
        }
    }
    return true;
}

// Base64url as QCborValue::toJsonValue writes it (no padding), or padded; nothing else.
bool decodeBase64Url(const QString &text, QByteArray *out)
{
    qsizetype length = text.size();
    qsizetype padding = 0;
    while (length > 0 && text.at(length - 1) == u'=') {
        --length;
        ++padding;
    }
    if (padding > 2 || (padding > 0 && text.size() % 4 != 0) || length % 4 == 1)
        return false;
    for (qsizetype i = 0; i < length; ++i) {
        const QChar c = text.at(i);
        if (!((c >= u'A' && c <= u'Z') || (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9')
              || c == u'-' || c == u'_')) {
            return false;
        }
    }
    auto result = QByteArray::fromBase64Encoding(text.toLatin1(),
                                                 QByteArray::Base64UrlEncoding
                                                     | QByteArray::AbortOnBase64DecodingErrors);
    if (!result)
        return false;
    *out = std::move(result.decoded);
    return true;
}

// ---------------------------------------------------------------------------------------------
// Encoding

class Encoder
{
public:
    QCborValue encode(QMetaType type, const void *data);

private:
    QCborValue unsupported(QMetaType type, const char *why = nullptr);
    QCborValue encodeEnum(QMetaType type, const void *data);
    QCborValue encodeGadget(QMetaType type, const void *data);
    QCborValue encodeSequence(QMetaType type, const void *data);
    QCborValue encodeAssociation(QMetaType type, const void *data);
    QCborValue encodeVariantList(const QVariantList &list);
    template<typename Map>
    QCborValue encodeVariantMap(const Map &map);
    bool enter()
    {
        if (++m_depth > maxMarshalDepth) {
            --m_depth;
            qCWarning(lcMarshal, "value nested deeper than %d levels encoded as undefined",
                      maxMarshalDepth);
            return false;
        }
        return true;
    }
    void leave() { --m_depth; }

    int m_depth = 0;
};

QCborValue unsignedToCbor(quint64 value)
{
    if (value > quint64(std::numeric_limits<qint64>::max()))
        return QCborValue(QString::number(value));
    return QCborValue(qint64(value));
}

// The value at data, of an integer meta type id; std::nullopt for other ids.
std::optional<QCborValue> integerToCbor(int id, const void *data)
{
    return withIntegerType(id, [data](auto zero, const char *) {
        using T = decltype(zero);
        const T value = *static_cast<const T *>(data);
        if constexpr (std::is_unsigned_v<T> && sizeof(T) == 8)
            return unsignedToCbor(value);
        else
            return QCborValue(qint64(value));
    });
}

QCborValue dateTimeToCbor(const QDateTime &dateTime)
{
    if (!dateTime.isValid())
        return QCborValue(nullptr);
    QString text;
    const int offset = dateTime.offsetFromUtc();
    if (offset % 60 != 0) // ISO 8601 offsets have no seconds (local mean time before ~1900)
        text = dateTime.toUTC().toString(Qt::ISODateWithMs);
    else if (dateTime.timeSpec() == Qt::UTC || dateTime.timeSpec() == Qt::OffsetFromUTC)
        text = dateTime.toString(Qt::ISODateWithMs);
    else // local time and time zones: the offset in effect, so the instant is unambiguous
        text = dateTime.toOffsetFromUtc(offset).toString(Qt::ISODateWithMs);
    if (text.isEmpty())
        return QCborValue(nullptr);
    return QCborValue(text);
}

QCborValue Encoder::unsupported(QMetaType type, const char *why)
{
    qCWarning(lcMarshal, "cannot marshal a value of type %s%s%s; encoded as undefined",
              type.isValid() ? type.name() : "<invalid>", why ? ": " : "", why ? why : "");
    return QCborValue(QCborValue::Undefined);
}

QCborValue Encoder::encode(QMetaType type, const void *data)
{
    if (!data)
        return QCborValue(nullptr);
    if (std::optional<QCborValue> integer = integerToCbor(type.id(), data))
        return *std::move(integer);
    switch (type.id()) {
    case QMetaType::UnknownType:
        return unsupported(type);
    case QMetaType::Nullptr:
        return QCborValue(nullptr);
    case QMetaType::Bool:
        return QCborValue(*static_cast<const bool *>(data));
    case QMetaType::Float:
        return QCborValue(double(*static_cast<const float *>(data)));
    case QMetaType::Double:
        return QCborValue(*static_cast<const double *>(data));
    case QMetaType::QChar:
        return QCborValue(QString(*static_cast<const QChar *>(data)));
    case QMetaType::QString:
        return QCborValue(*static_cast<const QString *>(data));
    case QMetaType::QByteArray:
        return QCborValue(*static_cast<const QByteArray *>(data));
    case QMetaType::QDateTime:
        return dateTimeToCbor(*static_cast<const QDateTime *>(data));
    case QMetaType::QDate: {
        const QDate &date = *static_cast<const QDate *>(data);
        const QString text = date.isValid() ? date.toString(Qt::ISODate) : QString();
        return text.isEmpty() ? QCborValue(nullptr) : QCborValue(text);
    }
    case QMetaType::QTime: {
        const QTime &time = *static_cast<const QTime *>(data);
        return time.isValid() ? QCborValue(time.toString(Qt::ISODateWithMs)) : QCborValue(nullptr);
    }
    case QMetaType::QUuid:
        return QCborValue(static_cast<const QUuid *>(data)->toString(QUuid::WithoutBraces));
    case QMetaType::QUrl:
        return QCborValue(static_cast<const QUrl *>(data)->toString(QUrl::FullyEncoded));
    case QMetaType::QJsonValue:
        return QCborValue::fromJsonValue(*static_cast<const QJsonValue *>(data));
    case QMetaType::QJsonObject:
        return QCborMap::fromJsonObject(*static_cast<const QJsonObject *>(data));
    case QMetaType::QJsonArray:
        return QCborArray::fromJsonArray(*static_cast<const QJsonArray *>(data));
    case QMetaType::QJsonDocument: {
        const QJsonDocument &doc = *static_cast<const QJsonDocument *>(data);
        if (doc.isObject())
            return QCborMap::fromJsonObject(doc.object());
        if (doc.isArray())
            return QCborArray::fromJsonArray(doc.array());
        return QCborValue(nullptr);
    }
    case QMetaType::QCborValue:
        return *static_cast<const QCborValue *>(data);
    case QMetaType::QCborMap:
        return *static_cast<const QCborMap *>(data);
    case QMetaType::QCborArray:
        return *static_cast<const QCborArray *>(data);
    case QMetaType::QVariant: {
        const QVariant &variant = *static_cast<const QVariant *>(data);
        if (!variant.isValid())
            return QCborValue(nullptr);
        return encode(variant.metaType(), variant.constData());
    }
    case QMetaType::QStringList: {
        QCborArray array;
        for (const QString &s : *static_cast<const QStringList *>(data))
            array.append(s);
        return array;
    }
    case QMetaType::QVariantList:
        return encodeVariantList(*static_cast<const QVariantList *>(data));
    case QMetaType::QVariantMap:
        return encodeVariantMap(*static_cast<const QVariantMap *>(data));
    case QMetaType::QVariantHash:
        return encodeVariantMap(*static_cast<const QVariantHash *>(data));
    default:
        break;
    }

    const QMetaType::TypeFlags flags = type.flags();
    if (flags & QMetaType::IsEnumeration)
        return encodeEnum(type, data);
    if ((flags & QMetaType::IsGadget) && type.metaObject())
        return encodeGadget(type, data);
    if (QMetaType::canView(type, QMetaType::fromType<QSequentialIterable>()))
        return encodeSequence(type, data);
    if (QMetaType::canView(type, QMetaType::fromType<QAssociativeIterable>()))
        return encodeAssociation(type, data);
    return unsupported(type);
}

QCborValue Encoder::encodeEnum(QMetaType type, const void *data)
{
    const std::optional<QCborValue> number = integerToCbor(enumStorageTypeId(type), data);
    if (!number)
        return unsupported(type, "unexpected enum size");
    if (!number->isInteger()) // a 64-bit value above 2^63-1, as decimal text: no key has it
        return *number;
    const qint64 value = number->toInteger();
    const QMetaEnum metaEnum = metaEnumFor(type);
    if (!metaEnum.isValid() || value < std::numeric_limits<int>::min()
        || value > std::numeric_limits<int>::max()) {
        return QCborValue(value);
    }
    if (metaEnum.isFlag()) {
        const QByteArray keys = metaEnum.valueToKeys(int(value));
        bool ok = true;
        const int back = keys.isEmpty() ? 0 : metaEnum.keysToValue(keys.constData(), &ok);
        if (ok && back == int(value))
            return QCborValue(QString::fromLatin1(keys));
        return QCborValue(value);
    }
    if (const char *key = metaEnum.valueToKey(int(value)))
        return QCborValue(QString::fromLatin1(key));
    return QCborValue(value);
}

QCborValue Encoder::encodeGadget(QMetaType type, const void *data)
{
    if (!enter())
        return QCborValue(QCborValue::Undefined);
    const QMetaObject *mo = type.metaObject();
    QCborMap map;
    for (int i = 0; i < mo->propertyCount(); ++i) {
        const QMetaProperty property = mo->property(i);
        if (!property.isReadable())
            continue;
        const QVariant value = property.readOnGadget(data);
        map.insert(QLatin1StringView(property.name()),
                   value.isValid() ? encode(value.metaType(), value.constData())
                                   : QCborValue(nullptr));
    }
    leave();
    return map;
}

QCborValue Encoder::encodeSequence(QMetaType type, const void *data)
{
    QSequentialIterable iterable;
    if (!QMetaType::view(type, const_cast<void *>(data), QMetaType::fromType<QSequentialIterable>(),
                         &iterable)) {
        return unsupported(type, "no sequential view");
    }
    const QMetaSequence sequence = iterable.metaContainer();
    const QMetaType valueType = sequence.valueMetaType();
    if (!sequence.hasConstIterator() || !sequence.canGetValueAtConstIterator())
        return unsupported(type, "not iterable");
    Slot slot(valueType);
    if (!slot.isValid())
        return unsupported(type, "element type not constructible");
    if (!enter())
        return QCborValue(QCborValue::Undefined);
    QCborArray array;
    void *it = sequence.constBegin(data);
    void *end = sequence.constEnd(data);
    for (; !sequence.compareConstIterator(it, end); sequence.advanceConstIterator(it, 1)) {
        sequence.valueAtConstIterator(it, slot.data());
        array.append(encode(valueType, slot.data()));
    }
    sequence.destroyConstIterator(it);
    sequence.destroyConstIterator(end);
    leave();
    return array;
}

QCborValue Encoder::encodeAssociation(QMetaType type, const void *data)
{
    QAssociativeIterable iterable;
    if (!QMetaType::view(type, const_cast<void *>(data),
                         QMetaType::fromType<QAssociativeIterable>(), &iterable)) {
        return unsupported(type, "no associative view");
    }
    const QMetaAssociation association = iterable.metaContainer();
    const QMetaType keyType = association.keyMetaType();
    const QMetaType mappedType = association.mappedMetaType();
    if (!association.hasConstIterator() || !association.canGetKeyAtConstIterator()
        || !association.canGetMappedAtConstIterator() || !mappedType.isValid()) {
        return unsupported(type, "not a key/value container");
    }
    Slot key(keyType);
    Slot mapped(mappedType);
    if (!key.isValid() || !mapped.isValid())
        return unsupported(type, "key or value type not constructible");
    if (!enter())
        return QCborValue(QCborValue::Undefined);
    QCborMap map;
    void *it = association.constBegin(data);
    void *end = association.constEnd(data);
    for (; !association.compareConstIterator(it, end); association.advanceConstIterator(it, 1)) {
        association.keyAtConstIterator(it, key.data());
        association.mappedAtConstIterator(it, mapped.data());
        QCborValue keyValue = encode(keyType, key.data());
        if (!keyValue.isString() && !keyValue.isInteger()) {
            qCWarning(lcMarshal, "map key of type %s does not marshal to a string or integer; "
                      "entry dropped", keyType.name());
            continue;
        }
        map.insert(keyValue, encode(mappedType, mapped.data()));
    }
    association.destroyConstIterator(it);
    association.destroyConstIterator(end);
    leave();
    return map;
}

QCborValue Encoder::encodeVariantList(const QVariantList &list)
{
    if (!enter())
        return QCborValue(QCborValue::Undefined);
    QCborArray array;
    for (const QVariant &v : list)
        array.append(v.isValid() ? encode(v.metaType(), v.constData()) : QCborValue(nullptr));
    leave();
    return array;
}

template<typename Map>
QCborValue Encoder::encodeVariantMap(const Map &variantMap)
{
    if (!enter())
        return QCborValue(QCborValue::Undefined);
    QCborMap map;
    for (auto it = variantMap.cbegin(); it != variantMap.cend(); ++it) {
        const QVariant &v = it.value();
        map.insert(it.key(), v.isValid() ? encode(v.metaType(), v.constData()) : QCborValue(nullptr));
    }
    leave();
    return map;
}

// ---------------------------------------------------------------------------------------------
// Decoding

class Decoder
{
public:
    bool decode(const QCborValue &value, QMetaType type, void *data);
    bool decodeNatural(const QCborValue &value, QVariant *out);

    QString error;

private:
    struct PathElement
    {
        enum Kind : quint8 { Property, Index, Key } kind;
        const char *name = nullptr;
        qsizetype index = 0;
        QString key;
    };
    class PathScope
    {
    public:
        PathScope(Decoder *d, const char *property) : m_d(d)
        {
            m_d->m_path.append({PathElement::Property, property, 0, {}});
        }
        PathScope(Decoder *d, qsizetype index) : m_d(d)
        {
            m_d->m_path.append({PathElement::Index, nullptr, index, {}});
        }
        PathScope(Decoder *d, const QCborValue &key) : m_d(d)
        {
            m_d->m_path.append({PathElement::Key, nullptr, 0,
                                key.isInteger() ? QString::number(key.toInteger())
                                                : key.toString()});
        }
        ~PathScope() { m_d->m_path.removeLast(); }
        Q_DISABLE_COPY_MOVE(PathScope)

    private:
        Decoder *m_d;
    };
    class DepthScope
    {
    public:
        explicit DepthScope(Decoder *d) : m_d(d) { ++m_d->m_depth; }
        ~DepthScope() { --m_d->m_depth; }
        bool tooDeep() const { return m_d->m_depth > maxMarshalDepth; }
        Q_DISABLE_COPY_MOVE(DepthScope)

    private:
        Decoder *m_d;
    };

    bool fail(const QString &message);
    bool mismatch(QByteArrayView expected, const QCborValue &found);
    bool tooDeep();
    bool checkDepth(const QCborValue &value, int depth);
    template<typename T>
    bool decodeInteger(const QCborValue &value, void *data, const char *typeName);
    std::optional<bool> decodeIntegerById(const QCborValue &value, int typeId, void *data,
                                          const char *typeName = nullptr);
    bool decodeReal(const QCborValue &value, double *out);
    bool decodeString(const QCborValue &value, QString *out);
    bool decodeBytes(const QCborValue &value, QByteArray *out);
    bool decodeDateTime(const QCborValue &value, QDateTime *out);
    template<typename T>
    bool decodeIsoText(const QCborValue &value, T *out, const char *what, Qt::DateFormat format);
    bool decodeUuid(const QCborValue &value, QUuid *out);
    bool decodeUrl(const QCborValue &value, QUrl *out);
    bool decodeEnum(const QCborValue &value, QMetaType type, void *data);
    bool decodeGadget(const QCborValue &value, QMetaType type, void *data);
    bool decodeSequence(const QCborValue &value, QMetaType type, void *data);
    bool decodeAssociation(const QCborValue &value, QMetaType type, void *data);
    bool decodeStringList(const QCborValue &value, QStringList *out);
    bool decodeVariantList(const QCborValue &value, QVariantList *out);
    template<typename Map>
    bool decodeVariantMap(const QCborValue &value, Map *out);
    bool mapKeyToString(const QCborValue &key, QString *out);
    // Runs one of the typed decoders above and stores its result in *out.
    template<typename T>
    bool decodeAsVariant(bool (Decoder::*decode)(const QCborValue &, T *), const QCborValue &value,
                         QVariant *out)
    {
        T result;
        if (!(this->*decode)(value, &result))
            return false;
        *out = QVariant::fromValue(std::move(result));
        return true;
    }
    bool decodeJson(const QCborValue &value, QMetaType type, void *data);

    QVarLengthArray<PathElement, 8> m_path;
    int m_depth = 0;
};

bool Decoder::fail(const QString &message)
{
    if (!error.isEmpty())
        return false;
    QString path;
    for (const PathElement &e : m_path) {
        switch (e.kind) {
        case PathElement::Property:
            if (!path.isEmpty())
                path += u'.';
            path += QLatin1StringView(e.name);
            break;
        case PathElement::Index:
            path += u'[' + QString::number(e.index) + u']';
            break;
        case PathElement::Key:
            path += u'[' + quoted(e.key) + u']';
            break;
        }
    }
    error = path.isEmpty() ? message : path + QStringLiteral(": ") + message;
    return false;
}

bool Decoder::mismatch(QByteArrayView expected, const QCborValue &found)
{
    return fail(QStringLiteral("expected %1, found %2")
                    .arg(QLatin1StringView(expected), describe(found)));
}

bool Decoder::tooDeep()
{
    return fail(QStringLiteral("nested deeper than %1 levels").arg(maxMarshalDepth));
}

// For targets that take a CBOR/JSON tree whole: reject trees deeper than the limit too.
bool Decoder::checkDepth(const QCborValue &value, int depth)
{
    if (value.isArray() || value.isMap() || value.type() == QCborValue::Tag) {
        if (depth + 1 > maxMarshalDepth)
            return tooDeep();
    }
    if (value.isArray()) {
        const QCborArray array = value.toArray();
        for (const QCborValue &v : array) {
            if (!checkDepth(v, depth + 1))
                return false;
        }
    } else if (value.isMap()) {
        const QCborMap map = value.toMap();
        for (auto it = map.cbegin(); it != map.cend(); ++it) {
            if (!checkDepth(it.key(), depth + 1) || !checkDepth(it.value(), depth + 1))
                return false;
        }
    } else if (value.type() == QCborValue::Tag) {
        return checkDepth(value.taggedValue(), depth + 1);
    }
    return true;
}

template<typename T>
bool Decoder::decodeInteger(const QCborValue &value, void *data, const char *typeName)
{
    constexpr bool isSigned = std::is_signed_v<T>;
    using Wide = std::conditional_t<isSigned, qint64, quint64>;
    constexpr Wide min = Wide(std::numeric_limits<T>::min());
    constexpr Wide max = Wide(std::numeric_limits<T>::max());
    const auto outOfRange = [&](const QString &text) {
        return fail(QStringLiteral("%1 is out of range for %2 [%3, %4]")
                        .arg(text, QLatin1StringView(typeName))
                        .arg(min)
                        .arg(max));
    };
    Wide result;
    if (value.isInteger()) {
        const qint64 i = value.toInteger();
        if constexpr (isSigned) {
            if (i < min || i > max)
                return outOfRange(QString::number(i));
        } else {
            if (i < 0 || quint64(i) > max)
                return outOfRange(QString::number(i));
        }
        result = Wide(i);
    } else if (value.isDouble()) {
        const double d = value.toDouble();
        if (!std::isfinite(d) || std::trunc(d) != d)
            return fail(QStringLiteral("expected integer, found double %1").arg(d, 0, 'g', 17));
        // Compare against exact powers of two: double(max) may round up past max.
        constexpr int bits = int(sizeof(T) * 8) - (isSigned ? 1 : 0);
        const double limit = std::ldexp(1.0, bits);
        const bool inRange = isSigned ? (d >= -limit && d < limit) : (d >= 0 && d < limit);
        if (!inRange)
            return outOfRange(QString::number(d, 'f', 0));
        result = Wide(d);
    } else if (sizeof(T) == 8 && value.isString()) {
        const QString text = value.toString();
        qint64 s = 0;
        quint64 u = 0;
        if (!parseDecimal(text, isSigned, isSigned ? &s : nullptr, isSigned ? nullptr : &u))
            return fail(QStringLiteral("expected integer, found non-numeric string %1")
                            .arg(quoted(text)));
        if constexpr (isSigned)
            result = s;
        else
            result = u;
    } else {
        return mismatch("integer", value);
    }
    *static_cast<T *>(data) = T(result);
    return true;
}

// std::nullopt if typeId is not an integer type. typeName, if given, names the type in errors
// (an enum's name) instead of the integer type's.
std::optional<bool> Decoder::decodeIntegerById(const QCborValue &value, int typeId, void *data,
                                               const char *typeName)
{
    return withIntegerType(typeId, [&](auto zero, const char *name) {
        return decodeInteger<decltype(zero)>(value, data, typeName ? typeName : name);
    });
}

bool Decoder::decodeReal(const QCborValue &value, double *out)
{
    if (value.isDouble()) {
        *out = value.toDouble();
    } else if (value.isInteger()) {
        *out = double(value.toInteger());
    } else if (value.isNull()) {
        *out = qQNaN(); // what JSON makes of NaN and the infinities
    } else if (value.isString()) {
        const QString text = value.toString();
        if (text == u"NaN")
            *out = qQNaN();
        else if (text == u"Infinity")
            *out = qInf();
        else if (text == u"-Infinity")
            *out = -qInf();
        else
            return fail(QStringLiteral("expected number, found string %1").arg(quoted(text)));
    } else {
        return mismatch("number", value);
    }
    return true;
}

bool Decoder::decodeString(const QCborValue &value, QString *out)
{
    if (!value.isString())
        return mismatch("string", value);
    *out = value.toString();
    return true;
}

bool Decoder::decodeBytes(const QCborValue &value, QByteArray *out)
{
    if (value.isByteArray()) {
        *out = value.toByteArray();
        return true;
    }
    if (value.isString()) {
        if (!decodeBase64Url(value.toString(), out))
            return fail(QStringLiteral("expected byte string, found string that is not valid "
                                       "base64url"));
        return true;
    }
    if (value.isTag()) {
        const QCborTag tag = value.tag();
        if ((tag == QCborTag(QCborKnownTags::ExpectedBase64url)
             || tag == QCborTag(QCborKnownTags::ExpectedBase64)
             || tag == QCborTag(QCborKnownTags::ExpectedBase16))
            && value.taggedValue().isByteArray()) {
            *out = value.taggedValue().toByteArray();
            return true;
        }
    }
    return mismatch("byte string", value);
}

bool Decoder::decodeDateTime(const QCborValue &value, QDateTime *out)
{
    if (value.isNull() || value.isUndefined()) {
        *out = QDateTime();
        return true;
    }
    QCborValue inner = value;
    if (value.isDateTime() || (value.isTag() && value.tag() == QCborTag(QCborKnownTags::DateTimeString))) {
        inner = value.taggedValue();
        if (!inner.isString())
            return fail(QStringLiteral("expected date-time string in tag 0, found %1")
                            .arg(describe(inner)));
    } else if (value.isTag() && value.tag() == QCborTag(QCborKnownTags::UnixTime_t)) {
        inner = value.taggedValue();
        double seconds = 0;
        if (inner.isInteger())
            seconds = double(inner.toInteger());
        else if (inner.isDouble())
            seconds = inner.toDouble();
        else
            return fail(QStringLiteral("expected epoch seconds in tag 1, found %1")
                            .arg(describe(inner)));
        // QDateTime's range is far beyond this; it keeps the conversion below well defined.
        if (!std::isfinite(seconds) || std::fabs(seconds) > 1e15)
            return fail(QStringLiteral("epoch seconds %1 out of range")
                            .arg(QString::number(seconds, 'g', 17)));
        QDateTime dateTime =
            QDateTime::fromMSecsSinceEpoch(qint64(std::llround(seconds * 1000.0)), Qt::UTC);
        // Only what can be sent back: ISO 8601 text has years 0000..9999.
        if (!dateTime.isValid() || dateTimeToCbor(dateTime).isNull())
            return fail(QStringLiteral("epoch seconds %1 out of range")
                            .arg(QString::number(seconds, 'g', 17)));
        *out = std::move(dateTime);
        return true;
    }
    if (!inner.isString())
        return mismatch("ISO 8601 date-time string", value);
    const QString text = inner.toString();
    QDateTime dateTime = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!dateTime.isValid())
        return fail(QStringLiteral("invalid ISO 8601 date-time %1").arg(quoted(text)));
    *out = std::move(dateTime);
    return true;
}

// QDate or QTime from ISO 8601 text; null and undefined give the invalid (null) value.
template<typename T>
bool Decoder::decodeIsoText(const QCborValue &value, T *out, const char *what, Qt::DateFormat format)
{
    if (value.isNull() || value.isUndefined()) {
        *out = T();
        return true;
    }
    if (!value.isString())
        return mismatch(QByteArray("ISO 8601 ") + what + " string", value);
    const QString text = value.toString();
    const T parsed = T::fromString(text, format);
    if (!parsed.isValid())
        return fail(QStringLiteral("invalid ISO 8601 %1 %2").arg(QLatin1StringView(what), quoted(text)));
    *out = parsed;
    return true;
}

bool Decoder::decodeUuid(const QCborValue &value, QUuid *out)
{
    if (value.isUuid()) {
        *out = value.toUuid();
        return true;
    }
    if (!value.isString())
        return mismatch("UUID string", value);
    const QString text = value.toString();
    if (!isStrictUuidText(text))
        return fail(QStringLiteral("invalid UUID %1").arg(quoted(text)));
    *out = QUuid::fromString(text);
    return true;
}

bool Decoder::decodeUrl(const QCborValue &value, QUrl *out)
{
    QCborValue inner = value;
    if (value.isUrl() || (value.isTag() && value.tag() == QCborTag(QCborKnownTags::Url)))
        inner = value.taggedValue();
    if (!inner.isString())
        return mismatch("URL string", value);
    QUrl url(inner.toString(), QUrl::StrictMode);
    if (!url.isValid() && !inner.toString().isEmpty())
        return fail(QStringLiteral("invalid URL %1").arg(quoted(inner.toString())));
    *out = std::move(url);
    return true;
}

bool Decoder::decodeEnum(const QCborValue &value, QMetaType type, void *data)
{
    const QMetaEnum metaEnum = metaEnumFor(type);
    if (value.isString() && metaEnum.isValid()) {
        const QString text = value.toString();
        // QMetaEnum reads the keys as C strings: "Green\0junk" would be Green.
        if (text.contains(QChar(0)))
            return fail(QStringLiteral("unknown key %1 for %2 %3: NUL character in the key")
                            .arg(quoted(text), QLatin1StringView(metaEnum.isFlag() ? "flags" : "enum"),
                                 QLatin1StringView(type.name())));
        int result = 0;
        bool ok = false;
        if (metaEnum.isFlag()) {
            if (text.trimmed().isEmpty()) {
                ok = true;
            } else {
                result = metaEnum.keysToValue(text.toUtf8().constData(), &ok);
                if (!ok) {
                    // Name the key that is wrong.
                    for (const QString &part : text.split(u'|')) {
                        bool partOk = false;
                        metaEnum.keyToValue(part.trimmed().toUtf8().constData(), &partOk);
                        if (!partOk)
                            return fail(QStringLiteral("unknown key %1 for flags %2")
                                            .arg(quoted(part.trimmed()),
                                                 QLatin1StringView(type.name())));
                    }
                }
            }
        } else {
            result = metaEnum.keyToValue(text.toUtf8().constData(), &ok);
        }
        if (!ok)
            return fail(QStringLiteral("unknown key %1 for enum %2")
                            .arg(quoted(text), QLatin1StringView(type.name())));
        const QCborValue numeric{qint64(result)};
        return decodeEnum(numeric, type, data);
    }
    if (!value.isInteger() && !value.isDouble()) {
        return fail(QStringLiteral("expected %1 key or integer, found %2")
                        .arg(QLatin1StringView(type.name()), describe(value)));
    }
    if (const std::optional<bool> ok = decodeIntegerById(value, enumStorageTypeId(type), data, type.name()))
        return *ok;
    return fail(QStringLiteral("unsupported enum size for %1").arg(QLatin1StringView(type.name())));
}

bool Decoder::decodeGadget(const QCborValue &value, QMetaType type, void *data)
{
    if (!value.isMap())
        return mismatch("map", value);
    DepthScope depth(this);
    if (depth.tooDeep())
        return tooDeep();
    const QCborMap map = value.toMap();
    const QMetaObject *mo = type.metaObject();
    // One pass over the map (unknown keys are skipped), matching keys to property names.
    for (auto it = map.cbegin(); it != map.cend(); ++it) {
        const QCborValue key = it.key();
        if (!key.isString())
            continue; // unknown keys are ignored
        const QString name = key.toString();
        int index = -1;
        for (int i = 0; i < mo->propertyCount(); ++i) {
            if (name == QLatin1StringView(mo->property(i).name())) {
                index = i;
                break;
            }
        }
        if (index < 0)
            continue;
        const QMetaProperty property = mo->property(index);
        if (!property.isWritable())
            continue;
        PathScope path(this, property.name());
        const QMetaType propertyType = property.metaType();
        Slot slot(propertyType);
        if (!slot.isValid())
            return fail(QStringLiteral("cannot construct a %1")
                            .arg(QLatin1StringView(propertyType.name())));
        if (!decode(it.value(), propertyType, slot.data()))
            return false;
        if (!property.writeOnGadget(data, slot.variant()))
            return fail(QStringLiteral("cannot set property"));
    }
    return true;
}

bool Decoder::decodeSequence(const QCborValue &value, QMetaType type, void *data)
{
    QSequentialIterable iterable;
    if (!QMetaType::view(type, data, QMetaType::fromType<QSequentialIterable>(), &iterable))
        return fail(QStringLiteral("cannot fill a %1").arg(QLatin1StringView(type.name())));
    const QMetaSequence sequence = iterable.metaContainer();
    if (!sequence.canAddValue())
        return fail(QStringLiteral("cannot add to a %1").arg(QLatin1StringView(type.name())));
    if (!value.isArray())
        return mismatch("array", value);
    DepthScope depth(this);
    if (depth.tooDeep())
        return tooDeep();
    const QMetaType valueType = sequence.valueMetaType();
    const QCborArray array = value.toArray();
    if (sequence.canClear())
        sequence.clear(data);
    for (qsizetype i = 0; i < array.size(); ++i) {
        PathScope path(this, i);
        Slot slot(valueType);
        if (!slot.isValid())
            return fail(QStringLiteral("cannot construct a %1")
                            .arg(QLatin1StringView(valueType.name())));
        if (!decode(array.at(i), valueType, slot.data()))
            return false;
        sequence.addValue(data, slot.data());
    }
    return true;
}

bool Decoder::decodeAssociation(const QCborValue &value, QMetaType type, void *data)
{
    QAssociativeIterable iterable;
    if (!QMetaType::view(type, data, QMetaType::fromType<QAssociativeIterable>(), &iterable))
        return fail(QStringLiteral("cannot fill a %1").arg(QLatin1StringView(type.name())));
    const QMetaAssociation association = iterable.metaContainer();
    const QMetaType keyType = association.keyMetaType();
    const QMetaType mappedType = association.mappedMetaType();
    if (!association.canSetMappedAtKey() || !mappedType.isValid())
        return fail(QStringLiteral("cannot fill a %1").arg(QLatin1StringView(type.name())));
    if (!value.isMap())
        return mismatch("map", value);
    DepthScope depth(this);
    if (depth.tooDeep())
        return tooDeep();
    if (association.canClear())
        association.clear(data);
    const bool integerKeys = isIntegerTypeId(keyType.id());
    const bool stringKeys = keyType == QMetaType::fromType<QString>();
    const QCborMap map = value.toMap();
    for (auto it = map.cbegin(); it != map.cend(); ++it) {
        const QCborValue keyValue = it.key();
        PathScope path(this, keyValue);
        Slot key(keyType);
        Slot mapped(mappedType);
        if (!key.isValid() || !mapped.isValid())
            return fail(QStringLiteral("cannot construct the key or value of a %1")
                            .arg(QLatin1StringView(type.name())));
        bool keyOk;
        if (stringKeys) {
            keyOk = mapKeyToString(keyValue, static_cast<QString *>(key.data()));
        } else if (integerKeys && keyValue.isString()) {
            // JSON object keys are always strings.
            const QString text = keyValue.toString();
            qint64 s = 0;
            quint64 u = 0;
            const bool isUnsignedKey = keyType.id() == QMetaType::ULongLong
                                       || keyType.id() == QMetaType::ULong;
            if (!parseDecimal(text, true, isUnsignedKey ? nullptr : &s, isUnsignedKey ? &u : nullptr))
                return fail(QStringLiteral("map key: expected integer, found string %1")
                                .arg(quoted(text)));
            keyOk = decodeIntegerById(isUnsignedKey ? unsignedToCbor(u) : QCborValue(s), keyType.id(),
                                      key.data()).value_or(false);
        } else {
            keyOk = decode(keyValue, keyType, key.data());
        }
        if (!keyOk)
            return false;
        if (!decode(it.value(), mappedType, mapped.data()))
            return false;
        association.setMappedAtKey(data, key.data(), mapped.data());
    }
    return true;
}

bool Decoder::mapKeyToString(const QCborValue &key, QString *out)
{
    if (key.isString()) {
        *out = key.toString();
        return true;
    }
    if (key.isInteger()) {
        *out = QString::number(key.toInteger());
        return true;
    }
    return fail(QStringLiteral("map key: expected string, found %1").arg(describe(key)));
}

bool Decoder::decodeStringList(const QCborValue &value, QStringList *out)
{
    if (!value.isArray())
        return mismatch("array", value);
    DepthScope depth(this);
    if (depth.tooDeep())
        return tooDeep();
    const QCborArray array = value.toArray();
    QStringList list;
    list.reserve(array.size());
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QCborValue element = array.at(i);
        if (!element.isString()) {
            PathScope path(this, i);
            return mismatch("string", element);
        }
        list.append(element.toString());
    }
    *out = std::move(list);
    return true;
}

bool Decoder::decodeVariantList(const QCborValue &value, QVariantList *out)
{
    if (!value.isArray())
        return mismatch("array", value);
    DepthScope depth(this);
    if (depth.tooDeep())
        return tooDeep();
    const QCborArray array = value.toArray();
    QVariantList list;
    list.reserve(array.size());
    for (qsizetype i = 0; i < array.size(); ++i) {
        PathScope path(this, i);
        QVariant element;
        if (!decodeNatural(array.at(i), &element))
            return false;
        list.append(std::move(element));
    }
    *out = std::move(list);
    return true;
}

template<typename Map>
bool Decoder::decodeVariantMap(const QCborValue &value, Map *out)
{
    if (!value.isMap())
        return mismatch("map", value);
    DepthScope depth(this);
    if (depth.tooDeep())
        return tooDeep();
    const QCborMap map = value.toMap();
    Map result;
    for (auto it = map.cbegin(); it != map.cend(); ++it) {
        const QCborValue key = it.key();
        PathScope path(this, key);
        QString keyText;
        if (!mapKeyToString(key, &keyText))
            return false;
        QVariant element;
        if (!decodeNatural(it.value(), &element))
            return false;
        result.insert(keyText, std::move(element));
    }
    *out = std::move(result);
    return true;
}

bool Decoder::decodeNatural(const QCborValue &value, QVariant *out)
{
    switch (value.type()) {
    case QCborValue::Null:
    case QCborValue::Undefined:
        *out = QVariant();
        return true;
    case QCborValue::False:
    case QCborValue::True:
        *out = QVariant(value.isTrue());
        return true;
    case QCborValue::Integer:
        *out = QVariant(qlonglong(value.toInteger()));
        return true;
    case QCborValue::Double:
        *out = QVariant(value.toDouble());
        return true;
    case QCborValue::String:
        *out = QVariant(value.toString());
        return true;
    case QCborValue::ByteArray:
        *out = QVariant(value.toByteArray());
        return true;
    case QCborValue::Array:
        return decodeAsVariant(&Decoder::decodeVariantList, value, out);
    case QCborValue::Map:
        return decodeAsVariant(&Decoder::decodeVariantMap<QVariantMap>, value, out);
    case QCborValue::DateTime:
        return decodeAsVariant(&Decoder::decodeDateTime, value, out);
    case QCborValue::Url:
        return decodeAsVariant(&Decoder::decodeUrl, value, out);
    case QCborValue::Uuid:
        *out = QVariant(value.toUuid());
        return true;
    case QCborValue::RegularExpression:
    case QCborValue::Tag: {
        const QCborTag tag = value.tag();
        if (tag == QCborTag(QCborKnownTags::DateTimeString)
            || tag == QCborTag(QCborKnownTags::UnixTime_t)) {
            return decodeAsVariant(&Decoder::decodeDateTime, value, out);
        }
        if (tag == QCborTag(QCborKnownTags::Url))
            return decodeAsVariant(&Decoder::decodeUrl, value, out);
        DepthScope depth(this);
        if (depth.tooDeep())
            return tooDeep();
        return decodeNatural(value.taggedValue(), out);
    }
    case QCborValue::SimpleType:
    case QCborValue::Invalid:
        break;
    }
    return fail(QStringLiteral("cannot represent %1 as a QVariant").arg(describe(value)));
}

bool Decoder::decodeJson(const QCborValue &value, QMetaType type, void *data)
{
    if (!checkDepth(value, m_depth))
        return false;
    switch (type.id()) {
    case QMetaType::QJsonValue:
        *static_cast<QJsonValue *>(data) = value.toJsonValue();
        return true;
    case QMetaType::QJsonObject:
        if (!value.isMap())
            return mismatch("map", value);
        *static_cast<QJsonObject *>(data) = value.toMap().toJsonObject();
        return true;
    case QMetaType::QJsonArray:
        if (!value.isArray())
            return mismatch("array", value);
        *static_cast<QJsonArray *>(data) = value.toArray().toJsonArray();
        return true;
    case QMetaType::QJsonDocument:
        if (value.isMap())
            *static_cast<QJsonDocument *>(data) = QJsonDocument(value.toMap().toJsonObject());
        else if (value.isArray())
            *static_cast<QJsonDocument *>(data) = QJsonDocument(value.toArray().toJsonArray());
        else if (value.isNull() || value.isUndefined())
            *static_cast<QJsonDocument *>(data) = QJsonDocument();
        else
            return mismatch("map or array", value);
        return true;
    case QMetaType::QCborValue:
        *static_cast<QCborValue *>(data) = value;
        return true;
    case QMetaType::QCborMap:
        if (!value.isMap())
            return mismatch("map", value);
        *static_cast<QCborMap *>(data) = value.toMap();
        return true;
    case QMetaType::QCborArray:
        if (!value.isArray())
            return mismatch("array", value);
        *static_cast<QCborArray *>(data) = value.toArray();
        return true;
    default:
        return fail(QStringLiteral("internal error: not a JSON/CBOR type"));
    }
}

bool Decoder::decode(const QCborValue &value, QMetaType type, void *data)
{
    if (const std::optional<bool> ok = decodeIntegerById(value, type.id(), data))
        return *ok;
    switch (type.id()) {
    case QMetaType::UnknownType:
        return fail(QStringLiteral("invalid target type"));
    case QMetaType::Nullptr:
        if (!value.isNull() && !value.isUndefined())
            return mismatch("null", value);
        return true;
    case QMetaType::Bool:
        if (!value.isBool())
            return mismatch("boolean", value);
        *static_cast<bool *>(data) = value.isTrue();
        return true;
    case QMetaType::Double:
        return decodeReal(value, static_cast<double *>(data));
    case QMetaType::Float: {
        double d = 0;
        if (!decodeReal(value, &d))
            return false;
        if (std::isfinite(d) && std::fabs(d) > double(std::numeric_limits<float>::max()))
            return fail(QStringLiteral("%1 is out of range for float")
                            .arg(QString::number(d, 'g', 17)));
        *static_cast<float *>(data) = float(d);
        return true;
    }
    case QMetaType::QChar: {
        QString text;
        if (!decodeString(value, &text))
            return false;
        if (text.size() != 1)
            return fail(QStringLiteral("expected a one-character string, found %1")
                            .arg(quoted(text)));
        *static_cast<QChar *>(data) = text.at(0);
        return true;
    }
    case QMetaType::QString:
        return decodeString(value, static_cast<QString *>(data));
    case QMetaType::QByteArray:
        return decodeBytes(value, static_cast<QByteArray *>(data));
    case QMetaType::QDateTime:
        return decodeDateTime(value, static_cast<QDateTime *>(data));
    case QMetaType::QDate:
        return decodeIsoText(value, static_cast<QDate *>(data), "date", Qt::ISODate);
    case QMetaType::QTime:
        return decodeIsoText(value, static_cast<QTime *>(data), "time", Qt::ISODateWithMs);
    case QMetaType::QUuid:
        return decodeUuid(value, static_cast<QUuid *>(data));
    case QMetaType::QUrl:
        return decodeUrl(value, static_cast<QUrl *>(data));
    case QMetaType::QJsonValue:
    case QMetaType::QJsonObject:
    case QMetaType::QJsonArray:
    case QMetaType::QJsonDocument:
    case QMetaType::QCborValue:
    case QMetaType::QCborMap:
    case QMetaType::QCborArray:
        return decodeJson(value, type, data);
    case QMetaType::QVariant:
        return decodeNatural(value, static_cast<QVariant *>(data));
    case QMetaType::QStringList:
        return decodeStringList(value, static_cast<QStringList *>(data));
    case QMetaType::QVariantList:
        return decodeVariantList(value, static_cast<QVariantList *>(data));
    case QMetaType::QVariantMap:
        return decodeVariantMap(value, static_cast<QVariantMap *>(data));
    case QMetaType::QVariantHash:
        return decodeVariantMap(value, static_cast<QVariantHash *>(data));
    default:
        break;
    }

    const QMetaType::TypeFlags flags = type.flags();
    if (flags & QMetaType::IsEnumeration)
        return decodeEnum(value, type, data);
    if ((flags & QMetaType::IsGadget) && type.metaObject())
        return decodeGadget(value, type, data);
    if (QMetaType::canView(type, QMetaType::fromType<QSequentialIterable>()))
        return decodeSequence(value, type, data);
    if (QMetaType::canView(type, QMetaType::fromType<QAssociativeIterable>()))
        return decodeAssociation(value, type, data);
    return fail(QStringLiteral("type %1 cannot be marshalled").arg(QLatin1StringView(type.name())));
}

// ---------------------------------------------------------------------------------------------
// isMarshallable

bool checkMarshallable(QMetaType type, QString *why, QSet<int> *visiting)
{
    const auto no = [&](const QString &reason) {
        if (why)
            *why = reason;
        return false;
    };
    if (!type.isValid())
        return no(QStringLiteral("invalid type"));
    if (isIntegerTypeId(type.id()))
        return true;
    switch (type.id()) {
    case QMetaType::Nullptr: case QMetaType::Bool:
    case QMetaType::Float: case QMetaType::Double:
    case QMetaType::QChar: case QMetaType::QString: case QMetaType::QByteArray:
    case QMetaType::QDateTime: case QMetaType::QDate: case QMetaType::QTime:
    case QMetaType::QUuid: case QMetaType::QUrl:
    case QMetaType::QJsonValue: case QMetaType::QJsonObject: case QMetaType::QJsonArray:
    case QMetaType::QJsonDocument:
    case QMetaType::QCborValue: case QMetaType::QCborMap: case QMetaType::QCborArray:
    case QMetaType::QVariant: case QMetaType::QStringList:
    case QMetaType::QVariantList: case QMetaType::QVariantMap: case QMetaType::QVariantHash:
        return true;
    default:
        break;
    }
    const QMetaType::TypeFlags flags = type.flags();
    if (flags & QMetaType::IsEnumeration)
        return true;
    if ((flags & QMetaType::IsGadget) && type.metaObject()) {
        if (visiting->contains(type.id()))
            return true;
        visiting->insert(type.id());
        const QMetaObject *mo = type.metaObject();
        for (int i = 0; i < mo->propertyCount(); ++i) {
            const QMetaProperty property = mo->property(i);
            if (!property.isReadable() && !property.isWritable())
                continue;
            if (!checkMarshallable(property.metaType(), why, visiting)) {
                if (why)
                    *why = QStringLiteral("%1.%2: %3").arg(QLatin1StringView(type.name()),
                                                           QLatin1StringView(property.name()), *why);
                return false;
            }
        }
        return true;
    }
    QVariant instance(type);
    if (!instance.isValid())
        return no(QStringLiteral("%1 cannot be constructed").arg(QLatin1StringView(type.name())));
    QSequentialIterable sequential;
    if (QMetaType::view(type, instance.data(), QMetaType::fromType<QSequentialIterable>(),
                        &sequential)) {
        if (!sequential.metaContainer().canAddValue())
            return no(QStringLiteral("%1 cannot be filled").arg(QLatin1StringView(type.name())));
        return checkMarshallable(sequential.metaContainer().valueMetaType(), why, visiting);
    }
    QAssociativeIterable associative;
    if (QMetaType::view(type, instance.data(), QMetaType::fromType<QAssociativeIterable>(),
                        &associative)) {
        const QMetaAssociation association = associative.metaContainer();
        if (!association.canSetMappedAtKey() || !association.mappedMetaType().isValid())
            return no(QStringLiteral("%1 cannot be filled").arg(QLatin1StringView(type.name())));
        return checkMarshallable(association.keyMetaType(), why, visiting)
               && checkMarshallable(association.mappedMetaType(), why, visiting);
    }
    return no(QStringLiteral("%1 is not supported").arg(QLatin1StringView(type.name())));
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Public API

QCborValue variantToCbor(const QVariant &value)
{
    if (!value.isValid())
        return QCborValue(nullptr);
    Encoder encoder;
    return encoder.encode(value.metaType(), value.constData());
}

bool variantFromCbor(const QCborValue &value, QMetaType type, QVariant *out, QString *errorString)
{
    Decoder decoder;
    if (!type.isValid()) {
        if (errorString)
            *errorString = QStringLiteral("invalid target type");
        return false;
    }
    if (isVariantType(type)) {
        QVariant result;
        if (!decoder.decodeNatural(value, &result)) {
            if (errorString)
                *errorString = decoder.error;
            return false;
        }
        *out = std::move(result);
        return true;
    }
    QVariant result(type);
    if (!result.isValid()) {
        if (errorString)
            *errorString = QStringLiteral("cannot construct a %1").arg(QLatin1StringView(type.name()));
        return false;
    }
    if (!decoder.decode(value, type, result.data())) {
        if (errorString)
            *errorString = decoder.error;
        return false;
    }
    *out = std::move(result);
    return true;
}

QCborValue valueToCbor(QMetaType type, const void *data)
{
    Encoder encoder;
    return encoder.encode(type, data);
}

bool valueFromCbor(const QCborValue &value, QMetaType type, void *data, QString *errorString)
{
    if (!type.isValid() || !data) {
        if (errorString)
            *errorString = QStringLiteral("invalid target type");
        return false;
    }
    Slot slot(type);
    if (!slot.isValid()) {
        if (errorString)
            *errorString = QStringLiteral("cannot construct a %1").arg(QLatin1StringView(type.name()));
        return false;
    }
    Decoder decoder;
    if (!decoder.decode(value, type, slot.data())) {
        if (errorString)
            *errorString = decoder.error;
        return false;
    }
    if (isVariantType(type)) {
        *static_cast<QVariant *>(data) = std::move(slot.variant());
    } else {
        type.destruct(data);
        type.construct(data, slot.data());
    }
    return true;
}

bool isMarshallable(QMetaType type, QString *why)
{
    QSet<int> visiting;
    return checkMarshallable(type, why, &visiting);
}

namespace MarshalPrivate {
bool decodeFresh(const QCborValue &value, QMetaType type, void *data, QString *errorString)
{
    if (!type.isValid() || !data) {
        if (errorString)
            *errorString = QStringLiteral("invalid target type");
        return false;
    }
    Decoder decoder;
    if (!decoder.decode(value, type, data)) {
        if (errorString)
            *errorString = decoder.error;
        return false;
    }
    return true;
}
} // namespace MarshalPrivate

} // namespace Burrow
