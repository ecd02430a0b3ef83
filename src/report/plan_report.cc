#include "report/plan_report.h"

#include <fmt/format.h>

#include <algorithm>

#include "report/format.h"

namespace pertoken::report {

namespace {

std::string LayoutText(const perf::Layout& l) {
  std::string s = fmt::format("TP{}", l.tp);
  if (l.pp > 1) s += fmt::format(" PP{}", l.pp);
  if (l.ep > 1) s += fmt::format(" EP{}", l.ep);
  return s;
}

std::string Row(const search::Plan& p, size_t rank) {
  return fmt::format(
      "{:>4}  {:<20} {:<10} {:<10} {:<8} {:<8} {:>6.0f} {:>8.0f} {:>7.1f} {:>8} {:>6} {:<20} "
      "{:>9} {:>8} {:>10}",
      rank, fmt::format("{} × {}", p.count, p.accelerator->id), LayoutText(p.layout), p.weights->id,
      p.kv->id, p.engine->id + (p.spec_decode ? "+SD" : "") + (p.static_batching ? "+SB" : ""),
      p.concurrency, 1e3 * p.ttft_s, 1e3 * p.tpot_s,
      !p.meets_slo ? "-"
      : p.prefill  ? fmt::format("{}P+{}D", p.prefill->replicas, p.replicas)
                   : std::to_string(p.replicas),
      p.meets_slo ? fmt::format("{:.0f}%", 100 * p.utilization) : "-", p.pricing + " " + p.provider,
      p.meets_slo ? fmt::format("{:.2f}", p.usd_per_hour) : "-",
      p.meets_slo ? fmt::format("{:.3f}", p.usd_per_million_output_tokens) : "-",
      p.meets_slo ? fmt::format("${:.0f}", p.monthly_usd) : "-");
}

// The prefill pool of a disaggregated plan, on a line of its own below its row.
std::string PrefillLine(const search::Plan& p) {
  if (!p.prefill) return "";
  const search::PrefillPool& f = *p.prefill;
  return fmt::format(
      "      disaggregated: {} prefill replicas of {} × {} {} ({}, {:.1f} prompts in flight, "
      "{:.2f} requests/s each, ${:.2f} per accelerator-hour) hand KV caches to {} decode "
      "replicas (the row, {:g} in flight each); a request's KV cache takes {:.1f} ms to move\n",
      f.replicas, f.count, f.accelerator->id, LayoutText(f.layout), f.engine->id, f.concurrency,
      f.requests_per_s, f.usd_per_accelerator_hour, p.replicas, p.concurrency,
      1e3 * p.kv_transfer_s);
}

const char* kHeader =
    "rank  deployment           layout     weights    kv       engine   in-fl  TTFT ms TPOT ms "
    "replicas   util way to pay             $/hour  $/M out    monthly";

}  // namespace

std::string PlanText(const PlanReport& r) {
  const search::PlanQuery& q = r.query;
  std::string out = fmt::format(
      "Plan for {}: {} + {} tokens per request, {} output tokens a day (peak {:g}× the mean), "
      "mean TTFT ≤ {:.0f} ms and TPOT ≤ {:.0f} ms, quality loss ≤ {:.1f}%\n",
      q.model->id, q.input_tokens, q.output_tokens,
      FormatCount(static_cast<int64_t>(q.traffic.output_tokens_per_day)), q.traffic.peak_to_mean,
      1e3 * q.slo_ttft_s, 1e3 * q.slo_tpot_s, 100 * q.max_quality_loss);
  out += fmt::format(
      "Screened {} configurations in {:.0f} ms ({:.0f} per second): {} fit in memory, {} meet the "
      "targets; {} formats ruled out by the quality limit\n\n",
      FormatCount(r.stats.configurations), 1e3 * r.screen_seconds,
      r.screen_seconds > 0 ? static_cast<double>(r.stats.configurations) / r.screen_seconds : 0,
      FormatCount(r.stats.fitting), FormatCount(r.stats.meeting), r.stats.quality_excluded);
  const bool any = !r.plans.empty() && r.plans.front().meets_slo;
  if (any) {
    out += "Best plans (analytic screen, cheapest first):\n";
  } else {
    out += "No configuration meets the targets. The closest:\n";
  }
  out += std::string(kHeader) + "\n";
  for (size_t i = 0; i < r.plans.size() && i < static_cast<size_t>(r.top); ++i) {
    out += Row(r.plans[i], i + 1) + "\n" + PrefillLine(r.plans[i]);
    if (!r.plans[i].meets_slo) out += fmt::format("      misses: {}\n", r.plans[i].miss);
  }
  if (!r.front.empty()) {
    out +=
        "\nPareto frontier (no plan is both cheaper and faster; latency = TTFT + output × "
        "TPOT):\n";
    out += std::string(kHeader) + "\n";
    for (size_t i : r.front) out += Row(r.plans[i], i + 1) + "\n" + PrefillLine(r.plans[i]);
  }
  if (!r.verified.empty()) {
    out += fmt::format(
        "\nReplayed in the simulator in {:.1f} s (each plan's peak hour; replicas until p99 TTFT "
        "and TPOT meet the targets), cheapest first:\n",
        r.verify_seconds);
    for (const VerifiedPlan& v : r.verified) {
      const search::Plan& p = r.plans[v.plan];
      if (v.ok) {
        out += fmt::format(
            "  #{:<3} {} × {} {} {}/{}: {}, ${:.2f}/hour, ${:.3f} per million output "
            "tokens; p99 TTFT {:.0f} ms ({:.0f}% of the target), TPOT {:.1f} ms ({:.0f}%)\n",
            v.plan + 1, p.count, p.accelerator->id, LayoutText(p.layout), p.weights->id, p.kv->id,
            p.prefill
                ? fmt::format("{} prefill + {} decode replicas", v.prefill_replicas, v.replicas)
                : fmt::format("{} replica{}", v.replicas, v.replicas == 1 ? "" : "s"),
            v.usd_per_hour, v.usd_per_million_output_tokens, 1e3 * v.ttft_p99_s,
            100 * v.ttft_p99_s / r.query.slo_ttft_s, 1e3 * v.tpot_p99_s,
            100 * v.tpot_p99_s / r.query.slo_tpot_s);
      } else {
        out +=
            fmt::format("  #{:<3} {} × {}: {}\n", v.plan + 1, p.count, p.accelerator->id, v.error);
      }
    }
  }
  const VerifiedPlan* winner = nullptr;
  for (const VerifiedPlan& v : r.verified) {
    if (v.ok) {
      winner = &v;
      break;
    }
  }
  if (winner) {
    const search::Plan& w = r.plans[winner->plan];
    if (w.prefill) {
      const search::PrefillPool& f = *w.prefill;
      out += fmt::format(
          "\nThe recommendation: disaggregated, {} prefill replicas of {} × {} ({}, {}) handing "
          "KV caches to {} decode replicas of {} × {} ({}, {}), {} weights, {} KV, {} {}: "
          "${:.3f} per million output tokens, ${:.0f} a month, p99 targets met in the "
          "simulator.\n",
          winner->prefill_replicas, f.count, f.accelerator->id, LayoutText(f.layout), f.engine->id,
          winner->replicas, w.count, w.accelerator->id, LayoutText(w.layout), w.engine->id,
          w.weights->id, w.kv->id, w.pricing, w.provider, winner->usd_per_million_output_tokens,
          winner->monthly_usd);
    } else {
      out += fmt::format(
          "\nThe recommendation: {} replicas of {} × {} ({}, {} weights, {} KV, {}), {} {}: "
          "${:.3f} per million output tokens, ${:.0f} a month, p99 targets met in the simulator.\n",
          winner->replicas, w.count, w.accelerator->id, LayoutText(w.layout), w.weights->id,
          w.kv->id, w.engine->id, w.pricing, w.provider, winner->usd_per_million_output_tokens,
          winner->monthly_usd);
    }
  }
  if (!r.why_not.empty()) {
    out += "\nWhy not cheaper hardware (per accelerator-hour):\n";
    for (const std::string& w : r.why_not) out += "  " + w + "\n";
  }
  if (!r.what_if.empty()) {
    out += "How the answer moves (screen):\n";
    for (const std::string& w : r.what_if) out += "  " + w + "\n";
  }
  if (winner) {
  } else if (any) {
    const search::Plan& w = r.plans.front();
    out += fmt::format(
        "\nThe winner: {} × {} ({}, {} weights, {} KV) at {:g} requests in flight per replica, "
        "{} replicas for the peak, ${:.3f} per million output tokens via {} {}.\n",
        w.count, w.accelerator->id, LayoutText(w.layout), w.weights->id, w.kv->id, w.concurrency,
        w.replicas, w.usd_per_million_output_tokens, w.pricing, w.provider);
  }
  out +=
      "\nThe screen holds the analytic mean latencies to the targets and sizes replicas with "
      "the fluid bound; `pertoken cost` with a plan's knobs prices it every way and replays its "
      "peak in the simulator.\n";
  return out;
}

std::string PlanCsv(const PlanReport& r) {
  std::string out =
      "rank,accelerator,count,tp,pp,ep,weights,kv,engine,spec_decode,static_batching,quality_loss,"
      "concurrency,"
      "output_tokens_per_s,ttft_s,tpot_s,meets_slo,replicas,utilization,pricing,provider,"
      "usd_per_hour,usd_per_million_output_tokens,monthly_usd,verified_replicas,"
      "verified_usd_per_million_output_tokens,prefill_accelerator,prefill_count,prefill_tp,"
      "prefill_pp,prefill_engine,prefill_replicas\n";
  for (size_t i = 0; i < r.plans.size(); ++i) {
    const search::Plan& p = r.plans[i];
    std::string verified = ",";
    for (const VerifiedPlan& v : r.verified) {
      if (v.plan == i && v.ok) {
        verified = fmt::format("{},{:.6g}", v.replicas, v.usd_per_million_output_tokens);
      }
    }
    const std::string prefill =
        p.prefill ? fmt::format("{},{},{},{},{},{}", p.prefill->accelerator->id, p.prefill->count,
                                p.prefill->layout.tp, p.prefill->layout.pp, p.prefill->engine->id,
                                p.prefill->replicas)
                  : ",,,,,";
    out += fmt::format(
        "{},{},{},{},{},{},{},{},{},{},{},{:.6g},{:g},{:.6g},{:.6g},{:.6g},{},{},{:.6g},"
        "{},{},{:.6g},{:.6g},{:.6g},{},{}\n",
        i + 1, p.accelerator->id, p.count, p.layout.tp, p.layout.pp, p.layout.ep, p.weights->id,
        p.kv->id, p.engine->id, p.spec_decode ? "true" : "false",
        p.static_batching ? "true" : "false", p.quality_loss, p.concurrency, p.output_tokens_per_s,
        p.ttft_s, p.tpot_s, p.meets_slo ? "true" : "false", p.replicas, p.utilization, p.pricing,
        p.provider, p.usd_per_hour, p.usd_per_million_output_tokens, p.monthly_usd, verified,
        prefill);
  }
  return out;
}

nlohmann::json PlanJson(const PlanReport& r) {
  nlohmann::json plans = nlohmann::json::array();
  for (const auto& p : r.plans) {
    nlohmann::json prefill = nullptr;
    if (p.prefill) {
      const search::PrefillPool& f = *p.prefill;
      prefill = {{"accelerator", f.accelerator->id},
                 {"count", f.count},
                 {"tp", f.layout.tp},
                 {"pp", f.layout.pp},
                 {"ep", f.layout.ep},
                 {"engine", f.engine->id},
                 {"concurrency", f.concurrency},
                 {"requests_per_s", f.requests_per_s},
                 {"replicas", f.replicas},
                 {"usd_per_accelerator_hour", f.usd_per_accelerator_hour},
                 {"offer", f.offer}};
    }
    plans.push_back({{"accelerator", p.accelerator->id},
                     {"count", p.count},
                     {"tp", p.layout.tp},
                     {"pp", p.layout.pp},
                     {"ep", p.layout.ep},
                     {"weights", p.weights->id},
                     {"kv", p.kv->id},
                     {"engine", p.engine->id},
                     {"spec_decode", p.spec_decode},
                     {"static_batching", p.static_batching},
                     {"quality_loss", p.quality_loss},
                     {"concurrency", p.concurrency},
                     {"output_tokens_per_s", p.output_tokens_per_s},
                     {"ttft_s", p.ttft_s},
                     {"tpot_s", p.tpot_s},
                     {"meets_slo", p.meets_slo},
                     {"miss", p.miss},
                     {"replicas", p.replicas},
                     {"utilization", p.utilization},
                     {"pricing", p.pricing},
                     {"provider", p.provider},
                     {"offer", p.offer},
                     {"usd_per_hour", p.usd_per_hour},
                     {"usd_per_million_output_tokens", p.usd_per_million_output_tokens},
                     {"monthly_usd", p.monthly_usd},
                     {"prefill", prefill},
                     {"kv_transfer_s", p.kv_transfer_s}});
  }
  nlohmann::json verified = nlohmann::json::array();
  for (const VerifiedPlan& v : r.verified) {
    verified.push_back({{"plan", v.plan},
                        {"ok", v.ok},
                        {"error", v.error},
                        {"replicas", v.replicas},
                        {"prefill_replicas", v.prefill_replicas},
                        {"usd_per_hour", v.usd_per_hour},
                        {"usd_per_million_output_tokens", v.usd_per_million_output_tokens},
                        {"monthly_usd", v.monthly_usd},
                        {"detail", v.detail},
                        {"occupancy_interval_s", v.occupancy_interval_s},
                        {"occupancy", v.occupancy}});
  }
  return {{"model", r.query.model->id},
          {"verified", verified},
          {"why_not", r.why_not},
          {"what_if", r.what_if},
          {"configurations", r.stats.configurations},
          {"fitting", r.stats.fitting},
          {"meeting", r.stats.meeting},
          {"screen_seconds", r.screen_seconds},
          {"verify_seconds", r.verify_seconds},
          {"pareto_front", r.front},
          {"plans", plans}};
}

}  // namespace pertoken::report
