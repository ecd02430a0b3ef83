// Parameter counts of a model, exact and by part, from its architecture (doc/formats/model.md,
// "Parameter count"), and which kind each decoder layer is (full or linear attention, dense MLP or
// mixture of experts). Pure functions of a catalog::Model; thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>

#include "catalog/types.h"

namespace pertoken::perf {

// Parameters by part. "matrix" parameters are the weights of linear layers, which quantization
// formats compress; "vector" parameters (biases, norms, sinks) stay at 16 bits.
struct ParamCount {
  int64_t embedding = 0;         // token embedding and learned positions (decoder)
  int64_t lm_head = 0;           // 0 when tied to the embedding
  int64_t attention_matrix = 0;  // q/k/v/o (and MLA low-rank) projections, full-attention layers
  int64_t attention_vector = 0;  // their biases, qk-norms, MLA latent norms, sinks
  int64_t linear_attention_matrix = 0;  // projections of the linear-attention layers
  int64_t linear_attention_vector = 0;  // their convolutions, decay parameters and norms
  int64_t mlp_matrix = 0;               // dense MLP layers
  int64_t mlp_vector = 0;
  int64_t expert_matrix = 0;  // routed experts, all MoE layers
  int64_t expert_vector = 0;
  int64_t shared_expert_matrix = 0;
  int64_t shared_expert_vector = 0;
  int64_t router = 0;          // router weights and biases (kept at 16 bits by every format)
  int64_t norms = 0;           // layer norms and the final norm
  int64_t encoder_matrix = 0;  // encoder stack (encoder-decoder models), stem included
  int64_t encoder_vector = 0;  // encoder biases, norms and positions

  int64_t total = 0;   // every parameter of the model proper (MTP layers excluded)
  int64_t active = 0;  // parameters one token uses (routed experts: experts_per_token of them)

  // Multi-token prediction layers (DeepSeek-V3, Qwen3.5), outside `total` and `active`: vendors
  // publish sizes without them (DeepSeek-V3's 671B) and engines load them only to speculate. The
  // embedding and LM head they share with the model are not counted again.
  int64_t mtp = 0;
};

ParamCount CountParams(const catalog::Model& model);

// Parameters of one decoder layer's attention block (self-attention; matrices and vectors).
struct BlockParams {
  int64_t matrix = 0;
  int64_t vector = 0;
};
BlockParams AttentionParams(const catalog::Model& model);
// One dense MLP (or one expert) of width `intermediate`.
BlockParams MlpParams(const catalog::Model& model, int64_t intermediate, bool bias);
// One linear-attention block ([linear_attention]); zero when the model has none.
BlockParams LinearAttentionParams(const catalog::Model& model);

// Which decoder layers run a mixture of experts: after the `dense_layers` leading ones, every
// `layer_step`-th layer, the last of each group (Llama 4 Maverick, step 2: the odd layers, as
// Hugging Face's Llama4TextConfig.moe_layers = range(step - 1, layers, step)). Inline: the memory
// fit and the step time ask per layer.
inline int64_t MoeLayersBefore(const catalog::Model& m, int64_t n) {  // among layers [0, n)
  if (!m.moe || n <= m.moe->dense_layers) return 0;
  return (n - m.moe->dense_layers) / std::max<int64_t>(1, m.moe->layer_step);
}
inline bool IsMoeLayer(const catalog::Model& m, int64_t layer) {
  return MoeLayersBefore(m, layer + 1) > MoeLayersBefore(m, layer);
}
inline int64_t MoeLayerCount(const catalog::Model& m) { return MoeLayersBefore(m, m.layers); }

// Which decoder layers keep full attention (the others linear): spread evenly, each closing its
// group (Qwen3-Next, one in 4: layers 3, 7, 11, ...; MiniMax-M1, one in 8: layers 7, 15, ...).
inline int64_t FullAttentionLayerCount(const catalog::Model& m) {  // layers with a KV cache
  return m.linear_attention ? m.layers - m.linear_attention->layers : m.layers;
}
inline int64_t FullAttentionLayersBefore(const catalog::Model& m, int64_t n) {  // among [0, n)
  if (!m.linear_attention || m.layers <= 0) return n;
  return n * FullAttentionLayerCount(m) / m.layers;
}
inline bool IsLinearAttentionLayer(const catalog::Model& m, int64_t layer) {
  return FullAttentionLayersBefore(m, layer + 1) == FullAttentionLayersBefore(m, layer);
}

}  // namespace pertoken::perf
