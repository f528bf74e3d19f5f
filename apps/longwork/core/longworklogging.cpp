#include "longworklogging.h"

Q_LOGGING_CATEGORY(lcLongWorkServer, "longwork.server", QtInfoMsg)
Q_LOGGING_CATEGORY(lcLongWorkClient, "longwork.client", QtWarningMsg)
