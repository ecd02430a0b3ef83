#include "cli/plan_command.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>

#include "cli/cost_command.h"
#include "cli/spec_decode.h"
#include "cli/workload_flag.h"
#include "econ/ways_to_pay.h"
#include "report/plan_report.h"
#include "search/plan.h"
#include "sim/simulator.h"

namespace pertoken::cli {

namespace {

Status Positive(const char* flag, const std::optional<double>& v) {
  if (v && !(*v > 0 && std::isfinite(*v))) {
    return Status::InvalidArgument(fmt::format("{} must be a number > 0, got {:g}", flag, *v));
  }
  return Status();
}

std::string PlanName(const search::Plan& p) {
  return fmt::format("{} × {} (TP{}{}{}, {} weights, {} KV)", p.count, p.accelerator->id,
                     p.layout.tp, p.layout.pp > 1 ? fmt::format(" PP{}", p.layout.pp) : "",
                     p.layout.ep > 1 ? fmt::format(" EP{}", p.layout.ep) : "", p.weights->id,
                     p.kv->id);
}

// The request stream a plan is replayed with: the trace as it arrived, or Poisson arrivals at the
// peak rate for ten minutes (as `pertoken cost` sizes a pool).
Result<std::vector<workload::Request>> ReplayStream(const search::PlanQuery& q,
                                                    const PlanOptions& o) {
  if (!o.trace.empty()) {
    auto t = LoadTraceTraffic(o.trace, o.traces_dir);
    if (!t.ok()) return t.status();
    return std::move(t->requests);
  }
  const double rate = q.traffic.output_tokens_per_day / econ::kSecondsPerDay *
                      q.traffic.peak_to_mean / static_cast<double>(q.output_tokens);
  return PeakStream(rate, q.input_tokens, q.output_tokens);
}

// A disaggregated plan replayed in the simulator: its prefill and decode pools as the screen
// sized them (decode replicas admitting their capacity point, prefill replicas what the engine
// allows), then more replicas in the pool whose target the
// p99 misses (a quarter more, at least one; both pools when both miss) until p99 TTFT and TPOT
// meet the targets. The fleet is priced at the screen's per-accelerator prices.
report::VerifiedPlan VerifyDisaggregated(const catalog::Catalog& cat, const search::PlanQuery& q,
                                         const std::vector<workload::Request>& requests,
                                         const search::Plan& p, size_t index) {
  report::VerifiedPlan v{.plan = index};
  const search::PrefillPool& f = *p.prefill;
  const perf::Precision precision{.weights = p.weights, .expert_weights = p.weights, .kv = p.kv};
  auto deployment = [&](const catalog::Accelerator* acc, const catalog::Engine* engine,
                        const perf::Layout& layout) {
    return perf::Deployment{.model = q.model,
                            .accelerator = acc,
                            .engine = engine,
                            .efficiency = &cat.EfficiencyOf(*acc, *engine),
                            .precision = precision,
                            .layout = layout};
  };
  const sim::ReplicaSpec prefill{.deployment = deployment(f.accelerator, f.engine, f.layout),
                                 .role = sim::Role::kPrefill};
  const sim::ReplicaSpec decode{.deployment = deployment(p.accelerator, p.engine, p.layout),
                                .role = sim::Role::kDecode,
                                .max_num_seqs = static_cast<int64_t>(p.concurrency)};
  sim::FleetSpec fleet{.kv_transfer_bytes_per_s = perf::KvTransferBytesPerSecond(
                           *f.accelerator, f.count, *p.accelerator, p.count)};
  int n_prefill = f.replicas, n_decode = p.replicas;
  constexpr int kMaxRounds = 40;
  for (int round = 0; round < kMaxRounds; ++round) {
    fleet.replicas.assign(static_cast<size_t>(n_prefill), prefill);
    fleet.replicas.insert(fleet.replicas.end(), static_cast<size_t>(n_decode), decode);
    auto res = sim::Simulate(fleet, requests);
    if (!res.ok()) {
      v.error = res.status().message();
      return v;
    }
    v.ttft_mean_s = res->ttft.mean();
    v.ttft_p99_s = res->ttft.Quantile(0.99);
    v.tpot_mean_s = res->tpot.count() > 0 ? res->tpot.mean() : 0;
    v.tpot_p99_s = res->tpot.count() > 0 ? res->tpot.Quantile(0.99) : 0;
    const bool ttft_ok = v.ttft_p99_s <= q.slo_ttft_s;
    const bool tpot_ok = v.tpot_p99_s <= q.slo_tpot_s;
    if (ttft_ok && tpot_ok) {
      v.ok = true;
      break;
    }
    if (!ttft_ok) n_prefill += std::max(1, n_prefill / 4);
    if (!tpot_ok) n_decode += std::max(1, n_decode / 4);
  }
  if (!v.ok) {
    v.error = fmt::format(
        "the simulator finds no fleet within {} rounds of growth ({} prefill + {} decode "
        "replicas: p99 TTFT {:.0f} ms, TPOT {:.1f} ms)",
        kMaxRounds, n_prefill, n_decode, 1e3 * v.ttft_p99_s, 1e3 * v.tpot_p99_s);
    return v;
  }
  v.replicas = n_decode;
  v.prefill_replicas = n_prefill;
  v.usd_per_hour = n_prefill * f.count * f.usd_per_accelerator_hour +
                   n_decode * p.count * p.usd_per_accelerator_hour;
  const econ::Spend spend = econ::SpendOf(v.usd_per_hour, q.traffic);
  v.usd_per_million_output_tokens = spend.usd_per_million_output_tokens;
  v.monthly_usd = spend.monthly_usd;
  v.detail = fmt::format(
      "simulated ({} requests, {} prefill replicas, {} decode replicas at most {:g} in flight "
      "each, holding the p99 to the targets): mean TTFT {:.0f} ms, TPOT {:.1f} ms; p99 {:.0f} "
      "ms, {:.1f} ms",
      requests.size(), n_prefill, n_decode, p.concurrency, 1e3 * v.ttft_mean_s, 1e3 * v.tpot_mean_s,
      1e3 * v.ttft_p99_s, 1e3 * v.tpot_p99_s);
  return v;
}

// Why the accelerators cheaper per hour than the winner's lost, and how the winner moves when the
// traffic doubles or the targets relax by half (analytic screens).
void Explain(const catalog::Catalog& cat, const search::PlanQuery& q, const PlanOptions& o,
             report::PlanReport* rep) {
  const search::Plan* winner = nullptr;
  for (const auto& v : rep->verified) {
    if (v.ok) {
      winner = &rep->plans[v.plan];
      break;
    }
  }
  if (!winner && !rep->plans.empty() && rep->plans.front().meets_slo) winner = &rep->plans.front();
  if (!winner) return;
  double winner_price = 0;
  for (const auto& [acc, price] : rep->stats.searched) {
    if (acc == winner->accelerator) winner_price = price;
  }
  auto searched = rep->stats.searched;
  std::sort(searched.begin(), searched.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; });
  for (const auto& [acc, price] : searched) {
    if (price >= winner_price || acc == winner->accelerator || rep->why_not.size() >= 8) continue;
    const bool never = std::find(rep->stats.never_fit.begin(), rep->stats.never_fit.end(), acc) !=
                       rep->stats.never_fit.end();
    std::string why;
    if (never) {
      why = fmt::format(
          "{} does not fit on up to {} of them in any layout and precision within "
          "the quality limit",
          q.model->id, o.max_count);
    } else {
      const search::Plan* best = nullptr;
      for (const auto& p : rep->plans) {
        if (p.accelerator == acc) {
          best = &p;
          break;
        }
      }
      if (!best) continue;
      why = best->meets_slo
                ? fmt::format(
                      "meets the targets as {} but needs {} replicas: ${:.3f} per million "
                      "output tokens",
                      PlanName(*best), best->replicas, best->usd_per_million_output_tokens)
                : fmt::format("misses the targets: {} ({})", best->miss, PlanName(*best));
    }
    rep->why_not.push_back(fmt::format("{} (${:.2f}/h): {}", acc->id, price, why));
  }
  auto moved = [&](const char* what, search::PlanQuery changed) {
    const auto plans = search::Screen(cat, changed, nullptr);
    if (plans.empty() || !plans.front().meets_slo) {
      rep->what_if.push_back(fmt::format("{}: no configuration meets the targets", what));
      return;
    }
    const search::Plan& p = plans.front();
    rep->what_if.push_back(fmt::format("{}: {} replica{} of {}, ${:.3f} per million output tokens",
                                       what, p.replicas, p.replicas == 1 ? "" : "s", PlanName(p),
                                       p.usd_per_million_output_tokens));
  };
  search::PlanQuery doubled = q;
  doubled.traffic.output_tokens_per_day *= 2;
  doubled.traffic.input_tokens_per_day *= 2;
  moved("traffic doubled", doubled);
  search::PlanQuery relaxed = q;
  relaxed.slo_ttft_s *= 1.5;
  relaxed.slo_tpot_s *= 1.5;
  moved(fmt::format("targets relaxed by half (TTFT {:.0f} ms, TPOT {:.0f} ms)",
                    1e3 * relaxed.slo_ttft_s, 1e3 * relaxed.slo_tpot_s)
            .c_str(),
        relaxed);
}

}  // namespace

int RunPlanOn(const catalog::Catalog& cat, const PlanOptions& o, std::ostream& out,
              std::ostream& err);

int RunPlan(const catalog::Catalog& cat, const PlanOptions& o, std::ostream& out,
            std::ostream& err) {
  if (o.model.empty()) return Fail(err, "--model is required");
  // A trace is the traffic: its rates around the clock, its mean lengths for the screen.
  PlanOptions traced = o;
  // A benchmark workload: its mean lengths, and its Server limits when no target is given.
  if (!o.workload.empty()) {
    if (!o.trace.empty()) {
      return Fail(err, "contradictory flags: --trace and --workload both set the request lengths");
    }
    auto lengths = ApplyWorkload(cat, o.workload, o.input_tokens, o.output_tokens);
    if (!lengths.ok()) return Fail(err, lengths.status().message());
    const catalog::Workload& w = *lengths->workload;
    traced.input_tokens = lengths->input_tokens;
    traced.output_tokens = lengths->output_tokens;
    std::string note = DescribeWorkload(*lengths);
    if (!o.slo_ttft_s && !o.slo_tpot_s) {
      if (!w.server_ttft_p99_s || !w.server_tpot_p99_s) {
        return Fail(err, fmt::format("--workload {} defines no latency limits: give --slo-ttft "
                                     "and --slo-tpot",
                                     w.id));
      }
      traced.slo_ttft_s = w.server_ttft_p99_s;
      traced.slo_tpot_s = w.server_tpot_p99_s;
      note += fmt::format(
          "\ntargets: TTFT {:g} ms and TPOT {:g} ms, the p99 limits of its Server scenario (no "
          "--slo-ttft or --slo-tpot given)",
          *w.server_ttft_p99_s * 1e3, *w.server_tpot_p99_s * 1e3);
    }
    // JSON and CSV stay machine-readable: the note goes to stderr there.
    (o.json || o.csv ? err : out) << note << "\n" << (o.json || o.csv ? "" : "\n");
  }
  if (!o.trace.empty()) {
    if (o.output_tokens_per_day || o.requests_per_day || o.peak_to_mean != 1) {
      return Fail(err,
                  "--trace is the traffic, its peaks included: no --output-tokens-per-day, "
                  "--requests-per-day or --peak-to-mean");
    }
    auto t = LoadTraceTraffic(o.trace, o.traces_dir);
    if (!t.ok()) return Fail(err, t.status().message());
    if (!traced.input_tokens) traced.input_tokens = t->mean_input_tokens;
    if (!traced.output_tokens) traced.output_tokens = t->mean_output_tokens;
    traced.output_tokens_per_day = t->output_tokens_per_s * econ::kSecondsPerDay;
  }
  return RunPlanOn(cat, traced, out, err);
}

int RunPlanOn(const catalog::Catalog& cat, const PlanOptions& o, std::ostream& out,
              std::ostream& err) {
  if (!o.input_tokens || !o.output_tokens || *o.input_tokens < 1 || *o.output_tokens < 1) {
    return Fail(err, "--input-len and --output-len are required, each at least 1 token");
  }
  if (!o.slo_ttft_s || !o.slo_tpot_s) {
    return Fail(err,
                "--slo-ttft and --slo-tpot are required: the plan must meet both (--workload with "
                "neither takes its Server limits)");
  }
  for (Status s : {Positive("--slo-ttft", o.slo_ttft_s), Positive("--slo-tpot", o.slo_tpot_s),
                   Positive("--output-tokens-per-day", o.output_tokens_per_day),
                   Positive("--requests-per-day", o.requests_per_day)}) {
    if (!s.ok()) return Fail(err, s.message());
  }
  if (o.output_tokens_per_day.has_value() == o.requests_per_day.has_value()) {
    return Fail(err, "give the traffic: one of --output-tokens-per-day and --requests-per-day");
  }
  if (!(o.peak_to_mean >= 1)) {
    return Fail(err, fmt::format("--peak-to-mean must be at least 1, got {:g}", o.peak_to_mean));
  }
  if (!(o.max_quality_loss >= 0 && o.max_quality_loss < 1)) {
    return Fail(err, fmt::format("--max-quality-loss is a fraction in [0, 1), got {:g}",
                                 o.max_quality_loss));
  }
  if (o.max_count < 1 || o.max_count > 1024) {
    return Fail(err, fmt::format("--max-count must be from 1 to 1024, got {}", o.max_count));
  }
  if (o.disaggregate && *o.output_tokens < 2) {
    return Fail(err,
                "--disaggregate needs outputs of at least 2 tokens: with one, the prefill "
                "replica emits it and a decode pool has nothing to do");
  }
  auto model = cat.FindModel(o.model);
  if (!model.ok()) return Fail(err, "--model: " + model.status().message());
  if (*o.input_tokens + *o.output_tokens > (*model)->max_context_tokens) {
    return Fail(err, fmt::format("--input-len + --output-len exceeds the {}-token context of {}",
                                 (*model)->max_context_tokens, (*model)->id));
  }
  search::PlanQuery q{.model = *model,
                      .input_tokens = *o.input_tokens,
                      .output_tokens = *o.output_tokens,
                      .slo_ttft_s = *o.slo_ttft_s,
                      .slo_tpot_s = *o.slo_tpot_s,
                      .max_quality_loss = o.max_quality_loss,
                      .pricings = o.pricings,
                      .as_of = o.as_of};
  q.traffic = {.output_tokens_per_day = o.output_tokens_per_day.value_or(
                   o.requests_per_day.value_or(0) * static_cast<double>(*o.output_tokens)),
               .peak_to_mean = o.peak_to_mean};
  q.traffic.input_tokens_per_day = q.traffic.output_tokens_per_day *
                                   static_cast<double>(*o.input_tokens) /
                                   static_cast<double>(*o.output_tokens);
  for (const std::string& a : o.accelerators) {
    auto acc = cat.FindAccelerator(a);
    if (!acc.ok()) return Fail(err, "--accelerator: " + acc.status().message());
    q.accelerators.push_back(*acc);
  }
  for (const std::string& e : o.engines) {
    auto engine = cat.FindEngine(e);
    if (!engine.ok()) return Fail(err, "--engine: " + engine.status().message());
    q.engines.push_back(*engine);
  }
  for (const std::string& p : o.pricings) {
    auto known = econ::CloudPricings();
    known.push_back("owned");
    if (std::find(known.begin(), known.end(), p) == known.end()) {
      return Fail(err, fmt::format("--pricing '{}': one of {}", p, fmt::join(known, ", ")));
    }
  }
  for (const std::string& p : o.providers) {
    if (std::none_of(cat.prices().begin(), cat.prices().end(),
                     [&](const catalog::PriceList& l) { return l.id == p; })) {
      return Fail(err, fmt::format("--provider: unknown provider '{}' (see `pertoken catalog list "
                                   "prices`)",
                                   p));
    }
  }
  q.providers = o.providers;
  q.static_batching = o.static_batching;
  q.disaggregated = o.disaggregate;
  if (!o.spec_decode.empty()) {
    auto spec = ParseSpecDecode(cat, o.spec_decode);
    if (!spec.ok()) return Fail(err, "--spec-decode: " + spec.status().message());
    q.spec = *spec;
  }
  q.counts.clear();
  for (int c = 1; c <= o.max_count; c *= 2) q.counts.push_back(c);

  report::PlanReport rep{.query = q, .top = o.top};
  const auto start = std::chrono::steady_clock::now();
  rep.plans = search::Screen(cat, q, &rep.stats);
  rep.screen_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (rep.stats.searched.empty()) {
    return Fail(err, fmt::format("no accelerator searched has a price under {}{}{}: widen "
                                 "--pricing, --provider or --accelerator",
                                 fmt::join(o.pricings, ", "), o.providers.empty() ? "" : " from ",
                                 fmt::join(o.providers, ", ")));
  }
  if (rep.plans.empty()) {
    return Fail(err, fmt::format("{} fits on none of the {} accelerator{} searched with up to {} "
                                 "of them; raise --max-count or widen --accelerator",
                                 (*model)->id, rep.stats.searched.size(),
                                 rep.stats.searched.size() == 1 ? "" : "s", o.max_count));
  }
  rep.front = search::ParetoFront(rep.plans, q.output_tokens);
  // Replay the cheapest screened plans in the simulator, held to the targets on p99.
  const auto verify_start = std::chrono::steady_clock::now();
  std::optional<std::vector<workload::Request>> stream;  // loaded for the first disaggregated plan
  for (size_t i = 0; i < rep.plans.size() && static_cast<int>(rep.verified.size()) < o.verify;
       ++i) {
    const search::Plan& p = rep.plans[i];
    if (!p.meets_slo) break;
    if (p.prefill) {
      if (!stream) {
        auto s = ReplayStream(q, o);
        if (!s.ok()) return Fail(err, s.status().message());
        stream = std::move(s).value();
      }
      rep.verified.push_back(VerifyDisaggregated(cat, q, *stream, p, i));
      continue;
    }
    CostOptions c;
    c.deployment = {.model = q.model->id,
                    .accelerator = p.accelerator->id,
                    .engine = p.engine->id,
                    .weights = p.weights->id,
                    .kv = p.kv->id,
                    .count = p.count,
                    .tp = p.layout.tp,
                    .pp = p.layout.pp,
                    .ep = p.layout.ep};
    if (p.spec_decode) c.spec_decode = o.spec_decode;
    if (p.static_batching) c.batching = "static";
    c.input_tokens = q.input_tokens;
    c.output_tokens = q.output_tokens;
    c.slo_ttft_s = q.slo_ttft_s;
    c.slo_tpot_s = q.slo_tpot_s;
    if (o.trace.empty()) {
      c.output_tokens_per_day = q.traffic.output_tokens_per_day;
      c.peak_to_mean = q.traffic.peak_to_mean;
    } else {
      c.trace = o.trace;  // replayed as it is
      c.traces_dir = o.traces_dir;
    }
    c.as_of = q.as_of;
    if (!p.provider.empty()) c.providers = {p.provider};
    c.sizing = "simulate";
    c.slo_statistic = "p99";
    report::VerifiedPlan v{.plan = i};
    auto cost = EvaluateCost(cat, c);
    if (!cost.ok()) {
      v.error = cost.status().message();
    } else {
      for (const auto& opt : cost->options) {
        if (opt.pricing != p.pricing || opt.provider != p.provider) continue;
        v.ok = true;
        v.replicas = cost->sizing.replicas;
        v.usd_per_hour = opt.spend.usd_per_hour;
        v.usd_per_million_output_tokens = opt.spend.usd_per_million_output_tokens;
        v.monthly_usd = opt.spend.monthly_usd;
        v.detail = cost->pools.empty() ? "" : cost->pools.front().sizing;
        if (!cost->pools.empty()) {
          const auto& pool = cost->pools.front();
          v.ttft_mean_s = pool.sim_ttft_mean_s.value_or(0);
          v.ttft_p99_s = pool.sim_ttft_p99_s.value_or(0);
          v.tpot_mean_s = pool.sim_tpot_mean_s.value_or(0);
          v.tpot_p99_s = pool.sim_tpot_p99_s.value_or(0);
          v.occupancy = pool.sim_occupancy;
          v.occupancy_interval_s = pool.sim_occupancy_interval_s;
        }
      }
      if (!v.ok) v.error = "the way to pay was not priced again";
    }
    rep.verified.push_back(v);
  }
  rep.verify_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - verify_start).count();
  std::stable_sort(rep.verified.begin(), rep.verified.end(),
                   [](const report::VerifiedPlan& a, const report::VerifiedPlan& b) {
                     if (a.ok != b.ok) return a.ok;
                     return a.usd_per_million_output_tokens < b.usd_per_million_output_tokens;
                   });
  Explain(cat, q, o, &rep);
  if (!o.report_html.empty()) {
    std::ofstream html(o.report_html);
    html << report::PlanHtml(rep);
    if (!html) return Fail(err, fmt::format("--report: cannot write {}", o.report_html));
  }
  if (o.csv) {
    out << report::PlanCsv(rep);
  } else if (o.json) {
    out << report::PlanJson(rep).dump(2) << "\n";
  } else {
    out << report::PlanText(rep);
  }
  return rep.plans.front().meets_slo ? kExitOk : kExitFailure;
}

}  // namespace pertoken::cli
