#include "cli/simulate_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "cli/fleet_file.h"
#include "cli/progress_bar.h"
#include "cli/spec_decode.h"
#include "cli/workload_flag.h"
#include "report/simulate_csv.h"
#include "report/simulate_report.h"
#include "sim/simulator.h"
#include "validate/text.h"
#include "workload/spec.h"
#include "workload/stats.h"
#include "workload/trace.h"

namespace pertoken::cli {

namespace {

// Upper bound beyond which a number of requests is a typo, not a plan.
constexpr int64_t kMaxRequests = 1'000'000'000;

// A finite number > 0 (>= 0 with allow_zero), or absent.
Status CheckNumber(const char* flag, const std::optional<double>& v, const char* unit,
                   bool allow_zero = false) {
  if (!v || (std::isfinite(*v) && (*v > 0 || (allow_zero && *v == 0)))) return Status();
  return Status::InvalidArgument(
      fmt::format("{} must be a number {} 0{}, got {}", flag, allow_zero ? ">=" : ">", unit, *v));
}

Status CheckCount(const char* flag, const std::optional<int64_t>& v, int64_t max) {
  if (!v || (*v >= 1 && *v <= max)) return Status();
  return Status::InvalidArgument(fmt::format("{} must be from 1 to {}, got {}", flag, max, *v));
}

Status CheckWorkload(const WorkloadOptions& w) {
  if (w.trace.empty() == w.arrivals.empty()) {
    return Status::InvalidArgument(
        w.trace.empty() ? "give a workload: --trace NAME|FILE, or --arrivals SPEC --lengths SPEC"
                        : "give --trace or --arrivals, not both");
  }
  if (!w.trace.empty()) {
    if (!w.lengths.empty() || w.requests || w.duration_s || w.seed) {
      return Status::InvalidArgument(
          "--lengths, --requests, --duration and --seed shape a synthetic stream (--arrivals); "
          "--trace replays the trace's own requests");
    }
    for (Status s : {CheckNumber("--speedup", w.speedup, ""),
                     CheckNumber("--window-start", w.window_start_s, " s", true),
                     CheckNumber("--window", w.window_s, " s"),
                     CheckCount("--max-requests", w.max_requests, kMaxRequests)}) {
      if (!s.ok()) return s;
    }
    return Status();
  }
  if (w.speedup || w.window_start_s || w.window_s || w.max_requests) {
    return Status::InvalidArgument(
        "--speedup, --window-start, --window and --max-requests apply to --trace, not to "
        "--arrivals");
  }
  if (w.lengths.empty()) return Status::InvalidArgument("--arrivals needs --lengths SPEC");
  if (w.requests.has_value() == w.duration_s.has_value()) {
    return Status::InvalidArgument(
        "--arrivals needs one of --requests N and --duration S, to end the stream");
  }
  if (Status s = CheckCount("--requests", w.requests, kMaxRequests); !s.ok()) return s;
  return CheckNumber("--duration", w.duration_s, " s");
}

Status CheckGroup(const ReplicaGroupOptions& g) {
  if (g.deployment.model.empty() || g.deployment.accelerator.empty()) {
    return Status::InvalidArgument(
        "give a deployment: --model M --accelerator A, or a fleet file: --fleet FILE.toml");
  }
  if (g.replicas && (*g.replicas < 1 || *g.replicas > kMaxReplicas)) {
    return Status::InvalidArgument(
        fmt::format("--replicas must be from 1 to {}, got {}", kMaxReplicas, *g.replicas));
  }
  if (g.batching != "continuous" && g.batching != "static") {
    return Status::InvalidArgument(
        fmt::format("--batching must be continuous or static, got '{}'", g.batching));
  }
  for (auto [flag, value] : {std::pair{"--chunked-prefill", &g.chunked_prefill},
                             std::pair{"--prefix-caching", &g.prefix_caching}}) {
    if (!value->empty() && *value != "on" && *value != "off") {
      return Status::InvalidArgument(fmt::format("{} must be on or off, got '{}'", flag, *value));
    }
  }
  if (g.preemption != "recompute" && g.preemption != "swap") {
    return Status::InvalidArgument(
        fmt::format("--preemption must be recompute or swap, got '{}'", g.preemption));
  }
  if (Status s = CheckCount("--max-num-seqs", g.max_num_seqs, kMaxStepTokens); !s.ok()) return s;
  return CheckCount("--max-batched-tokens", g.max_batched_tokens, kMaxStepTokens);
}

// --disaggregate P:D: the prefill and decode replicas, each from 1 to kMaxReplicas.
Result<std::pair<int, int>> ParseDisaggregate(const std::string& text) {
  const size_t colon = text.find(':');
  if (colon != std::string::npos) {
    const auto p = validate::ParseNumber(text.substr(0, colon));
    const auto d = validate::ParseNumber(text.substr(colon + 1));
    auto count = [](const std::optional<double>& v) {
      return v && *v >= 1 && *v <= kMaxReplicas && *v == std::floor(*v);
    };
    if (count(p) && count(d)) return std::pair{static_cast<int>(*p), static_cast<int>(*d)};
  }
  return Status::InvalidArgument(fmt::format(
      "--disaggregate must be P:D, P prefill and D decode replicas (each from 1 to {}), got '{}'",
      kMaxReplicas, text));
}

// The command line's fleet flags, against --fleet and against each other.
Status CheckFleetFlags(const SimulateOptions& o) {
  if (!o.fleet_file.empty()) {
    if (o.fleet_flags.empty()) return Status();
    std::string flags;
    for (const std::string& f : o.fleet_flags) flags += (flags.empty() ? "" : ", ") + f;
    return Status::InvalidArgument(
        fmt::format("--fleet describes the whole fleet: give {} in the fleet file "
                    "(doc/formats/fleet.md), not on the command line",
                    flags));
  }
  if (o.fleet.empty()) return Status::InvalidArgument("the fleet has no replica");
  for (const ReplicaGroupOptions& g : o.fleet) {
    if (Status s = CheckGroup(g); !s.ok()) return s;
  }
  if (o.routing != "least-outstanding" && o.routing != "round-robin" &&
      o.routing != "prefix-affinity") {
    return Status::InvalidArgument(
        fmt::format("--routing must be least-outstanding, round-robin or prefix-affinity, got '{}'",
                    o.routing));
  }
  if (!o.disaggregate.empty()) {
    if (o.fleet.size() != 1) {
      return Status::InvalidArgument("--disaggregate splits one deployment, not several");
    }
    if (o.fleet[0].replicas) {
      return Status::InvalidArgument(
          "--disaggregate P:D gives the replicas (P prefill, D decode): drop --replicas");
    }
    if (o.fleet[0].batching == "static") {
      return Status::InvalidArgument(
          "--disaggregate: prefill and decode replicas batch continuously, not --batching static");
    }
    if (auto pd = ParseDisaggregate(o.disaggregate); !pd.ok()) return pd.status();
  }
  if (o.kv_transfer_gb_per_s && o.disaggregate.empty()) {
    return Status::InvalidArgument(
        "--kv-transfer-gbps is the prefill-to-decode link: it needs --disaggregate P:D");
  }
  return CheckNumber("--kv-transfer-gbps", o.kv_transfer_gb_per_s, " GB/s");
}

Status CheckOptions(const SimulateOptions& o) {
  if (Status s = CheckFleetFlags(o); !s.ok()) return s;
  if (Status s = CheckWorkload(o.workload); !s.ok()) return s;
  for (Status s : {CheckNumber("--slo-ttft", o.slo_ttft_s, " s"),
                   CheckNumber("--slo-tpot", o.slo_tpot_s, " s"),
                   CheckNumber("--usd-per-hour", o.usd_per_accelerator_hour, "", true),
                   CheckNumber("--timeline-interval", o.timeline_interval_s, " s")}) {
    if (!s.ok()) return s;
  }
  return Status();
}

// The fleet the command line describes: one group of unified replicas, or with --disaggregate
// its prefill and decode groups. REQUIRES: CheckFleetFlags(o) is OK and o.fleet_file is empty.
FleetOptions FleetFromFlags(const SimulateOptions& o) {
  FleetOptions f{.groups = o.fleet, .routing = o.routing};
  if (o.kv_transfer_gb_per_s) f.kv_transfer_bytes_per_s = *o.kv_transfer_gb_per_s * kBytesPerGB;
  if (o.disaggregate.empty()) return f;
  const auto [prefill, decode] = *ParseDisaggregate(o.disaggregate);
  f.groups = {o.fleet[0], o.fleet[0]};
  f.groups[0].role = "prefill";
  f.groups[0].replicas = prefill;
  f.groups[1].role = "decode";
  f.groups[1].replicas = decode;
  return f;
}

struct Stream {
  std::vector<workload::Request> requests;
  report::WorkloadReport report;
};

// A built-in trace name, else a path: anything with a '/' or ending in .csv, or an existing file.
Result<std::string> TracePath(const WorkloadOptions& w) {
  const std::string& t = w.trace;
  if (t.find('/') != std::string::npos || t.ends_with(".csv")) return t;
  auto path = workload::BuiltinTracePath(t, w.traces_dir);
  if (path.ok() || !std::filesystem::is_regular_file(t)) return path;
  return t;
}

Result<Stream> ReplayTrace(const WorkloadOptions& w) {
  auto path = TracePath(w);
  if (!path.ok()) return Status::InvalidArgument("--trace: " + path.status().message());
  auto trace = workload::ReadTrace(*path);
  if (!trace.ok()) return Status::InvalidArgument("--trace: " + trace.status().message());
  Stream s;
  report::WorkloadReport& r = s.report;
  r.trace = w.trace;
  r.path = *path;
  r.skipped = trace->skipped;
  r.replay = {.window_start_s = w.window_start_s.value_or(0),
              .window_s = w.window_s.value_or(0),
              .speedup = w.speedup.value_or(1),
              .max_requests = w.max_requests.value_or(0)};
  auto requests = workload::Replay(trace->requests, r.replay);
  if (!requests.ok()) return Status::InvalidArgument("--trace: " + requests.status().message());
  if (requests->empty() && !trace->requests.empty()) {
    return Status::InvalidArgument(
        fmt::format("--trace {}: no request inside the replayed window ({} requests in the trace)",
                    w.trace, trace->requests.size()));
  }
  if (requests->empty()) {
    return Status::InvalidArgument(
        fmt::format("--trace {}: the trace has no request ({} rows left out for 0 tokens)", w.trace,
                    trace->skipped.count));
  }
  s.requests = std::move(requests).value();
  return s;
}

Result<Stream> GenerateSynthetic(const WorkloadOptions& w) {
  auto arrivals = workload::ParseArrivalSpec(w.arrivals, "--arrivals");
  if (!arrivals.ok()) return arrivals.status();
  auto lengths = workload::ParseLengthSpec(w.lengths, "--lengths");
  if (!lengths.ok()) return lengths.status();
  Stream s;
  report::WorkloadReport& r = s.report;
  r.synthetic = true;
  r.arrivals = w.arrivals;
  r.lengths = w.lengths;
  r.limits = {.duration_s = w.duration_s.value_or(0), .max_requests = w.requests.value_or(0)};
  r.seed = w.seed.value_or(kDefaultSeed);
  r.skipped = lengths->skipped;
  auto requests = workload::GenerateStream(*arrivals, lengths->sampler, r.limits, r.seed);
  if (!requests.ok()) return requests.status();
  if (requests->empty()) {
    return Status::InvalidArgument(
        fmt::format("no request arrives within --duration {:g} s at --arrivals {}",
                    r.limits.duration_s, w.arrivals));
  }
  s.requests = std::move(requests).value();
  return s;
}

// `s`, an error about group `g`, after where a fleet file defines the group.
Status InGroup(const ReplicaGroupOptions& g, const Status& s) {
  if (g.where.empty()) return s;
  return Status::InvalidArgument(g.where + ": " + s.message());
}

sim::Role RoleOf(const std::string& role) {
  if (role == "prefill") return sim::Role::kPrefill;
  if (role == "decode") return sim::Role::kDecode;
  return sim::Role::kUnified;
}

// One replica of group `g`, sized for the stream's longest request. A request longer than the
// model's context is left for the simulator to report, with its own message.
Result<sim::ReplicaSpec> ResolveReplica(const catalog::Catalog& cat, const ReplicaGroupOptions& g,
                                        int64_t longest_tokens) {
  FitOptions fo = g.deployment;
  if (auto model = cat.FindModel(fo.model); model.ok()) {
    const int64_t model_max = (*model)->max_context_tokens;
    fo.context_tokens = std::min(longest_tokens, model_max);
    if (!fo.max_context_tokens) fo.max_context_tokens = model_max;
  }
  auto deployment = ResolveDeployment(cat, fo);
  if (!deployment.ok()) return InGroup(g, deployment.status());
  sim::ReplicaSpec spec{.deployment = *deployment, .role = RoleOf(g.role), .tier = g.tier};
  spec.batching = g.batching == "static" ? sim::Batching::kStatic : sim::Batching::kContinuous;
  spec.max_num_seqs = g.max_num_seqs.value_or(0);
  spec.max_batched_tokens = g.max_batched_tokens.value_or(0);
  if (!g.chunked_prefill.empty()) spec.chunked_prefill = g.chunked_prefill == "on" ? 1 : 0;
  if (!g.prefix_caching.empty()) spec.prefix_caching = g.prefix_caching == "on" ? 1 : 0;
  spec.preemption = g.preemption == "swap" ? sim::Preemption::kSwap : sim::Preemption::kRecompute;
  if (!g.spec_decode.empty()) {
    auto sd = ParseSpecDecode(cat, g.spec_decode);
    if (!sd.ok()) {
      return InGroup(g, Status::InvalidArgument("--spec-decode: " + sd.status().message()));
    }
    spec.spec = *sd;
  }
  return spec;
}

// The simulator's fleet for `f`, every replica sized for the stream's longest request, and the
// fleet's description (groups with their prices, tiers, link) for the report.
Result<sim::FleetSpec> ResolveFleet(const catalog::Catalog& cat, const FleetOptions& f,
                                    std::optional<double> usd_per_accelerator_hour,
                                    int64_t longest_tokens, report::SimulateReport* rep) {
  sim::FleetSpec fleet;
  fleet.routing = f.routing == "round-robin"       ? sim::Routing::kRoundRobin
                  : f.routing == "prefix-affinity" ? sim::Routing::kPrefixAffinity
                                                   : sim::Routing::kLeastOutstanding;
  fleet.tier_shares = f.tier_shares;
  fleet.kv_transfer_bytes_per_s = f.kv_transfer_bytes_per_s.value_or(0);
  for (const ReplicaGroupOptions& g : f.groups) {
    auto spec = ResolveReplica(cat, g, longest_tokens);
    if (!spec.ok()) return spec.status();
    const int replicas = g.replicas.value_or(1);
    fleet.replicas.insert(fleet.replicas.end(), static_cast<size_t>(replicas), *spec);
    rep->groups.push_back(
        {.spec = *spec,
         .replicas = replicas,
         .price = PriceFor(cat, *spec->deployment.accelerator, usd_per_accelerator_hour),
         .power = metrics::PowerOf(cat, *spec->deployment.accelerator)});
  }
  rep->routing = fleet.routing;
  rep->tier_shares = f.tier_shares;
  rep->tier_names = f.tier_names;
  rep->kv_transfer_bytes_per_s = fleet.kv_transfer_bytes_per_s;
  rep->fleet_file = f.file;
  return fleet;
}

// A simulator error about a fleet file's fleet: the file, and which groups and tiers the
// simulator's replica and tier numbers are.
std::string InFleetFile(const FleetOptions& f, const std::string& message) {
  if (f.file.empty()) return message;
  std::string legend;
  if (message.find("replica") != std::string::npos) {
    int first = 1;
    for (size_t i = 0; i < f.groups.size(); ++i) {
      const int last = first + f.groups[i].replicas.value_or(1) - 1;
      legend += fmt::format(
          "{}replica{} {} {} group[{}]", legend.empty() ? "" : "; ", first == last ? "" : "s",
          first == last ? fmt::format("{}", first) : fmt::format("{}-{}", first, last),
          first == last ? "is" : "are", i);
      first = last + 1;
    }
  }
  if (message.find("tier") != std::string::npos) {
    for (size_t t = 0; t < f.tier_names.size(); ++t) {
      legend += fmt::format("{}tier {} is {}", legend.empty() ? "" : "; ", t, f.tier_names[t]);
    }
  }
  return fmt::format("{}: {}{}", f.file, message, legend.empty() ? "" : " (" + legend + ")");
}

// Opens `path` for --requests-out or --timeline-out and writes the header line.
Status OpenCsv(const char* flag, const std::string& path, const std::string& header,
               std::ofstream* file) {
  file->open(path);
  if (!*file) {
    return Status::IoError(fmt::format("{} {}: cannot open the file for writing", flag, path));
  }
  *file << header << '\n';
  return Status();
}

Status CloseCsv(const char* flag, const std::string& path, std::ofstream* file) {
  if (!file->is_open()) return Status();
  file->close();
  if (!*file) return Status::IoError(fmt::format("{} {}: writing the file failed", flag, path));
  return Status();
}

// Fail() for a status with one problem per line: an `error:` line for each.
int FailEach(std::ostream& err, const Status& s) {
  const std::string& m = s.message();
  for (size_t start = 0; start <= m.size();) {
    const size_t nl = std::min(m.find('\n', start), m.size());
    Fail(err, m.substr(start, nl - start));
    start = nl + 1;
  }
  return kExitFailure;
}

}  // namespace

int RunSimulate(const catalog::Catalog& cat, const SimulateOptions& given, std::ostream& out,
                std::ostream& err) {
  // --workload stands for the --lengths spec of its lengths.
  SimulateOptions o = given;
  if (const std::string& id = given.workload.benchmark_workload; !id.empty()) {
    if (!given.workload.lengths.empty() || !given.workload.trace.empty()) {
      return Fail(err, fmt::format("contradictory flags: --workload {} sets the request lengths; "
                                   "drop {}",
                                   id, given.workload.trace.empty() ? "--lengths" : "--trace"));
    }
    auto spec = WorkloadLengthSpec(cat, id);
    if (!spec.ok()) return Fail(err, spec.status().message());
    o.workload.lengths = *spec;
  }
  if (Status s = CheckOptions(o); !s.ok()) return Fail(err, s.message());

  // The fleet, before the stream, so that a fleet file's mistakes come before a long trace read.
  FleetOptions fleet_options;
  if (o.fleet_file.empty()) {
    fleet_options = FleetFromFlags(o);
  } else {
    auto f = ReadFleetFile(cat, o.fleet_file);
    if (!f.ok()) return FailEach(err, f.status());
    fleet_options = std::move(f).value();
  }

  // The request stream: its longest request sizes each replica's memory fit.
  auto stream = o.workload.trace.empty() ? GenerateSynthetic(o.workload) : ReplayTrace(o.workload);
  if (!stream.ok()) return Fail(err, stream.status().message());
  const std::vector<workload::Request>& requests = stream->requests;
  int64_t longest = 0;
  for (const auto& r : requests) longest = std::max(longest, r.input_tokens + r.output_tokens);

  report::SimulateReport rep;
  rep.workload = std::move(stream->report);
  if (!o.workload.benchmark_workload.empty()) {
    rep.workload.lengths =
        fmt::format("{} (workload {})", o.workload.lengths, o.workload.benchmark_workload);
  }
  rep.workload.stats = workload::Summarize(requests);
  rep.workload.prefix_ids = std::any_of(requests.begin(), requests.end(),
                                        [](const auto& r) { return !r.prefix_blocks.empty(); });
  rep.slos = {.ttft_s = o.slo_ttft_s, .tpot_s = o.slo_tpot_s};
  auto fleet = ResolveFleet(cat, fleet_options, o.usd_per_accelerator_hour, longest, &rep);
  if (!fleet.ok()) return Fail(err, fleet.status().message());
  auto facility = FacilityFor(cat, o.datacenter, o.pue);
  if (!facility.ok()) return Fail(err, facility.status().message());
  rep.facility = *facility;
  const std::vector<int> group_of = report::ReplicaGroups(rep);

  // Per-request and timeline files are written as the run goes, so memory stays bounded.
  std::ofstream requests_csv, timeline_csv;
  if (!o.requests_out.empty()) {
    Status s =
        OpenCsv("--requests-out", o.requests_out, report::RequestsCsvHeader(), &requests_csv);
    if (!s.ok()) return Fail(err, s.message());
  }
  if (!o.timeline_out.empty()) {
    Status s =
        OpenCsv("--timeline-out", o.timeline_out, report::TimelineCsvHeader(), &timeline_csv);
    if (!s.ok()) return Fail(err, s.message());
  }
  std::optional<ProgressBar> bar;
  const auto total = static_cast<int64_t>(requests.size());
  if (o.progress && o.progress_clock_s && total > kProgressMinRequests) {
    bar.emplace(*o.progress, total, o.progress_clock_s);
  }

  sim::SimOptions options;
  // The simulator's own draws (tiers, speculative acceptance) follow the stream's seed.
  options.seed = o.workload.seed.value_or(kDefaultSeed);
  int64_t completed = 0;
  options.on_request = [&](const sim::RequestRecord& r) {
    if (rep.slos.Met(r)) {
      ++rep.good_requests;
      rep.good_output_tokens += r.output_tokens;
    }
    if (requests_csv.is_open()) {
      requests_csv << report::RequestsCsvRow(r, group_of[r.replica]) << '\n';
    }
    if (bar) bar->Update(++completed);
  };
  report::TimelineSampler sampler(o.timeline_interval_s);
  if (timeline_csv.is_open()) {
    options.on_step = [&](const sim::StepSample& s) {
      if (sampler.Take(s)) timeline_csv << report::TimelineCsvRow(s) << '\n';
    };
  }
  auto result = sim::Simulate(*fleet, requests, options);
  if (bar) bar->Finish();
  if (!result.ok()) return Fail(err, InFleetFile(fleet_options, result.status().message()));
  for (Status s : {CloseCsv("--requests-out", o.requests_out, &requests_csv),
                   CloseCsv("--timeline-out", o.timeline_out, &timeline_csv)}) {
    if (!s.ok()) return Fail(err, s.message());
  }
  rep.result = std::move(result).value();

  if (o.json) {
    out << report::SimulateJson(rep).dump(2) << "\n";
  } else {
    out << report::SimulateText(rep);
  }
  // SLOs that no request met are not a result to read past: say how far the best came.
  if (rep.slos.any() && rep.good_requests == 0 && rep.result.completed_requests > 0) {
    std::string best;
    if (o.slo_ttft_s) {
      best += fmt::format("the fastest TTFT was {:.1f} ms against {:.1f} ms",
                          1e3 * rep.result.ttft.Quantile(0), 1e3 * *o.slo_ttft_s);
    }
    if (o.slo_tpot_s && rep.result.tpot.count() > 0) {
      best +=
          fmt::format("{}the fastest TPOT {:.2f} ms against {:.2f} ms", best.empty() ? "" : ", ",
                      1e3 * rep.result.tpot.Quantile(0), 1e3 * *o.slo_tpot_s);
    }
    return Fail(err, fmt::format("no request met the SLOs: {}; this fleet cannot meet them at "
                                 "this load (see `pertoken cost --slo-ttft` to size one)",
                                 best));
  }
  return kExitOk;
}

}  // namespace pertoken::cli
