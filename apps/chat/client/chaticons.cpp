#include "chaticons.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QHash>
#include <QtGui/QImageReader>

static void initResources()
{
    // The resources live in a static library: referencing them keeps them linked.
    Q_INIT_RESOURCE(chat);
}

namespace ChatIcons {

QIcon icon(const QString &name)
{
    static const bool initialized = [] {
        initResources();
        return true;
    }();
    Q_UNUSED(initialized);
    static QHash<QString, QIcon> cache;
    const auto cached = cache.constFind(name);
    if (cached != cache.constEnd())
        return cached.value();

    QIcon result;
    const QString svg = QStringLiteral(":/chat/icons/%1.svg").arg(name);
    if (QImageReader::supportedImageFormats().contains("svg") && QFile::exists(svg))
        result = QIcon(svg);
    if (result.isNull()) {
        const QStringList pngs = QDir(QStringLiteral(":/chat/icons/png"))
                                     .entryList({name + QStringLiteral("-*.png")}, QDir::Files);
        for (const QString &png : pngs)
            result.addFile(QStringLiteral(":/chat/icons/png/") + png);
    }
    cache.insert(name, result);
    return result;
}

} // namespace ChatIcons
