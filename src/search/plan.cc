#include "search/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <tuple>

#include "econ/ownership.h"
#include "econ/ways_to_pay.h"
#include "metrics/power.h"
#include "perf/serving.h"

namespace pertoken::search {

QualityLoss QualityLossOf(const catalog::QuantFormat& f, const catalog::Model& model) {
  if (f.bits >= 16) return {.known = true, .loss = 0, .basis = "16-bit: the reference"};
  auto loss_of = [](const catalog::QualityResult& r) {
    if (r.baseline_value == 0) return 0.0;
    const double rel = r.higher_is_better
                           ? (r.baseline_value - r.quantized_value) / r.baseline_value
                           : (r.quantized_value - r.baseline_value) / r.baseline_value;
    return std::max(0.0, rel);
  };
  double own = -1, any = -1;
  int own_n = 0, any_n = 0;
  for (const auto& r : f.results) {
    any = std::max(any, loss_of(r));
    ++any_n;
    if (r.model == model.id) {
      own = std::max(own, loss_of(r));
      ++own_n;
    }
  }
  if (own_n > 0) {
    return {.known = true,
            .loss = own,
            .basis = fmt::format("the worst of its {} published result{} on {}", own_n,
                                 own_n == 1 ? "" : "s", model.id)};
  }
  if (any_n > 0) {
    return {.known = true,
            .loss = any,
            .basis = fmt::format("no result on {}: the worst of its {} results on other models",
                                 model.id, any_n)};
  }
  return {.known = false, .basis = "no published result in the catalog"};
}

namespace {

// A format a role may use, with its quality loss on the model (judged once, not per layout).
struct Allowed {
  const catalog::QuantFormat* format = nullptr;
  double loss = 0;
};

// The formats a role may use within the quality limit.
std::vector<Allowed> Formats(const catalog::Catalog& cat, const catalog::Model& model, bool kv,
                             double max_loss, int64_t* excluded) {
  std::vector<Allowed> out;
  for (const auto& f : cat.quant_formats()) {
    if (kv ? !f.for_kv : !f.for_weights) continue;
    const QualityLoss q = QualityLossOf(f, model);
    if (!q.known || q.loss > max_loss) {
      ++*excluded;
      continue;
    }
    // Formats that store and compute alike (fp16 and bf16) screen once: they cost the same.
    if (std::any_of(out.begin(), out.end(), [&](const Allowed& g) {
          return g.format->BitsPerElement() == f.BitsPerElement() && g.format->bits >= 16 &&
                 f.bits >= 16;
        })) {
      continue;
    }
    out.push_back({&f, q.loss});
  }
  return out;
}

// The accelerator runs the format's matrix multiplies: it has a rate for its compute precision
// (16-bit compute always has one).
bool Runs(const catalog::Accelerator& acc, const catalog::QuantFormat& f) {
  const std::string& p = f.compute_precision;
  return p.empty() || p == "bf16" || p == "fp16" || acc.peak_flops_per_s.count(p) > 0;
}

// One configuration as one role of disaggregated serving, at its capacity point.
struct RoleCandidate {
  const catalog::Accelerator* accelerator = nullptr;
  int count = 0;
  perf::Layout layout;
  const catalog::Engine* engine = nullptr;
  double concurrency = 0;
  double requests_per_s = 0;  // one replica's capacity
  double latency_s = 0;       // prefill: mean TTFT; decode: the decode step (TPOT without the
                              // KV transfer)
  double kv_bytes_per_token = 0;
  std::vector<econ::PayOption> pays;
};

// The largest requests in flight on a decode replica whose decode step (every sequence at the
// mean context of a request's decode) takes at most `budget_s`; 0 when one does not.
int64_t DecodeCapacity(const perf::Deployment& d, const perf::FitResult& fit, int64_t input,
                       int64_t output, double budget_s, double* step_s) {
  auto step = [&](int64_t c) {
    const perf::StepShape shape{
        .decode_sequences = c,
        .decode_context = static_cast<double>(input) + static_cast<double>(output) / 2};
    return perf::PredictStep(d, shape).total_s;
  };
  const auto max_c = static_cast<int64_t>(std::floor(perf::MaxConcurrency(d, fit)));
  if (max_c < 1) return 0;
  double at_lo = step(1);
  if (at_lo > budget_s) return 0;
  int64_t lo = 1, hi = max_c;
  if (const double at_hi = step(hi); at_hi <= budget_s) {
    *step_s = at_hi;
    return hi;
  }
  while (hi - lo > 1) {  // step time grows with the batch
    const int64_t mid = lo + (hi - lo) / 2;
    if (const double t = step(mid); t <= budget_s) {
      lo = mid;
      at_lo = t;
    } else {
      hi = mid;
    }
  }
  *step_s = at_lo;
  return lo;
}

using RolePair = std::pair<std::vector<RoleCandidate>, std::vector<RoleCandidate>>;

// A configuration as a prefill replica (prompts with one output token, at the most in flight
// whose mean TTFT meets the target) and as a decode replica (KV caches arriving ready, at the
// largest batch whose decode step meets the TPOT target less the KV transfer over the network,
// the slowest link a pairing can give).
void AddRoles(const perf::Deployment& d, const perf::FitResult& fit, int count, const PlanQuery& q,
              const std::vector<econ::PayOption>& pays, RolePair* roles, ScreenStats* st) {
  st->configurations += static_cast<int64_t>(2 * pays.size());
  st->fitting += static_cast<int64_t>(2 * pays.size());
  const RoleCandidate base{.accelerator = d.accelerator,
                           .count = count,
                           .layout = d.layout,
                           .engine = d.engine,
                           .kv_bytes_per_token = fit.kv_bytes_per_token,
                           .pays = pays};
  // Prefill: steps of a full token budget (whole prompts, or chunks of a long one at their mean
  // past) give the replica's prompt throughput; a prompt's TTFT is its own steps alone plus an
  // M/D/1 wait at utilisation rho, the largest rho whose TTFT meets the target.
  const int64_t budget = std::max<int64_t>(1, d.engine->MaxBatchedTokens(*d.accelerator));
  const int64_t chunk = std::min(q.input_tokens, budget);
  const int64_t chunks = (q.input_tokens + budget - 1) / budget;
  const int64_t past = (q.input_tokens - chunk) / 2;
  const int64_t together = std::max<int64_t>(1, budget / q.input_tokens);
  const double full_step_s =
      perf::PredictStep(
          d, {.prefill_sequences = together, .prefill_tokens = chunk, .prefill_past = past})
          .total_s;
  const double alone_s =
      static_cast<double>(chunks) *
      perf::PredictStep(d, {.prefill_sequences = 1, .prefill_tokens = chunk, .prefill_past = past})
          .total_s;
  const double tokens_per_s = static_cast<double>(together * chunk) / full_step_s;
  const double service_s = static_cast<double>(q.input_tokens) / tokens_per_s;
  if (const double k = (q.slo_ttft_s - alone_s) / service_s; k > 0) {
    const double rho = std::min(0.95, 2 * k / (1 + 2 * k));
    RoleCandidate c = base;
    c.requests_per_s = rho / service_s;
    c.latency_s = alone_s + rho * service_s / (2 * (1 - rho));
    c.concurrency = c.requests_per_s * c.latency_s;  // Little's law: prompts in the replica
    roles->first.push_back(std::move(c));
  }
  const double network_s = static_cast<double>(q.input_tokens) * fit.kv_bytes_per_token /
                           (perf::HostLinkBytesPerSecond(*d.accelerator) * count);
  const auto steps = static_cast<double>(q.output_tokens - 1);
  double step_s = 0;
  const int64_t batch = DecodeCapacity(d, fit, q.input_tokens, q.output_tokens,
                                       q.slo_tpot_s - network_s / steps, &step_s);
  if (batch > 0) {
    RoleCandidate c = base;
    c.concurrency = static_cast<double>(batch);
    c.requests_per_s = static_cast<double>(batch) / (steps * step_s);
    c.latency_s = step_s;
    roles->second.push_back(std::move(c));
  }
}

// The cheapest fleet of one role for `requests_per_s`: replicas × accelerators × price.
struct RoleChoice {
  const RoleCandidate* candidate = nullptr;
  const econ::PayOption* pay = nullptr;
  int replicas = 0;
  double usd_per_hour = INFINITY;
};

// The cheapest fleet of each role under each way to pay (pricing and provider: both pools rent
// from the same one), over all accelerators (key accelerator nullptr) and per accelerator.
using ChoiceKey = std::tuple<std::string, std::string, const catalog::Accelerator*>;
std::map<ChoiceKey, RoleChoice> Cheapest(const std::vector<RoleCandidate>& candidates,
                                         double requests_per_s) {
  std::map<ChoiceKey, RoleChoice> best;
  for (const RoleCandidate& c : candidates) {
    const int n =
        std::max(1, static_cast<int>(std::ceil(requests_per_s / c.requests_per_s - 1e-9)));
    for (const econ::PayOption& pay : c.pays) {
      const double usd = n * c.count * pay.usd_per_accelerator_hour;
      for (const catalog::Accelerator* a :
           {static_cast<const catalog::Accelerator*>(nullptr), c.accelerator}) {
        RoleChoice& b = best[{pay.pricing, pay.provider, a}];
        if (usd < b.usd_per_hour)
          b = {.candidate = &c, .pay = &pay, .replicas = n, .usd_per_hour = usd};
      }
    }
  }
  return best;
}

// Disaggregated plans of one weight and KV format: the cheapest prefill pool with the cheapest
// decode pool (their costs add and each role meets its own target, so the cheapest pair is the
// pair of the cheapest), under each way to pay, across accelerator types and on each one alone.
void PairRoles(const RolePair& roles, const catalog::QuantFormat* w, const catalog::QuantFormat* kv,
               double quality_loss, const PlanQuery& q, std::vector<Plan>* plans, ScreenStats* st) {
  const double peak_output_per_s =
      q.traffic.output_tokens_per_day / econ::kSecondsPerDay * q.traffic.peak_to_mean;
  const double peak_requests_per_s = peak_output_per_s / static_cast<double>(q.output_tokens);
  const auto prefills = Cheapest(roles.first, peak_requests_per_s);
  const auto decodes = Cheapest(roles.second, peak_requests_per_s);
  const auto steps = static_cast<double>(q.output_tokens - 1);
  for (const auto& [key, d] : decodes) {
    const auto p_it = prefills.find(key);
    if (p_it == prefills.end()) continue;
    const RoleChoice& p = p_it->second;
    const RoleCandidate& dc = *d.candidate;
    const RoleCandidate& pc = *p.candidate;
    const double transfer_s =
        static_cast<double>(q.input_tokens) * dc.kv_bytes_per_token /
        perf::KvTransferBytesPerSecond(*pc.accelerator, pc.count, *dc.accelerator, dc.count);
    const double tpot_s = dc.latency_s + transfer_s / steps;
    if (tpot_s > q.slo_tpot_s) continue;  // a slower network than the decode side assumed
    Plan plan{.accelerator = dc.accelerator,
              .count = dc.count,
              .layout = dc.layout,
              .weights = w,
              .kv = kv,
              .engine = dc.engine,
              .quality_loss = quality_loss,
              .concurrency = dc.concurrency,
              .output_tokens_per_s = dc.concurrency / dc.latency_s,
              .ttft_s = pc.latency_s,
              .tpot_s = tpot_s,
              .meets_slo = true,
              .replicas = d.replicas,
              .pricing = d.pay->pricing,
              .provider = d.pay->provider,
              .offer = d.pay->offer,
              .usd_per_accelerator_hour = d.pay->usd_per_accelerator_hour,
              .usd_per_hour = d.usd_per_hour + p.usd_per_hour,
              .kv_transfer_s = transfer_s};
    plan.utilization =
        peak_requests_per_s / q.traffic.peak_to_mean / (d.replicas * dc.requests_per_s);
    plan.prefill = PrefillPool{.accelerator = pc.accelerator,
                               .count = pc.count,
                               .layout = pc.layout,
                               .engine = pc.engine,
                               .concurrency = pc.concurrency,
                               .requests_per_s = pc.requests_per_s,
                               .replicas = p.replicas,
                               .usd_per_accelerator_hour = p.pay->usd_per_accelerator_hour,
                               .offer = p.pay->offer};
    const econ::Spend spend = econ::SpendOf(plan.usd_per_hour, q.traffic);
    plan.usd_per_million_output_tokens = spend.usd_per_million_output_tokens;
    plan.monthly_usd = spend.monthly_usd;
    // Per accelerator: only where both pools are that accelerator and differ from the overall
    // pair.
    const catalog::Accelerator* only = std::get<2>(key);
    if (only && (pc.accelerator != only || dc.accelerator != only)) continue;
    if (only) {
      const auto overall = decodes.find({std::get<0>(key), std::get<1>(key), nullptr});
      const auto overall_p = prefills.find({std::get<0>(key), std::get<1>(key), nullptr});
      if (overall->second.candidate == &dc && overall_p != prefills.end() &&
          overall_p->second.candidate == &pc) {
        continue;
      }
    }
    ++st->meeting;
    plans->push_back(std::move(plan));
  }
}

}  // namespace

CapacityPoint FindCapacityPoint(perf::ServingQuery q, const perf::FitResult& fit,
                                double ttft_target_s, double tpot_target_s) {
  auto at = [&](double c) {
    q.concurrency = c;
    return perf::PredictServing(q, fit);
  };
  auto meets = [&](const perf::ServingResult& r) {
    return r.ok && r.ttft_s <= ttft_target_s && r.tpot_s <= tpot_target_s;
  };
  CapacityPoint cp{.result = at(1)};
  const double max_c = std::floor(perf::MaxConcurrency(q.deployment, fit));
  if (max_c < 1 || !meets(cp.result)) return cp;
  cp.met = true;
  double lo = 1, hi = max_c;
  perf::ServingResult at_hi = at(hi);
  if (meets(at_hi)) {
    cp.concurrency = hi;
    cp.result = at_hi;
    return cp;
  }
  auto slack = [&](const perf::ServingResult& r) {
    return std::min(ttft_target_s - r.ttft_s, tpot_target_s - r.tpot_s);
  };
  // Illinois: when the same end stays twice, halve its weight so the guesses close in from both
  // sides; a guess that does not shrink the bracket falls back to the midpoint.
  double s_lo = slack(cp.result), s_hi = slack(at_hi);
  int side = 0;
  while (hi - lo > 1) {
    double guess = std::round(lo + (hi - lo) * s_lo / (s_lo - s_hi));
    if (!(guess > lo && guess < hi) || !std::isfinite(guess)) guess = std::floor((lo + hi) / 2);
    perf::ServingResult r = at(guess);
    if (meets(r)) {
      lo = guess;
      s_lo = slack(r);
      cp.result = r;
      if (side == 1) s_hi /= 2;
      side = 1;
    } else {
      hi = guess;
      s_hi = slack(r);
      if (side == -1) s_lo /= 2;
      side = -1;
    }
  }
  cp.concurrency = lo;
  return cp;
}

std::vector<Plan> Screen(const catalog::Catalog& cat, const PlanQuery& q, ScreenStats* stats) {
  ScreenStats local;
  ScreenStats& st = stats ? *stats : local;
  st = {};
  const catalog::Model& model = *q.model;
  std::vector<const catalog::Accelerator*> accs = q.accelerators;
  if (accs.empty()) {
    for (const auto& a : cat.accelerators()) accs.push_back(&a);
  }
  const auto weights = Formats(cat, model, false, q.max_quality_loss, &st.quality_excluded);
  const auto kvs = Formats(cat, model, true, q.max_quality_loss, &st.quality_excluded);
  const int64_t tokens = q.input_tokens + q.output_tokens;
  // Each configuration with and without speculative decoding, when the query gives one.
  // Each configuration under every serving policy the query asks for: continuous batching without
  // speculative decoding, and with it, and static batching of both when asked.
  struct Policy {
    std::optional<perf::SpecDecode> spec;
    bool static_batching = false;
  };
  std::vector<Policy> specs = {{}};
  if (q.spec) specs.push_back({.spec = q.spec});
  if (q.static_batching) {
    const size_t n = specs.size();
    for (size_t i = 0; i < n; ++i)
      specs.push_back({.spec = specs[i].spec, .static_batching = true});
  }
  const double peak =
      q.traffic.output_tokens_per_day / econ::kSecondsPerDay * q.traffic.peak_to_mean;
  std::vector<Plan> plans;
  // Disaggregated serving: each configuration as a prefill and as a decode replica, by format.
  const bool disaggregate = q.disaggregated && q.output_tokens > 1;
  std::map<std::pair<const catalog::QuantFormat*, const catalog::QuantFormat*>,
           std::pair<std::vector<RoleCandidate>, std::vector<RoleCandidate>>>
      roles;

  for (const catalog::Accelerator* acc : accs) {
    if (!acc->memory_bytes) continue;
    // Its price under each pricing asked for.
    std::vector<econ::PayOption> pays;
    for (const auto& p : econ::CloudOptions(cat, *acc, q.as_of, q.providers)) {
      if (std::find(q.pricings.begin(), q.pricings.end(), p.pricing) != q.pricings.end()) {
        pays.push_back(p);
      }
    }
    // Owned: priced per plan (its energy follows its utilisation); the hourly figure here is at
    // full use, to rank the accelerators.
    std::optional<econ::OwnershipTerms> owned;
    const metrics::AcceleratorPower power = metrics::PowerOf(cat, *acc);
    if (std::find(q.pricings.begin(), q.pricings.end(), "owned") != q.pricings.end()) {
      const econ::PurchasePrice purchase = econ::PurchasePriceOf(cat, *acc, q.as_of);
      const catalog::Ownership& own = cat.DefaultOwnership();
      const catalog::Datacenter& dc = cat.DefaultDatacenter();
      if (purchase.known && power.known && dc.usd_per_kwh) {
        owned = econ::TermsOf(own, dc, purchase.capex_usd);
        pays.push_back(
            {.pricing = "owned",
             .provider = "",
             .offer = fmt::format("${:.0f} per accelerator ({}), ownership '{}'",
                                  purchase.capex_usd, purchase.basis, own.id),
             .usd_per_accelerator_hour = econ::OwnedCostPerHour(*owned, power, 1).total(),
             .source = purchase.basis});
      }
    }
    if (pays.empty()) continue;
    double cheapest = pays.front().usd_per_accelerator_hour;
    for (const auto& p : pays) cheapest = std::min(cheapest, p.usd_per_accelerator_hour);
    st.searched.emplace_back(acc, cheapest);
    const int64_t fitting_before = st.fitting;
    for (const catalog::Engine* engine : q.engines) {
      const catalog::Efficiency& eff = cat.EfficiencyOf(*acc, *engine);
      const int64_t max_context = perf::EngineMaxContext(*engine, model);
      if (tokens > max_context) continue;
      for (const auto& [w, w_loss] : weights) {
        if (!Runs(*acc, *w)) continue;
        for (const auto& [kv, kv_loss] : kvs) {
          for (int count : q.counts) {
            for (const perf::Layout& layout : perf::LayoutsFor(model, *acc, count)) {
              st.configurations += static_cast<int64_t>(pays.size() * specs.size());
              const perf::Precision precision{.weights = w, .expert_weights = w, .kv = kv};
              const perf::Deployment deployment{.model = &model,
                                                .accelerator = acc,
                                                .engine = engine,
                                                .efficiency = &eff,
                                                .precision = precision,
                                                .layout = layout};
              // The fit the serving model makes, made once for every load tried below.
              const perf::FitResult fit = perf::Fit(perf::FitRequestFor(deployment, tokens));
              if (!fit.fits) continue;
              st.fitting += static_cast<int64_t>(pays.size() * specs.size());
              if (disaggregate) {
                AddRoles(deployment, fit, count, q, pays, &roles[{w, kv}], &st);
              }
              for (const Policy& policy : specs) {
                perf::ServingQuery sq{.deployment = deployment,
                                      .input_tokens = q.input_tokens,
                                      .output_tokens = q.output_tokens,
                                      .regime = policy.static_batching
                                                    ? perf::Regime::kStaticBatch
                                                    : perf::Regime::kFixedConcurrency,
                                      .spec = policy.spec};
                Plan plan{.accelerator = acc,
                          .count = count,
                          .layout = layout,
                          .weights = w,
                          .kv = kv,
                          .engine = engine,
                          .spec_decode = policy.spec.has_value(),
                          .static_batching = policy.static_batching,
                          .quality_loss = std::max(w_loss, kv_loss)};
                const CapacityPoint cp = FindCapacityPoint(sq, fit, q.slo_ttft_s, q.slo_tpot_s);
                const perf::ServingResult& best = cp.result;
                if (!cp.met) {
                  plan.concurrency = 1;
                  plan.output_tokens_per_s = best.output_tokens_per_s;
                  plan.ttft_s = best.ttft_s;
                  plan.tpot_s = best.tpot_s;
                  std::string miss;
                  if (best.ttft_s > q.slo_ttft_s) {
                    miss = fmt::format("TTFT {:.0f} ms > {:.0f} ms", 1e3 * best.ttft_s,
                                       1e3 * q.slo_ttft_s);
                  }
                  if (best.tpot_s > q.slo_tpot_s) {
                    miss += fmt::format("{}TPOT {:.1f} ms > {:.1f} ms", miss.empty() ? "" : ", ",
                                        1e3 * best.tpot_s, 1e3 * q.slo_tpot_s);
                  }
                  plan.miss = miss.empty() ? best.reason : miss + " with one request alone";
                  for (const auto& pay : pays) {
                    Plan p = plan;
                    p.pricing = pay.pricing;
                    p.provider = pay.provider;
                    plans.push_back(p);
                  }
                  continue;
                }
                plan.meets_slo = true;
                plan.concurrency = cp.concurrency;
                plan.output_tokens_per_s = best.output_tokens_per_s;
                plan.ttft_s = best.ttft_s;
                plan.tpot_s = best.tpot_s;
                plan.replicas = std::max(
                    1, static_cast<int>(std::ceil(peak / best.output_tokens_per_s - 1e-9)));
                plan.utilization =
                    peak / q.traffic.peak_to_mean / (plan.replicas * best.output_tokens_per_s);
                st.meeting += static_cast<int64_t>(pays.size());
                for (const auto& pay : pays) {
                  Plan p = plan;
                  p.pricing = pay.pricing;
                  p.provider = pay.provider;
                  p.offer = pay.offer;
                  const double per_accelerator_hour =
                      pay.pricing == "owned"
                          ? econ::OwnedCostPerHour(*owned, power, p.utilization).total()
                          : pay.usd_per_accelerator_hour;
                  p.usd_per_accelerator_hour = per_accelerator_hour;
                  p.usd_per_hour = per_accelerator_hour * count * p.replicas;
                  const econ::Spend s = econ::SpendOf(p.usd_per_hour, q.traffic);
                  p.usd_per_million_output_tokens = s.usd_per_million_output_tokens;
                  p.monthly_usd = s.monthly_usd;
                  plans.push_back(p);
                }
              }
            }
          }
        }
      }
    }
    if (st.fitting == fitting_before) st.never_fit.push_back(acc);
  }
  if (disaggregate) {
    for (const auto& [formats, candidates] : roles) {
      const auto& [w, kv] = formats;
      const double loss = std::max(std::find_if(weights.begin(), weights.end(),
                                                [&](const Allowed& a) { return a.format == w; })
                                       ->loss,
                                   std::find_if(kvs.begin(), kvs.end(), [&](const Allowed& a) {
                                     return a.format == kv;
                                   })->loss);
      PairRoles(candidates, w, kv, loss, q, &plans, &st);
    }
  }
  // Meeting plans cheapest first (then fastest: a request's time); the others by how close
  // they came.
  const double out_tokens = static_cast<double>(q.output_tokens);
  std::stable_sort(plans.begin(), plans.end(), [&](const Plan& a, const Plan& b) {
    if (a.meets_slo != b.meets_slo) return a.meets_slo;
    const double la = a.ttft_s + out_tokens * a.tpot_s, lb = b.ttft_s + out_tokens * b.tpot_s;
    if (a.meets_slo && a.usd_per_million_output_tokens != b.usd_per_million_output_tokens) {
      return a.usd_per_million_output_tokens < b.usd_per_million_output_tokens;
    }
    return la < lb;
  });
  return plans;
}

std::vector<size_t> ParetoFront(const std::vector<Plan>& plans, int64_t output_tokens) {
  auto latency = [&](const Plan& p) {
    return p.ttft_s + static_cast<double>(output_tokens) * p.tpot_s;
  };
  std::vector<size_t> idx;
  for (size_t i = 0; i < plans.size(); ++i) {
    if (plans[i].meets_slo) idx.push_back(i);
  }
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
    const double ca = plans[a].usd_per_million_output_tokens;
    const double cb = plans[b].usd_per_million_output_tokens;
    return ca != cb ? ca < cb : latency(plans[a]) < latency(plans[b]);
  });
  std::vector<size_t> front;
  double best_latency = INFINITY;
  for (size_t i : idx) {
    if (latency(plans[i]) < best_latency) {
      front.push_back(i);
      best_latency = latency(plans[i]);
    }
  }
  return front;
}

}  // namespace pertoken::search
