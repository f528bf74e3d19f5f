// Transport scenarios: raw QWebSocket echo (the Qt stack's limit), Burrow request/answer over
// every subprotocol variant, and plain HTTP keep-alive on the same Burrow Server.

#include "scenarios.h"

#include <Burrow/client.h>
#include <Burrow/server.h>

#include <QtCore/QLoggingCategory>
#include <QtNetwork/QTcpSocket>
#include <QtWebSockets/QWebSocket>
#include <QtWebSockets/QWebSocketServer>

#include <vector>

namespace BurrowBench {

namespace {

const QByteArray PreSharedKey = QByteArrayLiteral("burrow-bench pre-shared key, not a secret");
const QString EchoTarget = QStringLiteral("Bench");
const QString EchoMethod = QStringLiteral("echo");

QUrl localUrl(const char *scheme, quint16 port)
{
    return QUrl(QStringLiteral("%1://127.0.0.1:%2/").arg(QLatin1String(scheme)).arg(port));
}

// --- Servers ---------------------------------------------------------------------------------

// QWebSocketServer echoing every message as it came.
quint16 serveWebSocketEcho(QObject *owner, QString *error)
{
    auto *server = new QWebSocketServer(QStringLiteral("echo"), QWebSocketServer::NonSecureMode, owner);
    if (!server->listen(QHostAddress::LocalHost, 0)) {
        *error = server->errorString();
        return 0;
    }
    QObject::connect(server, &QWebSocketServer::newConnection, server, [server] {
        while (QWebSocket *socket = server->nextPendingConnection()) {
            socket->setParent(server);
            QObject::connect(socket, &QWebSocket::binaryMessageReceived, socket,
                             [socket](const QByteArray &message) {
                                 socket->sendBinaryMessage(message);
                                 profileTick();
                             });
            QObject::connect(socket, &QWebSocket::textMessageReceived, socket,
                             [socket](const QString &message) { socket->sendTextMessage(message); });
            QObject::connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
        }
    });
    return server->serverPort();
}

// Burrow Server: Bench.echo answers its first argument; POST /echo answers the request body.
quint16 serveBurrow(QObject *owner, QString *error, bool encrypted, qint64 compressionThreshold)
{
    auto *server = new Burrow::Server(owner);
    Burrow::ServerSettings settings;
    settings.setCompressionThreshold(compressionThreshold);
    if (encrypted)
        settings.setPreSharedKey(PreSharedKey);
    server->setSettings(settings);
    server->setMessageHandler([](const Burrow::Message &message, const Burrow::Responder &responder) {
        if (message.type() != Burrow::Message::Type::Request)
            return;
        if (message.target() == EchoTarget && message.method() == EchoMethod) {
            responder.sendAnswer(message.arguments().at(0));
            profileTick();
        } else
            responder.sendError(Burrow::ErrorCode::UnknownMethod, QStringLiteral("no such method"));
    });
    server->addRoute("POST", QStringLiteral("/echo"), [](const Burrow::HttpRequest &request, const Burrow::HttpResponder &responder) {
        responder.respond(Burrow::HttpResponse(200, request.body(), "application/octet-stream"));
        profileTick();
    });
    if (!server->listen(QHostAddress::LocalHost, 0)) {
        *error = server->errorString();
        return 0;
    }
    return server->serverPort();
}

// --- Workloads -------------------------------------------------------------------------------

class RawWebSocketWorkload final : public Workload
{
public:
    RawWebSocketWorkload(quint16 port, int payloadSize) : m_port(port), m_payload(makePayload(payloadSize)) {}

    bool open(QString *error) override
    {
        m_socket = std::make_unique<QWebSocket>();
        QObject::connect(m_socket.get(), &QWebSocket::binaryMessageReceived, m_socket.get(),
                         [this](const QByteArray &message) { done(0, message.size() == m_payload.size()); });
        m_socket->open(localUrl("ws", m_port));
        if (!waitUntil([this] { return m_socket->state() == QAbstractSocket::ConnectedState; }, 10000)) {
            *error = QStringLiteral("raw WebSocket: %1").arg(m_socket->errorString());
            return false;
        }
        return true;
    }
    // One connection: replies come back in order, the slot does not matter.
    void issue(int) override { m_socket->sendBinaryMessage(m_payload); }

private:
    quint16 m_port;
    QByteArray m_payload;
    std::unique_ptr<QWebSocket> m_socket;
};

// How a Burrow connection is configured.
struct Variant
{
    const char *name;        // in measurement names
    const char *serverKind;
    const char *subprotocol;
    bool encrypted;
    qint64 compressionThreshold;
    const char *description;
};

const Variant JsonVariant{"json", "burrow", Burrow::JsonSubprotocol, false, -1,
                          "burrow-json.v1 text frames, payload as a JSON string"};
const Variant BinaryVariant{"binary", "burrow", Burrow::BinarySubprotocol, false, -1,
                            "burrow-binary.v1 (CBOR), no compression, no encryption, payload as a byte string"};
const Variant AesVariant{"binary_aes", "burrow-aes", Burrow::BinarySubprotocol, true, -1,
                         "burrow-binary.v1, AES-256-GCM with a pre-shared key, no compression"};
const Variant Lz4AesVariant{"binary_lz4_aes", "burrow-lz4-aes", Burrow::BinarySubprotocol, true, 1024,
                            "burrow-binary.v1, LZ4 (threshold 1 KiB) then AES-256-GCM, compressible payload"};

class BurrowCallWorkload final : public Workload
{
public:
    BurrowCallWorkload(quint16 port, const Variant &variant, int payloadSize)
        : m_port(port), m_variant(variant)
    {
        const QByteArray payload = makePayload(payloadSize);
        // JSON users carry text; binary users carry bytes. Either way payloadSize ASCII bytes.
        if (QByteArray(variant.subprotocol) == Burrow::JsonSubprotocol)
            m_arguments.append(QString::fromLatin1(payload));
        else
            m_arguments.append(payload);
    }

    bool open(QString *error) override
    {
        Burrow::ClientSettings settings;
        settings.setSubprotocol(QString::fromLatin1(m_variant.subprotocol));
        settings.setCompressionThreshold(m_variant.compressionThreshold);
        if (m_variant.encrypted)
            settings.setPreSharedKey(PreSharedKey);
        m_client.setSettings(settings);
        m_client.connectToServer(localUrl("ws", m_port));
        if (!m_client.waitForConnected(10000)) {
            *error = QStringLiteral("Burrow client: %1").arg(m_client.errorString());
            return false;
        }
        return true;
    }

    void issue(int slot) override
    {
        // Sync continuation: runs where the answer is dispatched (this thread), no extra event.
        m_client.call(EchoTarget, EchoMethod, m_arguments)
            .then(QtFuture::Launch::Sync, [this, slot, alive = alive](const QFuture<Burrow::Message> &future) {
                if (*alive)
                    done(slot, future.result().type() == Burrow::Message::Type::Answer);
            });
    }

private:
    quint16 m_port;
    Variant m_variant;
    QCborArray m_arguments;
    Burrow::Client m_client;
};

// HTTP/1.1 keep-alive POSTs over raw QTcpSockets, one request in flight per connection.
class HttpWorkload final : public Workload
{
public:
    HttpWorkload(quint16 port, int connections, int payloadSize)
        : m_port(port), m_connections(connections), m_payloadSize(payloadSize)
    {
        m_request = "POST /echo HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port)
                  + "\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                  + QByteArray::number(payloadSize) + "\r\n\r\n" + makePayload(payloadSize);
    }

    bool open(QString *error) override
    {
        m_sockets.resize(m_connections);
        m_buffers.resize(m_connections);
        for (int slot = 0; slot < m_connections; ++slot) {
            auto socket = std::make_unique<QTcpSocket>();
            QObject::connect(socket.get(), &QTcpSocket::readyRead, socket.get(), [this, slot] { onReadyRead(slot); });
            socket->connectToHost(QHostAddress::LocalHost, m_port);
            m_sockets[slot] = std::move(socket);
        }
        const bool connected = waitUntil([this] {
            for (const auto &socket : m_sockets) {
                if (socket->state() != QAbstractSocket::ConnectedState)
                    return false;
            }
            return true;
        }, 10000);
        if (!connected) {
            *error = QStringLiteral("HTTP client: not all %1 connections opened").arg(m_connections);
            return false;
        }
        for (const auto &socket : m_sockets)
            socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        return true;
    }

    void issue(int slot) override { m_sockets[slot]->write(m_request); }

private:
    void onReadyRead(int slot)
    {
        QByteArray &buffer = m_buffers[slot];
        buffer += m_sockets[slot]->readAll();
        for (;;) {
            const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
            if (headEnd < 0)
                return;
            // "HTTP/1.1 200 OK"
            const int status = buffer.size() >= 12 ? QByteArrayView(buffer).sliced(9, 3).toInt() : 0;
            qsizetype length = -1;
            qsizetype lineStart = buffer.indexOf("\r\n") + 2;
            while (lineStart > 1 && lineStart < headEnd) {
                qsizetype lineEnd = buffer.indexOf("\r\n", lineStart);
                const QByteArrayView line = QByteArrayView(buffer).sliced(lineStart, lineEnd - lineStart);
                if (line.size() > 15 && line.first(15).compare("content-length:", Qt::CaseInsensitive) == 0)
                    length = line.sliced(15).trimmed().toLongLong();
                lineStart = lineEnd + 2;
            }
            if (length < 0) {
                buffer.clear();
                done(slot, false);
                return;
            }
            if (buffer.size() < headEnd + 4 + length)
                return;
            buffer.remove(0, headEnd + 4 + length);
            done(slot, status == 200 && length == m_payloadSize);
        }
    }

    quint16 m_port;
    int m_connections;
    int m_payloadSize;
    QByteArray m_request;
    std::vector<std::unique_ptr<QTcpSocket>> m_sockets;
    std::vector<QByteArray> m_buffers;
};

// --- Measures --------------------------------------------------------------------------------

QString modeLabel(int inFlight)
{
    return inFlight == 1 ? QStringLiteral("seq") : QStringLiteral("pipe%1").arg(inFlight);
}

RunResult failed(const QString &error)
{
    RunResult result;
    result.error = error;
    return result;
}

Measure burrowMeasure(const Variant &variant, int payloadSize, int inFlight)
{
    Measure m;
    m.name = QStringLiteral("burrow_%1_%2_%3").arg(QLatin1String(variant.name), sizeLabel(payloadSize), modeLabel(inFlight));
    m.metric = inFlight == 1 ? QStringLiteral("round_trips_per_s") : QStringLiteral("msgs_per_s");
    m.description = QStringLiteral("Connection::call(Bench.echo, [%1 payload]) answered by Responder::sendAnswer, %2; %3")
                        .arg(sizeLabel(payloadSize),
                             inFlight == 1 ? QStringLiteral("one call in flight") : QStringLiteral("%1 calls in flight").arg(inFlight),
                             QLatin1String(variant.description));
    m.run = [variant, payloadSize, inFlight] {
        QString error;
        const quint16 port = serverPort(QLatin1String(variant.serverKind), &error);
        if (!port)
            return failed(error);
        return runWorkload([&] { return std::make_unique<BurrowCallWorkload>(port, variant, payloadSize); }, inFlight);
    };
    return m;
}

Measure httpMeasure(int payloadSize, int connections)
{
    Measure m;
    m.name = connections == 1 ? QStringLiteral("http_keepalive_%1_seq").arg(sizeLabel(payloadSize))
                              : QStringLiteral("http_keepalive_%1_%2conn").arg(sizeLabel(payloadSize)).arg(connections);
    m.metric = QStringLiteral("requests_per_s");
    m.description = QStringLiteral("POST /echo (%1 body) on the Burrow Server's addRoute(), HTTP/1.1 keep-alive, "
                                   "%2 raw QTcpSocket connection(s), one request in flight each")
                        .arg(sizeLabel(payloadSize)).arg(connections);
    m.run = [payloadSize, connections] {
        QString error;
        const quint16 port = serverPort(QStringLiteral("burrow"), &error);
        if (!port)
            return failed(error);
        return runWorkload([&] { return std::make_unique<HttpWorkload>(port, connections, payloadSize); }, connections);
    };
    return m;
}

} // namespace

QString sizeLabel(int bytes)
{
    if (bytes >= 1024 && bytes % 1024 == 0)
        return QStringLiteral("%1KiB").arg(bytes / 1024);
    return QStringLiteral("%1B").arg(bytes);
}

Measure rawWebSocketEchoMeasure(int payloadSize, int inFlight)
{
    Measure m;
    m.name = QStringLiteral("raw_ws_echo_%1_%2").arg(sizeLabel(payloadSize), modeLabel(inFlight));
    m.metric = inFlight == 1 ? QStringLiteral("round_trips_per_s") : QStringLiteral("msgs_per_s");
    m.description = QStringLiteral("QWebSocket client -> QWebSocketServer echo, binary frames of %1, %2")
                        .arg(sizeLabel(payloadSize),
                             inFlight == 1 ? QStringLiteral("one in flight") : QStringLiteral("%1 in flight").arg(inFlight));
    m.run = [payloadSize, inFlight] {
        QString error;
        const quint16 port = serverPort(QStringLiteral("ws-echo"), &error);
        if (!port)
            return failed(error);
        return runWorkload([&] { return std::make_unique<RawWebSocketWorkload>(port, payloadSize); }, inFlight);
    };
    return m;
}

void registerTransportScenarios()
{
    // The transport logs each connection at debug level; 64 HTTP connections per run add up.
    QLoggingCategory::setFilterRules(QStringLiteral("burrow.*.debug=false"));

    registerServer(QStringLiteral("ws-echo"), serveWebSocketEcho);
    registerServer(QStringLiteral("burrow"), [](QObject *owner, QString *error) { return serveBurrow(owner, error, false, -1); });
    registerServer(QStringLiteral("burrow-aes"), [](QObject *owner, QString *error) { return serveBurrow(owner, error, true, -1); });
    registerServer(QStringLiteral("burrow-lz4-aes"), [](QObject *owner, QString *error) { return serveBurrow(owner, error, true, 1024); });

    constexpr int Pipelined = 64;
    for (int size : {64, 4096}) {
        const QString sz = sizeLabel(size);

        // Sequential: json and binary >= 90 % of raw, encrypted (+compressed) >= 70 % of raw.
        Group seq;
        seq.title = QStringLiteral("Request/answer, %1, sequential").arg(sz);
        const Measure rawSeq = rawWebSocketEchoMeasure(size, 1);
        const Measure binSeq = compared(burrowMeasure(BinaryVariant, size, 1), rawSeq.name, 0.9);
        seq.measures << rawSeq << compared(burrowMeasure(JsonVariant, size, 1), rawSeq.name, 0.9) << binSeq;
        Measure aesSeq = compared(burrowMeasure(AesVariant, size, 1), rawSeq.name, 0.7);
        aesSeq.alsoCompareTo.append({QStringLiteral("ratio_vs_binary"), binSeq.name});
        seq.measures << aesSeq;
        if (size >= 1024) {
            Measure lz4 = compared(burrowMeasure(Lz4AesVariant, size, 1), rawSeq.name, 0.7);
            lz4.alsoCompareTo.append({QStringLiteral("ratio_vs_binary"), binSeq.name});
            seq.measures << lz4;
        }
        addGroup(seq);

        // Pipelined: json and binary >= 60 % of raw; encrypted (+compressed) >= 70 % of
        // unencrypted Burrow binary (the ratio to raw is printed as well).
        Group pipe;
        pipe.title = QStringLiteral("Request/answer, %1, %2 in flight").arg(sz).arg(Pipelined);
        const Measure rawPipe = rawWebSocketEchoMeasure(size, Pipelined);
        const Measure binPipe = compared(burrowMeasure(BinaryVariant, size, Pipelined), rawPipe.name, 0.6);
        pipe.measures << rawPipe << compared(burrowMeasure(JsonVariant, size, Pipelined), rawPipe.name, 0.6) << binPipe;
        Measure aesPipe = compared(burrowMeasure(AesVariant, size, Pipelined), binPipe.name, 0.7);
        aesPipe.alsoCompareTo.append({QStringLiteral("ratio_vs_raw"), rawPipe.name});
        pipe.measures << aesPipe;
        if (size >= 1024) {
            Measure lz4 = compared(burrowMeasure(Lz4AesVariant, size, Pipelined), binPipe.name, 0.7);
            lz4.alsoCompareTo.append({QStringLiteral("ratio_vs_raw"), rawPipe.name});
            pipe.measures << lz4;
        }
        addGroup(pipe);
    }

    // Plain HTTP on the same server: Burrow WebSocket binary sequential >= 1x HTTP sequential,
    // 64 in flight on one WebSocket >= 2x 64 HTTP connections with one request each.
    for (int size : {64, 4096}) {
        const QString sz = sizeLabel(size);
        Group seq;
        seq.title = QStringLiteral("Burrow WebSocket vs HTTP keep-alive, %1, sequential").arg(sz);
        const Measure httpSeq = httpMeasure(size, 1);
        Measure wsSeq = compared(burrowMeasure(BinaryVariant, size, 1), httpSeq.name, 1.0);
        wsSeq.name += QStringLiteral("_vs_http");
        wsSeq.metric = QStringLiteral("requests_per_s");
        seq.measures << httpSeq << wsSeq;
        addGroup(seq);

        Group par;
        par.title = QStringLiteral("Burrow WebSocket %1 in flight vs HTTP %1 connections, %2").arg(Pipelined).arg(sz);
        const Measure httpPar = httpMeasure(size, Pipelined);
        Measure wsPipe = compared(burrowMeasure(BinaryVariant, size, Pipelined), httpPar.name, 2.0);
        wsPipe.name += QStringLiteral("_vs_http");
        wsPipe.metric = QStringLiteral("requests_per_s");
        par.measures << httpPar << wsPipe;
        addGroup(par);
    }
}

} // namespace BurrowBench
