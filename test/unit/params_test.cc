#include "perf/params.h"

#include <gtest/gtest.h>

#include "catalog/catalog.h"
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

}  // namespace
}  // namespace pertoken::perf
