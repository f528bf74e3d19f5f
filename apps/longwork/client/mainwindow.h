#pragma once

#include <QtWidgets/QMainWindow>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
QT_END_NAMESPACE

class LongWorkSession;

// longwork-client's window: a work name and "Start" (Enter starts too), the live table of the
// works, the server's total work count, and the connection state in the status bar. The
// session belongs to the caller, who connects it.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(LongWorkSession *session, QWidget *parent = nullptr);

    // Window geometry from QSettings; saved again when the window closes.
    void restoreGeometryFromSettings();

    QLineEdit *nameEdit() const { return m_nameEdit; }
    QPushButton *startButton() const { return m_startButton; }
    QTableView *workView() const { return m_view; }
    QLabel *totalLabel() const { return m_totalLabel; }
    QLabel *connectionLabel() const { return m_connectionText; }

Q_SIGNALS:
    // "Connect to..." chose another server.
    void serverChosen(const QUrl &url);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void startWork();
    void updateStartButton();
    void updateConnection();
    void updateTotal();
    void chooseServer();

    LongWorkSession *m_session;
    QLineEdit *m_nameEdit;
    QPushButton *m_startButton;
    QTableView *m_view;
    QLabel *m_totalLabel;
    QLabel *m_connectionIcon;
    QLabel *m_connectionText;
    QString m_lostReason; // why the connection was lost, until connected again
    QString m_lastError;  // the last failed attempt, until connected again
};
