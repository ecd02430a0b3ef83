#include "cli/simulate_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "cli/progress_bar.h"
#include "report/simulate_csv.h"
#include "report/simulate_report.h"
#include "sim/simulator.h"
#include "workload/spec.h"
#include "workload/stats.h"
#include "workload/trace.h"

namespace pertoken::cli {

namespace {

// Upper bounds beyond which a number is a typo, not a plan.
constexpr int kMaxReplicas = 100'000;
constexpr int64_t kMaxRequests = 1'000'000'000;
constexpr int64_t kMaxTokens = 100'000'000;

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
  if (g.replicas < 1 || g.replicas > kMaxReplicas) {
    return Status::InvalidArgument(
        fmt::format("--replicas must be from 1 to {}, got {}", kMaxReplicas, g.replicas));
  }
  if (g.batching != "continuous" && g.batching != "static") {
    return Status::InvalidArgument(
        fmt::format("--batching must be continuous or static, got '{}'", g.batching));
  }
  if (!g.chunked_prefill.empty() && g.chunked_prefill != "on" && g.chunked_prefill != "off") {
    return Status::InvalidArgument(
        fmt::format("--chunked-prefill must be on or off, got '{}'", g.chunked_prefill));
  }
  if (Status s = CheckCount("--max-num-seqs", g.max_num_seqs, kMaxTokens); !s.ok()) return s;
  return CheckCount("--max-batched-tokens", g.max_batched_tokens, kMaxTokens);
}

Status CheckOptions(const SimulateOptions& o) {
  if (Status s = CheckWorkload(o.workload); !s.ok()) return s;
  if (o.fleet.empty()) return Status::InvalidArgument("the fleet has no replica");
  for (const ReplicaGroupOptions& g : o.fleet) {
    if (Status s = CheckGroup(g); !s.ok()) return s;
  }
  if (o.routing != "least-outstanding" && o.routing != "round-robin") {
    return Status::InvalidArgument(
        fmt::format("--routing must be least-outstanding or round-robin, got '{}'", o.routing));
  }
  for (Status s : {CheckNumber("--slo-ttft", o.slo_ttft_s, " s"),
                   CheckNumber("--slo-tpot", o.slo_tpot_s, " s"),
                   CheckNumber("--usd-per-hour", o.usd_per_accelerator_hour, "", true),
                   CheckNumber("--timeline-interval", o.timeline_interval_s, " s")}) {
    if (!s.ok()) return s;
  }
  return Status();
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
  if (!deployment.ok()) return deployment.status();
  sim::ReplicaSpec spec{.deployment = *deployment};
  spec.batching = g.batching == "static" ? sim::Batching::kStatic : sim::Batching::kContinuous;
  spec.max_num_seqs = g.max_num_seqs.value_or(0);
  spec.max_batched_tokens = g.max_batched_tokens.value_or(0);
  if (!g.chunked_prefill.empty()) spec.chunked_prefill = g.chunked_prefill == "on" ? 1 : 0;
  return spec;
}

// The fleet of `o`, every replica sized for the stream's longest request, and its groups with
// their prices for the report.
Result<sim::FleetSpec> ResolveFleet(const catalog::Catalog& cat, const SimulateOptions& o,
                                    int64_t longest_tokens,
                                    std::vector<report::ReplicaGroupReport>* groups) {
  sim::FleetSpec fleet;
  fleet.routing =
      o.routing == "round-robin" ? sim::Routing::kRoundRobin : sim::Routing::kLeastOutstanding;
  for (const ReplicaGroupOptions& g : o.fleet) {
    auto spec = ResolveReplica(cat, g, longest_tokens);
    if (!spec.ok()) return spec.status();
    fleet.replicas.insert(fleet.replicas.end(), static_cast<size_t>(g.replicas), *spec);
    groups->push_back(
        {.spec = *spec,
         .replicas = g.replicas,
         .price = PriceFor(cat, *spec->deployment.accelerator, o.usd_per_accelerator_hour)});
  }
  return fleet;
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

}  // namespace

int RunSimulate(const catalog::Catalog& cat, const SimulateOptions& o, std::ostream& out,
                std::ostream& err) {
  if (Status s = CheckOptions(o); !s.ok()) return Fail(err, s.message());

  // The request stream, first: the longest request sizes each replica's memory fit.
  auto stream = o.workload.trace.empty() ? GenerateSynthetic(o.workload) : ReplayTrace(o.workload);
  if (!stream.ok()) return Fail(err, stream.status().message());
  const std::vector<workload::Request>& requests = stream->requests;
  int64_t longest = 0;
  for (const auto& r : requests) longest = std::max(longest, r.input_tokens + r.output_tokens);

  report::SimulateReport rep;
  rep.workload = std::move(stream->report);
  rep.workload.stats = workload::Summarize(requests);
  rep.workload.prefix_ids = std::any_of(requests.begin(), requests.end(),
                                        [](const auto& r) { return !r.prefix_blocks.empty(); });
  rep.slos = {.ttft_s = o.slo_ttft_s, .tpot_s = o.slo_tpot_s};
  auto fleet = ResolveFleet(cat, o, longest, &rep.groups);
  if (!fleet.ok()) return Fail(err, fleet.status().message());
  rep.routing = fleet->routing;

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
  int64_t completed = 0;
  options.on_request = [&](const sim::RequestRecord& r) {
    if (rep.slos.Met(r)) {
      ++rep.good_requests;
      rep.good_output_tokens += r.output_tokens;
    }
    if (requests_csv.is_open()) requests_csv << report::RequestsCsvRow(r) << '\n';
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
  if (!result.ok()) return Fail(err, result.status().message());
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
  return kExitOk;
}

}  // namespace pertoken::cli
