#include "serviceslogging_p.h"

namespace Burrow {
Q_LOGGING_CATEGORY(lcServices, "burrow.services", QtInfoMsg)
}
