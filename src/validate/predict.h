// Plan -> predicted value: runs the serving model (perf::PredictServing) for a planned row and
// reads back the row's metric in the row's unit. For MLPerf Server/Interactive rows without a
// rate it first searches the highest rate whose predicted p99 TTFT and TPOT meet the limits.
// Pure functions of the plan; thread-safe.
#pragma once

#include "validate/row_mapping.h"

namespace pertoken::validate {

struct PredictOptions {
  // p99 ≈ mean × factor, until the serving model predicts percentiles itself. The defaults are
  // the medians of p99/mean over the 15 MLPerf v4.1 Server results that log both (TTFT 1.6-3.5,
  // median 2.08; TPOT 1.13-1.39, median 1.20; shared/data/measurements/calibration.csv rows
  // MLP41-*): a placeholder, and those rows are part of the calibration set.
  double ttft_p99_over_mean = 2.0;
  double tpot_p99_over_mean = 1.2;
  // Bisection steps of the rate search (each halves the bracket).
  int rate_search_steps = 40;
};

struct Prediction {
  bool ok = false;
  Skip skip;                // when !ok
  double value = 0;         // in the row's unit (tokens/s or ms)
  double request_rate = 0;  // requests/s the prediction was made at (all replicas); 0 if none
};

// REQUIRES: plan.ok.
Prediction PredictRow(const RowPlan& plan, const PredictOptions& options);

}  // namespace pertoken::validate
