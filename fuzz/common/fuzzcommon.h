#pragma once

// Shared by the Burrow fuzz targets (docs/RELIABILITY-fuzzing.md).

#include <QtCore/QByteArray>
#include <QtCore/QCoreApplication>
#include <QtCore/QLoggingCategory>
#include <QtCore/QtGlobal>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace BurrowFuzz {

// Drops Qt's and Burrow's log output (a fuzzer that prints on every input is slow and
// unreadable), but keeps fatal messages: a Q_ASSERT or qFatal() aborts, and libFuzzer reports
// that as a crash with its stack.
inline void quietMessageHandler(QtMsgType type, const QMessageLogContext &, const QString &message)
{
    if (type == QtFatalMsg) {
        std::fprintf(stderr, "qFatal: %s\n", qPrintable(message));
        std::abort();
    }
}

// One QCoreApplication per process (the HTTP target needs an event dispatcher and timers).
inline void ensureApplication()
{
    static bool done = false;
    if (done)
        return;
    done = true;
    qputenv("QT_NO_GLIB", "1"); // the plain Unix event dispatcher is lighter
    qInstallMessageHandler(quietMessageHandler);
    static int argc = 1;
    static char name[] = "burrow-fuzz";
    static char *argv[] = {name, nullptr};
    if (!QCoreApplication::instance())
        new QCoreApplication(argc, argv); // never deleted: lives as long as the process
}

// A differential check failed: not a sanitizer finding, but a wrong answer. Prints why, then
// traps, so that libFuzzer saves the input as a crash.
[[noreturn]] inline void fail(const char *what, const QByteArray &detail = QByteArray())
{
    std::fprintf(stderr, "\n*** Burrow fuzz check failed: %s\n", what);
    if (!detail.isEmpty())
        std::fprintf(stderr, "%s\n", detail.constData());
    std::fflush(stderr);
    __builtin_trap();
}

inline QByteArray bytes(const uint8_t *data, size_t size)
{
    return QByteArray(reinterpret_cast<const char *>(data), qsizetype(size));
}

} // namespace BurrowFuzz
