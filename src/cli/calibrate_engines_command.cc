#include <fmt/format.h>

#include <filesystem>

#include "calibrate/engine_fit.h"
#include "cli/calibrate_command.h"
#include "cli/commands.h"
#include "validate/validate.h"

namespace pertoken::cli {

int RunCalibrateEngines(const catalog::Catalog& cat, const CalibrateEnginesOptions& o,
                        std::ostream& out, std::ostream& err) {
  if (o.rounds < 1) {
    return Fail(err, fmt::format("--rounds {}: a fit needs at least 1 round per pass", o.rounds));
  }
  auto rows = validate::ReadMeasurements(o.measurements);
  if (!rows.ok()) return Fail(err, rows.status().message());
  // The catalog's benchmark workloads, unless a --workloads file replaces them.
  auto loaded = validate::LoadWorkloads(cat, o.workloads);
  if (!loaded.ok()) return Fail(err, loaded.status().message());
  const std::vector<validate::BenchmarkWorkload>& workloads = *loaded;
  const auto fits = calibrate::FitEngines(cat, *rows, workloads,
                                          {.exclude_source = o.exclude_source, .rounds = o.rounds});
  out << fmt::format("{:<14} {:>5}  {:>10} {:>12} {:>11} {:>12} {:>8} {:>8}   objective\n",
                     "engine", "rows", "step", "per seq", "per request", "per token", "compute",
                     "memory");
  for (const auto& f : fits) {
    out << fmt::format(
        "{:<14} {:>5}  {:>8.3f}ms {:>10.2f}µs {:>9.3f}ms {:>10.2f}µs {:>8.3f} {:>8.3f}   {:.3f} -> "
        "{:.3f}\n",
        f.engine, f.rows, f.after.step_s * 1e3, f.after.per_sequence_s * 1e6,
        f.after.per_request_s * 1e3, f.after.frontend_per_token_s * 1e6, f.after.compute_scale,
        f.after.memory_scale, f.loss_before, f.loss_after);
  }
  for (const auto& f : fits) {
    if (!f.settled) {
      err << fmt::format(
          "warning: {}'s fit stopped at its pass limit before settling; a refit "
          "may still move it\n",
          f.engine);
    }
  }
  if (!o.write) return kExitOk;
  for (const auto& f : fits) {
    const std::string path =
        (std::filesystem::path(o.data_dir) / "engines" / (f.engine + ".toml")).string();
    const std::string provenance = fmt::format(
        "fitted by `pertoken calibrate engines --write` to the {} rows of {} this engine served{} "
        "(objective {:.3f}: mean min(|ln(predicted/measured)|, ln 2) plus the kernel-speed "
        "prior, doc/cli.md)",
        f.rows, std::filesystem::path(o.measurements).filename().string(),
        o.exclude_source.empty() ? "" : fmt::format(" (without {})", o.exclude_source),
        f.loss_after);
    if (Status s = calibrate::WriteEngineParams(path, f.after, provenance); !s.ok()) {
      return Fail(err, s.message());
    }
    out << "wrote " << path << "\n";
  }
  // The residuals of the refitted model give the prediction intervals.
  auto refitted = catalog::Catalog::Load(o.data_dir);
  if (!refitted.ok()) {
    err << refitted.status().message() << "\nerror: the rewritten catalog does not load\n";
    return kExitFailure;
  }
  const auto report = validate::Validate(*refitted, *rows, workloads, {});
  std::vector<std::pair<std::string, std::string>> keys;
  std::vector<double> ratios, apes;
  for (const auto& r : report.rows) {
    if (!r.predicted || r.prediction <= 0) continue;
    keys.emplace_back(r.engine, validate::RowClassName(r.row_class));
    ratios.push_back(r.measured / r.prediction);
    apes.push_back(r.ape);
  }
  if (Status s = calibrate::WriteAccuracy(o.data_dir,
                                          std::filesystem::path(o.measurements).filename().string(),
                                          keys, ratios, apes);
      !s.ok()) {
    return Fail(err, s.message());
  }
  out << "wrote " << (std::filesystem::path(o.data_dir) / "accuracy" / "calibration.toml").string()
      << "\n";
  return kExitOk;
}

}  // namespace pertoken::cli
