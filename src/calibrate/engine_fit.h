// Fits each engine profile's behaviour to measured serving results: the per-step and
// per-sequence CPU overheads and the speed of its kernels relative to the measured op tables.
// One small set of parameters per engine, fitted on every measured row that engine served
// ("fit the physics and the engines' behaviour, never a single row"). Not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "validate/measurement.h"
#include "validate/workloads.h"

namespace pertoken::calibrate {

struct EngineParams {
  double step_s = 0;
  double per_sequence_s = 0;
  double per_request_s = 0;
  double frontend_per_token_s = 0;
  double compute_scale = 1;
  double memory_scale = 1;
};

struct EngineFit {
  std::string engine;  // catalog id
  int rows = 0;        // rows predicted with this engine
  EngineParams before;
  EngineParams after;
  // The fit objective (doc/cli.md): the mean over the rows of |ln(predicted / measured)|, capped
  // (a row that cannot be predicted counts the cap), plus the kernel-speed prior.
  double loss_before = 0;
  double loss_after = 0;
  // Whether the descent reached a fixed point (a last pass that lowered nothing) within its
  // guard on passes; if not, a refit may still move `after`.
  bool settled = true;
};

struct EngineFitOptions {
  std::string exclude_source;  // leave this source out (id prefix, e.g. "GPS"); "" = none
  int rounds = 4;              // coordinate-descent rounds
};

std::vector<EngineFit> FitEngines(const catalog::Catalog& catalog,
                                  const std::vector<validate::Measurement>& measurements,
                                  const std::vector<validate::BenchmarkWorkload>& workloads,
                                  const EngineFitOptions& options);

// Rewrites the [overhead] step_s / per_sequence_s and [kernels] scales of `path` (an engine
// file) in place, keeping every other line, and records the fit in [field_sources].
Status WriteEngineParams(const std::string& path, const EngineParams& params,
                         const std::string& provenance);

}  // namespace pertoken::calibrate

namespace pertoken::calibrate {

// Writes `<data_dir>/accuracy/calibration.toml`: for each engine and for all engines together,
// per class of metric, the 10th and 90th percentiles of measured / predicted over the rows
// `report` predicted (doc/formats/accuracy.md).
Status WriteAccuracy(const std::string& data_dir, const std::string& measurements_name,
                     const std::vector<std::pair<std::string, std::string>>& row_keys,
                     const std::vector<double>& ratios, const std::vector<double>& apes);

}  // namespace pertoken::calibrate
