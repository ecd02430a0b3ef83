// `pertoken simulate`: replays a request stream (a recorded trace or a synthetic process) through a
// fleet of replicas with the serving simulator (src/sim) and reports latency percentiles,
// throughput, goodput, utilisation and cost with idle time counted (doc/cli.md).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "cli/commands.h"

namespace pertoken::cli {

// Where the request stream comes from: exactly one of `trace` and `arrivals`.
struct WorkloadOptions {
  std::string trace;       // a built-in trace name (azure-conv, ...) or a CSV path
  std::string traces_dir;  // the folder of the built-in traces (data/traces)
  // Replay of a trace (workload::ReplayOptions; unset = the whole trace at its own pace).
  std::optional<double> speedup;
  std::optional<double> window_start_s;
  std::optional<double> window_s;
  std::optional<int64_t> max_requests;
  // A synthetic stream: --arrivals and --lengths specs (doc/formats/trace.md), ending after
  // `requests` arrivals or at `duration_s`, whichever is given.
  std::string arrivals;
  std::string lengths;
  std::optional<int64_t> requests;
  std::optional<double> duration_s;
  std::optional<uint64_t> seed;  // default kDefaultSeed
};

inline constexpr uint64_t kDefaultSeed = 1;

// A group of identical replicas. The command line gives one group; a fleet file can give several
// (a heterogeneous fleet).
struct ReplicaGroupOptions {
  FitOptions deployment;  // model, accelerator, engine, precisions, count and layout
  int replicas = 1;
  std::string batching = "continuous";        // or "static"
  std::optional<int64_t> max_num_seqs;        // default: the engine's limit on the accelerator
  std::optional<int64_t> max_batched_tokens;  // default: the engine's limit on the accelerator
  std::string chunked_prefill;                // "on", "off", or "" for the engine's default
};

struct SimulateOptions {
  std::vector<ReplicaGroupOptions> fleet;     // at least one group
  std::string routing = "least-outstanding";  // or "round-robin"
  WorkloadOptions workload;
  std::optional<double> slo_ttft_s;  // goodput counts requests meeting every SLO given
  std::optional<double> slo_tpot_s;
  std::optional<double> usd_per_accelerator_hour;  // instead of the catalog's default price
  bool json = false;
  std::string requests_out;        // CSV path, one row per request; "" = none
  std::string timeline_out;        // CSV path, sampled steps; "" = none
  double timeline_interval_s = 1;  // at most one timeline row per replica per interval
  // A terminal to draw a progress bar on for runs of more than kProgressMinRequests requests, or
  // null for none; main.cc passes std::cerr only when it is a terminal, never in tests or pipes.
  std::ostream* progress = nullptr;
  std::function<double()> progress_clock_s;  // monotonic seconds, pacing the bar's redraws
};

inline constexpr int64_t kProgressMinRequests = 20'000;

// 0 when every request was simulated and the report written; 1 when the input is wrong (each
// problem one `error:` line naming the flag or file), the deployment does not fit, a request is
// longer than a replica can hold, or an output file cannot be written.
int RunSimulate(const catalog::Catalog& catalog, const SimulateOptions& options, std::ostream& out,
                std::ostream& err);

}  // namespace pertoken::cli
