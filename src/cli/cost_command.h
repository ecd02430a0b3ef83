// `pertoken cost`: what serving a traffic volume costs under every way to pay for the hardware
// (cloud on-demand, spot, committed, reserved, owned) and with hosted APIs.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "cli/commands.h"
#include "report/cost_report.h"
#include "workload/request.h"

namespace pertoken::cli {

struct CostOptions {
  // One replica: a deployment whose capacity the performance model predicts (model, accelerator,
  // count, layout, precisions, engine) ...
  FitOptions deployment;
  std::optional<int64_t> input_tokens;   // per request
  std::optional<int64_t> output_tokens;  // per request
  std::string concurrency;               // a number or "max" (default)
  std::string batching = "continuous";   // or "static" (whole batches run to completion)
  std::string spec_decode;  // "draft=ID,k=4,accept=0.7" or "k=1,accept=0.8" (MTP/EAGLE heads)
  // Latency targets a predicted replica must meet on average: its capacity is then the throughput
  // at the most requests in flight that keep TTFT and TPOT within them.
  std::optional<double> slo_ttft_s;
  std::optional<double> slo_tpot_s;
  // How the replicas are counted under latency targets: "simulate" replays each pool's peak
  // through the serving simulator (default); "queueing" is the fast answer (an Erlang-C queue).
  std::string sizing = "simulate";
  // What the simulator holds to the targets: the requests' "mean" (default, as the analytic
  // capacity point) or their "p99".
  std::string slo_statistic = "mean";
  // ... or a capacity the user measured: output tokens per second of one replica of
  // deployment.count accelerators (model optional, for the hosted APIs).
  std::optional<double> output_tokens_per_s;
  // The traffic: output tokens per day, or requests per day (× --output-len); input tokens per
  // day default to the same input/output ratio as the requests. Neither: one replica kept busy.
  std::optional<double> output_tokens_per_day;
  std::optional<double> input_tokens_per_day;
  std::optional<double> requests_per_day;
  double peak_to_mean = 1;
  // A request trace (a built-in name or a CSV path, doc/formats/trace.md) whose requests are the
  // traffic: its rates around the clock, its mean lengths for the capacity point, and replayed
  // as it is when the simulator sizes the fleet. `traces_dir` holds the built-in traces.
  std::string trace;
  std::string traces_dir;
  // Share of the input tokens an API's prompt cache serves, billed at its cached-input price.
  double cached_input_share = 0;
  // Where the replicas run: "centralised" (one pool for all the traffic), "edge" (one pool per
  // region, each for its share), or "hybrid" (the tier at the edge, the main model centrally).
  std::string architecture = "centralised";
  int regions = 1;  // regions sharing the traffic equally (edge and hybrid: at least 2)
  // The round trip between users and a central data centre, which an edge pool saves: a central
  // pool meets the TTFT target less this (--network-rtt, seconds).
  std::optional<double> network_rtt_s;
  // Model-tier routing: a share of the requests goes to a second, cheaper deployment (a smaller
  // or more quantized model); each field left empty takes the main deployment's.
  std::string tier_model;
  double tier_share = 0;
  std::string tier_accelerator;
  std::optional<int> tier_count;
  std::string tier_weights;
  // Prices: offers dated on or before as_of ("" = all), from these providers (empty = all).
  std::string as_of;
  std::vector<std::string> providers;
  bool by_provider = false;
  // Hosted APIs of other models (a proprietary one, a different open model) to compare with, by
  // the name their price lists give (`gpt-4o-mini`) or catalog id.
  std::vector<std::string>
      api_models;  // also list each provider's own cheapest offer of each pricing
  std::optional<double> usd_per_accelerator_hour;  // one more way to pay: a price you have
  // Spot: on-demand replicas held in reserve to carry the traffic while spot capacity is gone
  // (priced at the cheapest on-demand offer).
  int spot_reserve_replicas = 0;
  // Ownership: the ownership and data-centre profiles (catalog ids; "" = defaults) and overrides.
  std::string ownership;
  std::string datacenter;
  std::optional<double> pue;
  std::optional<double> usd_per_kwh;
  std::optional<double> capex_usd;  // per accelerator
  std::optional<double> amortization_years;
  std::optional<double> cost_of_capital;
  // A fleet already sized and measured (`pertoken cost --from` a simulate result): its replicas
  // and the busy share the simulator measured, instead of sizing.
  std::optional<int> fixed_replicas;
  std::optional<double> measured_utilization;
  std::string from_basis;  // where the capacity or the fleet came from
  bool json = false;
};

// A trace read for cost and plan: its requests and what they add up to.
struct TraceTraffic {
  std::vector<workload::Request> requests;
  int64_t mean_input_tokens = 0;  // rounded
  int64_t mean_output_tokens = 0;
  double output_tokens_per_s = 0;  // over its span, first arrival to last
  double input_tokens_per_s = 0;
  double span_s = 0;
};
// InvalidArgument naming --trace for an unknown name, an unreadable file or an empty trace.
Result<TraceTraffic> LoadTraceTraffic(const std::string& trace, const std::string& traces_dir);

// How long a pool's peak is replayed in the simulator when no trace is given.
inline constexpr double kPeakWindowS = 600;
// The synthetic peak: Poisson arrivals at `requests_per_s` for kPeakWindowS seconds (seed 1), every
// request of the given lengths; one request at 0 when none arrives in the window.
std::vector<workload::Request> PeakStream(double requests_per_s, int64_t input_tokens,
                                          int64_t output_tokens);

// Fills `options` from a `pertoken estimate --json` or `pertoken simulate --json` result (the
// --from flag). An estimate gives the deployment, its lengths and its throughput as one replica's
// capacity. A simulation of one replica group gives the deployment, its replicas and the traffic
// it served (its rates around the clock, peak 1: the replayed stream has its own peaks), and the
// busy share the simulator measured as the utilisation. InvalidArgument naming the file for a
// file that is neither, a fleet of several groups, or flags that the file already sets.
Status ApplyResultFile(const std::string& path, CostOptions* options);

// The report `pertoken cost` prints: InvalidArgument (one line naming the flag) when the input is
// wrong, the deployment does not fit, or nothing can be priced.
Result<report::CostReport> EvaluateCost(const catalog::Catalog& catalog,
                                        const CostOptions& options);

// 0 when every way to pay was costed (those the catalog cannot price are noted); 1 when the input
// is wrong (one `error:` line naming the flag), the deployment does not fit, or nothing can be
// priced.
int RunCost(const catalog::Catalog& catalog, const CostOptions& options, std::ostream& out,
            std::ostream& err);

}  // namespace pertoken::cli
