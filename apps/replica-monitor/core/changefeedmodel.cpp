#include "changefeedmodel.h"

#include <Burrow/ormdatabase.h>

#include <QtGui/QColor>

#include <algorithm>

namespace {
constexpr int pageSize = 5000;
constexpr int maxPagesPerRefresh = 8; // at most 40,000 changes taken in per refresh
} // namespace

ChangeFeedModel::ChangeFeedModel(QObject *parent) : QAbstractTableModel(parent)
{
    m_columns = {QStringLiteral("id"), QStringLiteral("version"), QStringLiteral("name"), QStringLiteral("age"),
                 QStringLiteral("email"), QStringLiteral("batch")};
    m_clock.start();
}

void ChangeFeedModel::setSource(Burrow::OrmDatabase *database, const QString &table)
{
    beginResetModel();
    m_database = database;
    m_table = table;
    m_version = 0;
    m_loaded = false;
    m_rows.clear();
    m_visible.clear();
    m_pending.clear();
    m_pendingUpTo = 0;
    endResetModel();
}

void ChangeFeedModel::setColumns(const QStringList &columns)
{
    beginResetModel();
    m_columns = columns;
    endResetModel();
}

void ChangeFeedModel::addChanges(const QList<Burrow::RecordChange> &changes, qint64 upToVersion)
{
    m_pending.append(changes);
    m_pendingUpTo = qMax(m_pendingUpTo, upToVersion);
}

int ChangeFeedModel::take(const QList<Burrow::RecordChange> &changes, bool highlight)
{
    const qint64 now = highlight ? m_clock.elapsed() : -1;
    int taken = 0;
    for (const Burrow::RecordChange &change : changes) {
        if (change.version <= m_version)
            continue;
        ++taken;
        if (change.kind == Burrow::RecordChange::Delete) {
            m_rows.remove(change.id);
            continue;
        }
        Row &row = m_rows[change.id];
        row.values = change.row;
        row.version = change.version;
        row.writtenAt = now;
    }
    return taken;
}

int ChangeFeedModel::refresh()
{
    const bool highlight = m_loaded;
    int taken = 0;
    if (m_database) {
        for (int page = 0; page < maxPagesPerRefresh; ++page) {
            qint64 upTo = m_version;
            const QList<Burrow::RecordChange> changes = m_database->changesSince(m_table, m_version, pageSize, &upTo);
            if (m_database->error() != Burrow::ErrorCode::NoError) {
                m_error = m_database->errorString();
                break;
            }
            m_error.clear();
            taken += take(changes, highlight);
            m_version = qMax(m_version, upTo);
            if (changes.size() < pageSize)
                break;
        }
    } else if (!m_pending.isEmpty() || m_pendingUpTo > m_version) {
        std::stable_sort(m_pending.begin(), m_pending.end(),
                         [](const Burrow::RecordChange &a, const Burrow::RecordChange &b) { return a.version < b.version; });
        const QList<Burrow::RecordChange> pending = std::exchange(m_pending, {});
        taken += take(pending, highlight);
        m_version = qMax(m_version, m_pendingUpTo);
    }
    m_loaded = true;

    if (taken > 0) {
        beginResetModel();
        rebuildVisible();
        endResetModel();
        m_lastHighlightAt = m_clock.elapsed();
    } else if (!m_visible.isEmpty() && m_lastHighlightAt >= 0
               && m_clock.elapsed() - m_lastHighlightAt <= m_highlightMs + 200) {
        // Nothing new, but highlights are still fading (one more pass once they reach 0).
        Q_EMIT dataChanged(index(0, 0), index(int(m_visible.size()) - 1, int(m_columns.size()) - 1),
                           {Qt::BackgroundRole, HighlightRole});
    }
    return taken;
}

void ChangeFeedModel::rebuildVisible()
{
    // The newest rows: a partial sort of (version, id) pairs.
    QList<QPair<qint64, qint64>> byVersion;
    byVersion.reserve(m_rows.size());
    for (auto it = m_rows.cbegin(); it != m_rows.cend(); ++it)
        byVersion.append({it->version, it.key()});
    const qsizetype shown = qMin<qsizetype>(m_maxVisible, byVersion.size());
    std::partial_sort(byVersion.begin(), byVersion.begin() + shown, byVersion.end(),
                      [](const auto &a, const auto &b) { return a > b; });
    m_visible.clear();
    m_visible.reserve(shown);
    for (qsizetype i = 0; i < shown; ++i)
        m_visible.append(byVersion.at(i).second);
}

double ChangeFeedModel::highlight(const Row &row) const
{
    if (row.writtenAt < 0)
        return 0;
    const qint64 age = m_clock.elapsed() - row.writtenAt;
    if (age >= m_highlightMs)
        return 0;
    return 1.0 - double(age) / double(m_highlightMs);
}

QList<QPair<qint64, qint64>> ChangeFeedModel::visibleKeys() const
{
    QList<QPair<qint64, qint64>> keys;
    keys.reserve(m_visible.size());
    for (qint64 id : m_visible)
        keys.append({id, m_rows.value(id).version});
    return keys;
}

int ChangeFeedModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_visible.size());
}

int ChangeFeedModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_columns.size());
}

QVariant ChangeFeedModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_visible.size() || index.column() >= m_columns.size())
        return {};
    const qint64 id = m_visible.at(index.row());
    const auto it = m_rows.constFind(id);
    if (it == m_rows.cend())
        return {};
    switch (role) {
    case Qt::DisplayRole: {
        const QString &column = m_columns.at(index.column());
        if (column == QLatin1String("id"))
            return id;
        if (column == QLatin1String("version"))
            return it->version;
        return it->values.value(column).toVariant();
    }
    case Qt::BackgroundRole: {
        const double h = highlight(*it);
        if (h <= 0)
            return {};
        QColor color(255, 196, 0); // amber, fading to transparent
        color.setAlphaF(float(0.15 + 0.55 * h));
        return color;
    }
    case IdRole:
        return id;
    case VersionRole:
        return it->version;
    case HighlightRole:
        return highlight(*it);
    default:
        return {};
    }
}

QVariant ChangeFeedModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return {};
    if (orientation == Qt::Horizontal && section >= 0 && section < m_columns.size())
        return m_columns.at(section);
    if (orientation == Qt::Vertical)
        return section + 1;
    return {};
}

QHash<int, QByteArray> ChangeFeedModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractTableModel::roleNames();
    names.insert(IdRole, "rowId");
    names.insert(VersionRole, "rowVersion");
    names.insert(HighlightRole, "highlight");
    return names;
}
