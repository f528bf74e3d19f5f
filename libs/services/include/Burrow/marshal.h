#pragma once

// Marshalling between C++ values and QCborValue, the value type of Burrow's message model.
//
// One mechanism, driven by Qt's meta-type system: any type QMetaType describes is marshalled
// by what it is (a built-in type, an enum, a Q_GADGET, a sequential or associative container).
// The typed front end (toCbor / fromCbor) is what generated proxies and dispatchers call; it has
// inline fast paths (no QVariant, no out-of-line call on success) for bool, integers, double,
// QString (toCbor: float too) and otherwise goes through the runtime path on a typed pointer,
// without boxing the value in a QVariant.
//
// Both codecs carry the same QCborValue: the CBOR codec as CBOR, the JSON codec through
// QCborValue::toJsonValue() / QCborValue::fromJsonValue(). Every mapping below is chosen so that
// value -> CBOR -> value and value -> CBOR -> JSON text -> CBOR -> value both give the value back
// (exceptions are listed under "Over JSON").
//
// Encoding (C++ -> CBOR)
//   bool                       boolean
//   qint8..qint64, char, long  integer
//   quint8..quint64, ulong,    integer; a quint64/ulong above INT64_MAX is a decimal string
//   char16_t, char32_t           (QCborValue cannot hold it: Qt turns CBOR unsigned integers
//                                above INT64_MAX into doubles)
//   float, double              double (NaN and infinities included)
//   QString                    text string (a null QString is encoded as "")
//   QChar                      text string of one UTF-16 code unit
//   QByteArray                 byte string (JSON: Qt writes it as base64url without padding)
//   QDateTime                  ISO 8601 text with milliseconds, Qt::ISODateWithMs:
//                              UTC -> "2024-05-06T07:08:09.010Z",
//                              offset/time zone/local time -> "...+02:00" (the offset in effect;
//                              a zone or local time decodes as that fixed offset, same instant);
//                              invalid -> null
//   QDate                      "yyyy-MM-dd" (Qt::ISODate); invalid -> null
//   QTime                      "HH:mm:ss.zzz" (Qt::ISODateWithMs); invalid -> null
//                              (dates outside the years 0..9999 have no Qt ISO text: null)
//   QUuid                      "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (no braces, lower case)
//   QUrl                       text string, QUrl::FullyEncoded
//   Q_ENUM / Q_ENUM_NS enum    text string, the key name ("Green"); a value without a key is
//                              encoded as its integer
//   Q_FLAG flags               text string, keys joined by '|' ("Read|Write"); 0 without a
//                              zero-valued key is ""; bits without keys -> the integer
//   enum not known to a        integer
//     QMetaObject
//   Q_GADGET                   map {property name: value} of all readable properties
//   QList<T>/QVector<T>,       array (any container QMetaType views as QSequentialIterable:
//     QStringList, QSet<T>...    QList, QQueue, QStack, QSet, std::vector, ...)
//   QMap<K,T>, QHash<K,T>      map (any container QMetaType views as QAssociativeIterable);
//                              K must marshal to a string (QString, QUuid, QDate, enums...) or
//                              an integer (a CBOR integer key; JSON makes it text, accepted
//                              back); entries whose key marshals to anything else are dropped
//   QVariantList/Map/Hash      array / map of the elements' natural values
//   QVariant                   the natural encoding of the value it holds; an invalid QVariant
//                              is null
//   QJsonValue/Object/Array/   QCborValue::fromJsonValue & co
//     Document
//   QCborValue/Map/Array       as is
//   std::nullptr_t             null
//   anything else              undefined, and a warning in category burrow.services.marshal
//
// Decoding (CBOR -> C++): the inverse, plus these accepted alternatives
//   integers                   an integral double within range (JSON parses 1e3 as a double);
//                              64-bit types (qint64, quint64, and long/ulong where they are
//                              64-bit) also accept a decimal string
//                              ("18446744073709551615"); everything is range-checked:
//                              300 into quint8 is an error
//   float, double              integer; null -> NaN; "NaN", "Infinity", "-Infinity"
//   float                      a finite double beyond float's range is an error
//   QByteArray                 also a text string in base64url (the JSON form), strict: only
//                              A-Z a-z 0-9 - _ with optional correct '=' padding; also a byte
//                              string under CBOR tag 21/22/23
//   QDateTime                  also CBOR tag 0 (date-time text) and tag 1 (epoch seconds,
//                              integer or double, within the years 0000..9999);
//                              null/undefined -> invalid QDateTime; text without an offset is
//                              local time (Qt's ISO 8601 parser)
//   QDate, QTime               null/undefined -> invalid
//   QUuid                      also with braces, also CBOR tag 37; any other text is an error
//   QUrl                       also CBOR tag 32
//   enums, flags               the integer; unknown key -> error
//   Q_GADGET                   missing properties keep their default values, unknown keys and
//                              keys of read-only properties are ignored
//   QMap/QHash with QString    integer keys become their decimal text
//     keys, QVariantMap/Hash
//
// QVariant target (self-describing): the natural Qt type of the CBOR value
//   null, undefined -> QVariant() (invalid)       boolean -> bool
//   integer -> qint64 (QMetaType::LongLong)       double  -> double
//   text -> QString                               bytes   -> QByteArray
//   array -> QVariantList                         map     -> QVariantMap (integer keys -> text)
//   tag 0 -> QDateTime   tag 1 -> QDateTime (UTC) tag 32 -> QUrl   tag 37 -> QUuid
//   any other tag -> the natural value of its content (the tag is dropped)
//   other simple values -> error
// So a QVariant holding a QDateTime comes back as a QString, an int as a qint64, a gadget as a
// QVariantMap: the receiver converts (QVariant::convert) if it needs the original type.
//
// Over JSON (what QCborValue::toJsonValue and the JSON text format do)
//   NaN, +infinity and -infinity all become null, which decodes as NaN: NaN survives,
//   the infinities do not. -0.0 is written as 0 and comes back as +0.0.
//   Integral doubles are written without a fraction and come back as CBOR integers; decoding
//   into float/double accepts that, decoding into a QVariant gives a qint64.
//   Byte strings become base64url text: a QVariant holding a QByteArray comes back as QString.
//
// Nothing else is converted: a number is not a string, 1 is not true, and null is accepted only
// where listed above (so null into QString, QByteArray, QUuid, a gadget or a list is an error).
//
// Errors: a decode failure returns false and sets *errorString (when not null) to what was
// expected and what was found, prefixed by the path of the failing value, e.g.
// "items[2].count: expected integer, found string". Path elements: ".property", "[index]",
// "[\"key\"]". Nothing asserts or crashes on any input; values nested deeper than
// maxMarshalDepth (64) containers are rejected, whatever the target type. "Any input" means any
// QCborValue built in memory or parsed *without error*: on a parse error Qt 6.4's
// QCborValue::fromCbor() returns broken values (a map ending in a key without a value, a string
// whose toString() crashes), which no code may touch; codecs must drop them.

#include <Burrow/servicesglobal.h>

#include <QtCore/QCborValue>
#include <QtCore/QMetaType>
#include <QtCore/QString>
#include <QtCore/QVariant>

#include <limits>
#include <type_traits>

namespace Burrow {

inline constexpr int maxMarshalDepth = 64;

// The runtime, QMetaType-driven mechanism.
BURROW_SERVICES_EXPORT QCborValue variantToCbor(const QVariant &value);
// *out receives a QVariant of exactly `type` (for type == QVariant: the natural value).
// On failure *out is left unchanged.
BURROW_SERVICES_EXPORT bool variantFromCbor(const QCborValue &value, QMetaType type, QVariant *out,
                                            QString *errorString);

// The same on raw storage, for callers holding typed pointers (e.g. QMetaMethod argument
// arrays). `data` points to an object of `type` (a QVariant when type is QVariant).
// valueFromCbor assigns the decoded value to *data only on success.
BURROW_SERVICES_EXPORT QCborValue valueToCbor(QMetaType type, const void *data);
BURROW_SERVICES_EXPORT bool valueFromCbor(const QCborValue &value, QMetaType type, void *data,
                                          QString *errorString);

// Whether `type` (and everything it contains) can be marshalled; *why names the first type
// that cannot. For checking contracts at registration time.
BURROW_SERVICES_EXPORT bool isMarshallable(QMetaType type, QString *why = nullptr);

namespace MarshalPrivate {
// Decodes into a freshly default-constructed object; no assignment on failure semantics needed.
BURROW_SERVICES_EXPORT bool decodeFresh(const QCborValue &value, QMetaType type, void *data,
                                        QString *errorString);

template<typename T>
inline constexpr bool isFastInteger = std::is_integral_v<T> && !std::is_same_v<T, bool>;
} // namespace MarshalPrivate

// Typed front end.
template<typename T>
QCborValue toCbor(const T &value)
{
    if constexpr (std::is_same_v<T, bool>) {
        return QCborValue(value);
    } else if constexpr (MarshalPrivate::isFastInteger<T>) {
        if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(qint64)) {
            if (value > quint64(std::numeric_limits<qint64>::max()))
                return QCborValue(QString::number(quint64(value)));
        }
        return QCborValue(qint64(value));
    } else if constexpr (std::is_floating_point_v<T>) {
        return QCborValue(double(value));
    } else if constexpr (std::is_same_v<T, QString>) {
        return QCborValue(value);
    } else if constexpr (std::is_same_v<T, QVariant>) {
        return variantToCbor(value);
    } else if constexpr (std::is_same_v<T, QCborValue>) {
        return value;
    } else {
        return valueToCbor(QMetaType::fromType<T>(), &value);
    }
}

// On failure *out is left unchanged.
template<typename T>
bool fromCbor(const QCborValue &value, T *out, QString *errorString)
{
    if constexpr (std::is_same_v<T, bool>) {
        if (value.isBool()) {
            *out = value.isTrue();
            return true;
        }
    } else if constexpr (MarshalPrivate::isFastInteger<T>) {
        if (value.isInteger()) {
            const qint64 i = value.toInteger();
            if constexpr (std::is_signed_v<T>) {
                if (i >= qint64(std::numeric_limits<T>::min())
                    && i <= qint64(std::numeric_limits<T>::max())) {
                    *out = T(i);
                    return true;
                }
            } else {
                if (i >= 0 && quint64(i) <= quint64(std::numeric_limits<T>::max())) {
                    *out = T(i);
                    return true;
                }
            }
        }
    } else if constexpr (std::is_same_v<T, double>) {
        if (value.isDouble()) {
            *out = value.toDouble();
            return true;
        }
        if (value.isInteger()) {
            *out = double(value.toInteger());
            return true;
        }
    } else if constexpr (std::is_same_v<T, QString>) {
        if (value.isString()) {
            *out = value.toString();
            return true;
        }
    }
    // Everything else, and the slow paths (conversions, errors) of the above.
    T decoded{};
    if (!MarshalPrivate::decodeFresh(value, QMetaType::fromType<T>(), &decoded, errorString))
        return false;
    *out = std::move(decoded);
    return true;
}

} // namespace Burrow
