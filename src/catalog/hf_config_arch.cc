#include "catalog/hf_config_arch.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <string>
#include <vector>

#include "catalog/hf_config_mapper.h"

namespace pertoken::catalog {

namespace {

// Defaults of transformers config classes (configuration_<model>.py) for keys that published
// configs leave out.
constexpr HfKeyDefault kQwen3Defaults[] = {{"head_dim", 128}};
constexpr HfKeyDefault kGemma2Defaults[] = {{"head_dim", 256}, {"sliding_window", 4096}};
// google/gemma-3-4b-it's config.json names only hidden_size, intermediate_size,
// num_hidden_layers, rope_scaling and sliding_window in text_config.
constexpr HfKeyDefault kGemma3Defaults[] = {{"num_attention_heads", 8},
                                            {"num_key_value_heads", 4},
                                            {"head_dim", 256},
                                            {"vocab_size", 262208},
                                            {"sliding_window", 4096},
                                            {"sliding_window_pattern", 6},
                                            {"max_position_embeddings", 131072}};
constexpr HfKeyDefault kLlama4Defaults[] = {
    {"head_dim", 128}, {"interleave_moe_layer_step", 1}, {"no_rope_layer_interval", 4}};
constexpr HfKeyDefault kQwenHybridDefaults[] = {{"full_attention_interval", 4},
                                                {"linear_conv_kernel_dim", 4}};
constexpr HfKeyDefault kGlm4MoeDefaults[] = {
    {"head_dim", 128}, {"n_shared_experts", 1}, {"first_k_dense_replace", 1}};
constexpr HfKeyDefault kGptOssDefaults[] = {{"head_dim", 64}, {"sliding_window", 128}};
constexpr std::span<const HfKeyDefault> kNone;

constexpr HfArch kArchs[] = {
    {"llama", "LlamaForCausalLM", HfFamily::kLlama, "LlamaConfig", false, kNone},
    {"mistral", "MistralForCausalLM", HfFamily::kMistral, "MistralConfig", false, kNone},
    {"mixtral", "MixtralForCausalLM", HfFamily::kMixtral, "MixtralConfig", false, kNone},
    {"qwen2", "Qwen2ForCausalLM", HfFamily::kQwen2, "Qwen2Config", false, kNone},
    {"qwen2_moe", "Qwen2MoeForCausalLM", HfFamily::kQwen2Moe, "Qwen2MoeConfig", false, kNone},
    {"qwen3", "Qwen3ForCausalLM", HfFamily::kQwen3, "Qwen3Config", false, kQwen3Defaults},
    {"qwen3_moe", "Qwen3MoeForCausalLM", HfFamily::kQwen3Moe, "Qwen3MoeConfig", false,
     kQwen3Defaults},
    {"qwen3_next", "Qwen3NextForCausalLM", HfFamily::kQwenHybrid, "Qwen3NextConfig", false,
     kQwenHybridDefaults},
    {"qwen3_5", "Qwen3_5ForConditionalGeneration", HfFamily::kQwenHybrid, "Qwen3_5TextConfig",
     false, kQwenHybridDefaults},
    {"qwen3_5_text", "Qwen3_5ForCausalLM", HfFamily::kQwenHybrid, "Qwen3_5TextConfig", false,
     kQwenHybridDefaults},
    {"qwen3_5_moe", "Qwen3_5MoeForConditionalGeneration", HfFamily::kQwenHybrid,
     "Qwen3_5MoeTextConfig", false, kQwenHybridDefaults},
    {"qwen3_5_moe_text", "Qwen3_5MoeForCausalLM", HfFamily::kQwenHybrid, "Qwen3_5MoeTextConfig",
     false, kQwenHybridDefaults},
    {"phi3", "Phi3ForCausalLM", HfFamily::kPhi3, "Phi3Config", false, kNone},
    {"gemma2", "Gemma2ForCausalLM", HfFamily::kGemma2, "Gemma2Config", true, kGemma2Defaults},
    {"gemma3", "Gemma3ForConditionalGeneration", HfFamily::kGemma3, "Gemma3TextConfig", true,
     kGemma3Defaults},
    {"gemma3_text", "Gemma3ForCausalLM", HfFamily::kGemma3, "Gemma3TextConfig", true,
     kGemma3Defaults},
    {"llama4", "Llama4ForConditionalGeneration", HfFamily::kLlama4, "Llama4TextConfig", false,
     kLlama4Defaults},
    {"llama4_text", "Llama4ForCausalLM", HfFamily::kLlama4, "Llama4TextConfig", false,
     kLlama4Defaults},
    {"deepseek_v2", "DeepseekV2ForCausalLM", HfFamily::kDeepseek, "DeepseekV2Config", false, kNone},
    {"deepseek_v3", "DeepseekV3ForCausalLM", HfFamily::kDeepseek, "DeepseekV3Config", false, kNone},
    {"deepseek_v32", "DeepseekV32ForCausalLM", HfFamily::kDeepseek, "DeepseekV32Config", false,
     kNone},
    {"kimi_k2", "DeepseekV3ForCausalLM", HfFamily::kDeepseek, "DeepseekV3Config", false, kNone},
    {"glm4_moe", "Glm4MoeForCausalLM", HfFamily::kGlm4Moe, "Glm4MoeConfig", false,
     kGlm4MoeDefaults},
    {"minimax", "MiniMaxForCausalLM", HfFamily::kMiniMax, "MiniMaxConfig", false, kNone},
    {"minimax_m1", "MiniMaxM1ForCausalLM", HfFamily::kMiniMax, "MiniMaxM1Config", false, kNone},
    {"minimax_m2", "MiniMaxM2ForCausalLM", HfFamily::kMiniMaxM2, "MiniMaxM2Config", false, kNone},
    {"gpt_oss", "GptOssForCausalLM", HfFamily::kGptOss, "GptOssConfig", false, kGptOssDefaults},
    {"whisper", "WhisperForConditionalGeneration", HfFamily::kWhisper, "WhisperConfig", true,
     kNone},
};

}  // namespace

const HfKeyDefault* HfMapper::DefaultOf(std::string_view key) const {
  for (const auto& d : a_.defaults) {
    if (d.key == key) return &d;
  }
  return nullptr;
}

int64_t HfMapper::Int(std::string_view key) {
  if (const HfKeyDefault* d = DefaultOf(key)) return c_.IntOr(key, d->value);
  return c_.ReqInt(key);
}

void HfMapper::Positive(std::string_view key, int64_t value) {
  if (c_.Has(key) && value <= 0 && !c_.Failed(key))
    c_.Error(key, fmt::format("must be positive, got {}", value));
}

Model HfMapper::Map() {
  m_.family = std::string(a_.model_type);
  std::replace(m_.family.begin(), m_.family.end(), '_', '-');
  switch (a_.family) {
    case HfFamily::kLlama:
    case HfFamily::kMistral:
    case HfFamily::kMixtral:
      Llama();
      if (a_.family != HfFamily::kLlama) WindowOnAllLayers();
      if (a_.family == HfFamily::kMixtral) Mixtral();
      break;
    case HfFamily::kQwen2:
    case HfFamily::kQwen2Moe:
      Qwen2();
      if (a_.family == HfFamily::kQwen2Moe) QwenMoe();
      break;
    case HfFamily::kQwen3:
    case HfFamily::kQwen3Moe:
      Qwen3();
      if (a_.family == HfFamily::kQwen3Moe) QwenMoe();
      break;
    case HfFamily::kQwenHybrid:
      QwenHybrid();
      break;
    case HfFamily::kPhi3:
      Phi3();
      break;
    case HfFamily::kGemma2:
    case HfFamily::kGemma3:
      Gemma();
      break;
    case HfFamily::kLlama4:
      Llama4();
      break;
    case HfFamily::kDeepseek:
      Deepseek();
      break;
    case HfFamily::kGlm4Moe:
      Glm4Moe();
      break;
    case HfFamily::kMiniMax:
      MiniMax();
      break;
    case HfFamily::kMiniMaxM2:
      MiniMaxM2();
      break;
    case HfFamily::kGptOss:
      GptOss();
      break;
    case HfFamily::kWhisper:
      Whisper();
      break;
  }
  Weights();
  return m_;
}

// The keys every decoder-only family shares, named as in LlamaConfig.
void HfMapper::Decoder() {
  m_.layers = Int("num_hidden_layers");
  m_.hidden_size = Int("hidden_size");
  m_.vocab_size = Int("vocab_size");
  // Qwen3.5's MoE text configs have no dense MLP and no intermediate_size (QwenHybrid).
  m_.mlp.intermediate_size = a_.family == HfFamily::kQwenHybrid
                                 ? c_.OptInt("intermediate_size").value_or(0)
                                 : Int("intermediate_size");
  m_.max_context_tokens = Int("max_position_embeddings");
  for (const auto& [key, value] :
       {std::pair{"num_hidden_layers", m_.layers}, std::pair{"hidden_size", m_.hidden_size},
        std::pair{"vocab_size", m_.vocab_size},
        std::pair{"intermediate_size", m_.mlp.intermediate_size},
        std::pair{"max_position_embeddings", m_.max_context_tokens}}) {
    Positive(key, value);
  }
  m_.tied_embeddings = c_.BoolOr("tie_word_embeddings", a_.tied_default);
  m_.position_embedding = PositionEmbedding::kRope;
  m_.norm = NormType::kRmsNorm;
  m_.norms_per_layer = 2;
  m_.mlp.type = MlpType::kGated;
  Heads();
}

// num_attention_heads, num_key_value_heads (default: = heads) and head_dim (default:
// hidden_size / heads), checked against each other.
void HfMapper::Heads() {
  Attention& at = m_.attention;
  at.heads = Int("num_attention_heads");
  at.kv_heads = DefaultOf("num_key_value_heads")
                    ? Int("num_key_value_heads")
                    : c_.OptInt("num_key_value_heads").value_or(at.heads);
  Positive("num_attention_heads", at.heads);
  if (c_.Has("head_dim") || DefaultOf("head_dim")) {
    at.head_dim = Int("head_dim");
    Positive("head_dim", at.head_dim);
  } else if (at.heads > 0 && m_.hidden_size > 0) {
    if (m_.hidden_size % at.heads != 0) {
      c_.Error("num_attention_heads",
               fmt::format("{} does not divide hidden_size = {}, and head_dim is not given",
                           at.heads, m_.hidden_size));
    }
    at.head_dim = m_.hidden_size / at.heads;
  }
  if (at.heads <= 0) return;
  if (at.kv_heads <= 0) {
    c_.Error("num_key_value_heads", fmt::format("must be positive, got {}", at.kv_heads));
  } else if (at.kv_heads > at.heads) {
    c_.Error("num_key_value_heads",
             fmt::format("{} exceeds num_attention_heads = {}", at.kv_heads, at.heads));
  } else if (at.heads % at.kv_heads != 0) {
    c_.Error("num_key_value_heads",
             fmt::format("{} does not divide num_attention_heads = {}", at.kv_heads, at.heads));
  }
  at.type = at.kv_heads == at.heads ? AttentionType::kMha
            : at.kv_heads == 1      ? AttentionType::kMqa
                                    : AttentionType::kGqa;
}

// torch_dtype (dtype in transformers 5) and quantization_config: the released weights' format.
void HfMapper::Weights() {
  const std::string key = c_.Has("torch_dtype") ? "torch_dtype" : "dtype";
  const std::string dtype = c_.OptString(key).value_or("");
  if (dtype == "float16") {
    m_.default_weights = "fp16";
  } else if (dtype == "float32") {
    m_.default_weights = "bf16";
    c_.Note(
        fmt::format("{} float32: the checkpoint is float32; engines serve it in 16 bits, "
                    "taken as bf16",
                    key));
  } else if (!dtype.empty() && dtype != "bfloat16") {
    c_.Error(key, fmt::format("'{}' is not bfloat16, float16 or float32", dtype));
  }
  Quantization();
}

void HfMapper::Quantization() {
  const auto q = c_.ObjectText("quantization_config");
  if (q.empty()) return;
  auto get = [&](const char* k) { return q.count(k) ? q.at(k) : std::string(); };
  const std::string method = get("quant_method");
  if (method == "fp8") {
    // The catalog's fp8-block is DeepSeek-V3's 128 x 128 block scaling.
    const std::string block = get("weight_block_size");
    if (block.empty()) {
      m_.default_weights = "fp8";
    } else if (block == "[128,128]") {
      m_.default_weights = "fp8-block";
    } else {
      c_.Error(
          "quantization_config",
          fmt::format("weight_block_size {}: the catalog's fp8-block format is 128 x 128", block));
    }
  } else if (method == "mxfp4" && m_.moe) {
    // gpt-oss: transformers' Mxfp4 quantizer replaces the expert modules only
    // (modules_to_not_convert keeps attention, router, embeddings and LM head in bf16).
    m_.default_expert_weights = "mxfp4";
  } else if (method == "mxfp4") {
    m_.default_weights = "mxfp4";
  } else if ((method == "awq" || method == "gptq") && get("bits") == "4" &&
             get("group_size") == "128") {
    m_.default_weights = method == "awq" ? "int4-awq" : "int4-gptq";
  } else {
    c_.Error("quantization_config",
             fmt::format("quant_method '{}'{} is not a format of the catalog (fp8, fp8 with "
                         "128 x 128 blocks, mxfp4, awq or gptq with 4 bits in groups of 128); "
                         "import the unquantized model's config and pass --weights",
                         method, get("bits").empty() ? "" : " with bits " + get("bits")));
  }
}

// Mistral, Mixtral, Phi-3: one window on every layer (sliding_window null = none).
void HfMapper::WindowOnAllLayers() {
  const int64_t window = c_.OptInt("sliding_window").value_or(0);
  if (window <= 0) return;
  if (window >= m_.max_context_tokens) {
    c_.Note(fmt::format("sliding_window {} is not below max_position_embeddings {}: no window",
                        window, m_.max_context_tokens));
    return;
  }
  m_.attention.sliding_window_tokens = window;
  m_.attention.sliding_window_layers = m_.layers;
}

// Qwen2/Qwen3: a window only with use_sliding_window, on the layers from max_window_layers on
// (Qwen2Config.layer_types), unless layer_types lists them.
void HfMapper::QwenWindow() {
  if (!c_.BoolOr("use_sliding_window", false)) return;
  const int64_t window = c_.OptInt("sliding_window").value_or(0);
  if (window <= 0 || window >= m_.max_context_tokens) return;
  std::optional<int64_t> sliding =
      CountLayerTypes("sliding_attention", {"sliding_attention", "full_attention"});
  if (!sliding) {
    const int64_t first = c_.OptInt("max_window_layers").value_or(m_.layers);
    sliding = std::clamp<int64_t>(m_.layers - first, 0, m_.layers);
  }
  m_.attention.sliding_window_tokens = *sliding > 0 ? window : 0;
  m_.attention.sliding_window_layers = *sliding;
}

// Gemma 2 and gpt-oss alternate local and global layers, local first; Gemma 3 has
// sliding_window_pattern - 1 local layers before each global one. layer_types, when given, says
// which is which.
void HfMapper::AlternatingWindow() {
  const int64_t window = Int("sliding_window");
  std::optional<int64_t> sliding =
      CountLayerTypes("sliding_attention", {"sliding_attention", "full_attention"});
  if (!sliding) {
    const int64_t pattern = a_.family == HfFamily::kGemma3 ? Int("sliding_window_pattern") : 2;
    if (pattern <= 0) {
      c_.Error("sliding_window_pattern", fmt::format("must be positive, got {}", pattern));
      return;
    }
    sliding = m_.layers - m_.layers / pattern;
  }
  if (window <= 0 || *sliding == 0) return;
  m_.attention.sliding_window_tokens = window;
  m_.attention.sliding_window_layers = *sliding;
}

// How many entries of `layer_types` are `value`; nullopt without layer_types. Errors for a list
// of the wrong length or with values outside `allowed`.
std::optional<int64_t> HfMapper::CountLayerTypes(std::string_view value,
                                                 const std::vector<std::string>& allowed) {
  auto types = c_.OptStrings("layer_types");
  if (!types) return std::nullopt;
  if (static_cast<int64_t>(types->size()) != m_.layers) {
    c_.Error("layer_types",
             fmt::format("{} entries for num_hidden_layers = {}", types->size(), m_.layers));
    return std::nullopt;
  }
  int64_t n = 0;
  std::vector<bool> full;
  for (const auto& t : *types) {
    if (std::find(allowed.begin(), allowed.end(), t) == allowed.end()) {
      c_.Error("layer_types", fmt::format("'{}' is not one of: {}", t, fmt::join(allowed, ", ")));
      return std::nullopt;
    }
    n += t == value ? 1 : 0;
    full.push_back(t == "full_attention");
  }
  if (value == "linear_attention") CheckEvenSpread(full, "layer_types");
  return n;
}

// The step model places the full-attention layers of a hybrid evenly, each closing its group
// (perf::IsLinearAttentionLayer); note where the file orders them otherwise.
void HfMapper::CheckEvenSpread(const std::vector<bool>& full, std::string_view key) {
  const int64_t layers = static_cast<int64_t>(full.size());
  const int64_t count = std::count(full.begin(), full.end(), true);
  for (int64_t i = 0; i < layers; ++i) {
    const bool spread = (i + 1) * count / layers != i * count / layers;
    if (spread != full[i]) {
      c_.Note(
          fmt::format("{}: the full-attention layers are not evenly spread; pertoken keeps "
                      "their count ({} of {}), not their order",
                      key, count, layers));
      return;
    }
  }
}

Moe& HfMapper::AddMoe(std::string_view experts_key, std::string_view top_key) {
  Moe& e = m_.moe.emplace();
  e.experts = Int(experts_key);
  e.experts_per_token = Int(top_key);
  return e;
}

// Shared experts of `key`'s total width, as a whole number of routed-expert widths.
void HfMapper::SharedExperts(std::string_view key) {
  Moe& e = *m_.moe;
  const int64_t width = c_.OptInt(key).value_or(0);
  if (width <= 0 || e.expert_intermediate_size <= 0) return;
  if (width % e.expert_intermediate_size != 0) {
    c_.Error(key, fmt::format("{} is not a multiple of the routed experts' width {}; pertoken "
                              "models shared experts as routed-expert-sized MLPs",
                              width, e.expert_intermediate_size));
    return;
  }
  e.shared_experts = width / e.expert_intermediate_size;
}

void HfMapper::CheckMoe(std::string_view experts_key, std::string_view top_key,
                        std::string_view dense_key) {
  const Moe& e = *m_.moe;
  Positive(experts_key, e.experts);
  Positive(top_key, e.experts_per_token);
  if (e.experts > 0 && e.experts_per_token > e.experts) {
    c_.Error(top_key,
             fmt::format("{} exceeds {} = {}", e.experts_per_token, experts_key, e.experts));
  }
  if (m_.layers > 0 && e.dense_layers >= m_.layers) {
    c_.Error(dense_key, fmt::format("{} leaves no MoE layer of num_hidden_layers = {}",
                                    e.dense_layers, m_.layers));
  }
}

std::span<const HfArch> HfArchitectures() { return kArchs; }

Model MapHfConfig(const HfArch& arch, HfConfigReader& c) { return HfMapper(arch, c).Map(); }

}  // namespace pertoken::catalog
