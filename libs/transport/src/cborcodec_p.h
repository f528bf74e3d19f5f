#pragma once

#include <Burrow/messagecodec.h>

namespace Burrow {

// "burrow-binary.v1": one CBOR array per WebSocket binary frame payload. See
// docs/PROTOCOL.md, "Encodings". Stateless and thread-safe.
class CborCodec final : public MessageCodec
{
public:
    QString subprotocol() const override;
    FrameType frameType() const override { return FrameType::Binary; }

    QByteArray encode(const Message &message) const override;
    QByteArray encodeBatch(const QList<QByteArray> &encodedMessages) const override;
    Message decode(const QByteArray &payload, ErrorCode *errorCode = nullptr,
                   QString *errorString = nullptr) const override;
    QList<quint64> peekRequestIds(const QByteArray &payload) const override;

    // Appends the CBOR encoding of a value; byte-for-byte what QCborValue::toCbor() gives
    // (no transformations), without going through a QIODevice.
    static void appendValue(QByteArray &out, const QCborValue &value);

    // encode(Message::request(...)) without building the Message (the call path).
    static QByteArray encodeRequest(quint64 id, const QString &target, const QString &method,
                                    const QCborArray &arguments);
    // encode(Message::answer(...)) without building the Message (the Responder path).
    static QByteArray encodeAnswer(quint64 id, const QCborValue &result);
};

} // namespace Burrow
