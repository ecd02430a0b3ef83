// Speed of the performance model (Google Benchmark). Results and how to rerun: bench/README.md.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>

#include "catalog/catalog.h"
#include "perf/serving.h"
#include "search/plan.h"
#include "sim/simulator.h"
#include "workload/arrivals.h"
#include "workload/lengths.h"
#include "workload/trace.h"

namespace pertoken {
namespace {

const catalog::Catalog& Cat() {
  static const catalog::Catalog* cat = [] {
    auto c = catalog::Catalog::Load(PERTOKEN_BENCH_DATA);
    if (!c.ok()) {
      std::cerr << c.status().message() << "\n";
      std::exit(1);
    }
    return new catalog::Catalog(std::move(c).value());  // lives for the whole run
  }();
  return *cat;
}

perf::Deployment Deploy(const char* model, const char* accelerator, const char* weights, int tp) {
  const auto& cat = Cat();
  perf::Deployment d;
  d.model = *cat.FindModel(model);
  d.accelerator = *cat.FindAccelerator(accelerator);
  d.engine = *cat.FindEngine("vllm");
  d.efficiency = &cat.EfficiencyOf(*d.accelerator, *d.engine);
  d.precision.weights = *cat.FindPrecision(weights, false);
  d.precision.expert_weights = d.precision.weights;
  d.precision.kv = *cat.FindPrecision("bf16", true);
  d.layout = {.tp = tp};
  return d;
}

perf::Deployment Llama70bOnFourH100() { return Deploy("llama-3.1-70b", "h100-sxm", "bf16", 4); }

// One decode step of 64 sequences: the unit the simulator and planner call most.
void BM_DecodeStep(benchmark::State& state) {
  const perf::Deployment d = Llama70bOnFourH100();
  const perf::StepShape s{.decode_sequences = 64, .decode_context = 2048};
  for (auto _ : state) benchmark::DoNotOptimize(perf::PredictStep(d, s));
}
BENCHMARK(BM_DecodeStep);

// The planner's screen: Llama-3.1-70B on every catalog accelerator with an on-demand price, 1 to 8
// of them in every layout, every weight and KV format within 2% quality loss, vLLM; 1,000 + 200
// tokens at TTFT 2 s and TPOT 100 ms. Reported as configurations screened per second.
// Argument 1: with disaggregated serving too (every configuration also as a prefill and as a
// decode replica, the cheapest pools paired).
void BM_ScreenLlama70B(benchmark::State& state) {
  const auto& cat = Cat();
  search::PlanQuery q{.model = *cat.FindModel("llama-3.1-70b"),
                      .input_tokens = 1000,
                      .output_tokens = 200,
                      .slo_ttft_s = 2,
                      .slo_tpot_s = 0.1,
                      .traffic = {.output_tokens_per_day = 2e8, .peak_to_mean = 2},
                      .engines = {*cat.FindEngine("vllm")},
                      .disaggregated = state.range(0) == 1};
  search::ScreenStats stats;
  for (auto _ : state) benchmark::DoNotOptimize(search::Screen(cat, q, &stats));
  state.counters["configurations"] = static_cast<double>(stats.configurations);
  state.counters["fitting"] = static_cast<double>(stats.fitting);
  state.counters["configs_per_s"] = benchmark::Counter(
      static_cast<double>(stats.configurations), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ScreenLlama70B)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// A MoE decode step (DeepSeek-V3 on 8 × H200, FP8).
void BM_MoeDecodeStep(benchmark::State& state) {
  const perf::Deployment d = Deploy("deepseek-v3", "h200-sxm", "fp8-block", 8);
  const perf::StepShape s{.decode_sequences = 64, .decode_context = 2048};
  for (auto _ : state) benchmark::DoNotOptimize(perf::PredictStep(d, s));
}
BENCHMARK(BM_MoeDecodeStep);

// A full estimate at the highest concurrency memory allows: fit, prefill, decode, serving.
void BM_EstimateMaxConcurrency(benchmark::State& state) {
  perf::ServingQuery q;
  q.deployment = Llama70bOnFourH100();
  q.input_tokens = 1024;
  q.output_tokens = 256;
  for (auto _ : state) {
    q.concurrency = perf::MaxConcurrency(q.deployment, q.input_tokens, q.output_tokens);
    benchmark::DoNotOptimize(perf::PredictServing(q));
  }
}
BENCHMARK(BM_EstimateMaxConcurrency);

// A request-rate estimate: Little's law solved by bisection (60 serving evaluations).
void BM_EstimateRequestRate(benchmark::State& state) {
  perf::ServingQuery q;
  q.deployment = Llama70bOnFourH100();
  q.input_tokens = 1024;
  q.output_tokens = 256;
  q.regime = perf::Regime::kRequestRate;
  q.request_rate = 2;
  for (auto _ : state) benchmark::DoNotOptimize(perf::PredictServing(q));
}
BENCHMARK(BM_EstimateRequestRate);

// The simulator replaying the Azure 2023 conversation trace (19,366 requests, its real rate) on
// one replica of Llama-3.1-70B on 4 x H100: items/s = simulated requests per second of wall time.
void BM_SimulateAzureConversation(benchmark::State& state) {
  auto trace = workload::ReadTrace(PERTOKEN_BENCH_TRACES "/azure2023_conv.csv");
  if (!trace.ok()) {
    state.SkipWithError(trace.status().message().c_str());
    return;
  }
  sim::FleetSpec fleet;
  fleet.replicas.push_back({.deployment = Llama70bOnFourH100()});
  int64_t events = 0;
  for (auto _ : state) {
    auto r = sim::Simulate(fleet, trace->requests);
    if (!r.ok()) {
      state.SkipWithError(r.status().message().c_str());
      return;
    }
    events += r->events;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(trace->requests.size()));
  state.counters["ns_per_event"] = benchmark::Counter(
      static_cast<double>(events), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_SimulateAzureConversation)->Unit(benchmark::kMillisecond);

// How the simulator's cost grows with requests and replicas: a Poisson stream of 1,000-token
// prompts and exponential outputs (mean 200) at 1.5 requests/s per replica of Llama-3.1-70B on
// 4 x H100. Arguments: requests, replicas.
void BM_SimulateSynthetic(benchmark::State& state) {
  const int64_t n = state.range(0);
  const int replicas = static_cast<int>(state.range(1));
  auto lengths = workload::LengthSampler(*workload::TokenDistribution::Fixed(1000),
                                         *workload::TokenDistribution::Exponential(200));
  auto stream =
      workload::GenerateStream({.rate_per_s = 1.5 * replicas}, lengths, {.max_requests = n}, 7);
  if (!stream.ok()) {
    state.SkipWithError(stream.status().message().c_str());
    return;
  }
  sim::FleetSpec fleet;
  for (int i = 0; i < replicas; ++i) fleet.replicas.push_back({.deployment = Llama70bOnFourH100()});
  int64_t events = 0;
  for (auto _ : state) {
    auto r = sim::Simulate(fleet, *stream);
    if (!r.ok()) {
      state.SkipWithError(r.status().message().c_str());
      return;
    }
    events += r->events;
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["ns_per_event"] = benchmark::Counter(
      static_cast<double>(events), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_SimulateSynthetic)
    ->Args({10'000, 1})
    ->Args({100'000, 1})
    ->Args({1'000'000, 1})
    ->Args({100'000, 4})
    ->Args({100'000, 16})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pertoken

BENCHMARK_MAIN();
