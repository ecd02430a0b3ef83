#include "report/simulate_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "perf/step.h"
#include "report/fit_report.h"
#include "report/format.h"

namespace pertoken::report {

namespace {

constexpr double kSecondsPerHour = 3600;
constexpr double kBytesPerGB = 1e9;
// Per-replica lines in the text report up to this many replicas; the JSON always has them all.
constexpr size_t kMaxReplicaLines = 8;

double Ratio(double a, double b) { return b > 0 ? a / b : 0; }

// 1227.4 -> "1,227".
std::string Rounded(double v) { return FormatCount(std::llround(v)); }

bool ChunkedPrefill(const sim::ReplicaSpec& spec) {
  return spec.chunked_prefill < 0 ? spec.deployment.engine->chunked_prefill
                                  : spec.chunked_prefill == 1;
}

bool PrefixCaching(const sim::ReplicaSpec& spec) {
  return spec.prefix_caching < 0 ? spec.deployment.engine->prefix_caching
                                 : spec.prefix_caching == 1;
}

const char* RoutingName(sim::Routing r) {
  switch (r) {
    case sim::Routing::kRoundRobin:
      return "round-robin";
    case sim::Routing::kPrefixAffinity:
      return "prefix-affinity";
    case sim::Routing::kLeastOutstanding:
      break;
  }
  return "least-outstanding";
}

const char* BatchingName(sim::Batching b) {
  return b == sim::Batching::kStatic ? "static" : "continuous";
}

const char* RoleName(sim::Role r) {
  switch (r) {
    case sim::Role::kPrefill:
      return "prefill";
    case sim::Role::kDecode:
      return "decode";
    case sim::Role::kUnified:
      break;
  }
  return "unified";
}

// Whether the fleet is anything but the command line's plain form, one group of unified replicas
// in one tier: the text then names the groups, roles and tiers.
bool Heterogeneous(const SimulateReport& r) {
  return r.groups.size() > 1 || r.tier_shares.size() > 1 || !r.fleet_file.empty() ||
         r.groups.front().spec.role != sim::Role::kUnified;
}

// A tier's share of the requests, in [0, 1].
double TierShare(const SimulateReport& r, int tier) {
  double sum = 0;
  for (double s : r.tier_shares) sum += s;
  if (r.tier_shares.size() < 2) return 1;
  return Ratio(r.tier_shares[static_cast<size_t>(tier)], sum);
}

std::string TierName(const SimulateReport& r, int tier) {
  const auto t = static_cast<size_t>(tier);
  return t < r.tier_names.size() ? r.tier_names[t] : fmt::format("{}", tier);
}

std::string SpecText(const std::optional<perf::SpecDecode>& spec) {
  if (!spec) return "";
  return fmt::format(", speculative decoding k={} accept={:g} ({})", spec->k, spec->acceptance,
                     spec->draft ? "draft " + spec->draft->id : "heads on the target");
}

// 1.8e12 -> "1,800 GB/s".
std::string BandwidthText(double bytes_per_s) {
  return fmt::format("{} GB/s", Rounded(bytes_per_s / kBytesPerGB));
}

// The replica's share of the run: busy time, and blocks in use averaged over time and at peak.
struct ReplicaUse {
  double busy_fraction = 0;
  double kv_mean_fraction = 0;
  double kv_peak_fraction = 0;
};

ReplicaUse UseOf(const sim::ReplicaStats& s, double duration_s) {
  const auto blocks = static_cast<double>(s.kv_blocks);
  return {.busy_fraction = Ratio(s.busy_s, duration_s),
          .kv_mean_fraction = Ratio(s.kv_block_seconds, blocks * duration_s),
          .kv_peak_fraction = Ratio(static_cast<double>(s.peak_kv_blocks), blocks)};
}

nlohmann::json Optional(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

std::string ReplayText(const WorkloadReport& w) {
  std::string s = fmt::format("trace {}", w.trace);
  // A built-in trace is named by its file; the full path only for the user's own files.
  if (w.path != w.trace) {
    s += fmt::format(" ({})", std::filesystem::path(w.path).filename().string());
  }
  const auto& r = w.replay;
  if (r.window_s > 0) {
    s += fmt::format(", trace seconds [{:g}, {:g})", r.window_start_s,
                     r.window_start_s + r.window_s);
  } else if (r.window_start_s > 0) {
    s += fmt::format(", from trace second {:g}", r.window_start_s);
  }
  if (r.max_requests > 0) s += fmt::format(", first {} requests", FormatCount(r.max_requests));
  if (r.speedup != 1) s += fmt::format(", replayed {:g}× as fast", r.speedup);
  return s;
}

std::string SyntheticText(const WorkloadReport& w) {
  const std::string limit = w.limits.max_requests > 0
                                ? fmt::format("{} requests", FormatCount(w.limits.max_requests))
                                : fmt::format("arrivals for {:g} s", w.limits.duration_s);
  return fmt::format("arrivals {}, lengths {}; {}, seed {}", w.arrivals, w.lengths, limit, w.seed);
}

void WorkloadText(const WorkloadReport& w, std::string* out) {
  const auto& st = w.stats;
  *out += fmt::format("Workload  {}\n", w.synthetic ? SyntheticText(w) : ReplayText(w));
  *out += fmt::format(
      "          {} requests over {:.1f} s ({:.2f} /s, gap CV {:.2f}); mean {} input + {} output "
      "tokens\n",
      FormatCount(st.count), st.span_s, st.rate_per_s, st.iat_cv, Rounded(st.input_tokens.mean),
      Rounded(st.output_tokens.mean));
  if (w.skipped.count > 0) {
    *out += fmt::format(
        "          {} {} rows with 0 input or 0 output tokens left out (the first at line {})\n",
        FormatCount(w.skipped.count), w.synthetic ? "length-table" : "trace", w.skipped.first_line);
  }
}

// A group's first line: how many replicas of what, on what.
std::string GroupHeadline(const SimulateReport& r, const ReplicaGroupReport& g) {
  const perf::Deployment& d = g.spec.deployment;
  const perf::Layout& l = d.layout;
  std::string tier;
  if (r.tier_shares.size() > 1) {
    tier = fmt::format("tier {} ({:.0f}% of requests): ", TierName(r, g.spec.tier),
                       TierShare(r, g.spec.tier) * 100);
  }
  const std::string role =
      g.spec.role == sim::Role::kUnified ? "" : std::string(RoleName(g.spec.role)) + " ";
  return fmt::format(
      "{}{} {}replica{} of {} on {} × {} (TP={} PP={} EP={}), {} {}; weights {}, KV {}", tier,
      g.replicas, role, g.replicas == 1 ? "" : "s", d.model->id, l.count(), d.accelerator->id, l.tp,
      l.pp, l.ep, d.engine->name, d.engine->version, d.precision.weights->id, d.precision.kv->id);
}

void FleetText(const SimulateReport& r, const SimulateSummary& m, std::string* out) {
  const bool named = Heterogeneous(r);
  if (named) {
    *out +=
        fmt::format("Fleet     {}{} replica{} in {} group{}, {} accelerator{}\n",
                    r.fleet_file.empty() ? "" : r.fleet_file + ": ", m.replicas,
                    m.replicas == 1 ? "" : "s", r.groups.size(), r.groups.size() == 1 ? "" : "s",
                    m.accelerators, m.accelerators == 1 ? "" : "s");
  }
  size_t first = 0;
  for (size_t i = 0; i < r.groups.size(); ++i) {
    const ReplicaGroupReport& g = r.groups[i];
    const sim::ReplicaStats& s = r.result.replicas[first];
    first += static_cast<size_t>(g.replicas);
    *out += named ? fmt::format("  group {}: {}\n", i, GroupHeadline(r, g))
                  : fmt::format("Fleet     {}\n", GroupHeadline(r, g));
    *out += fmt::format(
        "          {} batching, chunked prefill {}, prefix caching {}; at most {} sequences and {} "
        "tokens per step{}\n",
        BatchingName(g.spec.batching), ChunkedPrefill(g.spec) ? "on" : "off",
        PrefixCaching(g.spec) ? "on" : "off", FormatCount(s.max_num_seqs),
        FormatCount(s.max_batched_tokens), SpecText(g.spec.spec));
    *out += fmt::format("          KV cache {} blocks of {} tokens ({} tokens) per replica\n",
                        FormatCount(s.kv_blocks), s.block_tokens,
                        FormatCount(s.kv_blocks * s.block_tokens));
    if (g.spec.role == sim::Role::kPrefill) {
      const double bw = KvLinkBytesPerSecond(r, g);
      *out += fmt::format(
          "          hands each prompt's KV cache to a decode replica over {} ({})\n",
          BandwidthText(bw),
          r.kv_transfer_bytes_per_s > 0
              ? "given"
              : "by default: the smaller replica's accelerators, each over its scale-up link when "
                "both replicas fit in one scale-up domain of one accelerator type, else over the "
                "network at its PCIe link's speed");
    }
  }
  if (m.replicas > 1) *out += fmt::format("          routing {}\n", RoutingName(r.routing));
}

void LatencyRow(const char* name, const sim::LogHistogram& h, std::string* out) {
  *out += fmt::format("    {:<12} {:>10} {:>10} {:>10} {:>10}\n", name, FormatSeconds(h.mean()),
                      FormatSeconds(h.Quantile(0.5)), FormatSeconds(h.Quantile(0.9)),
                      FormatSeconds(h.Quantile(0.99)));
}

std::string HandedOffText(int64_t handed_off) {
  return handed_off > 0 ? fmt::format(" (+{} handed off)", FormatCount(handed_off)) : "";
}

std::string SloText(const Slos& slos) {
  std::string s;
  if (slos.ttft_s) s += fmt::format("TTFT ≤ {}", FormatSeconds(*slos.ttft_s));
  if (slos.ttft_s && slos.tpot_s) s += " and ";
  if (slos.tpot_s) s += fmt::format("TPOT ≤ {}", FormatSeconds(*slos.tpot_s));
  return s;
}

void ResultsText(const SimulateReport& r, const SimulateSummary& m, std::string* out) {
  const sim::SimResult& res = r.result;
  *out += fmt::format("\nResults over {:.1f} s, first arrival to last completion:\n", m.duration_s);
  *out += fmt::format("  completed      {} requests; {} input + {} output tokens\n",
                      FormatCount(res.completed_requests), FormatCount(res.input_tokens),
                      FormatCount(res.output_tokens));
  *out += fmt::format(
      "  throughput     {} output tok/s, {} tok/s input and output, {:.2f} requests/s\n",
      Rounded(m.output_tokens_per_s), Rounded(m.total_tokens_per_s), m.requests_per_s);
  *out +=
      fmt::format("  latency        {:>12} {:>10} {:>10} {:>10}\n", "mean", "p50", "p90", "p99");
  LatencyRow("TTFT", res.ttft, out);
  LatencyRow("TPOT", res.tpot, out);
  LatencyRow("ITL", res.itl, out);
  LatencyRow("end-to-end", res.e2e, out);
  LatencyRow("queueing", res.queue, out);
  if (r.slos.any()) {
    *out += fmt::format("  goodput        {:.2f} requests/s ({:.1f}% of requests) with {}\n",
                        *m.goodput_requests_per_s, *m.goodput_share * 100, SloText(r.slos));
  } else {
    *out += "  goodput        no SLO given (--slo-ttft, --slo-tpot)\n";
  }
  *out += fmt::format("  busy           {:.1f}% of the time (mean over {} replica{})\n",
                      m.busy_fraction * 100, m.replicas, m.replicas == 1 ? "" : "s");
  *out += fmt::format("  KV cache       {:.1f}% in use on average, {:.1f}% at peak\n",
                      m.kv_mean_fraction * 100, m.kv_peak_fraction * 100);
  if (r.workload.prefix_ids) {
    *out += fmt::format("  prefix cache   {:.1f}% of prompt tokens found cached, not computed\n",
                        m.prefix_cache_hit_fraction * 100);
  } else {
    *out += "  prefix cache   not exercised: the requests carry no prefix block ids\n";
  }
  *out += fmt::format("  in system      {:.1f} requests on average\n", m.mean_requests_in_system);
  *out += fmt::format("  preemptions    {}", FormatCount(m.preemptions));
  if (m.swap_s > 0) {
    *out += fmt::format(" (swapped to host memory: {} of copies)", FormatSeconds(m.swap_s));
  }
  *out += "\n";
  if (m.handed_off > 0) {
    *out += fmt::format("  handed off     {} requests from prefill to decode replicas\n",
                        FormatCount(m.handed_off));
  }
  if (r.groups.size() > 1) {
    for (size_t i = 0; i < r.groups.size(); ++i) {
      const GroupSummary& g = m.groups[i];
      *out +=
          fmt::format("  group {:<8} {} requests{}, busy {:.1f}%, KV {:.1f}% mean / {:.1f}% peak\n",
                      i, FormatCount(g.completed_requests), HandedOffText(g.handed_off),
                      g.busy_fraction * 100, g.kv_mean_fraction * 100, g.kv_peak_fraction * 100);
    }
  }
  if (res.replicas.size() < 2 || res.replicas.size() > kMaxReplicaLines) return;
  const std::vector<int> group_of = ReplicaGroups(r);
  for (size_t i = 0; i < res.replicas.size(); ++i) {
    const sim::ReplicaStats& s = res.replicas[i];
    const ReplicaUse u = UseOf(s, m.duration_s);
    *out += fmt::format(
        "  replica {:<6} {}{} requests{}, busy {:.1f}%, KV {:.1f}% mean / {:.1f}% peak, {} "
        "preemptions\n",
        i, r.groups.size() > 1 ? fmt::format("group {}, ", group_of[i]) : "",
        FormatCount(s.completed), HandedOffText(s.handed_off), u.busy_fraction * 100,
        u.kv_mean_fraction * 100, u.kv_peak_fraction * 100, FormatCount(s.preemptions));
  }
}

void CostText(const SimulateReport& r, const SimulateSummary& m, std::string* out) {
  *out += "\n";
  std::vector<const ReplicaGroupReport*> priced;  // one group per accelerator type
  for (const ReplicaGroupReport& g : r.groups) {
    const std::string& acc = g.spec.deployment.accelerator->id;
    if (!g.price.known) {
      *out += fmt::format("Cost: the catalog has no on-demand price for {}; pass --usd-per-hour.\n",
                          acc);
      return;
    }
    if (std::none_of(priced.begin(), priced.end(), [&](const ReplicaGroupReport* p) {
          return p->spec.deployment.accelerator == g.spec.deployment.accelerator;
        })) {
      priced.push_back(&g);
    }
  }
  if (priced.size() == 1) {
    const ReplicaGroupReport& g = *priced.front();
    *out += fmt::format("Cost at ${:.2f} per {} accelerator-hour ({}):\n",
                        g.price.usd_per_accelerator_hour, g.spec.deployment.accelerator->id,
                        g.price.rule);
  } else {
    *out += "Cost at each accelerator type's price per accelerator-hour:\n";
    for (const ReplicaGroupReport* g : priced) {
      *out += fmt::format("  {:<12} ${:.2f} ({})\n", g->spec.deployment.accelerator->id,
                          g->price.usd_per_accelerator_hour, g->price.rule);
    }
  }
  if (r.groups.size() > 1) {
    std::string parts;
    for (size_t i = 0; i < r.groups.size(); ++i) {
      const GroupSummary& g = m.groups[i];
      parts += fmt::format("{}group {} ${:.2f} ({} × {})", i == 0 ? "" : ", ", i, *g.usd_per_hour,
                           g.accelerators, r.groups[i].spec.deployment.accelerator->id);
    }
    *out += fmt::format("  per hour: {}\n", parts);
  }
  *out += fmt::format(
      "  ${:.2f}/hour for the fleet ({} accelerator{}), ${:.2f} for the {:.1f} s run\n",
      *m.usd_per_hour, m.accelerators, m.accelerators == 1 ? "" : "s", *m.usd_total, m.duration_s);
  *out +=
      fmt::format("  ${:.3f} per million output tokens (the whole cost carried by output tokens)\n",
                  *m.usd_per_million_output_tokens);
  *out += fmt::format("  ${:.3f} per million tokens, input and output together\n",
                      *m.usd_per_million_tokens);
  *out += fmt::format(
      "  idle time is counted: every accelerator is paid for the whole run, busy {:.1f}% of it\n",
      m.busy_fraction * 100);
}

void EnergyText(const SimulateReport& r, const SimulateSummary& m, std::string* out) {
  *out += "\n";
  for (const ReplicaGroupReport& g : r.groups) {
    if (!g.power.known) {
      *out += fmt::format("Energy: the catalog has no TDP for {}; no energy figures.\n",
                          g.spec.deployment.accelerator->id);
      return;
    }
  }
  *out += "Energy, each accelerator at its idle draw between steps and at its TDP during them:\n";
  std::vector<const catalog::Accelerator*> shown;
  for (const ReplicaGroupReport& g : r.groups) {
    const catalog::Accelerator* acc = g.spec.deployment.accelerator;
    if (std::find(shown.begin(), shown.end(), acc) != shown.end()) continue;
    shown.push_back(acc);
    *out += fmt::format("  {:<12} idle {:.0f} W, TDP {:.0f} W ({})\n", acc->id, g.power.idle_w,
                        g.power.tdp_w, g.power.idle_basis);
  }
  *out += fmt::format("  accelerators draw {:.2f} kW on average: {:.3f} kWh over the run\n",
                      *m.accelerator_power_w / 1e3, *m.accelerator_energy_kwh);
  *out += fmt::format("  facility PUE {:.2f} ({}): {:.3f} kWh\n", r.facility.pue, r.facility.basis,
                      *m.facility_energy_kwh);
  *out += fmt::format(
      "  {:.2f} J per output token with the facility ({:.3f} kWh per million output tokens)\n",
      *m.joules_per_output_token, *m.joules_per_output_token / 3.6);
}

nlohmann::json WorkloadJson(const WorkloadReport& w) {
  const auto& st = w.stats;
  nlohmann::json j = {{"source", w.synthetic ? "synthetic" : "trace"},
                      {"requests", st.count},
                      {"span_s", st.span_s},
                      {"rate_per_s", st.rate_per_s},
                      {"interarrival_cv", st.iat_cv},
                      {"mean_input_tokens", st.input_tokens.mean},
                      {"mean_output_tokens", st.output_tokens.mean},
                      {"max_input_tokens", st.input_tokens.max},
                      {"max_output_tokens", st.output_tokens.max},
                      {"prefix_ids", w.prefix_ids},
                      {"skipped_rows", w.skipped.count},
                      {"first_skipped_line", w.skipped.first_line}};
  if (w.synthetic) {
    j["arrivals"] = w.arrivals;
    j["lengths"] = w.lengths;
    j["request_limit"] = w.limits.max_requests;
    j["duration_limit_s"] = w.limits.duration_s;
    j["seed"] = w.seed;
  } else {
    j["trace"] = w.trace;
    j["path"] = w.path;
    j["speedup"] = w.replay.speedup;
    j["window_start_s"] = w.replay.window_start_s;
    j["window_s"] = w.replay.window_s;
    j["max_requests"] = w.replay.max_requests;
  }
  return j;
}

nlohmann::json SpecJson(const std::optional<perf::SpecDecode>& spec) {
  if (!spec) return nullptr;
  return {{"draft", spec->draft ? nlohmann::json(spec->draft->id) : nlohmann::json(nullptr)},
          {"k", spec->k},
          {"acceptance", spec->acceptance}};
}

nlohmann::json TiersJson(const SimulateReport& r) {
  nlohmann::json tiers = nlohmann::json::array();
  const size_t n = std::max<size_t>(1, r.tier_shares.size());
  for (size_t t = 0; t < n; ++t) {
    const auto tier = static_cast<int>(t);
    tiers.push_back({{"tier", tier},
                     {"name", t < r.tier_names.size() ? nlohmann::json(r.tier_names[t])
                                                      : nlohmann::json(nullptr)},
                     {"share", TierShare(r, tier)}});
  }
  return tiers;
}

nlohmann::json FleetJson(const SimulateReport& r, const SimulateSummary& m) {
  nlohmann::json groups = nlohmann::json::array();
  size_t first = 0;
  for (size_t i = 0; i < r.groups.size(); ++i) {
    const ReplicaGroupReport& g = r.groups[i];
    const GroupSummary& gs = m.groups[i];
    const perf::Deployment& d = g.spec.deployment;
    const sim::ReplicaStats& s = r.result.replicas[first];
    first += static_cast<size_t>(g.replicas);
    nlohmann::json j = DeploymentJson(*d.model, *d.accelerator, *d.engine, d.precision, d.layout);
    j["group"] = i;
    j["replicas"] = g.replicas;
    j["role"] = RoleName(g.spec.role);
    j["tier"] = g.spec.tier;
    j["batching"] = BatchingName(g.spec.batching);
    j["chunked_prefill"] = ChunkedPrefill(g.spec);
    j["prefix_caching"] = PrefixCaching(g.spec);
    j["preemption"] = g.spec.preemption == sim::Preemption::kSwap ? "swap" : "recompute";
    j["spec_decode"] = SpecJson(g.spec.spec);
    j["max_num_seqs"] = s.max_num_seqs;
    j["max_batched_tokens"] = s.max_batched_tokens;
    j["kv_blocks"] = s.kv_blocks;
    j["block_tokens"] = s.block_tokens;
    const double link = KvLinkBytesPerSecond(r, g);
    j["kv_transfer_bytes_per_s"] = link > 0 ? nlohmann::json(link) : nlohmann::json(nullptr);
    j["accelerators"] = gs.accelerators;
    j["price"] = {{"known", g.price.known},
                  {"usd_per_accelerator_hour", g.price.usd_per_accelerator_hour},
                  {"rule", g.price.rule},
                  {"sources", g.price.sources}};
    j["usd_per_hour"] = Optional(gs.usd_per_hour);
    j["completed_requests"] = gs.completed_requests;
    j["handed_off"] = gs.handed_off;
    j["busy_fraction"] = gs.busy_fraction;
    j["accelerator_power_w"] = Optional(gs.accelerator_power_w);
    j["power"] = {{"known", g.power.known},
                  {"idle_w", g.power.idle_w},
                  {"tdp_w", g.power.tdp_w},
                  {"idle_basis", g.power.idle_basis}};
    groups.push_back(j);
  }
  return {{"source", r.fleet_file.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.fleet_file)},
          {"replicas", m.replicas},
          {"accelerators", m.accelerators},
          {"routing", RoutingName(r.routing)},
          {"tiers", TiersJson(r)},
          {"kv_transfer_bytes_per_s", r.kv_transfer_bytes_per_s > 0
                                          ? nlohmann::json(r.kv_transfer_bytes_per_s)
                                          : nlohmann::json(nullptr)},
          {"deployments", groups}};
}

void LatencyJson(const char* name, const sim::LogHistogram& h, nlohmann::json* j) {
  (*j)[fmt::format("{}_mean_s", name)] = h.mean();
  (*j)[fmt::format("{}_p50_s", name)] = h.Quantile(0.5);
  (*j)[fmt::format("{}_p90_s", name)] = h.Quantile(0.9);
  (*j)[fmt::format("{}_p99_s", name)] = h.Quantile(0.99);
}

// Each group's accelerators, price and use: busy and KV fractions averaged over its replicas.
void SummarizeGroups(const SimulateReport& r, SimulateSummary* m) {
  m->groups.resize(r.groups.size());
  const std::vector<int> group_of = ReplicaGroups(r);
  for (size_t i = 0; i < r.result.replicas.size() && i < group_of.size(); ++i) {
    const sim::ReplicaStats& s = r.result.replicas[i];
    GroupSummary& g = m->groups[static_cast<size_t>(group_of[i])];
    const ReplicaUse u = UseOf(s, m->duration_s);
    g.completed_requests += s.completed;
    g.handed_off += s.handed_off;
    g.busy_fraction += u.busy_fraction;
    g.kv_mean_fraction += u.kv_mean_fraction;
    g.kv_peak_fraction = std::max(g.kv_peak_fraction, u.kv_peak_fraction);
    const ReplicaGroupReport& rg = r.groups[static_cast<size_t>(group_of[i])];
    if (rg.power.known) {
      g.accelerator_power_w =
          g.accelerator_power_w.value_or(0) +
          rg.spec.deployment.layout.count() * metrics::MeanPowerW(rg.power, u.busy_fraction);
    }
  }
  for (size_t i = 0; i < r.groups.size(); ++i) {
    const ReplicaGroupReport& rg = r.groups[i];
    GroupSummary& g = m->groups[i];
    g.busy_fraction = Ratio(g.busy_fraction, rg.replicas);
    g.kv_mean_fraction = Ratio(g.kv_mean_fraction, rg.replicas);
    g.accelerators = rg.replicas * rg.spec.deployment.layout.count();
    if (rg.price.known) g.usd_per_hour = rg.price.usd_per_accelerator_hour * g.accelerators;
  }
}

}  // namespace

bool Slos::Met(const sim::RequestRecord& r) const {
  if (ttft_s && r.ttft_s() > *ttft_s) return false;
  if (tpot_s && r.output_tokens > 1 && r.tpot_s() > *tpot_s) return false;
  return true;
}

std::vector<int> ReplicaGroups(const SimulateReport& r) {
  std::vector<int> group_of;
  for (size_t i = 0; i < r.groups.size(); ++i) {
    group_of.insert(group_of.end(), static_cast<size_t>(r.groups[i].replicas), static_cast<int>(i));
  }
  return group_of;
}

double KvLinkBytesPerSecond(const SimulateReport& r, const ReplicaGroupReport& g) {
  if (g.spec.role != sim::Role::kPrefill) return 0;
  if (r.kv_transfer_bytes_per_s > 0) return r.kv_transfer_bytes_per_s;
  // As the simulator, to the slowest decode group.
  const perf::Deployment& from = g.spec.deployment;
  double slowest = 0;
  for (const ReplicaGroupReport& to : r.groups) {
    if (to.spec.role != sim::Role::kDecode || to.spec.tier != g.spec.tier) continue;
    const double bw = perf::KvTransferBytesPerSecond(*from.accelerator, from.layout.count(),
                                                     *to.spec.deployment.accelerator,
                                                     to.spec.deployment.layout.count());
    slowest = slowest > 0 ? std::min(slowest, bw) : bw;
  }
  return slowest;
}

SimulateSummary Summarize(const SimulateReport& r) {
  const sim::SimResult& res = r.result;
  SimulateSummary m;
  const double d = res.duration_s();
  m.duration_s = d;
  m.requests_per_s = Ratio(static_cast<double>(res.completed_requests), d);
  m.output_tokens_per_s = Ratio(static_cast<double>(res.output_tokens), d);
  m.input_tokens_per_s = Ratio(static_cast<double>(res.input_tokens), d);
  m.total_tokens_per_s = m.input_tokens_per_s + m.output_tokens_per_s;
  m.mean_requests_in_system = Ratio(res.request_seconds, d);
  if (r.slos.any()) {
    m.goodput_requests_per_s = Ratio(static_cast<double>(r.good_requests), d);
    m.goodput_output_tokens_per_s = Ratio(static_cast<double>(r.good_output_tokens), d);
    m.goodput_share =
        Ratio(static_cast<double>(r.good_requests), static_cast<double>(res.completed_requests));
  }
  double cached = 0;
  double computed = 0;
  for (const sim::ReplicaStats& s : res.replicas) {
    const ReplicaUse u = UseOf(s, d);
    m.busy_fraction += u.busy_fraction;
    m.kv_mean_fraction += u.kv_mean_fraction;
    m.kv_peak_fraction = std::max(m.kv_peak_fraction, u.kv_peak_fraction);
    m.preemptions += s.preemptions;
    m.swap_s += s.swap_s;
    m.handed_off += s.handed_off;
    cached += s.cached_prompt_tokens;
    computed += s.prefill_tokens;
  }
  m.prefix_cache_hit_fraction = Ratio(cached, cached + computed);
  m.replicas = static_cast<int>(res.replicas.size());
  m.busy_fraction = Ratio(m.busy_fraction, m.replicas);
  m.kv_mean_fraction = Ratio(m.kv_mean_fraction, m.replicas);

  // shared/metrics.md: the whole fleet is paid for over D, busy or idle; output tokens carry all
  // of it (usd_per_million_output_tokens), or input and output tokens together.
  // Each group's accelerators at its own accelerator's price.
  SummarizeGroups(r, &m);
  double usd_per_hour = 0;
  bool priced = true;
  for (const GroupSummary& g : m.groups) {
    m.accelerators += g.accelerators;
    priced = priced && g.usd_per_hour;
    usd_per_hour += g.usd_per_hour.value_or(0);
  }
  // shared/metrics.md: energy per token = integrated power × PUE / output tokens.
  if (std::all_of(m.groups.begin(), m.groups.end(),
                  [](const GroupSummary& g) { return g.accelerator_power_w.has_value(); })) {
    double watts = 0;
    for (const GroupSummary& g : m.groups) watts += *g.accelerator_power_w;
    const double joules = watts * d;
    m.accelerator_power_w = watts;
    m.accelerator_energy_kwh = joules / 3.6e6;
    m.facility_energy_kwh = joules * r.facility.pue / 3.6e6;
    m.joules_per_output_token =
        Ratio(joules * r.facility.pue, static_cast<double>(res.output_tokens));
  }
  if (priced) {
    m.usd_per_hour = usd_per_hour;
    m.usd_total = usd_per_hour * d / kSecondsPerHour;
    m.usd_per_million_output_tokens =
        Ratio(*m.usd_total, static_cast<double>(res.output_tokens)) * 1e6;
    m.usd_per_million_tokens =
        Ratio(*m.usd_total, static_cast<double>(res.input_tokens + res.output_tokens)) * 1e6;
  }
  return m;
}

std::string SimulateText(const SimulateReport& r) {
  const SimulateSummary m = Summarize(r);
  std::string out;
  WorkloadText(r.workload, &out);
  FleetText(r, m, &out);
  ResultsText(r, m, &out);
  CostText(r, m, &out);
  EnergyText(r, m, &out);
  return out;
}

nlohmann::json SimulateJson(const SimulateReport& r) {
  const SimulateSummary m = Summarize(r);
  const sim::SimResult& res = r.result;
  nlohmann::json j = {{"workload", WorkloadJson(r.workload)}, {"fleet", FleetJson(r, m)}};
  j["completed_requests"] = res.completed_requests;
  j["input_tokens"] = res.input_tokens;
  j["output_tokens"] = res.output_tokens;
  j["start_s"] = res.start_s;
  j["end_s"] = res.end_s;
  j["duration_s"] = m.duration_s;
  j["requests_per_s"] = m.requests_per_s;
  j["output_tokens_per_s"] = m.output_tokens_per_s;
  j["output_tokens_per_s_per_accelerator"] = Ratio(m.output_tokens_per_s, m.accelerators);
  j["input_tokens_per_s"] = m.input_tokens_per_s;
  j["total_tokens_per_s"] = m.total_tokens_per_s;
  LatencyJson("ttft", res.ttft, &j);
  LatencyJson("tpot", res.tpot, &j);
  LatencyJson("itl", res.itl, &j);
  LatencyJson("e2e", res.e2e, &j);
  LatencyJson("queue", res.queue, &j);
  j["mean_requests_in_system"] = m.mean_requests_in_system;
  j["slo_ttft_s"] = Optional(r.slos.ttft_s);
  j["slo_tpot_s"] = Optional(r.slos.tpot_s);
  j["good_requests"] = r.slos.any() ? nlohmann::json(r.good_requests) : nlohmann::json(nullptr);
  j["goodput_requests_per_s"] = Optional(m.goodput_requests_per_s);
  j["goodput_output_tokens_per_s"] = Optional(m.goodput_output_tokens_per_s);
  j["goodput_share"] = Optional(m.goodput_share);
  j["busy_fraction"] = m.busy_fraction;
  j["kv_mean_fraction"] = m.kv_mean_fraction;
  j["kv_peak_fraction"] = m.kv_peak_fraction;
  j["preemptions"] = m.preemptions;
  j["swap_s"] = m.swap_s;
  j["prefix_cache_hit_fraction"] = m.prefix_cache_hit_fraction;
  j["usd_per_hour"] = Optional(m.usd_per_hour);
  j["usd_total"] = Optional(m.usd_total);
  j["usd_per_million_output_tokens"] = Optional(m.usd_per_million_output_tokens);
  j["usd_per_million_tokens"] = Optional(m.usd_per_million_tokens);
  j["pue"] = r.facility.pue;
  j["accelerator_power_w"] = Optional(m.accelerator_power_w);
  j["accelerator_energy_kwh"] = Optional(m.accelerator_energy_kwh);
  j["energy_kwh"] = Optional(m.facility_energy_kwh);
  j["joules_per_output_token"] = Optional(m.joules_per_output_token);
  j["handed_off_requests"] = m.handed_off;
  nlohmann::json replicas = nlohmann::json::array();
  const std::vector<int> group_of = ReplicaGroups(r);
  for (size_t i = 0; i < res.replicas.size(); ++i) {
    const sim::ReplicaStats& s = res.replicas[i];
    const ReplicaUse u = UseOf(s, m.duration_s);
    const sim::ReplicaSpec& spec = r.groups[static_cast<size_t>(group_of[i])].spec;
    replicas.push_back(
        {{"replica", i},
         {"group", group_of[i]},
         {"role", RoleName(spec.role)},
         {"tier", spec.tier},
         {"handed_off", s.handed_off},
         {"completed_requests", s.completed},
         {"steps", s.steps},
         {"busy_s", s.busy_s},
         {"busy_fraction", u.busy_fraction},
         {"kv_mean_fraction", u.kv_mean_fraction},
         {"kv_peak_fraction", u.kv_peak_fraction},
         {"mean_batch_sequences", Ratio(s.batch_sequence_steps, static_cast<double>(s.steps))},
         {"prefill_tokens", s.prefill_tokens},
         {"cached_prompt_tokens", s.cached_prompt_tokens},
         {"preemptions", s.preemptions}});
  }
  j["per_replica"] = replicas;
  return j;
}

}  // namespace pertoken::report
