// fuzz_cbor_message: one frame payload of burrow-binary.v1 (after the envelope is opened), as
// the CBOR codec receives it. MessageCodec::cbor()->decode() and peekRequestIds(); a message that
// decodes must encode and decode again to the same message (and the same bytes).
// See docs/RELIABILITY-fuzzing.md.

#include "codecfuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const auto cbor = Burrow::MessageCodec::cbor();
    BurrowFuzz::ensureApplication();
    BurrowFuzz::checkCodec(*cbor, BurrowFuzz::bytes(data, size));
    return 0;
}
