#include "chatlogging.h"

Q_LOGGING_CATEGORY(lcChatServer, "chat.server", QtInfoMsg)
Q_LOGGING_CATEGORY(lcChatClient, "chat.client", QtWarningMsg)
