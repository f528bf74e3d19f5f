// Qt Remote Objects baselines, replica side: sequential / pipelined calls of a small slot with a
// reply, and a signal fanned out to many replicas. The source runs in the "qtro" server process
// (qtro_source.cpp). These are the peers of the services scenarios (services_scenarios.cpp).

#include "scenarios.h"

#include "rep_bench_replica.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QTimer>
#include <QtRemoteObjects/QRemoteObjectNode>
#include <QtRemoteObjects/QRemoteObjectPendingCallWatcher>

#include <limits>
#include <vector>

namespace BurrowBench {

quint16 serveQtro(QObject *owner, QString *error); // qtro_source.cpp

namespace {

QUrl qtroUrl(quint16 port)
{
    return QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(port));
}

RunResult failed(const QString &error)
{
    RunResult result;
    result.error = error;
    return result;
}

// One node, one replica; each call is watched by a QRemoteObjectPendingCallWatcher, the usual
// way to get a reply without blocking.
class QtroCallWorkload final : public Workload
{
public:
    explicit QtroCallWorkload(quint16 port) : m_port(port) {}
    ~QtroCallWorkload() override
    {
        m_replica.reset();
    }

    bool open(QString *error) override
    {
        m_node.connectToNode(qtroUrl(m_port));
        m_replica.reset(m_node.acquire<BenchServiceReplica>());
        if (!m_replica->waitForSource(10000)) {
            *error = QStringLiteral("Qt Remote Objects: no source within 10 s");
            return false;
        }
        return true;
    }

    void issue(int slot) override
    {
        const int value = ++m_counter;
        auto *watcher = new QRemoteObjectPendingCallWatcher(m_replica->echo(value));
        QObject::connect(watcher, &QRemoteObjectPendingCallWatcher::finished, watcher,
                         [this, slot, value, alive = alive](QRemoteObjectPendingCallWatcher *w) {
                             w->deleteLater();
                             if (*alive)
                                 done(slot, w->error() == QRemoteObjectPendingCall::NoError
                                                && w->returnValue().toInt() == value);
                         });
    }

private:
    quint16 m_port;
    int m_counter = 0;
    QRemoteObjectNode m_node;
    std::unique_ptr<BenchServiceReplica> m_replica;
};

// The replicas of the fan-out measure, set up once for all its runs.
struct FanoutState
{
    std::vector<std::unique_ptr<QRemoteObjectNode>> nodes;
    std::vector<std::unique_ptr<BenchServiceReplica>> replicas;
    int initialized = 0;
    qint64 serverPid = -1;
    DeliveryCounter deliveries;

    void clear()
    {
        replicas.clear();
        nodes.clear();
        initialized = 0;
    }
};

} // namespace

Measure qtroCallMeasure(int inFlight)
{
    Measure m;
    m.name = inFlight == 1 ? QStringLiteral("qtro_call_seq") : QStringLiteral("qtro_call_pipe%1").arg(inFlight);
    m.metric = inFlight == 1 ? QStringLiteral("calls_per_s") : QStringLiteral("calls_per_s");
    m.description = QStringLiteral("Qt Remote Objects: replica.echo(int) -> int over tcp://127.0.0.1, source in another "
                                   "process, %1")
                        .arg(inFlight == 1 ? QStringLiteral("one call in flight") : QStringLiteral("%1 calls in flight").arg(inFlight));
    m.run = [inFlight] {
        QString error;
        const quint16 port = serverPort(QStringLiteral("qtro"), &error);
        if (!port)
            return failed(error);
        return runWorkload([&] { return std::make_unique<QtroCallWorkload>(port); }, inFlight);
    };
    return m;
}

Measure qtroFanoutMeasure(int replicaCount)
{
    auto state = std::make_shared<FanoutState>();
    Measure m;
    m.name = QStringLiteral("qtro_fanout_%1").arg(replicaCount);
    m.metric = QStringLiteral("deliveries_per_s");
    m.description = QStringLiteral("Qt Remote Objects: the source process emits tick(int) in bursts to %1 replicas in "
                                   "this process (one QRemoteObjectNode and TCP connection each); four bursts of about "
                                   "100,000 deliveries in flight; deliveries = signals received by all replicas")
                        .arg(replicaCount);
    m.setUp = [state, replicaCount](QString *error) {
        const quint16 port = serverPort(QStringLiteral("qtro"), error);
        if (!port)
            return false;
        state->serverPid = currentServerPid() > 0 ? currentServerPid() : -1;
        // In batches, so that the listen backlog never overflows (SYN retries cost seconds).
        constexpr int Batch = 100;
        while (int(state->nodes.size()) < replicaCount) {
            const int target = std::min(replicaCount, int(state->nodes.size()) + Batch);
            while (int(state->nodes.size()) < target) {
                auto node = std::make_unique<QRemoteObjectNode>();
                node->connectToNode(qtroUrl(port));
                std::unique_ptr<BenchServiceReplica> replica(node->acquire<BenchServiceReplica>());
                FanoutState *s = state.get();
                QObject::connect(replica.get(), &QRemoteObjectReplica::initialized, replica.get(), [s] { ++s->initialized; });
                QObject::connect(replica.get(), &BenchServiceReplica::tick, replica.get(), [s](int) { s->deliveries.deliver(); });
                state->nodes.push_back(std::move(node));
                state->replicas.push_back(std::move(replica));
            }
            if (!waitUntil([&] { return state->initialized >= target; }, 30000)) {
                *error = QStringLiteral("only %1 of %2 replicas initialized").arg(state->initialized).arg(target);
                state->clear();
                return false;
            }
        }
        return true;
    };
    m.tearDown = [state] { state->clear(); };
    m.run = [state] {
        FanoutState *s = state.get();
        const qint64 replicas = qint64(s->replicas.size());
        if (replicas == 0)
            return failed(QStringLiteral("no replicas"));
        const int signalsPerBurst = options().fanoutBurst > 0 ? options().fanoutBurst : int(std::max<qint64>(1, 100000 / replicas));
        // Four bursts in flight (runBursts' default). Throughput needs a deep queue: each wake-up
        // of either process then serves many sockets' worth of data (2 bursts of 10,000
        // deliveries gave a fifth of this).
        return runBursts(s->deliveries, signalsPerBurst * replicas,
                         [s, signalsPerBurst] { s->replicas.front()->emitBurst(signalsPerBurst); }, s->serverPid);
    };
    return m;
}

void registerQtroScenarios()
{
    // The measures themselves run in the services groups (services_scenarios.cpp), interleaved
    // with the Burrow scenarios they are the baselines of.
    registerServer(QStringLiteral("qtro"), serveQtro);
}

} // namespace BurrowBench
