#include "perf/memory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "arch_models.h"
#include "catalog/catalog.h"
#include "perf/params.h"
#include "test_util.h"

namespace pertoken::perf {
namespace {

using ::testing::HasSubstr;

// Fixture values (test/data/catalog_small): H100 81,559 MiB usable, H200 143,771 MiB; the vLLM
// fixture keeps 0.9 of memory, 0.5e9 B runtime, 1e9 B CUDA graphs, 8192 batched tokens, 256
// sequences, 16-token blocks.
constexpr double kH100 = 81559.0 * 1024 * 1024;
constexpr double kH200 = 143771.0 * 1024 * 1024;

class MemoryTest : public testing::FixtureCatalogTest {
 protected:
  FitRequest Request(const char* model, const char* acc, const char* engine = "vllm",
                     const char* weights = "bf16", const char* kv = "bf16") {
    FitRequest r;
    r.model = *cat_.FindModel(model);
    r.accelerator = *cat_.FindAccelerator(acc);
    r.engine = *cat_.FindEngine(engine);
    r.precision.weights = *cat_.FindPrecision(weights, false);
    r.precision.expert_weights = r.precision.weights;
    r.precision.kv = *cat_.FindPrecision(kv, true);
    r.context_tokens = 4096;
    r.max_context_tokens = r.model->max_context_tokens;
    return r;
  }
  // The same for a model built in the test, which must outlive the request.
  FitRequest RequestFor(const catalog::Model& model, const char* acc, int tp = 1) {
    FitRequest r = Request("llama-2-7b", acc);
    r.model = &model;
    r.max_context_tokens = model.max_context_tokens;
    r.layout = {.tp = tp};
    return r;
  }
};

// KV bytes per token at 16 bits, by hand (2 for K and V, 2 bytes per element):
// Llama-2-7B 32 layers × 2 × 32 heads × 128 × 2 = 524,288; Llama-2-70B 80 × 2 × 8 × 128 × 2 =
// 327,680; DeepSeek-V3 (MLA) 61 × (512 + 64) × 2 = 70,272.
TEST_F(MemoryTest, KvBytesPerTokenByHand) {
  const struct {
    const char* model;
    double bytes;
  } cases[] = {{"llama-2-7b", 524'288}, {"llama-2-70b", 327'680}, {"deepseek-v3", 70'272}};
  for (const auto& c : cases) {
    FitRequest r = Request(c.model, "h200-sxm");
    r.layout = {.tp = 8};
    EXPECT_DOUBLE_EQ(Fit(r).kv_bytes_per_token, c.bytes) << c.model;
  }
  // FP8 KV halves it.
  FitRequest r = Request("llama-2-70b", "h100-sxm", "vllm", "bf16", "fp8");
  r.layout = {.tp = 2};
  EXPECT_DOUBLE_EQ(Fit(r).kv_bytes_per_token, 163'840);
}

// Llama-2-70B in BF16 is 137.95e9 B of weights: more than one H100's 85.5e9 B.
TEST_F(MemoryTest, Llama2_70bDoesNotFitOneH100) {
  FitRequest r = Request("llama-2-70b", "h100-sxm");
  const FitResult f = Fit(r);
  EXPECT_FALSE(f.fits);
  EXPECT_NEAR(f.weight_bytes, 137.95e9, 0.01e9);
  EXPECT_LT(f.stages[0].kv_pool_bytes, 0);
  EXPECT_THAT(f.reason, HasSubstr("leave no room for the KV cache"));
}

// On 2 × H100 with TP=2, each holds half of every matrix and of the embeddings, plus all the norms
// (80 × 2 × 8192 + 8192 = 1,318,912 parameters): (137,953,296,384 − 2 × 2,637,824) / 2 + 2,637,824
// = 68,977,967,104 B. Activations for 8192 tokens: 8192 × (2 × 8192 + 28672) × 2 B = 738,197,504,
// plus 256 logit rows × 16000 × 4 B = 16,384,000. KV pool = 0.9 × M − W − A − 0.5e9 − 1e9.
// Per accelerator one token holds 80 × 2 × 4 heads × 128 × 2 = 163,840 B, a 4096-token sequence
// 671,088,640 B: 8 sequences fit.
TEST_F(MemoryTest, Llama2_70bFitsTwoH100WithTp2) {
  FitRequest r = Request("llama-2-70b", "h100-sxm");
  r.layout = {.tp = 2};
  const FitResult f = Fit(r);
  ASSERT_TRUE(f.fits) << f.reason;
  const StageMemory& s = f.stages[0];
  EXPECT_DOUBLE_EQ(s.weight_bytes, 68'977'967'104);
  EXPECT_DOUBLE_EQ(s.activation_bytes, 738'197'504 + 16'384'000);
  const double pool = 0.9 * kH100 - 68'977'967'104 - (738'197'504 + 16'384'000) - 0.5e9 - 1e9;
  EXPECT_NEAR(s.kv_pool_bytes, pool, 1);
  EXPECT_DOUBLE_EQ(s.kv_bytes_per_token, 163'840);
  EXPECT_EQ(f.max_concurrent_sequences, static_cast<int64_t>(pool / 671'088'640));
  EXPECT_EQ(f.max_concurrent_sequences, 8);
  EXPECT_EQ(f.kv_tokens, static_cast<int64_t>(pool / 163'840));
}

// One H200 (150.75e9 B): vLLM's 0.9 budget is 135.68e9 B, below the 137.95e9 B of weights, so it
// does not fit; TensorRT-LLM takes its 0.9 fraction of what is free after the weights, so it fits.
TEST_F(MemoryTest, OneH200DependsOnTheEngineReservation) {
  FitRequest r = Request("llama-2-70b", "h200-sxm");
  EXPECT_LT(0.9 * kH200, 137.95e9);
  EXPECT_FALSE(Fit(r).fits);
  r.engine = *cat_.FindEngine("trtllm");
  const FitResult f = Fit(r);
  ASSERT_TRUE(f.fits) << f.reason;
  const StageMemory& s = f.stages[0];
  EXPECT_NEAR(s.kv_pool_bytes, 0.9 * (kH200 - s.weight_bytes - s.activation_bytes - 0.5e9 - 1e9),
              1);
  EXPECT_GT(s.kv_pool_bytes, 8e9);
}

// vLLM 0.11 captures CUDA graphs after sizing the pool: they come out of the 10% left over.
TEST_F(MemoryTest, CudaGraphsOutsideTheBudget) {
  FitRequest r = Request("llama-2-70b", "h100-sxm");
  r.layout = {.tp = 2};
  catalog::Engine late_graphs = **cat_.FindEngine("vllm");
  late_graphs.cuda_graphs_in_budget = false;
  const double in_budget = Fit(r).stages[0].kv_pool_bytes;
  r.engine = &late_graphs;
  const StageMemory s = Fit(r).stages[0];
  EXPECT_NEAR(s.kv_pool_bytes, in_budget + 1e9, 1);
  EXPECT_NEAR(s.reserved_bytes, 0.1 * kH100 - 1e9, 1);
}

TEST_F(MemoryTest, StaticFractionNeedsHeadroomForActivations) {
  FitRequest r = Request("llama-2-7b", "h100-sxm", "sglang");
  const FitResult f = Fit(r);
  ASSERT_TRUE(f.fits) << f.reason;
  EXPECT_NEAR(f.stages[0].kv_pool_bytes, 0.88 * kH100 - f.stages[0].weight_bytes, 1);
}

// The PagedAttention comparison: 1000-token sequences, slots pre-allocated to 8192 tokens.
// Paged: ceil(1000 / 16) × 16 = 1008 tokens per sequence, 8 wasted; contiguous: 7192 wasted.
TEST_F(MemoryTest, PagedVersusContiguous) {
  FitRequest r = Request("llama-3.1-70b", "h100-sxm");
  r.layout = {.tp = 2};
  r.context_tokens = 1000;
  r.max_context_tokens = 8192;
  const FitResult f = Fit(r);
  ASSERT_TRUE(f.fits);
  const double pool = f.stages[0].kv_pool_bytes;
  const double per_token = 163'840;
  EXPECT_EQ(f.max_sequences_paged, static_cast<int64_t>(pool / (1008 * per_token)));
  EXPECT_EQ(f.max_sequences_contiguous, static_cast<int64_t>(pool / (8192 * per_token)));
  EXPECT_GT(f.max_sequences_paged, 6 * f.max_sequences_contiguous);
  EXPECT_DOUBLE_EQ(f.paged_waste_bytes, f.max_sequences_paged * 8 * per_token);
  EXPECT_DOUBLE_EQ(f.contiguous_waste_bytes, f.max_sequences_contiguous * 7192 * per_token);
  // llama.cpp allocates contiguously.
  r.engine = *cat_.FindEngine("llamacpp");
  const FitResult c = Fit(r);
  EXPECT_EQ(c.max_concurrent_sequences, c.max_sequences_contiguous);
}

// Llama-3.1-70B's 131,072-token maximum needs 21.5e9 B of KV per sequence per accelerator at TP=2:
// more than the pool, so vLLM would refuse to start at its default maximum length.
TEST_F(MemoryTest, WarnsWhenTheMaximumContextDoesNotFit) {
  FitRequest r = Request("llama-3.1-70b", "h100-sxm");
  r.layout = {.tp = 2};
  const FitResult f = Fit(r);
  ASSERT_TRUE(f.fits);
  ASSERT_FALSE(f.warnings.empty());
  EXPECT_THAT(f.warnings[0], HasSubstr("refuses to start"));
}

// Mistral's 4096-token sliding window caps every layer: 32 layers × 4096 tokens × 4096 B.
TEST_F(MemoryTest, SlidingWindowCapsTheCache) {
  FitRequest r = Request("mistral-7b", "h100-sxm");
  r.context_tokens = 8192;
  EXPECT_DOUBLE_EQ(Fit(r).stages[0].kv_bytes_per_sequence, 32.0 * 4096 * 4096);
  r.context_tokens = 2000;
  EXPECT_DOUBLE_EQ(Fit(r).stages[0].kv_bytes_per_sequence, 32.0 * 2000 * 4096);
}

// MLA keeps the whole latent on every TP rank: 70,272 B per token per accelerator at TP=8.
TEST_F(MemoryTest, MlaLatentIsReplicatedAcrossTensorParallelRanks) {
  FitRequest r = Request("deepseek-v3", "h200-sxm", "vllm", "fp8");
  r.layout = {.tp = 8};
  const FitResult f = Fit(r);
  EXPECT_DOUBLE_EQ(f.stages[0].kv_bytes_per_token, 70'272);
  ASSERT_TRUE(f.fits) << f.reason;
  // 58 MoE layers × 248 idle experts × 3 × 7168 × 2048 FP8 bytes are not read per token.
  EXPECT_NEAR(f.weight_bytes - f.active_weight_bytes, 58.0 * 248 * 3 * 7168 * 2048, 1);
}

// Whisper's decoder also holds the encoder's 1500 frames of cross-attention K and V per layer:
// 32 layers × (448 + 1500) × 2 × 20 × 64 × 2 B.
TEST_F(MemoryTest, EncoderDecoderHoldsCrossAttention) {
  FitRequest r = Request("whisper-large-v3", "h100-sxm");
  r.context_tokens = 448;
  EXPECT_DOUBLE_EQ(Fit(r).stages[0].kv_bytes_per_sequence, 32.0 * (448 + 1500) * 2 * 20 * 64 * 2);
}

// PP=2: 40 layers per stage; the first stage holds the embedding, the last the LM head and final
// norm, each 32000 × 8192 × 2 B.
TEST_F(MemoryTest, PipelineStagesSplitLayersAndEmbeddings) {
  FitRequest r = Request("llama-2-70b", "h100-sxm");
  r.layout = {.pp = 2};
  const FitResult f = Fit(r);
  ASSERT_EQ(f.stages.size(), 2u);
  EXPECT_EQ(f.stages[0].layers, 40);
  EXPECT_EQ(f.stages[1].first_layer, 40);
  EXPECT_DOUBLE_EQ(f.stages[1].weight_bytes - f.stages[0].weight_bytes, 2.0 * 8192);
  // The norms are the only parameters both stages would otherwise share; the final norm is on the
  // last.
  EXPECT_NEAR(f.stages[0].weight_bytes + f.stages[1].weight_bytes, f.weight_bytes, 1);
}

// Engine limits that depend on the accelerator: the first matching override applies.
TEST_F(MemoryTest, AcceleratorDependentEngineLimits) {
  catalog::Engine e = **cat_.FindEngine("vllm");
  e.limit_overrides = {{.accelerators = {"a100-sxm-80gb"}, .max_num_seqs = 256},
                       {.memory_below_bytes = 100'000'000'000, .max_num_batched_tokens = 2048}};
  const auto& a100 = **cat_.FindAccelerator("a100-sxm-80gb");
  const auto& h100 = **cat_.FindAccelerator("h100-sxm");  // 85.5e9 B: under 100e9
  const auto& h200 = **cat_.FindAccelerator("h200-sxm");
  EXPECT_EQ(e.MaxNumSeqs(a100), 256);
  EXPECT_EQ(e.MaxBatchedTokens(a100), 8192);  // the first match wins, and it sets no tokens
  EXPECT_EQ(e.MaxNumSeqs(h100), 256);         // the fixture's own limit
  EXPECT_EQ(e.MaxBatchedTokens(h100), 2048);
  EXPECT_EQ(e.MaxBatchedTokens(h200), 8192);
}

TEST_F(MemoryTest, InvalidLayoutsSayWhy) {
  const auto& m = **cat_.FindModel("llama-2-70b");
  const auto& moe = **cat_.FindModel("deepseek-v3");
  const auto& h100 = **cat_.FindAccelerator("h100-sxm");
  EXPECT_THAT(CheckLayout(m, h100, {.tp = 3}).message(),
              HasSubstr("TP=3 does not divide the 64 attention heads"));
  EXPECT_THAT(CheckLayout(m, h100, {.tp = 16}).message(), HasSubstr("exceeds the 8"));
  EXPECT_THAT(CheckLayout(m, h100, {.pp = 81}).message(), HasSubstr("PP=81 exceeds the 80 layers"));
  EXPECT_THAT(CheckLayout(m, h100, {.tp = 2, .ep = 2}).message(), HasSubstr("is dense"));
  EXPECT_THAT(CheckLayout(moe, h100, {.tp = 8, .ep = 3}).message(),
              HasSubstr("does not divide the 256 experts"));
  EXPECT_TRUE(CheckLayout(moe, h100, {.tp = 8, .ep = 8}).ok());
}

TEST_F(MemoryTest, SmallestCount) {
  EXPECT_EQ(FindMinAccelerators(Request("llama-2-70b", "h100-sxm")).min_accelerators, 2);
  EXPECT_EQ(FindMinAccelerators(Request("llama-2-7b", "h100-sxm")).min_accelerators, 1);
  // Weight-only INT4 (4.156 bits) shrinks Llama-2-70B to about 36.6e9 B: one H100.
  EXPECT_EQ(
      FindMinAccelerators(Request("llama-2-70b", "h100-sxm", "vllm", "int4")).min_accelerators, 1);
  const CountSearch s = FindMinAccelerators(Request("llama-2-70b", "h100-sxm"));
  ASSERT_FALSE(s.layouts.empty());
  EXPECT_EQ(s.layouts.front().layout, (Layout{.tp = 2, .pp = 1, .ep = 1}));
}

// The toy's state by hand, per linear-attention layer: 4 value heads × 8 × 16 × 4 B = 2,048 of
// recurrent state and 3 × (2 × 2 × 8 + 4 × 16) × 2 B = 576 of convolution inputs; 7,872 B for
// its 3 layers. KV: one layer × 2 × 2 KV heads × 16 × 2 B = 128 B per token. At TP=2 each
// accelerator holds 1 key head and 2 value heads: 2 × 8 × 16 × 4 = 1,024 and
// 3 × (2 × 8 + 2 × 16) × 2 = 288 B per layer, 3,936 B in all.
TEST_F(MemoryTest, LinearAttentionStateByHand) {
  const catalog::Model m = testing::ToyGatedDeltaNet();
  EXPECT_DOUBLE_EQ(LinearAttentionStateBytes(m, 1, 2), 2'048 + 576);
  EXPECT_DOUBLE_EQ(LinearAttentionStateBytes(m, 2, 2), 1'024 + 288);
  FitRequest r = RequestFor(m, "h100-sxm");
  const FitResult f = Fit(r);
  ASSERT_TRUE(f.fits) << f.reason;
  const StageMemory& s = f.stages[0];
  EXPECT_DOUBLE_EQ(f.kv_bytes_per_token, 128);
  EXPECT_DOUBLE_EQ(f.state_bytes_per_sequence, 7'872);
  EXPECT_DOUBLE_EQ(s.kv_bytes_per_token, 128);
  EXPECT_DOUBLE_EQ(s.state_bytes_per_sequence, 7'872);
  EXPECT_DOUBLE_EQ(s.kv_bytes_per_sequence, 128.0 * 4096 + 7'872);
  EXPECT_DOUBLE_EQ(s.kv_bytes_per_sequence_paged, 128.0 * 4096 + 7'872);
  EXPECT_DOUBLE_EQ(s.kv_bytes_per_sequence_contiguous, 128.0 * 8192 + 7'872);
  EXPECT_EQ(f.max_sequences_paged, static_cast<int64_t>(s.kv_pool_bytes / (128.0 * 4096 + 7'872)));
  // The token pool leaves room for the states of the sequences that run at once (the engine's
  // 256 here).
  ASSERT_GT(f.max_concurrent_sequences, 256);
  EXPECT_EQ(f.kv_tokens, static_cast<int64_t>((s.kv_pool_bytes - 256 * 7'872.0) / 128));
  // Short sequences: the state outweighs the cache. 16 tokens hold 2,048 B of KV and 7,872 B of
  // state; without the state 4.8 times as many would seem to fit.
  r.context_tokens = 16;
  const FitResult small = Fit(r);
  EXPECT_EQ(small.max_sequences_paged,
            static_cast<int64_t>(small.stages[0].kv_pool_bytes / (2'048 + 7'872)));
  r.layout = {.tp = 2};
  EXPECT_DOUBLE_EQ(Fit(r).stages[0].state_bytes_per_sequence, 3'936);
}

// Qwen3-Next on 2 × H200: its 12 full-attention layers cache 12 × 2 × 1 × 256 × 2 = 12,288 B per
// token per accelerator; the same model with full attention in all 48 layers caches four times
// as much and holds far fewer long sequences, even with the hybrid's 36 layers of state.
TEST_F(MemoryTest, HybridHoldsMoreContextThanItsFullAttentionTwin) {
  const catalog::Model hybrid = testing::Qwen3Next();
  catalog::Model twin = hybrid;
  twin.linear_attention.reset();
  FitRequest r = RequestFor(hybrid, "h200-sxm", 2);
  r.context_tokens = 32768;
  const FitResult h = Fit(r);
  r.model = &twin;
  const FitResult t = Fit(r);
  ASSERT_TRUE(h.fits) << h.reason;
  ASSERT_TRUE(t.fits) << t.reason;
  EXPECT_DOUBLE_EQ(h.stages[0].kv_bytes_per_token, 12'288);
  EXPECT_DOUBLE_EQ(t.stages[0].kv_bytes_per_token, 4 * 12'288);
  EXPECT_GT(h.kv_tokens, 3 * t.kv_tokens);
  EXPECT_GT(h.max_concurrent_sequences, 3 * t.max_concurrent_sequences);
}

// BF16 weights are 2 B per parameter, whatever the layer kinds; the MTP layer stays out.
TEST_F(MemoryTest, WeightsOfMixedLayerKinds) {
  const catalog::Model models[] = {testing::Llama4Maverick(), testing::Qwen3Next(),
                                   testing::Qwen35(), testing::MiniMaxM1()};
  for (const auto& m : models) {
    FitRequest r = RequestFor(m, "h200-sxm", 8);
    const FitResult f = Fit(r);
    const ParamCount c = CountParams(m);
    EXPECT_NEAR(f.weight_bytes, 2.0 * c.total, 1) << m.id;
    EXPECT_NEAR(f.active_weight_bytes, 2.0 * c.active, 1) << m.id;
  }
  // Pipeline stages split the interleaved layers: the stages sum to the whole.
  const catalog::Model mav = testing::Llama4Maverick();
  FitRequest r = RequestFor(mav, "h200-sxm");
  r.layout.pp = 3;
  const FitResult f = Fit(r);
  double sum = 0;
  for (const auto& s : f.stages) sum += s.weight_bytes;
  EXPECT_NEAR(sum, f.weight_bytes, 1);
}

// Llama 4's chunked layers keep at most one 8,192-token chunk: at TP=8 (one KV head of 128 per
// accelerator, 512 B per token per layer) a 32,768-token sequence holds 12 full layers × 32,768 +
// 36 chunked layers × 8,192 tokens.
TEST_F(MemoryTest, ChunkedLayersKeepOneChunk) {
  const catalog::Model m = testing::Llama4Maverick();
  FitRequest r = RequestFor(m, "h200-sxm", 8);
  r.context_tokens = 32768;
  EXPECT_DOUBLE_EQ(Fit(r).stages[0].kv_bytes_per_sequence, 512.0 * (12 * 32768 + 36 * 8192));
}

TEST_F(MemoryTest, TensorParallelMustDivideTheLinearAttentionHeads) {
  const catalog::Model m = testing::Qwen3Next();  // 16 key heads, 32 value heads
  const auto& h100 = **cat_.FindAccelerator("h100-sxm");
  EXPECT_TRUE(CheckLayout(m, h100, {.tp = 2}).ok());
  catalog::Model odd = m;
  odd.linear_attention->key_heads = 6;
  odd.linear_attention->value_heads = 12;
  EXPECT_THAT(
      CheckLayout(odd, h100, {.tp = 4}).message(),
      HasSubstr("TP=4 does not divide the 6 key and 12 value heads of the linear attention"));
}

}  // namespace
}  // namespace pertoken::perf
