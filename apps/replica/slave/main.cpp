// replica-slave: follows tables of a replica-master into a local ORM database, in real time,
// resuming from where it stopped after a disconnection or a restart of either side.

#include "person.h"
#include "quitonsignals.h"

#include <Burrow/client.h>
#include <Burrow/ormdatabase.h>
#include <Burrow/remoteservices.h>
#include <Burrow/replicationslave.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QDateTime>
#include <QtCore/QElapsedTimer>
#include <QtCore/QTimer>
#include <QtCore/QUrl>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

int fail(const QString &message)
{
    std::fprintf(stderr, "replica-slave: %s\n", qPrintable(message));
    return 2;
}

const char *stateName(Burrow::ReplicationSlave::State state)
{
    switch (state) {
    case Burrow::ReplicationSlave::State::Stopped:
        return "stopped";
    case Burrow::ReplicationSlave::State::Waiting:
        return "waiting";
    case Burrow::ReplicationSlave::State::CatchingUp:
        return "catching up";
    case Burrow::ReplicationSlave::State::Live:
        return "live";
    }
    return "?";
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"replica-slave"_s);
    QCoreApplication::setApplicationVersion(u"0.1"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Follows tables of a replica-master into a local SQLite database in real time (the tables are "
        "read-only locally). Resumes where it stopped after a disconnection or a restart."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({u"db"_s, u"SQLite file of the slave database (created if missing)."_s, u"file"_s});
    parser.addOption({u"master"_s, u"URL of the master (default ws://localhost:8890/)."_s, u"url"_s});
    parser.addOption({u"key"_s, u"Pre-shared key of the master (encrypted binary frames)."_s, u"key"_s});
    parser.addOption({u"protocol"_s, u"Wire protocol: json or binary (default binary)."_s, u"protocol"_s});
    parser.addOption({u"table"_s, u"Table to follow (default People; repeat for several)."_s, u"name"_s});
    parser.addOption({u"page-size"_s, u"Changes per catch-up page (default 5000)."_s, u"count"_s});
    parser.addOption({u"each"_s, u"Print one line per applied transaction."_s});
    parser.addOption({u"status-interval"_s, u"Seconds between status lines (default 1, 0: none)."_s, u"seconds"_s});
    parser.process(app);

    if (!parser.isSet(u"db"_s))
        return fail(u"--db is required"_s);
    const QUrl url(parser.isSet(u"master"_s) ? parser.value(u"master"_s) : u"ws://localhost:8890/"_s);
    if (!url.isValid() || (url.scheme() != u"ws" && url.scheme() != u"wss"))
        return fail(u"--master must be a ws:// or wss:// URL"_s);
    QStringList tables = parser.values(u"table"_s);
    if (tables.isEmpty())
        tables.append(u"People"_s);
    bool ok = true;
    const double statusInterval = parser.isSet(u"status-interval"_s) ? parser.value(u"status-interval"_s).toDouble(&ok) : 1;
    if (!ok || statusInterval < 0)
        return fail(u"--status-interval takes a non-negative number of seconds"_s);

    int pageSize = 5000;
    if (parser.isSet(u"page-size"_s)) {
        pageSize = parser.value(u"page-size"_s).toInt(&ok);
        if (!ok || pageSize < 1)
            return fail(u"--page-size takes a positive number"_s);
    }

    Burrow::ClientSettings settings;
    const QString protocol = parser.value(u"protocol"_s);
    if (protocol == u"json")
        settings.setSubprotocol(QString::fromLatin1(Burrow::JsonSubprotocol));
    else if (!protocol.isEmpty() && protocol != u"binary")
        return fail(u"--protocol must be json or binary"_s);
    settings.setPreSharedKey(parser.value(u"key"_s).toUtf8());
    settings.setReconnect(Burrow::ClientSettings::Reconnect::Automatically);
    settings.setReconnectInitialDelay(100);
    settings.setReconnectMaxDelay(2000);
    settings.setHeartbeatInterval(2000);

    Burrow::OrmDatabase database;
    if (!database.open(parser.value(u"db"_s)) || !database.registerTable<Person>())
        return fail(u"cannot open %1: %2"_s.arg(parser.value(u"db"_s), database.errorString()));

    Burrow::Client client;
    client.setSettings(settings);
    Burrow::RemoteServices services(&client);
    Burrow::ReplicationSlave slave(&database, &services);
    slave.setPageSize(pageSize);

    QObject::connect(&client, &Burrow::Client::connected, &app, [&url] {
        std::printf("connected to %s\n", qPrintable(url.toString()));
        std::fflush(stdout);
    });
    QObject::connect(&client, &Burrow::Client::disconnected, &app, [](QWebSocketProtocol::CloseCode, const QString &reason) {
        std::printf("disconnected%s%s\n", reason.isEmpty() ? "" : ": ", qPrintable(reason));
        std::fflush(stdout);
    });
    QObject::connect(&slave, &Burrow::ReplicationSlave::stateChanged, &app,
                     [&slave](const QString &table, Burrow::ReplicationSlave::State state) {
                         std::printf("%s: %s at version %lld\n", qPrintable(table), stateName(state),
                                     slave.status(table).appliedVersion);
                         std::fflush(stdout);
                     });
    QObject::connect(&slave, &Burrow::ReplicationSlave::errorOccurred, &app,
                     [](const QString &table, Burrow::ErrorCode code, const QString &message) {
                         std::printf("%s: error %s: %s\n", qPrintable(table), qPrintable(Burrow::errorCodeName(code)),
                                     qPrintable(message));
                         std::fflush(stdout);
                     });
    if (parser.isSet(u"each"_s)) {
        QObject::connect(&slave, &Burrow::ReplicationSlave::changesApplied, &app,
                         [](const QString &table, int count, qint64 fromVersion, qint64 toVersion, qint64 lagMs) {
                             if (lagMs >= 0) {
                                 std::printf("%s: applied %d changes, versions %lld..%lld, lag %lld ms\n", qPrintable(table),
                                             count, fromVersion, toVersion, lagMs);
                             } else {
                                 std::printf("%s: applied %d changes, versions %lld..%lld (catch-up)\n", qPrintable(table),
                                             count, fromVersion, toVersion);
                             }
                             std::fflush(stdout);
                         });
    }
    QTimer status;
    if (statusInterval > 0) {
        QObject::connect(&status, &QTimer::timeout, &app, [&slave] {
            for (const QString &table : slave.tables()) {
                const Burrow::ReplicationTableStatus s = slave.status(table);
                std::printf("%s: %s, version %lld of %lld, %lld changes in %lld transactions, lag %lld ms\n",
                            qPrintable(table), stateName(s.state), s.appliedVersion, s.masterVersion,
                            s.appliedChanges, s.appliedMessages, s.lastLagMs);
            }
            std::fflush(stdout);
        });
        status.start(int(statusInterval * 1000));
    }

    for (const QString &table : std::as_const(tables)) {
        if (!slave.startSync(table))
            return fail(slave.errorString());
    }
    std::printf("replica-slave following %s of %s into %s\n", qPrintable(tables.join(u", "_s)),
                qPrintable(url.toString()), qPrintable(parser.value(u"db"_s)));
    std::fflush(stdout);
    client.connectToServer(url);

    quitOnSignals(&app);
    const int result = QCoreApplication::exec();
    slave.stopAll();
    client.disconnectFromServer();
    std::printf("replica-slave stopped\n");
    std::fflush(stdout);
    return result;
}
