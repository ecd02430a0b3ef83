#include "sim/serving.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "sim/simulator.h"
#include "workload/random.h"

namespace pertoken::sim {

namespace {

constexpr int64_t kDefaultRequests = 1000;
constexpr uint64_t kSeed = 20231;

// Output lengths of n requests: all equal, or perf::ExponentialLengths in a seeded random order.
std::vector<int64_t> OutputLengths(int64_t n, int64_t mean, bool variable, workload::Rng& rng) {
  if (!variable || mean <= 1) return std::vector<int64_t>(static_cast<size_t>(n), mean);
  std::vector<int64_t> out = perf::ExponentialLengths(n, mean);
  for (int64_t i = n - 1; i > 0; --i) {  // Fisher-Yates
    std::swap(out[i], out[rng.Index(static_cast<uint64_t>(i + 1))]);
  }
  return out;
}

}  // namespace

bool Simulable(const perf::ServingQuery& q) {
  switch (q.regime) {
    case perf::Regime::kMaxLoad:
    case perf::Regime::kFixedConcurrency:
      return q.max_requests > 0;
    case perf::Regime::kRequestRate:
      return q.request_rate > 0;
    case perf::Regime::kStaticBatch:
      return false;
  }
  return false;
}

perf::ServingResult SimulateServing(const perf::ServingQuery& q) {
  perf::ServingResult r;
  const int64_t n = q.max_requests > 0 ? q.max_requests : kDefaultRequests;
  workload::Rng rng(kSeed);
  const std::vector<int64_t> outputs =
      OutputLengths(n, q.output_tokens, q.variable_output_lengths, rng);
  std::vector<workload::Request> requests(static_cast<size_t>(n));
  double t = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (q.regime == perf::Regime::kRequestRate && i > 0) t += rng.Exponential(1 / q.request_rate);
    requests[i] = {.arrival_s = t, .input_tokens = q.input_tokens, .output_tokens = outputs[i]};
  }
  FleetSpec fleet;
  fleet.replicas.push_back({.deployment = q.deployment, .spec = q.spec});
  SimOptions options;
  if (q.regime == perf::Regime::kFixedConcurrency) {
    options.closed_loop_clients = std::max<int64_t>(1, std::llround(q.concurrency));
  }
  auto sim = Simulate(fleet, requests, options);
  if (!sim.ok()) {
    r.reason = sim.status().message();
    return r;
  }
  // A run with a request count is measured as benchmarks do, from the first arrival to the last
  // completion. A rate without a count stands for a long run (MLPerf Server): leave out the
  // drain after the last arrival, about one mean end-to-end latency, which a long run does not
  // have.
  double span = sim->duration_s();
  if (q.regime == perf::Regime::kRequestRate && q.max_requests <= 0) {
    span = std::max(requests.back().arrival_s - requests.front().arrival_s, span - sim->e2e.mean());
  }
  const ReplicaStats& rep = sim->replicas.front();
  r.ok = span > 0;
  r.concurrency = sim->request_seconds / span;
  r.max_concurrency = static_cast<double>(rep.max_num_seqs);
  r.requests_per_s = static_cast<double>(sim->completed_requests) / span;
  r.output_tokens_per_s = static_cast<double>(sim->output_tokens) / span;
  r.input_tokens_per_s = static_cast<double>(sim->input_tokens) / span;
  r.ttft_s = sim->ttft.mean();
  r.tpot_s = sim->tpot.mean();
  r.e2e_s = sim->e2e.mean();
  r.ttft_p99_s = sim->ttft.Quantile(0.99);
  r.tpot_p99_s = sim->tpot.Quantile(0.99);
  r.prefill_step =
      perf::PredictStep(q.deployment, {.prefill_sequences = 1, .prefill_tokens = q.input_tokens});
  r.prefill_s = r.prefill_step.total_s;
  r.decode_step = perf::PredictStep(
      q.deployment,
      {.decode_sequences = std::max<int64_t>(
           1, std::llround(rep.batch_sequence_steps / std::max<double>(1, rep.steps))),
       .decode_context = static_cast<double>(q.input_tokens + q.output_tokens / 2)});
  r.bottleneck = r.decode_step.bottleneck;
  r.simulated = true;
  return r;
}

}  // namespace pertoken::sim
