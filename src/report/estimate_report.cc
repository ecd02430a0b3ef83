#include "report/estimate_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "report/fit_report.h"
#include "report/format.h"

namespace pertoken::report {

namespace {

std::string WithBand(double v, const Interval& in,
                     const std::function<std::string(double)>& fmt_one) {
  if (!in.known) return fmt_one(v);
  return fmt::format("{} ({} – {})", fmt_one(v), fmt_one(v * in.low_factor),
                     fmt_one(v * in.high_factor));
}

nlohmann::json StepJson(const perf::StepTime& s) {
  nlohmann::json ops = nlohmann::json::array();
  for (const auto& op : s.ops) {
    ops.push_back({{"name", op.name},
                   {"time_s", op.time_s},
                   {"flops", op.flops},
                   {"bytes", op.bytes},
                   {"bound", perf::BottleneckName(op.bound)}});
  }
  return {{"time_s", s.total_s},
          {"compute_s", s.compute_s},
          {"memory_s", s.memory_s},
          {"communication_s", s.communication_s},
          {"overhead_s", s.overhead_s},
          {"bottleneck", perf::BottleneckName(s.bottleneck)},
          {"flops_per_accelerator", s.flops},
          {"bytes_per_accelerator", s.bytes},
          {"ops", ops}};
}

void StepText(const char* title, const perf::StepTime& s, std::string* out) {
  *out += fmt::format("{} {}: {} compute, {} memory, {} communication, {} overhead ({}-bound)\n",
                      title, FormatSeconds(s.total_s), FormatSeconds(s.compute_s),
                      FormatSeconds(s.memory_s), FormatSeconds(s.communication_s),
                      FormatSeconds(s.overhead_s), perf::BottleneckName(s.bottleneck));
  for (const auto& op : s.ops) {
    *out += fmt::format("    {:<20} {:>10}  {}\n", op.name, FormatSeconds(op.time_s),
                        perf::BottleneckName(op.bound));
  }
}

}  // namespace

Costs CostsOf(const EstimateReport& r) {
  Costs c;
  if (!r.price.known || !r.result.ok) return c;
  c.usd_per_hour = r.price.usd_per_accelerator_hour * r.query.deployment.layout.count();
  const double out_per_h = r.result.output_tokens_per_s * 3600;
  const double in_per_h = r.result.input_tokens_per_s * 3600;
  if (out_per_h > 0) c.usd_per_million_output_tokens = c.usd_per_hour / out_per_h * 1e6;
  if (out_per_h + in_per_h > 0)
    c.usd_per_million_tokens = c.usd_per_hour / (out_per_h + in_per_h) * 1e6;
  // Split by the share of accelerator time each kind of token takes: prefills vs decode steps.
  const double prefill_time = r.result.requests_per_s * r.result.prefill_s;
  const double share = std::clamp(prefill_time, 0.0, 1.0);
  if (in_per_h > 0) c.usd_per_million_input_tokens_split = c.usd_per_hour * share / in_per_h * 1e6;
  if (out_per_h > 0)
    c.usd_per_million_output_tokens_split = c.usd_per_hour * (1 - share) / out_per_h * 1e6;
  return c;
}

std::string EstimateText(const EstimateReport& r) {
  const auto& s = r.result;
  const perf::Deployment& d = r.query.deployment;
  const perf::Layout& l = d.layout;
  std::string out;
  out += fmt::format("{} on {} × {} (TP={} PP={} EP={}), {} {}\n", d.model->id, l.count(),
                     d.accelerator->id, l.tp, l.pp, l.ep, d.engine->name, d.engine->version);
  out += fmt::format("  weights {}, KV {}; {} input + {} output tokens per request; {}\n\n",
                     d.precision.weights->id, d.precision.kv->id, FormatCount(r.query.input_tokens),
                     FormatCount(r.query.output_tokens), r.load);
  if (!s.ok) {
    out += fmt::format("Cannot serve this load: {}.\n", s.reason);
    return out;
  }
  auto tps = [](double v) { return fmt::format("{:.0f} tok/s", v); };
  auto secs = [](double v) { return FormatSeconds(v); };
  out += fmt::format("  in flight            {:.1f} requests (memory and engine allow {:.0f})\n",
                     s.concurrency, s.max_concurrency);
  out += fmt::format("  output throughput    {}\n",
                     WithBand(s.output_tokens_per_s, r.throughput_interval, tps));
  out += fmt::format("                       {:.0f} tok/s per accelerator, {:.1f} tok/s per user\n",
                     s.output_tokens_per_s / l.count(), s.tpot_s > 0 ? 1 / s.tpot_s : 0);
  out += fmt::format("  requests             {:.2f} /s\n", s.requests_per_s);
  out += fmt::format("  TTFT                 {}\n", WithBand(s.ttft_s, r.latency_interval, secs));
  out += fmt::format("  TPOT                 {}\n", WithBand(s.tpot_s, r.latency_interval, secs));
  out += fmt::format("  end-to-end           {}\n", FormatSeconds(s.e2e_s));
  out += fmt::format("  bottleneck           {}\n", perf::BottleneckName(s.bottleneck));
  if (r.throughput_interval.known)
    out += fmt::format("  (bands: {})\n", r.throughput_interval.basis);
  if (!s.reason.empty()) out += fmt::format("  note: {}\n", s.reason);
  out += "\n";
  StepText("Decode step", s.decode_step, &out);
  StepText("Prefill of one prompt", s.prefill_step, &out);
  out += "\n";
  const Costs c = CostsOf(r);
  if (r.price.known) {
    out += fmt::format("Cost at ${:.2f} per accelerator-hour ({}):\n",
                       r.price.usd_per_accelerator_hour, r.price.rule);
    out += fmt::format("  ${:.2f}/hour for the replica\n", c.usd_per_hour);
    out += fmt::format(
        "  ${:.3f} per million output tokens (the whole cost carried by output tokens)\n",
        c.usd_per_million_output_tokens);
    out += fmt::format("  ${:.3f} per million tokens, input and output together\n",
                       c.usd_per_million_tokens);
    out += fmt::format(
        "  split by accelerator time: ${:.3f} per million input, ${:.3f} per million output\n",
        c.usd_per_million_input_tokens_split, c.usd_per_million_output_tokens_split);
  } else {
    out += fmt::format("Cost: the catalog has no on-demand price for {}; pass --usd-per-hour.\n",
                       d.accelerator->id);
  }
  return out;
}

nlohmann::json EstimateJson(const EstimateReport& r) {
  const auto& s = r.result;
  const Costs c = CostsOf(r);
  const perf::Deployment& d = r.query.deployment;
  nlohmann::json j = DeploymentJson(*d.model, *d.accelerator, *d.engine, d.precision, d.layout);
  j["input_tokens"] = r.query.input_tokens;
  j["output_tokens"] = r.query.output_tokens;
  j["load"] = r.load;
  j["ok"] = s.ok;
  j["reason"] = s.reason;
  j["saturated"] = s.saturated;
  j["concurrency"] = s.concurrency;
  j["max_concurrency"] = s.max_concurrency;
  j["output_tokens_per_s"] = s.output_tokens_per_s;
  j["output_tokens_per_s_per_accelerator"] = s.output_tokens_per_s / d.layout.count();
  j["output_tokens_per_s_per_user"] = s.tpot_s > 0 ? 1 / s.tpot_s : 0;
  j["input_tokens_per_s"] = s.input_tokens_per_s;
  j["requests_per_s"] = s.requests_per_s;
  j["ttft_s"] = s.ttft_s;
  j["tpot_s"] = s.tpot_s;
  j["e2e_s"] = s.e2e_s;
  j["bottleneck"] = perf::BottleneckName(s.bottleneck);
  auto band = [](const Interval& in, double v) {
    return in.known ? nlohmann::json{{"p10", v * in.low_factor}, {"p90", v * in.high_factor}}
                    : nlohmann::json(nullptr);
  };
  j["intervals"] = {{"output_tokens_per_s", band(r.throughput_interval, s.output_tokens_per_s)},
                    {"ttft_s", band(r.latency_interval, s.ttft_s)},
                    {"tpot_s", band(r.latency_interval, s.tpot_s)},
                    {"basis", r.throughput_interval.basis}};
  j["decode_step"] = StepJson(s.decode_step);
  j["prefill_step"] = StepJson(s.prefill_step);
  j["price"] = {{"known", r.price.known},
                {"usd_per_accelerator_hour", r.price.usd_per_accelerator_hour},
                {"rule", r.price.rule},
                {"sources", r.price.sources}};
  j["usd_per_hour"] = c.usd_per_hour;
  j["usd_per_million_output_tokens"] = c.usd_per_million_output_tokens;
  j["usd_per_million_tokens"] = c.usd_per_million_tokens;
  j["usd_per_million_input_tokens_split"] = c.usd_per_million_input_tokens_split;
  j["usd_per_million_output_tokens_split"] = c.usd_per_million_output_tokens_split;
  return j;
}

}  // namespace pertoken::report
