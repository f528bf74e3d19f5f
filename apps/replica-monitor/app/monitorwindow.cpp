#include "monitorwindow.h"

#include "monitorcontroller.h"

#include <QtGui/QFontDatabase>
#include <QtGui/QIcon>
#include <QtWidgets/QGridLayout>
#include <QtWidgets/QGroupBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {

QTableView *makeView(QAbstractItemModel *model, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setModel(model);
    view->setSelectionMode(QAbstractItemView::NoSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setAlternatingRowColors(false);
    view->setWordWrap(false);
    view->verticalHeader()->setVisible(false);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 4);
    view->horizontalHeader()->setStretchLastSection(true);
    view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    const int digit = view->fontMetrics().horizontalAdvance(u'0');
    const int widths[] = {6, 8, 14, 5, 22, 7};
    for (int i = 0; i < 6; ++i)
        view->setColumnWidth(i, (widths[i] + 2) * digit);
    return view;
}

QString versionText(qint64 version)
{
    return u"v%1"_s.arg(version);
}

} // namespace

MonitorWindow::MonitorWindow(MonitorController *controller, QWidget *parent)
    : QMainWindow(parent), m_controller(controller)
{
    Q_INIT_RESOURCE(replica_monitor); // the .qrc is in a static library
    setWindowTitle(u"Replica monitor — %1"_s.arg(controller->table()));
    setWindowIcon(QIcon(u":/replica-monitor/replica-monitor.png"_s));

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);

    // Controls
    auto *controls = new QHBoxLayout;
    m_syncButton = new QPushButton(central);
    m_syncButton->setObjectName(u"syncButton"_s);
    m_syncButton->setIconSize(QSize(20, 20));
    controls->addWidget(m_syncButton);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(u"Burst:"_s, central));
    m_rate = new QSpinBox(central);
    m_rate->setObjectName(u"rateSpinBox"_s);
    m_rate->setRange(1, 20000);
    m_rate->setSingleStep(50);
    m_rate->setSuffix(u" writes/s"_s);
    m_rate->setValue(int(controller->burstRate()));
    m_rate->setToolTip(u"Row writes per second on the master (random inserts, updates and deletes, 4 rows a transaction)"_s);
    controls->addWidget(m_rate);
    m_burstButton = new QPushButton(central);
    m_burstButton->setObjectName(u"burstButton"_s);
    m_burstButton->setIconSize(QSize(20, 20));
    controls->addWidget(m_burstButton);
    controls->addSpacing(12);
    m_connectionButton = new QPushButton(central);
    m_connectionButton->setObjectName(u"connectionButton"_s);
    m_connectionButton->setIconSize(QSize(20, 20));
    controls->addWidget(m_connectionButton);
    controls->addStretch(1);
    layout->addLayout(controls);

    // Statistics
    auto *statsBox = new QGroupBox(u"Replication"_s, central);
    auto *grid = new QGridLayout(statsBox);
    m_masterVersion = addStat(grid, 0, 0, u"Master version"_s);
    m_slaveVersion = addStat(grid, 1, 0, u"Slave version"_s);
    m_lagVersions = addStat(grid, 0, 2, u"Lag (versions)"_s);
    m_lagMs = addStat(grid, 1, 2, u"Lag last / p50 1 s"_s);
    m_rowsPerSecond = addStat(grid, 0, 4, u"Applied"_s);
    m_writes = addStat(grid, 1, 4, u"Written (master)"_s);
    m_connection = addStat(grid, 0, 6, u"Connection"_s);
    m_slaveState = addStat(grid, 1, 6, u"Slave"_s);
    grid->setColumnStretch(7, 1);
    layout->addWidget(statsBox);

    // The two copies side by side, the event log below
    auto *vertical = new QSplitter(Qt::Vertical, central);
    auto *tables = new QSplitter(Qt::Horizontal, vertical);
    const auto pane = [&](QLabel **title, QTableView **view, ChangeFeedModel *model, const QString &name) {
        auto *box = new QWidget(tables);
        auto *boxLayout = new QVBoxLayout(box);
        boxLayout->setContentsMargins(0, 0, 0, 0);
        *title = new QLabel(box);
        (*title)->setTextFormat(Qt::RichText);
        boxLayout->addWidget(*title);
        *view = makeView(model, box);
        (*view)->setObjectName(name);
        boxLayout->addWidget(*view);
    };
    pane(&m_masterTitle, &m_masterView, controller->masterModel(), u"masterView"_s);
    pane(&m_slaveTitle, &m_slaveView, controller->slaveModel(), u"slaveView"_s);
    m_log = new QPlainTextEdit(vertical);
    m_log->setObjectName(u"eventLog"_s);
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(500);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_log->setPlaceholderText(u"Event log"_s);
    for (const QString &line : controller->events())
        m_log->appendPlainText(line);
    vertical->setStretchFactor(0, 3);
    vertical->setStretchFactor(1, 1);
    layout->addWidget(vertical, 1);
    setCentralWidget(central);

    connect(m_syncButton, &QPushButton::clicked, this, [this] {
        if (m_controller->isSyncing())
            m_controller->stopSync();
        else
            m_controller->startSync();
    });
    connect(m_burstButton, &QPushButton::clicked, this, [this] {
        if (m_controller->isBursting()) {
            m_controller->stopBurst();
        } else {
            m_controller->setBurstRate(m_rate->value());
            m_controller->startBurst();
        }
    });
    connect(m_rate, &QSpinBox::valueChanged, this, [this](int value) { m_controller->setBurstRate(value); });
    connect(m_connectionButton, &QPushButton::clicked, this, [this] {
        if (m_controller->isSlaveDisconnected())
            m_controller->reconnectSlave();
        else
            m_controller->disconnectSlave();
    });
    connect(controller, &MonitorController::statsChanged, this, &MonitorWindow::updateStats);
    connect(controller, &MonitorController::syncingChanged, this, &MonitorWindow::updateButtons);
    connect(controller, &MonitorController::burstingChanged, this, &MonitorWindow::updateButtons);
    connect(controller, &MonitorController::slaveConnectionChanged, this, &MonitorWindow::updateButtons);
    connect(controller, &MonitorController::eventLogged, m_log, &QPlainTextEdit::appendPlainText);

    resize(1120, 720);
    updateButtons();
    updateStats();
}

QLabel *MonitorWindow::addStat(QGridLayout *grid, int row, int column, const QString &title)
{
    auto *label = new QLabel(title + u':', grid->parentWidget());
    label->setForegroundRole(QPalette::PlaceholderText);
    auto *value = new QLabel(grid->parentWidget());
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    value->setMinimumWidth(value->fontMetrics().horizontalAdvance(u"0000000000000000"_s));
    QFont bold = value->font();
    bold.setBold(true);
    value->setFont(bold);
    grid->addWidget(label, row, column);
    grid->addWidget(value, row, column + 1);
    return value;
}

void MonitorWindow::updateButtons()
{
    const bool syncing = m_controller->isSyncing();
    m_syncButton->setText(syncing ? u"Stop sync"_s : u"Start sync"_s);
    m_syncButton->setIcon(QIcon(syncing ? u":/replica-monitor/sync-stop.png"_s : u":/replica-monitor/sync-start.png"_s));

    const bool bursting = m_controller->isBursting();
    m_burstButton->setEnabled(m_controller->canBurst());
    m_rate->setEnabled(m_controller->canBurst());
    m_burstButton->setText(bursting ? u"Stop burst"_s : u"Start burst"_s);
    m_burstButton->setIcon(QIcon(bursting ? u":/replica-monitor/burst-stop.png"_s : u":/replica-monitor/burst.png"_s));
    if (!m_controller->canBurst())
        m_burstButton->setToolTip(u"The burst generator writes on an embedded master only (--embedded)"_s);

    const bool disconnected = m_controller->isSlaveDisconnected();
    m_connectionButton->setText(disconnected ? u"Reconnect slave"_s : u"Disconnect slave"_s);
    m_connectionButton->setIcon(QIcon(disconnected ? u":/replica-monitor/reconnect.png"_s
                                                   : u":/replica-monitor/disconnect.png"_s));
}

void MonitorWindow::updateStats()
{
    const MonitorController::Stats s = m_controller->stats();
    m_masterVersion->setText(versionText(s.masterVersion));
    m_slaveVersion->setText(versionText(s.slaveVersion));
    m_lagVersions->setText(QString::number(s.lagVersions));
    const auto ms = [](qint64 value) { return value < 0 ? u"–"_s : u"%1 ms"_s.arg(value); };
    m_lagMs->setText(ms(s.lastLagMs) + u" / "_s + ms(s.p50LagMs));
    m_rowsPerSecond->setText(u"%1 rows/s"_s.arg(qRound(s.rowsPerSecond)));
    m_writes->setText(m_controller->canBurst() ? u"%1 rows/s"_s.arg(qRound(s.writesPerSecond)) : u"(remote)"_s);
    m_connection->setText(MonitorController::stateName(s.connection));
    const bool connected = s.connection == Burrow::Client::State::Connected;
    m_connection->setStyleSheet(connected ? u"color: #2e7d32"_s : u"color: #c62828"_s);
    QString slave = MonitorController::stateName(s.slaveState);
    if (s.resumptions > 0)
        slave += u" (%1 resumptions)"_s.arg(s.resumptions);
    m_slaveState->setText(slave);
    const bool live = s.slaveState == Burrow::ReplicationSlave::State::Live;
    m_slaveState->setStyleSheet(live ? u"color: #2e7d32"_s : QString());

    const QString where = m_controller->isEmbedded() ? u"embedded"_s : m_controller->masterUrl().toString();
    m_masterTitle->setText(u"<b>Master</b> (%1) — %2 — %3 rows, newest first"_s.arg(where.toHtmlEscaped(),
                                                                                      versionText(s.masterVersion))
                               .arg(s.masterRows));
    m_slaveTitle->setText(u"<b>Slave</b> (local) — %1 — %2 rows, newest first"_s.arg(versionText(s.slaveVersion))
                              .arg(s.slaveRows));
}
