// fuzz_json_message: one WebSocket text frame of burrow-json.v1, as the JSON codec receives it.
// MessageCodec::json()->decode() and peekRequestIds(); a message that decodes must encode and
// decode again to the same message (and the same bytes), and must survive the CBOR codec too
// (CBOR can carry every JSON value). See docs/RELIABILITY-fuzzing.md.

#include "codecfuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const auto json = Burrow::MessageCodec::json();
    static const auto cbor = Burrow::MessageCodec::cbor();
    BurrowFuzz::ensureApplication();
    BurrowFuzz::checkCodec(*json, BurrowFuzz::bytes(data, size), cbor.get());
    return 0;
}
