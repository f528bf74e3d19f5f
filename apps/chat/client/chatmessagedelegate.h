#pragma once

#include <QtWidgets/QStyledItemDelegate>

QT_BEGIN_NAMESPACE
class QAbstractItemView;
class QTextDocument;
QT_END_NAMESPACE

// Draws the entries of a ChatHistoryModel: the time in grey, the author in bold in a colour of
// its own, the message wrapped to the view's width; notices in grey italics, errors in red.
class ChatMessageDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit ChatMessageDelegate(QAbstractItemView *view);

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    // The entry as rich text.
    static QString html(const QModelIndex &index, const QPalette &palette);
    // One colour per nickname, the same everywhere and every time.
    static QColor nicknameColor(const QString &nickname);

private:
    void prepare(QTextDocument *document, const QStyleOptionViewItem &option, const QModelIndex &index) const;

    QAbstractItemView *m_view;
};
