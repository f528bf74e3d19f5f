#pragma once

#include <QtCore/QString>

// longwork-client --screenshot <file.png> [--screenshot-scene works|reconnecting]: runs a
// longwork service in this process, drives the real window against it and saves
// QWidget::grab() of it. "works": works finished, failed and running; "reconnecting": the
// server went away while works were running. Returns the exit code.
int takeScreenshot(const QString &fileName, const QString &scene);
