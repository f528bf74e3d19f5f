// chat-server: serves the chat room (ChatService) on one port; see docs/CHAT.md.

#include "appoptions.h"
#include "chatlogging.h"
#include "chatservice.h"

#include <Burrow/server.h>
#include <Burrow/serviceregistry.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QSocketNotifier>
#include <QtCore/QTimer>
#include <QtNetwork/QHostInfo>

#include <csignal>
#include <cstdio>
#include <sys/resource.h>
#include <unistd.h>

namespace {

int signalPipe[2] = {-1, -1};

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const ssize_t written = ::write(signalPipe[1], &byte, 1);
}

// SIGINT and SIGTERM end the event loop, so that the server closes its connections properly.
void quitOnSignals(QCoreApplication *app)
{
    if (::pipe(signalPipe) != 0)
        return;
    auto *notifier = new QSocketNotifier(signalPipe[0], QSocketNotifier::Read, app);
    QObject::connect(notifier, &QSocketNotifier::activated, app, [app] {
        char byte;
        [[maybe_unused]] const ssize_t got = ::read(signalPipe[0], &byte, 1);
        qCInfo(lcChatServer) << "stopping";
        app->quit();
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

// One descriptor per member: allow as many as the hard limit does.
void raiseDescriptorLimit()
{
    rlimit limit = {};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

QHostAddress resolveHost(const QString &host, QString *errorString)
{
    if (host == QLatin1String("localhost"))
        return QHostAddress(QHostAddress::LocalHost);
    if (host == QLatin1String("*") || host == QLatin1String("any"))
        return QHostAddress(QHostAddress::Any);
    QHostAddress address(host);
    if (!address.isNull())
        return address;
    const QHostInfo info = QHostInfo::fromName(host);
    if (info.addresses().isEmpty()) {
        *errorString = QStringLiteral("cannot resolve --host %1: %2").arg(host, info.errorString());
        return {};
    }
    return info.addresses().constFirst();
}

} // namespace

int main(int argc, char *argv[])
{
    // Qt's GLib event dispatcher keeps socket notifiers and timers in lists that it walks on
    // every change: with hundreds of members that doubles the server's CPU per message
    // (docs/CHAT.md, "Figures"). Qt's own dispatcher does better; QT_NO_GLIB=0 keeps GLib.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("chat-server"));
    QCoreApplication::setApplicationVersion(QStringLiteral("1.0"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Burrow chat server: members join with a nickname and receive each other's messages "
        "through callbacks (docs/CHAT.md)."));
    parser.addHelpOption();
    parser.addVersionOption();
    AppOptions options(AppOptions::Side::Server, 8870);
    options.addTo(parser);
    parser.process(app);

    QString error;
    if (!options.read(parser, &error)) {
        std::fprintf(stderr, "chat-server: %s\n", qPrintable(error));
        return 2;
    }
    Burrow::ServerSettings settings = options.serverSettings(&error);
    if (!error.isEmpty()) {
        std::fprintf(stderr, "chat-server: %s\n", qPrintable(error));
        return 2;
    }
    // A member whose machine vanished (no FIN, no RST) is dropped within ~15 s.
    settings.setHeartbeatInterval(5000);
    settings.setMissedHeartbeats(3);
    const QHostAddress address = resolveHost(options.host(), &error);
    if (address.isNull()) {
        std::fprintf(stderr, "chat-server: %s\n", qPrintable(error));
        return 2;
    }
    raiseDescriptorLimit();
    quitOnSignals(&app);

    Burrow::Server server;
    server.setSettings(settings);
    Burrow::ServiceRegistry registry;
    ChatService *chat = ChatService::registerWith(&registry);
    registry.attach(&server);
    QObject::connect(&server, &Burrow::Server::upgradeRefused, &app,
                     [](const QHostAddress &peer, int status, const QString &reason) {
                         qCInfo(lcChatServer).noquote()
                             << QStringLiteral("refused %1: HTTP %2, %3").arg(peer.toString()).arg(status).arg(reason);
                     });

    if (!server.listen(address, options.port())) {
        std::fprintf(stderr, "chat-server: cannot listen on %s port %u: %s\n", qPrintable(options.host()),
                     unsigned(options.port()), qPrintable(server.errorString()));
        return 1;
    }
    std::fprintf(stdout, "chat-server listening on %s\n", qPrintable(server.webSocketUrl().toString()));
    std::fflush(stdout);

    // The counts, once a minute when something happened.
    QTimer statisticsTimer;
    quint64 lastMessages = 0;
    quint64 lastJoins = 0;
    QObject::connect(&statisticsTimer, &QTimer::timeout, &app, [&] {
        const ChatService::Statistics s = chat->statistics();
        if (s.messages == lastMessages && s.joins == lastJoins)
            return;
        lastMessages = s.messages;
        lastJoins = s.joins;
        qCInfo(lcChatServer).noquote() << QStringLiteral("%1 member(s), %2 connection(s); since start: %3 joins, "
                                                         "%4 leaves, %5 messages, %6 deliveries, %7 refusals")
                                              .arg(s.members)
                                              .arg(server.connectionCount())
                                              .arg(s.joins)
                                              .arg(s.leaves)
                                              .arg(s.messages)
                                              .arg(s.deliveries)
                                              .arg(s.refusals);
    });
    statisticsTimer.start(60000);

    return app.exec();
}
