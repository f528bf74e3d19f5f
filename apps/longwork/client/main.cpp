// longwork-client: starts long works on a longwork-server and shows how they end, in a window
// or, with --console, line by line on stdin/stdout.

#include "appoptions.h"
#include "consolerunner.h"
#include "longworksession.h"
#include "mainwindow.h"
#include "screenshot.h"
#include "stdinreader.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QSettings>
#include <QtWidgets/QApplication>

#include <cstdio>
#include <cstring>
#include <memory>

using namespace Qt::StringLiterals;

namespace {

bool hasArgument(int argc, char *argv[], const char *name)
{
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], name) == 0)
            return true;
    }
    return false;
}

int fail(const QString &message)
{
    std::fprintf(stderr, "longwork-client: %s\n", qPrintable(message));
    return 2;
}

int runConsole(const AppOptions &options, int timeout)
{
    LongWorkSession session;
    session.setSettings(options.clientSettings());
    ConsoleRunner runner(&session);
    runner.setTimeout(timeout);
    QObject::connect(&runner, &ConsoleRunner::resultLine, [](const QString &line) {
        std::fprintf(stdout, "%s\n", qPrintable(line));
        std::fflush(stdout);
    });
    QObject::connect(&runner, &ConsoleRunner::message, [](const QString &text) {
        std::fprintf(stderr, "longwork-client: %s\n", qPrintable(text));
        std::fflush(stderr);
    });
    // Not qApp: in console mode the application object is a QCoreApplication, not a QApplication.
    QObject::connect(&runner, &ConsoleRunner::finished, QCoreApplication::instance(), [](int exitCode) { QCoreApplication::exit(exitCode); },
                     Qt::QueuedConnection);
    StdinReader input;
    QObject::connect(&input, &StdinReader::lineRead, &runner, &ConsoleRunner::addLine);
    QObject::connect(&input, &StdinReader::inputEnded, &runner, &ConsoleRunner::endInput);
    session.connectToServer(options.serverUrl());
    runner.start();
    input.start();
    return QCoreApplication::exec();
}

int runWindow(const QCommandLineParser &parser, const AppOptions &options)
{
    // The server address: from the command line, else the one used last time.
    QSettings settings;
    QUrl url = options.serverUrl();
    const bool given = parser.isSet(u"host"_s) || parser.isSet(u"port"_s) || parser.isSet(u"tls"_s);
    const QUrl saved = settings.value(u"server/url"_s).toUrl();
    if (!given && saved.isValid() && !saved.host().isEmpty())
        url = saved;
    settings.setValue(u"server/url"_s, url);

    LongWorkSession session;
    session.setSettings(options.clientSettings());
    MainWindow window(&session);
    window.restoreGeometryFromSettings();
    QObject::connect(&window, &MainWindow::serverChosen, &session, [&session](const QUrl &chosen) {
        QSettings().setValue(u"server/url"_s, chosen);
        session.disconnectFromServer();
        session.connectToServer(chosen);
    });
    window.show();
    session.connectToServer(url);
    return QApplication::exec();
}

} // namespace

int main(int argc, char *argv[])
{
    // The console mode needs no display.
    const bool console = hasArgument(argc, argv, "--console");
    std::unique_ptr<QCoreApplication> app(console ? new QCoreApplication(argc, argv) : new QApplication(argc, argv));
    QCoreApplication::setOrganizationName(u"Burrow"_s);
    QCoreApplication::setApplicationName(u"longwork-client"_s);
    QCoreApplication::setApplicationVersion(u"0.1"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Starts long works on a longwork-server; the server calls back when each one ends.\n"
        "In the window, type a work name and press Enter. With --console, each line of standard input "
        "names a work; each result is printed as \"finished <name> <ms>ms\" or \"failed <name>: <reason>\"."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    AppOptions options(AppOptions::Side::Client, 8871);
    options.addTo(parser);
    parser.addOption({u"console"_s, u"No window: read work names from stdin, print results, exit once the input has "
                                    "ended and every work has come back."_s});
    parser.addOption({u"timeout"_s, u"With --console: give up after this many milliseconds (exit code 1)."_s, u"ms"_s});
    parser.addOption({u"screenshot"_s, u"Render the window against an in-process server to a PNG file, then exit."_s,
                      u"file"_s});
    parser.addOption({u"screenshot-scene"_s, u"What --screenshot shows: works (default) or reconnecting."_s, u"scene"_s,
                      u"works"_s});
    parser.process(*app);

    QString error;
    if (!options.read(parser, &error))
        return fail(error);
    if (parser.isSet(u"screenshot"_s)) {
        if (console)
            return fail(u"--screenshot needs the window, not --console"_s);
        return takeScreenshot(parser.value(u"screenshot"_s), parser.value(u"screenshot-scene"_s));
    }
    if (console) {
        int timeout = 0;
        if (parser.isSet(u"timeout"_s)) {
            bool ok = false;
            timeout = parser.value(u"timeout"_s).toInt(&ok);
            if (!ok || timeout < 0)
                return fail(u"--timeout must be a number of milliseconds"_s);
        }
        return runConsole(options, timeout);
    }
    return runWindow(parser, options);
}
