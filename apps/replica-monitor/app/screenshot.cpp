#include "screenshot.h"

#include "eventwait.h"
#include "monitorcontroller.h"
#include "monitorwindow.h"

#include <QtGui/QPixmap>
#include <QtWidgets/QApplication>

#include <cstdio>

using BurrowApps::processEventsFor;
using BurrowApps::waitUntil;

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
    if (!waitUntil([&] { return controller.stats().slaveState == Burrow::ReplicationSlave::State::Live; }, 15000)) {
        std::fprintf(stderr, "replica-monitor: the slave did not go live\n");
        return 1;
    }
    controller.startBurst();
    processEventsFor(1200);
    controller.disconnectSlave();
    processEventsFor(600);
    controller.reconnectSlave();
    waitUntil([&] { return controller.stats().slaveState == Burrow::ReplicationSlave::State::Live; }, 10000);
    processEventsFor(1800);
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
