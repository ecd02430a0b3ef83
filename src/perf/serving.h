// Serving metrics from step times: throughput, TTFT, TPOT and end-to-end latency of one replica
// under a load regime, with continuous batching (or static batching), optional speculative
// decoding, and the memory limit on concurrency. Definitions follow shared/metrics.md.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "perf/step.h"

namespace pertoken::perf {

enum class Regime {
  kFixedConcurrency,  // a closed loop keeping `concurrency` requests in flight (vllm bench
                      // --max-concurrency, single-stream at 1)
  kMaxLoad,           // every request queued at t = 0 (offline throughput, trtllm-bench):
                      // as many in flight as the engine and the KV cache allow
  kStaticBatch,       // one batch of `concurrency` requests run to completion together
  kRequestRate,       // an open loop of Poisson arrivals at `request_rate`
};

// Speculative decoding: a draft proposes k tokens, the target verifies them in one step.
struct SpecDecode {
  const catalog::Model* draft = nullptr;  // a separate draft model; nullptr for MTP/EAGLE heads
  int k = 4;                              // tokens proposed per step
  double acceptance = 0.7;                // probability each proposed token is accepted, [0, 1)
  double head_cost_fraction = 0.05;       // heads' cost per proposed token, as a fraction of a
                                          // target decode step (when draft == nullptr)
};

// Expected tokens emitted per verification step: (1 − a^(k+1)) / (1 − a).
double ExpectedTokensPerStep(int k, double acceptance);

// Output lengths of n requests from a dataset that gives only its mean: the midpoint quantiles of
// an exponential distribution at n equal shares, rescaled so their mean is `mean`, rounded to
// whole tokens (at least 1), shortest first. REQUIRES: n >= 1.
std::vector<int64_t> ExponentialLengths(int64_t n, int64_t mean);

// What drafting adds to a step that verifies `verify.decode_sequences` sequences: k draft-model
// decode steps, or with heads k × head_cost_fraction target decode steps (0 without decodes).
double DraftSeconds(const Deployment& deployment, const SpecDecode& spec, const StepShape& verify);

struct ServingQuery {
  Deployment deployment;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  Regime regime = Regime::kFixedConcurrency;
  double concurrency = 1;    // kFixedConcurrency, kStaticBatch: requests in flight
  double request_rate = 0;   // kRequestRate: requests per second
  int64_t max_requests = 0;  // kMaxLoad: requests in the benchmark (0 = unlimited)
  // Output lengths vary around output_tokens (the mean of a dataset such as ShareGPT) like an
  // exponential distribution, rather than all being equal. Matters for bursts, whose last
  // requests decode alone.
  bool variable_output_lengths = false;
  std::optional<SpecDecode> spec;
};

struct ServingResult {
  bool ok = false;
  std::string reason;          // why not ok (does not fit; saturated at this rate)
  bool saturated = false;      // kRequestRate: the rate exceeds what the replica can serve
  double concurrency = 0;      // mean requests in flight (batch size of the decode steps)
  double max_concurrency = 0;  // what memory and the engine's limits allow
  double requests_per_s = 0;
  double output_tokens_per_s = 0;  // whole replica
  double input_tokens_per_s = 0;
  double ttft_s = 0;
  double tpot_s = 0;
  double e2e_s = 0;
  double prefill_s = 0;  // one request's prompt, alone
  StepTime decode_step;  // one decode step at `concurrency`, mean context
  StepTime prefill_step;
  Bottleneck bottleneck = Bottleneck::kOverhead;
  // Set by the simulator (sim::SimulateServing), which sees every request: the 99th percentiles.
  // 0 from the analytic model.
  double ttft_p99_s = 0;
  double tpot_p99_s = 0;
  bool simulated = false;
};

// REQUIRES: deployment fields set and valid; input_tokens >= 1, output_tokens >= 1.
ServingResult PredictServing(const ServingQuery& query);
// The same with the query's memory fit already made, for callers that predict one deployment at
// many loads (the planner). REQUIRES: fit = Fit(FitRequestFor(query.deployment, input + output)).
ServingResult PredictServing(const ServingQuery& query, const FitResult& fit);

// The memory-fit request of a deployment whose sequences hold `tokens` tokens (slots of at least
// that many, or the engine's default maximum context).
FitRequest FitRequestFor(const Deployment& deployment, int64_t tokens);

// The most sequences of input + output tokens that fit in the KV pool, capped by the engine's
// max_num_seqs (0 when nothing fits).
double MaxConcurrency(const Deployment& deployment, int64_t input_tokens, int64_t output_tokens);
// The same from a fit already made: `fit` = Fit(FitRequestFor(deployment, input + output)).
double MaxConcurrency(const Deployment& deployment, const FitResult& fit);

}  // namespace pertoken::perf
