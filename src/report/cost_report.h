// The `pertoken cost` report: one traffic volume served under every way to pay, as text for people
// and JSON for programs (doc/formats/cost-json.md). Money follows shared/metrics.md.
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "econ/cost.h"
#include "econ/ownership.h"

namespace pertoken::report {

// One way to pay, costed for the whole fleet over the traffic.
struct CostOption {
  std::string pricing;   // on_demand, spot, commit_1yr, commit_3yr, reserved, capacity_block,
                         // owned, given, api
  std::string provider;  // price list or API price list id; "" for owned and given
  std::string offer;     // what was priced, in words
  std::string basis;     // how the hourly figure was found
  std::string source;
  econ::Spend spend;
  std::optional<double> utilization;  // none for an API
  std::optional<double> joules_per_output_token;
  std::optional<econ::OwnedHour> owned;  // per accelerator-hour, by component
  // Self-hosted rows, when an API is compared: the cost split at that API's input/output price
  // ratio (CostReport::blend_basis), per million input and output tokens.
  std::optional<econ::Blended> blended;
  // APIs: output tokens per day above which the cheapest self-hosted option costs less.
  std::optional<double> break_even_output_tokens_per_day;
  bool break_even_known = false;   // APIs: whether a break-even was computed
  std::string break_even_against;  // the self-hosted way it was computed against
  std::string other_model;  // APIs of another model (--api-model): its name; "" for the same model
};

// A pool of identical replicas: the main deployment or the tier's, centrally or in each region.
struct CostPool {
  std::string role;         // "main" or "tier"
  std::string placement;    // "central" or "edge"
  std::string model;        // catalog id ("" when the capacity was given without one)
  std::string accelerator;  // catalog id
  int accelerators_per_replica = 1;
  double replica_output_tokens_per_s = 0;
  std::optional<double> ttft_s, tpot_s;
  double share = 1;  // of the traffic
  int regions = 1;   // copies of the pool, one per region
  int replicas = 0;  // in all its regions
  double utilization = 0;
  double mean_output_tokens_per_s = 0;
  std::string sizing;  // how its replicas were counted
  // When the simulator sized it: the requests' latencies at the peak.
  std::optional<double> sim_ttft_mean_s, sim_ttft_p99_s, sim_tpot_mean_s, sim_tpot_p99_s;
  // And the requests in flight as a share of the replicas' slots (capacity points), time-weighted
  // per sim_occupancy_interval_s from the replay's start (its last interval may be shorter).
  std::vector<double> sim_occupancy;
  double sim_occupancy_interval_s = 0;
};

struct CostReport {
  std::string model;        // catalog id, "" when the capacity was given directly
  std::string accelerator;  // catalog id
  int accelerators_per_replica = 1;
  std::string capacity_basis;  // where one replica's capacity comes from
  econ::ReplicaCapacity capacity;
  // A predicted replica's mean latencies at its capacity point (none when the capacity was given).
  std::optional<double> ttft_s;
  std::optional<double> tpot_s;
  double concurrency = 0;  // requests in flight at the capacity point (0 when given)
  econ::Traffic traffic;
  std::string traffic_basis;
  econ::Sizing sizing;
  std::string utilization_method;  // "fluid queueing model: ..."
  double pue = 1;
  std::string pue_basis;
  std::string as_of;  // "" = every offer
  std::string architecture = "centralised";
  int regions = 1;
  std::vector<CostPool> pools;          // the main pool first
  std::optional<double> network_rtt_s;  // the round trip a central pool's users pay
  std::optional<double> slo_ttft_s;     // the users' TTFT target
  std::string blend_basis;          // the API whose price ratio the blended prices use; "" = none
  std::string quality;              // with a tier: what the catalog says of its quality, or that
                                    // it says nothing
  std::vector<CostOption> options;  // cheapest first (usd_per_million_output_tokens)
  std::vector<std::string> notes;   // ways to pay left out, and why
};

// How the reports name a way to pay: "spot nebius", "owned", "api together", "api openai
// gpt-4o-mini" (another model's API).
std::string WayToPayName(const CostOption& option);

std::string CostText(const CostReport& report);
nlohmann::json CostJson(const CostReport& report);

}  // namespace pertoken::report
