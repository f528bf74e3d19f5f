#include "mainwindow.h"

#include "longworksession.h"
#include "workmodel.h"
#include "workstylemodel.h"

#include <QtCore/QSettings>
#include <QtGui/QCloseEvent>
#include <QtWidgets/QApplication>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QInputDialog>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMenuBar>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QStatusBar>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

// The icons live in a static library: register them before the first use.
static void initResources()
{
    Q_INIT_RESOURCE(longwork);
}

MainWindow::MainWindow(LongWorkSession *session, QWidget *parent)
    : QMainWindow(parent),
      m_session((initResources(), session)),
      m_nameEdit(new QLineEdit),
      m_startButton(new QPushButton(QIcon(QStringLiteral(":/longwork/start.png")), tr("&Start"))),
      m_view(new QTableView),
      m_totalLabel(new QLabel),
      m_connectionIcon(new QLabel),
      m_connectionText(new QLabel)
{
    setWindowTitle(tr("Long works"));
    setWindowIcon(QIcon(QStringLiteral(":/longwork/longwork.png")));

    m_nameEdit->setPlaceholderText(tr("Name of a work, e.g. backup-photos"));
    m_nameEdit->setClearButtonEnabled(true);
    m_startButton->setToolTip(tr("Start the work on the server (Enter)"));
    connect(m_nameEdit, &QLineEdit::returnPressed, this, &MainWindow::startWork);
    connect(m_nameEdit, &QLineEdit::textChanged, this, &MainWindow::updateStartButton);
    connect(m_startButton, &QPushButton::clicked, this, &MainWindow::startWork);

    WorkModel *model = session->model();
    // Running works show their elapsed time, refreshed ten times a second.
    model->setTickInterval(100);
    auto *style = new WorkStyleModel(this);
    style->setSourceModel(model);
    m_view->setModel(style);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setIconSize(QSize(16, 16));
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setColumnWidth(WorkModel::NameColumn, 180);
    m_view->setColumnWidth(WorkModel::StateColumn, 110);
    m_view->setColumnWidth(WorkModel::TimeColumn, 170);
    m_view->setWordWrap(false);
    connect(model, &QAbstractItemModel::rowsInserted, m_view, [this](const QModelIndex &, int, int last) {
        m_view->scrollTo(m_view->model()->index(last, 0));
    });

    auto *entry = new QHBoxLayout;
    entry->addWidget(new QLabel(tr("&Work:")));
    qobject_cast<QLabel *>(entry->itemAt(0)->widget())->setBuddy(m_nameEdit);
    entry->addWidget(m_nameEdit, 1);
    entry->addWidget(m_startButton);

    auto *central = new QWidget;
    auto *layout = new QVBoxLayout(central);
    layout->addLayout(entry);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_totalLabel);
    setCentralWidget(central);

    auto *status = new QWidget;
    auto *statusLayout = new QHBoxLayout(status);
    statusLayout->setContentsMargins(4, 0, 4, 0);
    statusLayout->addWidget(m_connectionIcon);
    statusLayout->addWidget(m_connectionText, 1);
    statusBar()->addWidget(status, 1);

    QMenu *serverMenu = menuBar()->addMenu(tr("&Server"));
    serverMenu->addAction(tr("&Connect to..."), this, &MainWindow::chooseServer);
    serverMenu->addSeparator();
    serverMenu->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    QMenu *worksMenu = menuBar()->addMenu(tr("&Works"));
    worksMenu->addAction(tr("&Remove ended works"), model, &WorkModel::removeEndedWorks);

    connect(session, &LongWorkSession::stateChanged, this, [this](LongWorkSession::State state) {
        if (state == LongWorkSession::State::Connected) {
            m_lostReason.clear();
            m_lastError.clear();
        }
        updateConnection();
        updateTotal();
    });
    connect(session, &LongWorkSession::stateChanged, this, &MainWindow::updateStartButton);
    connect(session, &LongWorkSession::connectionLost, this, [this](const QString &reason) {
        m_lostReason = reason;
        updateConnection();
    });
    connect(session, &LongWorkSession::errorOccurred, this, [this](const QString &message) {
        m_lastError = message;
        updateConnection();
    });
    connect(session, &LongWorkSession::totalWorkCountChanged, this, &MainWindow::updateTotal);

    updateConnection();
    updateTotal();
    updateStartButton();
    resize(780, 440);
    m_nameEdit->setFocus();
}

void MainWindow::restoreGeometryFromSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    QMainWindow::closeEvent(event);
}

void MainWindow::startWork()
{
    const QString name = m_nameEdit->text().trimmed();
    if (name.isEmpty())
        return;
    if (m_session->startWork(name) == 0) {
        statusBar()->showMessage(tr("Not connected: \"%1\" was not started").arg(name), 4000);
        return;
    }
    m_nameEdit->clear();
}

void MainWindow::updateStartButton()
{
    m_startButton->setEnabled(m_session->state() == LongWorkSession::State::Connected
                              && !m_nameEdit->text().trimmed().isEmpty());
}

void MainWindow::updateConnection()
{
    const QString url = m_session->url().toDisplayString();
    QString icon;
    QString text;
    switch (m_session->state()) {
    case LongWorkSession::State::Disconnected:
        icon = QStringLiteral("disconnected");
        text = m_session->errorString().isEmpty() ? tr("Disconnected")
                                                  : tr("Disconnected: %1").arg(m_session->errorString());
        break;
    case LongWorkSession::State::Connecting:
        icon = QStringLiteral("reconnecting");
        text = tr("Connecting to %1...").arg(url);
        break;
    case LongWorkSession::State::Connected:
        icon = QStringLiteral("connected");
        text = tr("Connected to %1").arg(url);
        break;
    case LongWorkSession::State::Reconnecting:
        icon = QStringLiteral("reconnecting");
        if (!m_lostReason.isEmpty()) {
            QString reason = m_lostReason;
            reason[0] = reason.at(0).toUpper();
            text = tr("%1: reconnecting to %2...").arg(reason, url);
        } else {
            text = tr("Cannot reach %1: retrying...").arg(url);
        }
        if (!m_lastError.isEmpty())
            text += QLatin1Char(' ') + tr("(last attempt: %1)").arg(m_lastError);
        break;
    }
    m_connectionIcon->setPixmap(QIcon(QStringLiteral(":/longwork/%1.png").arg(icon)).pixmap(16, 16));
    m_connectionText->setText(text);
    m_connectionText->setToolTip(text);
}

void MainWindow::updateTotal()
{
    const int total = m_session->totalWorkCount();
    QString text = total < 0 ? tr("Works started on the server: unknown")
                             : tr("Works started on the server, by all clients: %1").arg(total);
    if (total >= 0 && m_session->state() != LongWorkSession::State::Connected)
        text += QLatin1Char(' ') + tr("(when last connected)");
    m_totalLabel->setText(text);
}

void MainWindow::chooseServer()
{
    bool ok = false;
    const QUrl current = m_session->url();
    const QString answer = QInputDialog::getText(this, tr("Connect to a server"),
                                                 tr("Server address (ws://host:port/ or host:port):"),
                                                 QLineEdit::Normal, current.toDisplayString(), &ok);
    if (!ok || answer.trimmed().isEmpty())
        return;
    QString text = answer.trimmed();
    if (!text.contains(QLatin1String("://")))
        text.prepend(QLatin1String("ws://"));
    QUrl url(text);
    if (!url.isValid() || url.host().isEmpty() || (url.scheme() != QLatin1String("ws") && url.scheme() != QLatin1String("wss"))) {
        statusBar()->showMessage(tr("Not a server address: %1").arg(answer), 4000);
        return;
    }
    if (url.path().isEmpty())
        url.setPath(QStringLiteral("/"));
    Q_EMIT serverChosen(url);
}
