#pragma once

#include <QtCore/QAbstractTableModel>
#include <QtCore/QElapsedTimer>
#include <QtCore/QList>
#include <QtCore/QTimer>

// The works a client started, one row each, newest last: name, state (running, finished,
// failed), time (elapsed while running, the server's duration once finished) and the reason
// of a failure. LongWorkSession fills it; views only read it.
class WorkModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { NameColumn, StateColumn, TimeColumn, ReasonColumn, ColumnCount };
    Q_ENUM(Column)

    enum class WorkState { Running, Finished, Failed };
    Q_ENUM(WorkState)

    enum Role {
        WorkIdRole = Qt::UserRole + 1, // quint64
        StateRole,                     // WorkState, as int
        ElapsedRole,                   // int ms: elapsed while running, then the duration
        ReasonRole,                    // QString, failed works only
    };
    Q_ENUM(Role)

    struct Work
    {
        quint64 id = 0;
        QString name;
        WorkState state = WorkState::Running;
        int duration = 0; // finished: the server's timeTaken; failed: elapsed here until then
        QString reason;
        QElapsedTimer elapsed;
    };

    explicit WorkModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Adds a running work and returns its id (never 0).
    quint64 addWork(const QString &name);
    // False when the work is unknown or has ended already (the first outcome wins).
    bool finishWork(quint64 id, int timeTaken);
    bool failWork(quint64 id, const QString &reason);
    // Removes the finished and failed works.
    void removeEndedWorks();

    const Work *work(quint64 id) const;
    int rowOf(quint64 id) const; // -1 when unknown
    const Work &workAt(int row) const { return m_works.at(row); }
    QList<quint64> runningWorks() const;
    int runningCount() const;
    int count(WorkState state) const;

    static QString stateText(WorkState state);

    // While works run, their elapsed time is refreshed (dataChanged) at this interval; 0, the
    // default, never.
    int tickInterval() const { return m_tickInterval; }
    void setTickInterval(int milliseconds);

private:
    void tick();
    void updateTicker();
    bool endWork(quint64 id, WorkState state, int duration, const QString &reason);

    QList<Work> m_works;
    quint64 m_nextId = 1;
    QTimer m_ticker;
    int m_tickInterval = 0;
};
