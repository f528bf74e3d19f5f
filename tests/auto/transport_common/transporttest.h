#pragma once

// Helpers shared by the tests/auto/transport_* suites (header only; this folder is not a test).
//
//  - RawHttp: a QTcpSocket speaking HTTP/1.1 by hand (keep-alive, pipelining, garbage).
//  - RawWebSocket: a QWebSocket that speaks the Burrow subprotocols itself, including the
//    pre-shared-key handshake (proof headers, HELLO, session keys) with the private
//    PreSharedKey / FrameSealer / FrameOpener, so that tests can send exactly the frames they
//    want (tampered, replayed, oversize, malformed) and count the frames they receive.
//
// Everything waits with QTest::qWaitFor, which runs the event loop: the server under test lives
// in the same thread, so a blocking wait (waitForReadyRead, ...) would deadlock it.
// Suites using this header add libs/transport/src and this folder to their include path.

#include <Burrow/client.h>
#include <Burrow/connection.h>
#include <Burrow/messagecodec.h>
#include <Burrow/server.h>

#include "frameprotection_p.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QRandomGenerator>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QtTest>
#include <QtWebSockets/QWebSocket>
#include <QtWebSockets/QWebSocketHandshakeOptions>

#include <optional>

namespace BurrowTest {

using namespace Burrow;

// ---------------------------------------------------------------------------------------------
// Raw HTTP/1.1

struct HttpReply
{
    QByteArray statusLine; // without CRLF
    int status = 0;
    QByteArray reason;
    HttpHeaders headers;
    QByteArray body;

    QByteArray header(QByteArrayView name) const
    {
        for (const auto &[key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
};

// Takes one complete response off the front of buffer: framed by Content-Length, or (when
// atEnd, the peer having closed) by the end of the stream. Returns false when incomplete.
inline bool takeHttpReply(QByteArray &buffer, HttpReply *reply, bool atEnd = false)
{
    const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
    if (headEnd < 0)
        return false;
    const QList<QByteArray> lines = buffer.left(headEnd).split('\n');
    HttpReply r;
    r.statusLine = lines.value(0).trimmed();
    const QList<QByteArray> parts = r.statusLine.split(' ');
    if (parts.size() < 2 || !parts.at(0).startsWith("HTTP/1."))
        return false;
    r.status = parts.at(1).toInt();
    r.reason = r.statusLine.mid(parts.at(0).size() + parts.at(1).size() + 2);
    qint64 length = -1;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.left(colon).trimmed();
        const QByteArray value = line.mid(colon + 1).trimmed();
        r.headers.append({name, value});
        if (name.compare("content-length", Qt::CaseInsensitive) == 0)
            length = value.toLongLong();
    }
    const qsizetype bodyStart = headEnd + 4;
    if (r.status == 101 || r.status == 204 || r.status == 304)
        length = 0;
    if (length < 0) {
        if (!atEnd)
            return false;
        length = buffer.size() - bodyStart;
    }
    if (buffer.size() - bodyStart < length)
        return false;
    r.body = buffer.mid(bodyStart, length);
    buffer.remove(0, bodyStart + length);
    *reply = r;
    return true;
}

class RawHttp
{
public:
    RawHttp()
    {
        QObject::connect(&socket, &QTcpSocket::readyRead, &socket, [this] { buffer += socket.readAll(); });
        QObject::connect(&socket, &QTcpSocket::disconnected, &socket, [this] { disconnected = true; });
    }

    bool connectTo(quint16 port, int timeout = 5000)
    {
        socket.connectToHost(QHostAddress::LocalHost, port);
        return QTest::qWaitFor([this] { return socket.state() == QAbstractSocket::ConnectedState; }, timeout);
    }

    void send(const QByteArray &bytes) { socket.write(bytes); }

    // Waits until `count` complete responses arrived (in addition to those already taken), or
    // the peer closed.
    QList<HttpReply> waitForReplies(int count, int timeout = 5000)
    {
        QList<HttpReply> replies;
        (void)QTest::qWaitFor([&] {
            HttpReply reply;
            const bool closed = disconnected; // read before parsing: no data after the close
            while (replies.size() < count && takeHttpReply(buffer, &reply, closed))
                replies.append(reply);
            return replies.size() >= count || closed;
        }, timeout);
        return replies;
    }

    HttpReply waitForReply(int timeout = 5000)
    {
        const QList<HttpReply> replies = waitForReplies(1, timeout);
        return replies.value(0);
    }

    bool waitForDisconnected(int timeout = 5000)
    {
        return QTest::qWaitFor([this] { return disconnected || socket.state() == QAbstractSocket::UnconnectedState; }, timeout);
    }

    // A WebSocket upgrade request written by hand.
    static QByteArray upgradeRequest(const QByteArray &subprotocols, const HttpHeaders &extra = {})
    {
        QByteArray nonce(16, Qt::Uninitialized);
        for (char &c : nonce)
            c = char(QRandomGenerator::global()->bounded(256));
        QByteArray request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + nonce.toBase64() + "\r\n";
        if (!subprotocols.isEmpty())
            request += "Sec-WebSocket-Protocol: " + subprotocols + "\r\n";
        for (const auto &[name, value] : extra)
            request += name + ": " + value + "\r\n";
        return request + "\r\n";
    }

    QTcpSocket socket;
    QByteArray buffer;
    bool disconnected = false;
};

// ---------------------------------------------------------------------------------------------
// Raw WebSocket peer speaking a Burrow subprotocol by hand

class RawWebSocket
{
public:
    explicit RawWebSocket(const QString &subprotocol, const QByteArray &key = QByteArray())
        : subprotocol(subprotocol), key(key)
    {
        for (const MessageCodecPointer &c : MessageCodec::builtIn()) {
            if (c->subprotocol() == subprotocol)
                codec = c;
        }
        binary = subprotocol == QLatin1String(BinarySubprotocol);
        QObject::connect(&socket, &QWebSocket::connected, &socket, [this] { connected = true; });
        QObject::connect(&socket, &QWebSocket::disconnected, &socket, [this] { disconnected = true; });
        QObject::connect(&socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), &socket,
                         [this](QAbstractSocket::SocketError) { errorString = socket.errorString(); });
        QObject::connect(&socket, &QWebSocket::textMessageReceived, &socket, [this](const QString &text) {
            ++textFrames;
            texts.append(text);
            if (codec)
                messages.append(codec->decode(text.toUtf8()));
        });
        QObject::connect(&socket, &QWebSocket::binaryMessageReceived, &socket, [this](const QByteArray &frame) {
            ++binaryFrames;
            if (!binary || !codec)
                return;
            if (expectHello) {
                expectHello = false;
                QByteArray serverNonce, proof;
                if (!PreSharedKey::decodeHello(frame, &serverNonce, &proof)
                    || !psk.verifyServerProof(clientNonce, serverNonce, proof)) {
                    openErrors.append(QStringLiteral("bad HELLO frame"));
                    return;
                }
                const auto keys = psk.sessionKeys(clientNonce, serverNonce);
                sealer.emplace(compressionThreshold, keys.clientToServer);
                opener.emplace(-1, keys.serverToClient);
                helloReceived = true;
                return;
            }
            QByteArray payload;
            QString why;
            if (opener->open(frame, &payload, &why) != FrameOpener::Result::Ok) {
                openErrors.append(why);
                return;
            }
            messages.append(codec->decode(payload));
        });
    }

    // Opens the WebSocket (with the key proof headers when a key is set) and, for an encrypted
    // binary session, waits for the server's HELLO.
    bool open(const QUrl &url, int timeout = 5000)
    {
        QNetworkRequest request(url);
        psk = PreSharedKey(key);
        if (!psk.isNull()) {
            clientNonce = PreSharedKey::randomNonce();
            request.setRawHeader("Burrow-Nonce", clientNonce.toBase64());
            request.setRawHeader("Burrow-Proof", psk.clientProof(clientNonce).toBase64());
            expectHello = binary;
        }
        sealer.emplace(compressionThreshold, QByteArray());
        opener.emplace(-1, QByteArray());
        QWebSocketHandshakeOptions options;
        if (!subprotocol.isEmpty())
            options.setSubprotocols({subprotocol});
        socket.open(request, options);
        if (!QTest::qWaitFor([this] { return connected || disconnected || !errorString.isEmpty(); }, timeout))
            return false;
        if (!connected)
            return false;
        if (expectHello)
            return QTest::qWaitFor([this] { return helloReceived || disconnected; }, timeout) && helloReceived;
        return true;
    }

    QByteArray encode(const Message &message) const { return codec->encode(message); }
    // The envelope of the next binary frame (consumes a sequence number when encrypted).
    QByteArray seal(const QByteArray &payload) { return sealer->seal(payload); }

    void send(const Message &message)
    {
        if (binary)
            socket.sendBinaryMessage(seal(encode(message)));
        else
            socket.sendTextMessage(QString::fromUtf8(encode(message)));
    }

    bool waitForMessages(qsizetype count, int timeout = 5000)
    {
        return QTest::qWaitFor([&] { return messages.size() >= count; }, timeout);
    }
    bool waitForDisconnected(int timeout = 5000)
    {
        return QTest::qWaitFor([this] { return disconnected; }, timeout);
    }
    int closeCode() const { return int(socket.closeCode()); }
    QString closeReason() const { return socket.closeReason(); }

    QWebSocket socket;
    QString subprotocol;
    QByteArray key;
    MessageCodecPointer codec;
    bool binary = false;
    qint64 compressionThreshold = -1; // of the frames seal() builds; set before open()
    PreSharedKey psk;
    QByteArray clientNonce;
    bool expectHello = false;
    bool helloReceived = false;
    std::optional<FrameSealer> sealer;
    std::optional<FrameOpener> opener;
    bool connected = false;
    bool disconnected = false;
    QString errorString;
    int textFrames = 0;
    int binaryFrames = 0;
    QStringList texts;
    QList<Message> messages;
    QStringList openErrors;
};

// ---------------------------------------------------------------------------------------------

// A server on 127.0.0.1, an ephemeral port.
inline bool listenLocal(Server &server)
{
    return server.listen(QHostAddress::LocalHost, 0);
}

// The request arguments as text, JSON carrying bytes as base64url.
inline QString argText(const Message &message, qsizetype index = 0)
{
    return message.arguments().at(index).toString();
}

} // namespace BurrowTest
