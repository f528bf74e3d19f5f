#include "frameprotection_p.h"

#include <QtCore/QtEndian>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <lz4.h>

#include <climits>
#include <cstring>
#include <limits>

namespace Burrow {

namespace {

constexpr int GcmIvSize = 12;
constexpr qsizetype EncryptedOverhead = 1 + FrameSequenceSize + FrameTagSize;
// EVP_*Update takes an int length; bigger buffers are fed in chunks of this size.
constexpr qsizetype CipherChunk = 1 << 30;

const char AuthInfo[] = "burrow v1 auth";
const char ClientProofLabel[] = "burrow v1 client";
const char ServerProofLabel[] = "burrow v1 server";
const char ClientToServerInfo[] = "burrow v1 client to server";
const char ServerToClientInfo[] = "burrow v1 server to client";

const uchar *bytes(QByteArrayView view)
{
    return reinterpret_cast<const uchar *>(view.data());
}

uchar *bytes(char *data)
{
    return reinterpret_cast<uchar *>(data);
}

// 00 00 00 00 || sequence (big-endian)
void makeIv(quint64 sequence, uchar iv[GcmIvSize])
{
    std::memset(iv, 0, 4);
    qToBigEndian<quint64>(sequence, iv + 4);
}

// The provider's AES-256-GCM, fetched once: EVP_aes_256_gcm() would make every context set-up
// fetch it again by name. Never freed (process-wide, like OpenSSL's own tables).
const EVP_CIPHER *aes256Gcm()
{
    static EVP_CIPHER *const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    return cipher;
}

// Sets or reads the GCM tag through the provider's parameters: EVP_CIPHER_CTX_ctrl() would
// translate the call into the same parameters at several times the cost.
bool setTag(EVP_CIPHER_CTX *context, uchar *tag)
{
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, size_t(FrameTagSize)),
        OSSL_PARAM_construct_end(),
    };
    return EVP_CIPHER_CTX_set_params(context, params) == 1;
}

bool getTag(EVP_CIPHER_CTX *context, uchar *tag)
{
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, size_t(FrameTagSize)),
        OSSL_PARAM_construct_end(),
    };
    return EVP_CIPHER_CTX_get_params(context, params) == 1;
}

// Creates a context holding the AES-256-GCM key schedule; per frame only the IV is set.
detail::CipherContextPointer makeContext(const QByteArray &key, bool encrypt)
{
    const EVP_CIPHER *cipher = aes256Gcm();
    if (!cipher)
        return {};
    detail::CipherContextPointer context(EVP_CIPHER_CTX_new());
    if (!context)
        return {};
    const int ok = encrypt
        ? EVP_EncryptInit_ex(context.get(), cipher, nullptr, bytes(key), nullptr)
        : EVP_DecryptInit_ex(context.get(), cipher, nullptr, bytes(key), nullptr);
    // The default GCM IV length is 12 bytes, which is what the envelope uses.
    if (ok != 1 || EVP_CIPHER_CTX_get_iv_length(context.get()) != GcmIvSize)
        return {};
    return context;
}

// In-place safe (out may equal in).
bool cipherUpdate(EVP_CIPHER_CTX *context, bool encrypt, const uchar *in, qsizetype size, uchar *out)
{
    while (size > 0) {
        const int chunk = int(qMin(size, CipherChunk));
        int written = 0;
        const int ok = encrypt ? EVP_EncryptUpdate(context, out, &written, in, chunk)
                               : EVP_DecryptUpdate(context, out, &written, in, chunk);
        if (ok != 1 || written != chunk) // GCM is a stream mode: output == input
            return false;
        in += chunk;
        out += chunk;
        size -= chunk;
    }
    return true;
}

QString hexByte(quint8 value)
{
    return QStringLiteral("0x%1").arg(value, 2, 16, QLatin1Char('0'));
}

} // namespace

void detail::Lz4StreamDeleter::operator()(LZ4_stream_u *stream) const
{
    LZ4_freeStream(stream);
}

void detail::CipherContextDeleter::operator()(evp_cipher_ctx_st *context) const
{
    EVP_CIPHER_CTX_free(context);
}

// --- LZ4 ------------------------------------------------------------------------------------

QByteArray lz4Compress(QByteArrayView data)
{
    if (data.size() > LZ4_MAX_INPUT_SIZE)
        return {};
    const int bound = LZ4_compressBound(int(data.size()));
    QByteArray out(bound, Qt::Uninitialized);
    const int size = LZ4_compress_default(data.data(), out.data(), int(data.size()), bound);
    if (size <= 0)
        return {};
    out.truncate(size);
    return out;
}

bool lz4Decompress(QByteArrayView block, qint64 originalSize, QByteArray *out)
{
    out->clear();
    // LZ4 blocks and their outputs are bounded by int; reject before allocating.
    if (originalSize < 0 || originalSize > INT_MAX || block.size() > INT_MAX || block.isEmpty())
        return false;
    QByteArray result(qsizetype(originalSize), Qt::Uninitialized);
    const int size = LZ4_decompress_safe(block.data(), result.data(), int(block.size()),
                                         int(originalSize));
    if (size != originalSize)
        return false;
    *out = std::move(result);
    return true;
}

// --- Primitives -----------------------------------------------------------------------------

QByteArray hkdfSha256(QByteArrayView key, QByteArrayView salt, QByteArrayView info, qsizetype length)
{
    if (key.isEmpty() || length <= 0)
        return {};
    struct KdfDeleter { void operator()(EVP_KDF *kdf) const { EVP_KDF_free(kdf); } };
    struct KdfContextDeleter { void operator()(EVP_KDF_CTX *context) const { EVP_KDF_CTX_free(context); } };
    std::unique_ptr<EVP_KDF, KdfDeleter> kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr));
    if (!kdf)
        return {};
    std::unique_ptr<EVP_KDF_CTX, KdfContextDeleter> context(EVP_KDF_CTX_new(kdf.get()));
    if (!context)
        return {};

    char digest[] = "SHA256";
    OSSL_PARAM params[5];
    OSSL_PARAM *p = params;
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char *>(key.data()),
                                             size_t(key.size()));
    // No salt parameter = HashLen zero bytes (RFC 5869 2.2), which is also what HMAC makes of
    // an empty key: the two spellings of "salt = empty" derive the same keys.
    if (!salt.isEmpty())
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char *>(salt.data()),
                                                 size_t(salt.size()));
    if (!info.isEmpty())
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char *>(info.data()),
                                                 size_t(info.size()));
    *p = OSSL_PARAM_construct_end();

    QByteArray out(length, Qt::Uninitialized);
    if (EVP_KDF_derive(context.get(), bytes(out.data()), size_t(length), params) != 1)
        return {};
    return out;
}

QByteArray hmacSha256(QByteArrayView key, QByteArrayView data)
{
    QByteArray out(HandshakeProofSize, Qt::Uninitialized);
    size_t written = 0;
    // EVP_Q_mac accepts a null key pointer only with length 0; give it a valid one.
    static const char empty = 0;
    const char *keyData = key.isEmpty() ? &empty : key.data();
    if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, keyData, size_t(key.size()),
                   bytes(data), size_t(data.size()), bytes(out.data()), size_t(out.size()), &written)
        || written != size_t(HandshakeProofSize)) {
        return {};
    }
    return out;
}

// --- PreSharedKey ---------------------------------------------------------------------------

PreSharedKey::PreSharedKey(const QByteArray &key)
    : m_key(key)
{
    if (!m_key.isEmpty())
        m_authKey = hkdfSha256(m_key, {}, AuthInfo, FrameKeySize);
}

QByteArray PreSharedKey::randomNonce()
{
    QByteArray nonce(HandshakeNonceSize, Qt::Uninitialized);
    if (RAND_bytes(bytes(nonce.data()), int(nonce.size())) != 1)
        return {};
    return nonce;
}

QByteArray PreSharedKey::clientProof(const QByteArray &nonceC) const
{
    if (m_authKey.isEmpty() || nonceC.size() != HandshakeNonceSize)
        return {};
    return hmacSha256(m_authKey, QByteArray(ClientProofLabel) + nonceC);
}

bool PreSharedKey::verifyClientProof(const QByteArray &nonceC, const QByteArray &proof) const
{
    const QByteArray expected = clientProof(nonceC);
    return expected.size() == HandshakeProofSize && proof.size() == HandshakeProofSize
        && CRYPTO_memcmp(expected.constData(), proof.constData(), size_t(HandshakeProofSize)) == 0;
}

QByteArray PreSharedKey::serverProof(const QByteArray &nonceC, const QByteArray &nonceS) const
{
    if (m_authKey.isEmpty() || nonceC.size() != HandshakeNonceSize
        || nonceS.size() != HandshakeNonceSize) {
        return {};
    }
    return hmacSha256(m_authKey, QByteArray(ServerProofLabel) + nonceC + nonceS);
}

bool PreSharedKey::verifyServerProof(const QByteArray &nonceC, const QByteArray &nonceS,
                                     const QByteArray &proof) const
{
    const QByteArray expected = serverProof(nonceC, nonceS);
    return expected.size() == HandshakeProofSize && proof.size() == HandshakeProofSize
        && CRYPTO_memcmp(expected.constData(), proof.constData(), size_t(HandshakeProofSize)) == 0;
}

PreSharedKey::SessionKeys PreSharedKey::sessionKeys(const QByteArray &nonceC,
                                                    const QByteArray &nonceS) const
{
    if (isNull() || nonceC.size() != HandshakeNonceSize || nonceS.size() != HandshakeNonceSize)
        return {};
    const QByteArray salt = nonceC + nonceS;
    SessionKeys keys;
    keys.clientToServer = hkdfSha256(m_key, salt, ClientToServerInfo, FrameKeySize);
    keys.serverToClient = hkdfSha256(m_key, salt, ServerToClientInfo, FrameKeySize);
    if (keys.clientToServer.isEmpty() || keys.serverToClient.isEmpty())
        return {};
    return keys;
}

QByteArray PreSharedKey::encodeHello(const QByteArray &nonceS, const QByteArray &proofS)
{
    if (nonceS.size() != HandshakeNonceSize || proofS.size() != HandshakeProofSize)
        return {};
    QByteArray frame;
    frame.reserve(HelloFrameSize);
    frame.append(char(FrameFlag::Hello));
    frame.append(char(HandshakeVersion));
    frame.append(nonceS);
    frame.append(proofS);
    return frame;
}

bool PreSharedKey::decodeHello(QByteArrayView frame, QByteArray *nonceS, QByteArray *proofS)
{
    if (frame.size() != HelloFrameSize || quint8(frame[0]) != FrameFlag::Hello
        || quint8(frame[1]) != HandshakeVersion) {
        return false;
    }
    if (nonceS)
        *nonceS = frame.sliced(2, HandshakeNonceSize).toByteArray();
    if (proofS)
        *proofS = frame.sliced(2 + HandshakeNonceSize, HandshakeProofSize).toByteArray();
    return true;
}

// --- FrameSealer ----------------------------------------------------------------------------

FrameSealer::FrameSealer(qint64 compressionThreshold, const QByteArray &key)
    : m_compressionThreshold(compressionThreshold)
{
    if (!key.isEmpty()) {
        if (key.size() == FrameKeySize)
            m_context = makeContext(key, true);
        m_valid = bool(m_context);
    }
}

FrameSealer::FrameSealer(FrameSealer &&other) noexcept = default;
FrameSealer &FrameSealer::operator=(FrameSealer &&other) noexcept = default;
FrameSealer::~FrameSealer() = default;

QByteArray FrameSealer::seal(QByteArrayView payload)
{
    if (!m_valid)
        return {};
    const bool encrypt = bool(m_context);
    // The last sequence number is never used, so that a counter at its maximum means "spent"
    // rather than wrapping around to a nonce already used with this key.
    if (encrypt && m_sequence == std::numeric_limits<quint64>::max())
        return {};

    const qsizetype header = encrypt ? 1 + FrameSequenceSize : 1;
    const qsizetype trailer = encrypt ? FrameTagSize : 0;
    quint8 flags = encrypt ? FrameFlag::Encrypted : 0;
    QByteArray frame;
    qsizetype innerSize = 0;

    const bool tryCompression = m_compressionThreshold >= 0 && payload.size() >= m_compressionThreshold
        && payload.size() > FrameLengthPrefixSize && payload.size() <= LZ4_MAX_INPUT_SIZE
        && payload.size() <= qsizetype(std::numeric_limits<quint32>::max());
    if (tryCompression) {
        // Compress straight into the frame, behind the header and the length prefix.
        const int bound = LZ4_compressBound(int(payload.size()));
        frame.resize(header + FrameLengthPrefixSize + bound + trailer);
        char *block = frame.data() + header + FrameLengthPrefixSize;
        if (!m_lz4)
            m_lz4.reset(LZ4_createStream());
        int blockSize = 0;
        if (m_lz4) {
            // A reset stream has no dictionary: the block is independent, as with
            // LZ4_compress_default() (acceleration 1 is its default too).
            LZ4_resetStream_fast(m_lz4.get());
            blockSize = LZ4_compress_fast_continue(m_lz4.get(), payload.data(), block, int(payload.size()), bound, 1);
        }
        if (blockSize > 0 && FrameLengthPrefixSize + blockSize < payload.size()) {
            qToBigEndian<quint32>(quint32(payload.size()), frame.data() + header);
            flags |= FrameFlag::Compressed;
            innerSize = FrameLengthPrefixSize + blockSize;
        }
    }
    if (!(flags & FrameFlag::Compressed)) {
        innerSize = payload.size();
        frame.resize(header + innerSize + trailer);
        if (!encrypt && innerSize > 0) // encryption writes the ciphertext straight from the payload
            std::memcpy(frame.data() + header, payload.data(), size_t(innerSize));
    }
    frame.resize(header + innerSize + trailer); // drops the unused part of the LZ4 bound
    frame[0] = char(flags);
    if (!encrypt)
        return frame;

    qToBigEndian<quint64>(m_sequence, frame.data() + 1);
    uchar iv[GcmIvSize];
    makeIv(m_sequence, iv);
    EVP_CIPHER_CTX *context = m_context.get();
    uchar *out = bytes(frame.data()) + header;
    const uchar *in = (flags & FrameFlag::Compressed) ? out : bytes(payload);
    int written = 0;
    if (EVP_EncryptInit_ex(context, nullptr, nullptr, nullptr, iv) != 1
        || EVP_EncryptUpdate(context, nullptr, &written, bytes(frame), int(header)) != 1 // AAD
        || !cipherUpdate(context, true, in, innerSize, out)
        || EVP_EncryptFinal_ex(context, out + innerSize, &written) != 1 || written != 0
        || !getTag(context, out + innerSize)) {
        return {};
    }
    ++m_sequence;
    return frame;
}

// --- FrameOpener ----------------------------------------------------------------------------

FrameOpener::FrameOpener(qint64 maxMessageSize, const QByteArray &key)
    : m_maxMessageSize(maxMessageSize)
{
    if (!key.isEmpty()) {
        if (key.size() == FrameKeySize)
            m_context = makeContext(key, false);
        m_valid = bool(m_context);
    }
}

FrameOpener::FrameOpener(FrameOpener &&other) noexcept = default;
FrameOpener &FrameOpener::operator=(FrameOpener &&other) noexcept = default;
FrameOpener::~FrameOpener() = default;

const char *FrameOpener::resultName(Result result)
{
    switch (result) {
    case Result::Ok: return "Ok";
    case Result::Malformed: return "Malformed";
    case Result::TooLarge: return "TooLarge";
    case Result::AuthenticationFailed: return "AuthenticationFailed";
    case Result::OutOfSequence: return "OutOfSequence";
    case Result::DecompressionFailed: return "DecompressionFailed";
    }
    return "Unknown";
}

FrameOpener::Result FrameOpener::fail(Result result, const QString &message, QByteArray *payload,
                                      QString *errorString)
{
    payload->clear();
    if (errorString)
        *errorString = message;
    return result;
}

// inner = [original length, uint32 BE][LZ4 block]
FrameOpener::Result FrameOpener::inflate(QByteArrayView inner, QByteArray *payload, QString *errorString)
{
    if (inner.size() < FrameLengthPrefixSize + 1) {
        return fail(Result::Malformed,
                    QStringLiteral("truncated compressed payload: %1 bytes").arg(inner.size()),
                    payload, errorString);
    }
    const quint32 declared = qFromBigEndian<quint32>(inner.data());
    // Before any allocation: a small frame must not make us reserve gigabytes.
    if (m_maxMessageSize >= 0 && qint64(declared) > m_maxMessageSize) {
        return fail(Result::TooLarge,
                    QStringLiteral("compressed payload declares %1 bytes, over the limit of %2 bytes")
                        .arg(declared).arg(m_maxMessageSize),
                    payload, errorString);
    }
    if (!lz4Decompress(inner.sliced(FrameLengthPrefixSize), declared, payload)) {
        return fail(Result::DecompressionFailed,
                    QStringLiteral("LZ4 block (%1 bytes) does not decompress to the declared %2 bytes")
                        .arg(inner.size() - FrameLengthPrefixSize).arg(declared),
                    payload, errorString);
    }
    return Result::Ok;
}

FrameOpener::Result FrameOpener::open(QByteArrayView frame, QByteArray *payload, QString *errorString)
{
    Q_ASSERT(payload);
    if (!m_valid)
        return fail(Result::Malformed, QStringLiteral("frame opener has an invalid key"), payload, errorString);
    if (frame.isEmpty())
        return fail(Result::Malformed, QStringLiteral("empty frame"), payload, errorString);

    const quint8 flags = quint8(frame[0]);
    if (flags & ~FrameFlag::Known) {
        return fail(Result::Malformed,
                    QStringLiteral("unknown flag bits %1 in frame flags %2")
                        .arg(hexByte(flags & ~FrameFlag::Known), hexByte(flags)),
                    payload, errorString);
    }
    if (flags & FrameFlag::Hello) {
        return fail(Result::Malformed, QStringLiteral("unexpected HELLO frame after the handshake"),
                    payload, errorString);
    }
    const bool compressed = flags & FrameFlag::Compressed;
    const bool encrypted = flags & FrameFlag::Encrypted;
    if (encrypted != isEncrypted()) {
        return fail(Result::Malformed,
                    encrypted ? QStringLiteral("encrypted frame on a connection without encryption")
                              : QStringLiteral("unencrypted frame on an encrypted connection"),
                    payload, errorString);
    }

    if (!encrypted) {
        const QByteArrayView inner = frame.sliced(1);
        if (compressed)
            return inflate(inner, payload, errorString);
        if (m_maxMessageSize >= 0 && inner.size() > m_maxMessageSize) {
            return fail(Result::TooLarge,
                        QStringLiteral("payload of %1 bytes, over the limit of %2 bytes")
                            .arg(inner.size()).arg(m_maxMessageSize),
                        payload, errorString);
        }
        *payload = inner.toByteArray();
        return Result::Ok;
    }

    if (frame.size() < EncryptedOverhead) {
        return fail(Result::Malformed,
                    QStringLiteral("truncated encrypted frame: %1 bytes, at least %2 needed")
                        .arg(frame.size()).arg(EncryptedOverhead),
                    payload, errorString);
    }
    const qsizetype header = 1 + FrameSequenceSize;
    const quint64 sequence = qFromBigEndian<quint64>(frame.data() + 1);
    const QByteArrayView ciphertext = frame.sliced(header, frame.size() - EncryptedOverhead);
    const QByteArrayView tag = frame.last(FrameTagSize);
    // An uncompressed payload is as long as its ciphertext: refuse it before decrypting.
    if (!compressed && m_maxMessageSize >= 0 && ciphertext.size() > m_maxMessageSize) {
        return fail(Result::TooLarge,
                    QStringLiteral("payload of %1 bytes, over the limit of %2 bytes")
                        .arg(ciphertext.size()).arg(m_maxMessageSize),
                    payload, errorString);
    }

    // Authenticate first (the sequence number is part of the nonce and of the AAD), so that
    // what is reported about the sequence is known to come from the peer.
    QByteArray plain(ciphertext.size(), Qt::Uninitialized);
    uchar iv[GcmIvSize];
    makeIv(sequence, iv);
    EVP_CIPHER_CTX *context = m_context.get();
    int written = 0;
    uchar expectedTag[FrameTagSize];
    std::memcpy(expectedTag, tag.data(), size_t(FrameTagSize));
    const bool authentic =
        EVP_DecryptInit_ex(context, nullptr, nullptr, nullptr, iv) == 1
        && EVP_DecryptUpdate(context, nullptr, &written, bytes(frame), int(header)) == 1 // AAD
        && cipherUpdate(context, false, bytes(ciphertext), ciphertext.size(), bytes(plain.data()))
        && setTag(context, expectedTag)
        && EVP_DecryptFinal_ex(context, bytes(plain.data()) + plain.size(), &written) == 1;
    if (!authentic) {
        return fail(Result::AuthenticationFailed,
                    QStringLiteral("frame authentication failed (tampered frame or wrong key), sequence field %1")
                        .arg(sequence),
                    payload, errorString);
    }
    if (sequence != m_expectedSequence) {
        return fail(Result::OutOfSequence,
                    QStringLiteral("replayed or reordered frame: sequence %1, expected %2")
                        .arg(sequence).arg(m_expectedSequence),
                    payload, errorString);
    }

    if (compressed) {
        const Result result = inflate(plain, payload, errorString);
        if (result != Result::Ok)
            return result;
    } else {
        *payload = std::move(plain);
    }
    ++m_expectedSequence;
    return Result::Ok;
}

} // namespace Burrow
