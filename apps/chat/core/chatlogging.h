#pragma once

#include <QtCore/QLoggingCategory>

// "chat.server": joins, leaves and counts (info and up by default).
Q_DECLARE_LOGGING_CATEGORY(lcChatServer)
// "chat.client": ChatSession's connection and join steps (warnings and up by default).
Q_DECLARE_LOGGING_CATEGORY(lcChatClient)
