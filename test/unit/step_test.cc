#include "perf/step.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string_view>

#include "arch_models.h"
#include "perf/params.h"
#include "perf/serving.h"
#include "test_util.h"

namespace pertoken::perf {
namespace {

class StepTest : public testing::FixtureCatalogTest {
 protected:
  Deployment Make(const char* model, const char* acc, int tp = 1, const char* weights = "bf16") {
    return Deploy(model, acc, tp, weights);
  }
  static StepShape Decode(int64_t batch, double context) {
    return {.decode_sequences = batch, .decode_context = context};
  }
};

// A batch-1 decode step reads every weight once: 137.96e9 B of Llama-2-70B over 2 × 3.35e12 B/s
// cannot take less than 20.6 ms.
TEST_F(StepTest, DecodeCannotBeatTheBandwidthBound) {
  const StepTime t = PredictStep(Make("llama-2-70b", "h100-sxm", 2), Decode(1, 128));
  EXPECT_GE(t.total_s, 137.96e9 / (2 * 3.35e12));
  EXPECT_LT(t.total_s, 2 * 137.96e9 / (2 * 3.35e12));  // and not absurdly slower
  EXPECT_EQ(t.bottleneck, Bottleneck::kMemory);
}

// Prefill of 2,048 tokens of Llama-2-7B: 2 FLOPs per
// parameter per token for the linear layers (embeddings excluded; the LM head runs for the last
// token only) plus causal attention: 32 layers × 2 × (2048²/2 pairs) × 32 heads × (128 + 128).
TEST_F(StepTest, PrefillFlopsByHand) {
  const Deployment d = Make("llama-2-7b", "h100-sxm");
  const StepTime t = PredictStep(d, {.prefill_sequences = 1, .prefill_tokens = 2048});
  const double linear = 2.0 * (6'738'415'616.0 - 2 * 131'072'000.0) * 2048;
  const double attention = 32 * 2.0 * (2048.0 * 1024) * 32 * 256;
  const double head = 2.0 * 131'072'000;
  EXPECT_NEAR(t.flops, linear + attention + head, 0.001 * (linear + attention));
  EXPECT_EQ(t.bottleneck, Bottleneck::kCompute);
}

TEST_F(StepTest, MoreBandwidthNeverSlowsDecode) {
  Deployment d = Make("llama-2-7b", "h100-sxm");
  catalog::Accelerator faster = *d.accelerator;
  faster.mem_bw_bytes_per_s *= 1.5;
  for (int64_t batch : {1, 8, 64, 256}) {
    const double base = PredictStep(d, Decode(batch, 1024)).total_s;
    Deployment f = d;
    f.accelerator = &faster;
    EXPECT_LT(PredictStep(f, Decode(batch, 1024)).total_s, base) << batch;
  }
}

// The frontend streams tokens beside the engine: a step lasts max(engine step, tokens × cost), so
// with 50 us per token a 1-sequence decode of Llama-2-7B on an H100 (about 4 ms of weights) is
// unchanged, and a 512-sequence decode (25.6 ms of streaming) takes exactly the streaming time.
TEST_F(StepTest, FrontendStreamingOnlyBoundsStepsLongerThanTheEngines) {
  Deployment d = Make("llama-2-7b", "h100-sxm");
  catalog::Engine streaming = *d.engine;
  streaming.frontend_per_token_s = 50e-6;
  Deployment s = d;
  s.engine = &streaming;
  EXPECT_DOUBLE_EQ(PredictStep(s, Decode(1, 256)).total_s, PredictStep(d, Decode(1, 256)).total_s);
  const StepTime engine = PredictStep(d, Decode(512, 64));
  ASSERT_LT(engine.total_s, 512 * 50e-6);
  const StepTime streamed = PredictStep(s, Decode(512, 64));
  EXPECT_DOUBLE_EQ(streamed.total_s, 512 * 50e-6);
  EXPECT_EQ(streamed.bottleneck, Bottleneck::kOverhead);
}

TEST_F(StepTest, TensorParallelNeverMoreThanHalvesAStep) {
  for (int64_t batch : {1, 16, 256}) {
    const double one = PredictStep(Make("llama-2-7b", "h100-sxm", 1), Decode(batch, 512)).total_s;
    const double two = PredictStep(Make("llama-2-7b", "h100-sxm", 2), Decode(batch, 512)).total_s;
    EXPECT_GE(two, one / 2) << batch;
    EXPECT_LT(two, one) << batch;
  }
}

TEST_F(StepTest, LongerContextsCostMoreAttention) {
  const Deployment d = Make("llama-2-7b", "h100-sxm");
  EXPECT_LT(PredictStep(d, Decode(32, 512)).total_s, PredictStep(d, Decode(32, 4096)).total_s);
  // A sliding window caps it: Mistral's 4096-token window reads the same KV at 8K and 16K.
  const Deployment w = Make("mistral-7b", "h100-sxm");
  EXPECT_DOUBLE_EQ(PredictStep(w, Decode(32, 8192)).total_s,
                   PredictStep(w, Decode(32, 16384)).total_s);
}

// The achieved fraction of the BF16 peak of the step's prefill attention, latency included.
double PrefillAttentionEfficiency(const Deployment& d, const StepShape& shape) {
  for (const OpTime& op : PredictStep(d, shape).ops) {
    if (std::string_view(op.name) == "attention_prefill") {
      return op.flops / op.time_s / d.accelerator->peak_flops_per_s.at("bf16");
    }
  }
  return 0;
}

// A measured all-reduce curve is interpolated in log-log between its sizes, held at its smallest
// size's time below them and extended at the last segment's marginal bandwidth beyond them; rank
// counts it does not cover use the fitted latency-bandwidth pair.
TEST_F(StepTest, MeasuredAllReducesAreInterpolated) {
  Deployment d = Make("llama-2-7b", "h100-sxm");
  catalog::Efficiency e = *d.efficiency;
  e.allreduce_measured = {{.ranks = 8, .bytes = {1e3, 1e5}, .seconds = {1e-5, 1e-4}}};
  const auto& acc = *d.accelerator;
  EXPECT_NEAR(AllReduceTime(acc, e, 8, 1e4), std::sqrt(1e-5 * 1e-4), 1e-12);  // geometric middle
  EXPECT_DOUBLE_EQ(AllReduceTime(acc, e, 8, 1e3), 1e-5);
  EXPECT_DOUBLE_EQ(AllReduceTime(acc, e, 8, 10), 1e-5);
  EXPECT_NEAR(AllReduceTime(acc, e, 8, 2e5), 1e-4 + 1e5 * (9e-5 / 9.9e4), 1e-12);
  // 4 ranks were not measured: latency + 2 (t - 1) / t x bytes / (per-direction bw x fraction).
  const double per_direction = *acc.scaleup_bw_bytes_per_s / 2;
  EXPECT_NEAR(AllReduceTime(acc, e, 4, 1e6),
              e.allreduce_latency_s + 1.5 * 1e6 / (per_direction * e.allreduce_bw_fraction), 1e-12);
}

// Without a scale-up link the all-reduce crosses PCIe with its own, far longer latency: by hand,
// latency + 2 (t - 1) / t x bytes / (PCIe 4.0 x16 per direction x fraction).
TEST_F(StepTest, PcieAllReducesUseThePcieParameters) {
  Deployment d = Make("llama-2-7b", "h100-sxm");
  catalog::Accelerator pcie = *d.accelerator;
  pcie.scaleup_domain_size = 1;
  pcie.scaleup_bw_bytes_per_s.reset();
  pcie.pcie_gen = 4;
  catalog::Efficiency e = *d.efficiency;
  e.allreduce_measured.clear();
  e.pcie_allreduce_bw_fraction = 0.5;
  e.pcie_allreduce_latency_s = 48e-6;
  EXPECT_NEAR(AllReduceTime(pcie, e, 8, 1e6), 48e-6 + 1.75 * 1e6 / (31.5e9 * 0.5), 1e-12);
  // An NVLink accelerator keeps the scale-up parameters.
  EXPECT_NEAR(
      AllReduceTime(*d.accelerator, e, 4, 1e6),
      e.allreduce_latency_s +
          1.5 * 1e6 / (*d.accelerator->scaleup_bw_bytes_per_s / 2 * e.allreduce_bw_fraction),
      1e-12);
}

// With a prefill curve, longer prompts loop over more keys per query and reach a higher fraction
// of the peak, towards prefill_fraction; so does a short chunk after a long cached past.
TEST_F(StepTest, LongerPromptsReachAHigherAttentionEfficiency) {
  Deployment d = Make("llama-2-7b", "h100-sxm");
  catalog::Efficiency curved = *d.efficiency;
  curved.attention_prefill_fraction = 0.6;
  curved.attention_prefill_half_work = 500;
  d.efficiency = &curved;
  double previous = 0;
  for (int64_t tokens : {256, 1024, 4096, 16384}) {
    const double e =
        PrefillAttentionEfficiency(d, {.prefill_sequences = 1, .prefill_tokens = tokens});
    EXPECT_GT(e, previous) << tokens;
    EXPECT_LT(e, 0.6 * (tokens / 2.0) / (tokens / 2.0 + 500)) << tokens;  // less the latency
    previous = e;
  }
  EXPECT_GT(previous, 0.9 * 0.6 * 8192 / (8192 + 500));
  const StepShape chunk = {.prefill_sequences = 1, .prefill_tokens = 512, .prefill_past = 8192};
  EXPECT_GT(PrefillAttentionEfficiency(d, chunk),
            2 * PrefillAttentionEfficiency(d, {.prefill_sequences = 1, .prefill_tokens = 512}));
}

TEST_F(StepTest, OnlyTheExpertsTokensVisitAreRead) {
  // Batch 1 of DeepSeek-V3 touches 8 of 256 experts per layer, batch 4096 nearly all of them.
  const Deployment d = Make("deepseek-v3", "h200-sxm", 8, "fp8");
  const StepTime one = PredictStep(d, Decode(1, 1024));
  const StepTime many = PredictStep(d, Decode(4096, 1024));
  double one_bytes = 0, many_bytes = 0;
  auto expert_bytes = [](const OpTime& op) {
    return std::string_view(op.name) == "moe_experts" ? op.bytes : 0;
  };
  for (const auto& op : one.ops) one_bytes += expert_bytes(op);
  for (const auto& op : many.ops) many_bytes += expert_bytes(op);
  EXPECT_GT(many_bytes, 20 * one_bytes);
}

// The activation pass of a MoE layer is as wide as the experts a token runs (routed and shared),
// that of a dense layer as its MLP: by hand, per token, hidden x 2 B x (2 norms x 2 + 4) per layer
// plus 3 x width / TP x 2 B.
TEST_F(StepTest, ElementwiseWidthFollowsTheExpertsATokenRuns) {
  Deployment d = Make("deepseek-v3", "h200-sxm", 8, "fp8");
  catalog::Model wide = *d.model;
  wide.moe->expert_intermediate_size = 4096;  // 9 x 4096 per token, not the dense 18432
  d.model = &wide;
  double bytes = 0;
  for (const auto& op : PredictStep(d, Decode(1, 1024)).ops) {
    if (std::string_view(op.name) == "norms_activations") bytes = op.bytes;
  }
  const double expected = 7168.0 * 2 * (2 * 2 + 4) * 61 +
                          3.0 * 18432 / 8 * 2 * 3 +     // 3 dense layers
                          3.0 * 9 * 4096 / 8 * 2 * 58;  // 58 MoE layers
  EXPECT_DOUBLE_EQ(bytes, expected);
}

// Expert parallelism waits for the busiest rank: at a small batch the imbalance is large, at a
// large batch the ranks even out (law of large numbers).
TEST_F(StepTest, ExpertParallelImbalanceShrinksWithTheBatch) {
  Deployment tp = Make("deepseek-v3", "h200-sxm", 8, "fp8");
  Deployment ep = tp;
  ep.layout.ep = 8;
  auto experts = [](const StepTime& t) {
    double s = 0;
    for (const auto& op : t.ops) s += std::string(op.name) == "moe_experts" ? op.time_s : 0;
    return s;
  };
  const double small =
      experts(PredictStep(ep, Decode(64, 1024))) / experts(PredictStep(tp, Decode(64, 1024)));
  const double large =
      experts(PredictStep(ep, Decode(8192, 1024))) / experts(PredictStep(tp, Decode(8192, 1024)));
  EXPECT_GE(small, large);
  EXPECT_GE(large, 1.0);
  EXPECT_LT(large, 1.1);
}

// --- Recent architectures.

// The ops of a step named `name`, summed.
OpTime OpNamed(const StepTime& t, std::string_view name) {
  OpTime sum;
  for (const auto& op : t.ops) {
    if (name == op.name) {
      sum.flops += op.flops;
      sum.bytes += op.bytes;
      sum.time_s += op.time_s;
    }
  }
  return sum;
}

// The toy Gated DeltaNet hybrid (3 linear layers: key width 16, value width 64, 4 value heads of
// state 8 × 16 in FP32, 2,624 B of state with the convolution inputs) by hand. Prefill of 1,000
// tokens: the recurrence costs 8 × 1,000 × 4 × 8 × 16 FLOPs per layer; the projections
// 2 × 1,000 × (64 × (16 + 16 + 64 + 2 × 4) + 64 × 64) per layer. Decode of 8 sequences: each
// reads and writes its state once per layer and streams q, k, v and the output, 2 × (16 + 64) × 2
// B per token.
TEST_F(StepTest, LinearAttentionByHand) {
  const catalog::Model m = testing::ToyGatedDeltaNet();
  Deployment d = Make("llama-2-7b", "h100-sxm");
  d.model = &m;
  const StepTime prefill = PredictStep(d, {.prefill_sequences = 1, .prefill_tokens = 1000});
  EXPECT_DOUBLE_EQ(OpNamed(prefill, "linear_attn_prefill").flops, 3 * 8.0 * 1000 * 4 * 8 * 16);
  EXPECT_DOUBLE_EQ(OpNamed(prefill, "linear_attn_proj").flops,
                   3 * 2.0 * 1000 * (64 * 104 + 64 * 64));
  EXPECT_DOUBLE_EQ(OpNamed(prefill, "linear_attn_proj").flops,
                   3 * 2.0 * 1000 * LinearAttentionParams(m).matrix);
  // Only the full-attention layer projects q, k, v: (4 + 2 × 2) heads × 16 × 64 and o.
  EXPECT_DOUBLE_EQ(OpNamed(prefill, "qkv_proj").flops, 2.0 * 1000 * 8 * 16 * 64);
  const StepTime decode = PredictStep(d, Decode(8, 100));
  const OpTime rec = OpNamed(decode, "linear_attn_decode");
  EXPECT_DOUBLE_EQ(rec.flops, 3 * 8.0 * 8 * 4 * 8 * 16);
  EXPECT_DOUBLE_EQ(rec.bytes, 3 * (2.0 * 8 * 2'624 + 8 * 2.0 * (16 + 64) * 2));
  EXPECT_EQ(OpNamed(decode, "linear_attn_prefill").flops, 0);
}

// A hybrid's decode step grows with context only through its full-attention layers (12 of 48 in
// Qwen3-Next); its twin with full attention everywhere reads four times as much KV per token.
TEST_F(StepTest, HybridDecodeGrowsSlowerWithContext) {
  const catalog::Model hybrid = testing::Qwen3Next();
  catalog::Model twin = hybrid;
  twin.linear_attention.reset();
  Deployment d = Make("llama-2-7b", "h200-sxm", 2);
  d.model = &hybrid;
  const double h_short = PredictStep(d, Decode(32, 1024)).total_s;
  const double h_long = PredictStep(d, Decode(32, 65536)).total_s;
  d.model = &twin;
  const double t_short = PredictStep(d, Decode(32, 1024)).total_s;
  const double t_long = PredictStep(d, Decode(32, 65536)).total_s;
  EXPECT_GT(h_long, h_short);
  EXPECT_LT(h_long - h_short, 0.3 * (t_long - t_short));
  EXPECT_LT(h_long, t_long);
}

// Llama 4 Maverick at batch 1 (TP=8) reads about its active weights per step: the attention,
// the dense MLPs of 24 layers, one routed and the shared expert of the other 24, the LM head; not
// the embedding table, of which it reads one row.
TEST_F(StepTest, MaverickBatchOneReadsTheActiveWeights) {
  const catalog::Model m = testing::Llama4Maverick();
  Deployment d = Make("llama-2-7b", "h200-sxm", 8);
  d.model = &m;
  const StepTime t = PredictStep(d, Decode(1, 1024));
  const ParamCount c = CountParams(m);
  const double active_bytes = 2.0 * static_cast<double>(c.active - c.embedding);
  EXPECT_NEAR(t.bytes * 8, active_bytes, 0.03 * active_bytes);
  EXPECT_LT(t.bytes * 8, 0.1 * 2.0 * static_cast<double>(c.total));
  EXPECT_EQ(t.bottleneck, Bottleneck::kMemory);
  // The dense MLP runs on the 24 dense layers, gate-and-up and down: 3 × 5120 × 16384 / 8.
  EXPECT_DOUBLE_EQ(OpNamed(t, "mlp").flops, 24 * 2.0 * 3 * 5120 * 16384 / 8);
}

// Chunked layers (36 of Maverick's 48, chunks of 8,192) attend within their chunk. Prefill of
// 16,384 tokens: 2 chunks × 8,192²/2 query-key pairs against 16,384²/2 in a full layer; decode
// beyond the first chunk: half a chunk on average. TP=8: 5 heads, one KV head (512 B per token).
TEST_F(StepTest, ChunkedAttentionStaysWithinItsChunk) {
  const catalog::Model m = testing::Llama4Maverick();
  Deployment d = Make("llama-2-7b", "h200-sxm", 8);
  d.model = &m;
  const StepTime prefill = PredictStep(d, {.prefill_sequences = 1, .prefill_tokens = 16384});
  const double per_pair = 2.0 * 5 * (128 + 128);
  EXPECT_DOUBLE_EQ(OpNamed(prefill, "attention_prefill").flops,
                   per_pair * (12 * 16384.0 * 16384 / 2 + 36 * 2 * 8192.0 * 8192 / 2));
  const StepTime decode = PredictStep(d, Decode(4, 20000));
  EXPECT_DOUBLE_EQ(OpNamed(decode, "attention_decode").bytes, 4 * 512.0 * (12 * 20001 + 36 * 4096));
  // Within the first chunk the chunked layers see the whole context.
  const StepTime early = PredictStep(d, Decode(4, 5000));
  EXPECT_DOUBLE_EQ(OpNamed(early, "attention_decode").bytes, 4 * 512.0 * 48 * 5001);
}

// The output gate widens the query projection: Qwen3-Next's 12 full-attention layers at TP=2
// project 100 tokens to (8 heads × 2 + 1 KV head × 2) × 256 outputs.
TEST_F(StepTest, OutputGateWidensTheQueryProjection) {
  const catalog::Model m = testing::Qwen3Next();
  Deployment d = Make("llama-2-7b", "h200-sxm", 2);
  d.model = &m;
  const StepTime t = PredictStep(d, {.prefill_sequences = 1, .prefill_tokens = 100});
  EXPECT_DOUBLE_EQ(OpNamed(t, "qkv_proj").flops, 12 * 2.0 * 100 * (8 * 2 + 2) * 256 * 2048);
}

TEST(SpecDecode, ExpectedTokensPerStep) {
  EXPECT_DOUBLE_EQ(ExpectedTokensPerStep(4, 0), 1);
  EXPECT_NEAR(ExpectedTokensPerStep(4, 0.7), (1 - 0.16807) / 0.3, 1e-12);  // 2.7731
  EXPECT_NEAR(ExpectedTokensPerStep(1, 0.5), 1.5, 1e-12);
}

}  // namespace
}  // namespace pertoken::perf

namespace pertoken::perf {
namespace {

// An 8-bit precision without a curve of its own runs at the other 8-bit one's, not at BF16's: a
// framework whose FP8 GEMMs reach 47% of the peak does not reach 82% in INT8.
TEST(GemmCurve, EightBitPrecisionsShareTheirCurve) {
  catalog::Efficiency eff;
  eff.gemm["bf16"] = {.max_fraction = 0.82, .half_tokens = 1};
  eff.gemm["fp8"] = {.max_fraction = 0.47, .half_tokens = 167};
  EXPECT_EQ(GemmCurveFor(eff, "int8").max_fraction, 0.47);
  EXPECT_EQ(GemmCurveFor(eff, "fp8").max_fraction, 0.47);
  EXPECT_EQ(GemmCurveFor(eff, "fp16").max_fraction, 0.82);
  EXPECT_EQ(GemmCurveFor(eff, "fp4").max_fraction, 0.82);
  eff.gemm.erase("fp8");
  eff.gemm["int8"] = {.max_fraction = 0.77, .half_tokens = 133};
  EXPECT_EQ(GemmCurveFor(eff, "fp8").max_fraction, 0.77);
}

}  // namespace
}  // namespace pertoken::perf
