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

    // An Invalid message encodes to an empty QByteArray. The wire has no nested batches: a
    // Batch inside a Batch is flattened in order, Invalid messages in a Batch are left out.
    virtual QByteArray encode(const Message &message) const = 0;
    // Wraps messages already encoded by encode() into one Batch payload, so a message fanned
    // out to many connections is encoded once. The built-in codecs concatenate without
    // re-encoding; they skip empty entries and splice in entries that are themselves batches.
    virtual QByteArray encodeBatch(const QList<QByteArray> &encodedMessages) const = 0;
    // Returns an Invalid message and sets *errorCode/*errorString when the payload is not a
    // well-formed message of this codec (on success they are set to NoError and cleared).
    // Never crashes or asserts, whatever the payload: ParseError when it is not a document of
    // this codec at all, InvalidMessage when it is one but not a valid message. The error
    // string names the offending field, e.g. `request: "method" must be a non-empty string`.
    // Ids on the wire are 0..2^63-1 in both built-in codecs.
    virtual Message decode(const QByteArray &payload, ErrorCode *errorCode = nullptr,
                           QString *errorString = nullptr) const = 0;

    // For a payload decode() rejected: the ids of the requests that could still be read from
    // it, in order, so the receiver can answer each with an Error (carrying decode()'s code and
    // string) rather than leave the peer waiting for its timeout. A rejected Request gives its
    // id when "id" itself was valid (the error was in another field); a rejected Batch gives
    // the ids of all requests inside it with a valid id, the valid ones included (the whole
    // batch was refused). Answers, errors, notifications and messages of unknown type give
    // none. The binary codec also reads ids from payloads cut short after the id; the JSON
    // codec needs a parsable document. Parses the payload again, so call it only on the
    // failure path. The default implementation returns an empty list.
    virtual QList<quint64> peekRequestIds(const QByteArray &payload) const;

    // Built-in codecs, one shared instance each. builtIn() is {cbor(), json()}: the order of
    // preference a server offers them in.
    static std::shared_ptr<const MessageCodec> json();
    static std::shared_ptr<const MessageCodec> cbor();
    static QList<std::shared_ptr<const MessageCodec>> builtIn();
};

using MessageCodecPointer = std::shared_ptr<const MessageCodec>;

// Subprotocol names of the built-in codecs.
inline constexpr char JsonSubprotocol[] = "burrow-json.v1";
inline constexpr char BinarySubprotocol[] = "burrow-binary.v1";

} // namespace Burrow
