// The serving regimes of perf::ServingQuery answered by simulation instead of the analytic
// steady state: a burst of N requests, a Poisson stream at a request rate, or a closed loop of
// clients over N requests. Deterministic (fixed seeds). Thread-safe.
#pragma once

#include "perf/serving.h"

namespace pertoken::sim {

// True when `query` is a regime the simulator replays: a burst with a request count
// (kMaxLoad, max_requests > 0), a request rate, or a fixed concurrency with a request count.
bool Simulable(const perf::ServingQuery& query);

// The query's metrics from a simulated run: means and p99s over the requests (TTFT, TPOT,
// end-to-end), throughput over the run from the first arrival to the last completion. Prompts
// have query.input_tokens tokens; outputs query.output_tokens, or with variable_output_lengths
// the quantiles of an exponential distribution with that mean, in a seeded random order. A
// request-rate run without a count simulates 1,000 requests. REQUIRES: Simulable(query).
perf::ServingResult SimulateServing(const perf::ServingQuery& query);

}  // namespace pertoken::sim
