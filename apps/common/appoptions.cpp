#include "appoptions.h"

#include <QtNetwork/QSslSocket>

using namespace Qt::StringLiterals;

AppOptions::AppOptions(Side side, quint16 defaultPort)
    : m_side(side), m_host(side == Side::Server ? u"127.0.0.1"_s : u"localhost"_s), m_port(defaultPort),
      m_subprotocol(QString::fromLatin1(Burrow::BinarySubprotocol))
{
}

void AppOptions::addTo(QCommandLineParser &parser) const
{
    parser.addOption({u"host"_s, m_side == Side::Server ? u"Address to listen on (default %1)."_s.arg(m_host)
                                                        : u"Server host (default %1)."_s.arg(m_host),
                      u"host"_s});
    parser.addOption({u"port"_s, u"TCP port (default %1)."_s.arg(m_port), u"port"_s});
    if (m_side == Side::Client)
        parser.addOption({u"protocol"_s, u"Wire protocol: json or binary (default binary)."_s, u"protocol"_s});
    parser.addOption({u"key"_s, u"Pre-shared key: clients must hold the same one; binary frames are encrypted."_s, u"key"_s});
    if (m_side == Side::Server) {
        parser.addOption({u"tls-cert"_s, u"PEM certificate: serve https/wss."_s, u"file"_s});
        parser.addOption({u"tls-key"_s, u"PEM private key of --tls-cert."_s, u"file"_s});
    } else {
        parser.addOption({u"tls"_s, u"Connect with wss:// (TLS)."_s});
    }
}

bool AppOptions::read(const QCommandLineParser &parser, QString *errorString)
{
    if (parser.isSet(u"host"_s))
        m_host = parser.value(u"host"_s);
    if (parser.isSet(u"port"_s)) {
        bool ok = false;
        const uint port = parser.value(u"port"_s).toUInt(&ok);
        if (!ok || port > 65535) {
            *errorString = u"--port must be a number from 0 to 65535"_s;
            return false;
        }
        m_port = quint16(port);
    }
    if (m_side == Side::Client && parser.isSet(u"protocol"_s)) {
        const QString protocol = parser.value(u"protocol"_s);
        if (protocol == u"json")
            m_subprotocol = QString::fromLatin1(Burrow::JsonSubprotocol);
        else if (protocol == u"binary")
            m_subprotocol = QString::fromLatin1(Burrow::BinarySubprotocol);
        else {
            *errorString = u"--protocol must be json or binary, not \"%1\""_s.arg(protocol);
            return false;
        }
    }
    m_key = parser.value(u"key"_s).toUtf8();
    if (m_side == Side::Server) {
        m_tlsCertificate = parser.value(u"tls-cert"_s);
        m_tlsKey = parser.value(u"tls-key"_s);
        if (m_tlsCertificate.isEmpty() != m_tlsKey.isEmpty()) {
            *errorString = u"--tls-cert and --tls-key go together"_s;
            return false;
        }
    } else if (parser.isSet(u"tls"_s)) {
        m_tlsCertificate = u"wss"_s;
    }
    return true;
}

QUrl AppOptions::serverUrl() const
{
    QUrl url;
    url.setScheme(isTls() ? u"wss"_s : u"ws"_s);
    url.setHost(m_host);
    url.setPort(m_port);
    url.setPath(u"/"_s);
    return url;
}

Burrow::ServerSettings AppOptions::serverSettings(QString *errorString) const
{
    Burrow::ServerSettings settings;
    settings.setPreSharedKey(m_key);
    if (isTls() && !settings.setTlsCertificate(m_tlsCertificate, m_tlsKey, errorString))
        return {};
    return settings;
}

Burrow::ClientSettings AppOptions::clientSettings() const
{
    Burrow::ClientSettings settings;
    settings.setSubprotocol(m_subprotocol);
    settings.setPreSharedKey(m_key);
    settings.setReconnect(Burrow::ClientSettings::Reconnect::Automatically);
    settings.setReconnectMaxDelay(5000);
    // Demo apps notice a dead peer within a few seconds.
    settings.setHeartbeatInterval(2000);
    return settings;
}
