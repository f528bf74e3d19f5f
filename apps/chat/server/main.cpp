// chat-server: serves the chat room (ChatService) on one port; see docs/CHAT.md.

#include "appoptions.h"
#include "chatlogging.h"
#include "chatservice.h"
#include "quitonsignals.h"
#include "serverapp.h"

#include <Burrow/server.h>
#include <Burrow/serviceregistry.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QTimer>

#include <cstdio>

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
    Burrow::ServerSettings settings;
    QHostAddress address;
    if (!serverSetup(options, &settings, &address, &error))
        return exitWithError(error);
    // A member whose machine vanished (no FIN, no RST) is dropped within ~15 s.
    settings.setHeartbeatInterval(5000);
    settings.setMissedHeartbeats(3);
    // One descriptor per member.
    raiseDescriptorLimit();
    quitOnSignals(&app, [] { qCInfo(lcChatServer) << "stopping"; });

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
