#include "serverapp.h"

#include <QtCore/QCoreApplication>
#include <QtNetwork/QHostInfo>

#include <cstdio>

#ifdef Q_OS_UNIX
#  include <sys/resource.h>
#endif

using namespace Qt::StringLiterals;

QHostAddress listenAddress(const QString &host, QString *errorString)
{
    if (host == u"localhost")
        return QHostAddress(QHostAddress::LocalHost);
    if (host == u"any" || host == u"*")
        return QHostAddress(QHostAddress::Any);
    const QHostAddress address(host);
    if (!address.isNull())
        return address;
    const QHostInfo info = QHostInfo::fromName(host);
    if (info.addresses().isEmpty()) {
        *errorString = u"cannot resolve --host %1: %2"_s.arg(host, info.errorString());
        return {};
    }
    return info.addresses().constFirst();
}

bool serverSetup(const AppOptions &options, Burrow::ServerSettings *settings, QHostAddress *address,
                 QString *errorString)
{
    QString error;
    *settings = options.serverSettings(&error);
    if (error.isEmpty())
        *address = listenAddress(options.host(), &error);
    if (!error.isEmpty()) {
        *errorString = error;
        return false;
    }
    return true;
}

void raiseDescriptorLimit()
{
#ifdef Q_OS_UNIX
    rlimit limit = {};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
#endif
}

int exitWithError(const QString &message)
{
    std::fprintf(stderr, "%s: %s\n", qPrintable(QCoreApplication::applicationName()), qPrintable(message));
    return 2;
}
