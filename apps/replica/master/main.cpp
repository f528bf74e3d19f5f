// replica-master: serves an ORM database on one port, REST on /orm and real-time replication
// (the "BurrowReplication" interface) over WebSockets, for replica-slave. With --write-rate it
// also writes a random workload into its People table (apps/replica/common/randomwriter.h).

#include "appoptions.h"
#include "person.h"
#include "quitonsignals.h"
#include "randomwriter.h"
#include "serverapp.h"

#include <Burrow/ormdatabase.h>
#include <Burrow/ormrestservice.h>
#include <Burrow/replicationmaster.h>
#include <Burrow/server.h>
#include <Burrow/serviceregistry.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QTimer>

#include <cstdio>
#include <optional>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"replica-master"_s);
    QCoreApplication::setApplicationVersion(u"0.1"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Serves an ORM database (the People table) on one port: REST on /orm, and real-time replication "
        "to replica-slave over WebSockets. With --write-rate, writes a random workload of inserts, "
        "updates and deletes."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    AppOptions options(AppOptions::Side::Server, 8890);
    options.addTo(parser);
    parser.addOption({u"db"_s, u"SQLite file of the master database (created if missing)."_s, u"file"_s});
    parser.addOption({u"write-rate"_s, u"Rows written per second by the random writer (default 0: none)."_s, u"rows"_s});
    parser.addOption({u"batch-size"_s, u"Rows per transaction of the random writer (default 4)."_s, u"rows"_s});
    parser.addOption({u"write-for"_s, u"Stop writing after this many seconds (default: never)."_s, u"seconds"_s});
    parser.addOption({u"seed"_s, u"Seed of the random writer (default: random)."_s, u"number"_s});
    parser.addOption({u"status-interval"_s, u"Seconds between status lines on stdout (default 5, 0: none)."_s,
                      u"seconds"_s});
    parser.process(app);

    QString error;
    if (!options.read(parser, &error))
        return exitWithError(error);
    if (!parser.isSet(u"db"_s))
        return exitWithError(u"--db is required"_s);
    const auto number = [&](const QString &name, double fallback, double minimum) -> std::optional<double> {
        if (!parser.isSet(name))
            return fallback;
        bool ok = false;
        const double value = parser.value(name).toDouble(&ok);
        if (!ok || value < minimum)
            return std::nullopt;
        return value;
    };
    const auto rate = number(u"write-rate"_s, 0, 0);
    const auto batchSize = number(u"batch-size"_s, 4, 1);
    const auto writeFor = number(u"write-for"_s, 0, 0);
    const auto statusInterval = number(u"status-interval"_s, 5, 0);
    if (!rate || !batchSize || !writeFor || !statusInterval)
        return exitWithError(u"--write-rate, --batch-size, --write-for and --status-interval take non-negative numbers "
                    "(--batch-size at least 1)"_s);
    Burrow::ServerSettings serverSettings;
    QHostAddress address;
    if (!serverSetup(options, &serverSettings, &address, &error))
        return exitWithError(error);

    Burrow::OrmDatabase database;
    if (!database.open(parser.value(u"db"_s)) || !database.registerTable<Person>())
        return exitWithError(u"cannot open %1: %2"_s.arg(parser.value(u"db"_s), database.errorString()));

    Burrow::Server server;
    server.setSettings(serverSettings);
    Burrow::ServiceRegistry registry;
    registry.attach(&server);
    Burrow::OrmRestService::serve(&server, &database);
    Burrow::ReplicationMaster master(&database, &registry);
    QObject::connect(&master, &Burrow::ReplicationMaster::subscriptionAdded, &app,
                     [](const Burrow::ReplicationSubscription &subscription) {
                         std::printf("slave %s follows %s from version %lld\n", qPrintable(subscription.peer),
                                     qPrintable(subscription.table), subscription.deliveredVersion);
                         std::fflush(stdout);
                     });
    QObject::connect(&master, &Burrow::ReplicationMaster::subscriptionRemoved, &app,
                     [](const Burrow::ReplicationSubscription &subscription) {
                         std::printf("slave %s stopped following %s at version %lld\n", qPrintable(subscription.peer),
                                     qPrintable(subscription.table), subscription.deliveredVersion);
                         std::fflush(stdout);
                     });

    if (!server.listen(address, options.port()))
        return exitWithError(u"cannot listen on %1:%2: %3"_s.arg(options.host()).arg(options.port()).arg(server.errorString()));
    std::printf("replica-master listening on %s (version %lld)\n", qPrintable(server.webSocketUrl().toString()),
                database.currentVersion());
    std::fflush(stdout);

    RandomWriter writer(&database);
    writer.setRate(*rate);
    writer.setBatchSize(int(*batchSize));
    writer.setDuration(int(*writeFor * 1000));
    if (parser.isSet(u"seed"_s))
        writer.setSeed(parser.value(u"seed"_s).toUInt());
    if (*rate > 0) {
        if (!writer.start())
            return exitWithError(u"cannot start the random writer"_s);
        QObject::connect(&writer, &RandomWriter::finished, &app, [&writer, &database] {
            std::printf("writer finished: %lld rows in %lld transactions, version %lld\n", writer.rowsWritten(),
                        writer.transactions(), database.currentVersion());
            std::fflush(stdout);
        });
    }

    QTimer status;
    if (*statusInterval > 0) {
        QObject::connect(&status, &QTimer::timeout, &app, [&] {
            std::printf("version %lld, %d subscriptions, %lld rows written in %lld transactions\n",
                        database.currentVersion(), master.subscriptionCount(), writer.rowsWritten(),
                        writer.transactions());
            std::fflush(stdout);
        });
        status.start(int(*statusInterval * 1000));
    }

    quitOnSignals(&app);
    const int result = QCoreApplication::exec();
    writer.stop();
    server.close();
    std::printf("replica-master stopped at version %lld\n", database.currentVersion());
    std::fflush(stdout);
    return result;
}
