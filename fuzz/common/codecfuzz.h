#pragma once

// The checks shared by fuzz_json_message and fuzz_cbor_message.

#include "fuzzcommon.h"

#include <Burrow/messagecodec.h>

#include <QtCore/QCborMap>
#include <QtCore/QDebug>

#include <limits>

namespace BurrowFuzz {

inline QByteArray describe(const Burrow::Message &message)
{
    QString text;
    QDebug(&text) << message;
    return text.toUtf8();
}

// Whether any string of the message (target, method, error text, values, map keys) is not
// valid UTF-16, i.e. holds a lone surrogate. JSON can escape those ("\ud800"), but neither
// encoder can write them (they would come back as '?'), so decoders must refuse them: finding 2
// in docs/RELIABILITY-fuzzing.md.
inline bool hasInvalidUtf16(const QCborValue &value)
{
    if (value.isString())
        return !QStringView(value.toString()).isValidUtf16();
    if (value.isArray()) {
        for (const QCborValue &item : value.toArray()) {
            if (hasInvalidUtf16(item))
                return true;
        }
    }
    if (value.isMap()) {
        const QCborMap map = value.toMap();
        for (auto it = map.cbegin(); it != map.cend(); ++it) {
            if (hasInvalidUtf16(it.key()) || hasInvalidUtf16(it.value()))
                return true;
        }
    }
    if (value.isTag())
        return hasInvalidUtf16(value.taggedValue());
    return false;
}

inline bool hasInvalidUtf16(const Burrow::Message &message)
{
    if (!QStringView(message.target()).isValidUtf16() || !QStringView(message.method()).isValidUtf16()
        || !QStringView(message.errorMessage()).isValidUtf16()
        || hasInvalidUtf16(QCborValue(message.arguments())) || hasInvalidUtf16(message.result())) {
        return true;
    }
    for (const Burrow::Message &m : message.messages()) {
        if (hasInvalidUtf16(m))
            return true;
    }
    return false;
}

// decode(), peekRequestIds(), the debug summary; for a message that decodes: encode, decode
// again, and require the same message and the same bytes a second time. `alsoThrough`, when
// given, is a second codec that must carry the decoded message unchanged too.
inline void checkCodec(const Burrow::MessageCodec &codec, const QByteArray &payload,
                       const Burrow::MessageCodec *alsoThrough = nullptr)
{
    using Burrow::ErrorCode;
    using Burrow::Message;

    ErrorCode code = ErrorCode::Timeout; // anything decode() never returns: it must be overwritten
    QString error = QStringLiteral("(not set)");
    const Message message = codec.decode(payload, &code, &error);
    const QList<quint64> ids = codec.peekRequestIds(payload);
    for (quint64 id : ids) {
        if (id > quint64(std::numeric_limits<qint64>::max()))
            fail("peekRequestIds returned an id over 2^63-1");
    }

    if (!message.isValid()) {
        if (code != ErrorCode::ParseError && code != ErrorCode::InvalidMessage)
            fail("decode() failed without ParseError or InvalidMessage");
        if (error.isEmpty())
            fail("decode() failed without an error string");
        return;
    }
    if (code != ErrorCode::NoError || !error.isEmpty())
        fail("decode() succeeded but reported an error", error.toUtf8());
    if (message.type() == Message::Type::Batch) {
        for (const Message &m : message.messages()) {
            if (!m.isValid() || m.type() == Message::Type::Batch)
                fail("decoded batch holds an invalid or nested message", describe(message));
        }
    }
    (void)describe(message);
    if (hasInvalidUtf16(message))
        fail("a decoded message holds an unpaired surrogate", describe(message));

    const QByteArray encoded = codec.encode(message);
    if (encoded.isEmpty())
        fail("a decoded message encodes to nothing");
    ErrorCode code2 = ErrorCode::Timeout;
    QString error2;
    const Message again = codec.decode(encoded, &code2, &error2);
    if (!again.isValid()) {
        fail("a decoded message, encoded again, does not decode",
             error2.toUtf8() + "\nencoded: " + encoded.toHex());
    }
    if (again != message) {
        fail("decode(encode(decode(x))) != decode(x)",
             "first:  " + describe(message) + "\nsecond: " + describe(again)
                 + "\nencoded: " + encoded.toHex());
    }
    const QByteArray encodedAgain = codec.encode(again);
    if (encodedAgain != encoded)
        fail("encoding is not stable", encoded.toHex() + "\n" + encodedAgain.toHex());

    if (alsoThrough) {
        const QByteArray other = alsoThrough->encode(message);
        const Message back = alsoThrough->decode(other, &code2, &error2);
        if (back != message) {
            fail("the message does not survive the other codec",
                 "first:  " + describe(message) + "\nsecond: " + describe(back) + "\n"
                     + error2.toUtf8() + "\nencoded: " + other.toHex());
        }
    }
}

} // namespace BurrowFuzz
