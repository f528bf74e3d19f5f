#include "logging_p.h"

namespace Burrow {
Q_LOGGING_CATEGORY(lcOrm, "burrow.orm", QtInfoMsg)
}
