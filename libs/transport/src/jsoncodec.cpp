#include "jsoncodec_p.h"

#include <QtCore/QCborMap>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QJsonParseError>
#include <QtCore/QJsonValue>

#include <charconv>
#include <cmath>
#include <limits>

// burrow-json.v1. Encoding writes JSON text directly (fixed member order, "type" first; no
// QJsonDocument in between). Decoding parses with QJsonDocument and reads the object as a
// QCborMap, which shares the parsed data: QJsonObject and QCborMap have the same storage in Qt 6.

namespace Burrow {

namespace {

constexpr char HexDigits[] = "0123456789abcdef";

void appendString(QByteArray &out, const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    const char *p = utf8.constData();
    const char *const end = p + utf8.size();
    out.append('"');
    const char *run = p; // start of the bytes not yet copied
    for (; p != end; ++p) {
        const uchar c = uchar(*p);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue; // includes every byte of a multi-byte UTF-8 sequence (all >= 0x80)
        out.append(run, p - run);
        run = p + 1;
        switch (c) {
        case '"': out.append("\\\"", 2); break;
        case '\\': out.append("\\\\", 2); break;
        case '\b': out.append("\\b", 2); break;
        case '\f': out.append("\\f", 2); break;
        case '\n': out.append("\\n", 2); break;
        case '\r': out.append("\\r", 2); break;
        case '\t': out.append("\\t", 2); break;
        default: {
            const char escape[6] = {'\\', 'u', '0', '0', HexDigits[c >> 4], HexDigits[c & 0xf]};
            out.append(escape, 6);
            break;
        }
        }
    }
    out.append(run, end - run);
    out.append('"');
}

void appendInteger(QByteArray &out, qint64 value)
{
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, r.ptr - buf);
}

void appendUnsigned(QByteArray &out, quint64 value)
{
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, r.ptr - buf);
}

void appendDouble(QByteArray &out, double value)
{
    if (!std::isfinite(value)) {
        out.append("null", 4); // as QJsonValue: JSON has no NaN or infinity
        return;
    }
    // Shortest text that reads back as the same double, e.g. 0.1, 3.25, 1e+300.
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, r.ptr - buf);
}

void appendArray(QByteArray &out, const QCborArray &array)
{
    out.append('[');
    for (qsizetype i = 0, n = array.size(); i < n; ++i) {
        if (i)
            out.append(',');
        JsonCodec::appendValue(out, array.at(i));
    }
    out.append(']');
}

void appendMessage(QByteArray &out, const Message &message);

// Members of a batch's "messages" array: nested batches flattened, Invalid messages left out.
void appendBatchItems(QByteArray &out, const QList<Message> &messages, bool &first)
{
    for (const Message &m : messages) {
        if (m.type() == Message::Type::Batch) {
            appendBatchItems(out, m.messages(), first);
        } else if (m.isValid()) {
            if (!first)
                out.append(',');
            first = false;
            appendMessage(out, m);
        }
    }
}

constexpr char BatchPrefix[] = R"({"type":"batch","messages":[)";
constexpr qsizetype BatchPrefixSize = sizeof BatchPrefix - 1;
constexpr char BatchSuffix[] = "]}";

void appendMessage(QByteArray &out, const Message &message)
{
    switch (message.type()) {
    case Message::Type::Invalid:
        return;
    case Message::Type::Request:
        out.append(R"({"type":"request","id":)");
        appendUnsigned(out, message.id());
        out.append(R"(,"target":)");
        appendString(out, message.target());
        out.append(R"(,"method":)");
        appendString(out, message.method());
        out.append(R"(,"args":)");
        appendArray(out, message.arguments());
        out.append('}');
        return;
    case Message::Type::Answer: {
        out.append(R"({"type":"answer","id":)");
        appendUnsigned(out, message.id());
        const QCborValue result = message.result();
        if (!result.isNull() && !result.isUndefined()) { // omitted means null
            out.append(R"(,"result":)");
            JsonCodec::appendValue(out, result);
        }
        out.append('}');
        return;
    }
    case Message::Type::Error:
        out.append(R"({"type":"error","id":)");
        appendUnsigned(out, message.id());
        out.append(R"(,"code":)");
        appendInteger(out, qint64(message.errorCode()));
        out.append(R"(,"error":)");
        appendString(out, errorCodeName(message.errorCode()));
        out.append(R"(,"message":)");
        appendString(out, message.errorMessage());
        out.append('}');
        return;
    case Message::Type::Notification:
        out.append(R"({"type":"notification","target":)");
        appendString(out, message.target());
        out.append(R"(,"method":)");
        appendString(out, message.method());
        out.append(R"(,"args":)");
        appendArray(out, message.arguments());
        out.append('}');
        return;
    case Message::Type::CallbackRelease:
        out.append(R"({"type":"release","target":)");
        appendString(out, message.target());
        out.append('}');
        return;
    case Message::Type::Batch: {
        out.append(BatchPrefix, BatchPrefixSize);
        bool first = true;
        appendBatchItems(out, message.messages(), first);
        out.append(BatchSuffix, 2);
        return;
    }
    }
}

// If `encoded` is a batch made by this codec, the text of its members (without brackets).
bool batchMembers(QByteArrayView encoded, QByteArrayView *members)
{
    if (!encoded.startsWith(QByteArrayView(BatchPrefix, BatchPrefixSize))
        || !encoded.endsWith(QByteArrayView(BatchSuffix, 2))
        || encoded.size() < BatchPrefixSize + 2) {
        return false;
    }
    *members = encoded.sliced(BatchPrefixSize, encoded.size() - BatchPrefixSize - 2);
    return true;
}

// --- Decoding -----------------------------------------------------------------------------

// Whether the text may hold an escaped surrogate ("\ud800".."\udfff"): the only way a JSON
// document can carry a lone one, since Qt's parser refuses invalid UTF-8. A cheap filter, so that
// only such payloads pay for the walk of hasLoneSurrogate().
bool mayHoldEscapedSurrogate(QByteArrayView payload)
{
    for (qsizetype i = payload.indexOf("\\u"); i >= 0 && i + 3 < payload.size();
         i = payload.indexOf("\\u", i + 2)) {
        const char high = payload.at(i + 2), next = payload.at(i + 3);
        if ((high == 'd' || high == 'D')
            && ((next >= '8' && next <= '9') || (next >= 'a' && next <= 'f')
                || (next >= 'A' && next <= 'F'))) {
            return true;
        }
    }
    return false;
}

bool hasLoneSurrogate(const QJsonValue &value);

bool hasLoneSurrogate(const QJsonObject &object)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!QStringView(it.key()).isValidUtf16() || hasLoneSurrogate(it.value()))
            return true;
    }
    return false;
}

bool hasLoneSurrogate(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::String:
        return !QStringView(value.toString()).isValidUtf16();
    case QJsonValue::Array: {
        const QJsonArray array = value.toArray();
        for (const QJsonValue &item : array) {
            if (hasLoneSurrogate(item))
                return true;
        }
        return false;
    }
    case QJsonValue::Object:
        return hasLoneSurrogate(value.toObject());
    default:
        return false;
    }
}

class Decoder
{
public:
    explicit Decoder(QList<quint64> *ids) : m_ids(ids) {}

    Message decode(const QByteArray &payload, ErrorCode *errorCode, QString *errorString);

private:
    Message object(const QCborMap &map, bool inBatch, const QString &prefix);
    bool readId(const QCborMap &map, const QString &kind, quint64 &id);
    bool readText(const QCborMap &map, const QString &kind, QLatin1StringView field,
                  bool allowEmpty, QString &text);
    bool readArguments(const QCborMap &map, const QString &kind, QCborArray &arguments);
    bool readCode(const QCborMap &map, const QString &kind, ErrorCode &code);
    bool fail(const QString &message)
    {
        if (m_error.isEmpty())
            m_error = message;
        return false;
    }

    QList<quint64> *m_ids;
    QString m_error;
};

Message Decoder::decode(const QByteArray &payload, ErrorCode *errorCode, QString *errorString)
{
    ErrorCode code = ErrorCode::NoError;
    Message result;
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(payload, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        code = ErrorCode::ParseError;
        m_error = QStringLiteral("not valid JSON: %1 (at offset %2)")
                      .arg(parseError.errorString()).arg(parseError.offset);
    } else if (!document.isObject()) {
        code = ErrorCode::ParseError;
        m_error = QStringLiteral("a message must be a JSON object, not an array");
    } else if (mayHoldEscapedSurrogate(payload) && hasLoneSurrogate(document.object())) {
        // JSON can escape a lone surrogate ("\ud800"), but no encoder can write it back (UTF-8
        // has no form for it; toUtf8() makes it '?'): the message would change when relayed, so
        // it is refused like invalid UTF-8, which is what the CBOR codec does with such text.
        code = ErrorCode::ParseError;
        m_error = QStringLiteral("not valid JSON: a string holds an unpaired surrogate");
    } else {
        result = object(QCborMap::fromJsonObject(document.object()), false, QString());
        if (!result.isValid())
            code = ErrorCode::InvalidMessage;
    }
    if (errorCode)
        *errorCode = code;
    if (errorString)
        *errorString = code == ErrorCode::NoError ? QString() : m_error;
    return result;
}

bool Decoder::readId(const QCborMap &map, const QString &kind, quint64 &id)
{
    const QCborValue value = map.value(QLatin1StringView("id"));
    if (value.isUndefined())
        return fail(kind + QStringLiteral(": \"id\" is missing"));
    // The parser stores every integral number that fits in qint64 as an integer (7, 7.0, 7e0);
    // larger ones are doubles.
    if (!value.isInteger() || value.toInteger() < 0)
        return fail(kind + QStringLiteral(": \"id\" must be an integer in 0..2^63-1"));
    id = quint64(value.toInteger());
    return true;
}

bool Decoder::readText(const QCborMap &map, const QString &kind, QLatin1StringView field,
                       bool allowEmpty, QString &text)
{
    const QCborValue value = map.value(field);
    if (value.isUndefined())
        return fail(QStringLiteral("%1: \"%2\" is missing").arg(kind, field));
    if (!value.isString() || (!allowEmpty && value.toString().isEmpty())) {
        return fail(QStringLiteral("%1: \"%2\" must be a %3string")
                        .arg(kind, field, allowEmpty ? QString() : QStringLiteral("non-empty ")));
    }
    text = value.toString();
    return true;
}

bool Decoder::readArguments(const QCborMap &map, const QString &kind, QCborArray &arguments)
{
    const QCborValue value = map.value(QLatin1StringView("args"));
    if (value.isUndefined())
        return fail(kind + QStringLiteral(": \"args\" is missing"));
    if (!value.isArray())
        return fail(kind + QStringLiteral(": \"args\" must be an array"));
    arguments = value.toArray();
    return true;
}

bool Decoder::readCode(const QCborMap &map, const QString &kind, ErrorCode &code)
{
    const QCborValue value = map.value(QLatin1StringView("code"));
    if (value.isUndefined())
        return fail(kind + QStringLiteral(": \"code\" is missing"));
    if (!value.isInteger() || value.toInteger() < 0
        || value.toInteger() > std::numeric_limits<int>::max()) {
        return fail(kind + QStringLiteral(": \"code\" must be an integer in 0..2^31-1"));
    }
    code = ErrorCode(int(value.toInteger()));
    return true;
}

Message Decoder::object(const QCborMap &map, bool inBatch, const QString &prefix)
{
    const QCborValue typeValue = map.value(QLatin1StringView("type"));
    if (typeValue.isUndefined()) {
        fail(prefix + QStringLiteral("\"type\" is missing"));
        return {};
    }
    if (!typeValue.isString()) {
        fail(prefix + QStringLiteral("\"type\" must be a string"));
        return {};
    }
    const QString type = typeValue.toString();
    const QString kind = prefix + type;

    if (type == QLatin1StringView("request")) {
        quint64 id = 0;
        QString target, method;
        QCborArray args;
        if (!readId(map, kind, id))
            return {};
        if (m_ids)
            m_ids->append(id);
        if (!readText(map, kind, QLatin1StringView("target"), false, target)
            || !readText(map, kind, QLatin1StringView("method"), false, method)
            || !readArguments(map, kind, args)) {
            return {};
        }
        return Message::request(id, target, method, args);
    }
    if (type == QLatin1StringView("answer")) {
        quint64 id = 0;
        if (!readId(map, kind, id))
            return {};
        QCborValue result = map.value(QLatin1StringView("result"));
        if (result.isUndefined())
            result = QCborValue(nullptr); // omitted: null
        return Message::answer(id, result);
    }
    if (type == QLatin1StringView("error")) {
        quint64 id = 0;
        ErrorCode code = ErrorCode::NoError;
        QString text;
        // "error" (the code's name) is informative only: the code decides.
        if (!readId(map, kind, id) || !readCode(map, kind, code)
            || !readText(map, kind, QLatin1StringView("message"), true, text)) {
            return {};
        }
        return Message::error(id, code, text);
    }
    if (type == QLatin1StringView("notification")) {
        QString target, method;
        QCborArray args;
        if (!readText(map, kind, QLatin1StringView("target"), false, target)
            || !readText(map, kind, QLatin1StringView("method"), false, method)
            || !readArguments(map, kind, args)) {
            return {};
        }
        return Message::notification(target, method, args);
    }
    if (type == QLatin1StringView("release")) {
        QString target;
        if (!readText(map, kind, QLatin1StringView("target"), false, target))
            return {};
        return Message::callbackRelease(target);
    }
    if (type == QLatin1StringView("batch")) {
        if (inBatch) {
            fail(kind + QStringLiteral(": a batch cannot contain a batch"));
            return {};
        }
        const QCborValue value = map.value(QLatin1StringView("messages"));
        if (value.isUndefined()) {
            fail(kind + QStringLiteral(": \"messages\" is missing"));
            return {};
        }
        if (!value.isArray()) {
            fail(kind + QStringLiteral(": \"messages\" must be an array"));
            return {};
        }
        const QCborArray items = value.toArray();
        QList<Message> messages;
        messages.reserve(items.size());
        bool valid = true;
        for (qsizetype i = 0, n = items.size(); i < n; ++i) {
            const QCborValue item = items.at(i);
            Message m;
            // The "<kind>: message <i>: " context is only built for an error (see cborcodec.cpp).
            const bool hadError = !m_error.isEmpty();
            if (!item.isMap())
                fail(QStringLiteral("a message must be a JSON object"));
            else
                m = object(item.toMap(), true, QString());
            if (!hadError && !m_error.isEmpty())
                m_error.prepend(QStringLiteral("%1: message %2: ").arg(kind).arg(i));
            if (!m.isValid()) {
                valid = false;
                if (!m_ids)
                    break; // when collecting ids, read on
            } else if (valid) {
                messages.append(m);
            }
        }
        if (!valid)
            return {};
        return Message::batch(messages);
    }
    fail(prefix + QStringLiteral("unknown message type \"%1\"").arg(type));
    return {};
}

} // namespace

void JsonCodec::appendValue(QByteArray &out, const QCborValue &value)
{
    switch (value.type()) {
    case QCborValue::Integer:
        appendInteger(out, value.toInteger());
        return;
    case QCborValue::Double:
        appendDouble(out, value.toDouble());
        return;
    case QCborValue::String:
        appendString(out, value.toString());
        return;
    case QCborValue::ByteArray:
        out.append('"');
        out.append(value.toByteArray().toBase64(QByteArray::Base64UrlEncoding
                                                | QByteArray::OmitTrailingEquals));
        out.append('"');
        return;
    case QCborValue::Array:
        appendArray(out, value.toArray());
        return;
    case QCborValue::Map: {
        const QCborMap map = value.toMap();
        for (auto it = map.cbegin(), end = map.cend(); it != end; ++it) {
            if (!it.key().isString()) {
                // Keys that are not strings: rare, let Qt convert them (1 -> "1", ...).
                appendValue(out, QCborValue::fromJsonValue(value.toJsonValue()));
                return;
            }
        }
        out.append('{');
        bool first = true;
        for (auto it = map.cbegin(), end = map.cend(); it != end; ++it) {
            if (!first)
                out.append(',');
            first = false;
            appendString(out, it.key().toString());
            out.append(':');
            appendValue(out, it.value());
        }
        out.append('}');
        return;
    }
    case QCborValue::False:
        out.append("false", 5);
        return;
    case QCborValue::True:
        out.append("true", 4);
        return;
    case QCborValue::Null:
    case QCborValue::Undefined:
    case QCborValue::Invalid:
        out.append("null", 4);
        return;
    default:
        // Tags, date-times, URLs, regular expressions, UUIDs, simple types: as
        // QCborValue::toJsonValue() maps them (mostly to strings). The result holds only JSON
        // types, so this recurses once.
        appendValue(out, QCborValue::fromJsonValue(value.toJsonValue()));
        return;
    }
}

QString JsonCodec::subprotocol() const
{
    return QString::fromLatin1(JsonSubprotocol);
}

QByteArray JsonCodec::encode(const Message &message) const
{
    QByteArray out;
    out.reserve(128);
    appendMessage(out, message);
    return out;
}

QByteArray JsonCodec::encodeBatch(const QList<QByteArray> &encodedMessages) const
{
    qsizetype size = BatchPrefixSize + 2;
    for (const QByteArray &encoded : encodedMessages)
        size += encoded.size() + 1;
    QByteArray out;
    out.reserve(size);
    out.append(BatchPrefix, BatchPrefixSize);
    bool first = true;
    for (const QByteArray &encoded : encodedMessages) {
        QByteArrayView members;
        QByteArrayView piece = encoded;
        if (batchMembers(encoded, &members))
            piece = members;
        if (piece.isEmpty())
            continue;
        if (!first)
            out.append(',');
        first = false;
        out.append(piece);
    }
    out.append(BatchSuffix, 2);
    return out;
}

Message JsonCodec::decode(const QByteArray &payload, ErrorCode *errorCode,
                          QString *errorString) const
{
    Decoder decoder(nullptr);
    return decoder.decode(payload, errorCode, errorString);
}

QList<quint64> JsonCodec::peekRequestIds(const QByteArray &payload) const
{
    QList<quint64> ids;
    Decoder decoder(&ids);
    decoder.decode(payload, nullptr, nullptr);
    return ids;
}

} // namespace Burrow
