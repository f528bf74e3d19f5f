#include "logging_p.h"

namespace Burrow {
Q_LOGGING_CATEGORY(lcTransport, "burrow.transport", QtInfoMsg)
}
