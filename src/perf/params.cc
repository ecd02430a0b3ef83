#include "perf/params.h"

namespace pertoken::perf {

using catalog::AttentionType;
using catalog::MlpType;
using catalog::NormType;
using catalog::PositionEmbedding;

namespace {

int64_t NormWidth(const catalog::Model& m) { return m.norm == NormType::kLayerNorm ? 2 : 1; }

// One MoE layer: its routed experts (all of them, and the experts_per_token one token uses), the
// shared experts and the router.
struct MoeLayer {
  BlockParams experts;
  int64_t active_experts = 0;
  BlockParams shared;
  int64_t router = 0;
};

MoeLayer MoeLayerParams(const catalog::Model& m) {
  const auto& e = *m.moe;
  const BlockParams expert = MlpParams(m, e.expert_intermediate_size, e.expert_bias);
  MoeLayer p;
  p.experts = {.matrix = e.experts * expert.matrix, .vector = e.experts * expert.vector};
  p.active_experts = e.experts_per_token * (expert.matrix + expert.vector);
  p.shared = {.matrix = e.shared_experts * expert.matrix,
              .vector = e.shared_experts * expert.vector};
  p.router = m.hidden_size * e.experts + (e.router_bias ? e.experts : 0) +
             (e.router_score_correction_bias ? e.experts : 0);
  return p;
}

// One multi-token prediction layer, as DeepSeek-V3 (§2.2 of its report; vLLM deepseek_mtp.py) and
// Qwen3-Next (vLLM qwen3_next_mtp.py) build it: two norms of the incoming embedding and hidden
// state, a projection of their concatenation (2h -> h), one full-attention decoder layer whose MLP
// is a MoE layer when the model has experts, and a final norm. The embedding and LM head are the
// model's (DeepSeek-V3's checkpoint stores copies of them in its MTP layer; not counted).
int64_t MtpLayerParams(const catalog::Model& m, const BlockParams& attn, const BlockParams& dense) {
  const int64_t h = m.hidden_size;
  int64_t p = 2 * h * h + 3 * h * NormWidth(m);
  p += attn.matrix + attn.vector + m.norms_per_layer * h * NormWidth(m);
  if (m.moe) {
    const MoeLayer moe = MoeLayerParams(m);
    p += moe.experts.matrix + moe.experts.vector + moe.shared.matrix + moe.shared.vector +
         moe.router;
  } else {
    p += dense.matrix + dense.vector;
  }
  return p;
}

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
    // The output gate doubles q_proj's output: query and gate per head (Hugging Face
    // modeling_qwen3_next.py, Qwen3NextAttention).
    if (a.output_gate) p.matrix += h * q;
    if (a.qkv_bias) p.vector += q + kv + (a.k_bias ? kv : 0);
  }
  if (a.output_bias) p.vector += h;
  if (a.qk_norm) p.vector += 2 * a.head_dim;
  if (a.sinks) p.vector += a.heads;
  return p;
}

BlockParams LinearAttentionParams(const catalog::Model& m) {
  BlockParams p;
  if (!m.linear_attention) return p;
  const auto& la = *m.linear_attention;
  const int64_t h = m.hidden_size;
  const int64_t key = la.key_heads * la.key_head_dim;
  const int64_t value = la.value_heads * la.value_head_dim;
  // Query, key and value projections, the output gate, the output projection; no biases.
  p.matrix = h * (2 * key + value) + (la.output_gate ? h * value : 0) + value * h;
  if (la.conv_kernel > 0) {
    // Gated DeltaNet (Hugging Face modeling_qwen3_next.py, Qwen3NextGatedDeltaNet): in_proj_ba
    // gives each value head its write strength b and decay a; a depthwise conv1d without bias
    // over the q, k and v channels; dt_bias and A_log per value head; a gated RMSNorm of
    // value_head_dim shared by the heads.
    p.matrix += h * 2 * la.value_heads;
    p.vector += (2 * key + value) * la.conv_kernel + 2 * la.value_heads + la.value_head_dim;
  } else {
    // Lightning attention (Hugging Face modeling_minimax.py, MiniMaxLightningAttention): fixed
    // per-head decay rates (no parameters) and an RMSNorm over all heads' outputs.
    p.vector += value;
  }
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
  const int64_t full_layers = FullAttentionLayerCount(m);
  c.attention_matrix = full_layers * attn.matrix;
  c.attention_vector = full_layers * attn.vector;
  const BlockParams linear = LinearAttentionParams(m);
  const int64_t linear_layers = m.layers - full_layers;
  c.linear_attention_matrix = linear_layers * linear.matrix;
  c.linear_attention_vector = linear_layers * linear.vector;
  c.norms = m.layers * m.norms_per_layer * h * NormWidth(m) + h * NormWidth(m);

  int64_t active_experts = 0;
  const BlockParams dense = MlpParams(m, m.mlp.intermediate_size, m.mlp.bias);
  const int64_t moe_layers = MoeLayerCount(m);
  c.mlp_matrix = (m.layers - moe_layers) * dense.matrix;
  c.mlp_vector = (m.layers - moe_layers) * dense.vector;
  if (m.moe) {
    const MoeLayer moe = MoeLayerParams(m);
    c.expert_matrix = moe_layers * moe.experts.matrix;
    c.expert_vector = moe_layers * moe.experts.vector;
    c.shared_expert_matrix = moe_layers * moe.shared.matrix;
    c.shared_expert_vector = moe_layers * moe.shared.vector;
    c.router = moe_layers * moe.router;
    active_experts = moe_layers * moe.active_experts;
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
                             c.linear_attention_matrix + c.linear_attention_vector + c.mlp_matrix +
                             c.mlp_vector + c.shared_expert_matrix + c.shared_expert_vector +
                             c.router + c.norms + c.encoder_matrix + c.encoder_vector;
  c.total = non_expert + c.expert_matrix + c.expert_vector;
  c.active = non_expert + active_experts;
  c.mtp = m.mtp_layers * MtpLayerParams(m, attn, dense);
  return c;
}

}  // namespace pertoken::perf
