// The families of architectures the Hugging Face importer knows: which keys each one reads and
// what its modeling code fixes without a key (biases, norms, gates). Each function cites the
// transformers class it follows.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "catalog/hf_config_mapper.h"

namespace pertoken::catalog {

// LlamaForCausalLM: attention_bias puts biases on q, k, v and o; mlp_bias on the MLP.
void HfMapper::Llama() {
  Decoder();
  const bool bias = c_.BoolOr("attention_bias", false);
  m_.attention.qkv_bias = bias;
  m_.attention.k_bias = bias;
  m_.attention.output_bias = bias;
  m_.mlp.bias = c_.BoolOr("mlp_bias", false);
}

// MixtralForCausalLM: every layer's MLP is num_local_experts experts of intermediate_size.
void HfMapper::Mixtral() {
  Moe& e = AddMoe("num_local_experts", "num_experts_per_tok");
  e.expert_intermediate_size = m_.mlp.intermediate_size;
  CheckMoe("num_local_experts", "num_experts_per_tok", "num_hidden_layers");
}

// Qwen2Attention: q, k and v always biased, o never.
void HfMapper::Qwen2() {
  Decoder();
  m_.attention.qkv_bias = true;
  m_.attention.k_bias = true;
  QwenWindow();
}

// Qwen3Attention: attention_bias on q, k, v and o; per-head RMSNorm of q and k always.
void HfMapper::Qwen3() {
  Decoder();
  const bool bias = c_.BoolOr("attention_bias", false);
  m_.attention.qkv_bias = bias;
  m_.attention.k_bias = bias;
  m_.attention.output_bias = bias;
  m_.attention.qk_norm = true;
  QwenWindow();
}

// Qwen MoE blocks: num_experts of moe_intermediate_size, a shared expert of
// shared_expert_intermediate_size, on every decoder_sparse_step-th layer not in mlp_only_layers.
void HfMapper::QwenMoe() {
  Moe& e = AddMoe("num_experts", "num_experts_per_tok");
  e.expert_intermediate_size = Int("moe_intermediate_size");
  Positive("moe_intermediate_size", e.expert_intermediate_size);
  SharedExperts("shared_expert_intermediate_size");
  if (e.shared_experts > 0) {
    c_.Note(
        "the shared expert's sigmoid gate (shared_expert_gate, hidden_size weights per "
        "layer) is not counted");
  }
  e.layer_step = c_.OptInt("decoder_sparse_step").value_or(1);
  Positive("decoder_sparse_step", e.layer_step);
  const std::vector<int64_t> dense = c_.OptInts("mlp_only_layers").value_or(std::vector<int64_t>{});
  for (size_t i = 0; i < dense.size(); ++i) {
    if (dense[i] != static_cast<int64_t>(i)) {
      c_.Error("mlp_only_layers", fmt::format("{}: pertoken models dense layers only as a "
                                              "leading run (0, 1, 2, ...)",
                                              fmt::join(dense, ", ")));
      break;
    }
  }
  e.dense_layers = static_cast<int64_t>(dense.size());
  if (e.dense_layers > 0 && e.layer_step > 1) {
    c_.Error("mlp_only_layers",
             "dense layers together with decoder_sparse_step > 1 are not "
             "modelled");
  }
  CheckMoe("num_experts", "num_experts_per_tok", "mlp_only_layers");
}

// Qwen3-Next and Qwen3.5 (Qwen3NextForCausalLM, Qwen3_5*): Gated DeltaNet layers with one gated
// full-attention layer every full_attention_interval (or as layer_types lists them); Qwen MoE
// blocks when num_experts is set; mtp_num_hidden_layers prediction layers.
void HfMapper::QwenHybrid() {
  Qwen3();
  // Qwen3NextAttention's q_proj yields query and gate per head: always gated in Qwen3-Next;
  // Qwen3.5 states it (attn_output_gate).
  m_.attention.output_gate = c_.BoolOr("attn_output_gate", true);
  std::optional<int64_t> linear =
      CountLayerTypes("linear_attention", {"linear_attention", "full_attention"});
  if (!linear) {
    const int64_t interval = Int("full_attention_interval");
    if (interval <= 0) {
      c_.Error("full_attention_interval", fmt::format("must be positive, got {}", interval));
    } else {
      linear = m_.layers - m_.layers / interval;
    }
  }
  LinearAttention& la = m_.linear_attention.emplace();
  la.layers = linear.value_or(0);
  la.key_heads = Int("linear_num_key_heads");
  la.value_heads = Int("linear_num_value_heads");
  la.key_head_dim = Int("linear_key_head_dim");
  la.value_head_dim = Int("linear_value_head_dim");
  la.conv_kernel = Int("linear_conv_kernel_dim");
  // Gated DeltaNet normalises each head's output with a gate from the input (RMSNormGated).
  la.output_gate = true;
  if (la.key_heads > 0 && la.value_heads % la.key_heads != 0) {
    c_.Error("linear_num_value_heads", fmt::format("{} is not a multiple of linear_num_key_heads "
                                                   "= {}",
                                                   la.value_heads, la.key_heads));
  }
  // The recurrent state's precision (Qwen3.5: mamba_ssm_dtype float32); float32 by default.
  const std::string state = c_.OptString("mamba_ssm_dtype").value_or("float32");
  if (state == "bfloat16" || state == "float16") {
    la.state_bits = 16;
  } else if (state != "float32") {
    c_.Error("mamba_ssm_dtype", fmt::format("'{}' is not float32, bfloat16 or float16", state));
  }
  if (la.layers == 0) m_.linear_attention.reset();
  if (c_.OptInt("num_experts").value_or(0) > 0) {
    QwenMoe();
    if (!c_.Has("intermediate_size") && m_.moe->dense_layers == 0 && m_.moe->layer_step == 1) {
      m_.mlp.intermediate_size = m_.moe->expert_intermediate_size;  // no dense layer uses it
    }
  }
  if (m_.mlp.intermediate_size <= 0 && !c_.Has("intermediate_size")) {
    c_.Missing("intermediate_size");
  }
  m_.mtp_layers = c_.OptInt("mtp_num_hidden_layers").value_or(0);
  if (!c_.Has("mtp_num_hidden_layers") && a_.model_type == "qwen3_next") {
    c_.Note(
        "the config names no multi-token-prediction layer (Qwen3-Next's checkpoint ships "
        "one for speculative decoding): none modelled");
  }
}

// Phi3ForCausalLM: fused qkv and gate_up projections without biases; one window on every layer.
void HfMapper::Phi3() {
  Decoder();
  WindowOnAllLayers();
  if (c_.BoolOr("lm_head_bias", false)) {
    c_.Note("lm_head_bias: the LM head's bias (vocab_size values) is not counted");
  }
}

// Gemma2ForCausalLM and Gemma3: GeGLU MLP, four RMSNorms per layer (before and after attention
// and MLP), tied embeddings by default; Gemma 3 adds per-head q/k norms.
void HfMapper::Gemma() {
  Decoder();
  m_.norms_per_layer = 4;
  const bool bias = c_.BoolOr("attention_bias", false);
  m_.attention.qkv_bias = bias;
  m_.attention.k_bias = bias;
  m_.attention.output_bias = bias;
  m_.attention.qk_norm = a_.family == HfFamily::kGemma3;
  AlternatingWindow();
}

// Llama4ForConditionalGeneration's text model (Llama4TextConfig): experts of intermediate_size
// plus one shared expert on every interleave_moe_layer_step-th layer, dense MLPs of
// intermediate_size_mlp elsewhere, chunked attention on the RoPE layers.
void HfMapper::Llama4() {
  Decoder();
  const bool bias = c_.BoolOr("attention_bias", false);
  m_.attention.qkv_bias = bias;
  m_.attention.k_bias = bias;
  m_.attention.output_bias = bias;
  Moe& e = AddMoe("num_local_experts", "num_experts_per_tok");
  e.expert_intermediate_size = m_.mlp.intermediate_size;
  e.shared_experts = 1;  // Llama4TextMoe.shared_expert
  e.layer_step = Int("interleave_moe_layer_step");
  Positive("interleave_moe_layer_step", e.layer_step);
  m_.mlp.intermediate_size = Int("intermediate_size_mlp");
  Positive("intermediate_size_mlp", m_.mlp.intermediate_size);
  if (auto listed = c_.OptInts("moe_layers"); listed && e.layer_step > 0) {
    std::vector<int64_t> expected;
    for (int64_t i = e.layer_step - 1; i < m_.layers; i += e.layer_step) expected.push_back(i);
    if (*listed != expected) {
      c_.Error("moe_layers",
               "not every interleave_moe_layer_step-th layer; pertoken models that "
               "pattern only");
    }
  }
  CheckMoe("num_local_experts", "num_experts_per_tok", "interleave_moe_layer_step");
  if (c_.BoolOr("use_qk_norm", false)) {
    c_.Note("use_qk_norm: Llama 4's q/k L2 norm has no weights (nothing to count)");
  }
  Llama4Chunks();
}

// Llama4TextAttention: the RoPE layers attend within aligned chunks of attention_chunk_size;
// every no_rope_layer_interval-th layer (or a 0 in no_rope_layers) is a global NoPE layer.
void HfMapper::Llama4Chunks() {
  const int64_t chunk = c_.OptInt("attention_chunk_size").value_or(0);
  if (chunk <= 0 || chunk >= m_.max_context_tokens) return;
  // Newer configs list layer_types; older ones no_rope_layers (1 = RoPE, chunked; empty = the
  // default); else every no_rope_layer_interval-th layer is global.
  std::optional<int64_t> chunked =
      CountLayerTypes("chunked_attention", {"chunked_attention", "full_attention"});
  auto rope = c_.OptInts("no_rope_layers");
  if (!chunked && rope && !rope->empty()) {
    if (static_cast<int64_t>(rope->size()) != m_.layers) {
      c_.Error("no_rope_layers",
               fmt::format("{} entries for num_hidden_layers = {}", rope->size(), m_.layers));
    }
    chunked = std::count(rope->begin(), rope->end(), 1);
  }
  if (!chunked) {
    const int64_t interval = Int("no_rope_layer_interval");
    chunked = interval > 0 ? m_.layers - m_.layers / interval : m_.layers;
  }
  m_.attention.sliding_window_tokens = chunk;
  m_.attention.sliding_window_layers = *chunked;
  m_.attention.chunked_window = true;
}

// DeepseekV3ForCausalLM (also V2, V3.2 and Kimi K2): multi-head latent attention, DeepSeekMoE
// after first_k_dense_replace dense layers, num_nextn_predict_layers MTP layers.
void HfMapper::Deepseek() {
  m_.layers = Int("num_hidden_layers");
  m_.hidden_size = Int("hidden_size");
  m_.vocab_size = Int("vocab_size");
  m_.mlp.intermediate_size = Int("intermediate_size");
  m_.max_context_tokens = Int("max_position_embeddings");
  m_.tied_embeddings = c_.BoolOr("tie_word_embeddings", a_.tied_default);
  Attention& at = m_.attention;
  at.type = AttentionType::kMla;
  at.heads = Int("num_attention_heads");
  at.kv_heads = at.heads;  // MLA: every head has its own key and value (doc/formats/model.md)
  at.q_lora_rank = c_.OptInt("q_lora_rank").value_or(0);  // null: an uncompressed query
  at.kv_lora_rank = Int("kv_lora_rank");
  at.qk_rope_head_dim = Int("qk_rope_head_dim");
  at.qk_nope_head_dim = Int("qk_nope_head_dim");
  at.v_head_dim = Int("v_head_dim");
  at.head_dim = at.qk_nope_head_dim + at.qk_rope_head_dim;
  for (const auto& [key, value] :
       {std::pair{"num_hidden_layers", m_.layers}, std::pair{"hidden_size", m_.hidden_size},
        std::pair{"vocab_size", m_.vocab_size},
        std::pair{"intermediate_size", m_.mlp.intermediate_size},
        std::pair{"max_position_embeddings", m_.max_context_tokens},
        std::pair{"num_attention_heads", at.heads}, std::pair{"kv_lora_rank", at.kv_lora_rank},
        std::pair{"qk_rope_head_dim", at.qk_rope_head_dim},
        std::pair{"qk_nope_head_dim", at.qk_nope_head_dim},
        std::pair{"v_head_dim", at.v_head_dim}}) {
    Positive(key, value);
  }
  if (c_.BoolOr("attention_bias", false)) {
    c_.Error("attention_bias", "biases on the MLA projections are not modelled");
  }
  Moe& e = AddMoe("n_routed_experts", "num_experts_per_tok");
  e.expert_intermediate_size = Int("moe_intermediate_size");
  e.shared_experts = c_.OptInt("n_shared_experts").value_or(0);
  e.dense_layers = c_.OptInt("first_k_dense_replace").value_or(0);
  // noaux_tc routing adds e_score_correction_bias, one value per expert.
  e.router_score_correction_bias = c_.OptString("topk_method").value_or("") == "noaux_tc";
  if (c_.OptInt("moe_layer_freq").value_or(1) != 1) {
    c_.Error("moe_layer_freq", "only 1 (every layer after first_k_dense_replace) is modelled");
  }
  CheckMoe("n_routed_experts", "num_experts_per_tok", "first_k_dense_replace");
  m_.mtp_layers = c_.OptInt("num_nextn_predict_layers").value_or(0);
  if (c_.Has("index_n_heads")) {
    // DeepSeek-V3.2's lightning indexer per layer: wq_b (q_lora_rank -> heads x dim), wk
    // (hidden -> dim), a LayerNorm of dim, weights_proj (hidden -> heads).
    const int64_t heads = c_.OptInt("index_n_heads").value_or(0);
    const int64_t dim = c_.OptInt("index_head_dim").value_or(0);
    const int64_t per_layer =
        at.q_lora_rank * heads * dim + m_.hidden_size * dim + 2 * dim + m_.hidden_size * heads;
    c_.Note(
        fmt::format("DeepSeek Sparse Attention: the indexer (index_n_heads {}, index_head_dim "
                    "{}: {:.2f}B parameters in all) is not counted, and attention is modelled "
                    "as dense MLA over the whole context (index_topk not applied)",
                    heads, dim, static_cast<double>(per_layer * m_.layers) / 1e9));
  }
}

// Glm4MoeForCausalLM: attention_bias on q, k and v (not o), use_qk_norm per-head norms,
// DeepSeekMoE routing with e_score_correction_bias always, num_nextn_predict_layers MTP layers.
void HfMapper::Glm4Moe() {
  Decoder();
  m_.attention.qkv_bias = c_.BoolOr("attention_bias", false);
  m_.attention.k_bias = m_.attention.qkv_bias;
  m_.attention.qk_norm = c_.BoolOr("use_qk_norm", false);
  Moe& e = AddMoe("n_routed_experts", "num_experts_per_tok");
  e.expert_intermediate_size = Int("moe_intermediate_size");
  e.shared_experts = Int("n_shared_experts");
  e.dense_layers = Int("first_k_dense_replace");
  e.router_score_correction_bias = true;  // Glm4MoeTopkRouter.e_score_correction_bias
  CheckMoe("n_routed_experts", "num_experts_per_tok", "first_k_dense_replace");
  m_.mtp_layers = c_.OptInt("num_nextn_predict_layers").value_or(0);
}

// MiniMaxForCausalLM (MiniMax-Text-01, -M1): lightning (linear) attention except where
// attn_type_list says 1; every layer a MoE of num_local_experts experts of intermediate_size.
void HfMapper::MiniMax() {
  Decoder();
  Moe& e = AddMoe("num_local_experts", "num_experts_per_tok");
  e.expert_intermediate_size = m_.mlp.intermediate_size;
  SharedExperts("shared_intermediate_size");
  CheckMoe("num_local_experts", "num_experts_per_tok", "num_hidden_layers");
  MiniMaxAttentionTypes(/*required=*/true);
}

// attn_type_list: 0 = lightning attention (MiniMaxLightningAttention: qkv_proj, output_gate,
// out_proj, an RMSNorm over all heads; no KV cache), 1 = softmax attention.
void HfMapper::MiniMaxAttentionTypes(bool required) {
  auto types = c_.OptInts("attn_type_list");
  if (!types) {
    if (required) c_.Missing("attn_type_list");
    return;
  }
  if (static_cast<int64_t>(types->size()) != m_.layers) {
    c_.Error("attn_type_list",
             fmt::format("{} entries for num_hidden_layers = {}", types->size(), m_.layers));
    return;
  }
  std::vector<bool> full;
  for (int64_t t : *types) {
    if (t != 0 && t != 1) {
      c_.Error("attn_type_list", fmt::format("{} is neither 0 (lightning) nor 1 (softmax)", t));
      return;
    }
    full.push_back(t == 1);
  }
  const int64_t linear = std::count(full.begin(), full.end(), false);
  if (linear == 0) return;
  CheckEvenSpread(full, "attn_type_list");
  LinearAttention& la = m_.linear_attention.emplace();
  la.layers = linear;
  la.key_heads = m_.attention.heads;
  la.value_heads = m_.attention.heads;
  la.key_head_dim = m_.attention.head_dim;
  la.value_head_dim = m_.attention.head_dim;
  la.output_gate = true;
}

// MiniMaxM2ForCausalLM: softmax attention with q/k norms, every layer a MoE with routing bias,
// num_mtp_modules prediction modules when use_mtp.
void HfMapper::MiniMaxM2() {
  Decoder();
  m_.attention.qk_norm = c_.BoolOr("use_qk_norm", false);
  if (m_.attention.qk_norm && c_.OptString("qk_norm_type").value_or("") == "per_layer") {
    c_.Note(
        "qk_norm_type per_layer: q and k are normalised across all heads (weights of "
        "(heads + kv_heads) x head_dim per layer); counted as per-head norms (2 x head_dim), "
        "a few thousand parameters per layer fewer");
  }
  Moe& e = AddMoe("num_local_experts", "num_experts_per_tok");
  e.expert_intermediate_size = m_.mlp.intermediate_size;
  SharedExperts("shared_intermediate_size");
  e.router_score_correction_bias = c_.BoolOr("use_routing_bias", false);
  CheckMoe("num_local_experts", "num_experts_per_tok", "num_hidden_layers");
  if (c_.BoolOr("use_mtp", false)) {
    m_.mtp_layers =
        c_.OptInt("num_mtp_modules").value_or(1) * c_.OptInt("mtp_transformer_layers").value_or(1);
  }
  MiniMaxAttentionTypes(/*required=*/false);
}

// GptOssForCausalLM: biases on q, k, v and o (attention_bias), a learned sink per head, a biased
// router and biased experts; sliding and full attention alternate (layer_types).
void HfMapper::GptOss() {
  Decoder();
  const bool bias = c_.BoolOr("attention_bias", true);
  m_.attention.qkv_bias = bias;
  m_.attention.k_bias = bias;
  m_.attention.output_bias = bias;
  m_.attention.sinks = true;  // GptOssAttention.sinks
  Moe& e = AddMoe("num_local_experts", "num_experts_per_tok");
  if (auto also = c_.OptInt("experts_per_token"); also && *also != e.experts_per_token) {
    c_.Error("experts_per_token",
             fmt::format("{} contradicts num_experts_per_tok = {}", *also, e.experts_per_token));
  }
  e.expert_intermediate_size = m_.mlp.intermediate_size;
  e.router_bias = true;  // GptOssTopKRouter.bias
  e.expert_bias = true;  // GptOssExperts.gate_up_proj_bias, down_proj_bias
  m_.mlp.bias = true;
  CheckMoe("num_local_experts", "num_experts_per_tok", "num_hidden_layers");
  AlternatingWindow();
}

// WhisperForConditionalGeneration: a LayerNorm encoder-decoder with learned decoder positions;
// q, v and o biased, k not; plain GELU MLPs with biases; three norms per decoder layer.
void HfMapper::Whisper() {
  m_.encoder_decoder = true;
  m_.hidden_size = Int("d_model");
  m_.layers = Int("decoder_layers");
  m_.vocab_size = Int("vocab_size");
  m_.max_context_tokens = Int("max_target_positions");
  m_.tied_embeddings = c_.BoolOr("tie_word_embeddings", a_.tied_default);
  m_.position_embedding = PositionEmbedding::kLearned;
  m_.norm = NormType::kLayerNorm;
  m_.norms_per_layer = 3;
  m_.mlp = {.type = MlpType::kPlain, .intermediate_size = Int("decoder_ffn_dim"), .bias = true};
  Attention& at = m_.attention;
  at.heads = Int("decoder_attention_heads");
  at.kv_heads = at.heads;
  if (at.heads > 0 && m_.hidden_size % at.heads != 0) {
    c_.Error("decoder_attention_heads",
             fmt::format("{} does not divide d_model = {}", at.heads, m_.hidden_size));
  }
  at.head_dim = at.heads > 0 ? m_.hidden_size / at.heads : 0;
  at.qkv_bias = true;
  at.k_bias = false;
  at.output_bias = true;
  Encoder& enc = m_.encoder.emplace();
  enc.layers = Int("encoder_layers");
  enc.input_positions = Int("max_source_positions");
  enc.input_channels = Int("num_mel_bins");
  // The catalog gives the encoder the decoder's width, heads and MLP.
  for (const auto& [enc_key, dec_key] :
       {std::pair{"encoder_attention_heads", "decoder_attention_heads"},
        std::pair{"encoder_ffn_dim", "decoder_ffn_dim"}}) {
    const int64_t e = Int(enc_key);
    const int64_t d = c_.OptInt(dec_key).value_or(e);
    if (e != d) {
      c_.Error(enc_key, fmt::format("{} differs from {} = {}: pertoken models an encoder shaped "
                                    "like the decoder",
                                    e, dec_key, d));
    }
  }
  for (const auto& [key, value] :
       {std::pair{"d_model", m_.hidden_size}, std::pair{"decoder_layers", m_.layers},
        std::pair{"encoder_layers", enc.layers}, std::pair{"vocab_size", m_.vocab_size},
        std::pair{"decoder_ffn_dim", m_.mlp.intermediate_size},
        std::pair{"max_source_positions", enc.input_positions},
        std::pair{"max_target_positions", m_.max_context_tokens},
        std::pair{"num_mel_bins", enc.input_channels},
        std::pair{"decoder_attention_heads", at.heads}}) {
    Positive(key, value);
  }
}

}  // namespace pertoken::catalog
