// Every subprotocol x compression x encryption combination carries requests and answers of
// 0 B, 1 KiB and 8 MiB intact, in both directions.
#include <Burrow/client.h>
#include <Burrow/server.h>

#include <QtTest/QtTest>

using namespace Burrow;

class tst_TransportRoundtrip : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
};

void tst_TransportRoundtrip::roundTrip_data()
{
    QTest::addColumn<QString>("subprotocol");
    QTest::addColumn<bool>("compressed");
    QTest::addColumn<bool>("encrypted");
    QTest::addColumn<int>("size");
    const int sizes[] = {0, 1024, 8 * 1024 * 1024};
    for (const char *subprotocol : {JsonSubprotocol, BinarySubprotocol}) {
        const bool binary = QByteArray(subprotocol) == BinarySubprotocol;
        for (bool compressed : {false, true}) {
            for (bool encrypted : {false, true}) {
                if (!binary && compressed)
                    continue; // text frames are never compressed
                for (int size : sizes) {
                    QTest::addRow("%s%s%s-%d", subprotocol, compressed ? "-lz4" : "", encrypted ? "-aes" : "", size)
                        << QString::fromLatin1(subprotocol) << compressed << encrypted << size;
                }
            }
        }
    }
}

void tst_TransportRoundtrip::roundTrip()
{
    QFETCH(QString, subprotocol);
    QFETCH(bool, compressed);
    QFETCH(bool, encrypted);
    QFETCH(int, size);

    const QByteArray key = encrypted ? QByteArrayLiteral("correct horse battery staple") : QByteArray();
    Server server;
    ServerSettings serverSettings;
    serverSettings.setPreSharedKey(key);
    serverSettings.setCompressionThreshold(compressed ? 64 : -1);
    serverSettings.setMaxMessageSize(32 * 1024 * 1024);
    server.setSettings(serverSettings);
    server.setMessageHandler([](const Message &message, const Responder &responder) {
        // Echo the first argument back, reversed, so both directions carry the payload.
        const QCborValue argument = message.arguments().at(0);
        QByteArray data = argument.isString() // JSON carries bytes as base64url text
                ? QByteArray::fromBase64(argument.toString().toLatin1(), QByteArray::Base64UrlEncoding)
                : argument.toByteArray();
        std::reverse(data.begin(), data.end());
        responder.sendAnswer(QCborValue(data));
    });
    QVERIFY2(server.listen(QHostAddress::LocalHost, 0), qPrintable(server.errorString()));

    Client client;
    ClientSettings settings;
    settings.setSubprotocol(subprotocol);
    settings.setPreSharedKey(key);
    settings.setCompressionThreshold(compressed ? 64 : -1);
    settings.setMaxMessageSize(32 * 1024 * 1024);
    settings.setAnswerTimeout(60000);
    client.setSettings(settings);
    client.connectToServer(server.webSocketUrl());
    QVERIFY2(client.waitForConnected(10000), qPrintable(client.errorString()));
    QCOMPARE(client.connection()->subprotocol(), subprotocol);
    QCOMPARE(client.connection()->isEncrypted(), encrypted && subprotocol == QLatin1String(BinarySubprotocol));

    QByteArray payload(size, Qt::Uninitialized);
    for (int i = 0; i < size; ++i)
        payload[i] = char((i * 7) % 251); // compressible, but not trivially
    const Message answer = client.callAndWait(QStringLiteral("Echo"), QStringLiteral("reverse"), {QCborValue(payload)});
    QCOMPARE(answer.type(), Message::Type::Answer);
    QByteArray expected = payload;
    std::reverse(expected.begin(), expected.end());
    QByteArray received = answer.result().toByteArray();
    if (subprotocol == QLatin1String(JsonSubprotocol)) // JSON carries bytes as base64url text
        received = QByteArray::fromBase64(answer.result().toString().toLatin1(), QByteArray::Base64UrlEncoding);
    QCOMPARE(received.size(), expected.size());
    QVERIFY(received == expected);
}

QTEST_MAIN(tst_TransportRoundtrip)
#include "tst_transport_roundtrip.moc"
