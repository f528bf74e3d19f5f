#pragma once

//
//  W A R N I N G
//  -------------
// Private to Burrow::Transport. The symbols are exported (BURROW_TRANSPORT_EXPORT) only so that
// tests/auto/frameprotection can link them; they are not API and may change at any time.
//

#include <Burrow/transportglobal.h>

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>
#include <QtCore/QString>

#include <memory>

// Forward declarations, so that OpenSSL headers stay out of this header.
struct evp_cipher_ctx_st;
union LZ4_stream_u;

namespace Burrow {

// ---------------------------------------------------------------------------------------------
// Envelope of the binary subprotocol (docs/PROTOCOL.md, "Frame protection").
//
//   byte 0   flags: 0x01 compressed, 0x02 encrypted, 0x80 HELLO; any other bit: malformed
//   encrypted: [flags][sequence, uint64 BE][AES-256-GCM ciphertext of the inner bytes][tag 16]
//              nonce = 00 00 00 00 || sequence (8 bytes), AAD = flags || sequence
//   otherwise: [flags][inner bytes]
//   inner:     compressed: [original length, uint32 BE][one LZ4 block]; else the CBOR payload
// ---------------------------------------------------------------------------------------------
namespace FrameFlag {
inline constexpr quint8 Compressed = 0x01;
inline constexpr quint8 Encrypted = 0x02;
inline constexpr quint8 Hello = 0x80;
inline constexpr quint8 Known = Compressed | Encrypted | Hello;
} // namespace FrameFlag

inline constexpr qsizetype FrameSequenceSize = 8;
inline constexpr qsizetype FrameTagSize = 16;            // GCM tag
inline constexpr qsizetype FrameKeySize = 32;            // AES-256
inline constexpr qsizetype FrameLengthPrefixSize = 4;    // original length of a compressed payload
inline constexpr qsizetype HandshakeNonceSize = 16;
inline constexpr qsizetype HandshakeProofSize = 32;      // HMAC-SHA256
inline constexpr quint8 HandshakeVersion = 1;
inline constexpr qsizetype HelloFrameSize = 2 + HandshakeNonceSize + HandshakeProofSize; // 50

// One LZ4 block (LZ4_compress_default). Returns a null QByteArray when the input is larger
// than LZ4 accepts (LZ4_MAX_INPUT_SIZE, about 2 GB).
BURROW_TRANSPORT_EXPORT QByteArray lz4Compress(QByteArrayView data);
// Decodes one LZ4 block that must expand to exactly originalSize bytes. The caller bounds
// originalSize (it is allocated up front). On failure *out is cleared and false returned.
BURROW_TRANSPORT_EXPORT bool lz4Decompress(QByteArrayView block, qint64 originalSize, QByteArray *out);

// The primitives, exposed for the known-answer tests. Both return a null QByteArray on failure
// (for example an empty HKDF key, which OpenSSL refuses).
// HKDF-SHA256 (RFC 5869); an empty salt means HashLen zero bytes, as in the RFC.
BURROW_TRANSPORT_EXPORT QByteArray hkdfSha256(QByteArrayView key, QByteArrayView salt,
                                              QByteArrayView info, qsizetype length);
BURROW_TRANSPORT_EXPORT QByteArray hmacSha256(QByteArrayView key, QByteArrayView data);

// Handshake maths for the pre-shared key (docs/PROTOCOL.md, "Key handshake"). Cheap to copy;
// holds the key and the derived authentication key, immutable, so usable from any thread.
//
//   authKey = HKDF-SHA256(PSK, salt = "", info = "burrow v1 auth", 32)
//   proofC  = HMAC-SHA256(authKey, "burrow v1 client" || nonceC)           (upgrade headers)
//   proofS  = HMAC-SHA256(authKey, "burrow v1 server" || nonceC || nonceS) (HELLO frame)
//   keys    = HKDF-SHA256(PSK, salt = nonceC || nonceS,
//                         info = "burrow v1 client to server" / "burrow v1 server to client", 32)
class BURROW_TRANSPORT_EXPORT PreSharedKey
{
public:
    PreSharedKey() = default;
    explicit PreSharedKey(const QByteArray &key);

    // True for an empty key: no encryption. Every proof of a null key is empty and never verifies.
    bool isNull() const { return m_key.isEmpty(); }

    // HandshakeNonceSize bytes from RAND_bytes; a null QByteArray if the OpenSSL generator
    // fails, and the handshake must then be abandoned (the proofs and keys of a null nonce are
    // empty, so it cannot go on by accident).
    static QByteArray randomNonce();

    // Empty for a null key or a nonce that is not HandshakeNonceSize bytes.
    QByteArray clientProof(const QByteArray &nonceC) const;
    // Constant-time (CRYPTO_memcmp). False for a nonce or a proof of the wrong size.
    bool verifyClientProof(const QByteArray &nonceC, const QByteArray &proof) const;
    QByteArray serverProof(const QByteArray &nonceC, const QByteArray &nonceS) const;
    bool verifyServerProof(const QByteArray &nonceC, const QByteArray &nonceS,
                           const QByteArray &proof) const;

    struct SessionKeys
    {
        QByteArray clientToServer; // FrameKeySize bytes: client's sealer, server's opener
        QByteArray serverToClient; // FrameKeySize bytes: server's sealer, client's opener
    };
    // Both empty for a null key or nonces of the wrong size.
    SessionKeys sessionKeys(const QByteArray &nonceC, const QByteArray &nonceS) const;

    // HELLO frame: [0x80][0x01][nonceS, 16][proofS, 32]. Never encrypted nor compressed.
    static QByteArray encodeHello(const QByteArray &nonceS, const QByteArray &proofS);
    // False unless the frame is exactly a version-1 HELLO (size, flags byte, version).
    static bool decodeHello(QByteArrayView frame, QByteArray *nonceS, QByteArray *proofS);

private:
    QByteArray m_key;
    QByteArray m_authKey;
};

namespace detail {
struct BURROW_TRANSPORT_EXPORT CipherContextDeleter
{
    void operator()(evp_cipher_ctx_st *context) const;
};
using CipherContextPointer = std::unique_ptr<evp_cipher_ctx_st, CipherContextDeleter>;
struct BURROW_TRANSPORT_EXPORT Lz4StreamDeleter
{
    void operator()(LZ4_stream_u *stream) const;
};
using Lz4StreamPointer = std::unique_ptr<LZ4_stream_u, Lz4StreamDeleter>;
} // namespace detail

// Builds envelopes for one direction of one connection. Keeps its AES-256-GCM context (the key
// schedule is computed once; each frame only sets its IV). Not thread-safe: the connection
// serialises the frames of a direction anyway, since the sequence numbers must follow the
// order in which frames hit the wire. Move-only.
class BURROW_TRANSPORT_EXPORT FrameSealer
{
public:
    // compressionThreshold: payloads at least this large are LZ4-compressed when that makes
    // the frame smaller; < 0 never compresses. key: FrameKeySize bytes, or empty for no
    // encryption; a key of any other size makes the sealer invalid.
    FrameSealer(qint64 compressionThreshold, const QByteArray &key);
    FrameSealer(FrameSealer &&other) noexcept;
    FrameSealer &operator=(FrameSealer &&other) noexcept;
    ~FrameSealer();

    bool isValid() const { return m_valid; }
    bool isEncrypted() const { return bool(m_context); }
    // Sequence number of the next encrypted frame (starts at 0).
    quint64 nextSequence() const { return m_sequence; }

    // The envelope for one payload. Returns a null QByteArray on failure (invalid sealer,
    // payload over 4 GiB, OpenSSL failure, exhausted sequence space); the caller must then
    // close the connection. A failed seal() does not consume a sequence number.
    QByteArray seal(QByteArrayView payload);

private:
    qint64 m_compressionThreshold;
    quint64 m_sequence = 0;
    detail::CipherContextPointer m_context;
    // Created at the first compressed frame and only reset (cheaply) for the next ones:
    // LZ4_compress_default() clears a 16 KiB state on every call.
    detail::Lz4StreamPointer m_lz4;
    bool m_valid = true;
};

// Opens envelopes for one direction of one connection: checks the flags, the GCM tag, the
// sequence number (exactly the next one expected: no replay, no reordering, no gap), and the
// size limit before any allocation for a compressed payload. Not thread-safe. Move-only.
//
// Any result other than Ok leaves the opener's state unchanged, but the stream is not
// trustworthy any more: the caller must close the connection (1009 for TooLarge, 1002 or 1008
// otherwise).
class BURROW_TRANSPORT_EXPORT FrameOpener
{
public:
    enum class Result {
        Ok,
        Malformed,            // unknown flag bits, HELLO frame, truncated frame, encryption mismatch
        TooLarge,             // payload (or declared original length) over maxMessageSize
        AuthenticationFailed, // GCM tag mismatch: tampering or wrong key
        OutOfSequence,        // authentic, but replayed, reordered or after a gap
        DecompressionFailed,  // LZ4 block invalid or not exactly the declared length
    };

    // maxMessageSize: largest payload accepted, after decompression; < 0: no limit. key as for
    // FrameSealer.
    FrameOpener(qint64 maxMessageSize, const QByteArray &key);
    FrameOpener(FrameOpener &&other) noexcept;
    FrameOpener &operator=(FrameOpener &&other) noexcept;
    ~FrameOpener();

    bool isValid() const { return m_valid; }
    bool isEncrypted() const { return bool(m_context); }
    // Sequence number the next encrypted frame must carry.
    quint64 expectedSequence() const { return m_expectedSequence; }

    // On Ok, *payload holds the payload. Otherwise *payload is cleared (no unauthenticated
    // plaintext ever leaves) and *errorString (if given) says why.
    Result open(QByteArrayView frame, QByteArray *payload, QString *errorString = nullptr);

    static const char *resultName(Result result);

private:
    Result fail(Result result, const QString &message, QByteArray *payload, QString *errorString);
    Result inflate(QByteArrayView inner, QByteArray *payload, QString *errorString);

    qint64 m_maxMessageSize;
    quint64 m_expectedSequence = 0;
    detail::CipherContextPointer m_context;
    bool m_valid = true;
};

} // namespace Burrow
