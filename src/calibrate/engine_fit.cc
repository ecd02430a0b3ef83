#include "calibrate/engine_fit.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <sstream>

#include "validate/predict.h"
#include "validate/repeated.h"
#include "validate/resolve.h"
#include "validate/row_mapping.h"
#include "validate/stats.h"

namespace pertoken::calibrate {

namespace {

struct Bounds {
  double lo;
  double hi;
};

// Physically plausible ranges, so that one source's peculiarities cannot be absorbed into
// implausible engine behaviour: a CPU cost per iteration up to 5 ms (engine profiles report
// 0.5-4 ms of scheduling and sampling per step) and up to 0.5 ms per running sequence (streaming
// and detokenising a token through an HTTP frontend); kernels within 0.7-1.4 times the speed of
// the op tables the efficiency profiles were fitted to. (A 0.5 floor lets vLLM and SGLang settle
// at 0.55-0.65 on GPUStack's bursts, with no better errors in sample or out of it.)
constexpr Bounds kStep{1e-5, 0.005};
constexpr Bounds kPerSeq{1e-7, 5e-4};
constexpr Bounds kScale{0.7, 1.4};
// A row the model misses by more than 2x is one whose mechanism it lacks (a regime it does not
// model, a broken measurement); it counts as missed by 2x, so it cannot drag the engine's
// parameters towards explaining it (a redescending loss, as robust regression uses).
const double kRowLossCap = std::log(2.0);
// The engine's kernels run as fast as its op tables measured unless the rows say otherwise: each
// unit of |ln scale| costs what 0.05 of mean |ln error| does. Where the rows barely tell two
// scales apart (SGLang's bursts fit 0.7 and 1.0 of the op tables' bandwidth within 0.01), the
// measured kernels decide, which keeps its steady low-concurrency rows right (GPS-0583/0585).
constexpr double kScalePrior = 0.05;
// Frontend work per request (HTTP, tokenisation), at most 20 ms.
constexpr Bounds kPerRequest{1e-6, 0.02};
// Frontend work per streamed token, at most 200 us (a Python server's detokenising and SSE
// writing; vLLM moved it to a process of its own because it bounded throughput).
constexpr Bounds kPerToken{1e-8, 2e-4};
// A trial is kept when it lowers the objective by more than this; the descent stops after a pass
// that kept none (or after kMaxPasses, a guard).
constexpr double kMinImprovement = 1e-9;
constexpr int kMaxPasses = 10;
// The fitted parameters, in the order the descent visits them: where each lives in EngineParams,
// in catalog::Engine and in the engine file ([table] key), its plausible range, and the
// significant digits the file keeps.
struct Fitted {
  double EngineParams::*param;
  double catalog::Engine::*field;
  const char* table;
  const char* key;
  Bounds bounds;
  int digits;
};
constexpr Fitted kFitted[] = {
    {&EngineParams::step_s, &catalog::Engine::step_overhead_s, "overhead", "step_s", kStep, 6},
    {&EngineParams::per_sequence_s, &catalog::Engine::per_sequence_overhead_s, "overhead",
     "per_sequence_s", kPerSeq, 6},
    {&EngineParams::compute_scale, &catalog::Engine::compute_scale, "kernels", "compute_scale",
     kScale, 4},
    {&EngineParams::memory_scale, &catalog::Engine::memory_scale, "kernels", "memory_scale", kScale,
     4},
    {&EngineParams::per_request_s, &catalog::Engine::per_request_s, "overhead", "per_request_s",
     kPerRequest, 6},
    {&EngineParams::frontend_per_token_s, &catalog::Engine::frontend_per_token_s, "overhead",
     "frontend_per_token_s", kPerToken, 6},
};

EngineParams ParamsOf(const catalog::Engine& e) {
  EngineParams p;
  for (const Fitted& f : kFitted) p.*f.param = e.*f.field;
  return p;
}

class Objective {
 public:
  Objective(const catalog::Engine& base, std::vector<validate::RowPlan*> plans)
      : engine_(base), plans_(std::move(plans)) {}

  double operator()(const EngineParams& p) {
    for (const Fitted& f : kFitted) engine_.*f.field = p.*f.param;
    double loss = 0;
    for (validate::RowPlan* plan : plans_) {
      const catalog::Engine* original = plan->query.deployment.engine;
      plan->query.deployment.engine = &engine_;
      catalog::Engine with_settings;  // the trial engine as the row's serving command set it
      if (!plan->engine_settings.empty()) {
        with_settings = engine_;
        for (const auto& setting : plan->engine_settings) {
          (void)catalog::ApplyEngineSetting(setting, &with_settings);  // validated when mapped
        }
        plan->query.deployment.engine = &with_settings;
      }
      const validate::Prediction pr = validate::PredictRow(*plan, options_);
      plan->query.deployment.engine = original;
      loss += pr.ok && pr.value > 0
                  ? std::min(kRowLossCap, std::abs(std::log(pr.value / plan->measured)))
                  : kRowLossCap;
    }
    return (plans_.empty() ? 0 : loss / static_cast<double>(plans_.size())) +
           kScalePrior * (std::abs(std::log(p.compute_scale)) + std::abs(std::log(p.memory_scale)));
  }
  size_t rows() const { return plans_.size(); }

 private:
  catalog::Engine engine_;
  std::vector<validate::RowPlan*> plans_;
  validate::PredictOptions options_;
};

// `value` as the engine file writes it: p's significant digits.
std::string Written(const Fitted& p, double value) {
  return fmt::format("{:.{}g}", value, p.digits);
}

// `value` as the engine file keeps it: within p's bounds and rounded to what the file writes, so
// that the fit only tries values it can write. (The bounds themselves are written exactly.)
double Representable(const Fitted& p, double value) {
  return std::stod(Written(p, std::clamp(value, p.bounds.lo, p.bounds.hi)));
}

// Coordinate descent in log space, in passes: a coarse scan of each parameter's range, then rounds
// that try multiplying each parameter by a ladder of factors and keep the best; the ladder narrows
// every round. Passes repeat until one no longer improves the loss, so the result is a fixed
// point: a refit that starts from it (the next `calibrate engines --write`) changes nothing.
// `*settled` says whether that happened within kMaxPasses.
EngineParams Descend(Objective& f, EngineParams start, int rounds, double* best_loss,
                     bool* settled) {
  EngineParams best = start;
  for (const Fitted& p : kFitted) best.*p.param = Representable(p, best.*p.param);
  *best_loss = f(best);
  // `best` with parameter `p` set to `value` (made representable), kept when the loss improves.
  auto attempt = [&](const Fitted& p, double value) {
    EngineParams trial = best;
    trial.*p.param = Representable(p, value);
    if (trial.*p.param == best.*p.param) return;
    const double loss = f(trial);
    if (loss < *best_loss - kMinImprovement) {
      *best_loss = loss;
      best = trial;
    }
  };
  *settled = false;
  for (int pass = 0; pass < kMaxPasses && !*settled; ++pass) {
    const double pass_start = *best_loss;
    // A coarse scan of each parameter over its whole range first, so that a start far from the
    // answer (an overhead of zero, say) cannot trap the refinement below.
    for (const Fitted& p : kFitted) {
      for (int k = 0; k <= 12; ++k) {
        attempt(p, p.bounds.lo * std::pow(p.bounds.hi / p.bounds.lo, k / 12.0));
      }
    }
    double spread = 4.0;
    for (int round = 0; round < rounds; ++round, spread = std::sqrt(spread)) {
      for (const Fitted& p : kFitted) {
        for (double factor : {1 / spread, 1 / std::sqrt(spread), std::sqrt(spread), spread}) {
          attempt(p, best.*p.param * factor);
        }
      }
    }
    *settled = *best_loss >= pass_start - kMinImprovement;
  }
  return best;
}

}  // namespace

std::vector<EngineFit> FitEngines(const catalog::Catalog& cat,
                                  const std::vector<validate::Measurement>& measurements,
                                  const std::vector<validate::BenchmarkWorkload>& workloads,
                                  const EngineFitOptions& options) {
  validate::NameResolver names(cat);
  std::vector<validate::RowPlan> plans;
  plans.reserve(measurements.size());  // RowPlan* below point into it: no reallocation
  std::map<std::string, std::vector<validate::RowPlan*>> by_engine;
  const auto repeated = validate::RepeatedResults(measurements);
  for (const auto& m : measurements) {
    if (repeated.count(m.id)) continue;
    validate::RowPlan plan = validate::MapRow(names, workloads, m, validate::PredictOptions{});
    if (!plan.ok) continue;
    by_engine[plan.query.deployment.engine->id];  // every engine that served a row gets an entry
    if (!options.exclude_source.empty() && m.SourcePrefix() == options.exclude_source) continue;
    plans.push_back(std::move(plan));
  }
  for (auto& p : plans) by_engine[p.query.deployment.engine->id].push_back(&p);

  // Every fit starts from the engine-neutral profile, not from the engine file's current values,
  // so that the result depends only on the rows: a refit reproduces the files, and a fit without
  // a source (leave-one-source-out) carries nothing of that source in from where it started.
  auto generic = cat.FindEngine("generic");
  const EngineParams start = generic.ok() ? ParamsOf(**generic) : EngineParams{};
  // The engines' rows are disjoint and each fit only reads the catalog, so the engines are fitted
  // on threads of their own; each result depends on its rows alone, not on the scheduling.
  auto fit_engine = [&](const std::string& id, const std::vector<validate::RowPlan*>& rows) {
    const catalog::Engine& engine = **cat.FindEngine(id);
    EngineFit fit;
    fit.engine = id;
    fit.before = ParamsOf(engine);
    if (rows.empty()) {
      // Every row of this engine was left out: it gets the engine-neutral profile's values, so
      // that nothing fitted on the held-out rows leaks into their prediction.
      fit.after = start;
      return fit;
    }
    Objective f(engine, rows);
    fit.rows = static_cast<int>(f.rows());
    fit.loss_before = f(fit.before);
    fit.after = Descend(f, start, options.rounds, &fit.loss_after, &fit.settled);
    return fit;
  };
  std::vector<std::future<EngineFit>> running;
  for (const auto& [id, rows] : by_engine) {
    running.push_back(std::async(std::launch::async, fit_engine, std::cref(id), std::cref(rows)));
  }
  std::vector<EngineFit> fits;
  for (auto& r : running) fits.push_back(r.get());
  return fits;
}

namespace {

// Replaces `key = value` in table `table` of the TOML text, or adds it at the end of the table
// (creating the table at the end of the file when it is missing).
void SetKey(std::vector<std::string>* lines, const std::string& table, const std::string& key,
            const std::string& value) {
  const std::string header = "[" + table + "]";
  auto begin = std::find(lines->begin(), lines->end(), header);
  if (begin == lines->end()) {
    lines->push_back("");
    lines->push_back(header);
    lines->push_back(key + " = " + value);
    return;
  }
  auto it = begin + 1;
  auto last = begin;
  for (; it != lines->end() && (it->empty() || it->front() != '['); ++it) {
    const std::string& l = *it;
    if (!l.empty()) last = it;
    if (l.rfind(key + " ", 0) == 0 || l.rfind(key + "=", 0) == 0) {
      *it = key + " = " + value;
      return;
    }
  }
  lines->insert(last + 1, key + " = " + value);
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

Status WriteEngineParams(const std::string& path, const EngineParams& p,
                         const std::string& provenance) {
  std::ifstream in(path);
  if (!in) return Status::IoError(fmt::format("{}: cannot read", path));
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  for (const Fitted& f : kFitted) {
    SetKey(&lines, f.table, f.key, Written(f, p.*f.param));
    SetKey(&lines, "field_sources", fmt::format("\"{}.{}\"", f.table, f.key), Quote(provenance));
  }
  std::ofstream out(path, std::ios::trunc);
  if (!out) return Status::IoError(fmt::format("{}: cannot write", path));
  for (const auto& l : lines) out << l << "\n";
  return Status();
}

}  // namespace pertoken::calibrate

namespace pertoken::calibrate {

Status WriteAccuracy(const std::string& data_dir, const std::string& measurements_name,
                     const std::vector<std::pair<std::string, std::string>>& row_keys,
                     const std::vector<double>& ratios, const std::vector<double>& apes) {
  // (engine, class) -> indices; "*" collects every engine.
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> groups;
  for (size_t i = 0; i < row_keys.size(); ++i) {
    groups[row_keys[i]].push_back(i);
    groups[{"*", row_keys[i].second}].push_back(i);
  }
  std::ostringstream out;
  out << "# Written by `pertoken calibrate engines --write`; do not edit by hand.\n"
      << "schema_version = 1\nid = \"calibration\"\n"
      << "name = \"Prediction intervals from the calibration residuals\"\n"
      << fmt::format(
             "source = \"residuals of `pertoken validate` on {} after `pertoken calibrate "
             "engines`\"\n",
             measurements_name)
      << fmt::format("measurements = \"{}\"\n", measurements_name);
  for (const auto& [key, idx] : groups) {
    if (idx.size() < 5) continue;  // too few rows to say anything about the spread
    std::vector<double> r, a;
    for (size_t i : idx) {
      r.push_back(ratios[i]);
      a.push_back(apes[i]);
    }
    out << fmt::format(
        "\n[[bands]]\nengine = \"{}\"\nclass = \"{}\"\nrows = {}\nlow_ratio = {:.4g}\nhigh_ratio = "
        "{:.4g}\n"
        "median_ape = {:.4g}\n",
        key.first, key.second, idx.size(), validate::Percentile(r, 0.1),
        validate::Percentile(r, 0.9), validate::Percentile(a, 0.5));
  }
  const auto dir = std::filesystem::path(data_dir) / "accuracy";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::ofstream f(dir / "calibration.toml", std::ios::trunc);
  if (!f)
    return Status::IoError(fmt::format("{}: cannot write", (dir / "calibration.toml").string()));
  f << out.str();
  return Status();
}

}  // namespace pertoken::calibrate
