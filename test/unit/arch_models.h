// Models of recent architectures for tests, built in code from their Hugging Face config.json
// values (copies in shared/reference/hf_configs/), so that the tests depend on no catalog file:
// interleaved MoE (Llama 4), Gated DeltaNet hybrids (Qwen3-Next, Qwen3.5), lightning attention
// (MiniMax-M1). Each function names the config keys it reads.
#pragma once

#include "catalog/types.h"

namespace pertoken::testing {

// The parts every decoder model here shares: RoPE, RMSNorm, two norms per layer, gated MLPs.
inline catalog::Model DecoderBase(const char* id, int64_t layers, int64_t hidden, int64_t vocab) {
  catalog::Model m;
  m.id = id;
  m.name = id;
  m.family = "test";
  m.layers = layers;
  m.hidden_size = hidden;
  m.vocab_size = vocab;
  m.norms_per_layer = 2;
  m.max_context_tokens = 262144;
  return m;
}

inline catalog::Attention Gqa(int64_t heads, int64_t kv_heads, int64_t head_dim) {
  catalog::Attention a;
  a.type = catalog::AttentionType::kGqa;
  a.heads = heads;
  a.kv_heads = kv_heads;
  a.head_dim = head_dim;
  return a;
}

// meta-llama/Llama-4-{Maverick-17B-128E,Scout-17B-16E}-Instruct text_config: num_hidden_layers
// 48, hidden_size 5120, vocab_size 202048, 40 heads, 8 KV heads, head_dim 128,
// attention_chunk_size 8192 on 3 layers in 4 (no_rope_layers), intermediate_size_mlp 16384,
// intermediate_size 8192 (experts and the shared expert), num_experts_per_tok 1. The
// L2 qk-norm of Scout has no weights.
inline catalog::Model Llama4(int64_t experts, int64_t interleave_moe_layer_step) {
  catalog::Model m = DecoderBase("llama-4-test", 48, 5120, 202048);
  m.max_context_tokens = 1048576;
  m.attention = Gqa(40, 8, 128);
  m.attention.sliding_window_tokens = 8192;
  m.attention.sliding_window_layers = 36;
  m.attention.chunked_window = true;
  m.mlp.intermediate_size = 16384;
  m.moe.emplace();
  m.moe->experts = experts;
  m.moe->experts_per_token = 1;
  m.moe->shared_experts = 1;
  m.moe->expert_intermediate_size = 8192;
  m.moe->layer_step = interleave_moe_layer_step;
  return m;
}
inline catalog::Model Llama4Maverick() { return Llama4(128, 2); }
inline catalog::Model Llama4Scout() { return Llama4(16, 1); }

// The Gated DeltaNet hybrids: full attention (qk-norm, output gate) every
// full_attention_interval = 4 layers, linear_conv_kernel_dim 4, linear_key_head_dim =
// linear_value_head_dim = 128, every layer MoE (decoder_sparse_step 1) with one shared expert of
// shared_expert_intermediate_size = moe_intermediate_size.
inline catalog::Model QwenHybrid(const char* id, int64_t layers, int64_t hidden, int64_t vocab,
                                 int64_t heads, int64_t value_heads, int64_t expert_size) {
  catalog::Model m = DecoderBase(id, layers, hidden, vocab);
  m.attention = Gqa(heads, 2, 256);
  m.attention.qk_norm = true;
  m.attention.output_gate = true;
  m.mlp.intermediate_size = 5120;  // unused: no dense layer
  m.moe.emplace();
  m.moe->experts = 512;
  m.moe->experts_per_token = 10;
  m.moe->shared_experts = 1;
  m.moe->expert_intermediate_size = expert_size;
  m.linear_attention.emplace();
  m.linear_attention->layers = layers / 4 * 3;
  m.linear_attention->key_heads = 16;
  m.linear_attention->value_heads = value_heads;
  m.linear_attention->key_head_dim = 128;
  m.linear_attention->value_head_dim = 128;
  m.linear_attention->conv_kernel = 4;
  m.linear_attention->output_gate = true;
  return m;
}

// Qwen/Qwen3-Next-80B-A3B-Thinking: 48 layers, hidden 2048, vocab 151936, 16 heads, 32 linear
// value heads, moe_intermediate_size 512; its linear-attention state in BF16 (no
// mamba_ssm_dtype key).
inline catalog::Model Qwen3Next() {
  catalog::Model m = QwenHybrid("qwen3-next-test", 48, 2048, 151936, 16, 32, 512);
  m.linear_attention->state_bits = 16;
  return m;
}

// Qwen/Qwen3.5-397B-A17B text_config: 60 layers, hidden 4096, vocab 248320, 32 heads, 64 linear
// value heads, moe_intermediate_size 1024, mtp_num_hidden_layers 1, mamba_ssm_dtype float32.
inline catalog::Model Qwen35() {
  catalog::Model m = QwenHybrid("qwen3.5-test", 60, 4096, 248320, 32, 64, 1024);
  m.mtp_layers = 1;
  return m;
}

// MiniMaxAI/MiniMax-M1: 80 layers, hidden 6144, vocab 200064, softmax attention on one layer in 8
// (attn_type_list) with 64 heads, 8 KV heads, head_dim 128; lightning attention on the others
// with the same 64 heads of 128 and an output gate; 32 experts (intermediate_size 9216), top 2,
// no shared expert (shared_intermediate_size 0).
inline catalog::Model MiniMaxM1() {
  catalog::Model m = DecoderBase("minimax-m1-test", 80, 6144, 200064);
  m.attention = Gqa(64, 8, 128);
  m.mlp.intermediate_size = 9216;  // unused: no dense layer
  m.moe.emplace();
  m.moe->experts = 32;
  m.moe->experts_per_token = 2;
  m.moe->expert_intermediate_size = 9216;
  m.linear_attention.emplace();
  m.linear_attention->layers = 70;
  m.linear_attention->key_heads = 64;
  m.linear_attention->value_heads = 64;
  m.linear_attention->key_head_dim = 128;
  m.linear_attention->value_head_dim = 128;
  m.linear_attention->output_gate = true;
  return m;
}

// A toy hybrid: 4 layers of width 64, vocabulary 100; layer 3 full attention (4 heads, 2 KV heads
// of 16), layers 0-2 Gated DeltaNet (2 key heads of 8, 4 value heads of 16, kernel 4, no output
// gate, FP32 state); dense MLPs of 128.
inline catalog::Model ToyGatedDeltaNet() {
  catalog::Model m = DecoderBase("toy-hybrid", 4, 64, 100);
  m.max_context_tokens = 8192;
  m.attention = Gqa(4, 2, 16);
  m.mlp.intermediate_size = 128;
  m.linear_attention.emplace();
  m.linear_attention->layers = 3;
  m.linear_attention->key_heads = 2;
  m.linear_attention->value_heads = 4;
  m.linear_attention->key_head_dim = 8;
  m.linear_attention->value_head_dim = 16;
  m.linear_attention->conv_kernel = 4;
  m.linear_attention->state_bits = 32;
  return m;
}

}  // namespace pertoken::testing
