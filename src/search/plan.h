// The planner's screen: every deployment of a model the catalog allows (accelerator, count,
// TP/PP/EP layout, weight and KV precision within a quality limit, engine, way to pay), each
// checked for memory, sized for the traffic at the latency targets with the analytic model, and
// priced; then the Pareto frontier of cost against latency. Pure functions of the catalog;
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "econ/cost.h"
#include "perf/memory.h"
#include "perf/serving.h"

namespace pertoken::search {

struct PlanQuery {
  const catalog::Model* model = nullptr;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  double slo_ttft_s = 0;  // targets; the screen holds the analytic means to them
  double slo_tpot_s = 0;
  econ::Traffic traffic;
  // Largest relative quality loss a weight or KV format may cost (0.02 = 2%), judged from the
  // catalog's published results (QualityLoss).
  double max_quality_loss = 0.02;
  std::vector<const catalog::Accelerator*> accelerators;  // empty: every one with memory
  std::vector<const catalog::Engine*> engines;            // REQUIRES: at least one
  // Ways to pay: cloud pricings (econ::CloudPricings) and "owned" (the catalog's default
  // ownership and data-centre profiles, at each plan's utilisation).
  std::vector<std::string> pricings = {"on_demand"};
  std::vector<std::string> providers;  // cloud price lists to search (ids); empty: all
  // Speculative decoding to try: every configuration is screened without it and with it.
  std::optional<perf::SpecDecode> spec;
  // Also screen static batching (whole batches run to completion) besides continuous.
  bool static_batching = false;
  // Also screen disaggregated serving: a prefill pool computing prompts and first tokens hands
  // each request's KV cache to a decode pool, the two on the same or different accelerators.
  bool disaggregated = false;
  std::vector<int> counts = {1, 2, 4, 8};  // accelerators per replica
  std::string as_of;                       // price offers dated by then
};

// What a format costs in quality on a model, from the catalog's results: the largest relative
// degradation (ppl up, accuracy down) among the results for that model, else among all its
// results (and `basis` says so). 16-bit formats cost nothing; a format with no result at all is
// unknown.
struct QualityLoss {
  bool known = false;
  double loss = 0;  // relative, >= 0
  std::string basis;
};
QualityLoss QualityLossOf(const catalog::QuantFormat& format, const catalog::Model& model);

// The capacity point of a deployment under latency targets: the most requests in flight (1 up to
// what memory and the engine allow) whose mean TTFT and TPOT meet them, with its prediction; met =
// false, with the prediction at one request, when even one misses. Latency grows with the requests
// in flight, so the boundary is found by Illinois regula falsi on the target with the least slack
// (about 6 predictions where a bisection takes 10; the same integer). A target of +infinity is
// none. REQUIRES: fit = Fit(FitRequestFor(query.deployment, input + output)).
struct CapacityPoint {
  bool met = false;
  double concurrency = 1;
  perf::ServingResult result;
};
CapacityPoint FindCapacityPoint(perf::ServingQuery query, const perf::FitResult& fit,
                                double ttft_target_s, double tpot_target_s);

// A disaggregated plan's prefill pool: replicas that compute prompts and first tokens and send
// each request's KV cache to the decode pool (the Plan's own accelerator, layout and engine).
struct PrefillPool {
  const catalog::Accelerator* accelerator = nullptr;
  int count = 0;
  perf::Layout layout;
  const catalog::Engine* engine = nullptr;
  double concurrency = 0;     // prompts in flight per replica at its capacity point
  double requests_per_s = 0;  // one replica's capacity
  int replicas = 0;
  double usd_per_accelerator_hour = 0;
  std::string offer;
};

// One screened configuration.
struct Plan {
  const catalog::Accelerator* accelerator = nullptr;
  int count = 0;
  perf::Layout layout;
  const catalog::QuantFormat* weights = nullptr;
  const catalog::QuantFormat* kv = nullptr;
  const catalog::Engine* engine = nullptr;
  bool spec_decode = false;      // with the query's speculative decoding
  bool static_batching = false;  // static batches rather than continuous batching
  double quality_loss = 0;       // the larger of the weights' and the KV cache's
  // One replica at its capacity point: the most requests in flight that meet the targets.
  double concurrency = 0;
  double output_tokens_per_s = 0;
  double ttft_s = 0, tpot_s = 0;
  bool meets_slo = false;
  std::string miss;  // when !meets_slo: which target, by how much, with one request alone
  // The fleet for the traffic's peak and its price.
  int replicas = 0;
  double utilization = 0;
  std::string pricing, provider, offer;
  double usd_per_accelerator_hour = 0;  // of this pool (the decode pool when disaggregated)
  double usd_per_hour = 0;              // the whole fleet
  double usd_per_million_output_tokens = 0;
  double monthly_usd = 0;
  // Disaggregated serving: the prefill pool, and the time a request's KV cache takes to reach the
  // decode pool (perf::KvTransferBytesPerSecond; counted in TPOT: its first decode step waits).
  std::optional<PrefillPool> prefill;
  double kv_transfer_s = 0;
};

struct ScreenStats {
  int64_t configurations = 0;  // accelerator × count × layout × precisions × engine × pricing
  int64_t fitting = 0;         // of those, the ones whose memory fits
  int64_t meeting = 0;         // of those, the ones that meet the targets
  int64_t quality_excluded = 0;  // formats the quality limit ruled out (per accelerator)
  // Accelerators searched (with memory and a price of the pricings asked for), with their
  // cheapest price per accelerator-hour, and those on which no configuration fits.
  std::vector<std::pair<const catalog::Accelerator*, double>> searched;
  std::vector<const catalog::Accelerator*> never_fit;
};

// Every configuration of the query: the fitting ones in `plans` (those meeting the targets
// first, cheapest first and then fastest; then the others by how close they came), counts in
// `stats`.
std::vector<Plan> Screen(const catalog::Catalog& catalog, const PlanQuery& query,
                         ScreenStats* stats);

// The indices of the plans that meet the targets and that no other such plan beats on both cost
// per million output tokens and TTFT + output tokens × TPOT (a request's time), cheapest first.
std::vector<size_t> ParetoFront(const std::vector<Plan>& plans, int64_t output_tokens);

}  // namespace pertoken::search
