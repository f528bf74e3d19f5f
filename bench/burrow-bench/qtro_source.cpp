// The "qtro" server kind: a QRemoteObjectHost on tcp://127.0.0.1 remoting BenchService.
// Kept apart from qtro_scenarios.cpp because the generated source and replica headers are
// meant for different translation units.

#include "harness.h"

#include "rep_bench_source.h"

#include <QtNetwork/QTcpServer>
#include <QtRemoteObjects/QRemoteObjectHost>

namespace {

class BenchServiceImpl final : public BenchServiceSimpleSource
{
public:
    using BenchServiceSimpleSource::BenchServiceSimpleSource;

    int echo(int value) override
    {
        BurrowBench::profileTick();
        return value;
    }
    void emitBurst(int count) override
    {
        for (int i = 0; i < count; ++i)
            Q_EMIT tick(m_sequence++);
    }

private:
    int m_sequence = 0;
};

} // namespace

namespace BurrowBench {

quint16 serveQtro(QObject *owner, QString *error)
{
    // QRemoteObjectHost does not report the port it got for port 0: pick a free one first.
    for (int attempt = 0; attempt < 20; ++attempt) {
        quint16 port = 0;
        {
            QTcpServer probe;
            if (!probe.listen(QHostAddress::LocalHost, 0)) {
                *error = probe.errorString();
                return 0;
            }
            port = probe.serverPort();
        }
        auto *host = new QRemoteObjectHost(owner);
        if (!host->setHostUrl(QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(port)))) {
            *error = QStringLiteral("QRemoteObjectHost::setHostUrl failed on port %1").arg(port);
            delete host;
            continue;
        }
        auto *service = new BenchServiceImpl(owner);
        if (!host->enableRemoting(service)) {
            *error = QStringLiteral("QRemoteObjectHost::enableRemoting failed");
            return 0;
        }
        return port;
    }
    return 0;
}

} // namespace BurrowBench
