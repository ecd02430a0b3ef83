// Row -> prediction query: turns one measurement into the serving query of one replica (model,
// accelerator, engine, precision, layout, lengths, regime), how many replicas the row's
// accelerators hold, and which metric to read back; or into the reason it cannot be predicted.
// Not thread-safe (NameResolver caches); the plan points into the catalog, which must outlive it.
#pragma once

#include <string>
#include <vector>

#include "perf/serving.h"
#include "validate/measurement.h"
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
  perf::ServingQuery query;     // one replica; for kRequestRate, the rate one replica receives
  int accelerators = 1;         // num_accel
  int replicas = 1;             // data-parallel copies of query's layout in num_accel
  double ttft_p99_limit_s = 0;  // find_rate: the MLPerf limits the rate must meet
  double tpot_p99_limit_s = 0;
  std::vector<std::string> assumptions;  // one sentence each, shown with the row
};

// Plans the prediction of `m`. `workloads` gives MLPerf rows their lengths (empty when the file
// was not read: those rows are skipped with "no workload lengths").
//
// Layout: tp/pp/ep when given (ep "yes" = EP over the TP group); blank tp: num_accel as TP when
// valid for the model, else the best-fitting valid layout of num_accel (perf::LayoutsFor); a
// "layer split" in the notes (llama.cpp) is PP over num_accel. MLPerf rows: each replica has
// min(num_accel, 8) accelerators and the rest are data-parallel replicas whose throughput adds.
RowPlan MapRow(NameResolver& names, const std::vector<BenchmarkWorkload>& workloads,
               const Measurement& m);

}  // namespace pertoken::validate
