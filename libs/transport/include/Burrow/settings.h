#pragma once

#include <Burrow/messagecodec.h>

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtNetwork/QSslConfiguration>

#include <optional>


namespace Burrow {

// Settings shared by both ends of a connection. Durations are milliseconds; 0 disables the
// corresponding timer. Defaults suit a LAN service; see docs/PROTOCOL.md for what each does
// on the wire.
class BURROW_TRANSPORT_EXPORT ConnectionSettings
{
public:
    // Largest message (after decompression) accepted; bigger ones close the connection with 1009.
    qint64 maxMessageSize() const { return m_maxMessageSize; }
    void setMaxMessageSize(qint64 bytes) { m_maxMessageSize = bytes; }

    // Binary protocol: payloads at least this large are LZ4-compressed when that saves space.
    // A negative value disables compression.
    qint64 compressionThreshold() const { return m_compressionThreshold; }
    void setCompressionThreshold(qint64 bytes) { m_compressionThreshold = bytes; }

    // Pre-shared key; non-empty enables AES-256-GCM encryption of binary frames. Both ends
    // must hold the same key, or the upgrade is refused.
    QByteArray preSharedKey() const { return m_preSharedKey; }
    void setPreSharedKey(const QByteArray &key) { m_preSharedKey = key; }

    // A ping is sent every interval; a peer silent for missedHeartbeats intervals is dropped.
    int heartbeatInterval() const { return m_heartbeatInterval; }
    void setHeartbeatInterval(int milliseconds) { m_heartbeatInterval = milliseconds; }
    int missedHeartbeats() const { return m_missedHeartbeats; }
    void setMissedHeartbeats(int count) { m_missedHeartbeats = count; }

    // How long a request waits for its answer before failing with ErrorCode::Timeout.
    int answerTimeout() const { return m_answerTimeout; }
    void setAnswerTimeout(int milliseconds) { m_answerTimeout = milliseconds; }

    // A connection with no message in either direction for this long is closed (pings do not count).
    int idleTimeout() const { return m_idleTimeout; }
    void setIdleTimeout(int milliseconds) { m_idleTimeout = milliseconds; }

    // Notification batching: notifications sent within batchDelay of each other travel in
    // one Batch frame, bounded by batchMaxMessages and batchMaxBytes. A delay < 0 disables it.
    int batchDelay() const { return m_batchDelay; }
    void setBatchDelay(int milliseconds) { m_batchDelay = milliseconds; }
    int batchMaxMessages() const { return m_batchMaxMessages; }
    void setBatchMaxMessages(int count) { m_batchMaxMessages = count; }
    qint64 batchMaxBytes() const { return m_batchMaxBytes; }
    void setBatchMaxBytes(qint64 bytes) { m_batchMaxBytes = bytes; }

    // Bytes allowed to wait in the outgoing queue of one connection (a peer that stops
    // reading); past it the connection is closed with code 1008 (policy violation).
    qint64 maxQueuedBytes() const { return m_maxQueuedBytes; }
    void setMaxQueuedBytes(qint64 bytes) { m_maxQueuedBytes = bytes; }

private:
    qint64 m_maxMessageSize = 16 * 1024 * 1024;
    qint64 m_compressionThreshold = 1024;
    QByteArray m_preSharedKey;
    int m_heartbeatInterval = 15000;
    int m_missedHeartbeats = 3;
    int m_answerTimeout = 30000;
    int m_idleTimeout = 0;
    int m_batchDelay = 1;
    int m_batchMaxMessages = 1024;
    qint64 m_batchMaxBytes = 256 * 1024;
    qint64 m_maxQueuedBytes = 64 * 1024 * 1024;
};

class BURROW_TRANSPORT_EXPORT ServerSettings : public ConnectionSettings
{
public:
    ServerSettings();

    // WebSocket connections beyond this get HTTP 503 at upgrade; plain HTTP connections beyond
    // it get 503 and are closed.
    int maxConnections() const { return m_maxConnections; }
    void setMaxConnections(int count) { m_maxConnections = count; }

    // An accepted TCP connection must complete its HTTP request head (and a WebSocket its
    // upgrade) within this time.
    int handshakeTimeout() const { return m_handshakeTimeout; }
    void setHandshakeTimeout(int milliseconds) { m_handshakeTimeout = milliseconds; }

    // Idle keep-alive HTTP connections are closed after this long.
    int httpKeepAliveTimeout() const { return m_httpKeepAliveTimeout; }
    void setHttpKeepAliveTimeout(int milliseconds) { m_httpKeepAliveTimeout = milliseconds; }

    qint64 maxHttpHeaderSize() const { return m_maxHttpHeaderSize; }
    void setMaxHttpHeaderSize(qint64 bytes) { m_maxHttpHeaderSize = bytes; }
    qint64 maxHttpBodySize() const { return m_maxHttpBodySize; }
    void setMaxHttpBodySize(qint64 bytes) { m_maxHttpBodySize = bytes; }

    // Codecs offered at upgrade, in order of preference. Defaults to MessageCodec::builtIn().
    QList<MessageCodecPointer> codecs() const { return m_codecs; }
    void setCodecs(const QList<MessageCodecPointer> &codecs) { m_codecs = codecs; }

    // TLS (https/wss) when the configuration holds a certificate and a private key.
    QSslConfiguration sslConfiguration() const { return m_sslConfiguration; }
    void setSslConfiguration(const QSslConfiguration &configuration) { m_sslConfiguration = configuration; }
    // Convenience: loads PEM files. Returns false and sets *errorString when they cannot be read.
    bool setTlsCertificate(const QString &certificatePath, const QString &privateKeyPath,
                           QString *errorString = nullptr);
    bool isTlsEnabled() const;

    // Path prefix under which RPC calls are served over plain HTTP:
    // POST <rpcPath>/<target>/<method> with a JSON array of arguments.
    QString httpRpcPath() const { return m_httpRpcPath; }
    void setHttpRpcPath(const QString &path) { m_httpRpcPath = path; }

private:
    int m_maxConnections = 10000;
    int m_handshakeTimeout = 10000;
    int m_httpKeepAliveTimeout = 30000;
    qint64 m_maxHttpHeaderSize = 16 * 1024;
    qint64 m_maxHttpBodySize = 16 * 1024 * 1024;
    QList<MessageCodecPointer> m_codecs;
    QSslConfiguration m_sslConfiguration;
    QString m_httpRpcPath = QStringLiteral("/rpc");
};

class BURROW_TRANSPORT_EXPORT ClientSettings : public ConnectionSettings
{
public:
    ClientSettings();

    enum class Reconnect { Never, Automatically };

    // Subprotocol to ask for: JsonSubprotocol, BinarySubprotocol or a custom codec's.
    QString subprotocol() const { return m_subprotocol; }
    void setSubprotocol(const QString &subprotocol) { m_subprotocol = subprotocol; }
    // Codec used for the chosen subprotocol; defaults to the built-in one of that name.
    MessageCodecPointer codec() const;
    void setCodec(const MessageCodecPointer &codec) { m_codec = codec; }

    int connectTimeout() const { return m_connectTimeout; }
    void setConnectTimeout(int milliseconds) { m_connectTimeout = milliseconds; }

    Reconnect reconnect() const { return m_reconnect; }
    void setReconnect(Reconnect policy) { m_reconnect = policy; }
    // Backoff doubles from the initial delay up to the maximum, with +-20 % jitter.
    int reconnectInitialDelay() const { return m_reconnectInitialDelay; }
    void setReconnectInitialDelay(int milliseconds) { m_reconnectInitialDelay = milliseconds; }
    int reconnectMaxDelay() const { return m_reconnectMaxDelay; }
    void setReconnectMaxDelay(int milliseconds) { m_reconnectMaxDelay = milliseconds; }

    // For wss:// and https://: QSslConfiguration::defaultConfiguration() unless one was set. The
    // default is only built when asked for: it loads the system CA store (milliseconds), which
    // a ws:// or http:// client never needs.
    QSslConfiguration sslConfiguration() const
    {
        return m_sslConfiguration ? *m_sslConfiguration : QSslConfiguration::defaultConfiguration();
    }
    void setSslConfiguration(const QSslConfiguration &configuration) { m_sslConfiguration = configuration; }

private:
    QString m_subprotocol = QString::fromLatin1(BinarySubprotocol);
    MessageCodecPointer m_codec;
    int m_connectTimeout = 10000;
    Reconnect m_reconnect = Reconnect::Never;
    int m_reconnectInitialDelay = 250;
    int m_reconnectMaxDelay = 30000;
    std::optional<QSslConfiguration> m_sslConfiguration;
};

} // namespace Burrow
