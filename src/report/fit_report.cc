#include "report/fit_report.h"

#include <fmt/format.h>

#include <cmath>

#include "report/format.h"

namespace pertoken::report {

using catalog::AttentionType;
using catalog::MemoryPolicy;

namespace {

std::string AttentionText(const catalog::Model& m) {
  const auto& a = m.attention;
  switch (a.type) {
    case AttentionType::kMla:
      return fmt::format("MLA, {} heads, latent {} + RoPE {}", a.heads, a.kv_lora_rank,
                         a.qk_rope_head_dim);
    case AttentionType::kMha:
      return fmt::format("MHA, {} heads", a.heads);
    case AttentionType::kMqa:
      return fmt::format("MQA, {} query heads / 1 KV head", a.heads);
    case AttentionType::kGqa:
      break;
  }
  return fmt::format("GQA, {} query / {} KV heads", a.heads, a.kv_heads);
}

std::string BitsText(const catalog::QuantFormat& q) {
  return fmt::format("{} ({:.2f} bits/element)", q.id, q.BitsPerElement());
}

std::string PolicyText(const catalog::Engine& e) {
  switch (e.memory_policy) {
    case MemoryPolicy::kFractionOfTotal:
      if (!e.cuda_graphs_in_budget) {
        return fmt::format(
            "KV pool = {:g} × usable − weights − activations − runtime (CUDA graphs "
            "come out of the rest)",
            e.memory_fraction);
      }
      return fmt::format("KV pool = {:g} × usable − weights − activations − runtime − CUDA graphs",
                         e.memory_fraction);
    case MemoryPolicy::kStaticFractionOfTotal:
      return fmt::format(
          "KV pool = {:g} × usable − weights (static pool); the rest must hold "
          "activations, runtime and CUDA graphs",
          e.memory_fraction);
    case MemoryPolicy::kFractionOfFree:
      return fmt::format(
          "KV pool = {:g} × (usable − weights − activations − runtime − CUDA graphs)",
          e.memory_fraction);
    case MemoryPolicy::kAllRemaining:
      return "KV pool = usable − weights − activations − runtime";
  }
  return "";
}

// The KV-pool arithmetic of one accelerator, in GB, e.g. "0.90 × 150.75 − 137.96 − ... = −4.51 GB".
std::string PoolArithmetic(const catalog::Engine& e, const perf::StageMemory& s) {
  auto g = [](double b) { return fmt::format("{:.2f}", b / 1e9); };
  const std::string rest =
      fmt::format("{} − {} − {} − {}", g(s.weight_bytes), g(s.activation_bytes),
                  g(s.runtime_overhead_bytes), g(s.cuda_graph_bytes));
  switch (e.memory_policy) {
    case MemoryPolicy::kFractionOfTotal:
      if (!e.cuda_graphs_in_budget) {
        return fmt::format("{:g} × {} − {} − {} − {} = {} GB", e.memory_fraction, g(s.usable_bytes),
                           g(s.weight_bytes), g(s.activation_bytes), g(s.runtime_overhead_bytes),
                           g(s.kv_pool_bytes));
      }
      return fmt::format("{:g} × {} − {} = {} GB", e.memory_fraction, g(s.usable_bytes), rest,
                         g(s.kv_pool_bytes));
    case MemoryPolicy::kStaticFractionOfTotal:
      return fmt::format("{:g} × {} − {} = {} GB", e.memory_fraction, g(s.usable_bytes),
                         g(s.weight_bytes), g(s.kv_pool_bytes));
    case MemoryPolicy::kFractionOfFree:
      return fmt::format("{:g} × ({} − {}) = {} GB", e.memory_fraction, g(s.usable_bytes), rest,
                         g(s.kv_pool_bytes));
    case MemoryPolicy::kAllRemaining:
      return fmt::format("{} − {} = {} GB", g(s.usable_bytes), rest, g(s.kv_pool_bytes));
  }
  return "";
}

std::string LayoutText(const perf::Layout& l) {
  return fmt::format("TP={} PP={} EP={}", l.tp, l.pp, l.ep);
}

// Byte counts are whole numbers in JSON.
int64_t B(double bytes) { return static_cast<int64_t>(std::llround(bytes)); }

nlohmann::json LayoutJson(const perf::Layout& l) {
  return {{"tp", l.tp}, {"pp", l.pp}, {"ep", l.ep}, {"count", l.count()}};
}

nlohmann::json StageJson(const perf::StageMemory& s) {
  return {{"first_layer", s.first_layer},
          {"layers", s.layers},
          {"usable_bytes", B(s.usable_bytes)},
          {"reserved_bytes", B(s.reserved_bytes)},
          {"weight_bytes", B(s.weight_bytes)},
          {"activation_bytes", B(s.activation_bytes)},
          {"runtime_overhead_bytes", B(s.runtime_overhead_bytes)},
          {"cuda_graph_bytes", B(s.cuda_graph_bytes)},
          {"kv_pool_bytes", B(s.kv_pool_bytes)},
          {"kv_bytes_per_token", s.kv_bytes_per_token},
          {"kv_bytes_per_sequence", B(s.kv_bytes_per_sequence)},
          {"kv_bytes_per_sequence_paged", B(s.kv_bytes_per_sequence_paged)},
          {"kv_bytes_per_sequence_contiguous", B(s.kv_bytes_per_sequence_contiguous)}};
}

nlohmann::json LayoutSummaryJson(const perf::FitResult& f) {
  nlohmann::json j = LayoutJson(f.layout);
  j["fits"] = f.fits;
  j["weight_bytes_per_accelerator"] = B(f.stages[f.binding_stage].weight_bytes);
  j["kv_pool_bytes_per_accelerator"] = B(f.stages[f.binding_stage].kv_pool_bytes);
  j["max_concurrent_sequences"] = f.max_concurrent_sequences;
  if (!f.fits) j["reason"] = f.reason;
  return j;
}

void AppendLayoutTable(const std::vector<perf::FitResult>& fits, std::string* out) {
  *out += fmt::format("  {:>3} {:>3} {:>3}  {:<5} {:>14} {:>14} {:>10}\n", "TP", "PP", "EP", "fits",
                      "weights/acc", "KV pool/acc", "sequences");
  for (const auto& f : fits) {
    const auto& s = f.stages[f.binding_stage];
    *out += fmt::format("  {:>3} {:>3} {:>3}  {:<5} {:>14} {:>14} {:>10}\n", f.layout.tp,
                        f.layout.pp, f.layout.ep, f.fits ? "yes" : "no", FormatGb(s.weight_bytes),
                        s.kv_pool_bytes > 0 ? FormatGb(s.kv_pool_bytes) : "none",
                        FormatCount(f.max_concurrent_sequences));
  }
}

}  // namespace

std::string KvFormula(const catalog::Model& m, const catalog::QuantFormat& kv) {
  const auto& a = m.attention;
  const std::string elem = fmt::format("{:g} B", kv.BitsPerElement() / 8);
  if (a.type == AttentionType::kMla) {
    return fmt::format("{} layers × ({} latent + {} RoPE) × {}", m.layers, a.kv_lora_rank,
                       a.qk_rope_head_dim, elem);
  }
  const int64_t full = perf::FullAttentionLayerCount(m);
  const std::string layers = full == m.layers
                                 ? fmt::format("{} layers", m.layers)
                                 : fmt::format("{} full-attention layers (of {})", full, m.layers);
  return fmt::format("{} × 2 (K and V) × {} KV heads × {} dims × {}", layers, a.kv_heads,
                     a.head_dim, elem);
}

std::string FitText(const FitReport& r) {
  const auto& m = *r.model;
  const auto& acc = *r.accelerator;
  const auto& e = *r.engine;
  const auto& f = r.chosen;
  const auto& s = f.stages[f.binding_stage];
  const int count = f.layout.count();
  std::string out;
  out += fmt::format("{} on {} × {}, {} {}\n\n", m.id, count, acc.id, e.name, e.version);
  out += fmt::format("  model        {}: {} parameters", m.name, FormatCount(r.params.total));
  if (m.moe) out += fmt::format(" ({} active per token)", FormatCount(r.params.active));
  out += fmt::format(", {} layers, {}\n", m.layers, AttentionText(m));
  out += fmt::format("  precision    weights {}", BitsText(*r.precision.weights));
  if (r.precision.expert_weights != r.precision.weights) {
    out += fmt::format(", experts {}", BitsText(*r.precision.expert_weights));
  }
  out += fmt::format("; KV {}\n", BitsText(*r.precision.kv));
  out += fmt::format("  accelerator  {}: {} usable ({})", acc.name, FormatGb(s.usable_bytes),
                     FormatGib(s.usable_bytes));
  if (!acc.memory_label.empty()) out += fmt::format(", sold as {}", acc.memory_label);
  out += "\n";
  out += fmt::format("  layout       {} × {}, {}\n", count, acc.id, LayoutText(f.layout));
  out += fmt::format("  context      {} tokens per sequence; maximum context {} tokens\n\n",
                     FormatCount(r.context_tokens), FormatCount(r.max_context_tokens));

  out += fmt::format("Weights      {} in all, {} on each accelerator of stage {}\n",
                     FormatGb(f.weight_bytes), FormatGb(s.weight_bytes), f.binding_stage);
  if (m.moe) {
    out += fmt::format("             {} read per token ({} of {} experts per layer)\n",
                       FormatGb(f.active_weight_bytes), m.moe->experts_per_token, m.moe->experts);
  }
  out += fmt::format("KV cache     {} B per token = {}\n",
                     FormatCount(static_cast<int64_t>(f.kv_bytes_per_token)),
                     KvFormula(m, *r.precision.kv));
  out += fmt::format(
      "             {} B per token on each accelerator; {} per sequence of {} tokens\n\n",
      FormatCount(static_cast<int64_t>(s.kv_bytes_per_token)), FormatGb(s.kv_bytes_per_sequence),
      FormatCount(r.context_tokens));
  if (m.linear_attention && f.state_bytes_per_sequence > 0) {
    out.insert(out.size() - 1,
               fmt::format("             of which {} is linear-attention state per sequence ({} "
                           "layers, whatever the context; {} in all)\n",
                           FormatGb(s.state_bytes_per_sequence), m.linear_attention->layers,
                           FormatGb(f.state_bytes_per_sequence)));
  }

  out += fmt::format("Memory of one accelerator (stage {} of {}, {} layers):\n",
                     f.binding_stage + 1, f.layout.pp, s.layers);
  auto row = [&out](const std::string& label, double bytes, const std::string& note) {
    std::string line = fmt::format("  {:<26} {:>12}  {}", label, FormatGb(bytes), note);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  row("usable", s.usable_bytes, "");
  if (e.memory_policy != MemoryPolicy::kAllRemaining) {
    row("left unused by the engine", s.reserved_bytes,
        fmt::format("memory fraction {:g}", e.memory_fraction));
  }
  row("weights", s.weight_bytes, "");
  row("activations (estimate)", s.activation_bytes,
      fmt::format("{} batched tokens", FormatCount(e.MaxBatchedTokens(acc))));
  row("runtime overhead", s.runtime_overhead_bytes, "CUDA context, allocator, communication");
  row("CUDA graphs", s.cuda_graph_bytes, "");
  row("KV pool", s.kv_pool_bytes, "");
  out += fmt::format("  {}\n    = {}\n\n", PolicyText(e), PoolArithmetic(e, s));

  if (f.fits) {
    out += fmt::format("Concurrency at {} tokens per sequence:\n", FormatCount(r.context_tokens));
    out += fmt::format("  KV pool holds {} tokens\n", FormatCount(f.kv_tokens));
    const double pool = s.kv_pool_bytes;
    out += fmt::format(
        "  paged, {}-token blocks     {:>8} sequences, {} ({:.1f}% of the pool) lost to partly "
        "filled blocks\n",
        e.block_tokens, FormatCount(f.max_sequences_paged), FormatGb(f.paged_waste_bytes),
        100 * f.paged_waste_bytes / pool);
    out += fmt::format(
        "  contiguous, {}-token slots {:>8} sequences, {} ({:.1f}% of the pool) reserved but "
        "unused\n",
        FormatCount(r.max_context_tokens), FormatCount(f.max_sequences_contiguous),
        FormatGb(f.contiguous_waste_bytes), 100 * f.contiguous_waste_bytes / pool);
    out += fmt::format(
        "\nFits: yes. {} concurrent sequences of {} tokens ({} allocation); the engine "
        "batches at most {} at a time by default.\n",
        FormatCount(f.max_concurrent_sequences), FormatCount(r.context_tokens),
        e.kv_allocation == catalog::KvAllocation::kPaged ? "paged" : "contiguous",
        FormatCount(e.MaxNumSeqs(acc)));
  } else {
    out += fmt::format("Fits: no: {}.\n", f.reason);
  }
  for (const auto& w : f.warnings) out += fmt::format("Warning: {}.\n", w);

  if (r.search.min_accelerators > 0) {
    out += fmt::format("\nSmallest fit: {} × {}", r.search.min_accelerators, acc.id);
    out += fmt::format(" ({})\n", LayoutText(r.search.layouts.front().layout));
    if (r.search.min_accelerators != count) {
      out += fmt::format("Layouts with {} × {}:\n", r.search.min_accelerators, acc.id);
      AppendLayoutTable(r.search.layouts, &out);
    }
  } else {
    out += fmt::format("\nNo layout of up to 1,024 × {} fits.\n", acc.id);
  }
  if (!r.layouts_at_count.empty()) {
    out += fmt::format("Layouts with {} × {}:\n", count, acc.id);
    AppendLayoutTable(r.layouts_at_count, &out);
  }
  return out;
}

nlohmann::json DeploymentJson(const catalog::Model& model, const catalog::Accelerator& accelerator,
                              const catalog::Engine& engine, const perf::Precision& precision,
                              const perf::Layout& layout) {
  return {{"model", model.id},
          {"accelerator", accelerator.id},
          {"engine", engine.id},
          {"engine_version", engine.version},
          {"weights_format", precision.weights->id},
          {"expert_weights_format", precision.expert_weights->id},
          {"kv_format", precision.kv->id},
          {"count", layout.count()},
          {"layout", LayoutJson(layout)}};
}

nlohmann::json FitJson(const FitReport& r) {
  const auto& f = r.chosen;
  const auto& s = f.stages[f.binding_stage];
  nlohmann::json j = DeploymentJson(*r.model, *r.accelerator, *r.engine, r.precision, f.layout);
  j["context_tokens"] = r.context_tokens;
  j["max_context_tokens"] = r.max_context_tokens;
  j["params_total"] = r.params.total;
  j["params_active"] = r.params.active;
  j["weight_bytes"] = B(f.weight_bytes);
  j["weight_bytes_per_accelerator"] = B(s.weight_bytes);
  j["active_weight_bytes"] = B(f.active_weight_bytes);
  j["kv_bytes_per_token"] = f.kv_bytes_per_token;
  j["kv_bytes_per_token_per_accelerator"] = s.kv_bytes_per_token;
  j["kv_bytes_per_sequence"] = B(s.kv_bytes_per_sequence);
  j["fits"] = f.fits;
  if (!f.fits) j["reason"] = f.reason;
  j["warnings"] = f.warnings;
  j["min_accelerators"] = r.search.min_accelerators;
  j["min_layouts"] = nlohmann::json::array();
  for (const auto& l : r.search.layouts) j["min_layouts"].push_back(LayoutSummaryJson(l));
  j["max_concurrent_sequences"] = f.max_concurrent_sequences;
  j["max_sequences_paged"] = f.max_sequences_paged;
  j["max_sequences_contiguous"] = f.max_sequences_contiguous;
  j["engine_max_num_seqs"] = r.engine->MaxNumSeqs(*r.accelerator);
  j["kv_tokens"] = f.kv_tokens;
  j["kv_block_tokens"] = r.engine->block_tokens;
  j["paged_waste_bytes"] = B(f.paged_waste_bytes);
  j["contiguous_waste_bytes"] = B(f.contiguous_waste_bytes);
  j["binding_stage"] = f.binding_stage;
  j["memory_per_accelerator"] = StageJson(s);
  j["stages"] = nlohmann::json::array();
  for (const auto& st : f.stages) j["stages"].push_back(StageJson(st));
  j["layouts"] = nlohmann::json::array();
  for (const auto& l : r.layouts_at_count) j["layouts"].push_back(LayoutSummaryJson(l));
  return j;
}

}  // namespace pertoken::report
