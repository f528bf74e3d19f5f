// Burrow services scenarios — the place for them. Nothing is registered yet: the services
// library is still being written. To add them:
//
//  1. A server kind serving the contract, e.g.
//         registerServer(QStringLiteral("services"), [](QObject *owner, QString *error) -> quint16 {
//             auto *server = new Burrow::Server(owner);  // + the service implementation
//             ...; return server->listen(QHostAddress::LocalHost, 0) ? server->serverPort() : 0;
//         });
//     (runs in the child process started by serverPort("services", &error)).
//  2. A Workload (harness.h) per client-side pattern: open() connects, issue(slot) starts one
//     call and calls done(slot, ok) when it completes; runWorkload(make, inFlight) measures it.
//     Non-request/answer patterns (one-way callbacks, fan-out) write their own run function
//     like qtroFanoutMeasure() in qtro_scenarios.cpp: warm-up, fixed duration, drain.
//  3. One Group per comparison, with its baselines measured in the same group (interleaved):
//
//     - Sequential calls of a small method (int -> int):
//           baselines rawWebSocketEchoMeasure(64, 1) and qtroCallMeasure(1);
//     - Pipelined async calls (64 in flight):
//           baselines rawWebSocketEchoMeasure(64, 64) and qtroCallMeasure(64);
//     - One-way callbacks/s, batching (ConnectionSettings::batchDelay >= 0) vs not (< 0):
//           the unbatched figure as the batched one's baseline;
//     - One publisher to 1,000 subscriber connections (deliveries_per_s):
//           baseline qtroFanoutMeasure(options().fanoutReplicas).
//
//     Give each Measure its `baseline` (a name in the same group) and `target` (the issue's
//     ratio); main.cpp prints the JSON lines, ratios and meets_target.

#include "scenarios.h"

namespace BurrowBench {

void registerServicesScenarios()
{
    // Services scenarios go here (see above).
}

} // namespace BurrowBench
