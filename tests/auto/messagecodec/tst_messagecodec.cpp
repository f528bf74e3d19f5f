#include <Burrow/message.h>
#include <Burrow/messagecodec.h>

#include <QtCore/QCborMap>
#include <QtCore/QDateTime>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QRandomGenerator>
#include <QtCore/QUrl>
#include <QtCore/QUuid>
#include <QtTest/QTest>

#include <limits>

using namespace Burrow;

namespace Burrow {
// Readable QCOMPARE failures (found by argument-dependent lookup).
char *toString(const Message &message)
{
    QString text;
    QDebug(&text) << message;
    return qstrdup(text.toUtf8().constData());
}
} // namespace Burrow

namespace {

MessageCodecPointer codecNamed(const QString &name)
{
    return name == QLatin1String("json") ? MessageCodec::json() : MessageCodec::cbor();
}

QByteArray randomBytes(qsizetype size, quint32 seed)
{
    QRandomGenerator generator(seed);
    QByteArray bytes(size, Qt::Uninitialized);
    generator.fillRange(reinterpret_cast<quint32 *>(bytes.data()), size / 4);
    for (qsizetype i = size / 4 * 4; i < size; ++i)
        bytes[i] = char(generator.generate());
    return bytes;
}

// What a value becomes after a trip through JSON, by Qt's own mapping (the oracle for the
// JSON codec): byte strings turn into base64url strings, undefined into null, integral numbers
// into integers, tags into what QCborValue::toJsonValue() makes of them.
QCborValue viaQtJson(const QCborValue &value)
{
    const QJsonArray wrapped{value.toJsonValue()};
    const QByteArray text = QJsonDocument(wrapped).toJson(QJsonDocument::Compact);
    return QCborValue::fromJsonValue(QJsonDocument::fromJson(text).array().at(0));
}

Message jsonExpected(const Message &m)
{
    switch (m.type()) {
    case Message::Type::Request:
        return Message::request(m.id(), m.target(), m.method(),
                                viaQtJson(m.arguments()).toArray());
    case Message::Type::Answer:
        return Message::answer(m.id(), m.result().isUndefined() ? QCborValue(nullptr)
                                                                : viaQtJson(m.result()));
    case Message::Type::Notification:
        return Message::notification(m.target(), m.method(), viaQtJson(m.arguments()).toArray());
    case Message::Type::Batch: {
        QList<Message> messages;
        for (const Message &inner : m.messages())
            messages.append(jsonExpected(inner));
        return Message::batch(messages);
    }
    default:
        return m;
    }
}

Message smallRequest()
{
    return Message::request(42, QStringLiteral("LongWork"), QStringLiteral("startWork"),
                            {1, QStringLiteral("fast"), true});
}

// Named sample messages covering every type and the interesting values.
QList<std::pair<const char *, Message>> sampleMessages(bool includeHuge)
{
    const QString target = QStringLiteral("LongWork");
    const QString method = QStringLiteral("startWork");
    QCborMap inner;
    inner.insert(QStringLiteral("b"), QCborValue(nullptr));
    inner.insert(QStringLiteral("list"), QCborArray{1, 2.5, QStringLiteral("three")});
    QCborMap nested;
    nested.insert(QStringLiteral("a"), QCborArray{1, 2, inner});
    nested.insert(QStringLiteral("c"), true);
    nested.insert(QStringLiteral("d"), false);
    nested.insert(QStringLiteral("empty map"), QCborMap());
    nested.insert(QStringLiteral("empty list"), QCborArray());

    QList<std::pair<const char *, Message>> samples = {
        {"request", Message::request(7, target, method, {42, QStringLiteral("fast")})},
        {"request empty args", Message::request(1, target, method, {})},
        {"request id 0", Message::request(0, target, method, {})},
        {"request id 2^63-1",
         Message::request(quint64(std::numeric_limits<qint64>::max()), target, method, {})},
        {"request nested", Message::request(8, target, method,
                                            {nested, QCborArray{QCborArray{}, QCborMap{}}})},
        {"request bytes", Message::request(9, target, method,
                                           {QByteArray("\x00\x01\xfe\xff", 4), QByteArray(),
                                            QByteArray("ab?>~", 5)})},
        {"request large ints",
         Message::request(10, target, method,
                          {qint64(1) << 62, -(qint64(1) << 62), std::numeric_limits<qint64>::max(),
                           std::numeric_limits<qint64>::min(), 0, -1, 23, 24, 255, 256, 65535,
                           65536, qint64(4294967295), qint64(4294967296)})},
        {"request doubles", Message::request(11, target, method,
                                             {3.25, -0.1, 1e300, -1.5e-300, 5e-324, 0.5,
                                              123456.789})},
        {"request unicode",
         Message::request(12, QStringLiteral("Dienst\u00e4"), QStringLiteral("m\u00e9thode"),
                          {QStringLiteral("Gr\u00fc\u00dfe, \u4e16\u754c \U0001F407"),
                           QStringLiteral("\"quotes\" \\back\\ /slash/ \n\r\t\b\f \x01\x1f end"),
                           QString()})},
        {"request null undefined",
         Message::request(13, target, method, {QCborValue(nullptr), QCborValue()})},
        {"request tags", Message::request(14, target, method,
                                          {QCborValue(QDateTime(QDate(2026, 11, 25),
                                                                QTime(11, 27, 48), Qt::UTC)),
                                           QCborValue(QUrl(QStringLiteral("https://example.org/x"))),
                                           QCborValue(QCborTag(1234), QStringLiteral("tagged"))})},
        {"request 1 KiB bytes", Message::request(15, target, method, {randomBytes(1024, 1)})},
        {"request 1 KiB string",
         Message::request(16, target, method, {QString(1024, QLatin1Char('x'))})},
        {"answer int", Message::answer(7, 42)},
        {"answer map", Message::answer(7, nested)},
        {"answer null", Message::answer(7, QCborValue(nullptr))},
        {"answer undefined", Message::answer(7, QCborValue())},
        {"answer string", Message::answer(7, QStringLiteral("done \u2713"))},
        {"answer false", Message::answer(7, false)},
        {"answer array with bytes", Message::answer(7, QCborArray{QByteArray("xyz"), 1.5})},
        {"error", Message::error(7, ErrorCode::UnknownMethod,
                                 QStringLiteral("LongWork has no method startWrok"))},
        {"error id 0", Message::error(0, ErrorCode::ParseError, QStringLiteral("bad frame"))},
        {"error empty message", Message::error(3, ErrorCode::Timeout, QString())},
        {"error unicode", Message::error(3, ErrorCode::Conflict, QStringLiteral("\u00e9t\u00e9 \"x\""))},
        {"error unknown code", Message::error(3, ErrorCode(99), QStringLiteral("from the future"))},
        {"notification", Message::notification(QStringLiteral("cb:3"), QStringLiteral("workFinished"),
                                               {7, QByteArray("\x01\x02\xff")})},
        {"notification empty args",
         Message::notification(QStringLiteral("cb:3"), QStringLiteral("ping"), {})},
        {"release", Message::callbackRelease(QStringLiteral("cb:3"))},
        {"batch", Message::batch({Message::request(1, target, method, {1}),
                                  Message::notification(QStringLiteral("cb:1"),
                                                        QStringLiteral("progress"), {50}),
                                  Message::callbackRelease(QStringLiteral("cb:1")),
                                  Message::answer(2, QStringLiteral("x")),
                                  Message::error(3, ErrorCode::Unavailable, QStringLiteral("busy"))})},
        {"batch empty", Message::batch({})},
    };
    if (includeHuge) {
        samples.append({"request 8 MiB bytes",
                        Message::request(17, target, method, {randomBytes(8 * 1024 * 1024, 2)})});
    }
    return samples;
}

} // namespace

class tst_MessageCodec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void messageModel();
    void equality();
    void implicitSharing();
    void debugOutput();
    void errorCodeNames();
    void builtInCodecs();

    void roundTrip_data();
    void roundTrip();
    void goldenEncoding_data();
    void goldenEncoding();
    void cborValueEncodingMatchesQt_data();
    void cborValueEncodingMatchesQt();
    void jsonValueMapping();
    void jsonLenientReading();
    void cborIndefiniteLengths();

    void batch_data();
    void batch();
    void batchFlattening_data();
    void batchFlattening();

    void malformed_data();
    void malformed();
    void errorOutParameters();
    void randomInput();
    void mutatedInput();

    void benchmark_data();
    void benchmark();
};

void tst_MessageCodec::messageModel()
{
    const Message invalid;
    QCOMPARE(invalid.type(), Message::Type::Invalid);
    QVERIFY(!invalid.isValid());
    QCOMPARE(invalid.id(), 0u);
    QVERIFY(invalid.target().isNull());
    QVERIFY(invalid.arguments().isEmpty());
    QVERIFY(invalid.messages().isEmpty());
    QCOMPARE(invalid.errorCode(), ErrorCode::NoError);

    const Message request = Message::request(3, QStringLiteral("T"), QStringLiteral("m"), {1, 2});
    QCOMPARE(request.type(), Message::Type::Request);
    QVERIFY(request.isValid());
    QCOMPARE(request.id(), 3u);
    QCOMPARE(request.target(), QStringLiteral("T"));
    QCOMPARE(request.method(), QStringLiteral("m"));
    QCOMPARE(request.arguments(), (QCborArray{1, 2}));

    const Message answer = Message::answer(4, QStringLiteral("r"));
    QCOMPARE(answer.type(), Message::Type::Answer);
    QCOMPARE(answer.id(), 4u);
    QCOMPARE(answer.result(), QCborValue(QStringLiteral("r")));

    const Message error = Message::error(5, ErrorCode::NotFound, QStringLiteral("gone"));
    QCOMPARE(error.type(), Message::Type::Error);
    QCOMPARE(error.id(), 5u);
    QCOMPARE(error.errorCode(), ErrorCode::NotFound);
    QCOMPARE(error.errorMessage(), QStringLiteral("gone"));

    const Message notification = Message::notification(QStringLiteral("cb:1"), QStringLiteral("n"), {true});
    QCOMPARE(notification.type(), Message::Type::Notification);
    QCOMPARE(notification.target(), QStringLiteral("cb:1"));
    QCOMPARE(notification.method(), QStringLiteral("n"));
    QCOMPARE(notification.arguments(), QCborArray{true});

    const Message release = Message::callbackRelease(QStringLiteral("cb:1"));
    QCOMPARE(release.type(), Message::Type::CallbackRelease);
    QCOMPARE(release.target(), QStringLiteral("cb:1"));

    const Message batch = Message::batch({request, release});
    QCOMPARE(batch.type(), Message::Type::Batch);
    QCOMPARE(batch.messages().size(), 2);
    QCOMPARE(batch.messages().at(0), request);
    QCOMPARE(batch.messages().at(1), release);

    Message withId = Message::request(1, QStringLiteral("T"), QStringLiteral("m"), {});
    withId.setId(77);
    QCOMPARE(withId.id(), 77u);
    Message invalidWithId;
    invalidWithId.setId(5); // allowed, still Invalid
    QVERIFY(!invalidWithId.isValid());

    QVariant variant = QVariant::fromValue(request);
    QCOMPARE(variant.value<Message>(), request);
}

void tst_MessageCodec::equality()
{
    const QString t = QStringLiteral("T"), m = QStringLiteral("m");
    QCOMPARE(Message(), Message());
    Message invalidWithId;
    invalidWithId.setId(3);
    QCOMPARE(invalidWithId, Message());

    QCOMPARE(Message::request(1, t, m, {1}), Message::request(1, t, m, {1}));
    QVERIFY(Message::request(1, t, m, {1}) != Message::request(2, t, m, {1}));
    QVERIFY(Message::request(1, t, m, {1}) != Message::request(1, m, m, {1}));
    QVERIFY(Message::request(1, t, m, {1}) != Message::request(1, t, t, {1}));
    QVERIFY(Message::request(1, t, m, {1}) != Message::request(1, t, m, {1.0}));
    QVERIFY(Message::request(1, t, m, {1}) != Message::notification(t, m, {1}));

    // Only the fields of the type count: an id on a notification is not part of it.
    Message notification = Message::notification(t, m, {1});
    notification.setId(9);
    QCOMPARE(notification, Message::notification(t, m, {1}));

    QCOMPARE(Message::answer(1, QCborMap{{1, 2}}), Message::answer(1, QCborMap{{1, 2}}));
    QVERIFY(Message::answer(1, 1) != Message::answer(1, 2));
    QVERIFY(Message::answer(1, QCborValue()) != Message::answer(1, QCborValue(nullptr)));
    QVERIFY(Message::error(1, ErrorCode::Timeout, t) != Message::error(1, ErrorCode::Conflict, t));
    QVERIFY(Message::error(1, ErrorCode::Timeout, t) != Message::error(1, ErrorCode::Timeout, m));
    QVERIFY(Message::callbackRelease(t) != Message::callbackRelease(m));

    const Message a = Message::callbackRelease(t), b = Message::callbackRelease(m);
    QCOMPARE(Message::batch({a, b}), Message::batch({a, b}));
    QVERIFY(Message::batch({a, b}) != Message::batch({b, a}));
    QVERIFY(Message::batch({a}) != Message::batch({a, b}));
}

void tst_MessageCodec::implicitSharing()
{
    const Message original = Message::request(1, QStringLiteral("T"), QStringLiteral("m"), {1});
    Message copy = original;
    QCOMPARE(copy, original);
    copy.setId(2);
    QCOMPARE(original.id(), 1u);
    QCOMPARE(copy.id(), 2u);
    QVERIFY(copy != original);

    Message moved = std::move(copy);
    QCOMPARE(moved.id(), 2u);
    Message assigned;
    assigned = moved;
    QCOMPARE(assigned, moved);
}

void tst_MessageCodec::debugOutput()
{
    auto text = [](const Message &m) {
        QString s;
        QDebug(&s).nospace() << m;
        return s;
    };
    QCOMPARE(text(Message::request(3, QStringLiteral("LongWork"), QStringLiteral("startWork"),
                                   {1, QStringLiteral("x"), QByteArray("\x01\x02")})),
             QStringLiteral("Message(Request id=3 LongWork.startWork args=[1, \"x\", h'0102'])"));
    QCOMPARE(text(Message::answer(3, QCborMap{{QStringLiteral("ok"), true}})),
             QStringLiteral("Message(Answer id=3 result={\"ok\": true})"));
    QCOMPARE(text(Message::error(3, ErrorCode::UnknownMethod, QStringLiteral("no such method"))),
             QStringLiteral("Message(Error id=3 UnknownMethod \"no such method\")"));
    QCOMPARE(text(Message::notification(QStringLiteral("cb:3"), QStringLiteral("workFinished"), {})),
             QStringLiteral("Message(Notification cb:3.workFinished args=[])"));
    QCOMPARE(text(Message::callbackRelease(QStringLiteral("cb:3"))),
             QStringLiteral("Message(CallbackRelease cb:3)"));
    QCOMPARE(text(Message()), QStringLiteral("Message(Invalid)"));
    QCOMPARE(text(Message::batch({Message::callbackRelease(QStringLiteral("cb:1")),
                                  Message::answer(1, 2)})),
             QStringLiteral("Message(Batch of 2: CallbackRelease cb:1; Answer id=1 result=2)"));

    // Large payloads are summarised, not printed.
    const QString big = text(Message::request(1, QStringLiteral("T"), QStringLiteral("m"),
                                              {QByteArray(8 * 1024 * 1024, 'x'),
                                               QString(100000, QLatin1Char('y')),
                                               QCborArray(), QCborMap()}));
    QVERIFY2(big.size() < 300, qPrintable(big));
    QVERIFY(big.contains(QLatin1String("bytes(8388608)")));
    QCborArray many;
    for (int i = 0; i < 1000; ++i)
        many.append(i);
    const QString long_ = text(Message::notification(QStringLiteral("T"), QStringLiteral("m"), many));
    QVERIFY2(long_.size() < 300, qPrintable(long_));
}

void tst_MessageCodec::errorCodeNames()
{
    QCOMPARE(errorCodeName(ErrorCode::NoError), QStringLiteral("NoError"));
    QCOMPARE(errorCodeName(ErrorCode::UnknownMethod), QStringLiteral("UnknownMethod"));
    QCOMPARE(errorCodeName(ErrorCode::Unavailable), QStringLiteral("Unavailable"));
    QCOMPARE(errorCodeName(ErrorCode(99)), QStringLiteral("ErrorCode(99)"));
    // Every code has the name of its enumerator.
    const QMetaEnum meta = QMetaEnum::fromType<ErrorCode>();
    QCOMPARE(meta.keyCount(), 18);
    for (int i = 0; i < meta.keyCount(); ++i)
        QCOMPARE(errorCodeName(ErrorCode(meta.value(i))), QLatin1String(meta.key(i)));
}

void tst_MessageCodec::builtInCodecs()
{
    const MessageCodecPointer json = MessageCodec::json();
    const MessageCodecPointer cbor = MessageCodec::cbor();
    QVERIFY(json && cbor);
    QCOMPARE(MessageCodec::json(), json); // one shared instance
    QCOMPARE(MessageCodec::cbor(), cbor);
    QCOMPARE(json->subprotocol(), QStringLiteral("burrow-json.v1"));
    QCOMPARE(json->subprotocol(), QLatin1String(JsonSubprotocol));
    QCOMPARE(json->frameType(), MessageCodec::FrameType::Text);
    QCOMPARE(cbor->subprotocol(), QStringLiteral("burrow-binary.v1"));
    QCOMPARE(cbor->subprotocol(), QLatin1String(BinarySubprotocol));
    QCOMPARE(cbor->frameType(), MessageCodec::FrameType::Binary);
    const QList<MessageCodecPointer> builtIn = MessageCodec::builtIn();
    QCOMPARE(builtIn.size(), 2);
    QCOMPARE(builtIn.at(0), cbor);
    QCOMPARE(builtIn.at(1), json);
    QCOMPARE(json->encode(Message()), QByteArray());
    QCOMPARE(cbor->encode(Message()), QByteArray());
}

void tst_MessageCodec::roundTrip_data()
{
    QTest::addColumn<QString>("codec");
    QTest::addColumn<Message>("message");
    QTest::addColumn<Message>("expected");
    for (const auto &[name, message] : sampleMessages(true)) {
        QTest::addRow("cbor/%s", name) << QStringLiteral("cbor") << message << message;
        QTest::addRow("json/%s", name) << QStringLiteral("json") << message << jsonExpected(message);
    }
}

void tst_MessageCodec::roundTrip()
{
    QFETCH(QString, codec);
    QFETCH(Message, message);
    QFETCH(Message, expected);
    const MessageCodecPointer c = codecNamed(codec);

    const QByteArray encoded = c->encode(message);
    QVERIFY(!encoded.isEmpty());
    ErrorCode error = ErrorCode::Unavailable;
    QString errorString = QStringLiteral("junk");
    const Message decoded = c->decode(encoded, &error, &errorString);
    QCOMPARE(error, ErrorCode::NoError);
    QVERIFY2(errorString.isEmpty(), qPrintable(errorString));
    QCOMPARE(decoded, expected);

    // Encoding is deterministic and stable through a second trip.
    QCOMPARE(c->encode(decoded), c->encode(expected));
    if (codec == QLatin1String("json")) {
        // Well-formed JSON by Qt's parser too, with "type" first.
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(encoded, &parseError);
        QCOMPARE(parseError.error, QJsonParseError::NoError);
        QVERIFY(document.isObject());
        QVERIFY(encoded.startsWith("{\"type\":\""));
    } else {
        // One CBOR item, which Qt's parser reads the same way.
        QCborParserError parseError;
        const QCborValue value = QCborValue::fromCbor(encoded, &parseError);
        QCOMPARE(parseError.error, QCborError::NoError);
        QVERIFY(value.isArray());
        QCOMPARE(value.toArray().at(0).toInteger(), qint64(message.type()));
        QCOMPARE(value.toCbor(), encoded);
    }
}

void tst_MessageCodec::goldenEncoding_data()
{
    // The examples of docs/PROTOCOL.md, "Encodings": keep both in step.
    QTest::addColumn<Message>("message");
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QByteArray>("cborHex");

    QCborMap stats;
    stats.insert(QStringLiteral("elapsed"), 1.5);
    stats.insert(QStringLiteral("ok"), true);

    QTest::newRow("request")
        << Message::request(7, QStringLiteral("LongWork"), QStringLiteral("startWork"),
                            {42, QStringLiteral("fast")})
        << QByteArray(R"({"type":"request","id":7,"target":"LongWork","method":"startWork","args":[42,"fast"]})")
        << QByteArray("85 01 07 68 4c6f6e67576f726b 69 7374617274576f726b 82 182a 64 66617374");
    QTest::newRow("answer")
        << Message::answer(7, stats)
        << QByteArray(R"({"type":"answer","id":7,"result":{"elapsed":1.5,"ok":true}})")
        << QByteArray("83 02 07 a2 67 656c6170736564 fb 3ff8000000000000 62 6f6b f5");
    QTest::newRow("answer null")
        << Message::answer(8, QCborValue(nullptr))
        << QByteArray(R"({"type":"answer","id":8})")
        << QByteArray("83 02 08 f6");
    QTest::newRow("error")
        << Message::error(7, ErrorCode::UnknownMethod, QStringLiteral("no such method"))
        << QByteArray(R"({"type":"error","id":7,"code":4,"error":"UnknownMethod","message":"no such method"})")
        << QByteArray("84 03 07 04 6e 6e6f2073756368206d6574686f64");
    QTest::newRow("notification")
        << Message::notification(QStringLiteral("cb:3"), QStringLiteral("workFinished"),
                                 {7, QByteArray("\x01\x02\xff")})
        << QByteArray(R"({"type":"notification","target":"cb:3","method":"workFinished","args":[7,"AQL_"]})")
        << QByteArray("84 04 64 63623a33 6c 776f726b46696e6973686564 82 07 43 0102ff");
    QTest::newRow("release")
        << Message::callbackRelease(QStringLiteral("cb:3"))
        << QByteArray(R"({"type":"release","target":"cb:3"})")
        << QByteArray("82 05 64 63623a33");
    QTest::newRow("batch")
        << Message::batch({Message::notification(QStringLiteral("cb:3"), QStringLiteral("progress"), {50}),
                           Message::callbackRelease(QStringLiteral("cb:3"))})
        << QByteArray(R"({"type":"batch","messages":[{"type":"notification","target":"cb:3","method":"progress","args":[50]},{"type":"release","target":"cb:3"}]})")
        << QByteArray("82 06 82 84 04 64 63623a33 68 70726f6772657373 81 1832 82 05 64 63623a33");
    QTest::newRow("values")
        << Message::request(1, QStringLiteral("T"), QStringLiteral("m"),
                            {-1, -500, 0.1, QCborValue(nullptr), false,
                             QStringLiteral("a\"b\\c\nd\u00e9"), QByteArray("\xfb\xff", 2)})
        << QByteArray("{\"type\":\"request\",\"id\":1,\"target\":\"T\",\"method\":\"m\","
                      "\"args\":[-1,-500,0.1,null,false,\"a\\\"b\\\\c\\nd\xc3\xa9\",\"-_8\"]}")
        << QByteArray("85 01 01 61 54 61 6d 87 20 3901f3 fb 3fb999999999999a f6 f4"
                      " 69 6122625c630a64c3a9 42 fbff");
}

void tst_MessageCodec::goldenEncoding()
{
    QFETCH(Message, message);
    QFETCH(QByteArray, json);
    QFETCH(QByteArray, cborHex);
    const QByteArray cbor = QByteArray::fromHex(cborHex.replace(' ', QByteArray()));

    QCOMPARE(MessageCodec::json()->encode(message), json);
    QCOMPARE(MessageCodec::cbor()->encode(message).toHex(' '), cbor.toHex(' '));
    QCOMPARE(MessageCodec::json()->decode(json), jsonExpected(message));
    QCOMPARE(MessageCodec::cbor()->decode(cbor), message);
}

void tst_MessageCodec::cborValueEncodingMatchesQt_data()
{
    QTest::addColumn<QCborValue>("value");
    for (const auto &[name, message] : sampleMessages(false)) {
        if (message.type() == Message::Type::Request)
            QTest::addRow("%s", name) << QCborValue(message.arguments());
    }
    QTest::newRow("simple types") << QCborValue(QCborArray{QCborValue(QCborSimpleType(0)),
                                                           QCborValue(QCborSimpleType(23)),
                                                           QCborValue(QCborSimpleType(32)),
                                                           QCborValue(QCborSimpleType(255))});
    QTest::newRow("uuid") << QCborValue(QUuid::fromString(
        QLatin1String("{0f8fad5b-d9cb-469f-a165-70867728950e}")));
    QTest::newRow("int keys") << QCborValue(QCborMap{{1, 2}, {-3, QStringLiteral("x")}});
    QTest::newRow("infinity and nan") << QCborValue(QCborArray{qInf(), -qInf(), qQNaN(), -0.0});
    QTest::newRow("big string") << QCborValue(QString(70000, QChar(0x4e16)));
}

void tst_MessageCodec::cborValueEncodingMatchesQt()
{
    // The CBOR codec writes values itself (no QCborStreamWriter); it must produce exactly the
    // bytes Qt does.
    QFETCH(QCborValue, value);
    const QByteArray encoded = MessageCodec::cbor()->encode(Message::answer(1, value));
    QCOMPARE(encoded.left(3), QByteArray("\x83\x02\x01"));
    QCOMPARE(encoded.mid(3).toHex(), value.toCbor().toHex());
}

void tst_MessageCodec::jsonValueMapping()
{
    const MessageCodecPointer json = MessageCodec::json();
    auto args = [&](const QCborArray &arguments) {
        const QByteArray text = json->encode(
            Message::notification(QStringLiteral("T"), QStringLiteral("m"), arguments));
        const QByteArray prefix = R"({"type":"notification","target":"T","method":"m","args":)";
        return text.startsWith(prefix) ? text.mid(prefix.size()).chopped(1) : text;
    };
    // Byte strings: base64url without padding; the other side gets a string.
    QCOMPARE(args({QByteArray("\xfb\xff\xbf", 3), QByteArray("a"), QByteArray()}),
             QByteArray(R"(["-_-_","YQ",""])"));
    // No undefined, NaN or infinity in JSON: null.
    QCOMPARE(args({QCborValue(), qQNaN(), qInf(), -qInf()}), QByteArray("[null,null,null,null]"));
    // Shortest exact doubles; integers exact to the ends of qint64.
    QCOMPARE(args({0.1, 1e300, -2.5e-10, std::numeric_limits<qint64>::min(),
                   std::numeric_limits<qint64>::max()}),
             QByteArray("[0.1,1e+300,-2.5e-10,-9223372036854775808,9223372036854775807]"));
    // Map keys that are not strings become strings, as QCborValue::toJsonValue() does.
    QCOMPARE(args({QCborMap{{1, 2}, {QStringLiteral("k"), 3}}}), QByteArray(R"([{"1":2,"k":3}])"));
    // Tags as QCborValue::toJsonValue(): a date-time is its ISO string, a URL its text.
    QCOMPARE(args({QCborValue(QDateTime(QDate(2026, 1, 2), QTime(3, 4, 5), Qt::UTC)),
                   QCborValue(QUrl(QStringLiteral("https://example.org/")))}),
             QByteArray("[\"2026-01-02T03:04:05.000Z\",\"https:\x2f/example.org/\"]"));
    // Control characters are escaped, everything else is UTF-8 as is.
    QCOMPARE(args({QStringLiteral("\x01\x1f\u2028/")}),
             QByteArray("[\"\\u0001\\u001f\xe2\x80\xa8/\"]"));

    // Reading: an integral double comes back as an integer (JSON has one number type).
    const Message decoded = json->decode(
        R"({"type":"notification","target":"T","method":"m","args":[2.0,2.5,1e3,18446744073709551616]})");
    QVERIFY(decoded.isValid());
    const QCborArray values = decoded.arguments();
    QCOMPARE(values.at(0), QCborValue(2));
    QCOMPARE(values.at(1), QCborValue(2.5));
    QCOMPARE(values.at(2), QCborValue(1000));
    QVERIFY(values.at(3).isDouble());
}

void tst_MessageCodec::jsonLenientReading()
{
    const MessageCodecPointer json = MessageCodec::json();
    ErrorCode error;
    QString errorString;
    // Escaped surrogate pairs are fine (only unpaired ones are refused), and so is text that only
    // looks like an escape.
    QCOMPARE(json->decode(R"({"type":"release","target":"cb:\ud83d\ude00 \\ud800"})", &error, &errorString),
             Message::callbackRelease(QString::fromUtf8("cb:\xf0\x9f\x98\x80 \\ud800")));
    QCOMPARE(error, ErrorCode::NoError);
    // Whitespace, member order, unknown members, an "error" name that disagrees with the code,
    // an omitted result, an id written as 7.0: all fine.
    QCOMPARE(json->decode(" {\n \"args\": [], \"method\": \"m\", \"x-debug\": {\"a\": 1},"
                          " \"target\": \"T\", \"id\": 7.0, \"type\": \"request\" } ",
                          &error, &errorString),
             Message::request(7, QStringLiteral("T"), QStringLiteral("m"), {}));
    QCOMPARE(error, ErrorCode::NoError);
    QCOMPARE(json->decode(R"({"type":"error","id":1,"code":5,"error":"Timeout","message":""})"),
             Message::error(1, ErrorCode::InvalidArguments, QString()));
    QCOMPARE(json->decode(R"({"type":"error","id":1,"code":5,"message":"m"})"),
             Message::error(1, ErrorCode::InvalidArguments, QStringLiteral("m")));
    QCOMPARE(json->decode(R"({"type":"answer","id":1})"), Message::answer(1, QCborValue(nullptr)));
    QCOMPARE(json->decode(R"({"type":"answer","id":1,"result":null})"),
             Message::answer(1, QCborValue(nullptr)));
    // Escapes in strings, surrogate pairs included.
    QCOMPARE(json->decode(R"({"type":"release","target":"cb:\u00e9\ud83d\udc07\n"})"),
             Message::callbackRelease(QStringLiteral("cb:\u00e9\U0001F407\n")));
}

void tst_MessageCodec::cborIndefiniteLengths()
{
    // Other encoders may use indefinite-length arrays and chunked strings: valid CBOR.
    const MessageCodecPointer cbor = MessageCodec::cbor();
    ErrorCode error;
    QString errorString;
    const QByteArray release = QByteArray::fromHex("9f05" "7f626362" "6131" "ff" "ff"); // [_ 5, (_ "cb", "1")]
    QCOMPARE(cbor->decode(release, &error, &errorString), Message::callbackRelease(QStringLiteral("cb1")));
    QCOMPARE(error, ErrorCode::NoError);
    const QByteArray batch = QByteArray::fromHex("8206" "9f" "820563636231" "820563636232" "ff");
    QCOMPARE(cbor->decode(batch, &error, &errorString),
             Message::batch({Message::callbackRelease(QStringLiteral("cb1")),
                             Message::callbackRelease(QStringLiteral("cb2"))}));
    const QByteArray request = QByteArray::fromHex("850107615461" "6d" "9f0102ff");
    QCOMPARE(cbor->decode(request, &error, &errorString),
             Message::request(7, QStringLiteral("T"), QStringLiteral("m"), {1, 2}));
    // Shorter float encodings are read too (half precision 1.5 = f9 3e00).
    QCOMPARE(cbor->decode(QByteArray::fromHex("830207f93e00")), Message::answer(7, 1.5));
}

void tst_MessageCodec::batch_data()
{
    QTest::addColumn<QString>("codec");
    for (const char *codec : {"cbor", "json"})
        QTest::newRow(codec) << QString::fromLatin1(codec);
}

void tst_MessageCodec::batch()
{
    QFETCH(QString, codec);
    const MessageCodecPointer c = codecNamed(codec);
    const bool isJson = codec == QLatin1String("json");

    QList<Message> messages;
    QList<QByteArray> encoded;
    for (const auto &[name, message] : sampleMessages(false)) {
        if (message.type() == Message::Type::Batch)
            continue;
        messages.append(isJson ? jsonExpected(message) : message);
        encoded.append(c->encode(message));
    }
    QVERIFY(messages.size() > 24); // and so an array head of more than one byte in CBOR
    const QByteArray payload = c->encodeBatch(encoded);
    ErrorCode error;
    QString errorString;
    const Message decoded = c->decode(payload, &error, &errorString);
    QVERIFY2(error == ErrorCode::NoError, qPrintable(errorString));
    QCOMPARE(decoded.type(), Message::Type::Batch);
    QCOMPARE(decoded.messages().size(), messages.size());
    for (qsizetype i = 0; i < messages.size(); ++i)
        QCOMPARE(decoded.messages().at(i), messages.at(i));

    // encodeBatch() and encode(Message::batch()) produce the same bytes.
    QList<Message> originals;
    for (const auto &[name, message] : sampleMessages(false)) {
        if (message.type() != Message::Type::Batch)
            originals.append(message);
    }
    QCOMPARE(c->encode(Message::batch(originals)), payload);

    // Empty batch; a batch of one.
    QCOMPARE(c->decode(c->encodeBatch({})), Message::batch({}));
    QCOMPARE(c->encode(Message::batch({})), c->encodeBatch({}));
    QCOMPARE(c->decode(c->encodeBatch({encoded.first()})), Message::batch({messages.first()}));

    // The same encoded message fanned out in several batches.
    const QByteArray once = c->encode(Message::callbackRelease(QStringLiteral("cb:9")));
    const Message twice = c->decode(c->encodeBatch({once, once}));
    QCOMPARE(twice, Message::batch({Message::callbackRelease(QStringLiteral("cb:9")),
                                    Message::callbackRelease(QStringLiteral("cb:9"))}));
}

void tst_MessageCodec::batchFlattening_data()
{
    batch_data();
}

void tst_MessageCodec::batchFlattening()
{
    QFETCH(QString, codec);
    const MessageCodecPointer c = codecNamed(codec);
    const Message a = Message::callbackRelease(QStringLiteral("a"));
    const Message b = Message::answer(2, 3);
    const Message d = Message::notification(QStringLiteral("d"), QStringLiteral("m"), {});
    const Message flat = Message::batch({a, b, d});

    // The wire has no nested batches: encode() flattens and leaves out Invalid messages...
    QCOMPARE(c->decode(c->encode(Message::batch({a, Message::batch({b, Message()}), d}))), flat);
    QCOMPARE(c->decode(c->encode(Message::batch({Message::batch({}), a, b, d}))), flat);
    // ...and encodeBatch() splices in batches and skips empty entries.
    QCOMPARE(c->decode(c->encodeBatch({c->encode(a), c->encode(Message::batch({b, d}))})), flat);
    QCOMPARE(c->decode(c->encodeBatch({c->encode(Message::batch({a, b})), QByteArray(),
                                       c->encode(Message::batch({})), c->encode(d)})), flat);

    // A batch of 300 (CBOR: a 2-byte array head) spliced into another.
    QList<Message> many;
    QList<QByteArray> encoded;
    for (int i = 0; i < 300; ++i) {
        many.append(Message::answer(quint64(i), i));
        encoded.append(c->encode(many.last()));
    }
    const QByteArray big = c->encodeBatch(encoded);
    QCOMPARE(c->decode(c->encodeBatch({c->encode(a), big})).messages().size(), 301);
    QCOMPARE(c->decode(c->encodeBatch({c->encode(a), big})).messages().last(), many.last());
}

void tst_MessageCodec::malformed_data()
{
    QTest::addColumn<QString>("codec");
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<ErrorCode>("expectedCode");
    QTest::addColumn<QString>("expectedText"); // must appear in the error string
    QTest::addColumn<QList<quint64>>("expectedIds"); // peekRequestIds()

    const ErrorCode parse = ErrorCode::ParseError;
    const ErrorCode invalid = ErrorCode::InvalidMessage;
    using Ids = QList<quint64>;

    auto json = [](const char *name, const QByteArray &payload, ErrorCode code, const char *text,
                   Ids ids = {}) {
        QTest::addRow("json/%s", name) << QStringLiteral("json") << payload << code
                                       << QString::fromUtf8(text) << ids;
    };
    json("empty", "", parse, "not valid JSON");
    json("not json", "hello", parse, "not valid JSON");
    json("truncated", R"({"type":"request","id":7,"target":"A")", parse, "not valid JSON");
    json("trailing garbage", R"({"type":"release","target":"cb:1"} x)", parse, "not valid JSON");
    json("two objects", R"({"type":"release","target":"a"}{"type":"release","target":"b"})", parse,
         "not valid JSON");
    json("array instead of object", R"([{"type":"release","target":"cb:1"}])", parse, "JSON object");
    json("invalid utf-8", "{\"type\":\"release\",\"target\":\"\xff\xfe\"}", parse, "not valid JSON");
    // JSON can escape an unpaired surrogate, which neither encoder can write back (finding 2 in
    // docs/RELIABILITY-fuzzing.md: "\ud800" was relayed as "?"): refused like invalid UTF-8.
    json("lone high surrogate", R"({"type":"release","target":"\ud800"})", parse, "unpaired surrogate");
    json("lone low surrogate in args",
         R"({"type":"request","id":7,"target":"A","method":"m","args":["x\uDC00y"]})", parse,
         "unpaired surrogate");
    json("reversed pair in map key",
         R"({"type":"answer","id":7,"result":{"k":[{"\udc00\ud800":1}]}})", parse, "unpaired surrogate");
    json("high surrogate at the end of an error message",
         R"({"type":"error","id":7,"code":4,"message":"x\uD83D"})", parse, "unpaired surrogate");
    json("too deep", "{\"a\":" + QByteArray(5000, '[') + QByteArray(5000, ']') + "}", parse,
         "not valid JSON");
    json("no type", R"({"id":7})", invalid, "\"type\" is missing");
    json("type number", R"({"type":1,"id":7})", invalid, "\"type\" must be a string");
    json("type nope", R"({"type":"nope","id":7})", invalid, "unknown message type \"nope\"");
    json("request no id", R"({"type":"request","target":"A","method":"m","args":[]})", invalid,
         "request: \"id\" is missing");
    json("id -1", R"({"type":"request","id":-1,"target":"A","method":"m","args":[]})", invalid,
         "request: \"id\" must be an integer");
    json("id \"7\"", R"({"type":"request","id":"7","target":"A","method":"m","args":[]})", invalid,
         "request: \"id\" must be an integer");
    json("id 7.5", R"({"type":"request","id":7.5,"target":"A","method":"m","args":[]})", invalid,
         "request: \"id\" must be an integer");
    json("id 2^63", R"({"type":"request","id":9223372036854775808,"target":"A","method":"m","args":[]})",
         invalid, "request: \"id\" must be an integer");
    json("id null", R"({"type":"request","id":null,"target":"A","method":"m","args":[]})", invalid,
         "request: \"id\"");
    json("no target", R"({"type":"request","id":7,"method":"m","args":[]})", invalid,
         "request: \"target\" is missing", {7});
    json("target empty", R"({"type":"request","id":7,"target":"","method":"m","args":[]})", invalid,
         "request: \"target\" must be a non-empty string", {7});
    json("method 5", R"({"type":"request","id":7,"target":"A","method":5,"args":[]})", invalid,
         "request: \"method\" must be a non-empty string", {7});
    json("args {}", R"({"type":"request","id":7,"target":"A","method":"m","args":{}})", invalid,
         "request: \"args\" must be an array", {7});
    json("no args", R"({"type":"request","id":7,"target":"A","method":"m"})", invalid,
         "request: \"args\" is missing", {7});
    json("answer no id", R"({"type":"answer","result":1})", invalid, "answer: \"id\" is missing");
    json("error code \"4\"", R"({"type":"error","id":7,"code":"4","message":"x"})", invalid,
         "error: \"code\" must be an integer");
    json("error code 4.5", R"({"type":"error","id":7,"code":4.5,"message":"x"})", invalid,
         "error: \"code\" must be an integer");
    json("error code -1", R"({"type":"error","id":7,"code":-1,"message":"x"})", invalid,
         "error: \"code\" must be an integer");
    json("error no code", R"({"type":"error","id":7,"message":"x"})", invalid,
         "error: \"code\" is missing");
    json("error message 5", R"({"type":"error","id":7,"code":4,"message":5})", invalid,
         "error: \"message\" must be a string");
    json("notification no method", R"({"type":"notification","target":"cb:1","args":[]})", invalid,
         "notification: \"method\" is missing");
    json("notification args string", R"({"type":"notification","target":"cb:1","method":"m","args":"[]"})",
         invalid, "notification: \"args\" must be an array");
    json("release target null", R"({"type":"release","target":null})", invalid,
         "release: \"target\" must be a non-empty string");
    json("batch messages object", R"({"type":"batch","messages":{}})", invalid,
         "batch: \"messages\" must be an array");
    json("batch no messages", R"({"type":"batch"})", invalid, "batch: \"messages\" is missing");
    json("nested batch", R"({"type":"batch","messages":[{"type":"batch","messages":[]}]})", invalid,
         "batch: message 0: batch: a batch cannot contain a batch");
    json("batch bad member",
         R"({"type":"batch","messages":[{"type":"release","target":"a"},)"
         R"({"type":"request","id":9,"target":"A","method":5,"args":[]},)"
         R"({"type":"request","id":10,"target":"A","method":"m","args":[]}]})",
         invalid, "batch: message 1: request: \"method\" must be a non-empty string", {9, 10});
    json("batch member not object", R"({"type":"batch","messages":[5]})", invalid,
         "batch: message 0: a message must be a JSON object");

    auto cbor = [](const char *name, const QByteArray &hex, ErrorCode code, const char *text,
                   Ids ids = {}) {
        QByteArray h = hex;
        QTest::addRow("cbor/%s", name) << QStringLiteral("cbor")
                                       << QByteArray::fromHex(h.replace(' ', QByteArray()))
                                       << code << QString::fromUtf8(text) << ids;
    };
    const QByteArray request7 = MessageCodec::cbor()->encode(
        Message::request(7, QStringLiteral("LongWork"), QStringLiteral("startWork"), {1, 2}));
    cbor("empty", "", parse, "not valid CBOR");
    cbor("truncated request", request7.chopped(1).toHex(), parse, "not valid CBOR", {7});
    cbor("truncated after id", request7.left(5).toHex(), parse, "not valid CBOR", {7});
    cbor("random bytes", "1c8f3ac1d2", parse, "not valid CBOR"); // 0x1c: reserved head
    cbor("trailing garbage", "820564 63623a33 00", parse, "trailing bytes");
    cbor("two messages", "820561 61 820561 62", parse, "trailing bytes");
    cbor("lone break", "ff", parse, "not valid CBOR");
    cbor("invalid utf-8", "8205 62 c328", parse, "not valid CBOR");
    cbor("huge array head", "9b ffffffffffffffff", parse, "not valid CBOR");
    cbor("huge byte string", "8501 07 6141 6142 81 5b ffffffffffffffff 00", parse,
         "not valid CBOR", {7});
    cbor("too deep", "8501 07 6141 6142 " + QByteArray(2000 * 2, '8').replace("88", "81") + "00",
         parse, "not valid CBOR", {7});
    cbor("invalid then malformed", "8206 82 80 5bffffffffffffffff", parse, "not valid CBOR");
    cbor("map instead of array", "a0", invalid, "a message must be a CBOR array");
    cbor("string instead of array", "6161", invalid, "a message must be a CBOR array");
    cbor("empty array", "80", invalid, "\"type\" is missing");
    cbor("type \"1\"", "82 6131 00", invalid, "\"type\" must be an integer");
    cbor("type nope", "82 646e6f7065 00", invalid, "\"type\" must be an integer");
    cbor("type 9", "82 09 00", invalid, "unknown message type 9");
    cbor("type 0", "82 00 00", invalid, "unknown message type 0");
    cbor("type -1", "82 20 00", invalid, "unknown message type -1");
    cbor("request too short", "84 01 07 6141 6142", invalid, "request: \"args\" is missing", {7});
    cbor("request only type", "81 01", invalid, "request: \"id\" is missing");
    cbor("request too long", "86 01 07 6141 6142 80 00", invalid, "request: too many elements", {7});
    cbor("id -1", "85 01 20 6141 6142 80", invalid, "request: \"id\" must be a non-negative integer");
    cbor("id \"7\"", "85 01 6137 6141 6142 80", invalid, "request: \"id\" must be a non-negative integer");
    cbor("id 7.0", "85 01 fb401c000000000000 6141 6142 80", invalid,
         "request: \"id\" must be a non-negative integer");
    cbor("id 2^64-1", "85 01 1bffffffffffffffff 6141 6142 80", invalid,
         "request: \"id\" must be an integer in 0..2^63-1");
    cbor("id -2^64", "85 01 3bffffffffffffffff 6141 6142 80", invalid,
         "request: \"id\" must be a non-negative integer");
    cbor("target bytes", "85 01 07 4141 6142 80", invalid,
         "request: \"target\" must be a non-empty text string", {7});
    cbor("target empty", "85 01 07 60 6142 80", invalid,
         "request: \"target\" must be a non-empty text string", {7});
    cbor("method 5", "85 01 07 6141 05 80", invalid,
         "request: \"method\" must be a non-empty text string", {7});
    cbor("args {}", "85 01 07 6141 6142 a0", invalid, "request: \"args\" must be an array", {7});
    cbor("answer no result", "82 02 07", invalid, "answer: \"result\" is missing");
    cbor("error code \"4\"", "84 03 07 6134 60", invalid, "error: \"code\" must be an integer");
    cbor("error code -1", "84 03 07 20 60", invalid, "error: \"code\" must be an integer");
    cbor("error code 2^32", "84 03 07 1a80000000 60", invalid, "error: \"code\" must be an integer");
    cbor("error message 5", "84 03 07 04 05", invalid, "error: \"message\" must be a text string");
    cbor("notification args null", "84 04 6141 6142 f6", invalid,
         "notification: \"args\" must be an array");
    cbor("release target 5", "82 05 05", invalid, "release: \"target\" must be a non-empty text string");
    cbor("batch messages map", "82 06 a0", invalid, "batch: \"messages\" must be an array");
    cbor("nested batch", "82 06 81 8206 80", invalid,
         "batch: message 0: batch: a batch cannot contain a batch");
    cbor("batch bad member", "82 06 83 8205 6141 8501 09 6141 05 80 8501 0a 6141 6142 80", invalid,
         "batch: message 1: request: \"method\" must be a non-empty text string", {9, 10});
    cbor("batch member not array", "82 06 81 05", invalid,
         "batch: message 0: a message must be a CBOR array");
}

void tst_MessageCodec::malformed()
{
    QFETCH(QString, codec);
    QFETCH(QByteArray, payload);
    QFETCH(ErrorCode, expectedCode);
    QFETCH(QString, expectedText);
    QFETCH(QList<quint64>, expectedIds);
    const MessageCodecPointer c = codecNamed(codec);

    ErrorCode error = ErrorCode::NoError;
    QString errorString;
    const Message decoded = c->decode(payload, &error, &errorString);
    QCOMPARE(decoded.type(), Message::Type::Invalid);
    QCOMPARE(error, expectedCode);
    QVERIFY2(errorString.contains(expectedText),
             qPrintable(QStringLiteral("error string: %1").arg(errorString)));
    QCOMPARE(c->peekRequestIds(payload), expectedIds);
}

void tst_MessageCodec::errorOutParameters()
{
    for (const MessageCodecPointer &c : MessageCodec::builtIn()) {
        // No out parameters: no crash.
        QVERIFY(!c->decode(QByteArray("\xff\x00garbage", 9)).isValid());
        QVERIFY(c->decode(c->encode(smallRequest())).isValid());
        // Reset on success.
        ErrorCode error = ErrorCode::Timeout;
        QString errorString = QStringLiteral("stale");
        QVERIFY(c->decode(c->encode(smallRequest()), &error, &errorString).isValid());
        QCOMPARE(error, ErrorCode::NoError);
        QVERIFY(errorString.isNull());
        // Only one of them.
        QVERIFY(!c->decode(QByteArray(), &error).isValid());
        QCOMPARE(error, ErrorCode::ParseError);
        QVERIFY(!c->decode(QByteArray(), nullptr, &errorString).isValid());
        QVERIFY(!errorString.isEmpty());
        // Base class default.
        QVERIFY(c->peekRequestIds(QByteArray()).isEmpty());
    }
}

// How many fuzz inputs got which verdict: shows that they reach past the parsers.
struct Verdicts
{
    int valid = 0, invalid = 0, parseError = 0;
};

static void checkDecode(const MessageCodecPointer &codec, const QByteArray &payload,
                        Verdicts &verdicts)
{
    ErrorCode error = ErrorCode::Timeout;
    QString errorString;
    const Message message = codec->decode(payload, &error, &errorString);
    ++(message.isValid() ? verdicts.valid
                         : error == ErrorCode::InvalidMessage ? verdicts.invalid : verdicts.parseError);
    if (message.isValid()) {
        QCOMPARE(error, ErrorCode::NoError);
        // Whatever was accepted encodes again, and stably so.
        const QByteArray again = codec->encode(message);
        const Message reread = codec->decode(again, &error, &errorString);
        QVERIFY2(reread.isValid(), qPrintable(errorString));
        QCOMPARE(codec->encode(reread), again);
    } else {
        QVERIFY(error == ErrorCode::ParseError || error == ErrorCode::InvalidMessage);
        QVERIFY(!errorString.isEmpty());
    }
    const QList<quint64> ids = codec->peekRequestIds(payload);
    QVERIFY(ids.size() <= payload.size());
}

// A message-like map with each member present or not, right or wrong, at random.
static QCborMap almostMessage(QRandomGenerator &generator, int depth)
{
    auto pick = [&](std::initializer_list<QCborValue> values) {
        return values.begin()[generator.bounded(int(values.size()))];
    };
    QCborMap map;
    auto maybe = [&](const char *key, const QCborValue &value) {
        if (generator.bounded(8) != 0) // mostly present
            map.insert(QLatin1String(key), value);
    };
    const QCborValue goodArgs = QCborArray{1, QStringLiteral("x"), QCborMap{{QStringLiteral("k"), 2.5}}};
    maybe("type", generator.bounded(3) ? pick({QStringLiteral("request"), QStringLiteral("answer"),
                                               QStringLiteral("error"), QStringLiteral("notification"),
                                               QStringLiteral("release"), QStringLiteral("batch")})
                                       : pick({QStringLiteral("nope"), 1, QCborValue(nullptr)}));
    maybe("id", generator.bounded(3) ? QCborValue(generator.bounded(1000))
                                     : pick({-1, QStringLiteral("7"), 7.5, QCborValue(nullptr),
                                             std::numeric_limits<qint64>::max(), 1e30}));
    maybe("target", generator.bounded(3) ? QCborValue(QStringLiteral("cb:1"))
                                         : pick({QString(), 5, QCborArray(), QCborValue(nullptr)}));
    maybe("method", generator.bounded(3) ? QCborValue(QStringLiteral("m"))
                                         : pick({QString(), 5, QCborMap(), false}));
    maybe("args", generator.bounded(3) ? goodArgs
                                       : pick({QCborMap(), QStringLiteral("[]"), 1, QCborValue(nullptr)}));
    maybe("result", pick({QCborValue(nullptr), 1, QStringLiteral("r"), goodArgs}));
    maybe("code", generator.bounded(3) ? QCborValue(generator.bounded(20))
                                       : pick({-1, QStringLiteral("4"), 4.5, qint64(1) << 40}));
    maybe("message", generator.bounded(3) ? QCborValue(QStringLiteral("text"))
                                          : pick({5, QCborValue(nullptr), QCborArray()}));
    if (depth < 2) {
        QCborArray members;
        const int count = generator.bounded(4);
        for (int i = 0; i < count; ++i)
            members.append(generator.bounded(10) ? QCborValue(almostMessage(generator, depth + 1))
                                                 : QCborValue(5));
        maybe("messages", generator.bounded(4) ? QCborValue(members) : QCborValue(QCborMap()));
    }
    return map;
}

// The same almost-message laid out as a burrow-binary.v1 array.
static QCborValue almostCborMessage(const QCborMap &fields)
{
    static const QHash<QString, int> types = {
        {QStringLiteral("request"), 1}, {QStringLiteral("answer"), 2}, {QStringLiteral("error"), 3},
        {QStringLiteral("notification"), 4}, {QStringLiteral("release"), 5}, {QStringLiteral("batch"), 6},
    };
    const QCborValue type = fields.value(QLatin1String("type"));
    QCborArray array;
    if (type.isUndefined())
        return array;
    // A JSON type that is not a string is as wrong as a CBOR type that is not an integer.
    array.append(type.isString() ? QCborValue(types.value(type.toString(), 9))
                                 : QCborValue(type.toDiagnosticNotation()));
    QList<const char *> layout;
    switch (array.at(0).toInteger()) {
    case 1: layout = {"id", "target", "method", "args"}; break;
    case 2: layout = {"id", "result"}; break;
    case 3: layout = {"id", "code", "message"}; break;
    case 4: layout = {"target", "method", "args"}; break;
    case 5: layout = {"target"}; break;
    case 6: layout = {"messages"}; break;
    }
    for (const char *key : layout) {
        QCborValue value = fields.value(QLatin1String(key));
        if (value.isUndefined())
            break; // a missing member shortens the array
        if (value.isArray() && qstrcmp(key, "messages") == 0) {
            QCborArray members;
            for (const QCborValue &member : value.toArray())
                members.append(member.isMap() ? almostCborMessage(member.toMap()) : member);
            value = members;
        }
        array.append(value);
    }
    return array;
}

void tst_MessageCodec::randomInput()
{
    // 10,000 random buffers through both decoders: no crash, no assert, a verdict each time.
    QRandomGenerator generator(20261125);
    const QList<MessageCodecPointer> codecs = MessageCodec::builtIn();
    Verdicts verdicts;
    for (int i = 0; i < 10000; ++i) {
        const qsizetype size = generator.bounded(0, 300);
        QByteArray buffer(size, Qt::Uninitialized);
        for (char &byte : buffer)
            byte = char(generator.bounded(256));
        // Give the CBOR decoder a fair chance to get past the first bytes now and then.
        if (size >= 2 && i % 4 == 0) {
            buffer[0] = char(0x80 | generator.bounded(7));
            buffer[1] = char(generator.bounded(8));
        }
        for (const MessageCodecPointer &codec : codecs) {
            checkDecode(codec, buffer, verdicts);
            if (QTest::currentTestFailed())
                QFAIL(qPrintable(QStringLiteral("input: %1").arg(QString::fromLatin1(buffer.toHex()))));
        }
    }
    qDebug("random buffers: %d valid, %d invalid messages, %d parse errors", verdicts.valid,
           verdicts.invalid, verdicts.parseError);

    // Almost-messages: the right shape with random members missing or wrong, to reach past
    // the parsers into the checks of every field.
    Verdicts structured[2];
    for (int i = 0; i < 10000; ++i) {
        const QCborMap fields = almostMessage(generator, 0);
        const QByteArray json = QJsonDocument(fields.toJsonObject()).toJson(QJsonDocument::Compact);
        checkDecode(MessageCodec::json(), json, structured[0]);
        if (QTest::currentTestFailed())
            QFAIL(json.constData());
        const QByteArray cbor = almostCborMessage(fields).toCbor();
        checkDecode(MessageCodec::cbor(), cbor, structured[1]);
        if (QTest::currentTestFailed())
            QFAIL(qPrintable(QStringLiteral("input: %1").arg(QString::fromLatin1(cbor.toHex()))));
        // The two codecs agree on what is a valid message, and on the message. (Except that
        // JSON may leave out an answer's result, where CBOR would have an element missing.)
        ErrorCode jsonError, cborError;
        QString jsonErrorString, cborErrorString;
        const Message fromJson = MessageCodec::json()->decode(json, &jsonError, &jsonErrorString);
        const Message fromCbor = MessageCodec::cbor()->decode(cbor, &cborError, &cborErrorString);
        if (fromJson.isValid() != fromCbor.isValid()
            && !jsonErrorString.contains(QLatin1String("\"result\""))
            && !cborErrorString.contains(QLatin1String("\"result\""))) {
            QFAIL(qPrintable(QStringLiteral("codecs disagree on %1: %2 / %3")
                                 .arg(QString::fromUtf8(json), jsonErrorString, cborErrorString)));
        }
        if (fromJson.isValid() && fromCbor.isValid())
            QCOMPARE(fromJson, fromCbor);
    }
    qDebug("almost-messages, JSON: %d valid, %d invalid messages, %d parse errors",
           structured[0].valid, structured[0].invalid, structured[0].parseError);
    qDebug("almost-messages, CBOR: %d valid, %d invalid messages, %d parse errors",
           structured[1].valid, structured[1].invalid, structured[1].parseError);
}

void tst_MessageCodec::mutatedInput()
{
    // Valid payloads with random damage: flipped bytes, cuts, insertions.
    QRandomGenerator generator(42);
    for (const MessageCodecPointer &codec : MessageCodec::builtIn()) {
        QList<QByteArray> corpus;
        for (const auto &[name, message] : sampleMessages(false))
            corpus.append(codec->encode(message));
        Verdicts verdicts;
        for (int i = 0; i < 10000; ++i) {
            QByteArray payload = corpus.at(generator.bounded(corpus.size()));
            const int damage = generator.bounded(1, 4);
            for (int d = 0; d < damage && !payload.isEmpty(); ++d) {
                const qsizetype at = generator.bounded(payload.size());
                switch (generator.bounded(4)) {
                case 0: payload[at] = char(generator.bounded(256)); break;
                case 1: payload.truncate(at); break;
                case 2: payload.insert(at, char(generator.bounded(256))); break;
                case 3: payload.remove(at, generator.bounded(1, 8)); break;
                }
            }
            checkDecode(codec, payload, verdicts);
            if (QTest::currentTestFailed())
                QFAIL(qPrintable(QStringLiteral("input: %1").arg(QString::fromLatin1(payload.toHex()))));
        }
        qDebug("%s mutations: %d valid, %d invalid messages, %d parse errors",
               qPrintable(codec->subprotocol()), verdicts.valid, verdicts.invalid,
               verdicts.parseError);
    }
}

void tst_MessageCodec::benchmark_data()
{
    QTest::addColumn<QString>("codec");
    QTest::addColumn<QString>("operation");
    for (const char *codec : {"cbor", "json"}) {
        for (const char *operation : {"encode", "decode", "encode+decode"}) {
            QTest::addRow("%s %s", codec, operation)
                << QString::fromLatin1(codec) << QString::fromLatin1(operation);
        }
    }
}

void tst_MessageCodec::benchmark()
{
    // A small request, as on every call: LongWork.startWork(1, "fast", true).
    QFETCH(QString, codec);
    QFETCH(QString, operation);
    const MessageCodecPointer c = codecNamed(codec);
    const Message message = smallRequest();
    const QByteArray encoded = c->encode(message);
    QByteArray out;
    Message decoded;
    if (operation == QLatin1String("encode")) {
        QBENCHMARK {
            out = c->encode(message);
        }
        QCOMPARE(out, encoded);
    } else if (operation == QLatin1String("decode")) {
        QBENCHMARK {
            decoded = c->decode(encoded);
        }
        QCOMPARE(decoded, message);
    } else {
        QBENCHMARK {
            decoded = c->decode(c->encode(message));
        }
        QCOMPARE(decoded, message);
    }
}

QTEST_GUILESS_MAIN(tst_MessageCodec)
#include "tst_messagecodec.moc"
