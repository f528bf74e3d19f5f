// replica-monitor: a window showing live master/slave replication of the People table: the
// master's and the slave's rows side by side, versions, lag, throughput and an event log, with
// a burst generator and a way to cut the slave's connection. See docs/REPLICA-MONITOR.md.

#include "appoptions.h"
#include "monitorcontroller.h"
#include "monitorwindow.h"
#include "screenshot.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QTimer>
#include <QtWidgets/QApplication>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

int fail(const QString &message)
{
    std::fprintf(stderr, "replica-monitor: %s\n", qPrintable(message));
    return 2;
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(u"Burrow"_s);
    QCoreApplication::setApplicationName(u"replica-monitor"_s);
    QCoreApplication::setApplicationVersion(u"0.1"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Shows live master/slave replication of the People table. Follows a replica-master at --host/--port "
        "(with --key, --protocol, --tls-*) into a local slave database, or with --embedded (the default when "
        "neither --host nor --port is given) runs the master in this process, with a burst generator."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    AppOptions options(AppOptions::Side::Client, 8890);
    options.addTo(parser);
    parser.addOption({u"embedded"_s, u"Run the master in this process (127.0.0.1; --port picks its port, default any free one)."_s});
    parser.addOption({u"data-dir"_s, u"Keep the SQLite files in this directory (default: a temporary one, removed at exit)."_s,
                      u"dir"_s});
    parser.addOption({u"burst"_s, u"Start the burst generator at this many writes/s (embedded master)."_s, u"rate"_s});
    parser.addOption({u"no-sync"_s, u"Do not start sync at launch (press Start sync)."_s});
    parser.addOption({u"quit-after"_s, u"Quit after this many seconds (for headless runs)."_s, u"seconds"_s});
    parser.addOption({u"screenshot"_s, u"Run the embedded demo at ~200 writes/s for a few seconds, save the window to "
                                       "this PNG file and exit."_s,
                      u"file"_s});
    parser.process(app);

    if (parser.isSet(u"screenshot"_s))
        return takeScreenshot(parser.value(u"screenshot"_s));

    QString error;
    if (!options.read(parser, &error))
        return fail(error);
    const bool remoteGiven = parser.isSet(u"host"_s) || parser.isSet(u"port"_s);
    MonitorController::Options monitorOptions;
    monitorOptions.embedded = parser.isSet(u"embedded"_s) || !remoteGiven;
    monitorOptions.clientSettings = options.clientSettings();
    monitorOptions.dataDirectory = parser.value(u"data-dir"_s);
    if (monitorOptions.embedded) {
        if (parser.isSet(u"host"_s) && options.host() != u"localhost" && options.host() != u"127.0.0.1")
            return fail(u"the embedded master listens on 127.0.0.1 only; drop --host or --embedded"_s);
        monitorOptions.embeddedPort = parser.isSet(u"port"_s) ? options.port() : 0;
        // The embedded master has no TLS or key: the slave talks to it in clear.
        monitorOptions.clientSettings = Burrow::ClientSettings();
        monitorOptions.clientSettings.setSubprotocol(options.clientSettings().subprotocol());
    } else {
        monitorOptions.masterUrl = options.serverUrl();
    }
    double burst = 0;
    if (parser.isSet(u"burst"_s)) {
        bool ok = false;
        burst = parser.value(u"burst"_s).toDouble(&ok);
        if (!ok || burst <= 0)
            return fail(u"--burst takes a positive number of writes per second"_s);
        if (!monitorOptions.embedded)
            return fail(u"--burst needs the embedded master (--embedded)"_s);
    }
    double quitAfter = 0;
    if (parser.isSet(u"quit-after"_s)) {
        bool ok = false;
        quitAfter = parser.value(u"quit-after"_s).toDouble(&ok);
        if (!ok || quitAfter <= 0)
            return fail(u"--quit-after takes a positive number of seconds"_s);
    }

    MonitorController controller(monitorOptions);
    if (!controller.start())
        return fail(controller.errorString());
    if (burst > 0)
        controller.setBurstRate(burst);
    MonitorWindow window(&controller);
    window.show();
    if (!parser.isSet(u"no-sync"_s))
        controller.startSync();
    if (burst > 0)
        controller.startBurst();
    if (quitAfter > 0) {
        QTimer::singleShot(int(quitAfter * 1000), &app, [&controller] {
            const MonitorController::Stats s = controller.stats();
            std::printf("replica-monitor: quitting after --quit-after: master v%lld, slave v%lld, %s, %s\n",
                        s.masterVersion, s.slaveVersion, qPrintable(MonitorController::stateName(s.connection)),
                        qPrintable(MonitorController::stateName(s.slaveState)));
            std::fflush(stdout);
            QCoreApplication::quit();
        });
    }
    return QApplication::exec();
}
