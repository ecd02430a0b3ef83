#include "cli/cost_command.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/spec_decode.h"
#include "common/median.h"
#include "common/names.h"
#include "econ/cost.h"
#include "econ/ownership.h"
#include "econ/queueing.h"
#include "econ/ways_to_pay.h"
#include "metrics/power.h"
#include "perf/serving.h"
#include "report/cost_report.h"
#include "search/plan.h"
#include "sim/simulator.h"
#include "validate/text.h"
#include "workload/random.h"
#include "workload/trace.h"

namespace pertoken::cli {

namespace {

// A flag's number must be finite and positive (or non-negative when zero is allowed).
Status CheckPositive(const char* flag, const std::optional<double>& v, bool zero_ok = false) {
  if (!v) return Status();
  if (!std::isfinite(*v) || *v < 0 || (*v == 0 && !zero_ok)) {
    return Status::InvalidArgument(
        fmt::format("{} must be a number {} 0, got {:g}", flag, zero_ok ? ">=" : ">", *v));
  }
  return Status();
}

Status CheckOptions(const CostOptions& o) {
  for (Status s :
       {CheckPositive("--output-tokens-per-s", o.output_tokens_per_s),
        CheckPositive("--output-tokens-per-day", o.output_tokens_per_day),
        CheckPositive("--input-tokens-per-day", o.input_tokens_per_day, true),
        CheckPositive("--requests-per-day", o.requests_per_day),
        CheckPositive("--usd-per-hour", o.usd_per_accelerator_hour, true),
        CheckPositive("--usd-per-kwh", o.usd_per_kwh, true),
        CheckPositive("--capex-usd", o.capex_usd),
        CheckPositive("--amortization-years", o.amortization_years),
        CheckPositive("--cost-of-capital", o.cost_of_capital, true),
        CheckPositive("--slo-ttft", o.slo_ttft_s), CheckPositive("--slo-tpot", o.slo_tpot_s)}) {
    if (!s.ok()) return s;
  }
  if (!(o.cached_input_share >= 0 && o.cached_input_share <= 1)) {
    return Status::InvalidArgument(
        fmt::format("--cached-input-share is a share of the input tokens, in [0, 1], got {:g}",
                    o.cached_input_share));
  }
  if (o.slo_statistic != "mean" && o.slo_statistic != "p99") {
    return Status::InvalidArgument(
        fmt::format("--slo-statistic must be mean or p99, got '{}'", o.slo_statistic));
  }
  if (o.slo_statistic == "p99" && o.sizing != "simulate") {
    return Status::InvalidArgument(
        "--slo-statistic p99 needs --sizing simulate: only the simulator sees percentiles");
  }
  if (o.sizing != "simulate" && o.sizing != "queueing") {
    return Status::InvalidArgument(
        fmt::format("--sizing must be simulate or queueing, got '{}'", o.sizing));
  }
  if (o.network_rtt_s && (*o.network_rtt_s < 0 || !std::isfinite(*o.network_rtt_s))) {
    return Status::InvalidArgument(
        fmt::format("--network-rtt must be 0 or more seconds, got {:g}", *o.network_rtt_s));
  }
  if (o.network_rtt_s && o.slo_ttft_s && *o.network_rtt_s >= *o.slo_ttft_s) {
    return Status::InvalidArgument(fmt::format(
        "--network-rtt {:g} s leaves a central pool no time within the {:g} s TTFT target",
        *o.network_rtt_s, *o.slo_ttft_s));
  }
  if (o.network_rtt_s && !o.slo_ttft_s) {
    return Status::InvalidArgument("--network-rtt counts against the TTFT target: give --slo-ttft");
  }
  if (o.spot_reserve_replicas < 0) {
    return Status::InvalidArgument(
        fmt::format("--spot-reserve must be 0 or more replicas, got {}", o.spot_reserve_replicas));
  }
  if (!(o.peak_to_mean >= 1) || !std::isfinite(o.peak_to_mean)) {
    return Status::InvalidArgument(fmt::format(
        "--peak-to-mean is the busiest hour over the mean: at least 1, got {:g}", o.peak_to_mean));
  }
  if (o.pue && (*o.pue < 1 || *o.pue > 3)) {
    return Status::InvalidArgument(
        fmt::format("--pue {:g}: a power usage effectiveness is between 1 and 3", *o.pue));
  }
  if (o.cost_of_capital && *o.cost_of_capital > 1) {
    return Status::InvalidArgument(fmt::format(
        "--cost-of-capital is a fraction per year (0.08 for 8%), got {:g}", *o.cost_of_capital));
  }
  if (o.output_tokens_per_day && o.requests_per_day) {
    return Status::InvalidArgument("give --output-tokens-per-day or --requests-per-day, not both");
  }
  if (o.requests_per_day && !o.output_tokens) {
    return Status::InvalidArgument("--requests-per-day needs --output-len (tokens per request)");
  }
  if (o.input_tokens_per_day && !o.output_tokens_per_day) {
    return Status::InvalidArgument("--input-tokens-per-day goes with --output-tokens-per-day");
  }
  if ((o.slo_ttft_s || o.slo_tpot_s) && (o.output_tokens_per_s || !o.concurrency.empty())) {
    return Status::InvalidArgument(
        "--slo-ttft and --slo-tpot choose a predicted replica's concurrency: not with "
        "--concurrency or --output-tokens-per-s");
  }
  if (o.batching != "continuous" && o.batching != "static") {
    return Status::InvalidArgument(
        fmt::format("--batching must be continuous or static, got '{}'", o.batching));
  }
  if (o.output_tokens_per_s && (o.batching != "continuous" || !o.spec_decode.empty())) {
    return Status::InvalidArgument(
        "--batching and --spec-decode shape a predicted capacity; --output-tokens-per-s gives one");
  }
  if (o.output_tokens_per_s && !o.concurrency.empty()) {
    return Status::InvalidArgument(
        "--concurrency shapes a predicted capacity; --output-tokens-per-s gives one");
  }
  if (!o.output_tokens_per_s &&
      (o.deployment.model.empty() || !o.input_tokens || !o.output_tokens)) {
    return Status::InvalidArgument(
        "give a replica's capacity: --model with --input-len and --output-len (predicted), or "
        "--output-tokens-per-s (measured)");
  }
  if (o.deployment.accelerator.empty()) {
    return Status::InvalidArgument("--accelerator is required: it is what the prices are for");
  }
  if (o.architecture != "centralised" && o.architecture != "edge" && o.architecture != "hybrid") {
    return Status::InvalidArgument(fmt::format(
        "--architecture must be centralised, edge or hybrid, got '{}'", o.architecture));
  }
  if (o.regions < 1 || o.regions > 1000) {
    return Status::InvalidArgument(
        fmt::format("--regions must be from 1 to 1000, got {}", o.regions));
  }
  if (o.architecture != "centralised" && o.regions < 2) {
    return Status::InvalidArgument(
        fmt::format("--architecture {} spreads the traffic over regions: give --regions 2 or more",
                    o.architecture));
  }
  if (o.architecture == "centralised" && o.regions > 1) {
    return Status::InvalidArgument(
        "--regions applies to --architecture edge or hybrid; a centralised pool serves every "
        "region");
  }
  if (!(o.tier_share >= 0 && o.tier_share < 1)) {
    return Status::InvalidArgument(
        fmt::format("--tier-share is the share of requests routed to the tier, in [0, 1), got {:g}",
                    o.tier_share));
  }
  const bool tier_named = !o.tier_model.empty() || !o.tier_accelerator.empty() || o.tier_count ||
                          !o.tier_weights.empty();
  if (tier_named != (o.tier_share > 0)) {
    return Status::InvalidArgument(
        o.tier_share > 0 ? "--tier-share needs the tier: --tier-model, --tier-weights, "
                           "--tier-accelerator or --tier-count"
                         : "a tier (--tier-model, --tier-weights, ...) needs --tier-share");
  }
  if (o.architecture == "hybrid" && o.tier_share == 0) {
    return Status::InvalidArgument(
        "--architecture hybrid puts a tier at the edge: give --tier-share and the tier");
  }
  if (o.tier_share > 0 && o.output_tokens_per_s) {
    return Status::InvalidArgument(
        "a tier's capacity is predicted: --tier-share does not go with --output-tokens-per-s");
  }
  return Status();
}

// One replica of a pool: what it serves at capacity, with its latencies there when predicted.
struct Replica {
  std::optional<perf::Deployment> deployment;  // when predicted
  std::optional<perf::SpecDecode> spec;
  econ::ReplicaCapacity capacity;
  std::optional<double> ttft_s, tpot_s, e2e_s;
  double concurrency = 0;  // requests in flight at the capacity point; 0 when given
  std::string basis;
};

// One replica's capacity from the performance model: its throughput at `concurrency` (default:
// the most requests in flight that memory allows, or with latency targets the most that meet
// them), for the deployment `fo` (the main one, or the tier's).
Result<Replica> PredictCapacity(const catalog::Catalog& cat, const CostOptions& o, FitOptions fo) {
  const int64_t tokens = *o.input_tokens + *o.output_tokens;
  fo.context_tokens = tokens;
  auto model = cat.FindModel(fo.model);
  if (!model.ok()) return Status::NotFound("--model: " + model.status().message());
  if (tokens > (*model)->max_context_tokens) {
    return Status::InvalidArgument(
        fmt::format("--input-len + --output-len = {} exceeds the {}-token context of {}", tokens,
                    (*model)->max_context_tokens, (*model)->id));
  }
  if (!fo.max_context_tokens) fo.max_context_tokens = (*model)->max_context_tokens;
  auto d = ResolveDeployment(cat, fo);
  if (!d.ok()) return d.status();
  perf::ServingQuery q{.deployment = *d,
                       .input_tokens = *o.input_tokens,
                       .output_tokens = *o.output_tokens,
                       .regime = o.batching == "static" ? perf::Regime::kStaticBatch
                                                        : perf::Regime::kFixedConcurrency};
  if (!o.spec_decode.empty()) {
    auto spec = ParseSpecDecode(cat, o.spec_decode);
    if (!spec.ok()) return Status::InvalidArgument("--spec-decode: " + spec.status().message());
    q.spec = *spec;
  }
  const perf::FitResult fit =
      perf::Fit(perf::FitRequestFor(q.deployment, q.input_tokens + q.output_tokens));
  const double max_c = perf::MaxConcurrency(q.deployment, fit);
  if (o.slo_ttft_s || o.slo_tpot_s) {
    // The planner's capacity point: the most requests in flight that meet the targets.
    const search::CapacityPoint cp = search::FindCapacityPoint(
        q, fit, o.slo_ttft_s.value_or(INFINITY), o.slo_tpot_s.value_or(INFINITY));
    if (!cp.met) {
      return Status::InvalidArgument(fmt::format(
          "no load meets the latency targets: one request alone has TTFT {:.0f} ms and TPOT "
          "{:.1f} ms on this deployment",
          1e3 * cp.result.ttft_s, 1e3 * cp.result.tpot_s));
    }
    q.concurrency = cp.concurrency;
  } else if (o.concurrency.empty() || o.concurrency == "max") {
    q.concurrency = max_c;
  } else {
    auto c = validate::ParseNumber(o.concurrency);
    if (!c || *c < 1 || *c > 1e7) {
      return Status::InvalidArgument(fmt::format(
          "--concurrency must be a number of at least 1 or 'max', got '{}'", o.concurrency));
    }
    q.concurrency = *c;
  }
  const perf::ServingResult r = perf::PredictServing(q, fit);
  if (!r.ok) return Status::InvalidArgument(r.reason);
  Replica rep{.deployment = q.deployment,
              .spec = q.spec,
              .capacity = {.output_tokens_per_s = r.output_tokens_per_s,
                           .input_tokens_per_s = r.input_tokens_per_s,
                           .accelerators = d->layout.count()},
              .ttft_s = r.ttft_s,
              .tpot_s = r.tpot_s,
              .e2e_s = r.e2e_s,
              .concurrency = q.concurrency};
  rep.basis = fmt::format(
      "predicted at {:g} requests in flight{} of {} + {} tokens{}: TTFT {:.0f} ms, TPOT {:.1f} ms",
      q.concurrency, o.batching == "static" ? " (static batches)" : "", *o.input_tokens,
      *o.output_tokens,
      o.slo_ttft_s || o.slo_tpot_s ? ", the most that meet the latency targets" : "",
      1e3 * r.ttft_s, 1e3 * r.tpot_s);
  return rep;
}

// A median of the values `get` gives for the items that have one, and how many did.
template <typename T, typename Get>
std::pair<double, int> MedianOf(const std::vector<T>& items, Get get) {
  std::vector<double> v;
  for (const auto& item : items) {
    if (auto x = get(item)) v.push_back(*x);
  }
  if (v.empty()) return {0, 0};
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return {MedianOfSorted(v), static_cast<int>(n)};
}

// The cost of spot interruptions for an offer of `provider`: its own rate and notice, else the
// median of the providers that publish one; the engine's restart time, else the median of the
// engines that have one. Returns the lost share of time and says how it was found in `basis`.
double SpotLoss(const catalog::Catalog& cat, const std::string& provider, const std::string& engine,
                std::optional<double> e2e_s, std::string* basis) {
  const catalog::PriceList* list = nullptr;
  for (const auto& l : cat.prices()) {
    if (l.id == provider) list = &l;
  }
  econ::SpotTerms t{.e2e_s = e2e_s.value_or(0)};
  std::string rate_from;
  if (list && list->spot_interruptions_per_month) {
    t.interruptions_per_month = *list->spot_interruptions_per_month;
    t.notice_s = list->spot_notice_s.value_or(0);
    rate_from = provider + "'s";
  } else {
    auto [rate, n] = MedianOf(
        cat.prices(), [](const catalog::PriceList& l) { return l.spot_interruptions_per_month; });
    auto [notice, m] =
        MedianOf(cat.prices(), [](const catalog::PriceList& l) { return l.spot_notice_s; });
    if (n == 0) {
      *basis = "no interruption rate in the catalog: interruptions not priced";
      return 0;
    }
    t.interruptions_per_month = rate;
    t.notice_s = m > 0 ? notice : 0;
    rate_from =
        fmt::format("no rate for {}: the median of {} provider{}'", provider, n, n == 1 ? "" : "s");
  }
  const catalog::Engine* e = nullptr;
  if (auto found = cat.FindEngine(engine); found.ok()) e = *found;
  std::string restart_from;
  if (e && e->restart_s) {
    t.restart_s = *e->restart_s;
    restart_from = e->id + "'s";
  } else {
    auto [restart, n] =
        MedianOf(cat.engines(), [](const catalog::Engine& x) { return x.restart_s; });
    t.restart_s = restart;
    restart_from = n > 0 ? fmt::format("the median engine's") : "no";
  }
  const double f = econ::SpotLostFraction(t);
  *basis = fmt::format(
      "{:g} interruptions per instance-month ({} rate), each losing {:.0f} s of restart ({} "
      "startup) and {:.0f} s of work past a {:.0f} s notice: {:.4f}% of the time, so ×{:.6f}",
      t.interruptions_per_month, rate_from, t.restart_s, restart_from,
      std::max(0.0, t.e2e_s / 2 - t.notice_s), t.notice_s, 100 * f, 1 / (1 - f));
  return f;
}

// What the catalog says of the tier's quality against the main model: the published results of
// the tier's weight format on that model when the tier quantizes the same model, else that the
// catalog has no comparison.
std::string TierQuality(const catalog::Catalog& cat, const std::string& main_model,
                        const std::string& tier_model, const std::string& tier_weights) {
  if (tier_model != main_model) {
    return fmt::format(
        "the tier serves {} instead of {}: the catalog holds no quality comparison between "
        "different models, so judge the routed share's quality yourself",
        tier_model, main_model);
  }
  if (tier_weights.empty()) return "the tier serves the same model in the same precision";
  auto q = cat.FindPrecision(tier_weights, false);
  if (!q.ok()) return "";
  std::vector<std::string> found;
  for (const auto& r : (*q)->results) {
    if (r.model != main_model) continue;
    found.push_back(fmt::format(
        "{} {} {:g} → {:g} ({}{:+g}, {})", r.method, r.metric, r.baseline_value, r.quantized_value,
        r.higher_is_better ? "higher is better, " : "lower is better, ", r.delta, r.source));
  }
  if (found.empty()) {
    return fmt::format("{} weights on {}: the catalog has no published result for this model",
                       (*q)->id, main_model);
  }
  return fmt::format("{} weights on {}: {}", (*q)->id, main_model, fmt::join(found, "; "));
}

// The options a pool is held to: users' TTFT target less the network round trip to a central data
// centre (--network-rtt), which a pool in the users' region does not pay.
CostOptions PoolOptions(const CostOptions& o, bool central) {
  CostOptions p = o;
  if (central && p.slo_ttft_s && o.network_rtt_s) *p.slo_ttft_s -= *o.network_rtt_s;
  return p;
}

// The busiest hour replayed through `replicas` replicas of a pool: PeakStream (or the trace),
// each replica admitting at most `slots` requests at once (the capacity point), under the fleet's
// routing.

struct PeakRun {
  bool ok = false;
  double ttft_mean_s = 0, tpot_mean_s = 0, ttft_p99_s = 0, tpot_p99_s = 0;
  // Requests in flight as a share of the replicas' slots, time-weighted, per interval_s.
  std::vector<double> occupancy;
  double interval_s = 0;
};

// The replay's time cut into at most this many intervals of whole minutes (at least 10 s).
constexpr int kBusyIntervals = 60;

// Adds a step's requests in flight × its duration to the intervals it overlaps.
void AddOccupancy(const sim::StepSample& s, double interval_s, std::vector<double>* sums) {
  double t = s.start_s;
  const double end = s.start_s + s.duration_s;
  while (t < end) {
    const auto i = static_cast<size_t>(t / interval_s);
    const double until = std::min(end, static_cast<double>(i + 1) * interval_s);
    if (i >= sums->size()) sums->resize(i + 1, 0);
    (*sums)[i] += static_cast<double>(s.running) * (until - t);
    t = until;
  }
}

PeakRun SimulatePeak(const Replica& r, const CostOptions& o, int64_t slots, int replicas,
                     double requests_per_s, const std::vector<workload::Request>* replay) {
  sim::FleetSpec fleet;
  sim::ReplicaSpec spec{
      .deployment = *r.deployment,
      .batching = o.batching == "static" ? sim::Batching::kStatic : sim::Batching::kContinuous,
      .max_num_seqs = slots,
      .spec = r.spec};
  fleet.replicas.assign(static_cast<size_t>(replicas), spec);
  // The trace as it arrived, or Poisson arrivals at the peak rate.
  std::vector<workload::Request> synthetic;
  if (!replay) synthetic = PeakStream(requests_per_s, *o.input_tokens, *o.output_tokens);
  const std::vector<workload::Request>& requests = replay ? *replay : synthetic;
  const double span_s = requests.empty() ? 0 : requests.back().arrival_s;
  const double interval_s =
      std::max(10.0, std::ceil(span_s / kBusyIntervals / 60) * 60);  // whole minutes
  std::vector<double> occupancy;
  auto res = sim::Simulate(fleet, requests, {.on_step = [&](const sim::StepSample& s) {
                             if (s.duration_s > 0) AddOccupancy(s, interval_s, &occupancy);
                           }});
  if (!res.ok()) return {};
  // Request-seconds to shares of the slots over each interval (idle time holds none); the last
  // interval ends with the run.
  for (size_t i = 0; i < occupancy.size(); ++i) {
    const double start = static_cast<double>(i) * interval_s;
    const double length = std::min(interval_s, std::max(res->end_s - start, 1e-9));
    occupancy[i] /= length * static_cast<double>(replicas) * static_cast<double>(slots);
  }
  return {.ok = true,
          .ttft_mean_s = res->ttft.mean(),
          .tpot_mean_s = res->tpot.count() > 0 ? res->tpot.mean() : 0,
          .ttft_p99_s = res->ttft.Quantile(0.99),
          .tpot_p99_s = res->tpot.count() > 0 ? res->tpot.Quantile(0.99) : 0,
          .occupancy = std::move(occupancy),
          .interval_s = interval_s};
}

// The traffic the options give; with none, one replica kept busy.
econ::Traffic TrafficOf(const CostOptions& o, const econ::ReplicaCapacity& c, std::string* basis) {
  const double in_per_out =
      o.input_tokens && o.output_tokens
          ? static_cast<double>(*o.input_tokens) / static_cast<double>(*o.output_tokens)
          : (c.output_tokens_per_s > 0 ? c.input_tokens_per_s / c.output_tokens_per_s : 0);
  econ::Traffic t{.peak_to_mean = o.peak_to_mean, .cached_input_share = o.cached_input_share};
  if (o.requests_per_day) {
    t.output_tokens_per_day = *o.requests_per_day * static_cast<double>(*o.output_tokens);
    t.input_tokens_per_day = *o.requests_per_day * static_cast<double>(o.input_tokens.value_or(0));
    *basis = fmt::format("{:g} requests per day", *o.requests_per_day);
  } else if (o.output_tokens_per_day) {
    t.output_tokens_per_day = *o.output_tokens_per_day;
    t.input_tokens_per_day = o.input_tokens_per_day.value_or(in_per_out * t.output_tokens_per_day);
    *basis = !o.trace.empty() ? fmt::format("the rates of the trace {}, around the clock", o.trace)
             : o.fixed_replicas
                 ? fmt::format("the rates of the run in {}, around the clock", o.from_basis)
             : o.input_tokens_per_day ? "given"
                                      : "input at the requests' input/output ratio";
  } else {
    t.output_tokens_per_day = c.output_tokens_per_s * econ::kSecondsPerDay / o.peak_to_mean;
    t.input_tokens_per_day = in_per_out * t.output_tokens_per_day;
    *basis = "no traffic given: what one replica serves at its peak";
  }
  return t;
}

}  // namespace

std::vector<workload::Request> PeakStream(double requests_per_s, int64_t input_tokens,
                                          int64_t output_tokens) {
  std::vector<workload::Request> requests;
  workload::Rng rng(1);
  for (double t = rng.Exponential(1 / requests_per_s); t < kPeakWindowS;
       t += rng.Exponential(1 / requests_per_s)) {
    requests.push_back(
        {.arrival_s = t, .input_tokens = input_tokens, .output_tokens = output_tokens});
  }
  if (requests.empty()) {
    requests.push_back(
        {.arrival_s = 0, .input_tokens = input_tokens, .output_tokens = output_tokens});
  }
  return requests;
}

Result<report::CostReport> EvaluateCost(const catalog::Catalog& cat, const CostOptions& given) {
  // A trace sets the traffic and, where not given, the lengths.
  CostOptions o = given;
  std::optional<TraceTraffic> trace;
  if (!given.trace.empty()) {
    if (given.output_tokens_per_day || given.requests_per_day || given.input_tokens_per_day ||
        given.peak_to_mean != 1) {
      return Status::InvalidArgument(
          "--trace is the traffic, its peaks included: no --output-tokens-per-day, "
          "--requests-per-day, --input-tokens-per-day or --peak-to-mean with it");
    }
    if (given.regions > 1 || given.tier_share > 0) {
      return Status::InvalidArgument(
          "--trace replays one central pool: not with --regions or a tier");
    }
    auto t = LoadTraceTraffic(given.trace, given.traces_dir);
    if (!t.ok()) return t.status();
    trace = std::move(t).value();
    if (!o.input_tokens) o.input_tokens = trace->mean_input_tokens;
    if (!o.output_tokens) o.output_tokens = trace->mean_output_tokens;
    o.output_tokens_per_day = trace->output_tokens_per_s * econ::kSecondsPerDay;
    o.input_tokens_per_day = trace->input_tokens_per_s * econ::kSecondsPerDay;
  }
  if (Status s = CheckOptions(o); !s.ok()) return Status::InvalidArgument(s.message());
  auto acc = cat.FindAccelerator(o.deployment.accelerator);
  if (!acc.ok()) return Status::InvalidArgument("--accelerator: " + acc.status().message());
  for (const std::string& p : o.providers) {
    if (std::none_of(cat.prices().begin(), cat.prices().end(),
                     [&](const catalog::PriceList& l) { return l.id == p; })) {
      return Status::InvalidArgument(
          fmt::format("--provider: unknown provider '{}' (see `pertoken catalog list "
                      "prices`)",
                      p));
    }
  }
  const catalog::Datacenter* dc = &cat.DefaultDatacenter();
  if (!o.datacenter.empty()) {
    auto found = cat.FindDatacenter(o.datacenter);
    if (!found.ok()) return Status::InvalidArgument("--datacenter: " + found.status().message());
    dc = *found;
  }
  const catalog::Ownership* own = &cat.DefaultOwnership();
  if (!o.ownership.empty()) {
    auto found = cat.FindOwnership(o.ownership);
    if (!found.ok()) return Status::InvalidArgument("--ownership: " + found.status().message());
    own = *found;
  }

  report::CostReport rep;
  rep.accelerator = (*acc)->id;
  rep.architecture = o.architecture;
  rep.network_rtt_s = o.network_rtt_s;
  rep.slo_ttft_s = o.slo_ttft_s;
  rep.regions = o.regions;
  // The main replica: measured or predicted.
  Replica main;
  if (o.output_tokens_per_s) {
    main.capacity = {.output_tokens_per_s = *o.output_tokens_per_s,
                     .accelerators = o.deployment.count.value_or(1)};
    if (o.input_tokens && o.output_tokens) {
      main.capacity.input_tokens_per_s = *o.output_tokens_per_s *
                                         static_cast<double>(*o.input_tokens) /
                                         static_cast<double>(*o.output_tokens);
    }
    main.basis =
        o.from_basis.empty() ? "given with --output-tokens-per-s"
        : o.fixed_replicas
            ? fmt::format("from {}: the simulated output per replica while busy", o.from_basis)
            : fmt::format("from {}", o.from_basis);
    if (!o.deployment.model.empty()) {
      auto m = cat.FindModel(o.deployment.model);
      if (!m.ok()) return Status::InvalidArgument("--model: " + m.status().message());
      rep.model = (*m)->id;
    }
  } else {
    auto r = PredictCapacity(cat, PoolOptions(o, o.architecture != "edge"), o.deployment);
    if (!r.ok()) return r.status();
    main = *r;
    rep.model = (*cat.FindModel(o.deployment.model))->id;
  }
  rep.capacity = main.capacity;
  rep.capacity_basis = main.basis;
  rep.ttft_s = main.ttft_s;
  rep.tpot_s = main.tpot_s;
  rep.concurrency = main.concurrency;
  rep.accelerators_per_replica = main.capacity.accelerators;
  rep.traffic = TrafficOf(o, main.capacity, &rep.traffic_basis);

  // The pools: the main deployment, and the tier's when requests are routed to one.
  struct PoolPlan {
    report::CostPool report;
    const catalog::Accelerator* acc;
    Replica replica;
    std::string engine;
  };
  std::vector<PoolPlan> pools;
  const bool edge = o.architecture == "edge";
  const bool tiered = o.tier_share > 0;
  pools.push_back({.report = {.role = "main",
                              .placement = edge ? "edge" : "central",
                              .model = rep.model,
                              .accelerator = (*acc)->id,
                              .share = 1 - o.tier_share,
                              .regions = edge ? o.regions : 1},
                   .acc = *acc,
                   .replica = main,
                   .engine = o.deployment.engine});
  if (tiered) {
    FitOptions tier = o.deployment;
    if (!o.tier_model.empty()) tier.model = o.tier_model;
    if (!o.tier_accelerator.empty()) tier.accelerator = o.tier_accelerator;
    if (o.tier_count) tier.count = o.tier_count;
    if (!o.tier_weights.empty()) tier.weights = o.tier_weights;
    if (o.tier_count || !o.tier_accelerator.empty() || !o.tier_model.empty()) {
      tier.tp.reset();
      tier.pp.reset();
      tier.ep.reset();
    }
    auto tacc = cat.FindAccelerator(tier.accelerator);
    if (!tacc.ok())
      return Status::InvalidArgument("--tier-accelerator: " + tacc.status().message());
    auto r = PredictCapacity(cat, PoolOptions(o, o.architecture == "centralised"), tier);
    if (!r.ok()) return Status::InvalidArgument("the tier: " + r.status().message());
    pools.push_back(
        {.report = {.role = "tier",
                    .placement = edge || o.architecture == "hybrid" ? "edge" : "central",
                    .model = (*cat.FindModel(tier.model))->id,
                    .accelerator = (*tacc)->id,
                    .share = o.tier_share,
                    .regions = o.architecture == "centralised" ? 1 : o.regions},
         .acc = *tacc,
         .replica = *r,
         .engine = tier.engine});
    rep.quality = TierQuality(cat, rep.model, pools.back().report.model, o.tier_weights);
  }

  // Size each pool's replicas in each of its regions for that region's peak.
  const bool queueing = o.slo_ttft_s && !o.output_tokens_per_s;
  // The simulator checks the targets at the peak when there are targets and a model to replay.
  const bool simulate = o.sizing == "simulate" && (o.slo_ttft_s || o.slo_tpot_s) &&
                        !o.output_tokens_per_s && o.output_tokens;
  double total_capacity = 0;
  for (PoolPlan& p : pools) {
    report::CostPool& pr = p.report;
    const Replica& r = p.replica;
    const CostOptions po = PoolOptions(o, pr.placement == "central");
    pr.accelerators_per_replica = r.capacity.accelerators;
    pr.replica_output_tokens_per_s = r.capacity.output_tokens_per_s;
    pr.ttft_s = r.ttft_s;
    pr.tpot_s = r.tpot_s;
    econ::Traffic region = rep.traffic;
    region.output_tokens_per_day *= pr.share / pr.regions;
    region.input_tokens_per_day *= pr.share / pr.regions;
    pr.mean_output_tokens_per_s =
        rep.traffic.output_tokens_per_day * pr.share / econ::kSecondsPerDay;
    int per_region = 0;
    if (queueing && r.concurrency >= 1 && r.e2e_s && o.output_tokens) {
      // Each slot holds a request for its end-to-end time; a request may wait in the queue for
      // what the TTFT target leaves over the replica's own TTFT.
      const double peak_requests_per_s = region.output_tokens_per_day /
                                         static_cast<double>(*o.output_tokens) /
                                         econ::kSecondsPerDay * region.peak_to_mean;
      const double budget = std::max(*po.slo_ttft_s - r.ttft_s.value_or(0), 0.01 * *po.slo_ttft_s);
      const auto slots = static_cast<int64_t>(std::floor(r.concurrency));
      per_region =
          static_cast<int>(econ::ReplicasForWait(peak_requests_per_s, slots, *r.e2e_s, budget));
      pr.sizing = fmt::format(
          "Erlang-C queue at the peak: {} slots per replica held {:.1f} s each, a mean wait of at "
          "most {:.0f} ms (the TTFT target less the replica's TTFT)",
          slots, *r.e2e_s, 1e3 * budget);
    } else {
      per_region = econ::SizeFleet(region, r.capacity).replicas;
      pr.sizing = "fluid: ceil(peak / capacity)";
    }
    if (o.fixed_replicas && p.report.role == "main") {
      per_region = *o.fixed_replicas;
      pr.sizing = fmt::format("as simulated ({}): busy {:.1f}% of the time", o.from_basis,
                              100 * o.measured_utilization.value_or(0));
    } else if (simulate && r.deployment && r.concurrency >= 1) {
      // Replay the region's peak and adjust the replicas until the mean TTFT and TPOT meet the
      // targets with the fewest.
      const double peak_requests_per_s = region.output_tokens_per_day /
                                         static_cast<double>(*o.output_tokens) /
                                         econ::kSecondsPerDay * region.peak_to_mean;
      const auto slots = static_cast<int64_t>(std::floor(r.concurrency));
      const bool p99 = o.slo_statistic == "p99";
      auto meets = [&](int n, PeakRun* run) {
        *run =
            SimulatePeak(r, o, slots, n, peak_requests_per_s, trace ? &trace->requests : nullptr);
        const double ttft = p99 ? run->ttft_p99_s : run->ttft_mean_s;
        const double tpot = p99 ? run->tpot_p99_s : run->tpot_mean_s;
        return run->ok && (!po.slo_ttft_s || ttft <= *po.slo_ttft_s) &&
               (!o.slo_tpot_s || tpot <= *o.slo_tpot_s);
      };
      PeakRun run;
      const int start = per_region;
      int n = per_region;
      if (meets(n, &run)) {
        PeakRun fewer;
        while (n > 1 && meets(n - 1, &fewer)) --n, run = fewer;
      } else {
        // The queueing estimate is usually close: step up a few replicas, then double until a
        // fleet meets the targets and bisect down to the fewest.
        const int limit = 4 * start + 8;
        int lo = n, hi = n;
        PeakRun at_hi;
        bool found = false;
        for (int step = 1; step <= 3 && !found; ++step) {
          lo = hi;
          hi = n + step;
          found = meets(hi, &at_hi);
        }
        while (!found && hi < limit) {
          lo = hi;
          hi = std::min(2 * hi, limit);
          found = meets(hi, &at_hi);
        }
        if (!found) {
          return Status::InvalidArgument(fmt::format(
              "the {} pool: the simulator finds no fleet of up to {} replicas per region that "
              "meets the latency targets at the peak ({:.2f} requests/s; at {} replicas mean "
              "TTFT {:.0f} ms, TPOT {:.1f} ms)",
              pr.role, limit, peak_requests_per_s, limit, 1e3 * at_hi.ttft_mean_s,
              1e3 * at_hi.tpot_mean_s));
        }
        while (hi - lo > 1) {
          const int mid = (lo + hi) / 2;
          PeakRun at_mid;
          if (meets(mid, &at_mid)) {
            hi = mid, at_hi = at_mid;
          } else {
            lo = mid;
          }
        }
        n = hi;
        run = at_hi;
      }
      per_region = n;
      pr.sim_ttft_mean_s = run.ttft_mean_s;
      pr.sim_ttft_p99_s = run.ttft_p99_s;
      pr.sim_tpot_mean_s = run.tpot_mean_s;
      pr.sim_tpot_p99_s = run.tpot_p99_s;
      pr.sim_occupancy = run.occupancy;
      pr.sim_occupancy_interval_s = run.interval_s;
      const std::string replayed =
          trace ? fmt::format("the trace {} replayed as it arrived ({} requests over {:.0f} s)",
                              o.trace, trace->requests.size(), trace->span_s)
                : fmt::format("{:.2f} requests/s per region for {:.0f} s", peak_requests_per_s,
                              kPeakWindowS);
      pr.sizing = fmt::format(
          "simulated ({}, at most {} in flight per replica, starting from the {} estimate of {}, "
          "holding the {} to the targets): mean TTFT {:.0f} ms, TPOT {:.1f} ms; p99 {:.0f} ms, "
          "{:.1f} ms",
          replayed, slots, queueing ? "Erlang-C" : "fluid", start, p99 ? "p99" : "means",
          1e3 * run.ttft_mean_s, 1e3 * run.tpot_mean_s, 1e3 * run.ttft_p99_s, 1e3 * run.tpot_p99_s);
    }
    pr.replicas = per_region * pr.regions;
    pr.utilization = pr.mean_output_tokens_per_s / (pr.replicas * pr.replica_output_tokens_per_s);
    total_capacity += pr.replicas * pr.replica_output_tokens_per_s;
  }
  rep.sizing.mean_output_tokens_per_s = rep.traffic.output_tokens_per_day / econ::kSecondsPerDay;
  rep.sizing.peak_output_tokens_per_s =
      rep.sizing.mean_output_tokens_per_s * rep.traffic.peak_to_mean;
  rep.sizing.replicas = 0;
  for (const PoolPlan& p : pools) rep.sizing.replicas += p.report.replicas;
  rep.sizing.utilization = rep.sizing.mean_output_tokens_per_s / total_capacity;
  rep.utilization_method =
      o.fixed_replicas
          ? fmt::format(
                "measured by the simulator ({}): the share of the run its replicas were "
                "busy (shared/metrics.md)",
                o.from_basis)
      : simulate
          ? "simulated: each pool's busiest hour replayed through the serving simulator, with "
            "the fewest replicas whose mean TTFT and TPOT meet the targets; utilisation = "
            "mean output rate / the pools' capacity"
      : queueing ? "Erlang-C queueing model at the peak, sized so requests wait no longer than the "
                   "TTFT target allows; utilisation = mean output rate / the pools' capacity"
                 : "fluid queueing model: replicas = ceil(peak / capacity) per pool and region, "
                   "utilisation = mean / (replicas × capacity); `pertoken simulate` replays the "
                   "traffic for percentiles";
  for (const PoolPlan& p : pools) rep.pools.push_back(p.report);
  rep.as_of = o.as_of;
  rep.pue = o.pue.value_or(dc->pue);
  rep.pue_basis = o.pue ? "given with --pue" : fmt::format("data-centre profile '{}'", dc->id);

  // Energy over the pools.
  std::optional<double> joules = 0.0;
  for (const PoolPlan& p : pools) {
    const metrics::AcceleratorPower power = metrics::PowerOf(cat, *p.acc);
    if (!power.known) {
      joules.reset();
      rep.notes.push_back(
          fmt::format("the catalog has no TDP for {}: no energy figures", p.acc->id));
      break;
    }
    *joules += p.report.replicas * p.report.accelerators_per_replica *
               metrics::MeanPowerW(power, p.report.utilization) * rep.pue;
  }
  if (joules) *joules /= rep.sizing.mean_output_tokens_per_s;
  auto add = [&](report::CostOption opt, double usd_per_hour) {
    opt.spend = econ::SpendOf(usd_per_hour, rep.traffic);
    opt.utilization = rep.sizing.utilization;
    opt.joules_per_output_token = joules;
    rep.options.push_back(std::move(opt));
  };
  auto pool_name = [&](const PoolPlan& p) {
    return pools.size() == 1 ? std::string() : fmt::format("{} pool: ", p.report.role);
  };

  // Cloud: each pricing at the cheapest offer for each pool's accelerator; a pricing that some
  // pool's accelerator lacks is left out.
  // With --by-provider, each provider's own cheapest offer of each pricing is a row too.
  std::vector<std::vector<std::string>> provider_sets = {o.providers};
  if (o.by_provider) {
    for (const auto& list : cat.prices()) {
      if (o.providers.empty() ||
          std::find(o.providers.begin(), o.providers.end(), list.id) != o.providers.end()) {
        provider_sets.push_back({list.id});
      }
    }
  }
  std::set<std::string> priced;  // pricing + offers, so one offer is not listed twice
  for (const auto& providers : provider_sets) {
    // Each pool's offers under these providers, read once for every pricing.
    std::vector<std::vector<econ::PayOption>> clouds;
    for (const PoolPlan& p : pools) {
      clouds.push_back(econ::CloudOptions(cat, *p.acc, o.as_of, providers));
    }
    for (const std::string& pricing : econ::CloudPricings()) {
      double usd = 0;
      std::vector<std::string> offers, bases;
      std::string provider, source;
      bool all = true;
      for (size_t pool = 0; pool < pools.size(); ++pool) {
        const PoolPlan& p = pools[pool];
        const auto& cloud = clouds[pool];
        const econ::PayOption* pay = nullptr;
        const econ::PayOption* on_demand = nullptr;
        for (const auto& c : cloud) {
          if (c.pricing == pricing) pay = &c;
          if (c.pricing == "on_demand") on_demand = &c;
        }
        if (!pay) {
          all = false;
          break;
        }
        double per = pay->usd_per_accelerator_hour;
        std::string basis =
            fmt::format("{}${:.3f} per accelerator-hour, the cheapest of {} {} offer{}",
                        pool_name(p), per, pay->offers, pricing, pay->offers == 1 ? "" : "s");
        if (pricing == "spot") {
          // Interrupted capacity must be replaced: more spot hours for the same traffic.
          std::string loss;
          const double f = SpotLoss(cat, pay->provider, p.engine, p.replica.e2e_s, &loss);
          per /= 1 - f;
          basis += "; " + loss;
          if (o.spot_reserve_replicas > 0 && on_demand && p.report.role == "main") {
            usd += on_demand->usd_per_accelerator_hour * o.spot_reserve_replicas *
                   p.report.accelerators_per_replica;
            basis += fmt::format("; plus {} on-demand replica{} in reserve at ${:.3f}",
                                 o.spot_reserve_replicas, o.spot_reserve_replicas == 1 ? "" : "s",
                                 on_demand->usd_per_accelerator_hour);
          } else if (o.spot_reserve_replicas > 0 && p.report.role == "main") {
            rep.notes.push_back("spot: no on-demand offer to price the reserve replicas with");
          } else if (p.report.role == "main") {
            basis += "; no reserve held (a reclaimed replica's traffic waits for its restart)";
          }
        }
        usd += per * p.report.replicas * p.report.accelerators_per_replica;
        offers.push_back(pay->offer);
        bases.push_back(basis);
        provider = provider.empty() || provider == pay->provider ? pay->provider : "mixed";
        source += (source.empty() ? "" : "; ") + pay->source;
      }
      if (!all) continue;
      if (!priced.insert(pricing + fmt::format("{}", fmt::join(offers, "+"))).second) continue;
      add({.pricing = pricing,
           .provider = provider,
           .offer = fmt::format("{}", fmt::join(offers, " + ")),
           .basis = fmt::format("{}", fmt::join(bases, "; ")),
           .source = source},
          usd);
    }
  }
  if (std::none_of(rep.options.begin(), rep.options.end(),
                   [](const report::CostOption& c) { return c.pricing == "on_demand"; })) {
    rep.notes.push_back(fmt::format("no on-demand offer for {} in the catalog{}", (*acc)->id,
                                    o.as_of.empty() ? "" : " dated " + o.as_of + " or earlier"));
  }
  if (o.usd_per_accelerator_hour) {
    int accelerators = 0;
    for (const PoolPlan& p : pools) {
      accelerators += p.report.replicas * p.report.accelerators_per_replica;
    }
    add({.pricing = "given",
         .offer = "the price given",
         .basis = fmt::format("${:.3f} per accelerator-hour, given with --usd-per-hour",
                              *o.usd_per_accelerator_hour)},
        *o.usd_per_accelerator_hour * accelerators);
  }

  // Owned: capex from the catalog's purchase offers (or --capex-usd) under the ownership terms.
  {
    const std::optional<double> kwh = o.usd_per_kwh ? o.usd_per_kwh : dc->usd_per_kwh;
    double usd = 0;
    std::vector<std::string> offers, sources;
    std::optional<econ::OwnedHour> main_hour;
    std::string missing;
    // The profiles' terms, with what the flags change.
    econ::OwnershipTerms terms = econ::TermsOf(*own, *dc, 0);
    terms.amortization_years = o.amortization_years.value_or(own->amortization_years);
    terms.cost_of_capital = o.cost_of_capital.value_or(own->cost_of_capital);
    terms.pue = rep.pue;
    terms.usd_per_kwh = kwh.value_or(0);
    for (const PoolPlan& p : pools) {
      const econ::PurchasePrice purchase = econ::PurchasePriceOf(cat, *p.acc, o.as_of);
      const metrics::AcceleratorPower power = metrics::PowerOf(cat, *p.acc);
      // --capex-usd prices the main pool's accelerator.
      const bool given = o.capex_usd && p.report.role == "main";
      if (!given && !purchase.known) {
        missing = fmt::format("owned: the catalog has no purchase price for {}; pass --capex-usd",
                              p.acc->id);
        break;
      }
      if (!power.known) {
        missing = fmt::format("owned: no TDP for {}, so no power and hosting costs", p.acc->id);
        break;
      }
      if (!kwh) {
        missing = fmt::format(
            "owned: data-centre profile '{}' has no electricity price; pass --usd-per-kwh", dc->id);
        break;
      }
      terms.capex_usd = given ? *o.capex_usd : purchase.capex_usd;
      const econ::OwnedHour hour = econ::OwnedCostPerHour(terms, power, p.report.utilization);
      if (!main_hour) main_hour = hour;
      usd += hour.total() * p.report.replicas * p.report.accelerators_per_replica;
      offers.push_back(fmt::format("{}${:.0f} per {} ({}) + {:.0f}% for the server", pool_name(p),
                                   terms.capex_usd, p.acc->id,
                                   given ? "given with --capex-usd" : purchase.basis,
                                   100 * terms.server_capex_fraction));
      sources.push_back(given ? "--capex-usd"
                              : fmt::format("{}", fmt::join(purchase.sources, "; ")));
    }
    if (!missing.empty()) {
      rep.notes.push_back(missing);
    } else {
      add({.pricing = "owned",
           .offer = fmt::format("{}", fmt::join(offers, " + ")),
           .basis = fmt::format(
               "{:g} years at {:.1f}% a year, maintenance {:.0f}% a year, server power ×{:.2f}, "
               "${:.3f}/kWh, ${:.0f}/kW-month colocation (ownership '{}', data centre '{}')",
               terms.amortization_years, 100 * terms.cost_of_capital,
               100 * terms.maintenance_fraction_per_year, terms.server_power_factor,
               terms.usd_per_kwh, terms.usd_per_kw_month, own->id, dc->id),
           .source = fmt::format("{}", fmt::join(sources, "; ")),
           .owned = main_hour},
          usd);
    }
  }

  // Hosted APIs serving the same model: each provider's cheapest dated offer (for untiered
  // traffic; a tiered mix has no single API to compare with).
  double cheapest_self = 0;
  std::string cheapest_name;
  for (const auto& opt : rep.options) {
    if (cheapest_self == 0 || opt.spend.usd_per_hour < cheapest_self) {
      cheapest_self = opt.spend.usd_per_hour;
      cheapest_name = opt.provider.empty() ? opt.pricing : opt.pricing + " " + opt.provider;
    }
  }
  if (tiered) {
    rep.notes.push_back("hosted APIs are compared with untiered traffic only");
  } else {
    const double in_per_out = rep.traffic.input_tokens_per_day / rep.traffic.output_tokens_per_day;
    // Each API price list's cheapest dated offer among those `matches` accepts.
    auto add_api_rows = [&](const std::function<bool(const catalog::ApiOffer&)>& matches,
                            const std::string& other_model) {
      int rows = 0;
      for (const auto& list : cat.api_prices()) {
        const catalog::ApiOffer* best = nullptr;
        double best_usd = 0;
        for (const auto& a : list.offers) {
          if (!matches(a) || !econ::DatedBy(a.as_of, o.as_of)) continue;
          const double usd = econ::ApiUsdPerDay(a, rep.traffic);
          if (!best || usd < best_usd) best = &a, best_usd = usd;
        }
        if (!best) continue;
        ++rows;
        report::CostOption opt{
            .pricing = "api",
            .provider = list.id,
            .offer = fmt::format("{} {} ({}){}", list.name, best->model_name, best->as_of,
                                 other_model.empty()
                                     ? ""
                                     : "; a different model: the catalog holds no quality "
                                       "comparison with the self-hosted one"),
            .basis = fmt::format(
                "${:g} per million input{} and ${:g} per million output tokens",
                best->input_usd_per_mtok,
                best->cached_input_usd_per_mtok && o.cached_input_share > 0
                    ? fmt::format(" (${:g} for the {:.0f}% cached)",
                                  *best->cached_input_usd_per_mtok, 100 * o.cached_input_share)
                    : "",
                best->output_usd_per_mtok),
            .source = best->source,
            .spend = econ::SpendOf(best_usd / 24, rep.traffic),
            .break_even_known = cheapest_self > 0,
            .break_even_against = "self-hosting (" + cheapest_name + ")",
            .other_model = other_model.empty() ? "" : best->model_name};
        if (cheapest_self > 0) {
          const double replica_usd_per_hour = cheapest_self / rep.sizing.replicas;
          opt.break_even_output_tokens_per_day = econ::BreakEvenOutputTokensPerDay(
              *best, in_per_out, rep.traffic.cached_input_share, replica_usd_per_hour,
              main.capacity.output_tokens_per_s * econ::kSecondsPerDay / rep.traffic.peak_to_mean);
        }
        rep.options.push_back(std::move(opt));
      }
      return rows;
    };
    if (!rep.model.empty()) {
      add_api_rows([&](const catalog::ApiOffer& a) { return a.model == rep.model; }, "");
    }
    for (const std::string& name : o.api_models) {
      const std::string wanted = NormalizeName(name);
      const int rows = add_api_rows(
          [&](const catalog::ApiOffer& a) {
            return a.model != rep.model &&
                   (NormalizeName(a.model_name) == wanted || (!a.model.empty() && a.model == name));
          },
          name);
      if (rows == 0) {
        std::vector<NamedId> names;
        for (const auto& list : cat.api_prices()) {
          for (const auto& a : list.offers) names.push_back({a.model_name, a.model_name});
        }
        return Status::InvalidArgument(fmt::format("--api-model: no API offer for '{}'{}", name,
                                                   DidYouMean(ClosestIds(name, names))));
      }
    }
  }
  // Blended prices (shared/metrics.md): each self-hosted row split at the input/output price
  // ratio of the cheapest API compared.
  const report::CostOption* cheapest_api = nullptr;
  const catalog::ApiOffer* cheapest_api_offer = nullptr;
  for (const auto& opt : rep.options) {
    if (opt.pricing != "api" || !opt.other_model.empty()) continue;
    if (!cheapest_api || opt.spend.usd_per_hour < cheapest_api->spend.usd_per_hour) {
      cheapest_api = &opt;
    }
  }
  if (cheapest_api) {
    for (const auto& list : cat.api_prices()) {
      if (list.id != cheapest_api->provider) continue;
      for (const auto& a : list.offers) {
        if (a.model == rep.model && econ::DatedBy(a.as_of, o.as_of) &&
            (!cheapest_api_offer || econ::ApiUsdPerDay(a, rep.traffic) <
                                        econ::ApiUsdPerDay(*cheapest_api_offer, rep.traffic))) {
          cheapest_api_offer = &a;
        }
      }
    }
  }
  if (cheapest_api_offer && cheapest_api_offer->output_usd_per_mtok > 0) {
    const double ratio =
        cheapest_api_offer->input_usd_per_mtok / cheapest_api_offer->output_usd_per_mtok;
    rep.blend_basis = fmt::format(
        "{}'s input/output price ratio, {:.3g} (${:g} / ${:g} per million)", cheapest_api->provider,
        ratio, cheapest_api_offer->input_usd_per_mtok, cheapest_api_offer->output_usd_per_mtok);
    for (auto& opt : rep.options) {
      if (opt.pricing == "api") continue;
      opt.blended = econ::BlendAtRatio(opt.spend.usd_per_hour * 24, rep.traffic, ratio);
    }
  }
  if (rep.options.empty()) {
    return Status::InvalidArgument(
        fmt::format("nothing to price for {}: no offer in the catalog{}; pass --usd-per-hour or "
                    "--capex-usd",
                    (*acc)->id, o.as_of.empty() ? "" : " dated " + o.as_of));
  }
  std::stable_sort(rep.options.begin(), rep.options.end(), [](const auto& a, const auto& b) {
    return a.spend.usd_per_million_output_tokens < b.spend.usd_per_million_output_tokens;
  });
  return rep;
}

Result<TraceTraffic> LoadTraceTraffic(const std::string& trace, const std::string& traces_dir) {
  std::string path = trace;
  if (trace.find('/') == std::string::npos && !trace.ends_with(".csv")) {
    auto builtin = workload::BuiltinTracePath(trace, traces_dir);
    if (builtin.ok()) {
      path = *builtin;
    } else if (!std::filesystem::is_regular_file(trace)) {
      return Status::InvalidArgument("--trace: " + builtin.status().message());
    }
  }
  auto read = workload::ReadTrace(path);
  if (!read.ok()) return Status::InvalidArgument("--trace: " + read.status().message());
  auto requests = workload::Replay(read->requests, {});
  if (!requests.ok() || requests->size() < 2) {
    return Status::InvalidArgument(fmt::format("--trace {}: fewer than two requests", trace));
  }
  TraceTraffic t{.requests = std::move(requests).value()};
  double in = 0, out = 0;
  for (const auto& r : t.requests) {
    in += static_cast<double>(r.input_tokens);
    out += static_cast<double>(r.output_tokens);
  }
  const double n = static_cast<double>(t.requests.size());
  t.mean_input_tokens = std::max<int64_t>(1, std::llround(in / n));
  t.mean_output_tokens = std::max<int64_t>(1, std::llround(out / n));
  t.span_s = t.requests.back().arrival_s - t.requests.front().arrival_s;
  if (t.span_s <= 0) {
    return Status::InvalidArgument(fmt::format("--trace {}: every request arrives at once", trace));
  }
  t.output_tokens_per_s = out / t.span_s;
  t.input_tokens_per_s = in / t.span_s;
  return t;
}

Status ApplyResultFile(const std::string& path, CostOptions* o) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument(fmt::format("--from: {}: cannot open", path));
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument(fmt::format("--from: {}: not JSON", path));
  }
  auto number = [&](const nlohmann::json& obj, const char* key) -> std::optional<double> {
    if (!obj.contains(key) || !obj[key].is_number()) return std::nullopt;
    return obj[key].get<double>();
  };
  auto text = [&](const nlohmann::json& obj, const char* key) {
    return obj.contains(key) && obj[key].is_string() ? obj[key].get<std::string>() : "";
  };
  if (!o->deployment.model.empty() || !o->deployment.accelerator.empty() ||
      o->output_tokens_per_s || o->input_tokens || o->output_tokens) {
    return Status::InvalidArgument(
        "--from gives the deployment, its lengths and its throughput: not with --model, "
        "--accelerator, --input-len, --output-len or --output-tokens-per-s");
  }
  nlohmann::json d;
  if (j.contains("fleet") && j["fleet"].is_object()) {  // pertoken simulate --json
    const auto& groups = j["fleet"]["deployments"];
    if (!groups.is_array() || groups.size() != 1) {
      return Status::InvalidArgument(fmt::format(
          "--from: {}: a simulated fleet of {} replica groups; cost takes one group (price "
          "heterogeneous fleets with `pertoken simulate`)",
          path, groups.is_array() ? groups.size() : 0));
    }
    d = groups[0];
    const auto out = number(j, "output_tokens_per_s");
    const auto in_rate = number(j, "input_tokens_per_s");
    const auto busy = number(j, "busy_fraction");
    const auto replicas = number(d, "replicas");
    if (!out || !in_rate || !busy || !replicas || *out <= 0 || *busy <= 0) {
      return Status::InvalidArgument(fmt::format(
          "--from: {}: a simulate result needs output_tokens_per_s, input_tokens_per_s, "
          "busy_fraction and the group's replicas",
          path));
    }
    if (o->output_tokens_per_day || o->requests_per_day || o->input_tokens_per_day) {
      return Status::InvalidArgument(
          "--from a simulate result: the traffic is the simulated run's; no traffic flags");
    }
    o->fixed_replicas = static_cast<int>(*replicas);
    o->measured_utilization = *busy;
    o->output_tokens_per_day = *out * econ::kSecondsPerDay;
    o->input_tokens_per_day = *in_rate * econ::kSecondsPerDay;
    // One replica's capacity such that mean / (replicas × capacity) is the measured busy share.
    o->output_tokens_per_s = *out / *replicas / *busy;
    o->from_basis = path;
  } else if (j.contains("output_tokens_per_s") && j.contains("model")) {  // estimate --json
    d = j;
    const auto out = number(j, "output_tokens_per_s");
    if (!out || *out <= 0 || !j.value("ok", false)) {
      return Status::InvalidArgument(
          fmt::format("--from: {}: the estimate did not serve its load (ok is false)", path));
    }
    o->output_tokens_per_s = *out;
    if (auto v = number(j, "input_tokens")) o->input_tokens = static_cast<int64_t>(*v);
    if (auto v = number(j, "output_tokens")) o->output_tokens = static_cast<int64_t>(*v);
    o->from_basis = path;
  } else {
    return Status::InvalidArgument(fmt::format(
        "--from: {}: neither a `pertoken estimate --json` nor a `pertoken simulate --json` "
        "result",
        path));
  }
  o->deployment.model = text(d, "model");
  o->deployment.accelerator = text(d, "accelerator");
  if (auto c = number(d, "count")) o->deployment.count = static_cast<int>(*c);
  if (!text(d, "engine").empty()) o->deployment.engine = text(d, "engine");
  if (!text(d, "weights_format").empty()) o->deployment.weights = text(d, "weights_format");
  if (o->deployment.model.empty() || o->deployment.accelerator.empty()) {
    return Status::InvalidArgument(
        fmt::format("--from: {}: the result names no model or accelerator", path));
  }
  return Status();
}

int RunCost(const catalog::Catalog& cat, const CostOptions& o, std::ostream& out,
            std::ostream& err) {
  auto rep = EvaluateCost(cat, o);
  if (!rep.ok()) return Fail(err, rep.status().message());
  if (o.json) {
    out << report::CostJson(*rep).dump(2) << "\n";
  } else {
    out << report::CostText(*rep);
  }
  return kExitOk;
}

}  // namespace pertoken::cli
