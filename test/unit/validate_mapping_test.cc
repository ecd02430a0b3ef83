#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "perf/serving.h"
#include "perf/step.h"
#include "test_util.h"
#include "validate/predict.h"
#include "validate/regime.h"
#include "validate/resolve.h"
#include "validate/row_mapping.h"

namespace pertoken::validate {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

std::string MeasurementsDir() { return std::string(PERTOKEN_TEST_DATA) + "/measurements"; }

class ValidateMappingTest : public testing::FixtureCatalogTest {
 protected:
  void SetUp() override {
    FixtureCatalogTest::SetUp();
    auto rows = ReadMeasurements(MeasurementsDir() + "/fixture.csv");
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    for (auto& m : *rows) rows_[m.id] = m;
    auto w = ReadWorkloads(MeasurementsDir() + "/benchmark_workloads.csv");
    ASSERT_TRUE(w.ok()) << w.status().message();
    workloads_ = *w;
  }
  RowPlan Map(const std::string& id) {
    EXPECT_TRUE(rows_.count(id)) << id;
    NameResolver names(cat_);
    return MapRow(names, workloads_, rows_[id]);
  }
  std::map<std::string, Measurement> rows_;
  std::vector<BenchmarkWorkload> workloads_;
};

TEST(ValidateMetricTest, MetricsMapToKindClassAndStatistic) {
  const struct {
    const char* name;
    MetricKind kind;
    RowClass row_class;
    bool p99;
  } cases[] = {
      {"output_tok_per_s_total", MetricKind::kOutputTokensPerS, RowClass::kThroughput, false},
      {"output_tok_per_s_per_gpu", MetricKind::kOutputTokensPerSPerAccel, RowClass::kThroughput,
       false},
      {"total_tok_per_s", MetricKind::kTotalTokensPerS, RowClass::kThroughput, false},
      {"output_tok_per_s_per_user", MetricKind::kPerUserTokensPerS, RowClass::kThroughput, false},
      {"decode_tok_per_s", MetricKind::kPerUserTokensPerS, RowClass::kThroughput, false},
      {"prefill_tok_per_s", MetricKind::kPrefillTokensPerS, RowClass::kThroughput, false},
      {"ttft_ms", MetricKind::kTtftMs, RowClass::kLatency, false},
      {"ttft_ms_median", MetricKind::kTtftMs, RowClass::kLatency, false},
      {"ttft_ms_p99", MetricKind::kTtftMs, RowClass::kLatency, true},
      {"tpot_ms_p99", MetricKind::kTpotMs, RowClass::kLatency, true},
      {"itl_ms_mean", MetricKind::kTpotMs, RowClass::kLatency, false},
      {"token_latency_ms_p50", MetricKind::kTpotMs, RowClass::kLatency, false},
  };
  for (const auto& c : cases) {
    auto m = ParseMetric(c.name);
    ASSERT_TRUE(m.ok()) << c.name;
    EXPECT_EQ(m->kind, c.kind) << c.name;
    EXPECT_EQ(m->row_class, c.row_class) << c.name;
    EXPECT_EQ(m->p99, c.p99) << c.name;
  }
  EXPECT_EQ(ParseMetric("e2e_ms_mean").status().message(), "unsupported metric 'e2e_ms_mean'");
}

TEST(ValidateRegimeTest, ScenariosMapToRegimes) {
  using perf::Regime;
  const struct {
    const char* scenario;
    const char* load;
    const char* notes;
    Regime regime;
    double concurrency;
    double rate;
    int64_t max_requests;
  } cases[] = {
      {"offline", "max-load (all requests queued)", "", Regime::kMaxLoad, 1, 0, 0},
      {"offline (burst, all requests at t=0)", "unbounded (500 prompts, request rate inf)", "",
       Regime::kMaxLoad, 1, 0, 500},
      {"server (infinite request rate)", "offered QPS=INF", "500 requests, BF16", Regime::kMaxLoad,
       1, 0, 500},
      {"offline (request throughput)", "max batch 256", "3000 prompts", Regime::kMaxLoad, 1, 0,
       3000},
      {"mlperf-offline", "offline (all samples issued)", "", Regime::kMaxLoad, 1, 0, 0},
      {"offline-static-batch", "1024", "", Regime::kStaticBatch, 1024, 0, 0},
      {"fixed-concurrency", "4", "", Regime::kFixedConcurrency, 4, 0, 0},
      {"benchmark", "Maximum request concurrency: 8", "", Regime::kFixedConcurrency, 8, 0, 0},
      {"single-stream", "1", "", Regime::kFixedConcurrency, 1, 0, 0},
      {"server (fixed request rate)", "offered QPS=16", "", Regime::kRequestRate, 1, 16, 0},
      {"mlperf-server", "target_qps=8.6", "", Regime::kRequestRate, 1, 8.6, 0},
  };
  for (const auto& c : cases) {
    const Measurement m{.concurrency_or_batch = c.load, .scenario = c.scenario, .notes = c.notes};
    auto r = ParseRegime(m);
    ASSERT_TRUE(r.ok()) << c.scenario << ": " << r.status().message();
    EXPECT_EQ(r->regime, c.regime) << c.scenario;
    EXPECT_EQ(r->concurrency, c.concurrency) << c.scenario;
    EXPECT_EQ(r->request_rate, c.rate) << c.scenario;
    EXPECT_EQ(r->max_requests, c.max_requests) << c.scenario;
    EXPECT_FALSE(r->find_rate) << c.scenario;
  }
}

TEST(ValidateRegimeTest, MlperfServerWithoutRateSearchesIt) {
  auto r = ParseRegime({.concurrency_or_batch = "", .scenario = "mlperf-interactive"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->find_rate);
  EXPECT_TRUE(r->mlperf);
  EXPECT_EQ(r->limits, ServerLimits::kInteractive);
}

TEST(ValidateRegimeTest, UnsupportedScenariosSaySo) {
  EXPECT_EQ(ParseRegime({.scenario = "disaggregated"}).status().message(),
            "unsupported scenario 'disaggregated'");
  EXPECT_EQ(ParseRegime({.concurrency_or_batch = "many", .scenario = "offline-static-batch"})
                .status()
                .message(),
            "batch size 'many' is not a positive number");
  EXPECT_EQ(ParseRegime({.concurrency_or_batch = "x", .scenario = "server (fixed request rate)"})
                .status()
                .message(),
            "no request rate in 'x'");
}

TEST_F(ValidateMappingTest, NamesResolveAfterDroppingRemarks) {
  NameResolver names(cat_);
  EXPECT_EQ((*names.Accelerator("a100-sxm-80gb (doc: \"A100-80G(x8)\")"))->id, "a100-sxm-80gb");
  EXPECT_EQ((*names.Engine("trtllm (Triton tensorrtllm_backend)"))->id, "trtllm");
  EXPECT_EQ((*names.Model("meta-llama/llama2-70b"))->id, "llama-2-70b");  // org/ prefix
  EXPECT_EQ(names.Model("Falcon-180B (base)").status().message(), "unknown model 'Falcon-180B'");
  EXPECT_EQ(names.Engine("lmdeploy (TurboMind)").status().message(), "unknown engine 'lmdeploy'");
}

TEST_F(ValidateMappingTest, StaticBatchRow) {
  const RowPlan p = Map("FX-0001");
  ASSERT_TRUE(p.ok) << p.skip.reason << " " << p.skip.detail;
  const perf::ServingQuery& q = p.query;
  EXPECT_EQ(q.deployment.model->id, "llama-2-7b");
  EXPECT_EQ(q.deployment.accelerator->id, "h100-sxm");
  EXPECT_EQ(q.deployment.engine->id, "trtllm");
  EXPECT_EQ(q.deployment.efficiency->id, "default");
  EXPECT_EQ(q.deployment.precision.weights->id, "fp16");
  EXPECT_EQ(q.deployment.precision.kv->id, "fp16");
  EXPECT_EQ(q.deployment.layout, (perf::Layout{.tp = 1, .pp = 1, .ep = 1}));
  EXPECT_EQ(q.regime, perf::Regime::kStaticBatch);
  EXPECT_EQ(q.concurrency, 64);
  EXPECT_EQ(q.input_tokens, 128);
  EXPECT_EQ(q.output_tokens, 128);
  EXPECT_EQ(p.metric.kind, MetricKind::kOutputTokensPerSPerAccel);
  EXPECT_EQ(p.measured, 9000);
  EXPECT_EQ(p.replicas, 1);
}

TEST_F(ValidateMappingTest, MlperfServerOnSixteenAcceleratorsSplitsTheRateOverReplicas) {
  const RowPlan p = Map("MLP-0003");
  ASSERT_TRUE(p.ok) << p.skip.reason << " " << p.skip.detail;
  // The layout is the best predicted one (validate_mlperf_test.cc); here only its shape.
  const perf::Layout& l = p.query.deployment.layout;
  EXPECT_EQ(l.pp, 1);
  EXPECT_EQ(l.tp * p.replicas, 16);
  EXPECT_EQ(p.accelerators, 16);
  EXPECT_EQ(p.query.regime, perf::Regime::kRequestRate);
  EXPECT_EQ(p.query.request_rate, 20.0 / p.replicas);  // target_qps=20 over the replicas
  EXPECT_EQ(p.query.input_tokens, 222);                // benchmark means 222.33 / 294.45
  EXPECT_EQ(p.query.output_tokens, 294);
  EXPECT_EQ(p.query.deployment.precision.weights->id, "fp8");
  EXPECT_EQ(p.query.deployment.precision.kv->id, "bf16");  // not stated: 16-bit of the model
  EXPECT_FALSE(p.regime.find_rate);
  EXPECT_EQ(p.limits.ttft_p99_s, 2.0);  // Server limits, for the layout choice
  EXPECT_EQ(p.limits.tpot_p99_s, 0.2);
  EXPECT_THAT(p.assumptions, Contains(HasSubstr("benchmark llama2-70b")));
  EXPECT_THAT(p.assumptions, Contains(HasSubstr("latency limits: TP=")));
}

TEST_F(ValidateMappingTest, BurstRowWithRemarksAndMeanLengths) {
  const RowPlan p = Map("GPS-0004");
  ASSERT_TRUE(p.ok) << p.skip.reason << " " << p.skip.detail;
  EXPECT_EQ(p.accelerator_key, "a100-sxm-80gb");
  EXPECT_EQ(p.query.regime, perf::Regime::kMaxLoad);
  EXPECT_EQ(p.query.max_requests, 500);
  EXPECT_EQ(p.query.input_tokens, 219);
  EXPECT_EQ(p.query.output_tokens, 201);
  EXPECT_EQ(p.query.deployment.precision.weights->id, "bf16");
  EXPECT_EQ(p.query.deployment.precision.kv->id, "bf16");
  EXPECT_EQ(p.metric.kind, MetricKind::kTtftMs);
  EXPECT_EQ(p.metric.row_class, RowClass::kLatency);
}

TEST_F(ValidateMappingTest, FixedRateRow) {
  const RowPlan p = Map("TRT17S-0005");
  ASSERT_TRUE(p.ok) << p.skip.reason << " " << p.skip.detail;
  EXPECT_EQ(p.engine_key, "trtllm");
  EXPECT_EQ(p.query.deployment.model->id, "llama-3.1-70b");
  EXPECT_EQ(p.query.deployment.layout.tp, 4);
  EXPECT_EQ(p.query.regime, perf::Regime::kRequestRate);
  EXPECT_EQ(p.query.request_rate, 4);
  EXPECT_EQ(p.metric.kind, MetricKind::kTpotMs);
}

TEST_F(ValidateMappingTest, LlamaCppQ4SingleStream) {
  const RowPlan p = Map("LCPP-0008");
  ASSERT_TRUE(p.ok) << p.skip.reason << " " << p.skip.detail;
  EXPECT_EQ(p.query.deployment.precision.weights->id, "gguf-q4-k-m");  // by its alias q4_k_m
  EXPECT_DOUBLE_EQ(p.query.deployment.precision.weights->BitsPerElement(), 4.84);
  EXPECT_EQ(p.query.deployment.precision.kv->id, "fp16");
  EXPECT_EQ(p.query.regime, perf::Regime::kFixedConcurrency);
  EXPECT_EQ(p.query.concurrency, 1);
  EXPECT_EQ(p.query.input_tokens, 1);  // decode speed: no prompt given
  EXPECT_EQ(p.query.output_tokens, 1024);
  EXPECT_EQ(p.metric.kind, MetricKind::kPerUserTokensPerS);
}

TEST_F(ValidateMappingTest, SpeculativeFixedConcurrencyP99) {
  const RowPlan p = Map("GPS-0009");
  ASSERT_TRUE(p.ok) << p.skip.reason << " " << p.skip.detail;
  EXPECT_EQ(p.query.regime, perf::Regime::kFixedConcurrency);
  EXPECT_EQ(p.query.concurrency, 4);
  EXPECT_TRUE(p.query.spec.has_value());
  EXPECT_TRUE(p.metric.p99);
}

TEST_F(ValidateMappingTest, UnstatedLayouts) {
  const RowPlan split = Map("LCPP-0012");  // llama.cpp layer split over 4 GPUs
  ASSERT_TRUE(split.ok) << split.skip.reason << " " << split.skip.detail;
  EXPECT_EQ(split.query.deployment.layout, (perf::Layout{.tp = 1, .pp = 4, .ep = 1}));
  EXPECT_EQ(split.query.output_tokens, 1);  // prefill speed: no output given
  const RowPlan three = Map("FX-0013");     // TP=3 divides no head count: best valid layout
  ASSERT_TRUE(three.ok) << three.skip.reason << " " << three.skip.detail;
  EXPECT_EQ(three.query.deployment.layout, (perf::Layout{.tp = 1, .pp = 3, .ep = 1}));
}

TEST_F(ValidateMappingTest, SkipReasons) {
  const struct {
    const char* id;
    const char* reason;
  } cases[] = {
      {"FX-0002", "unknown model 'Falcon-180B'"},
      {"FX-0006", "accelerator without a memory figure"},
      {"FX-0007", "unsupported metric 'e2e_ms_mean'"},
      {"MLP-0010", "no workload lengths"},
      {"FX-0011",
       "cannot know the accelerators: llama-2-70b (fp16 weights) cannot run on 1 × h100-sxm as "
       "stated"},
      {"LMD-0014", "unknown engine 'lmdeploy'"},
      {"FX-0015", "unsupported scenario 'disaggregated'"},
  };
  for (const auto& c : cases) {
    const RowPlan p = Map(c.id);
    EXPECT_FALSE(p.ok) << c.id;
    EXPECT_EQ(p.skip.reason, c.reason) << c.id << ": " << p.skip.detail;
  }
}

TEST_F(ValidateMappingTest, MlperfRowsWithoutTheWorkloadsFileAreSkipped) {
  NameResolver names(cat_);
  const RowPlan p = MapRow(names, {}, rows_["MLP-0003"]);
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.skip.reason, "no workload lengths");
  EXPECT_THAT(p.skip.detail, HasSubstr("was not read"));
}

// A row that its accelerators could not hold even with all of their memory did not run as the row
// states; one that only the engine's memory fraction keeps out does not fit.
TEST_F(ValidateMappingTest, DoesNotFitOrCannotKnowTheAccelerators) {
  const RowPlan impossible = Map("FX-0011");  // llama-2-70b, FP16 weights (138 GB), on 1 × H100
  EXPECT_FALSE(impossible.ok);
  EXPECT_THAT(impossible.skip.reason, HasSubstr("cannot know the accelerators: llama-2-70b"));
  Measurement tight = rows_["FX-0011"];
  tight.precision_weights = "fp8";  // 69.5 GB: a 20k-token sequence fits only in all of the memory
  tight.input_len = "20000";
  NameResolver names(cat_);
  const RowPlan p = MapRow(names, workloads_, tight);
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.skip.reason, "does not fit") << p.skip.detail;
}

// A static batch larger than memory holds ran (it was measured): predicted as a burst of that
// many requests, memory's worth at a time, the rest waiting for a slot.
TEST_F(ValidateMappingTest, StaticBatchBeyondMemoryRunsAsABurst) {
  Measurement m = rows_["FX-0001"];  // static batch of 64 x (128 + 128) tokens
  m.concurrency_or_batch = "5000";
  m.metric = "ttft_ms_mean";
  NameResolver names(cat_);
  const RowPlan p = MapRow(names, workloads_, m);
  ASSERT_TRUE(p.ok) << p.skip.reason << " " << p.skip.detail;
  EXPECT_EQ(p.query.regime, perf::Regime::kMaxLoad);
  EXPECT_EQ(p.query.max_requests, 5000);
  EXPECT_THAT(p.assumptions, Contains(HasSubstr("a batch of 5000 is more than the")));
  const RowPlan fits = Map("FX-0001");
  ASSERT_TRUE(fits.ok);
  EXPECT_EQ(fits.query.regime, perf::Regime::kStaticBatch);

  // A request beyond what memory holds starts only when one that runs has finished: after at
  // least 128 decode steps, each no faster than a decode step of one sequence. So the mean time
  // to first token is at least (waiting / all) x 128 such steps.
  const perf::Deployment& d = p.query.deployment;
  const double held = perf::MaxConcurrency(d, 128, 128);
  ASSERT_LT(held, 5000);
  const double step_s =
      perf::PredictStep(d, {.decode_sequences = 1, .decode_context = 128}).total_s;
  const Prediction ttft = PredictRow(p, {});
  ASSERT_TRUE(ttft.ok) << ttft.skip.reason << " " << ttft.skip.detail;
  EXPECT_GE(ttft.value, (5000 - held) / 5000 * 128 * step_s * 1e3);
}

// Per-request means of a dataset spread the outputs (they end at EOS); a random-prompt dataset asks
// every request for the same number of tokens, so its mean is every request's length.
TEST_F(ValidateMappingTest, RandomPromptsHaveFixedOutputLengths) {
  Measurement m = rows_["GPS-0004"];  // a burst of 500, per-request means from totals
  NameResolver names(cat_);
  const RowPlan means = MapRow(names, workloads_, m);
  ASSERT_TRUE(means.ok) << means.skip.reason << " " << means.skip.detail;
  EXPECT_TRUE(means.query.variable_output_lengths);

  for (const char* notes : {"GPUStack Performance Lab, case \"random 2K input\"; ",
                            "vllm bench serve --dataset-name random --random-input-len 2000; "}) {
    m.notes = std::string(notes) + rows_["GPS-0004"].notes;
    const RowPlan random = MapRow(names, workloads_, m);
    ASSERT_TRUE(random.ok) << random.skip.reason << " " << random.skip.detail;
    EXPECT_FALSE(random.query.variable_output_lengths) << notes;
    EXPECT_EQ(random.query.output_tokens, 201) << notes;  // 100400 / 500 = 200.8
    EXPECT_THAT(random.assumptions, Contains(HasSubstr("output lengths: every request the mean")))
        << notes;
  }
}

// The model that the notes' serving command serves wins over a model column naming another.
TEST_F(ValidateMappingTest, ServingCommandNamesTheModel) {
  Measurement m = rows_["GPS-0004"];  // mistral-7b in the model column
  m.notes = "serving cmd: `vllm serve meta-llama/llama-2-7b --max-num-seqs 64`; vllm bench serve";
  NameResolver names(cat_);
  const RowPlan p = MapRow(names, workloads_, m);
  ASSERT_TRUE(p.ok) << p.skip.reason << " " << p.skip.detail;
  EXPECT_EQ(p.model_key, "llama-2-7b");
  EXPECT_THAT(p.assumptions, Contains(HasSubstr("which the serving command serves")));
  for (const char* command : {"vllm serve mistral-7b", "vllm serve org/unknown-model",
                              "# a comment that never says: mindie se"}) {
    m.notes = std::string("serving cmd: `") + command + "`";
    const RowPlan kept = MapRow(names, workloads_, m);
    EXPECT_EQ(kept.model_key, "mistral-7b") << command;
  }
}

// LMDeploy's request-throughput rows give no lengths: their scripts sample ShareGPT from
// `max batch` client threads.
TEST_F(ValidateMappingTest, LmdeployRequestThroughputIsShareGptFromClients) {
  const Measurement m{
      .id = "LMD-0001",
      .source = "InternLM/lmdeploy@f148d47:docs/en/benchmark/a100_fp16.md",
      .model = "Llama-2-7B",
      .accelerator = "h100",
      .num_accel = "1",
      .precision_weights = "fp16",
      .precision_kv = "fp16",
      .engine = "vllm",
      .tp = "1",
      .concurrency_or_batch = "max batch 256",
      .scenario = "offline (request throughput)",
      .metric = "output_tok_per_s_total",
      .value = "3387.419",
      .notes =
          "Request throughput benchmark, 3000 prompts (dataset not named on this page), max "
          "batch 256; RPS=14.556."};
  NameResolver names(cat_);
  const RowPlan p = MapRow(names, WorkloadsFromCatalog(cat_), m);
  ASSERT_TRUE(p.ok) << p.skip.reason << " " << p.skip.detail;
  EXPECT_EQ(p.query.input_tokens, 230);  // the fixture ShareGPT means, 229.71 and 203.07
  EXPECT_EQ(p.query.output_tokens, 203);
  EXPECT_TRUE(p.query.variable_output_lengths);
  EXPECT_EQ(p.query.regime, perf::Regime::kFixedConcurrency);
  EXPECT_DOUBLE_EQ(p.query.concurrency, 256);
  // Without the workload the row has no lengths.
  const RowPlan none = MapRow(names, {}, m);
  EXPECT_EQ(none.skip.reason, "no workload lengths");
}

// Rows a page copied from another experiment say which, and are not predicted.
TEST_F(ValidateMappingTest, CopiedResultsCannotBeKnown) {
  Measurement m = rows_["GPS-0004"];
  m.source = "gpustack/gpustack@47277d7:docs/performance-lab/qwen3-8b/910b.md";
  m.notes =
      "GPUStack Performance Lab, section \"Other Benchmark Cases\", case \"random 2K "
      "input\"; serving cmd: `# This is a simplified vLLM-like command. GPUStack maps "
      "arguments to the # corresponding MindIE JSON configuration and runs with "
      "mindieservice_daemon. mindie se`";
  NameResolver names(cat_);
  const RowPlan p = MapRow(names, workloads_, m);
  EXPECT_FALSE(p.ok);
  EXPECT_THAT(p.skip.reason, HasSubstr("cannot know the accelerators: qwen3-30b-a3b"));
}

}  // namespace
}  // namespace pertoken::validate
