#include "chatmessagedelegate.h"

#include "chatformat.h"
#include "chathistorymodel.h"

#include <QtGui/QAbstractTextDocumentLayout>
#include <QtGui/QPainter>
#include <QtGui/QTextDocument>
#include <QtWidgets/QAbstractItemView>
#include <QtWidgets/QApplication>

#include <algorithm>
#include <cmath>

namespace {

constexpr int horizontalMargin = 6;
constexpr int verticalMargin = 2;

QString escaped(const QString &text)
{
    return ChatFormat::printable(text).toHtmlEscaped();
}

} // namespace

ChatMessageDelegate::ChatMessageDelegate(QAbstractItemView *view) : QStyledItemDelegate(view), m_view(view) {}

QColor ChatMessageDelegate::nicknameColor(const QString &nickname)
{
    // Dark enough to read on white, far enough apart to tell apart.
    static const QColor palette[] = {
        QColor(0xc6, 0x28, 0x28), QColor(0x2e, 0x7d, 0x32), QColor(0x15, 0x65, 0xc0), QColor(0x8e, 0x24, 0xaa),
        QColor(0xef, 0x6c, 0x00), QColor(0x00, 0x83, 0x8f), QColor(0xad, 0x14, 0x57), QColor(0x5d, 0x40, 0x37),
    };
    uint hash = 0;
    for (const QChar c : nickname.toCaseFolded())
        hash = hash * 31 + c.unicode();
    return palette[hash % (sizeof(palette) / sizeof(palette[0]))];
}

QString ChatMessageDelegate::html(const QModelIndex &index, const QPalette &palette)
{
    using Kind = ChatHistoryModel::Kind;
    const Kind kind = index.data(ChatHistoryModel::KindRole).value<Kind>();
    const QString time = ChatFormat::timeText(index.data(ChatHistoryModel::TimeRole).toDateTime());
    const QString text = escaped(index.data(ChatHistoryModel::TextRole).toString());
    const QString grey = palette.color(QPalette::PlaceholderText).name();
    QString result = QStringLiteral("<span style=\"color:%1\">%2</span>&nbsp;&nbsp;").arg(grey, time);
    switch (kind) {
    case Kind::Message:
    case Kind::OwnMessage: {
        const QString author = index.data(ChatHistoryModel::AuthorRole).toString();
        result += QStringLiteral("<b style=\"color:%1\">%2</b>&nbsp;&nbsp;<span style=\"white-space:pre-wrap\">%3</span>")
                      .arg(nicknameColor(author).name(), escaped(author), text);
        break;
    }
    case Kind::Notice:
        result += QStringLiteral("<i style=\"color:%1\">%2</i>").arg(grey, text);
        break;
    case Kind::Error:
        result += QStringLiteral("<span style=\"color:#c62828\">%1</span>").arg(text);
        break;
    }
    return result;
}

void ChatMessageDelegate::prepare(QTextDocument *document, const QStyleOptionViewItem &option,
                                  const QModelIndex &index) const
{
    document->setDocumentMargin(0);
    document->setDefaultFont(option.font);
    document->setHtml(html(index, option.palette));
    const int width = (m_view ? m_view->viewport()->width() : option.rect.width()) - 2 * horizontalMargin;
    document->setTextWidth(std::max(width, 40));
}

QSize ChatMessageDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    QTextDocument document;
    prepare(&document, opt, index);
    return QSize(int(document.idealWidth()) + 2 * horizontalMargin,
                 int(std::ceil(document.size().height())) + 2 * verticalMargin);
}

void ChatMessageDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QWidget *widget = opt.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    opt.text.clear();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    QTextDocument document;
    prepare(&document, opt, index);
    painter->save();
    painter->translate(opt.rect.left() + horizontalMargin, opt.rect.top() + verticalMargin);
    QAbstractTextDocumentLayout::PaintContext context;
    context.palette = opt.palette;
    if (opt.state & QStyle::State_Selected)
        context.palette.setColor(QPalette::Text, opt.palette.color(QPalette::HighlightedText));
    document.documentLayout()->draw(painter, context);
    painter->restore();
}
