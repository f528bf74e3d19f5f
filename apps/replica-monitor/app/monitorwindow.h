#pragma once

#include <QtWidgets/QMainWindow>

class MonitorController;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTableView;

// replica-monitor's window: the master's and the slave's rows side by side (recent writes
// highlighted), the versions, lag and throughput, the event log, and the controls (sync,
// burst generator, slave connection). Only presents MonitorController; refreshed by its
// statsChanged() (10 times a second).
class MonitorWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MonitorWindow(MonitorController *controller, QWidget *parent = nullptr);

    QPushButton *syncButton() const { return m_syncButton; }
    QPushButton *burstButton() const { return m_burstButton; }
    QSpinBox *rateSpinBox() const { return m_rate; }
    QPushButton *connectionButton() const { return m_connectionButton; }
    QTableView *masterView() const { return m_masterView; }
    QTableView *slaveView() const { return m_slaveView; }
    QPlainTextEdit *eventLog() const { return m_log; }

private:
    void updateStats();
    void updateButtons();
    QLabel *addStat(class QGridLayout *grid, int row, int column, const QString &title);

    MonitorController *m_controller;
    QPushButton *m_syncButton;
    QPushButton *m_burstButton;
    QSpinBox *m_rate;
    QPushButton *m_connectionButton;
    QTableView *m_masterView;
    QTableView *m_slaveView;
    QLabel *m_masterTitle;
    QLabel *m_slaveTitle;
    QLabel *m_masterVersion;
    QLabel *m_slaveVersion;
    QLabel *m_lagVersions;
    QLabel *m_lagMs;
    QLabel *m_rowsPerSecond;
    QLabel *m_connection;
    QLabel *m_slaveState;
    QLabel *m_writes;
    QPlainTextEdit *m_log;
};
