#include "screenshot.h"

#include "monitorcontroller.h"
#include "monitorwindow.h"

#include <QtCore/QDeadlineTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QThread>
#include <QtGui/QPixmap>
#include <QtWidgets/QApplication>

#include <cstdio>
#include <functional>

namespace {

bool waitFor(const std::function<bool()> &condition, int milliseconds)
{
    const QDeadlineTimer deadline(milliseconds);
    while (!condition()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(2);
    }
    return true;
}

void pause(int milliseconds)
{
    waitFor([] { return false; }, milliseconds);
}

} // namespace

int takeScreenshot(const QString &fileName)
{
    MonitorController::Options options;
    options.embedded = true;
    options.seedGroups = 120;
    MonitorController controller(options);
    if (!controller.start()) {
        std::fprintf(stderr, "replica-monitor: %s\n", qPrintable(controller.errorString()));
        return 1;
    }
    controller.setBurstRate(200);
    MonitorWindow window(&controller);
    window.resize(1180, 760);
    window.show();
    controller.startSync();
    if (!waitFor([&] { return controller.stats().slaveState == Burrow::ReplicationSlave::State::Live; }, 15000)) {
        std::fprintf(stderr, "replica-monitor: the slave did not go live\n");
        return 1;
    }
    controller.startBurst();
    pause(1200);
    controller.disconnectSlave();
    pause(600);
    controller.reconnectSlave();
    waitFor([&] { return controller.stats().slaveState == Burrow::ReplicationSlave::State::Live; }, 10000);
    pause(1800);
    QCoreApplication::processEvents();
    if (!window.grab().save(fileName)) {
        std::fprintf(stderr, "replica-monitor: cannot write %s\n", qPrintable(fileName));
        return 1;
    }
    const MonitorController::Stats s = controller.stats();
    std::printf("replica-monitor: saved %s (master v%lld, slave v%lld)\n", qPrintable(fileName), s.masterVersion,
                s.slaveVersion);
    controller.stopBurst();
    return 0;
}
