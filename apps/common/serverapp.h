#pragma once

#include "appoptions.h"

#include <QtCore/QString>
#include <QtNetwork/QHostAddress>

// What the demo servers (chat-server, longwork-server, replica-master) do alike around their
// options; see also AppOptions and quitOnSignals().

// The address to listen on for --host: "localhost", "any" or "*", an IP address, or a name
// resolved through DNS. A null address with *errorString set when it cannot be used.
QHostAddress listenAddress(const QString &host, QString *errorString);

// The server settings the options give (key, TLS) and the address to listen on; false with
// *errorString set when either cannot be made.
bool serverSetup(const AppOptions &options, Burrow::ServerSettings *settings, QHostAddress *address,
                 QString *errorString);

// One descriptor per client: raises the soft limit of open files to the hard one.
void raiseDescriptorLimit();

// Prints "<application name>: <message>" on stderr and returns the exit code for bad options
// or a failed start (2).
int exitWithError(const QString &message);
