// The `pertoken simulate` report: the workload, the fleet and the simulated results, as text for
// people and JSON for programs (doc/formats/simulate-json.md). Metrics follow shared/metrics.md.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "metrics/power.h"
#include "metrics/pricing.h"
#include "sim/simulator.h"
#include "workload/arrivals.h"
#include "workload/stats.h"
#include "workload/trace.h"

namespace pertoken::report {

// Latency targets; a request is "good" when it meets every one given.
struct Slos {
  std::optional<double> ttft_s;
  std::optional<double> tpot_s;

  bool any() const { return ttft_s || tpot_s; }
  // TTFT <= ttft_s and TPOT <= tpot_s. A one-token output has no TPOT and meets any TPOT target
  // (vLLM's `bench serve --goodput` counts its TPOT as 0).
  bool Met(const sim::RequestRecord& r) const;
};

// Where the requests came from and what they look like.
struct WorkloadReport {
  bool synthetic = false;
  std::string trace;  // as given to --trace (a built-in name or a path)
  std::string path;   // the trace file read
  workload::ReplayOptions replay;
  std::string arrivals;  // the --arrivals and --lengths specs
  std::string lengths;
  workload::StreamLimits limits;
  uint64_t seed = 0;
  workload::SkippedRows skipped;  // trace or length-table rows left out (0 tokens)
  workload::StreamStats stats;    // of the simulated stream
  bool prefix_ids = false;        // some request carries prefix block ids (prefix caching)
};

// A group of identical replicas of the fleet.
struct ReplicaGroupReport {
  sim::ReplicaSpec spec;  // the deployment, role, tier, limits and speculative decoding
  int replicas = 0;
  metrics::AcceleratorPrice price;  // of one of its accelerators for an hour
  metrics::AcceleratorPower power;  // of one of its accelerators
};

struct SimulateReport {
  WorkloadReport workload;
  std::vector<ReplicaGroupReport> groups;  // in fleet order: group 0's replicas come first
  sim::Routing routing = sim::Routing::kLeastOutstanding;
  std::vector<double> tier_shares;      // as sim::FleetSpec::tier_shares; empty: one tier
  std::vector<std::string> tier_names;  // one per tier when the fleet file names them, else empty
  double kv_transfer_bytes_per_s = 0;   // as sim::FleetSpec; 0: the default link
  std::string fleet_file;               // the --fleet file; "" for the command line
  metrics::Facility facility;           // for energy: the PUE
  sim::SimResult result;
  Slos slos;
  int64_t good_requests = 0;  // completed requests that met every SLO given
  int64_t good_output_tokens = 0;
};

// The group of each replica (an index into SimulateReport::groups), in fleet order.
std::vector<int> ReplicaGroups(const SimulateReport& report);

// The link a prefill group hands KV caches over: the fleet's kv_transfer_bytes_per_s when given,
// else the simulator's default towards the slowest decode group of its tier (the prefill
// accelerator's perf::LinkBytesPerSecond × the smaller replica's accelerator count). 0 for a
// group that is not a prefill group.
double KvLinkBytesPerSecond(const SimulateReport& report, const ReplicaGroupReport& group);

// One group's share of the run.
struct GroupSummary {
  int accelerators = 0;                // replicas × accelerators per replica
  std::optional<double> usd_per_hour;  // accelerators × price (no value when unknown)
  int64_t completed_requests = 0;      // finished on its replicas
  int64_t handed_off = 0;              // prefill groups: passed to a decode replica
  double busy_fraction = 0;            // mean over its replicas
  double kv_mean_fraction = 0;         // mean over its replicas
  double kv_peak_fraction = 0;         // highest of its replicas
  // Mean electrical draw of its accelerators over D (no value when their power is unknown).
  std::optional<double> accelerator_power_w;
};

// The summary's numbers, computed once so that the text and the JSON agree. Rates are over the
// run's duration D (first arrival to last completion); fractions are in [0, 1].
struct SimulateSummary {
  double duration_s = 0;
  double requests_per_s = 0;
  double output_tokens_per_s = 0;
  double input_tokens_per_s = 0;
  double total_tokens_per_s = 0;  // input + output
  int accelerators = 0;           // in the whole fleet
  int replicas = 0;
  double mean_requests_in_system = 0;  // time average of arrived, unfinished requests
  // Goodput (no value when no SLO is given): requests meeting every SLO, per second of D.
  std::optional<double> goodput_requests_per_s;
  std::optional<double> goodput_output_tokens_per_s;
  std::optional<double> goodput_share;  // of completed requests
  double busy_fraction = 0;             // mean over replicas of busy time / D
  double kv_mean_fraction = 0;          // mean over replicas of the time-averaged blocks in use
  double kv_peak_fraction = 0;          // highest over replicas
  int64_t preemptions = 0;
  double swap_s = 0;       // time replicas spent copying preempted KV caches to and from the host
  int64_t handed_off = 0;  // requests passed from a prefill replica to a decode replica
  // Prompt tokens found in the prefix cache / (those plus the prompt tokens computed).
  double prefix_cache_hit_fraction = 0;
  // Cost of every provisioned accelerator over D, idle time included (no value when a group has
  // no price).
  std::optional<double> usd_per_hour;
  std::optional<double> usd_total;
  std::optional<double> usd_per_million_output_tokens;
  std::optional<double> usd_per_million_tokens;  // input + output
  // Energy over D (no value when a group's power is unknown): the accelerators' mean draw, their
  // energy, the facility's energy (× PUE) and that energy per output token.
  std::optional<double> accelerator_power_w;
  std::optional<double> accelerator_energy_kwh;
  std::optional<double> facility_energy_kwh;
  std::optional<double> joules_per_output_token;
  std::vector<GroupSummary> groups;  // one per SimulateReport::groups
};
SimulateSummary Summarize(const SimulateReport& report);

std::string SimulateText(const SimulateReport& report);
nlohmann::json SimulateJson(const SimulateReport& report);

}  // namespace pertoken::report
