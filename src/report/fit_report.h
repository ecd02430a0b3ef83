// The `pertoken fit` report: a text rendering for people and a JSON object for programs
// (doc/formats/fit-json.md). Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "perf/memory.h"
#include "perf/params.h"

namespace pertoken::report {

struct FitReport {
  const catalog::Model* model = nullptr;
  const catalog::Accelerator* accelerator = nullptr;
  const catalog::Engine* engine = nullptr;
  perf::Precision precision;
  int64_t context_tokens = 0;
  int64_t max_context_tokens = 0;
  perf::ParamCount params;
  perf::FitResult chosen;                         // the layout reported in detail
  perf::CountSearch search;                       // the smallest count that fits
  std::vector<perf::FitResult> layouts_at_count;  // every valid layout of the chosen count
};

// The identity of a deployment in JSON, as every report prints it: model, accelerator, engine,
// engine_version, weights_format, expert_weights_format, kv_format, count, layout.
nlohmann::json DeploymentJson(const catalog::Model& model, const catalog::Accelerator& accelerator,
                              const catalog::Engine& engine, const perf::Precision& precision,
                              const perf::Layout& layout);

std::string FitText(const FitReport& report);
nlohmann::json FitJson(const FitReport& report);

// How the KV bytes per token follow from the architecture, e.g.
// "80 layers × 2 (K and V) × 8 KV heads × 128 dims × 2 B".
std::string KvFormula(const catalog::Model& model, const catalog::QuantFormat& kv);

}  // namespace pertoken::report
