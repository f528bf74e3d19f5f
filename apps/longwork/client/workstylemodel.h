#pragma once

#include <QtCore/QIdentityProxyModel>
#include <QtGui/QIcon>

// Dresses a WorkModel for the window: an icon per state in the State column and a tint per
// state on each row.
class WorkStyleModel : public QIdentityProxyModel
{
    Q_OBJECT
public:
    explicit WorkStyleModel(QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

private:
    QIcon m_running;
    QIcon m_finished;
    QIcon m_failed;
};
