#include "chatrules.h"

namespace ChatRules {

namespace {

// Characters a nickname must not hold: C0/C1 controls, line and paragraph separators, and the
// invisible format characters (bidirectional overrides, zero-width joiners) that let one
// nickname pass for another.
bool isForbiddenInNickname(char32_t c)
{
    switch (QChar::category(c)) {
    case QChar::Other_Control:
    case QChar::Other_Format:
    case QChar::Separator_Line:
    case QChar::Separator_Paragraph:
    case QChar::Other_Surrogate: // a lone surrogate
    case QChar::Other_NotAssigned:
        return true;
    default:
        return false;
    }
}

QString describeCharacter(char32_t c)
{
    return QStringLiteral("U+") + QStringLiteral("%1").arg(uint(c), 4, 16, QLatin1Char('0')).toUpper();
}

} // namespace

int characterCount(QStringView text)
{
    int count = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text.at(i).isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate())
            ++i;
        ++count;
    }
    return count;
}

QString normalizedNickname(const QString &nickname)
{
    return nickname.trimmed();
}

QString nicknameKey(const QString &nickname)
{
    return normalizedNickname(nickname).toCaseFolded();
}

ChatResult checkNickname(const QString &nickname)
{
    const QString name = normalizedNickname(nickname);
    if (name.isEmpty())
        return ChatResult::failure(ChatResult::Error::NicknameEmpty, QStringLiteral("the nickname is empty"));
    const int length = characterCount(name);
    if (length > maxNicknameLength) {
        return ChatResult::failure(ChatResult::Error::NicknameTooLong,
                                   QStringLiteral("the nickname is %1 characters long; at most %2 are allowed")
                                       .arg(length)
                                       .arg(maxNicknameLength));
    }
    for (qsizetype i = 0; i < name.size(); ++i) {
        char32_t c = name.at(i).unicode();
        if (name.at(i).isHighSurrogate() && i + 1 < name.size() && name.at(i + 1).isLowSurrogate()) {
            c = QChar::surrogateToUcs4(name.at(i), name.at(i + 1));
            ++i;
        }
        if (isForbiddenInNickname(c)) {
            return ChatResult::failure(ChatResult::Error::NicknameInvalid,
                                       QStringLiteral("the nickname contains a control or invisible character (%1)")
                                           .arg(describeCharacter(c)));
        }
    }
    return {};
}

ChatResult checkMessage(const QString &text)
{
    if (text.trimmed().isEmpty())
        return ChatResult::failure(ChatResult::Error::MessageEmpty, QStringLiteral("the message is empty"));
    const int length = characterCount(text);
    if (length > maxMessageLength) {
        return ChatResult::failure(ChatResult::Error::MessageTooLong,
                                   QStringLiteral("the message is %1 characters long; at most %2 are allowed")
                                       .arg(length)
                                       .arg(maxMessageLength));
    }
    return {};
}

} // namespace ChatRules
