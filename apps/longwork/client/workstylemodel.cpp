#include "workstylemodel.h"

#include "workmodel.h"

#include <QtGui/QColor>

WorkStyleModel::WorkStyleModel(QObject *parent)
    : QIdentityProxyModel(parent),
      m_running(QStringLiteral(":/longwork/running.png")),
      m_finished(QStringLiteral(":/longwork/finished.png")),
      m_failed(QStringLiteral(":/longwork/failed.png"))
{
}

QVariant WorkStyleModel::data(const QModelIndex &index, int role) const
{
    if (role != Qt::DecorationRole && role != Qt::BackgroundRole)
        return QIdentityProxyModel::data(index, role);
    const auto state = WorkModel::WorkState(QIdentityProxyModel::data(index, WorkModel::StateRole).toInt());
    if (role == Qt::DecorationRole) {
        if (index.column() != WorkModel::StateColumn)
            return {};
        switch (state) {
        case WorkModel::WorkState::Running:
            return m_running;
        case WorkModel::WorkState::Finished:
            return m_finished;
        case WorkModel::WorkState::Failed:
            return m_failed;
        }
        return {};
    }
    switch (state) {
    case WorkModel::WorkState::Running:
        return QColor(0xe3, 0xf2, 0xfd);
    case WorkModel::WorkState::Finished:
        return QColor(0xe8, 0xf5, 0xe9);
    case WorkModel::WorkState::Failed:
        return QColor(0xff, 0xeb, 0xee);
    }
    return {};
}
