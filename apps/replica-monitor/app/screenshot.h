#pragma once

#include <QtCore/QString>

// replica-monitor --screenshot <file.png>: runs the embedded demo (sync on, burst generator at
// ~200 writes/s) in the real window for a few seconds, disconnects and reconnects the slave on
// the way so that the log shows a resumption, and saves QWidget::grab() of the window. Returns
// the exit code.
int takeScreenshot(const QString &fileName);
