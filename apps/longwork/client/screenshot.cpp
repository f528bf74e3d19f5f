#include "screenshot.h"

#include "longworkcontracts.h"
#include "longworkservice.h"
#include "longworksession.h"
#include "mainwindow.h"
#include "workmodel.h"

#include <Burrow/server.h>
#include <Burrow/serviceregistry.h>

#include <QtCore/QDeadlineTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QThread>
#include <QtGui/QPixmap>
#include <QtWidgets/QApplication>
#include <QtWidgets/QLineEdit>

#include <cstdio>
#include <functional>
#include <memory>

namespace {

bool waitFor(const std::function<bool()> &condition, int milliseconds)
{
    const QDeadlineTimer deadline(milliseconds);
    while (!condition()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    return true;
}

void pause(int milliseconds)
{
    waitFor([] { return false; }, milliseconds);
}

} // namespace

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
    if (!waitFor([&] { return session.state() == LongWorkSession::State::Connected; }, 10000)) {
        std::fprintf(stderr, "longwork-client: the in-process server did not answer\n");
        return 1;
    }

    WorkModel *model = session.model();
    if (scene == QLatin1String("works")) {
        for (const char *name : {"compile-docs", "render-thumbnails", "backup-database", "rebuild-index", "import-orders"})
            session.startWork(QString::fromLatin1(name));
        waitFor([&] { return model->runningCount() == 0; }, 10000);
        for (const char *name : {"send-newsletter", "encode-video"}) {
            session.startWork(QString::fromLatin1(name));
            pause(300);
        }
        pause(600);
        window.nameEdit()->setText(QStringLiteral("nightly-report"));
    } else {
        for (const char *name : {"compile-docs", "render-thumbnails"})
            session.startWork(QString::fromLatin1(name));
        waitFor([&] { return model->runningCount() == 0; }, 10000);
        for (const char *name : {"backup-database", "encode-video"})
            session.startWork(QString::fromLatin1(name));
        pause(700);
        // The server goes away with works running.
        server.reset();
        waitFor([&] { return session.state() == LongWorkSession::State::Reconnecting && model->runningCount() == 0; }, 10000);
        pause(300);
    }
    QCoreApplication::processEvents();
    if (!window.grab().save(fileName)) {
        std::fprintf(stderr, "longwork-client: cannot write %s\n", qPrintable(fileName));
        return 1;
    }
    std::printf("longwork-client: saved %s\n", qPrintable(fileName));
    return 0;
}
