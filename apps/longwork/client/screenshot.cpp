#include "screenshot.h"

#include "eventwait.h"
#include "longworkcontracts.h"
#include "longworkservice.h"
#include "longworksession.h"
#include "mainwindow.h"
#include "workmodel.h"

#include <Burrow/server.h>
#include <Burrow/serviceregistry.h>

#include <QtGui/QPixmap>
#include <QtWidgets/QApplication>
#include <QtWidgets/QLineEdit>

#include <cstdio>
#include <memory>

using BurrowApps::processEventsFor;
using BurrowApps::waitUntil;

int takeScreenshot(const QString &fileName, const QString &scene)
{
    if (scene != QLatin1String("works") && scene != QLatin1String("reconnecting")) {
        std::fprintf(stderr, "longwork-client: unknown screenshot scene \"%s\" (works, reconnecting)\n", qPrintable(scene));
        return 2;
    }
    // A seed, so that the same works fail each time.
    LongWorkSettings settings;
    settings.setMeanDuration(1500);
    settings.setFailureRate(0.3);
    settings.setSeed(28); // two of the first five fail
    auto server = std::make_unique<Burrow::Server>();
    Burrow::ServiceRegistry registry;
    registry.registerService<ILongWorkService>([settings] { return new LongWorkService(settings); });
    registry.attach(server.get());
    if (!server->listen(QHostAddress::LocalHost, 0)) {
        std::fprintf(stderr, "longwork-client: cannot listen: %s\n", qPrintable(server->errorString()));
        return 1;
    }
    const QUrl url = server->webSocketUrl();

    LongWorkSession session;
    Burrow::ClientSettings clientSettings;
    clientSettings.setReconnect(Burrow::ClientSettings::Reconnect::Automatically);
    clientSettings.setReconnectInitialDelay(10000); // stays "reconnecting" while the picture is taken
    session.setSettings(clientSettings);
    MainWindow window(&session);
    window.resize(780, 420);
    window.show();
    session.connectToServer(url);
    if (!waitUntil([&] { return session.state() == LongWorkSession::State::Connected; }, 10000)) {
        std::fprintf(stderr, "longwork-client: the in-process server did not answer\n");
        return 1;
    }

    WorkModel *model = session.model();
    if (scene == QLatin1String("works")) {
        for (const char *name : {"compile-docs", "render-thumbnails", "backup-database", "rebuild-index", "import-orders"})
            session.startWork(QString::fromLatin1(name));
        waitUntil([&] { return model->runningCount() == 0; }, 10000);
        for (const char *name : {"send-newsletter", "encode-video"}) {
            session.startWork(QString::fromLatin1(name));
            processEventsFor(300);
        }
        processEventsFor(600);
        window.nameEdit()->setText(QStringLiteral("nightly-report"));
    } else {
        for (const char *name : {"compile-docs", "render-thumbnails"})
            session.startWork(QString::fromLatin1(name));
        waitUntil([&] { return model->runningCount() == 0; }, 10000);
        for (const char *name : {"backup-database", "encode-video"})
            session.startWork(QString::fromLatin1(name));
        processEventsFor(700);
        // The server goes away with works running.
        server.reset();
        waitUntil([&] { return session.state() == LongWorkSession::State::Reconnecting && model->runningCount() == 0; }, 10000);
        processEventsFor(300);
    }
    QCoreApplication::processEvents();
    if (!window.grab().save(fileName)) {
        std::fprintf(stderr, "longwork-client: cannot write %s\n", qPrintable(fileName));
        return 1;
    }
    std::printf("longwork-client: saved %s\n", qPrintable(fileName));
    return 0;
}
