#pragma once

#include <QtGui/QIcon>

// The chat's icons, from resources/chat: the SVG when Qt can draw it (the Qt Svg icon engine is
// installed), else the PNG renderings made by resources/chat/render-icons.sh.
namespace ChatIcons {

// name: "chat", "connect", "disconnect", "send", "member".
QIcon icon(const QString &name);

} // namespace ChatIcons
