#include "perf/params.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "arch_models.h"
#include "catalog/catalog.h"
#include "perf/model_check.h"
#include "test_util.h"

namespace pertoken::perf {
namespace {

class ParamsTest : public testing::FixtureCatalogTest {
 protected:
  const catalog::Model& M(const char* id) { return **cat_.FindModel(id); }
};

// Llama-2-7B by hand: embeddings 2 × 32000 × 4096 = 262,144,000; per layer attention
// 4 × 4096² = 67,108,864, MLP 3 × 4096 × 11008 = 135,266,304, norms 2 × 4096 = 8,192, times 32
// layers = 6,476,267,520; final norm 4,096. Total 6,738,415,616 (Hugging Face reports the same).
TEST_F(ParamsTest, Llama2_7bByHand) {
  const ParamCount c = CountParams(M("llama-2-7b"));
  EXPECT_EQ(c.total, 6'738'415'616);
  EXPECT_EQ(c.active, c.total);
  EXPECT_EQ(c.embedding, 131'072'000);
  EXPECT_EQ(c.lm_head, 131'072'000);
  EXPECT_EQ(c.attention_matrix, int64_t{32} * 67'108'864);
}

// Llama-2-70B by hand: embeddings 524,288,000; per layer q and o 2 × 8192² = 134,217,728, k and v
// 2 × 8192 × 1024 = 16,777,216, MLP 3 × 8192 × 28672 = 704,643,072, norms 16,384; × 80 layers
// = 68,452,352,000; final norm 8,192. Total 68,976,648,192 (68.98 B; BF16 bytes 137.95e9).
TEST_F(ParamsTest, Llama2_70bByHand) {
  const ParamCount c = CountParams(M("llama-2-70b"));
  EXPECT_EQ(c.total, 68'976'648'192);
  EXPECT_NEAR(2.0 * c.total, 137.96e9, 0.01e9);
}

// DeepSeek-V3: 671 B total, 37 B active (DeepSeek-V3 technical report, §1 and Table 1; the MTP
// module's 14 B is not part of the 671 B). Exact values from an independent count of the HF
// config (a Python script over config.json, outside this code).
TEST_F(ParamsTest, DeepSeekV3MatchesThePublishedSizes) {
  const ParamCount c = CountParams(M("deepseek-v3"));
  EXPECT_EQ(c.total, 671'026'419'200);
  EXPECT_EQ(c.active, 37'552'297'472);
  EXPECT_NEAR(static_cast<double>(c.total), 671e9, 0.001 * 671e9);
  EXPECT_NEAR(static_cast<double>(c.active), 37e9, 0.02 * 37e9);
}

// MLA attention of one DeepSeek-V3 layer by hand: q_a 7168 × 1536 = 11,010,048; q_b
// 1536 × 128 × 192 = 37,748,736; kv_a 7168 × (512 + 64) = 4,128,768; kv_b 512 × 128 × 256 =
// 16,777,216; o 128 × 128 × 7168 = 117,440,512. Matrices 187,105,280; norms 1536 + 512 = 2,048.
TEST_F(ParamsTest, MlaAttentionByHand) {
  const BlockParams p = AttentionParams(M("deepseek-v3"));
  EXPECT_EQ(p.matrix, 187'105'280);
  EXPECT_EQ(p.vector, 2'048);
}

// Whisper large-v3: Hugging Face's count of openai/whisper-large-v3 is 1,543,490,560
// (large-v2's 1,543,304,960 plus one vocabulary row and 48 more mel channels in the stem:
// 1,280 + 48 × 1,280 × 3 = 185,600).
TEST_F(ParamsTest, WhisperEncoderDecoder) {
  const ParamCount c = CountParams(M("whisper-large-v3"));
  EXPECT_EQ(c.total, 1'543'304'960 + 185'600);
  EXPECT_EQ(c.lm_head, 0);  // tied
}

TEST_F(ParamsTest, PlainMlpHasTwoMatrices) {
  const auto& w = M("whisper-large-v3");
  const BlockParams p = MlpParams(w, 5120, true);
  EXPECT_EQ(p.matrix, 2 * 1280 * 5120);
  EXPECT_EQ(p.vector, 5120 + 1280);
}

// --- Recent architectures: tiny toy models counted by hand, then real configs against the
// published sizes (shared/reference/hf_configs/README.md lists both).

// A toy for the interleaved MoE: 4 layers of width 8, vocabulary 10 (untied), MHA of 2 heads of
// 4, a dense MLP of 16, and on every second layer 4 experts of 6 (top 1) and one shared expert.
catalog::Model ToyInterleaved() {
  catalog::Model m = testing::DecoderBase("toy", 4, 8, 10);
  m.attention.type = catalog::AttentionType::kMha;
  m.attention.heads = m.attention.kv_heads = 2;
  m.attention.head_dim = 4;
  m.mlp.intermediate_size = 16;
  m.moe.emplace();
  m.moe->experts = 4;
  m.moe->experts_per_token = 1;
  m.moe->shared_experts = 1;
  m.moe->expert_intermediate_size = 6;
  m.moe->layer_step = 2;
  return m;
}

// Layers 1 and 3 are MoE. By hand: embedding and head 2 × 80; attention 4 layers × 4 × 8 × 8 =
// 1,024; norms 4 × 2 × 8 + 8 = 72; dense MLPs on layers 0 and 2, 2 × 3 × 8 × 16 = 768; MoE layers
// 2 × (4 experts × 3 × 8 × 6 = 576, shared 144, router 32). Total 3,528; a token uses one expert
// of the four: 3,528 − 2 × 3 × 144 = 2,664.
TEST(ParamsArchTest, InterleavedMoeByHand) {
  const catalog::Model m = ToyInterleaved();
  EXPECT_FALSE(IsMoeLayer(m, 0));
  EXPECT_TRUE(IsMoeLayer(m, 1));
  EXPECT_FALSE(IsMoeLayer(m, 2));
  EXPECT_TRUE(IsMoeLayer(m, 3));
  EXPECT_EQ(MoeLayerCount(m), 2);
  const ParamCount c = CountParams(m);
  EXPECT_EQ(c.mlp_matrix, 768);
  EXPECT_EQ(c.expert_matrix, 1'152);
  EXPECT_EQ(c.shared_expert_matrix, 288);
  EXPECT_EQ(c.router, 64);
  EXPECT_EQ(c.total, 3'528);
  EXPECT_EQ(c.active, 2'664);
}

// With dense_layers the step counts from the first layer after them: 1 dense layer, step 2 over
// 5 layers puts the experts on layers 2 and 4 (Hugging Face Llama 4: moe_layers =
// range(step − 1, layers, step) when no layer is dense).
TEST(ParamsArchTest, LayerStepCountsAfterTheDenseLayers) {
  catalog::Model m = ToyInterleaved();
  m.layers = 5;
  m.moe->dense_layers = 1;
  const bool expected[] = {false, false, true, false, true};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(IsMoeLayer(m, i), expected[i]) << i;
  EXPECT_EQ(MoeLayerCount(m), 2);
  m.moe->layer_step = 1;  // the default: every layer after the dense ones
  EXPECT_EQ(MoeLayerCount(m), 4);
  EXPECT_FALSE(IsMoeLayer(m, 0));
  EXPECT_TRUE(IsMoeLayer(m, 1));
}

// A toy hybrid: 4 layers of width 8, vocabulary 10 (tied); layer 3 has full attention (GQA, 4
// heads of 2, 2 KV heads, qk-norm, output gate), layers 0-2 Gated DeltaNet (1 key head and 2 value
// heads, key dim 2, value dim 3, kernel 4, output gate); dense MLPs of 4.
catalog::Model ToyHybrid() {
  catalog::Model m = testing::DecoderBase("toy-hybrid", 4, 8, 10);
  m.tied_embeddings = true;
  m.attention = testing::Gqa(4, 2, 2);
  m.attention.qk_norm = true;
  m.attention.output_gate = true;
  m.mlp.intermediate_size = 4;
  m.linear_attention.emplace();
  m.linear_attention->layers = 3;
  m.linear_attention->key_heads = 1;
  m.linear_attention->value_heads = 2;
  m.linear_attention->key_head_dim = 2;
  m.linear_attention->value_head_dim = 3;
  m.linear_attention->conv_kernel = 4;
  m.linear_attention->output_gate = true;
  return m;
}

// Full attention by hand: q and its gate 8 × (4 × 2) × 2 = 128, k and v 2 × 8 × (2 × 2) = 64, o
// 8 × 8 = 64: 256 matrix; qk-norm 2 × 2 = 4. Gated DeltaNet (key width 2, value width 6):
// in_proj_qkvz 8 × (2 + 2 + 6 + 6) = 128, in_proj_ba 8 × 2 × 2 = 32, out_proj 6 × 8 = 48: 208
// matrix; conv1d (2 + 2 + 6) × 4 = 40, dt_bias and A_log 2 × 2, norm 3: 47 vector. Total:
// embedding 80 + attention 260 + 3 × 255 + norms 4 × 16 + 8 + MLPs 4 × 3 × 8 × 4 = 1,561.
TEST(ParamsArchTest, GatedDeltaNetHybridByHand) {
  const catalog::Model m = ToyHybrid();
  EXPECT_EQ(FullAttentionLayerCount(m), 1);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(IsLinearAttentionLayer(m, i)) << i;
  EXPECT_FALSE(IsLinearAttentionLayer(m, 3));
  const BlockParams attn = AttentionParams(m);
  EXPECT_EQ(attn.matrix, 256);
  EXPECT_EQ(attn.vector, 4);
  const BlockParams linear = LinearAttentionParams(m);
  EXPECT_EQ(linear.matrix, 208);
  EXPECT_EQ(linear.vector, 47);
  const ParamCount c = CountParams(m);
  EXPECT_EQ(c.attention_matrix, 256);
  EXPECT_EQ(c.linear_attention_matrix, 3 * 208);
  EXPECT_EQ(c.linear_attention_vector, 3 * 47);
  EXPECT_EQ(c.total, 1'561);
  EXPECT_EQ(c.active, c.total);
  EXPECT_EQ(c.mtp, 0);
}

// Lightning attention (no convolution) on the same toy with 2 key and value heads of 3: qkv
// 8 × 3 × 6 = 144, output gate 8 × 6 = 48, out_proj 6 × 8 = 48: 240 matrix; one RMSNorm over
// the 6 output channels.
TEST(ParamsArchTest, LightningAttentionByHand) {
  catalog::Model m = ToyHybrid();
  auto& la = *m.linear_attention;
  la.conv_kernel = 0;
  la.key_heads = 2;
  la.key_head_dim = 3;
  const BlockParams linear = LinearAttentionParams(m);
  EXPECT_EQ(linear.matrix, 240);
  EXPECT_EQ(linear.vector, 6);
  la.output_gate = false;
  EXPECT_EQ(LinearAttentionParams(m).matrix, 192);
}

// One MTP layer of the toy: the 2h → h projection 128, three norms 24, a full-attention layer
// (260 + its 2 norms 16) and the dense MLP 96: 524, outside the total.
TEST(ParamsArchTest, MtpLayersAreCountedApart) {
  catalog::Model m = ToyHybrid();
  m.mtp_layers = 1;
  const ParamCount c = CountParams(m);
  EXPECT_EQ(c.mtp, 524);
  EXPECT_EQ(c.total, 1'561);
  m.mtp_layers = 2;
  EXPECT_EQ(CountParams(m).mtp, 2 * 524);
}

// The hybrid layouts of the configs: full attention on the last layer of each group
// (Qwen3-Next layer_types: every 4th; MiniMax-M1 attn_type_list: every 8th).
TEST(ParamsArchTest, FullAttentionLayersCloseEachGroup) {
  const catalog::Model q = testing::Qwen3Next();
  for (int i = 0; i < 48; ++i) EXPECT_EQ(IsLinearAttentionLayer(q, i), i % 4 != 3) << i;
  const catalog::Model mm = testing::MiniMaxM1();
  for (int i = 0; i < 80; ++i) EXPECT_EQ(IsLinearAttentionLayer(mm, i), i % 8 != 7) << i;
  EXPECT_EQ(FullAttentionLayerCount(mm), 10);
}

double RelativeError(int64_t computed, double reference) {
  return std::abs(static_cast<double>(computed) - reference) / reference;
}

// Published sizes (text model; the README of hf_configs gives the counts computed from the
// configs, the vendors the rounded ones): Llama 4 Maverick 400B total / 17B active, computed
// 400.7B / 17.2B; Scout computed 107.8B / 17.2B (the published 109B includes the vision encoder).
TEST(ParamsArchTest, Llama4MatchesThePublishedSizes) {
  const ParamCount mav = CountParams(testing::Llama4Maverick());
  EXPECT_LT(RelativeError(mav.total, 400e9), 0.01) << mav.total;
  EXPECT_LT(RelativeError(mav.total, 400.7e9), 0.001) << mav.total;
  EXPECT_LT(RelativeError(mav.active, 17.2e9), 0.002) << mav.active;
  EXPECT_NEAR(static_cast<double>(mav.active), 17e9, 0.5e9);  // "17B", rounded
  EXPECT_EQ(mav.mlp_matrix, 24 * 3 * int64_t{5120} * 16384);  // the 24 dense layers
  const ParamCount scout = CountParams(testing::Llama4Scout());
  EXPECT_LT(RelativeError(scout.total, 107.8e9), 0.001) << scout.total;
  EXPECT_LT(RelativeError(scout.active, 17.2e9), 0.002) << scout.active;
  EXPECT_EQ(scout.mlp_matrix, 0);
}

// Qwen3-Next-80B-A3B: published 80B total; computed 79.7B total / 3.9B active with embeddings.
// Qwen3.5-397B-A17B: published 397B / 17B; computed 396.4B / 17.4B. Both leave out each MoE
// layer's shared_expert_gate (hidden_size weights: 0.1M and 0.25M in all).
TEST(ParamsArchTest, QwenHybridsMatchThePublishedSizes) {
  const ParamCount next = CountParams(testing::Qwen3Next());
  EXPECT_LT(RelativeError(next.total, 80e9), 0.01) << next.total;
  EXPECT_LT(RelativeError(next.total, 79.7e9), 0.001) << next.total;
  EXPECT_LT(RelativeError(next.active, 3.9e9), 0.01) << next.active;
  const ParamCount q35 = CountParams(testing::Qwen35());
  EXPECT_LT(RelativeError(q35.total, 397e9), 0.01) << q35.total;
  EXPECT_LT(RelativeError(q35.total, 396.4e9), 0.001) << q35.total;
  EXPECT_LT(RelativeError(q35.active, 17.4e9), 0.01) << q35.active;
  // Its MTP layer: a full-attention MoE layer (~6.6B, most of it the 512 experts) and the
  // projection, outside the 397B.
  EXPECT_NEAR(static_cast<double>(q35.mtp), 6.6e9, 0.1e9);
}

// MiniMax-M1: published 456B total, 45.9B activated per token (MiniMax-M1 model card), the
// latter without the embedding and LM head.
TEST(ParamsArchTest, MiniMaxM1MatchesThePublishedSizes) {
  const ParamCount c = CountParams(testing::MiniMaxM1());
  EXPECT_LT(RelativeError(c.total, 456e9), 0.01) << c.total;
  EXPECT_LT(RelativeError(c.active - c.embedding - c.lm_head, 45.9e9), 0.01) << c.active;
}

// DeepSeek-V3 publishes 671B for the main model and 14B for its MTP module (685B on the Hub),
// whose checkpoint layer also stores copies of the embedding and the LM head (2 × 0.93B): the
// unique MTP weights are about 11.6B, and the total stays 671B.
TEST_F(ParamsTest, DeepSeekV3MtpModule) {
  catalog::Model m = M("deepseek-v3");
  m.mtp_layers = 1;
  const ParamCount c = CountParams(m);
  EXPECT_EQ(c.total, 671'026'419'200);
  const int64_t checkpoint = c.total + c.mtp + c.embedding + c.lm_head;
  EXPECT_LT(RelativeError(checkpoint, 685e9), 0.001) << c.mtp;
  EXPECT_NEAR(static_cast<double>(c.mtp + c.embedding + c.lm_head), 14e9, 0.6e9);
}

// CheckModelParams reads the same counts: a hybrid model file with the new keys loads, and its
// reference counts are checked against them.
TEST_F(ParamsTest, NewModelKeysLoad) {
  const Status added = cat_.AddModel(R"(schema_version = 1
id = "hybrid"
name = "Hybrid"
source = "test"
family = "test"
architecture = "decoder"
max_context_tokens = 4096
layers = 4
hidden_size = 8
vocab_size = 10
tied_embeddings = true
position_embedding = "rope"
norm = "rmsnorm"
norms_per_layer = 2
mtp_layers = 1
params_reference = 1561

[attention]
type = "gqa"
heads = 4
kv_heads = 2
head_dim = 2
qk_norm = true
output_gate = true

[mlp]
type = "gated"
intermediate_size = 4

[linear_attention]
layers = 3
key_heads = 1
value_heads = 2
key_head_dim = 2
value_head_dim = 3
conv_kernel = 4
output_gate = true
state_bits = 16
)",
                                     "models/hybrid.toml");
  ASSERT_TRUE(added.ok()) << added.message();
  const catalog::Model& m = M("hybrid");
  ASSERT_TRUE(m.linear_attention.has_value());
  EXPECT_EQ(m.linear_attention->value_heads, 2);
  EXPECT_EQ(m.linear_attention->state_bits, 16);
  EXPECT_TRUE(m.attention.output_gate);
  EXPECT_EQ(m.mtp_layers, 1);
  EXPECT_EQ(CountParams(m).total, 1'561);
  EXPECT_TRUE(CheckModelParams(cat_).empty());
}

TEST_F(ParamsTest, NewModelKeysAreValidated) {
  const std::string path = "models/bad-arch.toml";
  const Status added = cat_.AddModel(R"(schema_version = 1
id = "bad-arch"
name = "Bad"
source = "test"
family = "test"
architecture = "decoder"
max_context_tokens = 4096
layers = 4
hidden_size = 8
vocab_size = 10
tied_embeddings = true
position_embedding = "rope"
norm = "rmsnorm"
norms_per_layer = 2
mtp_layers = -1

[attention]
type = "gqa"
heads = 4
kv_heads = 2
head_dim = 2
chunked_window = true

[mlp]
type = "gated"
intermediate_size = 4

[moe]
experts = 4
experts_per_token = 1
expert_intermediate_size = 4
layer_step = 5

[linear_attention]
layers = 4
key_heads = 2
value_heads = 3
key_head_dim = 2
value_head_dim = 3
gate = true
)",
                                     path);
  ASSERT_FALSE(added.ok());
  const std::string msg = added.message();
  using ::testing::HasSubstr;
  EXPECT_THAT(msg, HasSubstr(path + ":15: mtp_layers: -1 is out of range"));
  EXPECT_THAT(msg, HasSubstr(path + ":22: attention.chunked_window: needs sliding_window_tokens"));
  EXPECT_THAT(msg, HasSubstr(path + ":32: moe.layer_step: 5 leaves no MoE layer of the 4"));
  EXPECT_THAT(msg,
              HasSubstr(path + ":35: linear_attention.layers: 4 leaves no full-attention layer"));
  EXPECT_THAT(msg, HasSubstr(path + ":37: linear_attention.value_heads: 3 is not a multiple of "
                                    "key_heads = 2"));
  EXPECT_THAT(msg, HasSubstr(path + ":40: linear_attention.gate: unknown key"));
}

}  // namespace
}  // namespace pertoken::perf
