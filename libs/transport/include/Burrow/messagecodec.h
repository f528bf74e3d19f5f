#pragma once

#include <Burrow/message.h>

#include <QtCore/QByteArray>
#include <QtCore/QStringList>

#include <memory>

namespace Burrow {

// Turns Messages into WebSocket message payloads and back. One codec per WebSocket
// subprotocol, all over the one Message model: adding a wire format (for example mORMot's
// synopsejson) means adding a codec, not touching the connection code.
class BURROW_TRANSPORT_EXPORT MessageCodec
{
public:
    enum class FrameType { Text, Binary };

    virtual ~MessageCodec();

    // The Sec-WebSocket-Protocol token this codec answers to, e.g. "burrow-json.v1".
    virtual QString subprotocol() const = 0;
    virtual FrameType frameType() const = 0;

    virtual QByteArray encode(const Message &message) const = 0;
    // Wraps messages already encoded by encode() into one Batch payload, so a message fanned
    // out to many connections is encoded once.
    virtual QByteArray encodeBatch(const QList<QByteArray> &encodedMessages) const = 0;
    // Returns an Invalid message and sets *errorCode/*errorString when the payload is not a
    // well-formed message of this codec.
    virtual Message decode(const QByteArray &payload, ErrorCode *errorCode = nullptr,
                           QString *errorString = nullptr) const = 0;

    // Built-in codecs.
    static std::shared_ptr<const MessageCodec> json();
    static std::shared_ptr<const MessageCodec> cbor();
    static QList<std::shared_ptr<const MessageCodec>> builtIn();
};

using MessageCodecPointer = std::shared_ptr<const MessageCodec>;

// Subprotocol names of the built-in codecs.
inline constexpr char JsonSubprotocol[] = "burrow-json.v1";
inline constexpr char BinarySubprotocol[] = "burrow-binary.v1";

} // namespace Burrow
