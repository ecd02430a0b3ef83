#include "catalog/loaders.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <regex>

#include "catalog/engine_settings.h"
#include "catalog/model_names.h"
#include "common/version.h"

namespace pertoken::catalog {

namespace {

constexpr int64_t kSchemaVersion = 1;

const std::vector<std::string> kPrecisions = {"fp64", "fp32", "tf32", "bf16", "fp16",
                                              "fp8",  "int8", "fp6",  "fp4",  "int4"};

void ReadAlternatives(FieldReader& root, Provenance* prov) {
  for (FieldReader& alt : root.TableArray("alternatives", false)) {
    Alternative a;
    a.field = alt.ReqString("field");
    alt.Skip("value");
    if (!alt.Has("value")) alt.Error("value", "required key is missing");
    a.source = alt.ReqString("source");
    a.why_not_default = alt.ReqString("why_not_default");
    alt.CheckUnknownKeys();
    prov->alternatives.push_back(std::move(a));
  }
}

// Dates are "YYYY", "YYYY-MM", "YYYY-MM-DD" or "undated"; a source may also state a span.
void CheckDate(FieldReader& r, std::string_view key, const std::string& value) {
  static const std::regex kDate(R"(\d{4}(-\d{2}(-\d{2})?)?.*)");
  if (value.empty() || value == "undated") return;
  if (!std::regex_match(value, kDate)) r.Error(key, fmt::format("'{}' is not a date", value));
}

}  // namespace

void ReadEntity(FieldReader& root, const std::string& stem, Entity* entity) {
  const int64_t version = root.ReqInt("schema_version", Bound::kPositive);
  if (version != 0 && version != kSchemaVersion) {
    root.Error("schema_version", fmt::format("version {} is not supported (this build reads {})",
                                             version, kSchemaVersion));
  }
  entity->id = root.ReqString("id");
  static const std::regex kId(R"([a-z0-9][a-z0-9.\-]*)");
  if (!entity->id.empty() && !std::regex_match(entity->id, kId)) {
    root.Error("id", fmt::format("'{}' is not a lowercase id ([a-z0-9][a-z0-9.-]*)", entity->id));
  } else if (!entity->id.empty() && entity->id != stem) {
    root.Error("id", fmt::format("'{}' does not match the file name '{}.toml'", entity->id, stem));
  }
  entity->name = root.ReqString("name");
  entity->aliases = root.StringArray("aliases", false);
  entity->provenance.source = root.ReqString("source");
  entity->provenance.notes = root.OptString("notes").value_or("");
  if (auto fs = root.Table("field_sources", false)) {
    // Keys are dotted paths, which TOML reads as nested tables when unquoted; accept both.
    for (auto& [path, src] : fs->FlatStrings()) entity->provenance.field_sources[path] = src;
  }
  ReadAlternatives(root, &entity->provenance);
}

void ReadAccelerator(FieldReader& root, Accelerator* out) {
  out->vendor = root.ReqString("vendor");
  out->category = root.ReqEnum("category", {"gpu", "tpu", "npu", "cpu"});
  out->form_factor = root.OptString("form_factor").value_or("");
  out->release_year = static_cast<int>(root.OptInt("release_year", Bound::kPositive).value_or(0));
  out->memory_bytes = root.OptInt("memory_bytes", Bound::kPositive);
  out->memory_label = root.OptString("memory_label").value_or("");
  out->memory_type = root.OptString("memory_type").value_or("");
  out->mem_bw_bytes_per_s = root.ReqNumber("mem_bw_bytes_per_s", Bound::kPositive);
  // Plausibility: ten times beyond today's largest parts is a unit slip, not a product.
  if (out->memory_bytes && *out->memory_bytes > int64_t{20'000'000'000'000}) {
    root.Error("memory_bytes",
               fmt::format("{} bytes (over 20 TB) is not plausible", *out->memory_bytes));
  }
  if (out->mem_bw_bytes_per_s > 1e14) {
    root.Error("mem_bw_bytes_per_s",
               fmt::format("{:g} B/s (over 100 TB/s) is not plausible; is it in bytes per second?",
                           out->mem_bw_bytes_per_s));
  }
  out->tdp_w = root.OptNumber("tdp_w", Bound::kPositive);
  out->idle_w = root.OptNumber("idle_w", Bound::kPositive);
  if (out->idle_w && out->tdp_w && *out->idle_w >= *out->tdp_w) {
    root.Error("idle_w",
               fmt::format("{:g} W is not below tdp_w = {:g} W", *out->idle_w, *out->tdp_w));
  }
  if (auto peaks = root.Table("peak_flops_per_s", true)) {
    for (const auto& p : kPrecisions) {
      if (auto v = peaks->OptNumber(p, Bound::kPositive)) {
        if (*v > 1e17)
          peaks->Error(p,
                       fmt::format("{:g} FLOP/s (over 100 PFLOP/s per chip) is not plausible", *v));
        if (*v < 1e9)
          peaks->Error(
              p, fmt::format("{:g} FLOP/s is not plausible; is it in FLOP/s, not TFLOPS?", *v));
        out->peak_flops_per_s[p] = *v;
      }
    }
    peaks->CheckUnknownKeys();
    if (out->peak_flops_per_s.empty()) peaks->Error("", "needs at least one precision");
  }
  if (auto ic = root.Table("interconnect", false)) {
    out->scaleup_name = ic->OptString("scaleup_name").value_or("");
    out->scaleup_bw_bytes_per_s = ic->OptNumber("scaleup_bw_bytes_per_s", Bound::kPositive);
    out->scaleup_domain_size =
        static_cast<int>(ic->OptInt("scaleup_domain_size", Bound::kPositive).value_or(1));
    if (auto g = ic->OptInt("pcie_gen", Bound::kPositive)) out->pcie_gen = static_cast<int>(*g);
    ic->CheckUnknownKeys();
  }
}

namespace {

void ReadAttention(FieldReader& a, Attention* out) {
  out->type = ValueOf(kAttentionTypeNames, a.ReqEnum("type", NamesOf(kAttentionTypeNames)));
  out->heads = a.ReqInt("heads", Bound::kPositive);
  out->kv_heads = a.ReqInt("kv_heads", Bound::kPositive);
  out->head_dim = a.ReqInt("head_dim", Bound::kPositive);
  out->qkv_bias = a.OptBool("qkv_bias", false);
  out->k_bias = a.OptBool("k_bias", out->qkv_bias);
  out->output_bias = a.OptBool("output_bias", false);
  out->qk_norm = a.OptBool("qk_norm", false);
  out->sinks = a.OptBool("sinks", false);
  out->output_gate = a.OptBool("output_gate", false);
  out->sliding_window_tokens = a.OptInt("sliding_window_tokens", Bound::kNonNegative).value_or(0);
  out->sliding_window_layers = a.OptInt("sliding_window_layers", Bound::kNonNegative).value_or(-1);
  out->chunked_window = a.OptBool("chunked_window", false);
  if (out->chunked_window && out->sliding_window_tokens == 0) {
    a.Error("chunked_window", "needs sliding_window_tokens, the chunk length");
  }
  const bool mla = out->type == AttentionType::kMla;
  if (mla && out->output_gate) a.Error("output_gate", "is not supported with type = \"mla\"");
  for (const char* key :
       {"q_lora_rank", "kv_lora_rank", "qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim"}) {
    if (!mla && a.Has(key)) a.Error(key, "only meaningful for type = \"mla\"");
  }
  if (mla) {
    out->q_lora_rank = a.ReqInt("q_lora_rank", Bound::kNonNegative);
    out->kv_lora_rank = a.ReqInt("kv_lora_rank", Bound::kPositive);
    out->qk_rope_head_dim = a.ReqInt("qk_rope_head_dim", Bound::kPositive);
    out->qk_nope_head_dim = a.ReqInt("qk_nope_head_dim", Bound::kPositive);
    out->v_head_dim = a.ReqInt("v_head_dim", Bound::kPositive);
    if (out->head_dim != out->qk_nope_head_dim + out->qk_rope_head_dim) {
      a.Error("head_dim",
              fmt::format("{} must equal qk_nope_head_dim + qk_rope_head_dim = {}", out->head_dim,
                          out->qk_nope_head_dim + out->qk_rope_head_dim));
    }
  }
  // Consistency of heads: a contradiction here is an error, never a guess.
  if (out->heads > 0 && out->kv_heads > 0) {
    if (out->kv_heads > out->heads) {
      a.Error("kv_heads", fmt::format("{} exceeds heads = {}", out->kv_heads, out->heads));
    } else if (out->heads % out->kv_heads != 0) {
      a.Error("kv_heads", fmt::format("{} does not divide heads = {}", out->kv_heads, out->heads));
    }
    if (out->type == AttentionType::kMha && out->kv_heads != out->heads) {
      a.Error("kv_heads", "type \"mha\" needs kv_heads = heads");
    }
    if (out->type == AttentionType::kMqa && out->kv_heads != 1) {
      a.Error("kv_heads", "type \"mqa\" needs kv_heads = 1");
    }
    if (out->type == AttentionType::kGqa && (out->kv_heads == out->heads || out->kv_heads == 1)) {
      a.Error("type", fmt::format("kv_heads = {} of heads = {} is {}, not \"gqa\"", out->kv_heads,
                                  out->heads, out->kv_heads == 1 ? "\"mqa\"" : "\"mha\""));
    }
  }
  a.CheckUnknownKeys();
}

void ReadMlp(FieldReader& m, Mlp* out) {
  out->type = ValueOf(kMlpTypeNames, m.ReqEnum("type", NamesOf(kMlpTypeNames)));
  out->intermediate_size = m.ReqInt("intermediate_size", Bound::kPositive);
  out->bias = m.OptBool("bias", false);
  m.CheckUnknownKeys();
}

void ReadMoe(FieldReader& m, int64_t layers, Moe* out) {
  out->experts = m.ReqInt("experts", Bound::kPositive);
  out->experts_per_token = m.ReqInt("experts_per_token", Bound::kPositive);
  out->shared_experts = m.OptInt("shared_experts", Bound::kNonNegative).value_or(0);
  out->expert_intermediate_size = m.ReqInt("expert_intermediate_size", Bound::kPositive);
  out->dense_layers = m.OptInt("dense_layers", Bound::kNonNegative).value_or(0);
  out->router_bias = m.OptBool("router_bias", false);
  out->expert_bias = m.OptBool("expert_bias", false);
  out->router_score_correction_bias = m.OptBool("router_score_correction_bias", false);
  out->layer_step = m.OptInt("layer_step", Bound::kPositive).value_or(1);
  if (out->experts > 0 && out->experts_per_token > out->experts) {
    m.Error("experts_per_token",
            fmt::format("{} exceeds experts = {}", out->experts_per_token, out->experts));
  }
  if (layers > 0 && out->dense_layers >= layers) {
    m.Error("dense_layers", fmt::format("{} leaves no MoE layer of {}", out->dense_layers, layers));
  } else if (layers > 0 && out->layer_step > layers - out->dense_layers) {
    m.Error("layer_step", fmt::format("{} leaves no MoE layer of the {} after dense_layers",
                                      out->layer_step, layers - out->dense_layers));
  }
  m.CheckUnknownKeys();
}

void ReadLinearAttention(FieldReader& r, int64_t layers, LinearAttention* out) {
  out->layers = r.ReqInt("layers", Bound::kPositive);
  out->key_heads = r.ReqInt("key_heads", Bound::kPositive);
  out->value_heads = r.ReqInt("value_heads", Bound::kPositive);
  out->key_head_dim = r.ReqInt("key_head_dim", Bound::kPositive);
  out->value_head_dim = r.ReqInt("value_head_dim", Bound::kPositive);
  out->conv_kernel = r.OptInt("conv_kernel", Bound::kNonNegative).value_or(0);
  out->output_gate = r.OptBool("output_gate", false);
  out->state_bits = r.OptNumber("state_bits", Bound::kPositive).value_or(32);
  if (layers > 0 && out->layers >= layers) {
    r.Error("layers", fmt::format("{} leaves no full-attention layer of {}", out->layers, layers));
  }
  if (out->key_heads > 0 && out->value_heads > 0 && out->value_heads % out->key_heads != 0) {
    r.Error("value_heads", fmt::format("{} is not a multiple of key_heads = {}", out->value_heads,
                                       out->key_heads));
  }
  if (out->conv_kernel > 64) {
    r.Error("conv_kernel",
            fmt::format("{} is not plausible for a short convolution", out->conv_kernel));
  }
  if (out->state_bits > 64) {
    r.Error("state_bits", fmt::format("{} bits per element is not plausible", out->state_bits));
  }
  r.CheckUnknownKeys();
}

}  // namespace

void ReadModel(FieldReader& root, Model* out) {
  out->hf_id = root.OptString("hf_id").value_or("");
  out->family = root.ReqString("family");
  out->encoder_decoder =
      root.ReqEnum("architecture", {"decoder", "encoder-decoder"}) == "encoder-decoder";
  out->params_published = root.OptString("params_published").value_or("");
  out->params_reference = root.OptNumber("params_reference", Bound::kPositive);
  out->params_active_reference = root.OptNumber("params_active_reference", Bound::kPositive);
  out->max_context_tokens = root.ReqInt("max_context_tokens", Bound::kPositive);
  out->default_weights = root.OptString("default_weights").value_or("bf16");
  out->default_expert_weights = root.OptString("default_expert_weights").value_or("");
  out->layers = root.ReqInt("layers", Bound::kPositive);
  out->hidden_size = root.ReqInt("hidden_size", Bound::kPositive);
  out->vocab_size = root.ReqInt("vocab_size", Bound::kPositive);
  out->tied_embeddings = root.ReqBool("tied_embeddings");
  out->position_embedding =
      ValueOf(kPositionEmbeddingNames,
              root.ReqEnum("position_embedding", NamesOf(kPositionEmbeddingNames)));
  out->norm = ValueOf(kNormNames, root.ReqEnum("norm", NamesOf(kNormNames)));
  out->norms_per_layer = root.ReqInt("norms_per_layer", Bound::kNonNegative);
  if (out->layers > 10'000)
    root.Error("layers", fmt::format("{} layers is not plausible", out->layers));
  if (out->hidden_size > 1'000'000) {
    root.Error("hidden_size", fmt::format("{} is not plausible", out->hidden_size));
  }
  if (auto a = root.Table("attention", true)) ReadAttention(*a, &out->attention);
  if (auto m = root.Table("mlp", true)) ReadMlp(*m, &out->mlp);
  if (auto m = root.Table("moe", false)) {
    out->moe.emplace();
    ReadMoe(*m, out->layers, &*out->moe);
  }
  if (auto l = root.Table("linear_attention", false)) {
    out->linear_attention.emplace();
    ReadLinearAttention(*l, out->layers, &*out->linear_attention);
  }
  out->mtp_layers = root.OptInt("mtp_layers", Bound::kNonNegative).value_or(0);
  if (out->mtp_layers > out->layers && out->layers > 0) {
    root.Error("mtp_layers", fmt::format("{} exceeds layers = {}", out->mtp_layers, out->layers));
  }
  if (auto e = root.Table("encoder", out->encoder_decoder)) {
    if (!out->encoder_decoder)
      e->Error("", "only meaningful for architecture = \"encoder-decoder\"");
    out->encoder.emplace();
    out->encoder->layers = e->ReqInt("layers", Bound::kPositive);
    out->encoder->input_positions = e->ReqInt("input_positions", Bound::kPositive);
    out->encoder->input_channels = e->ReqInt("input_channels", Bound::kPositive);
    e->CheckUnknownKeys();
  }
  Attention& att = out->attention;
  // Windows apply to full-attention layers only: all of them by default.
  const int64_t full = out->layers - (out->linear_attention ? out->linear_attention->layers : 0);
  if (att.sliding_window_layers < 0) {
    att.sliding_window_layers = att.sliding_window_tokens > 0 ? std::max<int64_t>(full, 0) : 0;
  } else if (att.sliding_window_layers > full) {
    root.Error("attention", out->linear_attention
                                ? fmt::format("sliding_window_layers = {} exceeds the {} "
                                              "full-attention layers",
                                              att.sliding_window_layers, full)
                                : fmt::format("sliding_window_layers = {} exceeds layers = {}",
                                              att.sliding_window_layers, out->layers));
  }
  if (out->encoder && out->linear_attention) {
    root.Error("linear_attention", "is not supported with architecture = \"encoder-decoder\"");
  }
  if (att.type != AttentionType::kMla && out->hidden_size > 0 && att.head_dim == 0) {
    root.Error("attention", "head_dim is required");
  }
}

void ReadQuantFormat(FieldReader& root, QuantFormat* out) {
  for (const auto& use : root.StringArray("applies_to", true)) {
    if (use == "weights") {
      out->for_weights = true;
    } else if (use == "kv") {
      out->for_kv = true;
    } else {
      root.Error("applies_to", fmt::format("'{}' is not one of: weights, kv", use));
    }
  }
  out->precision = root.ReqEnum("precision", {"bf16", "fp16", "fp8", "int8", "int4", "fp4"});
  for (const auto& use : root.StringArray("default_for", false)) {
    if (use == "weights" && out->for_weights) {
      out->default_for_weights = true;
    } else if (use == "kv" && out->for_kv) {
      out->default_for_kv = true;
    } else {
      root.Error("default_for", fmt::format("'{}' is not one of the uses in applies_to", use));
    }
  }
  out->bits = root.ReqNumber("bits", Bound::kPositive);
  out->group_size = root.OptInt("group_size", Bound::kNonNegative).value_or(0);
  out->scale_bits = root.OptInt("scale_bits", Bound::kNonNegative).value_or(0);
  out->zero_point_bits = root.OptInt("zero_point_bits", Bound::kNonNegative).value_or(0);
  out->compute_precision = root.ReqEnum("compute_precision", kPrecisions);
  out->quantizes_embeddings = root.OptBool("quantizes_embeddings", false);
  out->method = root.OptString("method").value_or("");
  if (out->bits > 32)
    root.Error("bits", fmt::format("{} bits per element is not plausible", out->bits));
  for (FieldReader& r : root.TableArray("results", false)) {
    QualityResult q;
    q.model = r.ReqString("model");
    q.method = r.ReqString("method");
    q.weight_bits = r.OptNumber("weight_bits", Bound::kPositive);
    q.activation_bits = r.OptNumber("activation_bits", Bound::kPositive);
    q.kv_bits = r.OptNumber("kv_bits", Bound::kPositive);
    q.metric = r.ReqString("metric");
    q.higher_is_better = r.ReqBool("higher_is_better");
    q.baseline_precision = r.ReqString("baseline_precision");
    q.baseline_value = r.ReqNumber("baseline_value", Bound::kAny);
    q.quantized_value = r.ReqNumber("quantized_value", Bound::kAny);
    q.delta = r.ReqNumber("delta", Bound::kAny);
    q.eval_setup = r.OptString("eval_setup").value_or("");
    q.source = r.ReqString("source");
    q.notes = r.OptString("notes").value_or("");
    const double expected = q.quantized_value - q.baseline_value;
    if (std::abs(expected - q.delta) > 1e-6 * std::max(1.0, std::abs(expected)) + 1e-9) {
      r.Error("delta",
              fmt::format("{} is not quantized_value - baseline_value = {}", q.delta, expected));
    }
    r.CheckUnknownKeys();
    out->results.push_back(std::move(q));
  }
}

void ReadEngine(FieldReader& root, Engine* out) {
  out->version = root.ReqString("version");
  if (auto m = root.Table("memory", true)) {
    const std::string policy = m->ReqEnum(
        "policy",
        {"fraction-of-total", "static-fraction-of-total", "fraction-of-free", "all-remaining"});
    out->memory_policy = policy == "static-fraction-of-total" ? MemoryPolicy::kStaticFractionOfTotal
                         : policy == "fraction-of-free"       ? MemoryPolicy::kFractionOfFree
                         : policy == "all-remaining"          ? MemoryPolicy::kAllRemaining
                                                              : MemoryPolicy::kFractionOfTotal;
    out->memory_fraction = m->ReqNumber("fraction", Bound::kFraction);
    out->runtime_overhead_bytes = m->ReqInt("runtime_overhead_bytes", Bound::kNonNegative);
    out->cuda_graph_bytes = m->ReqInt("cuda_graph_bytes", Bound::kNonNegative);
    out->cuda_graphs_in_budget = m->OptBool("cuda_graphs_in_budget", true);
    out->activation_dtype_bytes = m->ReqInt("activation_dtype_bytes", Bound::kPositive);
    out->logits_dtype_bytes = m->ReqInt("logits_dtype_bytes", Bound::kPositive);
    m->CheckUnknownKeys();
  }
  if (auto k = root.Table("kv_cache", true)) {
    out->kv_allocation = k->ReqEnum("allocation", {"paged", "contiguous"}) == "contiguous"
                             ? KvAllocation::kContiguous
                             : KvAllocation::kPaged;
    out->block_tokens = k->ReqInt("block_tokens", Bound::kPositive);
    out->prefix_caching = k->OptBool("prefix_caching", false);
    k->CheckUnknownKeys();
  }
  if (auto l = root.Table("limits", true)) {
    out->max_num_seqs = l->ReqInt("max_num_seqs", Bound::kPositive);
    out->max_num_batched_tokens = l->ReqInt("max_num_batched_tokens", Bound::kPositive);
    out->max_model_len = l->ReqInt("max_model_len", Bound::kNonNegative);
    for (FieldReader& o : l->TableArray("overrides", false)) {
      LimitOverride lo;
      lo.accelerators = o.StringArray("accelerators", false);
      lo.memory_below_bytes = o.OptInt("memory_below_bytes", Bound::kPositive).value_or(0);
      lo.max_num_seqs = o.OptInt("max_num_seqs", Bound::kPositive).value_or(0);
      lo.max_num_batched_tokens = o.OptInt("max_num_batched_tokens", Bound::kPositive).value_or(0);
      if (lo.accelerators.empty() && lo.memory_below_bytes == 0) {
        o.Error("", "needs accelerators or memory_below_bytes to say where it applies");
      }
      o.CheckUnknownKeys();
      out->limit_overrides.push_back(std::move(lo));
    }
    l->CheckUnknownKeys();
  }
  if (auto f = root.Table("cli_flags", false)) {
    for (auto& [flag, setting] : f->FlatStrings()) {
      const std::string key = setting.substr(0, setting.find('='));
      const auto& keys = EngineSettingKeys();
      if (!flag.starts_with("-")) {
        f->Error(flag, "a flag starts with '-'");
      } else if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        f->Error(flag, fmt::format("'{}' is not an engine setting (one of: {})", key,
                                   fmt::join(keys, ", ")));
      } else if (setting.find('=') != std::string::npos) {
        Engine probe;
        Status s = ApplyEngineSetting(
            {.key = key, .value = setting.substr(setting.find('=') + 1), .flag = flag}, &probe);
        if (!s.ok()) f->Error(flag, s.message());
      }
      out->cli_flags.emplace_back(flag, setting);
    }
  }
  if (auto o = root.Table("overhead", false)) {
    out->step_overhead_s = o->OptNumber("step_s", Bound::kNonNegative).value_or(0);
    out->per_sequence_overhead_s = o->OptNumber("per_sequence_s", Bound::kNonNegative).value_or(0);
    out->per_request_s = o->OptNumber("per_request_s", Bound::kNonNegative).value_or(0);
    out->frontend_per_token_s =
        o->OptNumber("frontend_per_token_s", Bound::kNonNegative).value_or(0);
    out->cuda_graph_max_batch = o->OptInt("cuda_graph_max_batch", Bound::kNonNegative).value_or(0);
    out->eager_launch_overhead_s = o->OptNumber("eager_launch_s", Bound::kNonNegative).value_or(0);
    out->chunked_prefill = o->OptBool("chunked_prefill", true);
    o->CheckUnknownKeys();
  }
  if (auto sc = root.Table("scheduler", false)) {
    const std::string policy = sc->OptString("policy").value_or("decode-first");
    if (policy != "decode-first" && policy != "prefill-first") {
      sc->Error("policy", fmt::format("'{}' is not decode-first or prefill-first", policy));
    }
    out->prefill_first = policy == "prefill-first";
    out->reserve_ratio_start =
        sc->OptNumber("reserve_ratio_start", Bound::kNonNegative).value_or(0);
    out->reserve_ratio_min =
        sc->OptNumber("reserve_ratio_min", Bound::kNonNegative).value_or(out->reserve_ratio_start);
    out->reserve_ratio_decay_steps =
        sc->OptInt("reserve_ratio_decay_steps", Bound::kPositive).value_or(1);
    if (out->reserve_ratio_start > 1 || out->reserve_ratio_min > out->reserve_ratio_start) {
      sc->Error("reserve_ratio_min", "the reservation ratios need 0 <= min <= start <= 1");
    }
    sc->CheckUnknownKeys();
  }
  if (auto st = root.Table("startup", false)) {
    out->restart_s = st->ReqNumber("restart_s", Bound::kPositive);
    st->CheckUnknownKeys();
  }
  if (auto r = root.Table("resolves", false)) {
    ReleaseRange range{.engine = r->ReqString("engine"),
                       .dated_before = r->ReqString("dated_before")};
    const std::string below = r->ReqString("versions_below");
    if (auto numbers = ParseVersion(below)) {
      range.versions_below = std::move(*numbers);
    } else {
      r->Error("versions_below", fmt::format("'{}' is not a version number", below));
    }
    static const std::regex kDay(R"(\d{4}-\d{2}-\d{2})");
    if (!std::regex_match(range.dated_before, kDay)) {
      r->Error("dated_before", fmt::format("'{}' is not a date YYYY-MM-DD", range.dated_before));
    }
    r->CheckUnknownKeys();
    out->resolves = std::move(range);
  }
  if (auto k = root.Table("kernels", false)) {
    out->compute_scale = k->OptNumber("compute_scale", Bound::kPositive).value_or(1);
    out->memory_scale = k->OptNumber("memory_scale", Bound::kPositive).value_or(1);
    out->op_tables = k->StringArray("op_tables", false);
    if (out->compute_scale > 4 || out->memory_scale > 4) {
      k->Error("", "a scale above 4 would beat the measured kernels fourfold: not plausible");
    }
    k->CheckUnknownKeys();
  }
}

void ReadPriceList(FieldReader& root, PriceList* out) {
  out->as_of = root.ReqString("as_of");
  CheckDate(root, "as_of", out->as_of);
  out->kind = root.ReqEnum("kind", {"cloud", "marketplace", "purchase", "market-summary"});
  if (auto spot = root.Table("spot", false)) {
    out->spot_interruptions_per_month =
        spot->ReqNumber("interruptions_per_month", Bound::kNonNegative);
    out->spot_notice_s = spot->OptNumber("notice_s", Bound::kNonNegative);
    spot->CheckUnknownKeys();
  }
  for (FieldReader& o : root.TableArray("offers", true)) {
    PriceOffer p;
    p.sku = o.ReqString("sku");
    p.accelerator = o.OptString("accelerator").value_or("");
    p.accelerator_name = o.OptString("accelerator_name").value_or("");
    p.accelerators = o.OptInt("accelerators", Bound::kPositive);
    p.pricing =
        o.ReqEnum("pricing",
                  {"on_demand", "spot", "reserved", "commit_1yr", "commit_3yr", "commit_1yr_or_3yr",
                   "capacity_block", "serverless_flex", "serverless_active", "on_demand_community",
                   "on_demand_historical", "purchase", "price_change", "relative"});
    p.usd_per_hour = o.OptNumber("usd_per_hour", Bound::kPositive);
    p.capex_usd = o.OptNumber("capex_usd", Bound::kPositive);
    p.discount_fraction = o.OptNumber("discount_fraction", Bound::kFraction);
    p.region = o.OptString("region").value_or("");
    p.as_of = o.ReqString("as_of");
    CheckDate(o, "as_of", p.as_of);
    p.source = o.ReqString("source");
    p.notes = o.OptString("notes").value_or("");
    if (p.usd_per_hour && p.pricing == "purchase") {
      o.Error("usd_per_hour", "a purchase offer has capex_usd, not an hourly price");
    }
    o.CheckUnknownKeys();
    out->offers.push_back(std::move(p));
  }
}

void ReadApiPriceList(FieldReader& root, ApiPriceList* out) {
  out->as_of = root.ReqString("as_of");
  CheckDate(root, "as_of", out->as_of);
  for (FieldReader& o : root.TableArray("offers", true)) {
    ApiOffer a;
    a.model_name = o.ReqString("model_name");
    a.model = o.OptString("model").value_or("");
    a.open_weights = o.ReqBool("open_weights");
    a.input_usd_per_mtok = o.ReqNumber("input_usd_per_mtok", Bound::kNonNegative);
    a.output_usd_per_mtok = o.ReqNumber("output_usd_per_mtok", Bound::kNonNegative);
    a.cached_input_usd_per_mtok = o.OptNumber("cached_input_usd_per_mtok", Bound::kNonNegative);
    a.as_of = o.ReqString("as_of");
    CheckDate(o, "as_of", a.as_of);
    a.source = o.ReqString("source");
    a.notes = o.OptString("notes").value_or("");
    o.CheckUnknownKeys();
    out->offers.push_back(std::move(a));
  }
}

void ReadEfficiency(FieldReader& root, Efficiency* out) {
  out->accelerator = root.ReqString("accelerator");
  out->framework = root.OptString("framework").value_or("");
  if (auto g = root.Table("gemm", true)) {
    for (const char* p : {"bf16", "fp8", "fp4", "int8"}) {
      const std::string max_key = std::string(p) + "_max_fraction";
      const std::string half_key = std::string(p) + "_half_tokens";
      auto max = g->OptNumber(max_key, Bound::kFraction);
      auto half = g->OptNumber(half_key, Bound::kNonNegative);
      if (max.has_value() != half.has_value()) {
        g->Error(max ? half_key : max_key, "needs its pair (max_fraction and half_tokens)");
      } else if (max) {
        out->gemm[p] = {.max_fraction = *max, .half_tokens = *half};
      }
    }
    if (!out->gemm.count("bf16")) g->Error("bf16_max_fraction", "required key is missing");
    out->gemm_memory_fraction = g->ReqNumber("memory_fraction", Bound::kFraction);
    out->gemm_kernel_latency_s = g->ReqNumber("kernel_latency_s", Bound::kNonNegative);
    g->CheckUnknownKeys();
  }
  if (auto a = root.Table("attention", true)) {
    out->attention_prefill_fraction = a->ReqNumber("prefill_fraction", Bound::kFraction);
    out->attention_prefill_half_work =
        a->OptNumber("prefill_half_work", Bound::kNonNegative).value_or(0);
    out->attention_decode_memory_fraction =
        a->ReqNumber("decode_memory_fraction", Bound::kFraction);
    out->attention_kernel_latency_s = a->ReqNumber("kernel_latency_s", Bound::kNonNegative);
    a->CheckUnknownKeys();
  }
  if (auto a = root.Table("allreduce", true)) {
    out->allreduce_bw_fraction = a->ReqNumber("bw_fraction", Bound::kFraction);
    out->allreduce_latency_s = a->ReqNumber("latency_s", Bound::kNonNegative);
    out->pcie_allreduce_bw_fraction =
        a->OptNumber("pcie_bw_fraction", Bound::kFraction).value_or(0);
    out->pcie_allreduce_latency_s = a->OptNumber("pcie_latency_s", Bound::kNonNegative).value_or(0);
    for (FieldReader& m : a->TableArray("measured", false)) {
      AllReduceCurve c;
      c.ranks = static_cast<int>(m.ReqInt("ranks", Bound::kPositive));
      c.bytes = m.NumberArray("bytes", Bound::kPositive);
      c.seconds = m.NumberArray("seconds", Bound::kPositive);
      if (c.bytes.size() != c.seconds.size()) {
        m.Error("seconds",
                fmt::format("has {} values for {} bytes", c.seconds.size(), c.bytes.size()));
      } else if (!std::is_sorted(c.bytes.begin(), c.bytes.end(), std::less_equal<>())) {
        m.Error("bytes", "must rise strictly");
      } else if (c.ranks < 2) {
        m.Error("ranks", "an all-reduce needs at least 2 ranks");
      } else if (out->AllReduceMeasured(c.ranks)) {
        m.Error("ranks", fmt::format("{} ranks measured twice", c.ranks));
      } else {
        out->allreduce_measured.push_back(std::move(c));
      }
      m.CheckUnknownKeys();
    }
    a->CheckUnknownKeys();
  }
  if (auto f = root.Table("fit", false)) {
    f->SkipAll();  // free-form fit statistics, kept as field records for `catalog show`
  }
}

void ReadAccuracy(FieldReader& root, Accuracy* out) {
  out->measurements = root.ReqString("measurements");
  for (FieldReader& b : root.TableArray("bands", true)) {
    AccuracyBand band;
    band.engine = b.ReqString("engine");
    band.row_class = b.ReqEnum("class", {"throughput", "latency"});
    band.rows = b.ReqInt("rows", Bound::kPositive);
    band.low_ratio = b.ReqNumber("low_ratio", Bound::kPositive);
    band.high_ratio = b.ReqNumber("high_ratio", Bound::kPositive);
    band.median_ape = b.ReqNumber("median_ape", Bound::kNonNegative);
    if (band.low_ratio > band.high_ratio) b.Error("low_ratio", "exceeds high_ratio");
    b.CheckUnknownKeys();
    out->bands.push_back(std::move(band));
  }
}

void ReadDatacenter(FieldReader& root, Datacenter* out) {
  out->is_default = root.OptBool("default", false);
  out->pue = root.ReqNumber("pue", Bound::kPositive);
  if (out->pue < 1)
    root.Error("pue",
               fmt::format("{:g} is below 1: a facility cannot use less power than its IT load",
                           out->pue));
  if (out->pue > 3)
    root.Error("pue",
               fmt::format("{:g} is not plausible (industry averages are 1.1-1.6)", out->pue));
  out->usd_per_kwh = root.OptNumber("usd_per_kwh", Bound::kNonNegative);
  out->usd_per_kw_month = root.OptNumber("usd_per_kw_month", Bound::kNonNegative);
  if (out->usd_per_kwh && *out->usd_per_kwh > 2) {
    root.Error("usd_per_kwh", fmt::format("{:g} is not plausible; is it in dollars, not cents?",
                                          *out->usd_per_kwh));
  }
}

void ReadOwnership(FieldReader& root, Ownership* out) {
  out->is_default = root.OptBool("default", false);
  out->amortization_years = root.ReqNumber("amortization_years", Bound::kPositive);
  // Rates per year: 0 is allowed (own cash, no support contract), above 1 is a slip.
  auto per_year = [&root](const char* key) {
    const double v = root.ReqNumber(key, Bound::kNonNegative);
    if (v > 1) root.Error(key, fmt::format("{:g} is a fraction per year: at most 1", v));
    return v;
  };
  out->cost_of_capital = per_year("cost_of_capital");
  out->maintenance_fraction_per_year = per_year("maintenance_fraction_per_year");
  out->server_capex_fraction = root.ReqNumber("server_capex_fraction", Bound::kNonNegative);
  out->server_power_factor = root.ReqNumber("server_power_factor", Bound::kPositive);
  if (out->amortization_years > 15) {
    root.Error("amortization_years", fmt::format("{:g} years is not plausible for accelerators",
                                                 out->amortization_years));
  }
  if (out->server_power_factor < 1) {
    root.Error("server_power_factor", "below 1: a server draws at least its accelerators' power");
  }
}

void ReadWorkload(FieldReader& root, Workload* out) {
  // A prompt or output this long is a slip (no model reads ten million tokens).
  constexpr double kMaxMeanTokens = 1e7;
  // A p99 limit beyond ten minutes is not a latency target (MLPerf's are 15 ms to 6 s).
  constexpr double kMaxLimitS = 600;
  out->suite = root.ReqEnum("suite", {"mlperf-inference", "serving-benchmark"});
  out->benchmark = root.ReqString("benchmark");
  out->model = root.OptString("model").value_or("");
  out->dataset = root.ReqString("dataset");
  out->samples = root.OptInt("samples", Bound::kPositive).value_or(0);
  out->tokenizer = root.OptString("tokenizer").value_or("");
  for (const auto& [key, field] : {std::pair{"input_mean_tokens", &out->input_mean_tokens},
                                   std::pair{"output_mean_tokens", &out->output_mean_tokens}}) {
    *field = root.OptNumber(key, Bound::kPositive);
    if (*field && **field > kMaxMeanTokens) {
      root.Error(key, fmt::format("{:g} tokens is not plausible as a mean length", **field));
    }
  }
  if (auto lengths = root.OptString("lengths")) {
    // Relative to the workload file's folder, so the catalog and data/traces/ move together.
    const std::filesystem::path path =
        (std::filesystem::path(root.file()).parent_path() / *lengths).lexically_normal();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      root.Error("lengths",
                 fmt::format("'{}' is not a file (looked for {})", *lengths, path.string()));
    }
    out->lengths_file = path.string();
  }
  if (!out->input_mean_tokens && !out->output_mean_tokens && out->lengths_file.empty()) {
    root.Error("input_mean_tokens",
               "missing: a workload needs input_mean_tokens, output_mean_tokens or lengths");
  }
  struct Scenario {
    const char* ttft_key;
    const char* tpot_key;
    std::optional<double>* ttft;
    std::optional<double>* tpot;
  };
  for (const Scenario& s : {Scenario{"server_ttft_p99_s", "server_tpot_p99_s",
                                     &out->server_ttft_p99_s, &out->server_tpot_p99_s},
                            Scenario{"interactive_ttft_p99_s", "interactive_tpot_p99_s",
                                     &out->interactive_ttft_p99_s, &out->interactive_tpot_p99_s}}) {
    *s.ttft = root.OptNumber(s.ttft_key, Bound::kPositive);
    *s.tpot = root.OptNumber(s.tpot_key, Bound::kPositive);
    if (s.ttft->has_value() != s.tpot->has_value()) {
      root.Error(s.ttft->has_value() ? s.tpot_key : s.ttft_key,
                 fmt::format("a scenario's limits come in pairs: give {} and {} together",
                             s.ttft_key, s.tpot_key));
    }
    for (const auto& [key, value] :
         {std::pair{s.ttft_key, *s.ttft}, std::pair{s.tpot_key, *s.tpot}}) {
      if (value && *value > kMaxLimitS) {
        root.Error(key, fmt::format("{:g} s is not plausible; is it in seconds, not ms?", *value));
      }
    }
  }
  for (FieldReader& r : root.TableArray("reference_precision", false)) {
    ReferencePrecision p{.engine = r.ReqString("engine"),
                         .accelerators = r.StringArray("accelerators", true),
                         .weights = r.ReqString("weights"),
                         .kv = r.ReqString("kv"),
                         .source = r.ReqString("source")};
    if (p.accelerators.empty()) r.Error("accelerators", "names no accelerator");
    r.CheckUnknownKeys();
    out->reference_precisions.push_back(std::move(p));
  }
}

}  // namespace pertoken::catalog
