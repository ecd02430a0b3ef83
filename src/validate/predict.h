// Plan -> predicted value: runs the serving model (perf::PredictServing) for a planned row and
// reads back the row's metric in the row's unit. For MLPerf Server/Interactive rows without a
// rate it first searches the highest rate whose predicted p99 TTFT and TPOT meet the limits.
// Pure functions of the plan; thread-safe.
#pragma once

#include "validate/rate_search.h"
#include "validate/row_mapping.h"

namespace pertoken::validate {

struct Prediction {
  bool ok = false;
  Skip skip;                // when !ok
  double value = 0;         // in the row's unit (tokens/s or ms)
  double request_rate = 0;  // requests/s the prediction was made at (all replicas); 0 if none
};

// REQUIRES: plan.ok.
Prediction PredictRow(const RowPlan& plan, const PredictOptions& options);

}  // namespace pertoken::validate
