#pragma once

#include <Burrow/recordchange.h>

#include <QtCore/QAbstractTableModel>
#include <QtCore/QCborMap>
#include <QtCore/QElapsedTimer>
#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QStringList>

namespace Burrow {
class OrmDatabase;
}

// The rows of one versioned table, kept in memory from the table's change feed
// (OrmDatabase::changesSince()), for a monitor that must stay responsive at 1,000 writes/s:
//
// - refresh() reads only what changed since the last call (one indexed query per page), so its
//   cost follows the write rate, not the table size; the controller calls it at most 10 times
//   a second, and the view is reset at most that often, whatever the write rate.
// - The view shows the maxVisibleRows() (default 500) most recently written rows, newest first
//   (by version). Two databases holding the same rows show exactly the same visible rows.
// - A row written within highlightDuration() (default 1500 ms) has a background that fades out
//   (Qt::BackgroundRole, from HighlightRole); rows present at the first refresh are not
//   highlighted.
//
// Without a database (a remote master), feed it with addChanges() and call refresh().
class ChangeFeedModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Role {
        IdRole = Qt::UserRole + 1,
        VersionRole,
        // 0..1: how fresh the row's last write is (1: just written, 0: older than highlightDuration()).
        HighlightRole,
    };

    explicit ChangeFeedModel(QObject *parent = nullptr);

    // The table to follow in `database` (which must outlive the model, or be reset first);
    // nullptr: fed by addChanges() only. Forgets the rows held so far.
    void setSource(Burrow::OrmDatabase *database, const QString &table);
    void setColumns(const QStringList &columns);
    QStringList columns() const { return m_columns; }

    int maxVisibleRows() const { return m_maxVisible; }
    void setMaxVisibleRows(int rows) { m_maxVisible = qMax(1, rows); }
    int highlightDuration() const { return m_highlightMs; }
    void setHighlightDuration(int milliseconds) { m_highlightMs = qMax(1, milliseconds); }

    // Changes received from elsewhere, up to upToVersion (applied at the next refresh()).
    void addChanges(const QList<Burrow::RecordChange> &changes, qint64 upToVersion);

    // Reads the new changes and updates the view; also repaints fading highlights. Returns the
    // number of changes taken in.
    int refresh();

    // The version the rows are up to date with, and how many live rows there are in all.
    qint64 version() const { return m_version; }
    int totalRows() const { return int(m_rows.size()); }
    // (id, version) of the visible rows, in display order (for comparisons).
    QList<QPair<qint64, qint64>> visibleKeys() const;
    QString errorString() const { return m_error; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    struct Row
    {
        QCborMap values;
        qint64 version = 0;
        qint64 writtenAt = -1; // m_clock time of the last write seen, -1: before the first refresh
    };
    int take(const QList<Burrow::RecordChange> &changes, bool highlight);
    void rebuildVisible();
    double highlight(const Row &row) const;

    Burrow::OrmDatabase *m_database = nullptr;
    QString m_table;
    QStringList m_columns;
    int m_maxVisible = 500;
    int m_highlightMs = 1500;
    qint64 m_version = 0;
    bool m_loaded = false;
    QHash<qint64, Row> m_rows;
    QList<qint64> m_visible; // ids, newest first
    QList<Burrow::RecordChange> m_pending;
    qint64 m_pendingUpTo = 0;
    QElapsedTimer m_clock;
    qint64 m_lastHighlightAt = -1; // last m_clock time a visible row was still fading
    QString m_error;
};
