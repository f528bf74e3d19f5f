#pragma once

// Measurements other scenario files reuse as baselines: a group must measure its baselines
// itself (interleaved with its scenarios), so each file builds them with these factories rather
// than referring to another group's figures. Rename (Measure::name) when a group needs two.

#include "harness.h"

namespace BurrowBench {

// transport_scenarios.cpp

// Raw QWebSocket client against a QWebSocketServer echo in the server process (binary frames
// of payloadSize bytes). inFlight 1: "raw_ws_echo_<size>_seq", metric round_trips_per_s;
// otherwise "raw_ws_echo_<size>_pipe<inFlight>", metric msgs_per_s.
Measure rawWebSocketEchoMeasure(int payloadSize, int inFlight);

// "64B", "4KiB", ...
QString sizeLabel(int bytes);

// qtro_scenarios.cpp

// BenchService.echo(int) with reply, QRemoteObjectPendingCallWatcher per call, replica in this
// process, source in the "qtro" server process: "qtro_call_seq" / "qtro_call_pipe<inFlight>".
Measure qtroCallMeasure(int inFlight);
// The source emits tick(int) in bursts to `replicas` replicas (one QRemoteObjectNode and TCP
// connection each) in this process: "qtro_fanout_<replicas>", metric deliveries_per_s. Bursts of
// about 100,000 deliveries (--fanout-burst), 4 in flight: a new one is asked for (a void slot
// call on replica 0) each time one has been delivered to every replica.
Measure qtroFanoutMeasure(int replicas);

} // namespace BurrowBench
