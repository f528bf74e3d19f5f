#pragma once

#include "chatcontracts.h"

#include <QtCore/QString>

// The rules of the chat room, checked by ChatService (and by clients, to say early what the
// server would refuse).
namespace ChatRules {

inline constexpr int maxNicknameLength = 32;   // characters (Unicode code points)
inline constexpr int maxMessageLength = 2000;  // characters (Unicode code points)

// Number of Unicode code points (a surrogate pair counts once).
int characterCount(QStringView text);

// The nickname as the server keeps it: surrounding white space removed.
QString normalizedNickname(const QString &nickname);
// The key under which nicknames are compared: two nicknames with the same key are the same.
QString nicknameKey(const QString &nickname);

// NoError, or NicknameEmpty / NicknameTooLong / NicknameInvalid with a message for people.
// Checks the normalized form.
ChatResult checkNickname(const QString &nickname);
// NoError, or MessageEmpty / MessageTooLong.
ChatResult checkMessage(const QString &text);

} // namespace ChatRules
