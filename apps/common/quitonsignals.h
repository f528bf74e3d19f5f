#pragma once

#include <QtCore/qglobal.h>

QT_BEGIN_NAMESPACE
class QCoreApplication;
QT_END_NAMESPACE

// SIGINT and SIGTERM quit the application's event loop (through a socket pair, so that the
// handler only writes a byte). Does nothing outside Unix.
void quitOnSignals(QCoreApplication *application);
