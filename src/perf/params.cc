#include "perf/params.h"

namespace pertoken::perf {

using catalog::AttentionType;
using catalog::MlpType;
using catalog::NormType;
using catalog::PositionEmbedding;

namespace {

int64_t NormWidth(const catalog::Model& m) { return m.norm == NormType::kLayerNorm ? 2 : 1; }

}  // namespace

BlockParams AttentionParams(const catalog::Model& m) {
  const auto& a = m.attention;
  const int64_t h = m.hidden_size;
  BlockParams p;
  if (a.type == AttentionType::kMla) {
    // DeepSeek-V2 §2.1: q = W_UQ·norm(W_DQ·x), [c_kv; k_rope] = W_DKV·x, [k_nope; v] = W_UKV·c_kv.
    const int64_t qk = a.qk_nope_head_dim + a.qk_rope_head_dim;
    if (a.q_lora_rank > 0) {
      p.matrix += h * a.q_lora_rank + a.q_lora_rank * a.heads * qk;
      p.vector += a.q_lora_rank;  // q_a_layernorm
    } else {
      p.matrix += h * a.heads * qk;
    }
    p.matrix += h * (a.kv_lora_rank + a.qk_rope_head_dim);
    p.vector += a.kv_lora_rank;  // kv_a_layernorm
    p.matrix += a.kv_lora_rank * a.heads * (a.qk_nope_head_dim + a.v_head_dim);
    p.matrix += a.heads * a.v_head_dim * h;
  } else {
    const int64_t q = a.heads * a.head_dim;
    const int64_t kv = a.kv_heads * a.head_dim;
    p.matrix = h * q + 2 * h * kv + q * h;
    if (a.qkv_bias) p.vector += q + kv + (a.k_bias ? kv : 0);
  }
  if (a.output_bias) p.vector += h;
  if (a.qk_norm) p.vector += 2 * a.head_dim;
  if (a.sinks) p.vector += a.heads;
  return p;
}

BlockParams MlpParams(const catalog::Model& m, int64_t intermediate, bool bias) {
  const int64_t h = m.hidden_size;
  BlockParams p;
  if (m.mlp.type == MlpType::kGated) {
    p.matrix = 3 * h * intermediate;
    if (bias) p.vector = 2 * intermediate + h;
  } else {
    p.matrix = 2 * h * intermediate;
    if (bias) p.vector = intermediate + h;
  }
  return p;
}

ParamCount CountParams(const catalog::Model& m) {
  ParamCount c;
  const int64_t h = m.hidden_size;
  c.embedding = m.vocab_size * h;
  if (m.position_embedding == PositionEmbedding::kLearned) c.embedding += m.max_context_tokens * h;
  c.lm_head = m.tied_embeddings ? 0 : m.vocab_size * h;

  const BlockParams attn = AttentionParams(m);
  c.attention_matrix = m.layers * attn.matrix;
  c.attention_vector = m.layers * attn.vector;
  c.norms = m.layers * m.norms_per_layer * h * NormWidth(m) + h * NormWidth(m);

  int64_t active_experts = 0;
  const BlockParams dense = MlpParams(m, m.mlp.intermediate_size, m.mlp.bias);
  if (m.moe) {
    const auto& e = *m.moe;
    const int64_t moe_layers = m.layers - e.dense_layers;
    c.mlp_matrix = e.dense_layers * dense.matrix;
    c.mlp_vector = e.dense_layers * dense.vector;
    const BlockParams expert = MlpParams(m, e.expert_intermediate_size, e.expert_bias);
    c.expert_matrix = moe_layers * e.experts * expert.matrix;
    c.expert_vector = moe_layers * e.experts * expert.vector;
    c.shared_expert_matrix = moe_layers * e.shared_experts * expert.matrix;
    c.shared_expert_vector = moe_layers * e.shared_experts * expert.vector;
    c.router = moe_layers * (h * e.experts + (e.router_bias ? e.experts : 0) +
                             (e.router_score_correction_bias ? e.experts : 0));
    active_experts = moe_layers * e.experts_per_token * (expert.matrix + expert.vector);
  } else {
    c.mlp_matrix = m.layers * dense.matrix;
    c.mlp_vector = m.layers * dense.vector;
  }

  if (m.encoder) {
    // Whisper: a convolutional stem (two kernel-3 convolutions with biases), positions, then
    // encoder layers of self-attention, MLP and two LayerNorms; the decoder layers each add a
    // cross-attention block shaped like self-attention; each stack ends in a LayerNorm.
    const auto& enc = *m.encoder;
    c.encoder_matrix = enc.input_channels * h * 3 + h * h * 3;
    c.encoder_vector = 2 * h + enc.input_positions * h;
    c.encoder_matrix += enc.layers * (attn.matrix + dense.matrix);
    c.encoder_vector += enc.layers * (attn.vector + dense.vector + 2 * h * NormWidth(m));
    c.encoder_vector += h * NormWidth(m);
    c.attention_matrix += m.layers * attn.matrix;  // cross-attention
    c.attention_vector += m.layers * attn.vector;
  }

  const int64_t non_expert = c.embedding + c.lm_head + c.attention_matrix + c.attention_vector +
                             c.mlp_matrix + c.mlp_vector + c.shared_expert_matrix +
                             c.shared_expert_vector + c.router + c.norms + c.encoder_matrix +
                             c.encoder_vector;
  c.total = non_expert + c.expert_matrix + c.expert_vector;
  c.active = non_expert + active_experts;
  return c;
}

}  // namespace pertoken::perf
