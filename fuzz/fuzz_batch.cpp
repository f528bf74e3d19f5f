// fuzz_batch: batch frames of both codecs. Input: one selector byte (bit 0: 0 = JSON, 1 = CBOR),
// then pieces separated by "\n--\n". Each piece is a frame of that codec:
//  - every piece goes through decode() / peekRequestIds() and the round-trip checks of
//    fuzz_*_message (so a single piece that is a batch is fuzzed as such);
//  - the pieces that decode are encoded again and joined with encodeBatch() (with empty entries
//    in between, which it must skip, and batches spliced in): the result must decode to the
//    flattened batch, and equal encode(Message::batch(...)) byte for byte;
//  - the pieces that are well-formed but invalid messages are mixed in raw: the batch must then
//    be refused, and peekRequestIds() must still name every valid request, in order.
// See docs/RELIABILITY-fuzzing.md.

#include "codecfuzz.h"

using namespace Burrow;
using BurrowFuzz::fail;

namespace {

void flatten(QList<Message> &into, const Message &message)
{
    if (message.type() == Message::Type::Batch) {
        for (const Message &m : message.messages())
            flatten(into, m);
    } else if (message.isValid()) {
        into.append(message);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const auto json = MessageCodec::json();
    static const auto cbor = MessageCodec::cbor();
    BurrowFuzz::ensureApplication();
    if (size < 1)
        return 0;
    const bool binary = data[0] & 1;
    const MessageCodec &codec = binary ? *cbor : *json;
    const QByteArray input = BurrowFuzz::bytes(data + 1, size - 1);
    const QByteArray separator("\n--\n");

    QList<QByteArray> pieces;
    for (qsizetype from = 0;;) {
        const qsizetype at = input.indexOf(separator, from);
        pieces.append(input.mid(from, at < 0 ? -1 : at - from));
        if (at < 0 || pieces.size() >= 64)
            break;
        from = at + separator.size();
    }

    QList<QByteArray> encodings;       // encode() of each piece that decodes, empties between
    QList<Message> flat;               // what the batch of them must decode to
    QList<QByteArray> mixed;           // the same with the raw invalid pieces mixed in
    QList<quint64> validRequestIds;    // ids of the valid requests in `mixed`, in order
    bool anyInvalid = false;
    for (const QByteArray &piece : pieces) {
        BurrowFuzz::checkCodec(codec, piece);
        ErrorCode code;
        const Message m = codec.decode(piece, &code);
        if (m.isValid()) {
            const QByteArray encoded = codec.encode(m);
            encodings.append(encoded);
            encodings.append(QByteArray());
            mixed.append(encoded);
            QList<Message> items;
            flatten(items, m);
            for (const Message &item : std::as_const(items)) {
                if (item.type() == Message::Type::Request)
                    validRequestIds.append(item.id());
            }
            flat.append(items);
        } else if (code == ErrorCode::InvalidMessage) {
            // Well-formed, but not a valid message; raw pieces that look like batches would be
            // spliced by encodeBatch() as if they were its own output, so they are left out.
            const bool looksLikeBatch = binary ? piece.startsWith("\x82\x06")
                                               : piece.startsWith(R"({"type":"batch","messages":[)");
            if (!looksLikeBatch) {
                mixed.append(piece);
                anyInvalid = true;
            }
        }
    }

    const QByteArray batch = codec.encodeBatch(encodings);
    ErrorCode code = ErrorCode::Timeout;
    QString error;
    const Message decoded = codec.decode(batch, &code, &error);
    const Message expected = Message::batch(flat);
    if (decoded != expected) {
        fail("encodeBatch() of valid messages does not decode to their batch",
             error.toUtf8() + "\nbatch: " + batch.toHex() + "\ngot: " + BurrowFuzz::describe(decoded)
                 + "\nexpected: " + BurrowFuzz::describe(expected));
    }
    const QByteArray direct = codec.encode(expected);
    if (direct != batch)
        fail("encodeBatch() differs from encode(Message::batch())", batch.toHex() + "\n" + direct.toHex());
    // And encodeBatch() of a batch alone splices it: the same bytes again.
    if (codec.encodeBatch({QByteArray(), batch}) != batch)
        fail("encodeBatch() of one batch is not that batch");

    if (anyInvalid) {
        const QByteArray bad = codec.encodeBatch(mixed);
        ErrorCode badCode = ErrorCode::Timeout;
        const Message refused = codec.decode(bad, &badCode);
        if (refused.isValid())
            fail("a batch holding an invalid message was accepted", bad.toHex());
        if (badCode == ErrorCode::InvalidMessage) {
            const QList<quint64> ids = codec.peekRequestIds(bad);
            qsizetype next = 0;
            for (quint64 id : ids) {
                if (next < validRequestIds.size() && validRequestIds.at(next) == id)
                    ++next;
            }
            if (next != validRequestIds.size()) {
                QByteArray detail = "batch: " + bad.toHex() + "\npeeked:";
                for (quint64 id : ids)
                    detail += ' ' + QByteArray::number(id);
                detail += "\nvalid requests:";
                for (quint64 id : std::as_const(validRequestIds))
                    detail += ' ' + QByteArray::number(id);
                fail("peekRequestIds() of a refused batch misses a valid request", detail);
            }
        }
    }
    return 0;
}
