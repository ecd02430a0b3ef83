// WriteModelToml: a catalog::Model as a model file (doc/formats/model.md), in the key order of the
// hand-written files.
#include <fmt/format.h>

#include <string>

#include "catalog/hf_config.h"
#include "catalog/model_names.h"

namespace pertoken::catalog {

namespace {

// A TOML basic string: quotes, backslashes and control characters escaped.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\u{:04x}", u);
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

const char* Bool(bool b) { return b ? "true" : "false"; }

// Lines of `key = value`, leaving out keys at their defaults.
class Writer {
 public:
  void Str(std::string_view key, std::string_view value) {
    text_ += fmt::format("{} = {}\n", key, Quote(value));
  }
  void Int(std::string_view key, int64_t value) { text_ += fmt::format("{} = {}\n", key, value); }
  void IntIf(std::string_view key, int64_t value) {
    if (value != 0) Int(key, value);
  }
  void Flag(std::string_view key, bool value) {
    text_ += fmt::format("{} = {}\n", key, Bool(value));
  }
  void FlagIf(std::string_view key, bool value) {
    if (value) Flag(key, true);
  }
  void Number(std::string_view key, double value) {
    // Integral counts as integers (TOML reads both as numbers); others in full precision.
    if (value == static_cast<double>(static_cast<int64_t>(value))) {
      Int(key, static_cast<int64_t>(value));
    } else {
      text_ += fmt::format("{} = {}\n", key, value);
    }
  }
  void Table(std::string_view name) { text_ += fmt::format("\n[{}]\n", name); }
  std::string text() && { return std::move(text_); }

 private:
  std::string text_;
};

void WriteAttention(const Attention& a, Writer* w) {
  w->Table("attention");
  w->Str("type", NameOf(kAttentionTypeNames, a.type));
  w->Int("heads", a.heads);
  w->Int("kv_heads", a.kv_heads);
  w->Int("head_dim", a.head_dim);
  w->FlagIf("qkv_bias", a.qkv_bias);
  if (a.qkv_bias && !a.k_bias) w->Flag("k_bias", false);
  w->FlagIf("output_bias", a.output_bias);
  w->FlagIf("qk_norm", a.qk_norm);
  w->FlagIf("sinks", a.sinks);
  w->FlagIf("output_gate", a.output_gate);
  if (a.sliding_window_tokens > 0) {
    w->Int("sliding_window_tokens", a.sliding_window_tokens);
    w->Int("sliding_window_layers", a.sliding_window_layers);
    w->FlagIf("chunked_window", a.chunked_window);
  }
  if (a.type == AttentionType::kMla) {
    w->Int("q_lora_rank", a.q_lora_rank);
    w->Int("kv_lora_rank", a.kv_lora_rank);
    w->Int("qk_rope_head_dim", a.qk_rope_head_dim);
    w->Int("qk_nope_head_dim", a.qk_nope_head_dim);
    w->Int("v_head_dim", a.v_head_dim);
  }
}

void WriteMoe(const Moe& e, Writer* w) {
  w->Table("moe");
  w->Int("experts", e.experts);
  w->Int("experts_per_token", e.experts_per_token);
  w->IntIf("shared_experts", e.shared_experts);
  w->Int("expert_intermediate_size", e.expert_intermediate_size);
  w->IntIf("dense_layers", e.dense_layers);
  if (e.layer_step != 1) w->Int("layer_step", e.layer_step);
  w->FlagIf("router_bias", e.router_bias);
  w->FlagIf("expert_bias", e.expert_bias);
  w->FlagIf("router_score_correction_bias", e.router_score_correction_bias);
}

void WriteLinearAttention(const LinearAttention& la, Writer* w) {
  w->Table("linear_attention");
  w->Int("layers", la.layers);
  w->Int("key_heads", la.key_heads);
  w->Int("value_heads", la.value_heads);
  w->Int("key_head_dim", la.key_head_dim);
  w->Int("value_head_dim", la.value_head_dim);
  w->IntIf("conv_kernel", la.conv_kernel);
  w->FlagIf("output_gate", la.output_gate);
  if (la.state_bits != 32) w->Number("state_bits", la.state_bits);
}

}  // namespace

std::string WriteModelToml(const Model& m) {
  Writer w;
  w.Int("schema_version", 1);
  w.Str("id", m.id);
  w.Str("name", m.name);
  if (!m.hf_id.empty()) w.Str("hf_id", m.hf_id);
  w.Str("source", m.provenance.source);
  if (!m.provenance.notes.empty()) w.Str("notes", m.provenance.notes);
  w.Str("family", m.family);
  w.Str("architecture", m.encoder_decoder ? "encoder-decoder" : "decoder");
  if (!m.params_published.empty()) w.Str("params_published", m.params_published);
  if (m.params_reference) w.Number("params_reference", *m.params_reference);
  if (m.params_active_reference) w.Number("params_active_reference", *m.params_active_reference);
  w.Int("max_context_tokens", m.max_context_tokens);
  if (m.default_weights != "bf16") w.Str("default_weights", m.default_weights);
  if (!m.default_expert_weights.empty()) w.Str("default_expert_weights", m.default_expert_weights);
  w.Int("layers", m.layers);
  w.Int("hidden_size", m.hidden_size);
  w.Int("vocab_size", m.vocab_size);
  w.Flag("tied_embeddings", m.tied_embeddings);
  w.Str("position_embedding", NameOf(kPositionEmbeddingNames, m.position_embedding));
  w.Str("norm", NameOf(kNormNames, m.norm));
  w.Int("norms_per_layer", m.norms_per_layer);
  w.IntIf("mtp_layers", m.mtp_layers);
  WriteAttention(m.attention, &w);
  w.Table("mlp");
  w.Str("type", NameOf(kMlpTypeNames, m.mlp.type));
  w.Int("intermediate_size", m.mlp.intermediate_size);
  w.FlagIf("bias", m.mlp.bias);
  if (m.moe) WriteMoe(*m.moe, &w);
  if (m.linear_attention) WriteLinearAttention(*m.linear_attention, &w);
  if (m.encoder) {
    w.Table("encoder");
    w.Int("layers", m.encoder->layers);
    w.Int("input_positions", m.encoder->input_positions);
    w.Int("input_channels", m.encoder->input_channels);
  }
  return std::move(w).text();
}

}  // namespace pertoken::catalog
