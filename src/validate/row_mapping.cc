#include "validate/row_mapping.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string_view>

#include "common/names.h"
#include "validate/mlperf_layout.h"
#include "validate/text.h"

namespace pertoken::validate {

namespace {

struct Lengths {
  int64_t input = 0;
  int64_t output = 0;
};

// Records why the row stops here; returns false so steps can `return SkipRow(...)`.
bool SkipRow(RowPlan* plan, std::string reason, std::string detail = "") {
  plan->skip = {.reason = std::move(reason), .detail = std::move(detail)};
  return false;
}

// "llama-3.1-405b" and "llama3.1-405b" both -> "llama3.1405b".
std::string Compact(const std::string& name) {
  std::string n = NormalizeName(name);
  n.erase(std::remove(n.begin(), n.end(), '-'), n.end());
  return n;
}

const BenchmarkWorkload* FindWorkload(NameResolver& names,
                                      const std::vector<BenchmarkWorkload>& workloads,
                                      const catalog::Model& model) {
  for (const auto& w : workloads) {
    if (Compact(w.benchmark) == Compact(model.id)) return &w;
  }
  for (const auto& w : workloads) {
    if (auto m = names.Model(w.model); m.ok() && *m == &model) return &w;
  }
  return nullptr;
}

// A benchmark script that a source ran without its page saying what the script does: the dataset
// it samples (a workload, by benchmark name) and how it loads the engine.
struct SourceScript {
  std::string_view source;    // part of the row's source column
  std::string_view notes;     // part of its notes
  std::string_view workload;  // BenchmarkWorkload::benchmark
  // The words before the number of client threads in concurrency_or_batch: each thread sends
  // its next request when its last one is answered (a closed loop, kFixedConcurrency).
  std::string_view clients_after;
  // For the row's assumptions: how the dataset and the load are known.
  std::string_view dataset_why;
  std::string_view clients_why;
};

// LMDeploy's request-throughput table (shared/data/measurements README, source 5: "3000 prompts,
// dataset not named on the page", "max batch N"). lmdeploy's benchmark scripts
// (benchmark/benchmark_7b.sh ... _70b.sh; benchmark/benchmark_turbomind_engine_a100.sh) run
// `profile_throughput.py ShareGPT_V3_unfiltered_cleaned_split.json ... --concurrency
// ${max_batch_size}`, and profile_throughput.py's --concurrency is its number of request threads.
constexpr SourceScript kSourceScripts[] = {
    {.source = "InternLM/lmdeploy",
     .notes = "Request throughput benchmark",
     .workload = "sharegpt",
     .clients_after = "max batch",
     .dataset_why = "LMDeploy's benchmark scripts run profile_throughput.py on "
                    "ShareGPT_V3_unfiltered_cleaned_split.json",
     .clients_why = "profile_throughput.py --concurrency, which the scripts set to the max batch, "
                    "is its number of request threads"},
};

const SourceScript* FindSourceScript(const Measurement& m) {
  for (const SourceScript& s : kSourceScripts) {
    if (ContainsNoCase(m.source, s.source) && ContainsNoCase(m.notes, s.notes)) return &s;
  }
  return nullptr;
}

// Whether the row's prompts come from a benchmark's random dataset (`vllm bench serve
// --dataset-name random`, GPUStack's cases "random 2K input"): random tokens of one length, each
// request asking for the same number of output tokens.
bool RandomPrompts(const std::string& notes) {
  return ContainsNoCase(notes, "case \"random ") || ContainsNoCase(notes, "dataset-name random") ||
         ContainsNoCase(notes, "random dataset");
}

// The workload a source script samples; nullptr when there is none or it is not in `workloads`.
const BenchmarkWorkload* ScriptWorkload(const std::vector<BenchmarkWorkload>& workloads,
                                        const SourceScript* script) {
  if (!script) return nullptr;
  for (const auto& w : workloads) {
    if (Compact(w.benchmark) == Compact(std::string(script->workload))) return &w;
  }
  return nullptr;
}

// Rows whose numbers their page copied from another experiment, so what produced them is not
// known: skipped with `reason`. Only one is known.
struct CopiedResults {
  std::string_view source;    // part of the row's source column
  std::string_view notes[2];  // parts of its notes, all present
  std::string_view reason;
  std::string_view detail;
};

// GPUStack's qwen3-8b/910b.md: its "Other Benchmark Cases" MindIE ("Optimized") results repeat,
// number for number, those of qwen3-30b-a3b/910b.md, whose conclusion table lists them for
// Qwen3-30B-A3B (qwen3-8b's own conclusion table gives other figures). That page runs MindIE
// with no NPU count ("Ascend 910B NPUs"; its vLLM baseline uses -tp 2), and Qwen3-30B-A3B's BF16
// weights (61 GB) do not leave room on the one 64 GB NPU the row states.
constexpr CopiedResults kCopiedResults[] = {
    {.source = "docs/performance-lab/qwen3-8b/910b.md",
     .notes = {"Other Benchmark Cases", "mindie"},
     .reason = "cannot know the accelerators: qwen3-30b-a3b on ascend-910b, results copied from a "
               "page that states no count",
     .detail = "GPUStack's qwen3-8b/910b.md repeats the MindIE results of "
               "qwen3-30b-a3b/910b.md, which does not say how many NPUs MindIE used"},
};

const CopiedResults* FindCopiedResults(const Measurement& m) {
  for (const CopiedResults& c : kCopiedResults) {
    if (ContainsNoCase(m.source, c.source) && ContainsNoCase(m.notes, c.notes[0]) &&
        ContainsNoCase(m.notes, c.notes[1])) {
      return &c;
    }
  }
  return nullptr;
}

// The serving command the notes record ("serving cmd: `vllm serve Qwen/Qwen3-8B -tp 2`"), or "".
std::string_view ServingCommand(const std::string& notes) {
  constexpr std::string_view kMarker = "serving cmd: `";
  const size_t at = notes.find(kMarker);
  if (at == std::string::npos) return {};
  const size_t begin = at + kMarker.size();
  const size_t end = notes.find('`', begin);
  return std::string_view(notes).substr(begin, end == std::string::npos ? end : end - begin);
}

// The model a serving command serves: the word after "serve" ("vllm serve Qwen/Qwen3-8B",
// "mindie serve X"), or "" when the command names none (or is cut off before it).
std::string ServedModel(std::string_view command) {
  std::vector<std::string_view> words;
  for (size_t i = 0; i < command.size();) {
    const size_t start = command.find_first_not_of(" \t", i);
    if (start == std::string_view::npos) break;
    const size_t stop = std::min(command.find_first_of(" \t", start), command.size());
    words.push_back(command.substr(start, stop - start));
    i = stop;
  }
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == "#") return "";  // a comment: whatever follows is not the command
    if (words[i] == "serve" && !words[i + 1].starts_with("-")) return std::string(words[i + 1]);
  }
  return "";
}

Result<int64_t> Tokens(const std::string& text, const char* column) {
  const auto v = ParseNumber(text);
  if (!v || *v <= 0) {
    return Status::InvalidArgument(fmt::format("{} '{}' is not a positive number", column, text));
  }
  return std::max<int64_t>(1, std::llround(*v));
}

// The row's lengths: its columns, a 1-token stand-in for the one a one-phase speed leaves blank,
// or the mean lengths of the row's benchmark workload (MLPerf rows, and rows whose source samples
// a known dataset: `why` says how the workload is known, "" for MLPerf).
Result<Lengths> RowLengths(const Measurement& m, const BenchmarkWorkload* workload,
                           bool workloads_read, const std::string& why,
                           std::vector<std::string>* assumptions) {
  const bool has_in = !Trim(m.input_len).empty();
  const bool has_out = !Trim(m.output_len).empty();
  if (has_in || has_out) {
    auto in = has_in ? Tokens(m.input_len, "input_len") : Result<int64_t>(1);
    auto out = has_out ? Tokens(m.output_len, "output_len") : Result<int64_t>(1);
    if (!in.ok()) return in.status();
    if (!out.ok()) return out.status();
    if (!has_in) assumptions->push_back("no prompt length given: a 1-token prompt");
    if (!has_out) assumptions->push_back("no output length given: 1 output token");
    return Lengths{*in, *out};
  }
  if (!workloads_read) {
    return Status::NotFound("blank lengths, and the benchmark workloads file was not read");
  }
  if (!workload) return Status::NotFound("blank lengths and no benchmark workload for the model");
  if (!workload->input_mean_tokens || !workload->output_mean_tokens) {
    return Status::NotFound(fmt::format(
        "benchmark {} has no published mean input and output length", workload->benchmark));
  }
  assumptions->push_back(
      fmt::format("lengths: mean input {} and output {} tokens of benchmark {} ({}){}",
                  *workload->input_mean_tokens, *workload->output_mean_tokens, workload->benchmark,
                  workload->where, why.empty() ? "" : ": " + why));
  return Lengths{std::max<int64_t>(1, std::llround(*workload->input_mean_tokens)),
                 std::max<int64_t>(1, std::llround(*workload->output_mean_tokens))};
}

Result<int> LayoutNumber(const std::string& text, const char* column) {
  const auto v = ParseNumber(text);
  if (!v || *v < 1 || *v != std::floor(*v)) {
    return Status::InvalidArgument(fmt::format("{} '{}' is not a positive integer", column, text));
  }
  return static_cast<int>(*v);
}

// The best layout of `count` accelerators when the row states none.
Result<perf::Layout> UnstatedLayout(const Measurement& m, perf::FitRequest request, int count) {
  const catalog::Model& model = *request.model;
  const catalog::Accelerator& acc = *request.accelerator;
  if (ContainsNoCase(m.notes, "layer split")) {
    const perf::Layout split{.tp = 1, .pp = count, .ep = 1};
    if (Status s = perf::CheckLayout(model, acc, split); !s.ok()) return s;
    return split;
  }
  const perf::Layout tp{.tp = count, .pp = 1, .ep = 1};
  if (perf::CheckLayout(model, acc, tp).ok()) return tp;
  std::vector<perf::FitResult> fits;
  for (const perf::Layout& l : perf::LayoutsFor(model, acc, count)) {
    request.layout = l;
    fits.push_back(perf::Fit(request));
  }
  if (fits.empty()) {
    return Status::InvalidArgument(
        fmt::format("no valid layout of {} × {} for {}", count, acc.id, model.id));
  }
  std::stable_sort(fits.begin(), fits.end(), perf::BetterFit);
  return fits.front().layout;
}

// The layout the row states in its tp, pp and ep columns.
Result<perf::Layout> StatedLayout(const Measurement& m) {
  perf::Layout l;
  auto tp = LayoutNumber(m.tp, "tp");
  if (!tp.ok()) return tp.status();
  l.tp = *tp;
  if (!Trim(m.pp).empty()) {
    auto pp = LayoutNumber(m.pp, "pp");
    if (!pp.ok()) return pp.status();
    l.pp = *pp;
  }
  const std::string ep = Lower(Trim(m.ep));
  if (ep == "yes" || ep == "true") {
    l.ep = l.tp;  // experts split over the TP group of each stage
  } else if (!ep.empty()) {
    auto n = LayoutNumber(m.ep, "ep");
    if (!n.ok()) return n.status();
    l.ep = *n;
  }
  return l;
}

// The stated layout and its data-parallel replicas, or the best layout of all the accelerators.
Result<LayoutChoice> ChooseLayout(const Measurement& m, const perf::FitRequest& request,
                                  int accelerators, std::vector<std::string>* assumptions) {
  if (Trim(m.tp).empty()) {
    auto l = UnstatedLayout(m, request, accelerators);
    if (!l.ok()) return l.status();
    assumptions->push_back(fmt::format(
        "layout not stated: TP={} PP={} EP={} per replica, 1 replica", l->tp, l->pp, l->ep));
    return LayoutChoice{*l, 1};
  }
  auto l = StatedLayout(m);
  if (!l.ok()) return l.status();
  if (Status s = perf::CheckLayout(*request.model, *request.accelerator, *l); !s.ok()) return s;
  if (accelerators % l->count() != 0) {
    return Status::InvalidArgument(
        fmt::format("num_accel {} is not a multiple of TP×PP = {}", accelerators, l->count()));
  }
  return LayoutChoice{*l, accelerators / l->count()};
}

// The precision the benchmark's reference implementation runs on this engine and accelerator
// (the workload's [[reference_precision]]); nullptr when it records none.
const catalog::ReferencePrecision* ReferenceFor(const BenchmarkWorkload& workload,
                                                const catalog::Engine& engine,
                                                const catalog::Accelerator& acc) {
  for (const catalog::ReferencePrecision& p : workload.reference_precisions) {
    if (p.engine == engine.id &&
        std::find(p.accelerators.begin(), p.accelerators.end(), acc.id) != p.accelerators.end()) {
      return &p;
    }
  }
  return nullptr;
}

// The formats of the precision columns, except where the benchmark's reference implementation
// runs on this engine and accelerator: its precision fills in what the row self-reports (the
// unquantized fp16 or bf16 that MLPerf results leave in weight_data_types) or leaves open (an
// unstated KV cache beside the reference's own weight precision).
Result<PrecisionChoice> RowPrecision(const catalog::Catalog& cat, const Measurement& m,
                                     const BenchmarkWorkload* workload, const catalog::Model& model,
                                     const catalog::Engine& engine,
                                     const catalog::Accelerator& acc) {
  const catalog::ReferencePrecision* ref =
      workload ? ReferenceFor(*workload, engine, acc) : nullptr;
  const std::string weights = Lower(StripParenthetical(m.precision_weights));
  const bool self_reported = weights.empty() || weights == "fp16" || weights == "bf16";
  const bool kv_open = UnstatedPrecision(Lower(StripParenthetical(m.precision_kv)));
  if (!ref || !(self_reported || (kv_open && weights == Lower(ref->weights)))) {
    return ResolvePrecision(cat, model, m.precision_weights, m.precision_kv);
  }
  auto p = ResolvePrecision(cat, model, ref->weights, kv_open ? ref->kv : m.precision_kv);
  if (!p.ok()) return p.status();
  std::vector<std::string> taken;
  if (self_reported) taken.push_back(fmt::format("{} weights", ref->weights));
  if (kv_open) taken.push_back(fmt::format("{} KV cache", ref->kv));
  p.value().assumptions.push_back(fmt::format(
      "precision: {}, as the reference implementation of {} runs on {} with {} ({}); the row "
      "says weights '{}', KV '{}'",
      fmt::join(taken, " and "), workload->benchmark, acc.id, engine.id, workload->where,
      Trim(m.precision_weights), Trim(m.precision_kv)));
  return p;
}

// The steps of MapRow. Each fills its part of the plan, or records the skip and returns false.

// What was measured, in which regime.
bool ReadMeasured(const Measurement& m, RowPlan* plan) {
  const auto value = ParseNumber(m.value);
  if (!value || *value <= 0)
    return SkipRow(plan, "measured value is not a positive number", m.value);
  plan->measured = *value;
  auto metric = ParseMetric(m.metric);
  if (!metric.ok()) return SkipRow(plan, metric.status().message());
  plan->metric = *metric;
  plan->has_metric = true;
  auto regime = ParseRegime(m);
  if (!regime.ok()) return SkipRow(plan, regime.status().message());
  plan->regime = *regime;
  return true;
}

// On what: the catalog records of the names, the formats and the accelerator count.
bool ResolveDeployment(NameResolver& names, const std::vector<BenchmarkWorkload>& workloads,
                       const Measurement& m, RowPlan* plan) {
  auto model = names.Model(m.model);
  // The serving command the notes record says what ran; a model column that names another model
  // copied a heading of the page (GPUStack's qwen3-8b/910b.md says "Model: Qwen/Qwen3-30B-A3B"
  // while its title and every command serve Qwen/Qwen3-8B).
  if (const std::string served = ServedModel(ServingCommand(m.notes)); !served.empty()) {
    if (auto s = names.Model(served); s.ok() && (!model.ok() || *s != *model)) {
      plan->assumptions.push_back(
          fmt::format("model: {}, which the serving command serves ('{}'); the model column says "
                      "'{}'",
                      (*s)->id, served, Trim(m.model)));
      model = s;
    }
  }
  if (!model.ok()) return SkipRow(plan, model.status().message());
  plan->model_key = (*model)->id;
  auto acc = names.Accelerator(m.accelerator);
  if (!acc.ok()) return SkipRow(plan, acc.status().message());
  plan->accelerator_key = (*acc)->id;
  auto engine = names.Engine(m.engine);
  if (!engine.ok()) return SkipRow(plan, engine.status().message());
  // An engine whose older releases ran another runtime: the profile of the row's release.
  engine = &names.catalog().EngineForRelease(**engine, m.engine_version, m.source_date);
  plan->engine_key = (*engine)->id;
  if (!(*acc)->memory_bytes) {
    return SkipRow(plan, "accelerator without a memory figure", (*acc)->id);
  }
  if (const CopiedResults* copied = FindCopiedResults(m)) {
    return SkipRow(plan, std::string(copied->reason), std::string(copied->detail));
  }
  const BenchmarkWorkload* workload =
      plan->regime.mlperf ? FindWorkload(names, workloads, **model) : nullptr;
  auto precision = RowPrecision(names.catalog(), m, workload, **model, **engine, **acc);
  if (!precision.ok()) return SkipRow(plan, "unknown precision", precision.status().message());
  plan->assumptions.insert(plan->assumptions.end(), precision->assumptions.begin(),
                           precision->assumptions.end());
  auto accelerators = LayoutNumber(m.num_accel, "num_accel");
  if (!accelerators.ok()) return SkipRow(plan, "bad num_accel", accelerators.status().message());
  plan->accelerators = *accelerators;
  plan->query.deployment = {.model = *model,
                            .accelerator = *acc,
                            .engine = *engine,
                            .efficiency = &names.catalog().EfficiencyOf(**acc, **engine),
                            .precision = precision->precision};
  return true;
}

// How long the requests are; MLPerf rows take their benchmark's means and latency limits.
bool ReadLengths(NameResolver& names, const std::vector<BenchmarkWorkload>& workloads,
                 const Measurement& m, RowPlan* plan) {
  const SourceScript* script = plan->regime.mlperf ? nullptr : FindSourceScript(m);
  const std::string why(script ? script->dataset_why : "");
  const BenchmarkWorkload* workload =
      plan->regime.mlperf ? FindWorkload(names, workloads, *plan->query.deployment.model)
                          : ScriptWorkload(workloads, script);
  auto lengths = RowLengths(m, workload, !workloads.empty(), why, &plan->assumptions);
  if (!lengths.ok()) {
    const bool missing = lengths.status().code() == StatusCode::kNotFound;
    return SkipRow(plan, missing ? "no workload lengths" : "bad input_len or output_len",
                   lengths.status().message());
  }
  plan->query.input_tokens = lengths->input;
  plan->query.output_tokens = lengths->output;
  if (const auto clients =
          script ? NumberAfter(m.concurrency_or_batch, script->clients_after) : std::nullopt;
      clients && *clients > 0) {
    plan->regime = {.regime = perf::Regime::kFixedConcurrency, .concurrency = *clients};
    plan->assumptions.push_back(
        fmt::format("load: {:g} clients, each sending its next request when its last is answered "
                    "({})",
                    *clients, script->clients_why));
  }
  // Lengths that are a dataset's means vary from request to request (outputs end at EOS), unless
  // the prompts are random tokens: a benchmark's random dataset asks every request for the same
  // number of output tokens, and nearly all of them produce that many (GPUStack's "random 2K
  // input" runs average 100.0 output tokens of 100 asked for), so their mean is the length.
  const bool script_means =
      script && workload && Trim(m.input_len).empty() && Trim(m.output_len).empty();
  if (RandomPrompts(m.notes)) {
    plan->assumptions.push_back(
        "output lengths: every request the mean (a random-prompt dataset asks each for the same "
        "number of tokens)");
  } else if (m.notes.find("per-request means") != std::string::npos || script_means) {
    plan->query.variable_output_lengths = true;
    plan->assumptions.push_back(
        "output lengths vary around the mean (exponential distribution; the row gives means)");
  }
  if (plan->regime.limits == ServerLimits::kNone) return true;
  const bool server = plan->regime.limits == ServerLimits::kServer;
  std::optional<double> ttft, tpot;
  if (workload) {
    ttft = server ? workload->server_ttft_p99_limit_s : workload->interactive_ttft_p99_limit_s;
    tpot = server ? workload->server_tpot_p99_limit_s : workload->interactive_tpot_p99_limit_s;
  }
  if (!ttft || !tpot) {
    if (!plan->regime.find_rate) return true;  // predicted at its stated rate
    return SkipRow(plan, "no latency limits for the MLPerf scenario");
  }
  plan->limits = {.ttft_p99_s = *ttft, .tpot_p99_s = *tpot};
  return true;
}

// The settings of the serving command the notes record, applied to a copy of the row's engine.
// A flag with a bad value is left out and said so.
void ReadServingCommand(const catalog::Catalog& cat, const Measurement& m, RowPlan* plan) {
  const std::string_view command = ServingCommand(m.notes);
  if (command.empty()) return;
  const catalog::Engine& base = *plan->query.deployment.engine;
  // Unlike a user's --engine-flags, a recorded command's other flags (ports, parsers) are normal,
  // and a flag with a bad value is left out with a note rather than failing the row.
  for (const catalog::EngineSetting& s : catalog::SettingsFromCommand(base, command)) {
    catalog::Engine probe = base;
    if (Status applied = catalog::ApplyEngineSetting(s, &probe); !applied.ok()) {
      plan->assumptions.push_back("serving command flag ignored: " + applied.message());
      continue;
    }
    plan->assumptions.push_back(
        fmt::format("serving command: {} sets {} = {}", s.flag, s.key, s.value));
    plan->engine_settings.push_back(s);
  }
  // Each setting applied alone above, so all of them apply together.
  plan->query.deployment.engine = *cat.EngineWithSettings(base, plan->engine_settings);
}

// Speculative decoding, which the notes mention without its parameters.
void ReadSpeculation(const Measurement& m, RowPlan* plan) {
  if (!ContainsNoCase(m.notes, "speculative")) return;
  perf::ServingQuery& q = plan->query;
  q.spec = perf::SpecDecode{};
  plan->assumptions.push_back(fmt::format(
      "speculative decoding: k={} proposed tokens, acceptance {} (defaults; not in the row)",
      q.spec->k, q.spec->acceptance));
}

// The layout of an MLPerf row that states none (ChooseMlperfLayout); ChooseLayout's when no
// layout of one scale-up domain fits.
Result<LayoutChoice> MlperfRowLayout(const Measurement& m, const perf::FitRequest& fit,
                                     const PredictOptions& options, RowPlan* plan) {
  auto chosen = ChooseMlperfLayout(*plan, fit, options);
  if (!chosen.ok()) return ChooseLayout(m, fit, plan->accelerators, &plan->assumptions);
  plan->assumptions.push_back(chosen->assumption);
  return chosen->choice;
}

// The layout of one replica, the number of replicas, and the memory fit.
bool PlaceReplicas(const Measurement& m, const PredictOptions& options, RowPlan* plan) {
  perf::Deployment& d = plan->query.deployment;
  const catalog::Model& model = *d.model;
  perf::FitRequest fit =
      perf::FitRequestFor(d, plan->query.input_tokens + plan->query.output_tokens);
  if (fit.context_tokens > model.max_context_tokens) {
    // The source ran it (TensorRT-LLM builds engines past the trained context), so predict it.
    plan->assumptions.push_back(fmt::format(
        "{} tokens per sequence exceed the model's {}-token context: predicted as measured",
        fit.context_tokens, model.max_context_tokens));
  }
  auto layout = plan->regime.mlperf && Trim(m.tp).empty()
                    ? MlperfRowLayout(m, fit, options, plan)
                    : ChooseLayout(m, fit, plan->accelerators, &plan->assumptions);
  if (!layout.ok()) return SkipRow(plan, "invalid layout", layout.status().message());
  fit.layout = d.layout = layout->layout;
  plan->replicas = layout->replicas;
  const perf::FitResult fitted = perf::Fit(fit);
  if (!fitted.fits) {
    // The row was measured, so it ran. When not even all of the accelerators' memory holds the
    // model with the engine's fixed costs, it ran on other hardware (or another precision) than
    // the row states, and which is unknown.
    catalog::Engine all_memory = *d.engine;
    all_memory.memory_fraction = 1;
    perf::FitRequest physical = fit;
    physical.engine = &all_memory;
    if (const perf::FitResult p = perf::Fit(physical); !p.fits) {
      return SkipRow(
          plan,
          fmt::format("cannot know the accelerators: {} ({} weights) cannot run on {} "
                      "× {} as stated",
                      model.id, d.precision.weights->id, plan->accelerators, d.accelerator->id),
          fmt::format("TP={} PP={}, even with all of the memory: {}", fit.layout.tp, fit.layout.pp,
                      p.reason));
    }
    return SkipRow(plan, "does not fit",
                   fmt::format("TP={} PP={}: {}", fit.layout.tp, fit.layout.pp, fitted.reason));
  }
  // A batch larger than the memory model holds ran (the row measured it): the engine ran part of
  // it at a time, the rest waiting (LMDeploy's profile_generation sends its batch as client
  // threads; TurboMind and other paged-KV engines queue what does not fit), or the memory model
  // is conservative for it. Either way it is predicted as a burst of that many requests, which
  // the simulator runs: those that fit start, the others wait for a slot, and their first token
  // comes after that wait (LMDeploy's batch of 64 prompts of 2,048 tokens on an A100 reports a
  // mean first-token latency of 39 s, not one prefill).
  if (plan->regime.regime == perf::Regime::kStaticBatch) {
    const double batch = plan->regime.concurrency / plan->replicas;
    const double held = perf::MaxConcurrency(d, fitted);
    if (batch > held) {
      plan->regime.regime = perf::Regime::kMaxLoad;
      plan->regime.max_requests = static_cast<int64_t>(std::llround(plan->regime.concurrency));
      plan->assumptions.push_back(fmt::format(
          "a batch of {} is more than the {} sequences of {} tokens the memory model holds: "
          "predicted as a burst of {} requests, {} running at a time and the rest waiting for "
          "a free slot",
          batch, held, fit.context_tokens, batch, held));
    }
  }
  return true;
}

// The load of one replica: the system's load divided over the replicas.
void SetLoad(RowPlan* plan) {
  perf::ServingQuery& q = plan->query;
  const RegimeSpec& r = plan->regime;
  q.regime = r.regime;
  q.concurrency = std::max(1.0, r.concurrency / plan->replicas);
  q.request_rate = r.request_rate / plan->replicas;
  q.max_requests = (r.max_requests + plan->replicas - 1) / plan->replicas;
}

}  // namespace

RowPlan MapRow(NameResolver& names, const std::vector<BenchmarkWorkload>& workloads,
               const Measurement& m, const PredictOptions& options) {
  RowPlan plan;
  plan.model_key = StripParenthetical(m.model);
  plan.accelerator_key = StripParenthetical(m.accelerator);
  plan.engine_key = StripParenthetical(m.engine);
  plan.ok = ReadMeasured(m, &plan) && ResolveDeployment(names, workloads, m, &plan) &&
            ReadLengths(names, workloads, m, &plan);
  if (!plan.ok) return plan;
  ReadServingCommand(names.catalog(), m, &plan);
  ReadSpeculation(m, &plan);
  plan.ok = PlaceReplicas(m, options, &plan);
  if (plan.ok) SetLoad(&plan);
  return plan;
}

}  // namespace pertoken::validate
