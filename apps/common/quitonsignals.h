#pragma once

#include <QtCore/qglobal.h>

#include <functional>

QT_BEGIN_NAMESPACE
class QCoreApplication;
QT_END_NAMESPACE

// SIGINT and SIGTERM quit the application's event loop (through a socket pair, so that the
// handler only writes a byte), after calling `onSignal` in the main thread if given, so that a
// server closes its connections properly. Does nothing outside Unix.
void quitOnSignals(QCoreApplication *application, const std::function<void()> &onSignal = {});
