// compression_choice: which codec for the per-frame compression of the binary subprotocol?
//
// Builds CBOR payloads shaped like Burrow RPC answers (a message map holding an array of
// records with strings and numbers, values drawn from a seeded generator so that the data
// repeats the way real tables do: same keys, a bounded set of names and statuses, varying
// numbers), then measures for LZ4 (LZ4_compress_default) and zlib levels 1 and 6, both through
// the one-shot compress2()/uncompress() ("zlib-1", "zlib-6") and through streams kept across
// frames and reset per frame ("zlib-1r", "zlib-6r", what a per-connection implementation would
// do): compression ratio, compression and decompression throughput. Prints one JSON line per
// (codec, payload) and a summary that adds the time a message costs end to end on a LAN link:
// compress + transfer of the compressed bytes + decompress, against sending it uncompressed.
//
// Usage: compression_choice [--min-time-ms N] [--repeats N]
//   Each figure is the best of --repeats runs (default 5), each run repeating the operation
//   for at least --min-time-ms (default 200). Throughputs are in MB/s of *uncompressed* data,
//   MB = 10^6 bytes.

#include <QtCore/QCborArray>
#include <QtCore/QCborMap>
#include <QtCore/QCborValue>
#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QRandomGenerator>
#include <QtCore/QString>

#include <lz4.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>

namespace {

// --- Payloads -------------------------------------------------------------------------------

const char *const FirstNames[] = {"Alice", "Bruno", "Chloé", "Dmitri", "Emma", "Farid", "Greta",
                                  "Hiro", "Inès", "Jonas", "Karin", "Luca", "Maëlle", "Nils",
                                  "Olga", "Pablo", "Quentin", "Rosa", "Sven", "Tomás"};
const char *const LastNames[] = {"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard",
                                 "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent",
                                 "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux"};
const char *const Statuses[] = {"open", "paid", "shipped", "delivered", "cancelled"};
const char *const Cities[] = {"Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Lille",
                              "Bordeaux", "Strasbourg", "Rennes", "Grenoble", "Montpellier"};
const char *const Products[] = {"Widget", "Gadget", "Sprocket", "Flange", "Gasket", "Bracket",
                                "Hinge", "Valve", "Bearing", "Coupling"};

template<typename T, size_t N>
const T &pick(QRandomGenerator &random, const T (&values)[N])
{
    return values[random.bounded(int(N))];
}

// One row of an "orders" table as a service would return it.
QCborMap orderRecord(QRandomGenerator &random, int index)
{
    const QString first = QString::fromUtf8(pick(random, FirstNames));
    const QString last = QString::fromUtf8(pick(random, LastNames));
    QCborMap record;
    record.insert(QStringLiteral("id"), 100000 + index);
    record.insert(QStringLiteral("customer"), first + QLatin1Char(' ') + last);
    record.insert(QStringLiteral("email"), QStringLiteral("%1.%2@example.com").arg(first.toLower(), last.toLower()));
    record.insert(QStringLiteral("city"), QString::fromUtf8(pick(random, Cities)));
    record.insert(QStringLiteral("status"), QString::fromUtf8(pick(random, Statuses)));
    record.insert(QStringLiteral("product"),
                  QStringLiteral("%1 %2-%3").arg(QString::fromUtf8(pick(random, Products)))
                      .arg(QChar(u'A' + random.bounded(6))).arg(random.bounded(100, 1000)));
    record.insert(QStringLiteral("quantity"), random.bounded(1, 50));
    record.insert(QStringLiteral("unitPrice"), random.bounded(100, 100000) / 100.0);
    record.insert(QStringLiteral("total"), random.bounded(100, 5000000) / 100.0);
    record.insert(QStringLiteral("createdAt"),
                  QStringLiteral("2024-%1-%2T%3:%4:%5Z")
                      .arg(random.bounded(1, 13), 2, 10, QLatin1Char('0'))
                      .arg(random.bounded(1, 29), 2, 10, QLatin1Char('0'))
                      .arg(random.bounded(24), 2, 10, QLatin1Char('0'))
                      .arg(random.bounded(60), 2, 10, QLatin1Char('0'))
                      .arg(random.bounded(60), 2, 10, QLatin1Char('0')));
    record.insert(QStringLiteral("paid"), random.bounded(2) == 1);
    QCborArray tags;
    for (int i = 0, n = random.bounded(3); i < n; ++i)
        tags.append(QString::fromUtf8(pick(random, Statuses)) + QStringLiteral("-tag"));
    record.insert(QStringLiteral("tags"), tags);
    if (random.bounded(4) == 0)
        record.insert(QStringLiteral("note"), QStringLiteral("Please deliver before noon; call %1 on arrival.").arg(first));
    return record;
}

// An Answer message {type: 2, id, result: [records]} of at least targetSize bytes of CBOR.
QByteArray answerPayload(qsizetype targetSize, quint32 seed)
{
    QRandomGenerator random(seed);
    QCborArray records;
    QByteArray encoded;
    int index = 0;
    // Grow in steps, re-encoding rarely, then trim to the first size >= target.
    while (true) {
        records.append(orderRecord(random, index++));
        if (index % 8 != 0 && targetSize > 8192)
            continue;
        QCborMap message;
        message.insert(QStringLiteral("type"), 2);
        message.insert(QStringLiteral("id"), 4242);
        message.insert(QStringLiteral("result"), records);
        encoded = QCborValue(message).toCbor();
        if (encoded.size() >= targetSize)
            return encoded;
    }
}

// --- Codecs ---------------------------------------------------------------------------------

// Compresses into / decompresses into caller-owned buffers, so that what is timed is the codec
// and not the allocation of the output (the frame sealer compresses straight into the frame it
// allocates anyway).
struct Codec
{
    QByteArray name;     // "lz4", "zlib-1", "zlib-6r", ...
    QByteArray family;   // "lz4" or "zlib"
    int level;           // zlib level; -1 for LZ4
    std::function<qsizetype(qsizetype)> bound;
    // Returns the compressed size, or -1.
    std::function<qsizetype(const QByteArray &, char *, qsizetype)> compress;
    // Must produce exactly `size` bytes.
    std::function<bool(const char *, qsizetype, char *, qsizetype)> decompress;
};

struct ZStreams
{
    z_stream deflater {};
    z_stream inflater {};
    explicit ZStreams(int level)
    {
        if (deflateInit(&deflater, level) != Z_OK || inflateInit(&inflater) != Z_OK) {
            std::fprintf(stderr, "zlib initialisation failed\n");
            std::exit(1);
        }
    }
    ~ZStreams()
    {
        deflateEnd(&deflater);
        inflateEnd(&inflater);
    }
    ZStreams(const ZStreams &) = delete;
    ZStreams &operator=(const ZStreams &) = delete;
};

QList<Codec> codecs()
{
    QList<Codec> list;
    list.append({"lz4", "lz4", -1,
                 [](qsizetype size) { return qsizetype(LZ4_compressBound(int(size))); },
                 [](const QByteArray &in, char *out, qsizetype capacity) {
                     const int n = LZ4_compress_default(in.constData(), out, int(in.size()), int(capacity));
                     return n > 0 ? qsizetype(n) : qsizetype(-1);
                 },
                 [](const char *in, qsizetype inSize, char *out, qsizetype size) {
                     return LZ4_decompress_safe(in, out, int(inSize), int(size)) == size;
                 }});
    for (int level : {1, 6}) {
        // One-shot API, as asked for: compress2()/uncompress() set up and free the deflate
        // (~270 KiB) and inflate (~40 KiB) state on every call.
        list.append({"zlib-" + QByteArray::number(level), "zlib", level,
                     [](qsizetype size) { return qsizetype(compressBound(uLong(size))); },
                     [level](const QByteArray &in, char *out, qsizetype capacity) {
                         uLongf size = uLongf(capacity);
                         if (compress2(reinterpret_cast<Bytef *>(out), &size,
                                       reinterpret_cast<const Bytef *>(in.constData()), uLong(in.size()), level) != Z_OK) {
                             return qsizetype(-1);
                         }
                         return qsizetype(size);
                     },
                     [](const char *in, qsizetype inSize, char *out, qsizetype size) {
                         uLongf written = uLongf(size);
                         return uncompress(reinterpret_cast<Bytef *>(out), &written,
                                           reinterpret_cast<const Bytef *>(in), uLong(inSize)) == Z_OK
                             && qsizetype(written) == size;
                     }});
        // What a real per-connection implementation would do: keep the streams and reset them
        // per frame (frames stay independent). Same output as compress2().
        auto streams = std::make_shared<ZStreams>(level);
        list.append({"zlib-" + QByteArray::number(level) + "r", "zlib", level,
                     [](qsizetype size) { return qsizetype(compressBound(uLong(size))); },
                     [streams](const QByteArray &in, char *out, qsizetype capacity) {
                         z_stream &z = streams->deflater;
                         deflateReset(&z);
                         z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.constData()));
                         z.avail_in = uInt(in.size());
                         z.next_out = reinterpret_cast<Bytef *>(out);
                         z.avail_out = uInt(capacity);
                         if (deflate(&z, Z_FINISH) != Z_STREAM_END)
                             return qsizetype(-1);
                         return qsizetype(z.total_out);
                     },
                     [streams](const char *in, qsizetype inSize, char *out, qsizetype size) {
                         z_stream &z = streams->inflater;
                         inflateReset(&z);
                         z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in));
                         z.avail_in = uInt(inSize);
                         z.next_out = reinterpret_cast<Bytef *>(out);
                         z.avail_out = uInt(size);
                         return inflate(&z, Z_FINISH) == Z_STREAM_END && qsizetype(z.total_out) == size;
                     }});
    }
    return list;
}

// --- Timing ---------------------------------------------------------------------------------

using Clock = std::chrono::steady_clock;

// Best (lowest) seconds per call over `repeats` runs of at least minTime each.
double secondsPerCall(const std::function<void()> &operation, double minTime, int repeats)
{
    operation(); // warm-up (allocations, caches)
    double best = std::numeric_limits<double>::max();
    for (int r = 0; r < repeats; ++r) {
        qint64 calls = 0;
        const auto start = Clock::now();
        double elapsed = 0;
        do {
            operation();
            ++calls;
            elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        } while (elapsed < minTime);
        best = std::min(best, elapsed / double(calls));
    }
    return best;
}

struct Measurement
{
    QByteArray codec;
    QByteArray payloadName;
    qsizetype original = 0;
    qsizetype compressed = 0;
    double compressSeconds = 0;
    double decompressSeconds = 0;

    double ratio() const { return double(original) / double(compressed); }
    double compressMBps() const { return original / compressSeconds / 1e6; }
    double decompressMBps() const { return original / decompressSeconds / 1e6; }
    double roundTripMBps() const { return original / (compressSeconds + decompressSeconds) / 1e6; }
    // Seconds for one message over a link of `bitsPerSecond`: compress, send, decompress.
    double linkSeconds(double bitsPerSecond) const
    {
        return compressSeconds + compressed * 8.0 / bitsPerSecond + decompressSeconds;
    }
};

} // namespace

int main(int argc, char **argv)
{
    double minTime = 0.2;
    int repeats = 5;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--min-time-ms") && i + 1 < argc) {
            minTime = std::atof(argv[++i]) / 1000.0;
        } else if (!std::strcmp(argv[i], "--repeats") && i + 1 < argc) {
            repeats = std::max(1, std::atoi(argv[++i]));
        } else {
            std::fprintf(stderr, "usage: %s [--min-time-ms N] [--repeats N]\n", argv[0]);
            return 2;
        }
    }

    const struct { const char *name; qsizetype size; } sizes[] = {
        {"1KiB", 1024}, {"4KiB", 4096}, {"64KiB", 64 * 1024}, {"1MiB", 1024 * 1024}};

    QList<Measurement> results;
    quint64 sink = 0; // keeps the optimiser honest
    for (const auto &size : sizes) {
        const QByteArray payload = answerPayload(size.size, 2024);
        for (const Codec &codec : codecs()) {
            Measurement m;
            m.codec = codec.name;
            m.payloadName = size.name;
            m.original = payload.size();
            QByteArray compressed(codec.bound(payload.size()), Qt::Uninitialized);
            QByteArray restored(payload.size(), Qt::Uninitialized);
            const qsizetype compressedSize = codec.compress(payload, compressed.data(), compressed.size());
            if (compressedSize <= 0
                || !codec.decompress(compressed.constData(), compressedSize, restored.data(), restored.size())
                || restored != payload) {
                std::fprintf(stderr, "%s failed its round trip on %s\n", m.codec.constData(), size.name);
                return 1;
            }
            m.compressed = compressedSize;
            QByteArray scratch(compressed.size(), Qt::Uninitialized);
            m.compressSeconds = secondsPerCall(
                [&] { sink += quint64(codec.compress(payload, scratch.data(), scratch.size())); },
                minTime, repeats);
            m.decompressSeconds = secondsPerCall(
                [&] { sink += codec.decompress(compressed.constData(), compressedSize, restored.data(), restored.size()); },
                minTime, repeats);
            std::printf("{\"codec\":\"%s\",\"family\":\"%s\",\"level\":%d,\"payload\":\"%s\",\"bytes\":%lld,"
                        "\"compressed_bytes\":%lld,\"ratio\":%.3f,\"compress_MBps\":%.1f,"
                        "\"decompress_MBps\":%.1f,\"roundtrip_MBps\":%.1f,\"compress_us\":%.2f,"
                        "\"decompress_us\":%.2f}\n",
                        codec.name.constData(), codec.family.constData(), codec.level, size.name, qint64(m.original),
                        qint64(m.compressed), m.ratio(), m.compressMBps(), m.decompressMBps(),
                        m.roundTripMBps(), m.compressSeconds * 1e6, m.decompressSeconds * 1e6);
            std::fflush(stdout);
            results.append(m);
        }
    }

    std::printf("\nSummary (best of %d runs of >= %.0f ms each; MB/s of uncompressed data, MB = 10^6 B)\n",
                repeats, minTime * 1000);
    std::printf("%-7s %-7s %9s %7s %10s %10s %10s | %9s %9s %9s (us per message: none = uncompressed)\n",
                "payload", "codec", "bytes", "ratio", "comp MB/s", "dec MB/s", "trip MB/s",
                "1 Gbit/s", "10 Gbit/s", "none@1G");
    for (const Measurement &m : results) {
        std::printf("%-7s %-7s %9lld %7.2f %10.1f %10.1f %10.1f | %9.1f %9.1f %9.1f\n",
                    m.payloadName.constData(), m.codec.constData(), qint64(m.original), m.ratio(),
                    m.compressMBps(), m.decompressMBps(), m.roundTripMBps(), m.linkSeconds(1e9) * 1e6,
                    m.linkSeconds(1e10) * 1e6, m.original * 8.0 / 1e9 * 1e6);
    }
    std::printf("\nFastest end to end per payload (compress + wire + decompress; 'none' = send as is):\n");
    for (const auto &size : sizes) {
        for (double link : {1e9, 1e10}) {
            QByteArray best = "none";
            double bestTime = std::numeric_limits<double>::max();
            for (const Measurement &m : results) {
                if (m.payloadName != size.name)
                    continue;
                bestTime = std::min(bestTime, m.original * 8.0 / link); // sent as is
                if (m.linkSeconds(link) < bestTime) {
                    bestTime = m.linkSeconds(link);
                    best = m.codec;
                }
            }
            std::printf("  %-6s @ %2.0f Gbit/s: %-7s %8.1f us\n", size.name, link / 1e9,
                        best.constData(), bestTime * 1e6);
        }
    }
    std::fprintf(stderr, "(checksum %llu)\n", static_cast<unsigned long long>(sink));
    return 0;
}
