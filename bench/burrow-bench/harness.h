#pragma once

// The burrow-bench harness: options, server processes, the closed-loop load runner, and the
// registry of measurements. Scenario files (transport_scenarios.cpp, qtro_scenarios.cpp,
// services_scenarios.cpp) only build Workloads and register Groups; they never print.

#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QRegularExpression>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <functional>
#include <limits>
#include <memory>

namespace BurrowBench {

// --- Options ---------------------------------------------------------------------------------

struct Options
{
    int durationMs = 2000;    // measured window of one run
    int warmupMs = 300;       // traffic before the window, not counted
    int runs = 3;             // best of this many runs, scenario and baseline interleaved
    int fanoutReplicas = 1000;
    int fanoutBurst = 0;       // signals per burst in the fan-out measures; 0: about 100,000 deliveries
    QRegularExpression filter; // on measurement names; a match pulls in its baseline
    bool list = false;
    bool jsonOnly = false;
    bool noBaselines = false;  // --no-baselines: only the matching measures (for profiling)
    // --connect kind=port: use a server already running there (e.g. under valgrind) instead of
    // starting one.
    QHash<QString, quint16> externalServers;
};
Options &options();

// Progress and human-readable text on stderr; silent with --json-only.
void note(const QString &text);

// --- Server processes ------------------------------------------------------------------------
//
// `burrow-bench --serve <kind>` sets up the server of that kind, prints "PORT <n>" on stdout,
// and serves until its stdin reaches end-of-file (the parent closed it or died). Kinds are
// registered by the scenario files; the parent starts each kind once, on first use, and stops
// them all at exit.

// Sets up a server (its objects parented to `owner`, so they live until exit) and returns the
// TCP port it listens on on 127.0.0.1, or 0 with *error set.
using ServeFunction = std::function<quint16(QObject *owner, QString *error)>;
void registerServer(const QString &kind, const ServeFunction &serve);
QStringList serverKinds();
// Child side: runs the server of that kind; returns the process exit code.
int serveMain(const QString &kind);
// Parent side: the port of the running server of that kind (started on first use), 0 on failure.
// Also makes that server the one whose CPU time the next run records (see RunResult).
quint16 serverPort(const QString &kind, QString *error);
// Scheduler figures of the main thread of a process (0: this one), from /proc/<pid>/schedstat:
// time on a CPU and time runnable but waiting for one, in ns; -1 when unknown (e.g. a
// --connect server).
struct SchedSample
{
    qint64 cpuNs = -1;
    qint64 waitNs = -1;
};
SchedSample schedSample(qint64 pid);
// The process id of the server last returned by serverPort(), 0 when unknown.
qint64 currentServerPid();
void stopServers();

// --- Load ------------------------------------------------------------------------------------

// One kind of request against one server, driven in the main thread's event loop.
class Workload
{
public:
    virtual ~Workload();
    // Connects (may run a local event loop). Returns false and sets *error on failure.
    virtual bool open(QString *error) = 0;
    // Starts one request on stream `slot` (0 .. inFlight-1). Must call done(slot, ok) exactly
    // once when it completes, normally from the event loop later. Synchronous completion is
    // tolerated only for failures (ok = false stops the run).
    virtual void issue(int slot) = 0;

    std::function<void(int slot, bool ok)> done;
    // False once this workload is destroyed: callbacks that may outlive it (a future failed
    // by a connection deleted later) check it before touching the workload.
    const std::shared_ptr<bool> alive = std::make_shared<bool>(true);
};

struct RunResult
{
    bool ok = false;
    double value = 0;     // per second, over the measured window
    qint64 completions = 0; // all of them, warm-up and drain included (for profiling)
    // CPU time per counted operation over the measured window, in microseconds, of this
    // process's main thread and of the server's; NaN when unknown. Throughput on a busy machine
    // depends on the CPU share the processes get; these depend much less on it.
    double clientCpuUs = qQNaN();
    double serverCpuUs = qQNaN();
    // Share of the window the client's and the server's main threads spent runnable but waiting
    // for a CPU (mean of the two): 0 on an idle machine; high values mean the figure says more
    // about the machine's load than about the code.
    double runQueueWait = qQNaN();
    QString error;
};

// Samples this process's and a server's main threads at the start and end of a measured window.
class WindowSampler
{
public:
    void start(qint64 serverPid);
    void stop();
    // Sets the CPU and run-queue figures of `result` for `operations` done in `windowNs`.
    void fill(RunResult &result, qint64 operations, qint64 windowNs) const;

private:
    qint64 m_serverPid = -1;
    SchedSample m_client0, m_client1, m_server0, m_server1;
};

// Closed loop: keeps `inFlight` requests outstanding (a completion issues the next one on the
// same slot), discards completions during the warm-up, counts them for the fixed duration, then
// stops issuing and waits for the outstanding ones to drain. The value is completions per second
// over the measured window. Fails when a request fails or nothing completes for 10 s.
RunResult runClosedLoop(Workload &workload, int inFlight);

// Opens a fresh workload (connection set-up is not measured), runs it, destroys it.
RunResult runWorkload(const std::function<std::unique_ptr<Workload>()> &make, int inFlight);

void profileTick(); // see "Profiling" below
bool profileWindowDone();

// One-way deliveries (signals, notifications) counted where they arrive, for runBursts();
// each one is a request for profileTick().
struct DeliveryCounter
{
    qint64 count = 0;
    qint64 nextCheck = std::numeric_limits<qint64>::max();
    std::function<void()> onThreshold;
    QString error; // set by a receiver or a burst request that failed; ends the run

    void deliver()
    {
        profileTick();
        if (++count >= nextCheck)
            onThreshold();
    }
    void fail(const QString &message)
    {
        if (error.isEmpty())
            error = message;
        if (onThreshold)
            onThreshold();
    }
};

// Bursts of one-way deliveries, `window` bursts in flight: `requestBurst` asks the server for
// one burst of `deliveriesPerBurst` deliveries (e.g. a void slot or a call on one receiver), and
// a new one is asked for each time one has been delivered in full. Warm-up, fixed duration and
// drain as in runClosedLoop(); the value is deliveries per second over the measured window.
// Fails when `counter.error` gets set or nothing is delivered for 10 s.
RunResult runBursts(DeliveryCounter &counter, qint64 deliveriesPerBurst, const std::function<void()> &requestBurst,
                    qint64 serverPid, int window = 4);

// Runs a local event loop until `condition` holds or `timeoutMs` passes; returns the condition.
bool waitUntil(const std::function<bool()> &condition, int timeoutMs);

// --- Profiling -------------------------------------------------------------------------------
//
// With BURROW_BENCH_PROFILE="<skip>,<count>" in the environment, every request handled by a
// server of this program and every request completed by the closed-loop runner is counted:
// under callgrind, the counters are zeroed after <skip> requests and dumped (callgrind output
// part "window") after <count> more, so that a profile holds exactly <count> requests of steady
// state. The runner also stops the run soon after that. Without valgrind it costs a branch.
// See profile.sh.
void profileTick();
bool profileWindowDone();

// --- Registry --------------------------------------------------------------------------------

// One measured figure. A baseline has an empty `baseline`; a scenario names the measurement of
// the same group it is compared to, and the ratio value/baseline_value the issue asks for.
struct Measure
{
    QString name;
    QString metric;       // "round_trips_per_s", "msgs_per_s", "requests_per_s", ...
    QString description;  // one line for --list and RESULTS.md
    QString baseline;     // empty: this is a baseline
    double target = 0;    // minimum ratio; 0: no target
    // Latencies: the lowest run is the best and the target is a maximum.
    bool lowerIsBetter = false;
    // The target is on the value itself (rows/s, ms), not on the ratio to the baseline.
    bool absoluteTarget = false;
    // Additional ratios to print (field name -> measurement name in the same group), for context.
    QList<QPair<QString, QString>> alsoCompareTo;
    // Minimum ratios for some of those (field name -> ratio): a second target against another
    // baseline (e.g. raw echo and Qt Remote Objects), printed as "<field>_target" and
    // "<field>_meets_target".
    QHash<QString, double> alsoTargets;
    // One run: warm-up + fixed duration.
    std::function<RunResult()> run;
    // Optional, around all runs of this measure (e.g. 1,000 replicas set up once).
    std::function<bool(QString *error)> setUp;
    std::function<void()> tearDown;
};

// Measurements run together: run 1 of every measure (in order, baselines first), then run 2,
// ... so that a scenario and its baseline see the same machine conditions; best run wins.
struct Group
{
    QString title;
    QList<Measure> measures;
};

// m measured against the baseline of that name (in the same group), with a minimum ratio.
inline Measure compared(Measure m, const QString &baseline, double target)
{
    m.baseline = baseline;
    m.target = target;
    return m;
}

void addGroup(const Group &group);
QList<Group> groups();

// Registration functions of the scenario files, called by main() in this order.
void registerTransportScenarios();   // raw WebSocket, Burrow request/answer, HTTP
void registerQtroScenarios();        // Qt Remote Objects baselines
void registerServicesScenarios();    // Burrow services (see services_scenarios.cpp)
void registerReplicationScenarios(); // ORM replication (see replication_scenarios.cpp)

// Common payload: `size` bytes of JSON-like ASCII records (LZ4 compresses it to about a third).
QByteArray makePayload(int size);

} // namespace BurrowBench
