#include <Burrow/messagecodec.h>

#include "cborcodec_p.h"
#include "jsoncodec_p.h"

namespace Burrow {

MessageCodec::~MessageCodec() = default;

QList<quint64> MessageCodec::peekRequestIds(const QByteArray &payload) const
{
    Q_UNUSED(payload);
    return {};
}

std::shared_ptr<const MessageCodec> MessageCodec::json()
{
    static const std::shared_ptr<const MessageCodec> codec = std::make_shared<const JsonCodec>();
    return codec;
}

std::shared_ptr<const MessageCodec> MessageCodec::cbor()
{
    static const std::shared_ptr<const MessageCodec> codec = std::make_shared<const CborCodec>();
    return codec;
}

QList<std::shared_ptr<const MessageCodec>> MessageCodec::builtIn()
{
    return {cbor(), json()};
}

} // namespace Burrow
