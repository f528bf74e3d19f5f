#include "logging_p.h"

namespace Burrow {
Q_LOGGING_CATEGORY(lcReplication, "burrow.replication", QtWarningMsg)
}
