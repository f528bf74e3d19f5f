#pragma once

#include <QtCore/QDateTime>
#include <QtCore/QString>

// The one-line forms of chat events, shared by the console client and the window's history:
//     [12:01:02] <alice> hello
//     * bob joined
//     * bob left (connection lost)
namespace ChatFormat {

// hh:mm:ss in local time.
QString timeText(const QDateTime &time);
QString messageLine(const QDateTime &time, const QString &author, const QString &text);
QString joinedLine(const QString &nickname);
// reason: empty when the member left on purpose.
QString leftLine(const QString &nickname, const QString &reason);
// "joined as alice; 3 members: alice, bob, carol"
QString welcomeLine(const QString &nickname, const QStringList &members, bool rejoined);
QString connectionLostLine(const QString &reason);
// text with control characters (but tab) shown as U+FFFD, so that a message cannot move a
// terminal's cursor or end a line.
QString printable(const QString &text);

} // namespace ChatFormat
