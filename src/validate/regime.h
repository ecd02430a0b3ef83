// What a measurement row measured, in the terms of the serving model: the metric (which field of
// a perf::ServingResult, in which unit) and the load regime (perf::Regime with its concurrency,
// request rate or request count), read from the row's metric, scenario, concurrency_or_batch and
// notes columns. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "perf/serving.h"
#include "validate/measurement.h"

namespace pertoken::validate {

// Errors are reported separately for the two kinds of metric.
enum class RowClass { kThroughput, kLatency };
const char* RowClassName(RowClass c);  // "throughput", "latency"

enum class MetricKind {
  kOutputTokensPerS,          // output tokens/s of all the row's accelerators together
  kOutputTokensPerSPerAccel,  // the same divided by the accelerators
  kTotalTokensPerS,           // (input + output) tokens/s of all accelerators
  kPerUserTokensPerS,         // 1 / TPOT: the speed one user sees while decoding
  kPrefillTokensPerS,         // prompt tokens / prefill time of one request
  kTtftMs,                    // time to first token, ms
  kTpotMs,                    // time per output token (also ITL, per-token latency), ms
};

struct MetricSpec {
  MetricKind kind = MetricKind::kOutputTokensPerS;
  RowClass row_class = RowClass::kThroughput;
  bool p99 = false;  // the row is a 99th percentile; false for a mean, a median or a p50
};

// The metric of a `metric` column value. InvalidArgument "unsupported metric 'x'" otherwise.
// Medians and p50s are predicted by the mean (the serving model predicts means).
Result<MetricSpec> ParseMetric(std::string_view metric);

// Latency limits an MLPerf result had to meet.
enum class ServerLimits { kNone, kServer, kInteractive };

struct RegimeSpec {
  perf::Regime regime = perf::Regime::kFixedConcurrency;
  double concurrency = 1;    // kFixedConcurrency, kStaticBatch
  double request_rate = 0;   // kRequestRate: requests/s offered to all replicas together
  int64_t max_requests = 0;  // kMaxLoad: requests in the benchmark (0 = not stated)
  bool mlperf = false;       // an mlperf-* scenario (lengths from the benchmark's dataset)
  ServerLimits limits = ServerLimits::kNone;
  bool find_rate = false;  // MLPerf Server/Interactive without a rate: predict at the highest
                           // rate meeting the limits
};

// The regime of a row from its scenario, concurrency_or_batch and notes. InvalidArgument
// "unsupported scenario 'x'" (or a missing number) when the row does not say enough.
//
//   offline, offline (...), mlperf-offline, "request rate inf",
//   server (infinite request rate)          -> kMaxLoad; max_requests from "N prompts" /
//                                              "N requests" in concurrency_or_batch or notes
//   offline-static-batch                     -> kStaticBatch, concurrency = the batch
//   single-stream                            -> kFixedConcurrency at 1
//   fixed-concurrency, "Maximum request
//   concurrency"                             -> kFixedConcurrency at the number given
//   server (fixed request rate), "QPS=r"     -> kRequestRate at r
//   mlperf-server / mlperf-interactive       -> kRequestRate at "target_qps=r", else find_rate
Result<RegimeSpec> ParseRegime(const Measurement& m);

}  // namespace pertoken::validate
