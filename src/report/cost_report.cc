#include "report/cost_report.h"

#include <fmt/format.h>

#include "report/format.h"

namespace pertoken::report {

namespace {

nlohmann::json Optional(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

std::string WayToPayName(const CostOption& o) {
  if (o.pricing == "api") {
    return o.other_model.empty() ? "api " + o.provider
                                 : fmt::format("api {} {}", o.provider, o.other_model);
  }
  return o.provider.empty() ? o.pricing : o.pricing + " " + o.provider;
}

std::string CostText(const CostReport& r) {
  std::string out;
  const econ::Traffic& t = r.traffic;
  out += fmt::format("Traffic   {} output + {} input tokens per day ({}), peak {:g}× the mean\n",
                     FormatCount(static_cast<int64_t>(t.output_tokens_per_day)),
                     FormatCount(static_cast<int64_t>(t.input_tokens_per_day)), r.traffic_basis,
                     t.peak_to_mean);
  out += fmt::format("Replica   {}{} × {}: {:.0f} output tok/s at capacity ({})\n",
                     r.model.empty() ? "" : r.model + " on ", r.accelerators_per_replica,
                     r.accelerator, r.capacity.output_tokens_per_s, r.capacity_basis);
  int accelerators = 0;
  for (const CostPool& p : r.pools) accelerators += p.replicas * p.accelerators_per_replica;
  out += fmt::format(
      "Fleet     {} replica{} ({} accelerators) for a peak of {:.0f} output tok/s; "
      "{:.1f}% utilised on average\n",
      r.sizing.replicas, r.sizing.replicas == 1 ? "" : "s", accelerators,
      r.sizing.peak_output_tokens_per_s, 100 * r.sizing.utilization);
  if (r.network_rtt_s && r.slo_ttft_s) {
    out += fmt::format(
        "          users reach a central pool in a {:.0f} ms round trip, which a pool in their "
        "region saves: central pools meet a {:.0f} ms TTFT target, edge pools {:.0f} ms\n",
        1e3 * *r.network_rtt_s, 1e3 * (*r.slo_ttft_s - *r.network_rtt_s), 1e3 * *r.slo_ttft_s);
  }
  if (r.pools.size() > 1 || r.regions > 1) {
    out += fmt::format("          {} architecture over {} region{}:\n", r.architecture, r.regions,
                       r.regions == 1 ? "" : "s");
    for (const CostPool& p : r.pools) {
      out += fmt::format(
          "          {} pool, {}: {} on {} × {}, {:.0f}% of the traffic, {} replica{}{}, {:.1f}% "
          "utilised; {}\n",
          p.role, p.placement, p.model, p.accelerators_per_replica, p.accelerator, 100 * p.share,
          p.replicas, p.replicas == 1 ? "" : "s",
          p.regions > 1 ? fmt::format(" ({} per region)", p.replicas / p.regions) : "",
          100 * p.utilization, p.sizing);
    }
  } else if (!r.pools.empty()) {
    out += fmt::format("          sizing: {}\n", r.pools.front().sizing);
  }
  out += fmt::format("          {}\n", r.utilization_method);
  if (!r.quality.empty()) out += fmt::format("Quality   {}\n", r.quality);
  out += fmt::format("Prices    {}\n\n", r.as_of.empty()
                                             ? "every dated and undated offer in the catalog"
                                             : "offers dated " + r.as_of + " or earlier");
  out += fmt::format("{:<28} {:>10} {:>8} {:>10} {:>10} {:>10} {:>10} {:>8}\n", "way to pay",
                     "$/hour", "util", "$/M out", "$/M all", "monthly", "annual", "J/tok");
  for (const CostOption& o : r.options) {
    out += fmt::format(
        "{:<28} {:>10} {:>8} {:>10.3f} {:>10.3f} {:>10} {:>10} {:>8}\n", WayToPayName(o),
        fmt::format("{:.2f}", o.spend.usd_per_hour),
        o.utilization ? fmt::format("{:.1f}%", 100 * *o.utilization) : "-",
        o.spend.usd_per_million_output_tokens, o.spend.usd_per_million_tokens,
        FormatUsd(o.spend.monthly_usd), FormatUsd(o.spend.annual_usd),
        o.joules_per_output_token ? fmt::format("{:.2f}", *o.joules_per_output_token) : "-");
  }
  out += "\nWhat each row prices:\n";
  for (const CostOption& o : r.options) {
    out += fmt::format("  {:<26} {}; {}\n", WayToPayName(o), o.offer, o.basis);
    if (o.blended) {
      out += fmt::format(
          "  {:<26} blended: ${:.3f} per million input, ${:.3f} per million output\n", "",
          o.blended->usd_per_million_input_tokens, o.blended->usd_per_million_output_tokens);
    }
    if (o.owned) {
      out += fmt::format(
          "  {:<26} per accelerator-hour: capital ${:.3f}, maintenance ${:.3f}, hosting ${:.3f}, "
          "energy ${:.3f}\n",
          "", o.owned->capital, o.owned->maintenance, o.owned->hosting, o.owned->energy);
    }
    if (o.break_even_known) {
      out +=
          o.break_even_output_tokens_per_day
              ? fmt::format("  {:<26} {} costs less from {} output tokens per day on\n", "",
                            o.break_even_against,
                            FormatCount(static_cast<int64_t>(*o.break_even_output_tokens_per_day)))
              : fmt::format("  {:<26} cheaper than {} at any volume\n", "", o.break_even_against);
    }
  }
  if (!r.blend_basis.empty()) {
    out += fmt::format("Blended prices split each self-hosted cost at {}.\n", r.blend_basis);
  }
  for (const std::string& n : r.notes) out += "Note: " + n + "\n";
  out += fmt::format(
      "\nCosts count every provisioned accelerator around the clock, idle or busy; $/M out "
      "carries the whole cost on output tokens. Energy: idle to TDP with load, × PUE {:.2f} "
      "({}).\n",
      r.pue, r.pue_basis);
  return out;
}

nlohmann::json CostJson(const CostReport& r) {
  nlohmann::json options = nlohmann::json::array();
  for (const CostOption& o : r.options) {
    nlohmann::json j = {{"pricing", o.pricing},
                        {"provider", o.provider},
                        {"offer", o.offer},
                        {"basis", o.basis},
                        {"source", o.source},
                        {"usd_per_hour", o.spend.usd_per_hour},
                        {"utilization", Optional(o.utilization)},
                        {"usd_per_million_output_tokens", o.spend.usd_per_million_output_tokens},
                        {"usd_per_million_tokens", o.spend.usd_per_million_tokens},
                        {"monthly_usd", o.spend.monthly_usd},
                        {"annual_usd", o.spend.annual_usd},
                        {"joules_per_output_token", Optional(o.joules_per_output_token)}};
    if (o.blended) {
      j["usd_per_million_input_tokens_blended"] = o.blended->usd_per_million_input_tokens;
      j["usd_per_million_output_tokens_blended"] = o.blended->usd_per_million_output_tokens;
    }
    if (o.owned) {
      j["owned_usd_per_accelerator_hour"] = {{"capital", o.owned->capital},
                                             {"maintenance", o.owned->maintenance},
                                             {"hosting", o.owned->hosting},
                                             {"energy", o.owned->energy}};
    }
    if (o.break_even_known) {
      j["break_even_output_tokens_per_day"] = Optional(o.break_even_output_tokens_per_day);
      j["break_even_against"] = o.break_even_against;
    }
    options.push_back(j);
  }
  nlohmann::json pools = nlohmann::json::array();
  int accelerators = 0;
  for (const CostPool& p : r.pools) {
    accelerators += p.replicas * p.accelerators_per_replica;
    pools.push_back({{"role", p.role},
                     {"placement", p.placement},
                     {"model", p.model},
                     {"accelerator", p.accelerator},
                     {"accelerators_per_replica", p.accelerators_per_replica},
                     {"replica_output_tokens_per_s", p.replica_output_tokens_per_s},
                     {"ttft_s", Optional(p.ttft_s)},
                     {"tpot_s", Optional(p.tpot_s)},
                     {"share", p.share},
                     {"regions", p.regions},
                     {"replicas", p.replicas},
                     {"utilization", p.utilization},
                     {"sizing", p.sizing}});
  }
  return {{"model", r.model.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.model)},
          {"architecture", r.architecture},
          {"regions", r.regions},
          {"network_rtt_s", Optional(r.network_rtt_s)},
          {"pools", pools},
          {"quality", r.quality.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.quality)},
          {"blend_basis",
           r.blend_basis.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.blend_basis)},
          {"accelerator", r.accelerator},
          {"accelerators_per_replica", r.accelerators_per_replica},
          {"replica_output_tokens_per_s", r.capacity.output_tokens_per_s},
          {"capacity_basis", r.capacity_basis},
          {"replica_concurrency",
           r.concurrency > 0 ? nlohmann::json(r.concurrency) : nlohmann::json(nullptr)},
          {"ttft_s", Optional(r.ttft_s)},
          {"tpot_s", Optional(r.tpot_s)},
          {"output_tokens_per_day", r.traffic.output_tokens_per_day},
          {"input_tokens_per_day", r.traffic.input_tokens_per_day},
          {"peak_to_mean", r.traffic.peak_to_mean},
          {"traffic_basis", r.traffic_basis},
          {"replicas", r.sizing.replicas},
          {"accelerators", accelerators},
          {"utilization", r.sizing.utilization},
          {"utilization_method", r.utilization_method},
          {"pue", r.pue},
          {"as_of", r.as_of.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.as_of)},
          {"options", options},
          {"notes", r.notes}};
}

}  // namespace pertoken::report
