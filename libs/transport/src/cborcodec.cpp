#include "cborcodec_p.h"

#include <QtCore/QCborMap>
#include <QtCore/QCborStreamReader>
#include <QtCore/QtEndian>

#include <bit>
#include <cstring>
#include <limits>

// burrow-binary.v1. Encoding writes CBOR directly into one QByteArray (no QCborStreamWriter /
// QIODevice in the way). Decoding walks the envelope with QCborStreamReader and only builds
// QCborValue trees for arguments and results. Two Qt 6.4 facts shape the decoder:
//  - QCborValue::fromCbor() returns a value that must not be touched when the reader reports an
//    error (reading it can crash), so every value read is checked before use and dropped on error;
//  - QCborValue turns integers outside qint64 into doubles or wraps them, so the envelope's
//    integers (type, id, code) are read from the stream, where their exact range is known.

namespace Burrow {

namespace {

// CBOR major types.
enum Major : quint8 {
    UnsignedMajor = 0,
    NegativeMajor = 1,
    ByteStringMajor = 2,
    TextStringMajor = 3,
    ArrayMajor = 4,
    MapMajor = 5,
    TagMajor = 6,
};

// Nesting limit when skipping values, as QCborValue's own decoding limit.
constexpr int MaxRecursion = 1024;

void appendHead(QByteArray &out, quint8 major, quint64 value)
{
    const char m = char(major << 5);
    char buf[9];
    qsizetype n;
    if (value < 24) {
        buf[0] = char(m | char(value));
        n = 1;
    } else if (value <= 0xff) {
        buf[0] = char(m | 24);
        buf[1] = char(value);
        n = 2;
    } else if (value <= 0xffff) {
        buf[0] = char(m | 25);
        qToBigEndian(quint16(value), buf + 1);
        n = 3;
    } else if (value <= 0xffffffffu) {
        buf[0] = char(m | 26);
        qToBigEndian(quint32(value), buf + 1);
        n = 5;
    } else {
        buf[0] = char(m | 27);
        qToBigEndian(value, buf + 1);
        n = 9;
    }
    out.append(buf, n);
}

void appendInteger(QByteArray &out, qint64 value)
{
    if (value >= 0)
        appendHead(out, UnsignedMajor, quint64(value));
    else
        appendHead(out, NegativeMajor, ~quint64(value)); // -1 - value
}

void appendText(QByteArray &out, const QString &text)
{
    // Names (targets, methods) are short and ASCII: written straight into `out`, without the
    // temporary QByteArray of toUtf8().
    const qsizetype size = text.size();
    if (size < 24) {
        const char16_t *utf16 = reinterpret_cast<const char16_t *>(text.constData());
        char16_t any = 0;
        for (qsizetype i = 0; i < size; ++i)
            any |= utf16[i];
        if (any < 0x80) {
            const qsizetype at = out.size();
            out.resize(at + 1 + size);
            char *p = out.data() + at;
            *p++ = char((TextStringMajor << 5) | size);
            for (qsizetype i = 0; i < size; ++i)
                p[i] = char(utf16[i]);
            return;
        }
    }
    const QByteArray utf8 = text.toUtf8();
    appendHead(out, TextStringMajor, quint64(utf8.size()));
    out.append(utf8);
}

void appendArray(QByteArray &out, const QCborArray &array)
{
    appendHead(out, ArrayMajor, quint64(array.size()));
    for (qsizetype i = 0, n = array.size(); i < n; ++i)
        CborCodec::appendValue(out, array.at(i));
}

// The messages of a batch as they go on the wire: nested batches flattened, Invalid left out.
void flatten(QList<Message> &into, const QList<Message> &messages)
{
    for (const Message &m : messages) {
        if (m.type() == Message::Type::Batch)
            flatten(into, m.messages());
        else if (m.isValid())
            into.append(m);
    }
}

void appendMessage(QByteArray &out, const Message &message)
{
    switch (message.type()) {
    case Message::Type::Invalid:
        return;
    case Message::Type::Request:
        out.append("\x85\x01", 2);
        appendHead(out, UnsignedMajor, message.id());
        appendText(out, message.target());
        appendText(out, message.method());
        appendArray(out, message.arguments());
        return;
    case Message::Type::Answer:
        out.append("\x83\x02", 2);
        appendHead(out, UnsignedMajor, message.id());
        CborCodec::appendValue(out, message.result());
        return;
    case Message::Type::Error:
        out.append("\x84\x03", 2);
        appendHead(out, UnsignedMajor, message.id());
        appendInteger(out, qint64(message.errorCode()));
        appendText(out, message.errorMessage());
        return;
    case Message::Type::Notification:
        out.append("\x84\x04", 2);
        appendText(out, message.target());
        appendText(out, message.method());
        appendArray(out, message.arguments());
        return;
    case Message::Type::CallbackRelease:
        out.append("\x82\x05", 2);
        appendText(out, message.target());
        return;
    case Message::Type::Batch: {
        QList<Message> messages;
        flatten(messages, message.messages());
        out.append("\x82\x06", 2);
        appendHead(out, ArrayMajor, quint64(messages.size()));
        for (const Message &m : std::as_const(messages))
            appendMessage(out, m);
        return;
    }
    }
}

// If `encoded` is a batch made by this codec, its item count and where its items start.
bool splitBatch(QByteArrayView encoded, quint64 *count, qsizetype *itemsOffset)
{
    if (encoded.size() < 3 || encoded[0] != '\x82' || encoded[1] != '\x06')
        return false;
    const quint8 head = quint8(encoded[2]);
    if (head >> 5 != ArrayMajor)
        return false;
    const quint8 info = head & 0x1f;
    const uchar *p = reinterpret_cast<const uchar *>(encoded.data()) + 3;
    const qsizetype available = encoded.size() - 3;
    qsizetype extra;
    if (info < 24) {
        *count = info;
        extra = 0;
    } else if (info == 24 && available >= 1) {
        *count = p[0];
        extra = 1;
    } else if (info == 25 && available >= 2) {
        *count = qFromBigEndian<quint16>(p);
        extra = 2;
    } else if (info == 26 && available >= 4) {
        *count = qFromBigEndian<quint32>(p);
        extra = 4;
    } else if (info == 27 && available >= 8) {
        *count = qFromBigEndian<quint64>(p);
        extra = 8;
    } else {
        return false; // indefinite length or cut short: not ours
    }
    *itemsOffset = 3 + extra;
    return true;
}

// --- Decoding -----------------------------------------------------------------------------

// Targets and method names repeat from message to message: a small per-thread table hands out
// the same (shared) QString for the same ASCII bytes instead of converting and allocating.
QString cachedName(const char *bytes, qsizetype size)
{
    struct Entry
    {
        QByteArray key;
        QString value;
    };
    constexpr unsigned Slots = 16;
    thread_local Entry cache[Slots];
    thread_local unsigned nextSlot = 0;
    for (const Entry &entry : cache) {
        if (entry.key.size() == size && std::memcmp(entry.key.constData(), bytes, size_t(size)) == 0)
            return entry.value;
    }
    Entry &entry = cache[nextSlot++ % Slots];
    entry.key = QByteArray(bytes, size);
    entry.value = QString::fromLatin1(bytes, size);
    return entry.value;
}

class Decoder
{
public:
    Decoder(const QByteArray &payload, QList<quint64> *ids)
        : m_reader(payload), m_data(payload.constData()), m_size(payload.size()), m_ids(ids)
    {
    }

    Message decode(ErrorCode *errorCode, QString *errorString);

private:
    enum class Status { Ok, Invalid, Malformed };

    bool ok() { return m_reader.lastError() == QCborError::NoError; }
    Status invalid(const QString &message)
    {
        if (m_error.isEmpty())
            m_error = message;
        return Status::Invalid;
    }
    Status message(Message &out, bool inBatch, const QString &prefix);
    Status fields(Message &out, int type, bool inBatch, const QString &kind, const QString &prefix);
    Status readId(quint64 &id, const QString &kind);
    Status readText(QString &text, const QString &kind, const char *field, bool allowEmpty);
    Status readArguments(QCborArray &arguments, const QString &kind);
    Status readValue(QCborValue &value);
    Status readCode(ErrorCode &code, const QString &kind);
    Status readBatch(QList<Message> &messages, const QString &prefix);
    Status missing(const QString &kind, const char *field, const char *layout)
    {
        return invalid(QStringLiteral("%1: \"%2\" is missing (expected %3)")
                           .arg(kind, QLatin1StringView(field), QLatin1StringView(layout)));
    }

    bool readName(QString &text, Status *status);

    QCborStreamReader m_reader;
    const char *m_data;
    qsizetype m_size;
    QList<quint64> *m_ids;
    QString m_error;
};

Message Decoder::decode(ErrorCode *errorCode, QString *errorString)
{
    Message result;
    const Status status = message(result, false, QString());
    ErrorCode code = ErrorCode::NoError;
    QString error;
    if (status == Status::Malformed || !ok()) {
        code = ErrorCode::ParseError;
        const QCborError e = m_reader.lastError();
        error = QStringLiteral("not valid CBOR: %1 (at offset %2)")
                    .arg(e.toString()).arg(m_reader.currentOffset());
    } else if (m_reader.currentOffset() != m_size) {
        code = ErrorCode::ParseError;
        error = QStringLiteral("trailing bytes after the CBOR item (at offset %1 of %2)")
                    .arg(m_reader.currentOffset()).arg(m_size);
    } else if (status == Status::Invalid) {
        code = ErrorCode::InvalidMessage;
        error = m_error;
    }
    if (code != ErrorCode::NoError)
        result = Message();
    if (errorCode)
        *errorCode = code;
    if (errorString)
        *errorString = error;
    return result;
}

// Reads one message (one array) and leaves the reader after it, whether valid or not: an
// invalid message is still skipped over, so that a malformed rest of the payload turns the
// verdict into ParseError.
Decoder::Status Decoder::message(Message &out, bool inBatch, const QString &prefix)
{
    if (!ok())
        return Status::Malformed;
    if (!m_reader.isArray()) {
        if (!m_reader.next(MaxRecursion))
            return Status::Malformed;
        return invalid(prefix + QStringLiteral("a message must be a CBOR array"));
    }
    if (!m_reader.enterContainer())
        return Status::Malformed;

    Status status;
    if (!m_reader.hasNext()) {
        status = ok() ? invalid(prefix + QStringLiteral("\"type\" is missing (empty array)"))
                      : Status::Malformed;
    } else if (m_reader.isUnsignedInteger()) {
        const quint64 type = m_reader.toUnsignedInteger();
        static const QString kinds[] = {
            QString(), QStringLiteral("request"), QStringLiteral("answer"),
            QStringLiteral("error"), QStringLiteral("notification"), QStringLiteral("release"),
            QStringLiteral("batch"),
        };
        if (type < 1 || type > 6) {
            status = invalid(prefix + QStringLiteral("unknown message type %1").arg(type));
        } else if (!m_reader.next()) {
            status = Status::Malformed;
        } else {
            status = fields(out, int(type), inBatch, kinds[type], prefix);
        }
    } else if (m_reader.isNegativeInteger()) {
        status = invalid(prefix + QStringLiteral("unknown message type -%1")
                                      .arg(quint64(m_reader.toNegativeInteger())));
    } else {
        status = invalid(prefix + QStringLiteral("\"type\" must be an integer"));
    }

    if (status == Status::Malformed || !ok())
        return Status::Malformed;
    if (status == Status::Invalid) {
        // Skip what is left of this message.
        while (m_reader.hasNext()) {
            if (!m_reader.next(MaxRecursion))
                return Status::Malformed;
        }
    }
    if (!ok() || !m_reader.leaveContainer())
        return Status::Malformed;
    if (status == Status::Invalid)
        out = Message();
    return status;
}

Decoder::Status Decoder::fields(Message &out, int type, bool inBatch, const QString &kind,
                                const QString &prefix)
{
    const QString where = prefix.isEmpty() ? kind : prefix + kind; // no allocation outside batches
    Status s = Status::Ok;
    const char *layout = "";
    switch (Message::Type(type)) {
    case Message::Type::Request: {
        layout = "[1, id, target, method, args]";
        quint64 id = 0;
        QString target, method;
        QCborArray args;
        if (!m_reader.hasNext())
            return missing(where, "id", layout);
        if ((s = readId(id, where)) != Status::Ok)
            return s;
        if (m_ids)
            m_ids->append(id);
        if (!m_reader.hasNext())
            return missing(where, "target", layout);
        if ((s = readText(target, where, "target", false)) != Status::Ok)
            return s;
        if (!m_reader.hasNext())
            return missing(where, "method", layout);
        if ((s = readText(method, where, "method", false)) != Status::Ok)
            return s;
        if (!m_reader.hasNext())
            return missing(where, "args", layout);
        if ((s = readArguments(args, where)) != Status::Ok)
            return s;
        out = Message::request(id, target, method, args);
        break;
    }
    case Message::Type::Answer: {
        layout = "[2, id, result]";
        quint64 id = 0;
        QCborValue result;
        if (!m_reader.hasNext())
            return missing(where, "id", layout);
        if ((s = readId(id, where)) != Status::Ok)
            return s;
        if (!m_reader.hasNext())
            return missing(where, "result", layout);
        if ((s = readValue(result)) != Status::Ok)
            return s;
        out = Message::answer(id, result);
        break;
    }
    case Message::Type::Error: {
        layout = "[3, id, code, message]";
        quint64 id = 0;
        ErrorCode code = ErrorCode::NoError;
        QString text;
        if (!m_reader.hasNext())
            return missing(where, "id", layout);
        if ((s = readId(id, where)) != Status::Ok)
            return s;
        if (!m_reader.hasNext())
            return missing(where, "code", layout);
        if ((s = readCode(code, where)) != Status::Ok)
            return s;
        if (!m_reader.hasNext())
            return missing(where, "message", layout);
        if ((s = readText(text, where, "message", true)) != Status::Ok)
            return s;
        out = Message::error(id, code, text);
        break;
    }
    case Message::Type::Notification: {
        layout = "[4, target, method, args]";
        QString target, method;
        QCborArray args;
        if (!m_reader.hasNext())
            return missing(where, "target", layout);
        if ((s = readText(target, where, "target", false)) != Status::Ok)
            return s;
        if (!m_reader.hasNext())
            return missing(where, "method", layout);
        if ((s = readText(method, where, "method", false)) != Status::Ok)
            return s;
        if (!m_reader.hasNext())
            return missing(where, "args", layout);
        if ((s = readArguments(args, where)) != Status::Ok)
            return s;
        out = Message::notification(target, method, args);
        break;
    }
    case Message::Type::CallbackRelease: {
        layout = "[5, target]";
        QString target;
        if (!m_reader.hasNext())
            return missing(where, "target", layout);
        if ((s = readText(target, where, "target", false)) != Status::Ok)
            return s;
        out = Message::callbackRelease(target);
        break;
    }
    case Message::Type::Batch: {
        layout = "[6, messages]";
        if (inBatch)
            return invalid(where + QStringLiteral(": a batch cannot contain a batch"));
        QList<Message> messages;
        if (!m_reader.hasNext())
            return missing(where, "messages", layout);
        if ((s = readBatch(messages, where)) != Status::Ok)
            return s;
        out = Message::batch(messages);
        break;
    }
    case Message::Type::Invalid:
        return Status::Malformed; // not reached: the caller checked the range
    }
    if (!ok())
        return Status::Malformed;
    if (m_reader.hasNext())
        return invalid(QStringLiteral("%1: too many elements (expected %2)")
                           .arg(where, QLatin1StringView(layout)));
    return Status::Ok;
}

Decoder::Status Decoder::readId(quint64 &id, const QString &kind)
{
    if (m_reader.isUnsignedInteger()) {
        const quint64 value = m_reader.toUnsignedInteger();
        if (value > quint64(std::numeric_limits<qint64>::max()))
            return invalid(kind + QStringLiteral(": \"id\" must be an integer in 0..2^63-1"));
        id = value;
        return m_reader.next() ? Status::Ok : Status::Malformed;
    }
    return invalid(kind + QStringLiteral(": \"id\" must be a non-negative integer"));
}

Decoder::Status Decoder::readCode(ErrorCode &code, const QString &kind)
{
    if (m_reader.isUnsignedInteger()
        && m_reader.toUnsignedInteger() <= quint64(std::numeric_limits<int>::max())) {
        code = ErrorCode(int(m_reader.toUnsignedInteger()));
        return m_reader.next() ? Status::Ok : Status::Malformed;
    }
    return invalid(kind + QStringLiteral(": \"code\" must be an integer in 0..2^31-1"));
}

// The fast path of readText() for a short, definite-length, non-empty ASCII text string (always
// valid UTF-8, so readString() would give the same text): read from the payload bytes and
// looked up in cachedName(). Returns false, having read nothing, for anything else.
bool Decoder::readName(QString &text, Status *status)
{
    constexpr qsizetype MaxName = 64;
    const qint64 offset = m_reader.currentOffset();
    if (offset < 0 || offset >= m_size)
        return false;
    const quint8 head = quint8(m_data[offset]);
    if (head >> 5 != TextStringMajor)
        return false;
    qsizetype length = head & 0x1f;
    qsizetype start = offset + 1;
    if (length == 24) {
        if (start >= m_size)
            return false;
        length = quint8(m_data[start]);
        ++start;
    } else if (length > 24) {
        return false;
    }
    if (length == 0 || length > MaxName || start + length > m_size)
        return false;
    const char *bytes = m_data + start;
    for (qsizetype i = 0; i < length; ++i) {
        if (bytes[i] & 0x80)
            return false;
    }
    // Consumed with readStringChunk() into a stack buffer: next() would copy the string into a
    // temporary QByteArray (Qt 6.4), costing as much as readString().
    char buffer[MaxName];
    auto chunk = m_reader.readStringChunk(buffer, MaxName);
    if (chunk.status != QCborStreamReader::Ok || chunk.data != length) {
        *status = Status::Malformed;
        return true;
    }
    chunk = m_reader.readStringChunk(buffer, MaxName);
    if (chunk.status != QCborStreamReader::EndOfString || !ok()) {
        *status = Status::Malformed;
        return true;
    }
    text = cachedName(bytes, length);
    *status = Status::Ok;
    return true;
}

Decoder::Status Decoder::readText(QString &text, const QString &kind, const char *field,
                                  bool allowEmpty)
{
    Status status;
    if (!allowEmpty && readName(text, &status)) // names: target, method
        return status;
    if (!m_reader.isString()) {
        return invalid(QStringLiteral("%1: \"%2\" must be a %3text string")
                           .arg(kind, QLatin1StringView(field),
                                allowEmpty ? QString() : QStringLiteral("non-empty ")));
    }
    auto chunk = m_reader.readString();
    while (chunk.status == QCborStreamReader::Ok) {
        if (text.isEmpty())
            text = std::move(chunk.data);
        else
            text += chunk.data;
        chunk = m_reader.readString();
    }
    if (chunk.status == QCborStreamReader::Error || !ok())
        return Status::Malformed;
    if (!allowEmpty && text.isEmpty()) {
        return invalid(QStringLiteral("%1: \"%2\" must be a non-empty text string")
                           .arg(kind, QLatin1StringView(field)));
    }
    return Status::Ok;
}

Decoder::Status Decoder::readValue(QCborValue &value)
{
    QCborValue v = QCborValue::fromCbor(m_reader);
    if (!ok())
        return Status::Malformed; // v is unusable; only destroy it
    value = std::move(v);
    return Status::Ok;
}

Decoder::Status Decoder::readArguments(QCborArray &arguments, const QString &kind)
{
    if (!m_reader.isArray())
        return invalid(kind + QStringLiteral(": \"args\" must be an array"));
    QCborValue v = QCborValue::fromCbor(m_reader);
    if (!ok())
        return Status::Malformed;
    arguments = v.toArray();
    return Status::Ok;
}

Decoder::Status Decoder::readBatch(QList<Message> &messages, const QString &kind)
{
    if (!m_reader.isArray())
        return invalid(kind + QStringLiteral(": \"messages\" must be an array"));
    // (length() only while on the array itself: on anything else it is an error.)
    if (m_reader.isLengthKnown())
        messages.reserve(qsizetype(qMin<quint64>(m_reader.length(), 1024)));
    if (!m_reader.enterContainer())
        return Status::Malformed;
    Status status = Status::Ok;
    for (qsizetype i = 0; ok() && m_reader.hasNext(); ++i) {
        if (status == Status::Invalid && !m_ids) {
            // Already refused; only check that the rest is well-formed CBOR.
            if (!m_reader.next(MaxRecursion))
                return Status::Malformed;
            continue;
        }
        Message m;
        // The "<kind>: message <i>: " context is only built for an error: formatting it for
        // every message was a quarter of the cost of decoding a batched notification.
        const bool hadError = !m_error.isEmpty();
        const Status s = message(m, true, QString());
        if (s == Status::Invalid && !hadError && !m_error.isEmpty())
            m_error.prepend(QStringLiteral("%1: message %2: ").arg(kind).arg(i));
        if (s == Status::Malformed)
            return s;
        if (s == Status::Invalid)
            status = s; // keep going: the rest must still be well-formed, and ids are wanted
        else if (status == Status::Ok)
            messages.append(m);
    }
    if (!ok() || !m_reader.leaveContainer())
        return Status::Malformed;
    return status;
}

} // namespace

void CborCodec::appendValue(QByteArray &out, const QCborValue &value)
{
    switch (value.type()) {
    case QCborValue::Integer:
        appendInteger(out, value.toInteger());
        return;
    case QCborValue::ByteArray: {
        const QByteArray bytes = value.toByteArray();
        appendHead(out, ByteStringMajor, quint64(bytes.size()));
        out.append(bytes);
        return;
    }
    case QCborValue::String:
        appendText(out, value.toString());
        return;
    case QCborValue::Array:
        appendArray(out, value.toArray());
        return;
    case QCborValue::Map: {
        const QCborMap map = value.toMap();
        appendHead(out, MapMajor, quint64(map.size()));
        for (auto it = map.cbegin(), end = map.cend(); it != end; ++it) {
            appendValue(out, it.key());
            appendValue(out, it.value());
        }
        return;
    }
    case QCborValue::Tag:
        appendHead(out, TagMajor, quint64(value.tag()));
        appendValue(out, value.taggedValue());
        return;
    case QCborValue::False:
        out.append('\xf4');
        return;
    case QCborValue::True:
        out.append('\xf5');
        return;
    case QCborValue::Null:
        out.append('\xf6');
        return;
    case QCborValue::Undefined:
    case QCborValue::Invalid:
        out.append('\xf7');
        return;
    case QCborValue::Double: {
        char buf[9];
        buf[0] = '\xfb';
        qToBigEndian(std::bit_cast<quint64>(value.toDouble()), buf + 1); // IEEE 754 binary64
        out.append(buf, 9);
        return;
    }
    default:
        if (value.isSimpleType()) {
            const quint8 simple = quint8(value.toSimpleType());
            if (simple < 24) {
                out.append(char(0xe0 | simple));
            } else {
                out.append('\xf8');
                out.append(char(simple));
            }
            return;
        }
        // DateTime, Url, RegularExpression, Uuid: tagged types Qt knows how to write.
        out.append(value.toCbor());
        return;
    }
}

QString CborCodec::subprotocol() const
{
    return QString::fromLatin1(BinarySubprotocol);
}

QByteArray CborCodec::encode(const Message &message) const
{
    QByteArray out;
    out.reserve(128); // a small request or answer in one allocation
    appendMessage(out, message);
    return out;
}

QByteArray CborCodec::encodeRequest(quint64 id, const QString &target, const QString &method,
                                    const QCborArray &arguments)
{
    QByteArray out;
    out.reserve(128);
    out.append("\x85\x01", 2);
    appendHead(out, UnsignedMajor, id);
    appendText(out, target);
    appendText(out, method);
    appendArray(out, arguments);
    return out;
}

QByteArray CborCodec::encodeAnswer(quint64 id, const QCborValue &result)
{
    QByteArray out;
    out.reserve(128);
    out.append("\x83\x02", 2);
    appendHead(out, UnsignedMajor, id);
    appendValue(out, result);
    return out;
}

QByteArray CborCodec::encodeBatch(const QList<QByteArray> &encodedMessages) const
{
    quint64 count = 0;
    qsizetype size = 0;
    for (const QByteArray &encoded : encodedMessages) {
        quint64 n;
        qsizetype offset;
        if (encoded.isEmpty())
            continue;
        if (splitBatch(encoded, &n, &offset)) {
            count += n;
            size += encoded.size() - offset;
        } else {
            ++count;
            size += encoded.size();
        }
    }
    QByteArray out;
    out.reserve(size + 11);
    out.append("\x82\x06", 2);
    appendHead(out, ArrayMajor, count);
    for (const QByteArray &encoded : encodedMessages) {
        quint64 n;
        qsizetype offset;
        if (encoded.isEmpty())
            continue;
        if (splitBatch(encoded, &n, &offset))
            out.append(QByteArrayView(encoded).sliced(offset));
        else
            out.append(encoded);
    }
    return out;
}

Message CborCodec::decode(const QByteArray &payload, ErrorCode *errorCode,
                          QString *errorString) const
{
    Decoder decoder(payload, nullptr);
    return decoder.decode(errorCode, errorString);
}

QList<quint64> CborCodec::peekRequestIds(const QByteArray &payload) const
{
    QList<quint64> ids;
    Decoder decoder(payload, &ids);
    decoder.decode(nullptr, nullptr);
    return ids;
}

} // namespace Burrow
