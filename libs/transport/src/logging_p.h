#pragma once

#include <QtCore/QLoggingCategory>

namespace Burrow {
// "burrow.transport": connection life, refused upgrades, dropped peers. Debug output is off
// unless enabled with QT_LOGGING_RULES="burrow.transport.debug=true".
Q_DECLARE_LOGGING_CATEGORY(lcTransport)
}
