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
  // --workload: a catalog workload (catalog::Workload id) whose lengths stand for --lengths:
  // its length table, else its mean lengths as fixed lengths.
  std::string benchmark_workload;
  std::optional<int64_t> requests;
  std::optional<double> duration_s;
  std::optional<uint64_t> seed;  // default kDefaultSeed
};

inline constexpr uint64_t kDefaultSeed = 1;

// Upper bounds beyond which a number is a typo, not a plan.
inline constexpr int kMaxReplicas = 100'000;            // in one group
inline constexpr int64_t kMaxStepTokens = 100'000'000;  // max_num_seqs, max_batched_tokens

inline constexpr double kBytesPerGB = 1e9;  // --kv-transfer-gbps and kv_transfer_gb_per_s

// A group of identical replicas. The command line gives one group (two with --disaggregate); a
// fleet file gives any number (a heterogeneous fleet, doc/formats/fleet.md).
struct ReplicaGroupOptions {
  FitOptions deployment;                // model, accelerator, engine, precisions, layout
  std::optional<int> replicas;          // default 1
  std::string role = "unified";         // or "prefill", "decode" (disaggregated serving)
  int tier = 0;                         // the model tier it serves (FleetOptions::tier_shares)
  std::string batching = "continuous";  // or "static"
  std::optional<int64_t> max_num_seqs;  // default: the engine's limit on the accelerator
  std::optional<int64_t> max_batched_tokens;  // default: the engine's limit on the accelerator
  std::string chunked_prefill;                // "on", "off", or "" for the engine's default
  std::string prefix_caching;                 // "on", "off", or "" for the engine's default
  std::string preemption = "recompute";       // or "swap"
  std::string spec_decode;                    // --spec-decode syntax (spec_decode.h); "" = none
  // Where a fleet file defines the group ("fleet.toml:12: group[1]"), put before its errors; ""
  // on the command line.
  std::string where;
};

// The whole fleet: its groups and how requests reach them.
struct FleetOptions {
  std::vector<ReplicaGroupOptions> groups;    // at least one; group 0's replicas come first
  std::string routing = "least-outstanding";  // or "round-robin"
  // Model tiers: the share of requests each tier gets (relative weights). Empty: one tier.
  std::vector<double> tier_shares;
  std::vector<std::string> tier_names;  // one per tier when the file names them, else empty
  // Prefill-to-decode KV transfer bandwidth; unset: the simulator's default link.
  std::optional<double> kv_transfer_bytes_per_s;
  std::string file;  // the fleet file it was read from; "" for the command line
};

struct SimulateOptions {
  // The command line's fleet (one group), unless `fleet_file` is given.
  std::vector<ReplicaGroupOptions> fleet;
  std::string routing = "least-outstanding";  // or "round-robin"
  // --disaggregate P:D: P prefill and D decode replicas of the one group instead of --replicas
  // unified ones; "" = unified.
  std::string disaggregate;
  std::optional<double> kv_transfer_gb_per_s;  // --kv-transfer-gbps, in 1e9 bytes per second
  // --fleet: a fleet file (doc/formats/fleet.md) that replaces `fleet`, `routing`,
  // `disaggregate` and `kv_transfer_gb_per_s`.
  std::string fleet_file;
  // The fleet flags given on the command line (--model, --replicas, --routing, ...), by name:
  // none may come with `fleet_file`. main.cc fills it.
  std::vector<std::string> fleet_flags;
  WorkloadOptions workload;
  std::optional<double> slo_ttft_s;  // goodput counts requests meeting every SLO given
  std::optional<double> slo_tpot_s;
  // Instead of the catalog's default price: one price per accelerator-hour for every accelerator
  // type of the fleet.
  std::optional<double> usd_per_accelerator_hour;
  // For energy: the data-centre profile (catalog id; "" = the catalog's default) or a PUE.
  std::string datacenter;
  std::optional<double> pue;
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

// 0 when every request was simulated and the report written; 1 (after the report) when SLOs were
// given and no request met them; 1 when the input is wrong (each
// problem one `error:` line naming the flag, or the fleet file's line and key), flags contradict
// each other or --fleet, the fleet is inconsistent (a tier mixing roles), a deployment does not
// fit, a request is longer than a replica can hold, or an output file cannot be written; 1 for an
// unknown --workload, or --workload with --lengths or --trace ("contradictory flags").
int RunSimulate(const catalog::Catalog& catalog, const SimulateOptions& options, std::ostream& out,
                std::ostream& err);

}  // namespace pertoken::cli
