#pragma once

#include <Burrow/settings.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QUrl>

// The options every demo app takes: --host, --port, --protocol json|binary, --key,
// --tls-cert, --tls-key (QCommandLineParser adds --help and --version).
class AppOptions
{
public:
    enum class Side { Server, Client };

    AppOptions(Side side, quint16 defaultPort);

    void addTo(QCommandLineParser &parser) const;
    // Reads the parsed options; false with *errorString set when one is invalid.
    bool read(const QCommandLineParser &parser, QString *errorString);

    QString host() const { return m_host; }
    quint16 port() const { return m_port; }
    QString subprotocol() const { return m_subprotocol; }
    QByteArray key() const { return m_key; }
    bool isTls() const { return !m_tlsCertificate.isEmpty(); }

    // ws(s)://host:port/ for clients.
    QUrl serverUrl() const;
    Burrow::ServerSettings serverSettings(QString *errorString) const;
    Burrow::ClientSettings clientSettings() const;

private:
    Side m_side;
    QString m_host;
    quint16 m_port;
    QString m_subprotocol;
    QByteArray m_key;
    QString m_tlsCertificate;
    QString m_tlsKey;
};
