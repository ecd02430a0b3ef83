// The highest request rate one replica serves within p99 latency limits (MLPerf Server and
// Interactive), found by bisection over perf::PredictServing; and the options of that search,
// which predictions of p99 latencies share. Pure functions; thread-safe.
#pragma once

#include "perf/serving.h"

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
  // Replay the rows whose regime is dynamic (a burst of N requests, a request rate, a closed
  // loop over N requests) through the serving simulator instead of the analytic steady state.
  bool simulate = true;
};

// p99 limits a request rate must meet, in seconds.
struct LatencyLimits {
  double ttft_p99_s = 0;
  double tpot_p99_s = 0;
};

struct RateSearch {
  perf::ServingResult capacity;  // the replica at max load (ok = false: it serves nothing)
  double request_rate = 0;       // the highest rate found that meets the limits; 0 if none
  perf::ServingResult at_rate;   // the replica at request_rate (valid when request_rate > 0)
};

// Bisects between 0 and the replica's max-load request throughput for the highest rate whose
// predicted p99 TTFT and TPOT (mean × the options' factors) meet `limits`. `query`'s regime and
// rate are ignored. REQUIRES: as perf::PredictServing.
RateSearch FindBestRate(perf::ServingQuery query, const LatencyLimits& limits,
                        const PredictOptions& options);

}  // namespace pertoken::validate
