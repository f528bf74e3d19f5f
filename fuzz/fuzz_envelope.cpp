// fuzz_envelope: binary-subprotocol envelopes (docs/PROTOCOL.md section 5) and the HELLO frame.
// Input: one mode byte, then frames separated by "\n--\n", opened in order by one FrameOpener
// (so sequence numbers carry over from frame to frame). Mode byte:
//   bits 0-1  0: no key           the frames as they are
//             1: with a key       the frames as they are (almost never authentic)
//             2: with a key       each frame is [flags][sequence offset][inner bytes] and the
//                                 fuzzer seals it with the right key (as a peer holding the
//                                 pre-shared key could), so that the decrypted inner bytes
//                                 reach the LZ4 path and the sequence checks
//             3: no key           as 0, with maxMessageSize 64 KiB instead of 1 KiB
//   bit 2     compression threshold 0 (instead of never) for the re-sealing checks
// Checks (differential, __builtin_trap on mismatch): open()'s verdict matches what the flags,
// sizes and sequence numbers say; failed opens clear the payload and keep the expected sequence;
// an opened payload, sealed again (with and without a key, compressed or not), opens to the same
// bytes; decodeHello() accepts exactly what encodeHello() produces; lz4Decompress() of each
// frame (first 4 bytes as the declared size, capped at 64 KiB) never overflows.
// See docs/RELIABILITY-fuzzing.md.

#include "fuzzcommon.h"

#include "frameprotection_p.h"

#include <QtCore/QtEndian>

#include <openssl/evp.h>

using namespace Burrow;
using BurrowFuzz::fail;

namespace {

const QByteArray &fuzzKey()
{
    static const QByteArray key = QByteArray::fromHex(
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    return key;
}

// What a peer holding the key can send: any flags byte, any sequence number, any inner bytes,
// with a valid GCM tag. Nonce = 00000000 || sequence, AAD = flags || sequence.
QByteArray sealRaw(quint8 flags, quint64 sequence, const QByteArray &inner)
{
    QByteArray frame(1 + FrameSequenceSize + inner.size() + FrameTagSize, Qt::Uninitialized);
    frame[0] = char(flags);
    qToBigEndian<quint64>(sequence, frame.data() + 1);
    unsigned char iv[12] = {};
    qToBigEndian<quint64>(sequence, iv + 4);
    EVP_CIPHER_CTX *context = EVP_CIPHER_CTX_new();
    int written = 0;
    auto *out = reinterpret_cast<unsigned char *>(frame.data()) + 1 + FrameSequenceSize;
    bool ok = EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nullptr,
                                 reinterpret_cast<const unsigned char *>(fuzzKey().constData()), iv) == 1
        && EVP_EncryptUpdate(context, nullptr, &written,
                             reinterpret_cast<const unsigned char *>(frame.constData()), 1 + FrameSequenceSize) == 1;
    if (ok && !inner.isEmpty()) {
        ok = EVP_EncryptUpdate(context, out, &written,
                               reinterpret_cast<const unsigned char *>(inner.constData()), int(inner.size())) == 1;
    }
    ok = ok && EVP_EncryptFinal_ex(context, out + inner.size(), &written) == 1
        && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, int(FrameTagSize), out + inner.size()) == 1;
    EVP_CIPHER_CTX_free(context);
    if (!ok)
        fail("OpenSSL failed to seal a test frame");
    return frame;
}

void checkFailure(FrameOpener::Result result, const QByteArray &payload, quint64 before,
                  const FrameOpener &opener)
{
    if (result == FrameOpener::Result::Ok)
        return;
    if (!payload.isEmpty())
        fail("a failed open() left bytes in the payload");
    if (opener.expectedSequence() != before)
        fail("a failed open() changed the expected sequence number");
}

// An opened payload must come back unchanged through every kind of sealing.
void checkReseal(const QByteArray &payload, qint64 threshold)
{
    QByteArray back;
    {
        FrameSealer sealer(threshold, QByteArray());
        FrameOpener opener(-1, QByteArray());
        const QByteArray frame = sealer.seal(payload);
        if (frame.isNull())
            fail("sealing a payload without a key failed");
        if (opener.open(frame, &back) != FrameOpener::Result::Ok || back != payload)
            fail("payload does not survive seal/open without a key", frame.toHex());
    }
    {
        FrameSealer sealer(threshold, fuzzKey());
        FrameOpener opener(payload.size(), fuzzKey());
        for (int round = 0; round < 2; ++round) { // the second frame has sequence number 1
            const QByteArray frame = sealer.seal(payload);
            if (frame.isNull())
                fail("sealing a payload with a key failed");
            if (opener.open(frame, &back) != FrameOpener::Result::Ok || back != payload)
                fail("payload does not survive seal/open with a key", frame.toHex());
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    BurrowFuzz::ensureApplication();
    if (size < 1)
        return 0;
    const int mode = data[0] & 3;
    const qint64 threshold = (data[0] & 4) ? 0 : -1;
    const bool keyed = mode == 1 || mode == 2;
    const qint64 maxMessageSize = mode == 3 ? 64 * 1024 : 1024;
    const QByteArray input = BurrowFuzz::bytes(data + 1, size - 1);
    const QByteArray separator("\n--\n");

    FrameOpener opener(maxMessageSize, keyed ? fuzzKey() : QByteArray());
    if (!opener.isValid())
        fail("opener with a valid key is invalid");

    qsizetype from = 0;
    for (int count = 0; count < 64; ++count) {
        const qsizetype at = input.indexOf(separator, from);
        const QByteArray piece = input.mid(from, at < 0 ? -1 : at - from);

        // The HELLO frame and the LZ4 primitive see every piece as it is.
        QByteArray nonce, proof;
        if (PreSharedKey::decodeHello(piece, &nonce, &proof)) {
            if (nonce.size() != HandshakeNonceSize || proof.size() != HandshakeProofSize
                || PreSharedKey::encodeHello(nonce, proof) != piece) {
                fail("decodeHello() accepted a frame encodeHello() does not produce", piece.toHex());
            }
        } else if (piece.size() == HelloFrameSize && quint8(piece[0]) == FrameFlag::Hello
                   && quint8(piece[1]) == HandshakeVersion) {
            fail("decodeHello() refused a well-formed HELLO", piece.toHex());
        }
        if (piece.size() >= 4) {
            QByteArray out("stale");
            const quint32 declared = qFromBigEndian<quint32>(piece.constData());
            if (lz4Decompress(QByteArrayView(piece).sliced(4), qMin<qint64>(declared, 1 << 16), &out)) {
                if (out.size() != qMin<qint64>(declared, 1 << 16))
                    fail("lz4Decompress() returned another size than declared");
            } else if (!out.isEmpty()) {
                fail("a failed lz4Decompress() left bytes in the output");
            }
        }

        QByteArray frame = piece;
        quint8 flags = piece.isEmpty() ? 0 : quint8(piece[0]);
        bool sequenceRight = false;
        if (mode == 2) {
            if (piece.size() < 2)
                break;
            const quint8 offset = quint8(piece[1]);
            // 0: the expected one; 1..127: ahead; 128..255: behind (replays)
            const quint64 sequence = offset < 128 ? opener.expectedSequence() + offset
                                                  : opener.expectedSequence() - (offset - 127);
            sequenceRight = offset == 0;
            frame = sealRaw(flags, sequence, piece.mid(2));
        }

        const quint64 before = opener.expectedSequence();
        QByteArray payload("stale");
        QString error;
        const FrameOpener::Result result = opener.open(frame, &payload, &error);
        checkFailure(result, payload, before, opener);
        if (result != FrameOpener::Result::Ok && error.isEmpty())
            fail("a failed open() gave no reason");

        // The verdict the format prescribes.
        const bool flagsOk = !frame.isEmpty() && !(flags & ~FrameFlag::Known) && !(flags & FrameFlag::Hello)
            && bool(flags & FrameFlag::Encrypted) == keyed;
        if (!flagsOk && result != FrameOpener::Result::Malformed)
            fail("bad flags not refused as Malformed", frame.toHex());
        if (flagsOk && mode == 1 && result == FrameOpener::Result::Ok)
            fail("an unauthenticated frame opened", frame.toHex());
        if (flagsOk && mode == 2) {
            if (!sequenceRight && frame.size() >= 1 + FrameSequenceSize + FrameTagSize
                && result != FrameOpener::Result::OutOfSequence && result != FrameOpener::Result::TooLarge) {
                fail("an authentic frame out of sequence was not refused as OutOfSequence", frame.toHex());
            }
            if (sequenceRight && result == FrameOpener::Result::AuthenticationFailed)
                fail("an authentic frame failed authentication", frame.toHex());
            if (result == FrameOpener::Result::Ok && opener.expectedSequence() != before + 1)
                fail("the expected sequence did not advance after an authentic frame");
        }
        if (flagsOk && !(flags & FrameFlag::Compressed)) {
            const QByteArray inner = mode == 2 ? piece.mid(2) : frame.mid(1);
            if (result == FrameOpener::Result::Ok && payload != inner)
                fail("an uncompressed frame opened to other bytes", frame.toHex());
            if (!keyed) {
                const bool fits = inner.size() <= maxMessageSize;
                if (fits != (result == FrameOpener::Result::Ok))
                    fail("size limit of an uncompressed frame applied wrongly", frame.toHex());
            }
        }
        if (result == FrameOpener::Result::Ok) {
            if (payload.size() > maxMessageSize)
                fail("open() returned a payload over maxMessageSize");
            checkReseal(payload, threshold);
        }

        if (at < 0)
            break;
        from = at + separator.size();
    }
    return 0;
}
