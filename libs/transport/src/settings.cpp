#include <Burrow/settings.h>

#include <QtCore/QFile>
#include <QtNetwork/QSslCertificate>
#include <QtNetwork/QSslKey>

namespace Burrow {

ServerSettings::ServerSettings()
    : m_codecs(MessageCodec::builtIn())
{
}

bool ServerSettings::setTlsCertificate(const QString &certificatePath, const QString &privateKeyPath,
                                       QString *errorString)
{
    auto fail = [errorString](const QString &why) {
        if (errorString)
            *errorString = why;
        return false;
    };
    QFile certificateFile(certificatePath);
    if (!certificateFile.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read TLS certificate %1: %2").arg(certificatePath, certificateFile.errorString()));
    const QList<QSslCertificate> chain = QSslCertificate::fromData(certificateFile.readAll(), QSsl::Pem);
    if (chain.isEmpty())
        return fail(QStringLiteral("%1 holds no PEM certificate").arg(certificatePath));
    QFile keyFile(privateKeyPath);
    if (!keyFile.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read TLS private key %1: %2").arg(privateKeyPath, keyFile.errorString()));
    const QByteArray keyData = keyFile.readAll();
    QSslKey key(keyData, QSsl::Rsa, QSsl::Pem);
    if (key.isNull())
        key = QSslKey(keyData, QSsl::Ec, QSsl::Pem);
    if (key.isNull())
        return fail(QStringLiteral("%1 holds no PEM RSA or EC private key").arg(privateKeyPath));
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    m_sslConfiguration = configuration;
    return true;
}

bool ServerSettings::isTlsEnabled() const
{
    return !m_sslConfiguration.localCertificate().isNull() && !m_sslConfiguration.privateKey().isNull();
}

ClientSettings::ClientSettings() = default;

MessageCodecPointer ClientSettings::codec() const
{
    if (m_codec)
        return m_codec;
    for (const MessageCodecPointer &codec : MessageCodec::builtIn()) {
        if (codec->subprotocol() == m_subprotocol)
            return codec;
    }
    return {};
}

} // namespace Burrow
