// longwork-server: serves the LongWork interface (apps/longwork/core/longworkcontracts.h) on
// one port. Each work runs on a worker thread for --work-ms (+-20 %), then calls its client
// back over the same WebSocket: workFinished, or workFailed for --failure-rate of them.

#include "appoptions.h"
#include "longworkcontracts.h"
#include "longworklogging.h"
#include "longworkservice.h"
#include "quitonsignals.h"
#include "serverapp.h"

#include <Burrow/server.h>
#include <Burrow/serviceregistry.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QPointer>
#include <QtCore/QTimer>

#include <cstdio>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    if (qEnvironmentVariableIsEmpty("QT_MESSAGE_PATTERN"))
        qSetMessagePattern(u"%{time hh:mm:ss.zzz} %{category}: %{message}"_s);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"longwork-server"_s);
    QCoreApplication::setApplicationVersion(u"0.1"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Runs long works for longwork-client: each work runs on a worker thread, then the server calls its "
        "client back (workFinished or workFailed) over the same WebSocket."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    AppOptions options(AppOptions::Side::Server, 8871);
    options.addTo(parser);
    parser.addOption({u"work-ms"_s, u"Mean duration of a work in milliseconds (default 5000; +-20 %)."_s, u"ms"_s});
    parser.addOption({u"failure-rate"_s, u"Share of works that fail, from 0 to 1 (default 0.2)."_s, u"rate"_s});
    parser.addOption({u"seed"_s, u"Seed of the random durations and failures: the n-th work started always "
                                 "behaves the same (default: random)."_s, u"number"_s});
    parser.process(app);

    QString error;
    if (!options.read(parser, &error))
        return exitWithError(error);
    LongWorkSettings settings;
    if (parser.isSet(u"work-ms"_s)) {
        bool ok = false;
        const int milliseconds = parser.value(u"work-ms"_s).toInt(&ok);
        if (!ok || milliseconds < 0)
            return exitWithError(u"--work-ms must be a number of milliseconds, 0 or more"_s);
        settings.setMeanDuration(milliseconds);
    }
    if (parser.isSet(u"failure-rate"_s)) {
        bool ok = false;
        const double rate = parser.value(u"failure-rate"_s).toDouble(&ok);
        if (!ok || rate < 0.0 || rate > 1.0)
            return exitWithError(u"--failure-rate must be a number from 0 to 1"_s);
        settings.setFailureRate(rate);
    }
    if (parser.isSet(u"seed"_s)) {
        bool ok = false;
        const quint32 seed = parser.value(u"seed"_s).toUInt(&ok);
        if (!ok)
            return exitWithError(u"--seed must be a non-negative 32-bit number"_s);
        settings.setSeed(seed);
    }
    Burrow::ServerSettings serverSettings;
    QHostAddress address;
    if (!serverSetup(options, &serverSettings, &address, &error))
        return exitWithError(error);

    Burrow::Server server;
    server.setSettings(serverSettings);
    Burrow::ServiceRegistry registry;
    // Shared, as in the reference: one service for every client, counting all their works.
    // Its parent keeps it out of the registry's hands, so that main() can stop it first.
    QPointer<LongWorkService> service = new LongWorkService(settings, &app);
    registry.registerService<ILongWorkService>([service] { return service.data(); },
                                               Burrow::Lifetime::Shared, Burrow::Execution::InstanceThread);
    registry.attach(&server);
    QObject::connect(&server, &Burrow::Server::newConnection, &app, [](Burrow::Connection *connection) {
        qCInfo(lcLongWorkServer).noquote() << "client" << connection->id() << "connected from"
                                           << connection->peerAddress().toString() + u':' + QString::number(connection->peerPort());
    });
    QObject::connect(&server, &Burrow::Server::connectionClosed, &app, [](Burrow::Connection *connection) {
        qCInfo(lcLongWorkServer).noquote() << "client" << connection->id() << "disconnected";
    });
    QObject::connect(&server, &Burrow::Server::upgradeRefused, &app,
                     [](const QHostAddress &peer, int status, const QString &reason) {
                         qCWarning(lcLongWorkServer).noquote() << "refused" << peer.toString() << status << reason;
                     });

    if (!server.listen(address, options.port()))
        return exitWithError(u"cannot listen on %1:%2: %3"_s.arg(options.host()).arg(options.port()).arg(server.errorString()));
    std::printf("longwork-server listening on %s\n", qPrintable(server.webSocketUrl().toString()));
    std::fflush(stdout);
    qCInfo(lcLongWorkServer).noquote() << "works take" << settings.meanDuration() << "ms +-20 %, failure rate"
                                       << settings.failureRate()
                                       << (settings.seed() ? u"seed %1"_s.arg(*settings.seed()) : u"no seed"_s);

    quitOnSignals(&app, [] { qCInfo(lcLongWorkServer) << "stopping on signal"; });
    const int result = QCoreApplication::exec();

    // Running works fail with "the server is shutting down" and tell their clients; give those
    // notifications a moment to leave before the connections close.
    service->stop();
    QTimer::singleShot(200, &app, &QCoreApplication::quit);
    QCoreApplication::exec();
    server.close();
    qCInfo(lcLongWorkServer) << "stopped after" << service->totalWorkCount() << "works";
    return result;
}
