#pragma once

#include <QtCore/QLoggingCategory>

namespace Burrow {
// "burrow.services": registrations, failed calls, released callbacks. Debug output is off unless
// enabled with QT_LOGGING_RULES="burrow.services.debug=true".
Q_DECLARE_LOGGING_CATEGORY(lcServices)
}
