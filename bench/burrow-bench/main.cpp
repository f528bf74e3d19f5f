// burrow-bench: Burrow transport and services scenarios against baselines measured in the same
// run (raw QWebSocket echo, plain HTTP, Qt Remote Objects). See bench/RESULTS.md.
//
//   burrow-bench [--duration-ms N] [--warmup-ms N] [--runs N] [--filter REGEX] [--list]
//                [--json-only] [--fanout-replicas N]
//   burrow-bench --serve <kind>      (internal: the server side, started by the benchmark)
//
// Every server runs in a child process (this executable with --serve), every client here, both
// on 127.0.0.1. Each group of measurements runs its measures interleaved (run 1 of each, then
// run 2, ...), each run a warm-up then a fixed duration; the best run counts. One JSON line per
// measurement on stdout:
//   {"scenario", "group", "metric", "value", "runs", "baseline", "baseline_value", "ratio",
//    "target", "meets_target", ...}
// plus, for a second baseline of the same group, "ratio_vs_<x>" and, when it has a target of
// its own, "ratio_vs_<x>_target" and "ratio_vs_<x>_meets_target".
// Baselines have "baseline": null. Progress and a summary table go to stderr.

#include "harness.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QFile>
#include <QtCore/QHash>
#include <QtCore/QSet>

#include <cmath>
#include <cstdio>
#include <sys/resource.h>

using namespace BurrowBench;

namespace {

struct Outcome
{
    QList<double> runs;
    double clientCpuUs = NAN; // least CPU time per operation over the runs
    double serverCpuUs = NAN;
    double runQueueWait = NAN; // of the best run
    double best = 0;
    bool ok = false;
    QString error;
};

QByteArray jsonString(const QString &text)
{
    QByteArray out = "\"";
    for (const QChar c : text) {
        if (c == QLatin1Char('"') || c == QLatin1Char('\\'))
            out += '\\';
        if (c.unicode() < 0x20)
            out += ' ';
        else
            out += QString(c).toUtf8();
    }
    return out + '"';
}

QByteArray jsonNumber(double value, int decimals)
{
    if (!std::isfinite(value))
        return "null";
    return QByteArray::number(value, 'f', decimals);
}

// The 1-minute load average: the machines are shared, so each line says how busy it was.
double loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    if (!file.open(QIODevice::ReadOnly))
        return NAN;
    return file.readLine().split(' ').value(0).toDouble();
}

void raiseFileLimit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

int maxReplicasForFileLimit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return 1000000;
    return int(std::max<rlim_t>(1, limit.rlim_cur > 256 ? limit.rlim_cur - 256 : 1));
}

} // namespace

// glibc returns freed memory at the top of the heap to the system once 128 KiB are free there
// (M_TRIM_THRESHOLD) and grows it again on the next allocation: with 64 frames of 4 KiB in
// flight both processes can do that on every batch, and the brk()/page-fault churn it causes
// more than doubled the CPU time per message of the raw echo (measured: 15-16 us vs 6-7 us per
// 4 KiB message on the server), sometimes of Burrow's, at random. Every process of the
// benchmark therefore runs with a high trim threshold and some top padding, so that the
// figures measure the code rather than the allocator's trimming policy. --default-malloc
// keeps glibc's defaults.
constexpr char MallocTunables[] = "glibc.malloc.trim_threshold=268435456:glibc.malloc.top_pad=16777216";

void reexecWithMallocTunables(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        if (qstrcmp(argv[i], "--default-malloc") == 0 || qstrcmp(argv[i], "--serve") == 0)
            return; // servers inherit the parent's environment
    }
    const QByteArray current = qgetenv("GLIBC_TUNABLES");
    if (current.contains("glibc.malloc.trim_threshold"))
        return;
    const QByteArray tunables = current.isEmpty() ? QByteArray(MallocTunables) : current + ':' + MallocTunables;
    qputenv("GLIBC_TUNABLES", tunables);
    execv("/proc/self/exe", argv);
    // If that failed, carry on with the defaults.
}

int main(int argc, char **argv)
{
    reexecWithMallocTunables(argc, argv);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("burrow-bench"));
    raiseFileLimit();

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Burrow transport benchmark: scenarios against baselines measured in the same run."));
    parser.addHelpOption();
    const QCommandLineOption durationOption(QStringLiteral("duration-ms"), QStringLiteral("Measured window of one run (default 2000)."), QStringLiteral("ms"), QStringLiteral("2000"));
    const QCommandLineOption warmupOption(QStringLiteral("warmup-ms"), QStringLiteral("Warm-up before each run's window (default 300)."), QStringLiteral("ms"), QStringLiteral("300"));
    const QCommandLineOption runsOption(QStringLiteral("runs"), QStringLiteral("Runs per measurement, best counts (default 3)."), QStringLiteral("n"), QStringLiteral("3"));
    const QCommandLineOption filterOption(QStringLiteral("filter"), QStringLiteral("Only measurements whose name matches (their baselines come along)."), QStringLiteral("regex"));
    const QCommandLineOption listOption(QStringLiteral("list"), QStringLiteral("List the measurements and exit."));
    const QCommandLineOption jsonOnlyOption(QStringLiteral("json-only"), QStringLiteral("Print only the JSON lines (nothing on stderr but errors)."));
    const QCommandLineOption fanoutBurstOption(QStringLiteral("fanout-burst"), QStringLiteral("Signals per burst in the fan-out measures (default: about 100,000 deliveries per burst, 4 bursts in flight)."), QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption defaultMallocOption(QStringLiteral("default-malloc"), QStringLiteral("Keep glibc's default heap trimming (see MallocTunables in main.cpp)."));
    const QCommandLineOption noBaselinesOption(QStringLiteral("no-baselines"), QStringLiteral("Run only the measures matching --filter, not their baselines (for profiling)."));
    const QCommandLineOption fanoutOption(QStringLiteral("fanout-replicas"), QStringLiteral("Replicas/subscribers of the fan-out measures (default 1000)."), QStringLiteral("n"), QStringLiteral("1000"));
    const QCommandLineOption connectOption(QStringLiteral("connect"), QStringLiteral("Use the server of this kind already listening on 127.0.0.1:port (repeatable; for profiling a server under valgrind)."), QStringLiteral("kind=port"));
    const QCommandLineOption serveOption(QStringLiteral("serve"), QStringLiteral("Internal: run the server of this kind."), QStringLiteral("kind"));
    parser.addOptions({durationOption, warmupOption, runsOption, filterOption, listOption, jsonOnlyOption, fanoutOption, fanoutBurstOption, defaultMallocOption, noBaselinesOption, connectOption, serveOption});
    parser.process(app);

    Options &o = options();
    o.durationMs = std::max(100, parser.value(durationOption).toInt());
    o.warmupMs = std::max(0, parser.value(warmupOption).toInt());
    o.runs = std::max(1, parser.value(runsOption).toInt());
    o.list = parser.isSet(listOption);
    o.jsonOnly = parser.isSet(jsonOnlyOption);
    o.noBaselines = parser.isSet(noBaselinesOption);
    o.fanoutReplicas = std::max(1, parser.value(fanoutOption).toInt());
    o.fanoutBurst = std::max(0, parser.value(fanoutBurstOption).toInt());
    if (o.fanoutReplicas > maxReplicasForFileLimit()) {
        o.fanoutReplicas = maxReplicasForFileLimit();
        note(QStringLiteral("fan-out limited to %1 replicas by the open-file limit").arg(o.fanoutReplicas));
    }
    for (const QString &spec : parser.values(connectOption)) {
        const QStringList parts = spec.split(QLatin1Char('='));
        const quint16 port = parts.size() == 2 ? quint16(parts.at(1).toUInt()) : 0;
        if (port == 0) {
            std::fprintf(stderr, "burrow-bench: --connect wants kind=port, got \"%s\"\n", qPrintable(spec));
            return 2;
        }
        o.externalServers.insert(parts.at(0), port);
    }
    if (parser.isSet(filterOption)) {
        o.filter = QRegularExpression(parser.value(filterOption));
        if (!o.filter.isValid()) {
            std::fprintf(stderr, "burrow-bench: invalid --filter: %s\n", qPrintable(o.filter.errorString()));
            return 2;
        }
    }

    registerTransportScenarios();
    registerQtroScenarios();
    registerServicesScenarios();
    registerReplicationScenarios();

    if (parser.isSet(serveOption))
        return serveMain(parser.value(serveOption));

    // Selection: matching measures, plus the baselines (and extra comparisons) they need.
    QList<Group> selected;
    for (const Group &group : groups()) {
        QSet<QString> names;
        for (const Measure &m : group.measures) {
            if (o.filter.pattern().isEmpty() || o.filter.match(m.name).hasMatch()) {
                names.insert(m.name);
                if (!m.baseline.isEmpty() && !o.noBaselines)
                    names.insert(m.baseline);
                for (const auto &compared : m.alsoCompareTo) {
                    if (!o.noBaselines)
                        names.insert(compared.second);
                }
            }
        }
        if (names.isEmpty())
            continue;
        Group kept{group.title, {}};
        for (const Measure &m : group.measures) {
            if (names.contains(m.name))
                kept.measures.append(m);
        }
        selected.append(kept);
    }

    if (o.list) {
        for (const Group &group : selected) {
            std::printf("# %s\n", qPrintable(group.title));
            for (const Measure &m : group.measures) {
                std::printf("%-40s %-18s %s%s\n", qPrintable(m.name), qPrintable(m.metric),
                            m.baseline.isEmpty() ? "(baseline)" : qPrintable(QStringLiteral("vs %1, target %2%3 %4")
                                                                                  .arg(m.baseline, m.absoluteTarget ? m.metric : QStringLiteral("ratio"),
                                                                                       m.lowerIsBetter ? QStringLiteral(" <=") : QStringLiteral(" >="))
                                                                                  .arg(m.target)),
                            qPrintable(QStringLiteral("\n%1  %2").arg(QString(40, QLatin1Char(' ')), m.description)));
            }
        }
        return 0;
    }

    const bool tunedMalloc = qgetenv("GLIBC_TUNABLES").contains("glibc.malloc.trim_threshold");
    note(QStringLiteral("burrow-bench: %1 ms per run after %2 ms warm-up, best of %3; %4 group(s); GLIBC_TUNABLES=%5")
             .arg(o.durationMs).arg(o.warmupMs).arg(o.runs).arg(selected.size())
             .arg(QString::fromLocal8Bit(qgetenv("GLIBC_TUNABLES"))));

    struct Row
    {
        QString name, metric, baseline;
        double value = NAN, baselineValue = NAN, ratio = NAN, target = 0, cpuRatio = NAN;
        bool met = false;
    };
    QList<Row> rows;
    bool anyFailure = false;

    for (const Group &group : selected) {
        const double loadBefore = loadAverage();
        note(QStringLiteral("== %1 (load average %2)").arg(group.title).arg(loadBefore));
        QHash<QString, Outcome> outcomes;
        QSet<QString> usable;
        for (const Measure &m : group.measures) {
            QString error;
            if (m.setUp && !m.setUp(&error)) {
                outcomes[m.name].error = QStringLiteral("set-up failed: %1").arg(error);
                note(QStringLiteral("  %1: %2").arg(m.name, outcomes[m.name].error));
                continue;
            }
            usable.insert(m.name);
        }
        for (int run = 0; run < o.runs; ++run) {
            for (const Measure &m : group.measures) {
                if (!usable.contains(m.name))
                    continue;
                const RunResult result = m.run();
                Outcome &outcome = outcomes[m.name];
                if (result.ok) {
                    outcome.runs.append(result.value);
                    if (std::isfinite(result.clientCpuUs))
                        outcome.clientCpuUs = std::isfinite(outcome.clientCpuUs) ? std::min(outcome.clientCpuUs, result.clientCpuUs) : result.clientCpuUs;
                    if (std::isfinite(result.serverCpuUs))
                        outcome.serverCpuUs = std::isfinite(outcome.serverCpuUs) ? std::min(outcome.serverCpuUs, result.serverCpuUs) : result.serverCpuUs;
                    const bool better = m.lowerIsBetter ? result.value < outcome.best : result.value > outcome.best;
                    if (!outcome.ok || better)
                        outcome.runQueueWait = result.runQueueWait;
                    if (!outcome.ok || better)
                        outcome.best = result.value;
                    outcome.ok = true;
                    note(QStringLiteral("  run %1/%2 %3: %4 %5 (%6 completions in all; CPU us/op client %7 server %8; run-queue wait %9)")
                             .arg(run + 1).arg(o.runs).arg(m.name, -40).arg(result.value, 0, 'f', 0).arg(m.metric)
                             .arg(result.completions).arg(result.clientCpuUs, 0, 'f', 2).arg(result.serverCpuUs, 0, 'f', 2)
                             .arg(result.runQueueWait, 0, 'f', 2));
                } else {
                    outcome.error = result.error;
                    note(QStringLiteral("  run %1/%2 %3: FAILED: %4").arg(run + 1).arg(o.runs).arg(m.name, -40).arg(result.error));
                }
            }
        }
        for (const Measure &m : group.measures) {
            if (m.tearDown && usable.contains(m.name))
                m.tearDown();
        }

        const double loadAfter = loadAverage();
        for (const Measure &m : group.measures) {
            const Outcome outcome = outcomes.value(m.name);
            if (!outcome.ok)
                anyFailure = true;
            Row row;
            row.name = m.name;
            row.metric = m.metric;
            row.baseline = m.baseline;
            row.target = m.target;
            row.value = outcome.ok ? outcome.best : NAN;
            QList<Row> extraRows; // second targets (Measure::alsoTargets), after this row

            QByteArray line = "{\"scenario\":" + jsonString(m.name) + ",\"group\":" + jsonString(group.title)
                    + ",\"metric\":" + jsonString(m.metric) + ",\"value\":" + jsonNumber(row.value, 1) + ",\"runs\":[";
            for (qsizetype i = 0; i < outcome.runs.size(); ++i)
                line += (i ? "," : "") + jsonNumber(outcome.runs.at(i), 1);
            line += "]";
            if (m.baseline.isEmpty()) {
                line += ",\"baseline\":null,\"baseline_value\":null,\"ratio\":null,\"target\":null,\"meets_target\":null";
            } else {
                const Outcome base = outcomes.value(m.baseline);
                row.baselineValue = base.ok ? base.best : NAN;
                row.ratio = outcome.ok && base.ok && base.best > 0 ? outcome.best / base.best : NAN;
                const double judged = m.absoluteTarget ? row.value : row.ratio;
                row.met = std::isfinite(judged) && (m.lowerIsBetter ? judged <= m.target : judged >= m.target);
                line += ",\"baseline\":" + jsonString(m.baseline) + ",\"baseline_value\":" + jsonNumber(row.baselineValue, 1)
                        + ",\"ratio\":" + jsonNumber(row.ratio, 4) + ",\"target\":" + jsonNumber(m.target, 2)
                        + ",\"meets_target\":" + (std::isfinite(judged) ? (row.met ? "true" : "false") : "null");
                if (m.lowerIsBetter || m.absoluteTarget) {
                    line += QByteArray(",\"target_is\":\"") + (m.lowerIsBetter ? "maximum" : "minimum")
                            + "\",\"target_of\":\"" + (m.absoluteTarget ? "value" : "ratio") + '"';
                }
                // Baseline CPU per operation (client + server) over this one's: what the ratio
                // would tend to if throughput were bound by CPU time alone. Less sensitive to
                // the machine's load than the throughput ratio.
                row.cpuRatio = (base.clientCpuUs + base.serverCpuUs) / (outcome.clientCpuUs + outcome.serverCpuUs);
                line += ",\"cpu_ratio\":" + jsonNumber(row.cpuRatio, 4);
            }
            for (const auto &[field, other] : m.alsoCompareTo) {
                const Outcome base = outcomes.value(other);
                const double ratio = outcome.ok && base.ok && base.best > 0 ? outcome.best / base.best : NAN;
                line += ",\"" + field.toUtf8() + "\":" + jsonNumber(ratio, 4);
                if (m.alsoTargets.contains(field)) {
                    const double target = m.alsoTargets.value(field);
                    const bool met = std::isfinite(ratio) && ratio >= target;
                    line += ",\"" + field.toUtf8() + "_target\":" + jsonNumber(target, 2) + ",\"" + field.toUtf8()
                            + "_meets_target\":" + (std::isfinite(ratio) ? (met ? "true" : "false") : "null");
                    Row extra;
                    extra.name = QStringLiteral("  %1 (%2)").arg(m.name, field);
                    extra.metric = m.metric;
                    extra.baseline = other;
                    extra.value = outcome.ok ? outcome.best : NAN;
                    extra.baselineValue = base.ok ? base.best : NAN;
                    extra.ratio = ratio;
                    extra.target = target;
                    extra.met = met;
                    extra.cpuRatio = (base.clientCpuUs + base.serverCpuUs) / (outcome.clientCpuUs + outcome.serverCpuUs);
                    extraRows.append(extra);
                }
            }
            if (!outcome.ok)
                line += ",\"error\":" + jsonString(outcome.error);
            line += ",\"client_cpu_us_per_op\":" + jsonNumber(outcome.clientCpuUs, 2)
                    + ",\"server_cpu_us_per_op\":" + jsonNumber(outcome.serverCpuUs, 2)
                    + ",\"runqueue_wait_share\":" + jsonNumber(outcome.runQueueWait, 3);
            line += ",\"load_avg\":[" + jsonNumber(loadBefore, 2) + "," + jsonNumber(loadAfter, 2) + "]";
            line += QByteArray(",\"malloc_tunables\":") + (tunedMalloc ? "true" : "false");
            line += ",\"duration_ms\":" + QByteArray::number(o.durationMs) + ",\"best_of\":" + QByteArray::number(o.runs) + "}";
            std::printf("%s\n", line.constData());
            std::fflush(stdout);
            rows.append(row);
            rows.append(extraRows);
        }
    }

    stopServers();

    if (!o.jsonOnly) {
        std::fprintf(stderr, "\n%-40s %12s  %-34s %12s %7s %7s %4s %9s\n", "scenario", "value", "baseline", "baseline", "ratio", "target", "met", "cpu_ratio");
        for (const Row &row : rows) {
            const bool b = row.baseline.isEmpty();
            // Small values (latencies in ms) with decimals.
            std::fprintf(stderr, "%-40s %12.*f  %-34s %12s %7s %7s %4s %9s\n", qPrintable(row.name),
                         std::fabs(row.value) < 100 ? 2 : 0, row.value,
                         qPrintable(b ? QStringLiteral("-") : row.baseline),
                         b ? "" : qPrintable(QString::number(row.baselineValue, 'f', std::fabs(row.baselineValue) < 100 ? 2 : 0)),
                         b ? "" : qPrintable(QString::number(row.ratio, 'f', 3)),
                         b ? "" : qPrintable(QString::number(row.target, 'f', 2)),
                         b ? "" : (row.met ? "yes" : "NO"),
                         b ? "" : qPrintable(QString::number(row.cpuRatio, 'f', 3)));
        }
    }
    return anyFailure ? 1 : 0;
}
