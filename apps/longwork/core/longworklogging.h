#pragma once

#include <QtCore/QLoggingCategory>

// "longwork.server": what the service does with each work (info and above by default, so that
// longwork-server shows its works; QT_LOGGING_RULES="longwork.server.info=false" silences it).
Q_DECLARE_LOGGING_CATEGORY(lcLongWorkServer)
// "longwork.client": the client session (warnings and above by default).
Q_DECLARE_LOGGING_CATEGORY(lcLongWorkClient)
