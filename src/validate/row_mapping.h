// Row -> prediction query: turns one measurement into the serving query of one replica (model,
// accelerator, engine, precision, layout, lengths, regime), how many replicas the row's
// accelerators hold, and which metric to read back; or into the reason it cannot be predicted.
// Not thread-safe (NameResolver caches); the plan points into the catalog, which must outlive it.
#pragma once

#include <string>
#include <vector>

#include "catalog/engine_settings.h"
#include "perf/serving.h"
#include "validate/measurement.h"
#include "validate/rate_search.h"
#include "validate/regime.h"
#include "validate/resolve.h"
#include "validate/workloads.h"

namespace pertoken::validate {

// Why a row has no prediction: a short reason that rows share (counted in the summary) and
// the row's own detail.
struct Skip {
  std::string reason;  // "unknown model 'GLM-4.5-Air'", "does not fit", "unsupported metric ..."
  std::string detail;  // the full message for this row ("" when the reason says it all)
};

struct RowPlan {
  bool ok = false;
  Skip skip;  // when !ok

  // Group keys: catalog ids where resolved, else the source's name without its remark.
  std::string model_key;
  std::string accelerator_key;
  std::string engine_key;

  double measured = 0;  // the row's value
  MetricSpec metric;    // valid when the metric column parsed (has_metric)
  bool has_metric = false;
  RegimeSpec regime;
  perf::ServingQuery query;  // one replica; for kRequestRate, the rate one replica receives
  int accelerators = 1;      // num_accel
  int replicas = 1;          // data-parallel copies of query's layout in num_accel
  LatencyLimits limits;      // MLPerf Server/Interactive: the p99 limits (0 when unknown)
  std::vector<std::string> assumptions;  // one sentence each, shown with the row
  // Engine settings from the row's recorded serving command (the notes' "serving cmd: `...`",
  // read with the engine file's [cli_flags]); query.deployment.engine is the catalog's engine
  // with them applied (Catalog::EngineWithSettings). Empty when the command changes nothing.
  std::vector<catalog::EngineSetting> engine_settings;
};

// Plans the prediction of `m`. `workloads` gives MLPerf rows their lengths (empty when the file
// was not read: those rows are skipped with "no workload lengths"); `options` are those the
// prediction will use, for the predictions that choose an MLPerf layout (PredictRow should get
// the same).
//
// Layout: tp/pp/ep when given (ep "yes" = EP over the TP group); blank tp: num_accel as TP when
// valid for the model, else the best-fitting valid layout of num_accel (perf::LayoutsFor); a
// "layer split" in the notes (llama.cpp) is PP over num_accel. MLPerf rows with blank tp: what a
// submitter tuning for the benchmark would run. Each valid layout with PP = 1 and a TP that
// divides num_accel within the scale-up domain, the rest of num_accel as data-parallel replicas,
// is predicted, and the one with the highest total output tokens/s at max load (Offline), or the
// highest total request rate meeting the latency limits (Server, Interactive), wins; ties go to
// the smaller TP, then to no EP. When none fits, the best-fitting layout of num_accel.
//
// Lengths: the row's columns; blank in MLPerf rows, the means of the model's benchmark workload;
// blank in a row of a source whose script samples a known dataset without the page saying so
// (LMDeploy's request-throughput table: ShareGPT), that workload's means.
//
// Model: the model column, unless the serving command in the notes ("serving cmd: `vllm serve
// X`") serves another catalog model: then that one, said in the assumptions.
//
// Memory: a row whose layout does not fit is skipped as "does not fit"; one that would not fit
// even if the engine used all of the accelerators' memory did not run as stated, and is skipped
// as "cannot know the accelerators: <model> (<weights>) cannot run on <n> × <accelerator> as
// stated". A static batch larger than the memory model holds is predicted as a burst of that
// many requests (kMaxLoad with max_requests, simulated), the excess waiting for a free slot, said
// in the assumptions.
//
// Precision: the precision columns (ResolvePrecision), except for MLPerf rows on an engine and
// accelerator for which the benchmark's workload records a [[reference_precision]] (NVIDIA's FP8
// on Hopper, whose results self-report fp16): the reference's weights where the row self-reports
// fp16, bf16 or nothing, its KV cache where the row leaves the KV open, said in the assumptions.
RowPlan MapRow(NameResolver& names, const std::vector<BenchmarkWorkload>& workloads,
               const Measurement& m, const PredictOptions& options = PredictOptions{});

}  // namespace pertoken::validate
