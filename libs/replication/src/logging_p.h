#pragma once

#include <QtCore/QLoggingCategory>

namespace Burrow {
// "burrow.replication": subscriptions, gaps, failed applies, resumptions. Below warnings it is
// off unless enabled with QT_LOGGING_RULES="burrow.replication.info=true" (or .debug).
Q_DECLARE_LOGGING_CATEGORY(lcReplication)
}
