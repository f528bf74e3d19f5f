// Frame protection of the binary subprotocol (frameprotection_p.h): LZ4 compression,
// AES-256-GCM envelopes with sequence numbers, and the pre-shared-key handshake maths.

#include "frameprotection_p.h"

#include <QtCore/QFile>
#include <QtCore/QRandomGenerator>
#include <QtCore/QtEndian>
#include <QtTest/QTest>

#include <cstdlib>
#include <new>

#if defined(Q_OS_LINUX)
#  include <sys/resource.h>
#  include <unistd.h>
#endif

using namespace Burrow;
using Result = FrameOpener::Result;

Q_DECLARE_METATYPE(Burrow::FrameOpener::Result)

namespace QTest {
template<>
char *toString(const Burrow::FrameOpener::Result &result)
{
    return qstrdup(FrameOpener::resultName(result));
}
} // namespace QTest

namespace {

constexpr qsizetype KiB = 1024;
constexpr qsizetype MiB = 1024 * KiB;
constexpr qint64 DefaultMax = 16 * MiB;

// Looks like a batch of RPC answers: repeated records with strings and numbers.
QByteArray compressiblePayload(qsizetype size)
{
    QByteArray out;
    out.reserve(size + 128);
    for (int i = 0; out.size() < size; ++i) {
        out += "\xa5\x62id\x1a" + QByteArray::number(i * 7919) + "\x64name\x6cuser-"
            + QByteArray::number(i % 97) + "\x65" "email\x72user@example.com\x65price\xfb"
            + QByteArray::number(i * 1.25) + "\x66" "active\xf5";
    }
    out.truncate(size);
    return out;
}

QByteArray randomPayload(qsizetype size, quint32 seed = 42)
{
    QList<quint32> words((size + 3) / 4);
    QRandomGenerator(seed).fillRange(words.data(), words.size());
    return QByteArray(reinterpret_cast<const char *>(words.constData()), size);
}

QByteArray key(char fill)
{
    return QByteArray(FrameKeySize, fill);
}

quint8 flagsOf(const QByteArray &frame)
{
    return frame.isEmpty() ? 0 : quint8(frame[0]);
}

// An unencrypted compressed frame with an arbitrary declared length and block.
QByteArray compressedFrame(quint32 declaredLength, const QByteArray &block)
{
    QByteArray frame(1 + FrameLengthPrefixSize, Qt::Uninitialized);
    frame[0] = char(FrameFlag::Compressed);
    qToBigEndian<quint32>(declaredLength, frame.data() + 1);
    return frame + block;
}

// Lowers the address-space limit of the process, so that a multi-gigabyte allocation fails
// instead of silently succeeding (Linux overcommits). Restored on destruction.
class AddressSpaceLimit
{
public:
    explicit AddressSpaceLimit(qint64 headroom)
    {
#if defined(Q_OS_LINUX) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
        QFile statm(QStringLiteral("/proc/self/statm"));
        if (!statm.open(QIODevice::ReadOnly) || getrlimit(RLIMIT_AS, &m_saved) != 0)
            return;
        const qint64 pages = statm.readAll().split(' ').value(0).toLongLong();
        const qint64 current = pages * sysconf(_SC_PAGESIZE);
        if (current <= 0)
            return;
        rlimit limit = m_saved;
        limit.rlim_cur = rlim_t(current + headroom);
        if (m_saved.rlim_max != RLIM_INFINITY && limit.rlim_cur > m_saved.rlim_max)
            return;
        m_active = setrlimit(RLIMIT_AS, &limit) == 0;
#else
        Q_UNUSED(headroom);
#endif
    }
    ~AddressSpaceLimit()
    {
#if defined(Q_OS_LINUX)
        if (m_active)
            setrlimit(RLIMIT_AS, &m_saved);
#endif
    }
    bool isActive() const { return m_active; }

private:
    bool m_active = false;
#if defined(Q_OS_LINUX)
    rlimit m_saved {};
#endif
};

} // namespace

class tst_FrameProtection : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
    void compressionShrinksCompressibleData();
    void compressionSkipsIncompressibleData();
    void compressionThreshold();
    void encryptedFrameLayout();
    void bitFlipsNeverOpen_data();
    void bitFlipsNeverOpen();
    void truncatedEncryptedFramesNeverOpen();
    void replayedFrame();
    void swappedFrames();
    void wrongKey();
    void directionKeysAreNotInterchangeable();
    void declaredLengthOverLimit();
    void declaredLengthOverLimitDoesNotAllocate();
    void payloadOverLimit();
    void garbageLz4();
    void unknownFlagBits();
    void helloFrameIsNotData();
    void encryptionMismatch();
    void invalidKeys();
    void movedSealerAndOpenerKeepTheirSequence();
    void lz4Helpers();
    void rfc5869KnownAnswers();
    void rfc4231HmacKnownAnswer();
    void proofs();
    void sessionKeys();
    void protocolTestVectors();
    void hello();
    void fullHandshake();
};

void tst_FrameProtection::roundTrip_data()
{
    QTest::addColumn<qsizetype>("size");
    QTest::addColumn<bool>("random");
    QTest::addColumn<bool>("compression");
    QTest::addColumn<bool>("encryption");
    for (qsizetype size : {qsizetype(0), KiB, 8 * MiB}) {
        for (bool random : {false, true}) {
            if (size == 0 && random)
                continue;
            for (bool compression : {false, true}) {
                for (bool encryption : {false, true}) {
                    const QByteArray name = QByteArray::number(size) + (random ? " random" : " text")
                        + (compression ? " lz4" : " plain") + (encryption ? " aes" : " clear");
                    QTest::newRow(name.constData()) << size << random << compression << encryption;
                }
            }
        }
    }
}

void tst_FrameProtection::roundTrip()
{
    QFETCH(qsizetype, size);
    QFETCH(bool, random);
    QFETCH(bool, compression);
    QFETCH(bool, encryption);

    const QByteArray k = encryption ? key('k') : QByteArray();
    FrameSealer sealer(compression ? 0 : -1, k);
    FrameOpener opener(DefaultMax, k);
    QVERIFY(sealer.isValid());
    QVERIFY(opener.isValid());
    QCOMPARE(sealer.isEncrypted(), encryption);
    QCOMPARE(opener.isEncrypted(), encryption);

    // Several frames per direction, so that sequence numbers advance.
    for (int i = 0; i < 3; ++i) {
        QByteArray payload = random ? randomPayload(size, quint32(i + 1)) : compressiblePayload(size);
        if (!payload.isEmpty())
            payload[0] = char(i);
        const QByteArray frame = sealer.seal(payload);
        QVERIFY(!frame.isNull());
        const quint8 flags = flagsOf(frame);
        QCOMPARE(bool(flags & FrameFlag::Encrypted), encryption);
        const bool expectCompressed = compression && !random && size > 0;
        QCOMPARE(bool(flags & FrameFlag::Compressed), expectCompressed);
        if (expectCompressed)
            QVERIFY2(frame.size() < payload.size(), QByteArray::number(frame.size()).constData());
        if (encryption) {
            QCOMPARE(qFromBigEndian<quint64>(frame.constData() + 1), quint64(i));
            if (!expectCompressed) {
                QCOMPARE(frame.size(), payload.size() + 1 + FrameSequenceSize + FrameTagSize);
                if (size >= KiB) // ciphertext differs from the plaintext
                    QVERIFY(!frame.contains(payload.first(64)));
            }
        } else if (!expectCompressed) {
            QCOMPARE(frame.size(), payload.size() + 1);
        }

        QByteArray opened;
        QString error;
        QCOMPARE(opener.open(frame, &opened, &error), Result::Ok);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(opened.size(), payload.size());
        QVERIFY(opened == payload);
    }
    QCOMPARE(sealer.nextSequence(), encryption ? quint64(3) : quint64(0));
    QCOMPARE(opener.expectedSequence(), encryption ? quint64(3) : quint64(0));
}

void tst_FrameProtection::compressionShrinksCompressibleData()
{
    for (bool encryption : {false, true}) {
        const QByteArray k = encryption ? key('c') : QByteArray();
        FrameSealer sealer(1024, k);
        const QByteArray payload = compressiblePayload(64 * KiB);
        const QByteArray frame = sealer.seal(payload);
        QVERIFY(flagsOf(frame) & FrameFlag::Compressed);
        QVERIFY2(frame.size() < payload.size() / 2,
                 qPrintable(QStringLiteral("%1 -> %2").arg(payload.size()).arg(frame.size())));
        FrameOpener opener(DefaultMax, k);
        QByteArray opened;
        QCOMPARE(opener.open(frame, &opened), Result::Ok);
        QCOMPARE(opened, payload);
    }
}

void tst_FrameProtection::compressionSkipsIncompressibleData()
{
    for (bool encryption : {false, true}) {
        const QByteArray k = encryption ? key('r') : QByteArray();
        FrameSealer sealer(0, k);
        const QByteArray payload = randomPayload(64 * KiB);
        const QByteArray frame = sealer.seal(payload);
        QCOMPARE(flagsOf(frame) & FrameFlag::Compressed, 0);
        QCOMPARE(frame.size(), payload.size() + 1 + (encryption ? FrameSequenceSize + FrameTagSize : 0));
        FrameOpener opener(DefaultMax, k);
        QByteArray opened;
        QCOMPARE(opener.open(frame, &opened), Result::Ok);
        QCOMPARE(opened, payload);
    }
    // Tiny payloads cannot win either (4-byte length prefix + LZ4 overhead).
    FrameSealer sealer(0, {});
    QCOMPARE(flagsOf(sealer.seal("aaaa")) & FrameFlag::Compressed, 0);
}

void tst_FrameProtection::compressionThreshold()
{
    const QByteArray payload = compressiblePayload(2000);
    FrameSealer sealer(2000, {});
    QVERIFY(flagsOf(sealer.seal(payload)) & FrameFlag::Compressed);
    QCOMPARE(flagsOf(sealer.seal(payload.first(1999))) & FrameFlag::Compressed, 0);
    FrameSealer never(-1, {});
    QCOMPARE(flagsOf(never.seal(compressiblePayload(MiB))), 0);
}

void tst_FrameProtection::encryptedFrameLayout()
{
    FrameSealer sealer(-1, key('L'));
    const QByteArray first = sealer.seal("hello");
    const QByteArray second = sealer.seal("hello");
    QCOMPARE(first.size(), 1 + 8 + 5 + 16);
    QCOMPARE(flagsOf(first), FrameFlag::Encrypted);
    QCOMPARE(first.mid(1, 8), QByteArray::fromHex("0000000000000000"));
    QCOMPARE(second.mid(1, 8), QByteArray::fromHex("0000000000000001"));
    // A fresh nonce per frame: same plaintext, different ciphertext and tag.
    QVERIFY(first.mid(9) != second.mid(9));
}

void tst_FrameProtection::bitFlipsNeverOpen_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<qint64>("threshold");
    QTest::newRow("plain") << compressiblePayload(200) << qint64(-1);
    QTest::newRow("compressed") << compressiblePayload(600) << qint64(0);
    QTest::newRow("empty") << QByteArray() << qint64(-1);
}

void tst_FrameProtection::bitFlipsNeverOpen()
{
    QFETCH(QByteArray, payload);
    QFETCH(qint64, threshold);
    const QByteArray k = key('f');
    FrameSealer sealer(threshold, k);
    const QByteArray frame = sealer.seal(payload);
    QCOMPARE(bool(flagsOf(frame) & FrameFlag::Compressed), threshold >= 0);
    {
        FrameOpener opener(DefaultMax, k);
        QByteArray opened;
        QCOMPARE(opener.open(frame, &opened), Result::Ok);
    }
    for (qsizetype byte = 0; byte < frame.size(); ++byte) {
        for (int bit = 0; bit < 8; ++bit) {
            QByteArray tampered = frame;
            tampered[byte] = char(tampered[byte] ^ (1 << bit));
            FrameOpener opener(DefaultMax, k);
            QByteArray opened = "sentinel";
            QString error;
            const Result result = opener.open(tampered, &opened, &error);
            if (result != Result::AuthenticationFailed && result != Result::Malformed) {
                QFAIL(qPrintable(QStringLiteral("byte %1 bit %2: %3 (%4)").arg(byte).arg(bit)
                                     .arg(QLatin1String(FrameOpener::resultName(result)), error)));
            }
            QVERIFY(!error.isEmpty());
            QVERIFY(opened.isEmpty()); // no unauthenticated plaintext leaks out
            QCOMPARE(opener.expectedSequence(), quint64(0));
        }
    }
}

void tst_FrameProtection::truncatedEncryptedFramesNeverOpen()
{
    const QByteArray k = key('t');
    FrameSealer sealer(-1, k);
    const QByteArray frame = sealer.seal(compressiblePayload(100));
    for (qsizetype size = 0; size < frame.size(); ++size) {
        FrameOpener opener(DefaultMax, k);
        QByteArray opened;
        const Result result = opener.open(frame.first(size), &opened);
        QVERIFY2(result == Result::Malformed || result == Result::AuthenticationFailed,
                 qPrintable(QStringLiteral("size %1: %2").arg(size).arg(QLatin1String(FrameOpener::resultName(result)))));
        if (size < 1 + FrameSequenceSize + FrameTagSize)
            QCOMPARE(result, Result::Malformed);
    }
    // An extended frame fails too.
    FrameOpener opener(DefaultMax, k);
    QByteArray opened;
    QCOMPARE(opener.open(frame + '\0', &opened), Result::AuthenticationFailed);
}

void tst_FrameProtection::replayedFrame()
{
    const QByteArray k = key('p');
    FrameSealer sealer(-1, k);
    FrameOpener opener(DefaultMax, k);
    const QByteArray f0 = sealer.seal("zero");
    const QByteArray f1 = sealer.seal("one");
    QByteArray opened;
    QString error;
    QCOMPARE(opener.open(f0, &opened, &error), Result::Ok);
    QCOMPARE(opened, QByteArray("zero"));
    QCOMPARE(opener.open(f0, &opened, &error), Result::OutOfSequence);
    QCOMPARE(error, QStringLiteral("replayed or reordered frame: sequence 0, expected 1"));
    QVERIFY(opened.isEmpty());
    // The failure did not disturb the opener.
    QCOMPARE(opener.open(f1, &opened, &error), Result::Ok);
    QCOMPARE(opened, QByteArray("one"));
    QCOMPARE(opener.open(f1, &opened, &error), Result::OutOfSequence);
    QCOMPARE(opener.open(f0, &opened, &error), Result::OutOfSequence);
}

void tst_FrameProtection::swappedFrames()
{
    const QByteArray k = key('s');
    FrameSealer sealer(0, k);
    QList<QByteArray> frames;
    for (int i = 0; i < 6; ++i)
        frames.append(sealer.seal(compressiblePayload(3000 + i)));
    FrameOpener opener(DefaultMax, k);
    QByteArray opened;
    QString error;
    QCOMPARE(opener.open(frames[0], &opened, &error), Result::Ok);
    QCOMPARE(opener.open(frames[2], &opened, &error), Result::OutOfSequence);
    QCOMPARE(error, QStringLiteral("replayed or reordered frame: sequence 2, expected 1"));
    QCOMPARE(opener.open(frames[1], &opened, &error), Result::Ok);
    QCOMPARE(opened.size(), 3001);
    // A gap (dropped frame) is refused as well.
    QCOMPARE(opener.open(frames[5], &opened, &error), Result::OutOfSequence);
    QCOMPARE(error, QStringLiteral("replayed or reordered frame: sequence 5, expected 2"));
    for (int i = 2; i < 6; ++i)
        QCOMPARE(opener.open(frames[i], &opened, &error), Result::Ok);
}

void tst_FrameProtection::wrongKey()
{
    for (qint64 threshold : {qint64(-1), qint64(0)}) {
        FrameSealer sealer(threshold, key('a'));
        FrameOpener opener(DefaultMax, key('b'));
        QByteArray opened;
        QString error;
        QCOMPARE(opener.open(sealer.seal(compressiblePayload(5000)), &opened, &error),
                 Result::AuthenticationFailed);
        QVERIFY(error.contains(QStringLiteral("authentication failed")));
        QVERIFY(opened.isEmpty());
    }
}

void tst_FrameProtection::directionKeysAreNotInterchangeable()
{
    const PreSharedKey psk("shared secret");
    const auto keys = psk.sessionKeys(QByteArray(16, '1'), QByteArray(16, '2'));
    FrameSealer clientSealer(-1, keys.clientToServer);
    // A frame reflected back to its sender does not open.
    FrameOpener clientOpener(DefaultMax, keys.serverToClient);
    QByteArray opened;
    QCOMPARE(clientOpener.open(clientSealer.seal("reflect me"), &opened), Result::AuthenticationFailed);
}

void tst_FrameProtection::declaredLengthOverLimit()
{
    const QByteArray block = lz4Compress(compressiblePayload(1000));
    FrameOpener opener(999, {});
    QByteArray opened;
    QString error;
    QCOMPARE(opener.open(compressedFrame(1000, block), &opened, &error), Result::TooLarge);
    QVERIFY(error.contains(QStringLiteral("1000")));
    FrameOpener exact(1000, {});
    QCOMPARE(exact.open(compressedFrame(1000, block), &opened, &error), Result::Ok);
    QCOMPARE(opened, compressiblePayload(1000));

    // Encrypted: an authentic compressed frame whose payload is over the opener's limit.
    FrameSealer sealer(0, key('z'));
    FrameOpener small(MiB, key('z'));
    QCOMPARE(small.open(sealer.seal(compressiblePayload(8 * MiB)), &opened, &error), Result::TooLarge);
    QVERIFY(opened.isEmpty());
}

void tst_FrameProtection::declaredLengthOverLimitDoesNotAllocate()
{
    // A 64-byte "zip bomb" that claims to expand to 4 GiB - 1.
    const QByteArray bomb = compressedFrame(0xFFFFFFFFu, QByteArray(59, '\0'));
    AddressSpaceLimit limit(512 * MiB);
    if (limit.isActive()) {
        // The limit works: a 4 GiB allocation fails while it is in force.
        void *probe = std::malloc(size_t(4) * 1024 * MiB);
        const bool probeFailed = probe == nullptr;
        std::free(probe);
        QVERIFY(probeFailed);
    }
    Result result = Result::Ok;
    QByteArray opened;
    QString error;
    try {
        FrameOpener opener(DefaultMax, {});
        result = opener.open(bomb, &opened, &error);
    } catch (const std::bad_alloc &) {
        QFAIL("the opener tried to allocate the declared length");
    }
    QCOMPARE(result, Result::TooLarge);
    QCOMPARE(error, QStringLiteral("compressed payload declares 4294967295 bytes, over the limit of 16777216 bytes"));
    if (!limit.isActive())
        QSKIP("address-space limit unavailable: checked the result only");
}

void tst_FrameProtection::payloadOverLimit()
{
    QByteArray opened;
    for (bool encryption : {false, true}) {
        const QByteArray k = encryption ? key('o') : QByteArray();
        FrameSealer sealer(-1, k);
        FrameOpener opener(100, k);
        QCOMPARE(opener.open(sealer.seal(QByteArray(101, 'x')), &opened), Result::TooLarge);
        FrameSealer sealer2(-1, k);
        FrameOpener opener2(100, k);
        QCOMPARE(opener2.open(sealer2.seal(QByteArray(100, 'x')), &opened), Result::Ok);
    }
    // A negative maximum means no limit.
    FrameOpener unlimited(-1, {});
    FrameSealer sealer(0, {});
    QCOMPARE(unlimited.open(sealer.seal(compressiblePayload(MiB)), &opened), Result::Ok);
    QCOMPARE(opened.size(), MiB);
}

void tst_FrameProtection::garbageLz4()
{
    const QByteArray payload = compressiblePayload(4000);
    const QByteArray block = lz4Compress(payload);
    QVERIFY(block.size() < payload.size());
    FrameOpener opener(DefaultMax, {});
    QByteArray opened;
    QString error;
    QCOMPARE(opener.open(compressedFrame(4000, block), &opened, &error), Result::Ok);
    QCOMPARE(opened, payload);

    // Not LZ4 at all.
    QCOMPARE(opener.open(compressedFrame(4000, QByteArray(300, '\xff')), &opened, &error),
             Result::DecompressionFailed);
    QVERIFY(error.contains(QStringLiteral("does not decompress")));
    QVERIFY(opened.isEmpty());
    QCOMPARE(opener.open(compressedFrame(4000, randomPayload(300, 7)), &opened, &error),
             Result::DecompressionFailed);
    // Valid LZ4, wrong declared length (either way).
    QCOMPARE(opener.open(compressedFrame(4001, block), &opened, &error), Result::DecompressionFailed);
    QCOMPARE(opener.open(compressedFrame(3999, block), &opened, &error), Result::DecompressionFailed);
    // Truncated block.
    QCOMPARE(opener.open(compressedFrame(4000, block.chopped(1)), &opened, &error),
             Result::DecompressionFailed);
    // No room for the length prefix, or no block at all.
    QCOMPARE(opener.open(QByteArray::fromHex("010000"), &opened, &error), Result::Malformed);
    QCOMPARE(opener.open(compressedFrame(0, {}), &opened, &error), Result::Malformed);

    // Authentic (encrypted) but bad LZ4 cannot be produced by a sealer; the inner bytes go
    // through the same check, which the unencrypted cases above cover.
}

void tst_FrameProtection::unknownFlagBits()
{
    FrameOpener opener(DefaultMax, {});
    FrameOpener encrypted(DefaultMax, key('u'));
    QByteArray opened;
    QString error;
    for (int bit = 2; bit < 7; ++bit) {
        const QByteArray frame = char(1 << bit) + QByteArray("payload");
        QCOMPARE(opener.open(frame, &opened, &error), Result::Malformed);
        QVERIFY2(error.startsWith(QStringLiteral("unknown flag bits")), qPrintable(error));
        QCOMPARE(encrypted.open(char((1 << bit) | FrameFlag::Encrypted) + QByteArray(40, 'x'), &opened, &error),
                 Result::Malformed);
    }
    QCOMPARE(opener.open(QByteArray(), &opened, &error), Result::Malformed);
    QCOMPARE(error, QStringLiteral("empty frame"));
    QCOMPARE(opener.open(QByteArray(1, '\0'), &opened, &error), Result::Ok); // empty payload
    QVERIFY(opened.isEmpty());
}

void tst_FrameProtection::helloFrameIsNotData()
{
    const QByteArray hello = PreSharedKey::encodeHello(QByteArray(16, 'n'), QByteArray(32, 'p'));
    FrameOpener opener(DefaultMax, {});
    QByteArray opened;
    QString error;
    QCOMPARE(opener.open(hello, &opened, &error), Result::Malformed);
    QVERIFY(error.contains(QStringLiteral("HELLO")));
}

void tst_FrameProtection::encryptionMismatch()
{
    QByteArray opened;
    QString error;
    FrameSealer plain(-1, {});
    FrameOpener encryptedOpener(DefaultMax, key('e'));
    QCOMPARE(encryptedOpener.open(plain.seal(QByteArray(100, 'x')), &opened, &error), Result::Malformed);
    QCOMPARE(error, QStringLiteral("unencrypted frame on an encrypted connection"));

    FrameSealer encryptedSealer(-1, key('e'));
    FrameOpener plainOpener(DefaultMax, {});
    QCOMPARE(plainOpener.open(encryptedSealer.seal(QByteArray(100, 'x')), &opened, &error), Result::Malformed);
    QCOMPARE(error, QStringLiteral("encrypted frame on a connection without encryption"));
}

void tst_FrameProtection::invalidKeys()
{
    FrameSealer sealer(0, QByteArray(16, 'k')); // AES-128-sized: not accepted
    QVERIFY(!sealer.isValid());
    QVERIFY(sealer.seal("x").isNull());
    FrameOpener opener(DefaultMax, QByteArray(33, 'k'));
    QVERIFY(!opener.isValid());
    QByteArray opened;
    QCOMPARE(opener.open(QByteArray(40, '\x02'), &opened), Result::Malformed);
}

void tst_FrameProtection::movedSealerAndOpenerKeepTheirSequence()
{
    const QByteArray k = key('m');
    FrameSealer sealer(-1, k);
    FrameOpener opener(DefaultMax, k);
    QByteArray opened;
    QCOMPARE(opener.open(sealer.seal("a"), &opened), Result::Ok);
    FrameSealer movedSealer(std::move(sealer));
    FrameOpener movedOpener(std::move(opener));
    QCOMPARE(movedOpener.open(movedSealer.seal("b"), &opened), Result::Ok);
    QCOMPARE(opened, QByteArray("b"));
    FrameSealer assigned(-1, {});
    assigned = std::move(movedSealer);
    QVERIFY(assigned.isEncrypted());
    QCOMPARE(assigned.nextSequence(), quint64(2));
    QCOMPARE(movedOpener.open(assigned.seal("c"), &opened), Result::Ok);
}

void tst_FrameProtection::lz4Helpers()
{
    for (qsizetype size : {qsizetype(0), qsizetype(1), KiB, MiB}) {
        const QByteArray data = compressiblePayload(size);
        const QByteArray block = lz4Compress(data);
        QVERIFY(!block.isEmpty());
        QByteArray out = "junk";
        QVERIFY(lz4Decompress(block, size, &out));
        QCOMPARE(out, data);
        QVERIFY(!lz4Decompress(block, size + 1, &out));
        QVERIFY(out.isEmpty());
    }
    QByteArray out;
    QVERIFY(!lz4Decompress({}, 0, &out));
    QVERIFY(!lz4Decompress("\x00", -1, &out));
    QVERIFY(!lz4Decompress("\x00", qint64(1) << 40, &out)); // refused before allocating
}

void tst_FrameProtection::rfc5869KnownAnswers()
{
    // RFC 5869, A.1 (test case 1): HKDF-SHA256 with salt and info.
    const QByteArray ikm(22, '\x0b');
    const QByteArray salt = QByteArray::fromHex("000102030405060708090a0b0c");
    const QByteArray info = QByteArray::fromHex("f0f1f2f3f4f5f6f7f8f9");
    // PRK = HMAC-SHA256(salt, IKM): checks the HMAC primitive too.
    QCOMPARE(hmacSha256(salt, ikm).toHex(),
             QByteArray("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"));
    QCOMPARE(hkdfSha256(ikm, salt, info, 42).toHex(),
             QByteArray("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                        "34007208d5b887185865"));

    // RFC 5869, A.3 (test case 3): empty salt and info, the form used for the auth key.
    QCOMPARE(hmacSha256(QByteArray(32, '\0'), ikm).toHex(),
             QByteArray("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04"));
    QCOMPARE(hmacSha256(QByteArray(), ikm).toHex(), // empty HMAC key == HashLen zeros
             QByteArray("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04"));
    QCOMPARE(hkdfSha256(ikm, {}, {}, 42).toHex(),
             QByteArray("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
                        "9d201395faa4b61a96c8"));

    QVERIFY(hkdfSha256({}, salt, info, 32).isNull()); // no key: refused
}

void tst_FrameProtection::rfc4231HmacKnownAnswer()
{
    // RFC 4231, test case 1.
    QCOMPARE(hmacSha256(QByteArray(20, '\x0b'), "Hi There").toHex(),
             QByteArray("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
}

void tst_FrameProtection::proofs()
{
    const PreSharedKey server("the key");
    const PreSharedKey client("the key");
    const PreSharedKey intruder("not the key");
    QVERIFY(!server.isNull());
    const QByteArray nonceC = PreSharedKey::randomNonce();
    const QByteArray nonceS = PreSharedKey::randomNonce();
    QCOMPARE(nonceC.size(), HandshakeNonceSize);
    QVERIFY(nonceC != nonceS);

    const QByteArray proofC = client.clientProof(nonceC);
    QCOMPARE(proofC.size(), HandshakeProofSize);
    QVERIFY(server.verifyClientProof(nonceC, proofC));
    QVERIFY(!server.verifyClientProof(nonceC, intruder.clientProof(nonceC)));
    QVERIFY(!intruder.verifyClientProof(nonceC, proofC));
    QVERIFY(!server.verifyClientProof(nonceS, proofC));           // other nonce
    QVERIFY(!server.verifyClientProof(nonceC, proofC.chopped(1))); // wrong size
    QVERIFY(!server.verifyClientProof(nonceC, {}));
    QVERIFY(!server.verifyClientProof(nonceC.chopped(1), client.clientProof(nonceC.chopped(1))));
    QByteArray flipped = proofC;
    flipped[31] = char(flipped[31] ^ 1);
    QVERIFY(!server.verifyClientProof(nonceC, flipped));

    const QByteArray proofS = server.serverProof(nonceC, nonceS);
    QCOMPARE(proofS.size(), HandshakeProofSize);
    QVERIFY(client.verifyServerProof(nonceC, nonceS, proofS));
    QVERIFY(!intruder.verifyServerProof(nonceC, nonceS, proofS));
    QVERIFY(!client.verifyServerProof(nonceC, nonceS, intruder.serverProof(nonceC, nonceS)));
    QVERIFY(!client.verifyServerProof(nonceS, nonceC, proofS)); // nonces swapped
    // The server's proof is not the client's, so neither can be reflected.
    QVERIFY(proofS != client.clientProof(nonceC));

    const PreSharedKey none;
    QVERIFY(none.isNull());
    QVERIFY(PreSharedKey(QByteArray()).isNull());
    QVERIFY(none.clientProof(nonceC).isEmpty());
    QVERIFY(!none.verifyClientProof(nonceC, proofC));
    QVERIFY(!none.verifyClientProof(nonceC, QByteArray()));
}

void tst_FrameProtection::sessionKeys()
{
    const PreSharedKey serverPsk("psk");
    const PreSharedKey clientPsk("psk");
    const QByteArray nonceC = PreSharedKey::randomNonce();
    const QByteArray nonceS = PreSharedKey::randomNonce();
    const auto serverKeys = serverPsk.sessionKeys(nonceC, nonceS);
    const auto clientKeys = clientPsk.sessionKeys(nonceC, nonceS);
    QCOMPARE(serverKeys.clientToServer.size(), FrameKeySize);
    QCOMPARE(serverKeys.serverToClient.size(), FrameKeySize);
    QCOMPARE(clientKeys.clientToServer, serverKeys.clientToServer);
    QCOMPARE(clientKeys.serverToClient, serverKeys.serverToClient);
    QVERIFY(serverKeys.clientToServer != serverKeys.serverToClient);

    // Fresh nonces, fresh keys; another PSK, other keys.
    const auto other = serverPsk.sessionKeys(nonceC, PreSharedKey::randomNonce());
    QVERIFY(other.clientToServer != serverKeys.clientToServer);
    QVERIFY(other.serverToClient != serverKeys.serverToClient);
    QVERIFY(PreSharedKey("PSK").sessionKeys(nonceC, nonceS).clientToServer != serverKeys.clientToServer);

    QVERIFY(PreSharedKey().sessionKeys(nonceC, nonceS).clientToServer.isEmpty());
    QVERIFY(serverPsk.sessionKeys(nonceC, {}).serverToClient.isEmpty());
}

void tst_FrameProtection::protocolTestVectors()
{
    // Computed independently (Python hmac/hashlib and cryptography's AESGCM) from the text of
    // docs/PROTOCOL.md; a third implementation can check itself against them.
    const PreSharedKey psk("correct horse battery staple");
    const QByteArray nonceC = QByteArray::fromHex("000102030405060708090a0b0c0d0e0f");
    const QByteArray nonceS = QByteArray::fromHex("101112131415161718191a1b1c1d1e1f");
    QCOMPARE(hkdfSha256("correct horse battery staple", {}, "burrow v1 auth", 32).toHex(),
             QByteArray("22042f21d3b929e56db66aef1a2c39f019976224c70dcf9d6e4ba49be91f37c1"));
    QCOMPARE(psk.clientProof(nonceC).toHex(),
             QByteArray("0bd07c90335ff99a919428b4094dc31d57a47d2120438652e14d0a63fa96dbd3"));
    QCOMPARE(psk.serverProof(nonceC, nonceS).toHex(),
             QByteArray("fc4dde108c8216cd0ba2af29f2df9d10d3c40a9ba918630b19f037644a1b91ed"));
    const auto keys = psk.sessionKeys(nonceC, nonceS);
    QCOMPARE(keys.clientToServer.toHex(),
             QByteArray("e7eaeb850011e307c92d4a492d1d3e8c23e2e6eb72d5082bb3cbc5b792d067ab"));
    QCOMPARE(keys.serverToClient.toHex(),
             QByteArray("573324b456f757c235654f3f28d0d43d2776a2f2c70c7ed722bce6da1a379a87"));

    const QByteArray frame0 = QByteArray::fromHex(
        "02000000000000000001c37ebf6fa493fde96018b12d230e9f32d6bf0e5594e39ae6c20a0b5a2a");
    const QByteArray frame1 = QByteArray::fromHex(
        "02000000000000000145ef92c1d2d29f9e614960355dbcd74ded93a19970ef479f5fdc031ee837");
    FrameSealer sealer(-1, keys.clientToServer);
    QCOMPARE(sealer.seal("burrow frame 0").toHex(), frame0.toHex());
    QCOMPARE(sealer.seal("burrow frame 1").toHex(), frame1.toHex());
    FrameOpener opener(DefaultMax, keys.clientToServer);
    QByteArray opened;
    QCOMPARE(opener.open(frame0, &opened), Result::Ok);
    QCOMPARE(opened, QByteArray("burrow frame 0"));
    QCOMPARE(opener.open(frame1, &opened), Result::Ok);
    QCOMPARE(opened, QByteArray("burrow frame 1"));
}

void tst_FrameProtection::hello()
{
    const QByteArray nonceS = PreSharedKey::randomNonce();
    const QByteArray proofS(32, 'P');
    const QByteArray frame = PreSharedKey::encodeHello(nonceS, proofS);
    QCOMPARE(frame.size(), HelloFrameSize);
    QCOMPARE(quint8(frame[0]), quint8(0x80));
    QCOMPARE(quint8(frame[1]), quint8(0x01));
    QByteArray decodedNonce, decodedProof;
    QVERIFY(PreSharedKey::decodeHello(frame, &decodedNonce, &decodedProof));
    QCOMPARE(decodedNonce, nonceS);
    QCOMPARE(decodedProof, proofS);

    QVERIFY(!PreSharedKey::decodeHello(frame.chopped(1), &decodedNonce, &decodedProof));
    QVERIFY(!PreSharedKey::decodeHello(frame.first(2), &decodedNonce, &decodedProof));
    QVERIFY(!PreSharedKey::decodeHello({}, &decodedNonce, &decodedProof));
    QVERIFY(!PreSharedKey::decodeHello(frame + 'x', &decodedNonce, &decodedProof));
    QByteArray otherVersion = frame;
    otherVersion[1] = 2;
    QVERIFY(!PreSharedKey::decodeHello(otherVersion, &decodedNonce, &decodedProof));
    QByteArray notHello = frame;
    notHello[0] = char(0x81);
    QVERIFY(!PreSharedKey::decodeHello(notHello, &decodedNonce, &decodedProof));

    QVERIFY(PreSharedKey::encodeHello(nonceS.chopped(1), proofS).isEmpty());
    QVERIFY(PreSharedKey::encodeHello(nonceS, proofS + 'x').isEmpty());
}

void tst_FrameProtection::fullHandshake()
{
    const PreSharedKey clientPsk("s3cret");
    const PreSharedKey serverPsk("s3cret");

    // Client: upgrade request headers.
    const QByteArray nonceC = PreSharedKey::randomNonce();
    const QByteArray proofC = clientPsk.clientProof(nonceC);
    // Server: checks them, answers with HELLO.
    QVERIFY(serverPsk.verifyClientProof(nonceC, proofC));
    const QByteArray nonceS = PreSharedKey::randomNonce();
    const QByteArray hello = PreSharedKey::encodeHello(nonceS, serverPsk.serverProof(nonceC, nonceS));
    const auto serverKeys = serverPsk.sessionKeys(nonceC, nonceS);
    // Client: checks HELLO.
    QByteArray receivedNonceS, receivedProofS;
    QVERIFY(PreSharedKey::decodeHello(hello, &receivedNonceS, &receivedProofS));
    QVERIFY(clientPsk.verifyServerProof(nonceC, receivedNonceS, receivedProofS));
    const auto clientKeys = clientPsk.sessionKeys(nonceC, receivedNonceS);

    FrameSealer clientSealer(1024, clientKeys.clientToServer);
    FrameOpener clientOpener(DefaultMax, clientKeys.serverToClient);
    FrameSealer serverSealer(1024, serverKeys.serverToClient);
    FrameOpener serverOpener(DefaultMax, serverKeys.clientToServer);
    QByteArray opened;
    for (int i = 0; i < 10; ++i) {
        const QByteArray request = compressiblePayload(100 + i * 500);
        QCOMPARE(serverOpener.open(clientSealer.seal(request), &opened), Result::Ok);
        QCOMPARE(opened, request);
        const QByteArray answer = randomPayload(50 + i * 300, quint32(i));
        QCOMPARE(clientOpener.open(serverSealer.seal(answer), &opened), Result::Ok);
        QCOMPARE(opened, answer);
    }
}

QTEST_GUILESS_MAIN(tst_FrameProtection)
#include "tst_frameprotection.moc"
