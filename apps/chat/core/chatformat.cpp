#include "chatformat.h"

#include <QtCore/QStringList>

namespace ChatFormat {

QString timeText(const QDateTime &time)
{
    return time.toLocalTime().toString(QStringLiteral("HH:mm:ss"));
}

QString messageLine(const QDateTime &time, const QString &author, const QString &text)
{
    return QStringLiteral("[%1] <%2> %3").arg(timeText(time), printable(author), printable(text));
}

QString joinedLine(const QString &nickname)
{
    return QStringLiteral("* %1 joined").arg(printable(nickname));
}

QString leftLine(const QString &nickname, const QString &reason)
{
    if (reason.isEmpty())
        return QStringLiteral("* %1 left").arg(printable(nickname));
    return QStringLiteral("* %1 left (%2)").arg(printable(nickname), printable(reason));
}

QString welcomeLine(const QString &nickname, const QStringList &members, bool rejoined)
{
    return QStringLiteral("* %1 as %2; %3 member(s): %4")
        .arg(rejoined ? QStringLiteral("rejoined") : QStringLiteral("joined"), printable(nickname))
        .arg(members.size())
        .arg(printable(members.join(QStringLiteral(", "))));
}

QString connectionLostLine(const QString &reason)
{
    if (reason.isEmpty())
        return QStringLiteral("* connection lost, reconnecting…");
    return QStringLiteral("* connection lost (%1), reconnecting…").arg(printable(reason));
}

QString printable(const QString &text)
{
    QString result = text;
    for (QChar &c : result) {
        const ushort u = c.unicode();
        if ((u < 0x20 && u != '\t') || (u >= 0x7f && u < 0xa0) || u == 0x2028 || u == 0x2029)
            c = QChar(QChar::ReplacementCharacter);
    }
    return result;
}

} // namespace ChatFormat
