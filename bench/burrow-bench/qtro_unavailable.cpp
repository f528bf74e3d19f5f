// Built instead of qtro_scenarios.cpp / qtro_source.cpp when Qt Remote Objects is not installed:
// the QtRO measures exist (so that groups using them as baselines still build) but fail at once.

#include "scenarios.h"

namespace BurrowBench {

namespace {
Measure unavailable(const QString &name, const QString &metric)
{
    Measure m;
    m.name = name;
    m.metric = metric;
    m.description = QStringLiteral("Qt Remote Objects (not available in this build)");
    m.run = [] {
        RunResult result;
        result.error = QStringLiteral("built without Qt Remote Objects");
        return result;
    };
    return m;
}
} // namespace

Measure qtroCallMeasure(int inFlight)
{
    return unavailable(inFlight == 1 ? QStringLiteral("qtro_call_seq") : QStringLiteral("qtro_call_pipe%1").arg(inFlight),
                       QStringLiteral("calls_per_s"));
}

Measure qtroFanoutMeasure(int replicas)
{
    return unavailable(QStringLiteral("qtro_fanout_%1").arg(replicas), QStringLiteral("deliveries_per_s"));
}

void registerQtroScenarios()
{
    note(QStringLiteral("burrow-bench: built without Qt Remote Objects; its baselines are skipped"));
}

} // namespace BurrowBench
