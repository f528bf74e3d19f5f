#pragma once

#include <Burrow/messagecodec.h>

namespace Burrow {

// "burrow-json.v1": one JSON object per WebSocket text frame. See docs/PROTOCOL.md,
// "Encodings". Stateless and thread-safe.
class JsonCodec final : public MessageCodec
{
public:
    QString subprotocol() const override;
    FrameType frameType() const override { return FrameType::Text; }

    QByteArray encode(const Message &message) const override;
    QByteArray encodeBatch(const QList<QByteArray> &encodedMessages) const override;
    Message decode(const QByteArray &payload, ErrorCode *errorCode = nullptr,
                   QString *errorString = nullptr) const override;
    QList<quint64> peekRequestIds(const QByteArray &payload) const override;

    // Appends the JSON text of a value, by the mapping of the protocol document (byte strings
    // as unpadded base64url, doubles always with a fraction or an exponent, ...).
    static void appendValue(QByteArray &out, const QCborValue &value);
};

} // namespace Burrow
