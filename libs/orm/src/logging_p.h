#pragma once

#include <QtCore/QLoggingCategory>

namespace Burrow {
// "burrow.orm": schema migration, failed transactions, values that could not be read back.
// Debug output is off unless enabled with QT_LOGGING_RULES="burrow.orm.debug=true".
Q_DECLARE_LOGGING_CATEGORY(lcOrm)
}
