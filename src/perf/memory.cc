#include "perf/memory.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "perf/params.h"

namespace pertoken::perf {

using catalog::AttentionType;

namespace {

constexpr double kVectorBytes = 2.0;  // biases, norms and routers stay at 16 bits

double Bytes(double params, const catalog::QuantFormat& format) {
  return params * format.BitsPerElement() / 8.0;
}

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// KV heads each accelerator holds: heads split over TP, replicated when TP exceeds them.
int64_t KvHeadsPerDevice(const catalog::Model& m, int tp) {
  return CeilDiv(m.attention.kv_heads, tp);
}

// Whether decoder layer `i` uses the sliding (or chunked) window: the window layers spread evenly
// over the full-attention layers (e.g. alternating).
bool IsWindowLayer(const catalog::Model& m, int i) {
  const int64_t n = m.attention.sliding_window_layers;
  if (m.attention.sliding_window_tokens <= 0 || n <= 0) return false;
  if (IsLinearAttentionLayer(m, i)) return false;
  const int64_t full = FullAttentionLayerCount(m);
  const int64_t j = static_cast<int64_t>(i) * full / m.layers;  // full-attention layers before i
  return (j + 1) * n / full > j * n / full;
}

// Weight bytes of one full-attention block on one accelerator of a TP group.
double AttentionWeightBytes(const catalog::Model& m, const Precision& p, int tp) {
  const auto& a = m.attention;
  const int64_t h = m.hidden_size;
  double bytes = 0;
  if (a.type == AttentionType::kMla) {
    // The down-projections to the latents are replicated on every TP rank; the up-projections
    // and the output projection are split by heads.
    const int64_t qk = a.qk_nope_head_dim + a.qk_rope_head_dim;
    double replicated = static_cast<double>(h) * (a.kv_lora_rank + a.qk_rope_head_dim);
    double split =
        static_cast<double>(a.kv_lora_rank) * a.heads * (a.qk_nope_head_dim + a.v_head_dim) +
        static_cast<double>(a.heads) * a.v_head_dim * h;
    if (a.q_lora_rank > 0) {
      replicated += static_cast<double>(h) * a.q_lora_rank;
      split += static_cast<double>(a.q_lora_rank) * a.heads * qk;
    } else {
      split += static_cast<double>(h) * a.heads * qk;
    }
    bytes += Bytes(replicated + split / tp, *p.weights);
  } else {
    const double q = static_cast<double>(a.heads) * a.head_dim;
    const double kv = static_cast<double>(KvHeadsPerDevice(m, tp)) * a.head_dim;
    // q_proj (twice as wide with an output gate) and o_proj split by heads; k and v by KV heads.
    bytes += Bytes((a.output_gate ? 3.0 : 2.0) * h * q / tp + 2.0 * h * kv, *p.weights);
  }
  bytes += kVectorBytes * AttentionParams(m).vector / tp;
  return bytes;
}

// Weight bytes of one decoder layer on one accelerator of a TP group: with linear or full
// attention, a MoE or a dense MLP.
double LayerWeightBytes(const catalog::Model& m, const Precision& p, bool linear, bool moe,
                        int tp) {
  const int64_t h = m.hidden_size;
  double bytes = 0;
  if (linear) {
    // Projections, convolution and decay parameters split by heads over TP, like attention (the
    // few weights of its norm, replicated in fact, are split too).
    const BlockParams la = LinearAttentionParams(m);
    bytes += Bytes(static_cast<double>(la.matrix) / tp, *p.weights) + kVectorBytes * la.vector / tp;
  } else {
    bytes += AttentionWeightBytes(m, p, tp);
  }
  bytes += kVectorBytes * m.norms_per_layer * h * (m.norm == catalog::NormType::kLayerNorm ? 2 : 1);
  if (m.encoder) {
    bytes += Bytes(static_cast<double>(AttentionParams(m).matrix) / tp, *p.weights);  // cross-attn
  }

  if (moe) {
    const auto& e = *m.moe;
    const BlockParams expert = MlpParams(m, e.expert_intermediate_size, e.expert_bias);
    bytes += Bytes(static_cast<double>(e.experts) * expert.matrix / tp, *p.expert_weights);
    bytes += Bytes(static_cast<double>(e.shared_experts) * expert.matrix / tp, *p.weights);
    bytes += kVectorBytes * (e.experts + e.shared_experts) * expert.vector / tp;
    bytes += kVectorBytes * (h * e.experts + (e.router_bias ? e.experts : 0) +
                             (e.router_score_correction_bias ? e.experts : 0));
  } else {
    const BlockParams mlp = MlpParams(m, m.mlp.intermediate_size, m.mlp.bias);
    bytes +=
        Bytes(static_cast<double>(mlp.matrix) / tp, *p.weights) + kVectorBytes * mlp.vector / tp;
  }
  return bytes;
}

// KV bytes one token occupies in a full-attention layer on one accelerator.
double LayerKvBytesPerToken(const catalog::Model& m, const catalog::QuantFormat& kv, int tp) {
  const auto& a = m.attention;
  if (a.type == AttentionType::kMla) {
    // The compressed latent and the shared RoPE key; every TP rank keeps the whole latent.
    return Bytes(static_cast<double>(a.kv_lora_rank + a.qk_rope_head_dim), kv);
  }
  return Bytes(2.0 * KvHeadsPerDevice(m, tp) * a.head_dim, kv);
}

// Tokens of a `context`-token sequence that layer `i` keeps, optionally rounded up to blocks.
double LayerTokens(const catalog::Model& m, int i, int64_t context, int64_t block) {
  int64_t tokens = context;
  if (IsWindowLayer(m, i)) tokens = std::min(tokens, m.attention.sliding_window_tokens);
  if (block > 1) tokens = CeilDiv(tokens, block) * block;
  return static_cast<double>(tokens);
}

// Activation workspace of one forward pass over `tokens` tokens on one accelerator: the residual
// stream and its normalised copy, plus the widest intermediate (QKV or the MLP's gate and up).
double ActivationBytes(const catalog::Model& m, const catalog::Engine& e,
                       const catalog::Accelerator& acc, int tp, bool last_stage) {
  const auto& a = m.attention;
  const double tokens = static_cast<double>(e.MaxBatchedTokens(acc));
  const double attn_width = a.type == AttentionType::kMla
                                ? static_cast<double>(a.heads) *
                                          (a.qk_nope_head_dim + a.qk_rope_head_dim + a.v_head_dim) /
                                          tp +
                                      a.kv_lora_rank + a.qk_rope_head_dim
                                : (static_cast<double>(a.heads) / tp * (a.output_gate ? 2.0 : 1.0) +
                                   2.0 * KvHeadsPerDevice(m, tp)) *
                                      a.head_dim;
  const double gate_up = m.mlp.type == catalog::MlpType::kGated ? 2.0 : 1.0;
  double mlp_width = gate_up * m.mlp.intermediate_size / tp;
  if (m.moe) {
    const auto& x = *m.moe;
    const double moe_width =
        gate_up * x.expert_intermediate_size * (x.experts_per_token + x.shared_experts) / tp;
    mlp_width = MoeLayerCount(m) < m.layers ? std::max(mlp_width, moe_width) : moe_width;
  }
  double widest = std::max(attn_width, mlp_width);
  if (m.linear_attention) {
    // The input projections of a linear-attention layer: q, k, v, the output gate, and b, a.
    const auto& la = *m.linear_attention;
    const double value = static_cast<double>(la.value_heads) * la.value_head_dim;
    const double width = 2.0 * la.key_heads * la.key_head_dim + value +
                         (la.output_gate ? value : 0) +
                         (la.conv_kernel > 0 ? 2.0 * la.value_heads : 0);
    widest = std::max(widest, width / tp);
  }
  double bytes = tokens * (2.0 * m.hidden_size + widest) * e.activation_dtype_bytes;
  if (last_stage) {
    // The sampler holds one row of logits per running sequence.
    const double rows = std::min<double>(e.MaxNumSeqs(acc), tokens);
    bytes += rows * static_cast<double>(m.vocab_size) / tp * e.logits_dtype_bytes;
  }
  return bytes;
}

// Weights one accelerator of a TP group holds for decoder layers [first, first + count) and, on
// the first and last of `pp` pipeline stages, the embedding, encoder, LM head and final norm.
// Decoder layers differ only in their attention (full or linear) and MLP (dense or MoE), so each
// of the four kinds is costed once. The multi-token prediction layers (ParamCount::mtp) are left
// out: engines load them only when they speculate with them.
double StageWeightBytes(const catalog::Model& m, const Precision& p, const ParamCount& params,
                        int tp, int pp, int first, int count, bool first_stage, bool last_stage) {
  int64_t kinds[2][2] = {{0, 0}, {0, 0}};  // [linear][moe]
  const int end = first + count;
  if (!m.linear_attention) {  // counted, not walked: the fit runs this for every layout tried
    kinds[0][1] = MoeLayersBefore(m, end) - MoeLayersBefore(m, first);
    kinds[0][0] = count - kinds[0][1];
  } else if (!m.moe) {
    kinds[0][0] = FullAttentionLayersBefore(m, end) - FullAttentionLayersBefore(m, first);
    kinds[1][0] = count - kinds[0][0];
  } else {
    for (int i = first; i < end; ++i) {
      ++kinds[IsLinearAttentionLayer(m, i) ? 1 : 0][IsMoeLayer(m, i) ? 1 : 0];
    }
  }
  double bytes = 0;
  for (int linear = 0; linear < 2; ++linear) {
    for (int moe = 0; moe < 2; ++moe) {
      if (kinds[linear][moe] > 0) {
        bytes += static_cast<double>(kinds[linear][moe]) *
                 LayerWeightBytes(m, p, linear == 1, moe == 1, tp);
      }
    }
  }
  const double embed_bytes_per_param =
      p.weights->quantizes_embeddings ? p.weights->BitsPerElement() / 8.0 : kVectorBytes;
  if (first_stage) {
    bytes += static_cast<double>(params.embedding) / tp * embed_bytes_per_param;
    bytes += (Bytes(static_cast<double>(params.encoder_matrix), *p.weights) +
              kVectorBytes * params.encoder_vector) /
             tp;
  }
  if (last_stage) {
    // A tied LM head is the embedding; a later pipeline stage still needs its own copy.
    const double head = m.tied_embeddings ? (pp > 1 ? m.vocab_size * m.hidden_size : 0)
                                          : static_cast<double>(params.lm_head);
    bytes += head / tp * embed_bytes_per_param;
    bytes += kVectorBytes * m.hidden_size;  // final norm
  }
  return bytes;
}

void SizeKvPool(const catalog::Engine& e, StageMemory* s) {
  const double m = s->usable_bytes;
  const double others = s->activation_bytes + s->runtime_overhead_bytes + s->cuda_graph_bytes;
  switch (e.memory_policy) {
    case catalog::MemoryPolicy::kFractionOfTotal:
      if (e.cuda_graphs_in_budget) {
        s->reserved_bytes = (1 - e.memory_fraction) * m;
        s->kv_pool_bytes = e.memory_fraction * m - s->weight_bytes - others;
      } else {
        // The graphs are captured after the pool is sized, in the memory the fraction leaves.
        s->reserved_bytes = (1 - e.memory_fraction) * m - s->cuda_graph_bytes;
        s->kv_pool_bytes = e.memory_fraction * m - s->weight_bytes - others + s->cuda_graph_bytes;
      }
      break;
    case catalog::MemoryPolicy::kStaticFractionOfTotal:
      s->reserved_bytes = (1 - e.memory_fraction) * m - others;
      s->kv_pool_bytes = e.memory_fraction * m - s->weight_bytes;
      break;
    case catalog::MemoryPolicy::kFractionOfFree: {
      const double free = m - s->weight_bytes - others;
      s->reserved_bytes = free > 0 ? (1 - e.memory_fraction) * free : 0;
      s->kv_pool_bytes = free > 0 ? e.memory_fraction * free : free;
      break;
    }
    case catalog::MemoryPolicy::kAllRemaining:
      s->reserved_bytes = 0;
      s->kv_pool_bytes = m - s->weight_bytes - others;
      break;
  }
}

// Tokens the KV pool holds in every full-attention layer once the linear-attention states of the
// sequences that run at once are set aside: on the binding stage, or where it has no
// full-attention layer, on the stage with the least room.
int64_t KvTokens(const FitResult& f, int64_t max_num_seqs) {
  const double states = static_cast<double>(std::min(f.max_concurrent_sequences, max_num_seqs));
  auto tokens = [&](const StageMemory& s) {
    const double room = s.kv_pool_bytes - states * s.state_bytes_per_sequence;
    return room > 0 ? static_cast<int64_t>(room / s.kv_bytes_per_token) : 0;
  };
  const StageMemory& b = f.stages[f.binding_stage];
  if (b.kv_bytes_per_token > 0) return tokens(b);
  int64_t best = -1;
  for (const StageMemory& s : f.stages) {
    if (s.kv_bytes_per_token <= 0) continue;
    const int64_t n = tokens(s);
    if (best < 0 || n < best) best = n;
  }
  return std::max<int64_t>(best, 0);
}

std::string Gb(double bytes) { return fmt::format("{:.2f} GB", bytes / 1e9); }

}  // namespace

double LinearAttentionStateBytes(const catalog::Model& m, int tp, double activation_bytes) {
  if (!m.linear_attention) return 0;
  const auto& la = *m.linear_attention;
  const double key_heads = static_cast<double>(CeilDiv(la.key_heads, tp));
  const double value_heads = static_cast<double>(CeilDiv(la.value_heads, tp));
  const double recurrent = value_heads * la.key_head_dim * la.value_head_dim * la.state_bits / 8;
  const double conv =
      la.conv_kernel > 0
          ? (la.conv_kernel - 1.0) *
                (2.0 * key_heads * la.key_head_dim + value_heads * la.value_head_dim) *
                activation_bytes
          : 0;
  return recurrent + conv;
}

int64_t EngineMaxContext(const catalog::Engine& engine, const catalog::Model& model) {
  return engine.max_model_len > 0 ? std::min(engine.max_model_len, model.max_context_tokens)
                                  : model.max_context_tokens;
}

int MaxTensorParallel(const catalog::Accelerator& acc) {
  // A PCIe-only card still runs tensor parallelism across the (up to 8) cards of one server.
  return acc.scaleup_domain_size > 1 ? acc.scaleup_domain_size : 8;
}

Status CheckLayout(const catalog::Model& m, const catalog::Accelerator& acc, const Layout& l) {
  if (l.tp < 1 || l.pp < 1 || l.ep < 1) {
    return Status::InvalidArgument("TP, PP and EP must each be at least 1");
  }
  const auto& a = m.attention;
  if (a.heads % l.tp != 0) {
    return Status::InvalidArgument(
        fmt::format("TP={} does not divide the {} attention heads of {}", l.tp, a.heads, m.id));
  }
  if (a.type != AttentionType::kMla && a.kv_heads % l.tp != 0 && l.tp % a.kv_heads != 0) {
    return Status::InvalidArgument(
        fmt::format("TP={} neither divides nor is a multiple of the {} KV heads of {}", l.tp,
                    a.kv_heads, m.id));
  }
  if (l.tp > MaxTensorParallel(acc)) {
    return Status::InvalidArgument(
        fmt::format("TP={} exceeds the {} {} can join in one {}", l.tp, MaxTensorParallel(acc),
                    acc.id, acc.scaleup_domain_size > 1 ? "scale-up domain" : "server"));
  }
  if (m.linear_attention) {
    const auto& la = *m.linear_attention;
    if (la.key_heads % l.tp != 0 || la.value_heads % l.tp != 0) {
      return Status::InvalidArgument(
          fmt::format("TP={} does not divide the {} key and {} value heads of the linear attention "
                      "of {}",
                      l.tp, la.key_heads, la.value_heads, m.id));
    }
  }
  if (l.pp > m.layers) {
    return Status::InvalidArgument(
        fmt::format("PP={} exceeds the {} layers of {}", l.pp, m.layers, m.id));
  }
  if (l.ep > 1) {
    if (!m.moe) {
      return Status::InvalidArgument(
          fmt::format("EP={} needs a mixture-of-experts model; {} is dense", l.ep, m.id));
    }
    if (m.moe->experts % l.ep != 0) {
      return Status::InvalidArgument(
          fmt::format("EP={} does not divide the {} experts of {}", l.ep, m.moe->experts, m.id));
    }
    if (l.tp % l.ep != 0) {
      return Status::InvalidArgument(fmt::format(
          "EP={} must divide TP={}: experts are split within each stage's TP group", l.ep, l.tp));
    }
  }
  return Status();
}

FitResult Fit(const FitRequest& r) {
  const catalog::Model& m = *r.model;
  const catalog::Engine& e = *r.engine;
  const Precision& p = r.precision;
  const int tp = r.layout.tp;
  const int pp = r.layout.pp;
  FitResult out;
  out.layout = r.layout;

  const ParamCount params = CountParams(m);
  const double block = e.block_tokens;

  // Split the layers over the stages, earlier stages taking the remainder.
  int first = 0;
  for (int s = 0; s < pp; ++s) {
    StageMemory st;
    st.first_layer = first;
    st.layers = static_cast<int>(m.layers / pp + (s < m.layers % pp ? 1 : 0));
    first += st.layers;
    st.usable_bytes = static_cast<double>(*r.accelerator->memory_bytes);
    const bool first_stage = s == 0;
    const bool last_stage = s == pp - 1;
    st.weight_bytes =
        StageWeightBytes(m, p, params, tp, pp, st.first_layer, st.layers, first_stage, last_stage);
    const double per_token = LayerKvBytesPerToken(m, *p.kv, tp);  // the same in every layer
    const double state =
        LinearAttentionStateBytes(m, tp, static_cast<double>(e.activation_dtype_bytes));
    for (int i = st.first_layer; i < st.first_layer + st.layers; ++i) {
      if (IsLinearAttentionLayer(m, i)) {
        st.state_bytes_per_sequence += state;
        continue;
      }
      st.kv_bytes_per_token += per_token;
      st.kv_bytes_per_sequence += per_token * LayerTokens(m, i, r.context_tokens, 1);
      st.kv_bytes_per_sequence_paged +=
          per_token * LayerTokens(m, i, r.context_tokens, e.block_tokens);
      st.kv_bytes_per_sequence_contiguous += per_token * LayerTokens(m, i, r.max_context_tokens, 1);
      if (m.encoder) {
        // Cross-attention keys and values of the encoder output, fixed per sequence.
        const double cross = per_token * static_cast<double>(m.encoder->input_positions);
        st.kv_bytes_per_sequence += cross;
        st.kv_bytes_per_sequence_paged +=
            per_token * std::ceil(m.encoder->input_positions / block) * block;
        st.kv_bytes_per_sequence_contiguous += cross;
      }
    }
    if (st.state_bytes_per_sequence > 0) {
      st.kv_bytes_per_sequence += st.state_bytes_per_sequence;
      st.kv_bytes_per_sequence_paged += st.state_bytes_per_sequence;
      st.kv_bytes_per_sequence_contiguous += st.state_bytes_per_sequence;
    }
    st.activation_bytes = ActivationBytes(m, e, *r.accelerator, tp, last_stage);
    st.runtime_overhead_bytes = static_cast<double>(e.runtime_overhead_bytes);
    st.cuda_graph_bytes = static_cast<double>(e.cuda_graph_bytes);
    SizeKvPool(e, &st);
    out.stages.push_back(st);
  }

  // Whole-model figures: one copy of every weight, as if on a single accelerator.
  out.weight_bytes =
      StageWeightBytes(m, p, params, 1, 1, 0, static_cast<int>(m.layers), true, true);
  out.active_weight_bytes = out.weight_bytes;
  if (m.moe) {
    const auto& x = *m.moe;
    const BlockParams expert = MlpParams(m, x.expert_intermediate_size, x.expert_bias);
    const double idle = static_cast<double>(MoeLayerCount(m)) * (x.experts - x.experts_per_token);
    out.active_weight_bytes -=
        idle * (Bytes(static_cast<double>(expert.matrix), *p.expert_weights) +
                kVectorBytes * expert.vector);
  }
  out.kv_bytes_per_token =
      static_cast<double>(FullAttentionLayerCount(m)) * LayerKvBytesPerToken(m, *p.kv, 1);
  out.state_bytes_per_sequence =
      static_cast<double>(m.layers - FullAttentionLayerCount(m)) *
      LinearAttentionStateBytes(m, 1, static_cast<double>(e.activation_dtype_bytes));

  // The binding stage holds the fewest sequences (or overflows most).
  const bool contiguous = e.kv_allocation == catalog::KvAllocation::kContiguous;
  int64_t best = -1;
  for (size_t s = 0; s < out.stages.size(); ++s) {
    const StageMemory& st = out.stages[s];
    const double per_seq =
        contiguous ? st.kv_bytes_per_sequence_contiguous : st.kv_bytes_per_sequence_paged;
    const int64_t n = st.kv_pool_bytes > 0 ? static_cast<int64_t>(st.kv_pool_bytes / per_seq) : -1;
    if (best < 0 || n < best) {
      best = n;
      out.binding_stage = static_cast<int>(s);
    }
  }
  const StageMemory& b = out.stages[out.binding_stage];
  if (b.kv_pool_bytes > 0) {
    out.max_sequences_paged = static_cast<int64_t>(b.kv_pool_bytes / b.kv_bytes_per_sequence_paged);
    out.max_sequences_contiguous =
        static_cast<int64_t>(b.kv_pool_bytes / b.kv_bytes_per_sequence_contiguous);
    out.paged_waste_bytes =
        out.max_sequences_paged * (b.kv_bytes_per_sequence_paged - b.kv_bytes_per_sequence);
    out.contiguous_waste_bytes = out.max_sequences_contiguous *
                                 (b.kv_bytes_per_sequence_contiguous - b.kv_bytes_per_sequence);
  }
  out.max_concurrent_sequences =
      contiguous ? out.max_sequences_contiguous : out.max_sequences_paged;
  if (b.kv_pool_bytes > 0) out.kv_tokens = KvTokens(out, e.MaxNumSeqs(*r.accelerator));
  out.fits = out.max_concurrent_sequences >= 1;

  if (!out.fits) {
    const double budget = b.kv_pool_bytes + b.weight_bytes;
    if (b.kv_pool_bytes <= 0) {
      out.reason = fmt::format(
          "the weights ({} per accelerator) and workspace leave no room for the KV cache in the "
          "{} the engine lets them use on stage {}",
          Gb(b.weight_bytes), Gb(budget), out.binding_stage);
    } else {
      out.reason = fmt::format(
          "the {} KV pool per accelerator is smaller than one sequence of {} tokens ({})",
          Gb(b.kv_pool_bytes), contiguous ? r.max_context_tokens : r.context_tokens,
          Gb(contiguous ? b.kv_bytes_per_sequence_contiguous : b.kv_bytes_per_sequence_paged));
    }
    if (e.memory_policy == catalog::MemoryPolicy::kStaticFractionOfTotal && b.reserved_bytes < 0) {
      out.reason += fmt::format(
          "; activations, CUDA graphs and runtime need {} more than the {} "
          "left outside mem_fraction_static",
          Gb(-b.reserved_bytes), Gb((1 - e.memory_fraction) * b.usable_bytes));
    }
    return out;
  }
  if (e.memory_policy == catalog::MemoryPolicy::kStaticFractionOfTotal && b.reserved_bytes < 0) {
    out.fits = false;
    out.reason = fmt::format(
        "activations, CUDA graphs and runtime ({}) do not fit in the {} left outside the static "
        "pool",
        Gb(b.activation_bytes + b.runtime_overhead_bytes + b.cuda_graph_bytes),
        Gb((1 - e.memory_fraction) * b.usable_bytes));
    return out;
  }
  if (e.memory_policy == catalog::MemoryPolicy::kFractionOfTotal && !e.cuda_graphs_in_budget &&
      b.reserved_bytes < 0) {
    out.warnings.push_back(fmt::format(
        "CUDA graphs ({}) are captured after the KV pool is sized and do not fit in the {} the "
        "memory fraction leaves: lower the fraction or capture fewer graphs",
        Gb(b.cuda_graph_bytes), Gb((1 - e.memory_fraction) * b.usable_bytes)));
  }
  if (!contiguous && b.kv_pool_bytes < b.kv_bytes_per_sequence_contiguous) {
    out.warnings.push_back(fmt::format(
        "the KV pool holds {} tokens, fewer than one sequence of the maximum context ({} tokens): "
        "{} refuses to start unless its maximum model length is lowered to at most {} "
        "(--max-context)",
        out.kv_tokens, r.max_context_tokens, e.name, out.kv_tokens));
  }
  const std::string& compute = p.weights->compute_precision;
  const auto& peaks = r.accelerator->peak_flops_per_s;
  // BF16 and FP16 run on the same matrix units at the same rate; either stands for the other.
  const bool has_compute = peaks.count(compute) > 0 || (compute == "bf16" && peaks.count("fp16")) ||
                           (compute == "fp16" && peaks.count("bf16"));
  if (!has_compute) {
    out.warnings.push_back(fmt::format(
        "{} has no {} matrix engine: {} weights would run dequantized to a precision it has, "
        "at the speed of that precision",
        r.accelerator->id, compute, p.weights->id));
  }
  return out;
}

std::vector<Layout> LayoutsFor(const catalog::Model& m, const catalog::Accelerator& acc,
                               int count) {
  std::vector<Layout> out;
  for (int tp = 1; tp <= count; ++tp) {
    if (count % tp != 0) continue;
    Layout l{.tp = tp, .pp = count / tp, .ep = 1};
    if (!CheckLayout(m, acc, l).ok()) continue;
    out.push_back(l);
    if (m.moe && tp > 1) {
      Layout ep = l;
      ep.ep = tp;
      if (CheckLayout(m, acc, ep).ok()) out.push_back(ep);
    }
  }
  return out;
}

bool BetterFit(const FitResult& a, const FitResult& b) {
  if (a.fits != b.fits) return a.fits;
  if (a.max_concurrent_sequences != b.max_concurrent_sequences) {
    return a.max_concurrent_sequences > b.max_concurrent_sequences;
  }
  if (a.layout.pp != b.layout.pp) return a.layout.pp < b.layout.pp;
  return a.layout.ep < b.layout.ep;
}

CountSearch FindMinAccelerators(FitRequest request, int max_count) {
  CountSearch out;
  for (int count = 1; count <= max_count; count = count < 64 ? count + 1 : count * 2) {
    std::vector<FitResult> fits;
    for (const Layout& l : LayoutsFor(*request.model, *request.accelerator, count)) {
      request.layout = l;
      fits.push_back(Fit(request));
    }
    if (std::none_of(fits.begin(), fits.end(), [](const FitResult& f) { return f.fits; })) continue;
    std::stable_sort(fits.begin(), fits.end(), BetterFit);
    out.min_accelerators = count;
    out.layouts = std::move(fits);
    return out;
  }
  return out;
}

}  // namespace pertoken::perf
