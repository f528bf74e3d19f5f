#include "workmodel.h"

#include <QtCore/QLocale>

#include <algorithm>

WorkModel::WorkModel(QObject *parent) : QAbstractTableModel(parent)
{
    connect(&m_ticker, &QTimer::timeout, this, &WorkModel::tick);
}

int WorkModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_works.size());
}

int WorkModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString WorkModel::stateText(WorkState state)
{
    switch (state) {
    case WorkState::Running:
        return tr("running");
    case WorkState::Finished:
        return tr("finished");
    case WorkState::Failed:
        return tr("failed");
    }
    return {};
}

namespace {

QString seconds(qint64 milliseconds)
{
    return QLocale().toString(double(milliseconds) / 1000.0, 'f', 1);
}

} // namespace

QVariant WorkModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Work &work = m_works.at(index.row());
    const qint64 time = work.state == WorkState::Running ? work.elapsed.elapsed() : work.duration;
    switch (role) {
    case WorkIdRole:
        return work.id;
    case StateRole:
        return int(work.state);
    case ElapsedRole:
        return int(time);
    case ReasonRole:
        return work.reason;
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        switch (index.column()) {
        case NameColumn:
            return work.name;
        case StateColumn:
            return stateText(work.state);
        case TimeColumn:
            switch (work.state) {
            case WorkState::Running:
                return tr("running for %1 s").arg(seconds(time));
            case WorkState::Finished:
                return tr("finished in %1 ms").arg(time);
            case WorkState::Failed:
                return tr("failed after %1 s").arg(seconds(time));
            }
            break;
        case ReasonColumn:
            return work.reason;
        }
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == TimeColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        break;
    }
    return {};
}

QVariant WorkModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn:
        return tr("Work");
    case StateColumn:
        return tr("State");
    case TimeColumn:
        return tr("Time");
    case ReasonColumn:
        return tr("Reason");
    }
    return {};
}

QHash<int, QByteArray> WorkModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractTableModel::roleNames();
    names.insert(WorkIdRole, "workId");
    names.insert(StateRole, "state");
    names.insert(ElapsedRole, "elapsed");
    names.insert(ReasonRole, "reason");
    return names;
}

quint64 WorkModel::addWork(const QString &name)
{
    Work work;
    work.id = m_nextId++;
    work.name = name;
    work.elapsed.start();
    const int row = int(m_works.size());
    beginInsertRows(QModelIndex(), row, row);
    m_works.append(std::move(work));
    endInsertRows();
    updateTicker();
    return m_works.constLast().id;
}

bool WorkModel::finishWork(quint64 id, int timeTaken)
{
    return endWork(id, WorkState::Finished, timeTaken, QString());
}

bool WorkModel::failWork(quint64 id, const QString &reason)
{
    const Work *known = work(id);
    if (!known)
        return false;
    return endWork(id, WorkState::Failed, int(known->elapsed.elapsed()), reason);
}

bool WorkModel::endWork(quint64 id, WorkState state, int duration, const QString &reason)
{
    const int row = rowOf(id);
    if (row < 0 || m_works.at(row).state != WorkState::Running)
        return false;
    Work &work = m_works[row];
    work.state = state;
    work.duration = duration;
    work.reason = reason;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    updateTicker();
    return true;
}

void WorkModel::removeEndedWorks()
{
    for (int row = int(m_works.size()) - 1; row >= 0; --row) {
        if (m_works.at(row).state == WorkState::Running)
            continue;
        beginRemoveRows(QModelIndex(), row, row);
        m_works.removeAt(row);
        endRemoveRows();
    }
}

const WorkModel::Work *WorkModel::work(quint64 id) const
{
    const int row = rowOf(id);
    return row < 0 ? nullptr : &m_works.at(row);
}

int WorkModel::rowOf(quint64 id) const
{
    // Newest works are the likeliest to be looked up; ids grow with the row.
    for (int row = int(m_works.size()) - 1; row >= 0; --row) {
        if (m_works.at(row).id == id)
            return row;
        if (m_works.at(row).id < id)
            break;
    }
    return -1;
}

QList<quint64> WorkModel::runningWorks() const
{
    QList<quint64> ids;
    for (const Work &work : m_works) {
        if (work.state == WorkState::Running)
            ids.append(work.id);
    }
    return ids;
}

int WorkModel::runningCount() const
{
    return count(WorkState::Running);
}

int WorkModel::count(WorkState state) const
{
    return int(std::count_if(m_works.cbegin(), m_works.cend(), [state](const Work &work) { return work.state == state; }));
}

void WorkModel::setTickInterval(int milliseconds)
{
    m_tickInterval = std::max(milliseconds, 0);
    updateTicker();
}

void WorkModel::updateTicker()
{
    const bool wanted = m_tickInterval > 0 && runningCount() > 0;
    if (!wanted) {
        m_ticker.stop();
    } else if (!m_ticker.isActive() || m_ticker.interval() != m_tickInterval) {
        m_ticker.start(m_tickInterval);
    }
}

void WorkModel::tick()
{
    for (int row = 0; row < m_works.size(); ++row) {
        if (m_works.at(row).state == WorkState::Running)
            Q_EMIT dataChanged(index(row, TimeColumn), index(row, TimeColumn), {Qt::DisplayRole, ElapsedRole});
    }
}
