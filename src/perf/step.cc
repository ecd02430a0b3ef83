#include "perf/step.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "perf/params.h"
#include "perf/roofline.h"

namespace pertoken::perf {

using catalog::AttentionType;

const char* BottleneckName(Bottleneck b) {
  switch (b) {
    case Bottleneck::kCompute:
      return "compute";
    case Bottleneck::kMemory:
      return "memory bandwidth";
    case Bottleneck::kCommunication:
      return "communication";
    case Bottleneck::kOverhead:
      return "overhead";
  }
  return "";
}

namespace {

// PCIe x16 bandwidth per direction by generation (PCI-SIG specifications: 8, 16, 32, 64 GT/s
// per lane for gen 3-6, 128b/130b encoding); used when an accelerator has no scale-up link.
double PcieBytesPerSecond(int gen) {
  switch (gen) {
    case 3:
      return 15.75e9;
    case 5:
      return 63.0e9;
    case 6:
      return 121.0e9;
    default:
      return 31.5e9;  // gen 4, and the guess when the generation is unknown
  }
}

// The precision whose peak the accelerator uses for `wanted`: the same, else the next wider
// format it has (FP4 runs on FP8 units, FP8 and INT8 on BF16 units when the chip lacks them).
const std::string& EffectivePrecision(const catalog::Accelerator& acc, const std::string& wanted) {
  static const char* const kFp4[] = {"fp4", "fp8", "bf16", "fp16", "tf32", "fp32"};
  static const char* const kInt4[] = {"int4", "int8", "bf16", "fp16", "tf32", "fp32"};
  static const char* const kFp8[] = {"fp8", "bf16", "fp16", "tf32", "fp32"};
  static const char* const kInt8[] = {"int8", "bf16", "fp16", "tf32", "fp32"};
  static const char* const kFp16[] = {"fp16", "bf16", "tf32", "fp32"};
  static const char* const kBf16[] = {"bf16", "fp16", "tf32", "fp32"};
  const auto& peaks = acc.peak_flops_per_s;
  if (auto it = peaks.find(wanted); it != peaks.end()) return it->first;
  auto first_of = [&](auto& order) -> const std::string* {
    for (const char* p : order) {
      if (auto it = peaks.find(p); it != peaks.end()) return &it->first;
    }
    return nullptr;
  };
  const std::string* found = wanted == "fp4"    ? first_of(kFp4)
                             : wanted == "int4" ? first_of(kInt4)
                             : wanted == "fp8"  ? first_of(kFp8)
                             : wanted == "int8" ? first_of(kInt8)
                             : wanted == "fp16" ? first_of(kFp16)
                                                : first_of(kBf16);
  return found ? *found : peaks.begin()->first;
}

double BytesOf(const catalog::QuantFormat& q) { return q.BitsPerElement() / 8.0; }

// Sets an op's time and what bounds it from its roofline.
void Apply(const Roofline& r, OpTime* op) {
  op->time_s = r.time_s();
  op->bound = r.compute_bound() ? Bottleneck::kCompute : Bottleneck::kMemory;
}

OpTime ScaledGemm(const catalog::Accelerator& acc, const catalog::Efficiency& eff,
                  const std::string& precision, double m, double n, double k, double weight_bytes,
                  double activation_bytes, double compute_scale, double memory_scale) {
  OpTime op;
  op.name = "gemm";
  if (m <= 0) return op;
  const std::string& p = EffectivePrecision(acc, precision);
  op.flops = 2 * m * n * k;
  op.bytes = weight_bytes + (m * k + m * n) * activation_bytes;
  Apply(MakeRoofline(op.flops,
                     acc.peak_flops_per_s.at(p) * GemmComputeFraction(GemmCurveFor(eff, p), m) *
                         compute_scale,
                     op.bytes, acc.mem_bw_bytes_per_s * eff.gemm_memory_fraction * memory_scale,
                     eff.gemm_kernel_latency_s),
        &op);
  return op;
}

// Collects ops of one step, scaling each by how many times it runs (layers).
class StepBuilder {
 public:
  explicit StepBuilder(StepTime* step) : step_(step) {}
  void Add(OpTime op, double times) {
    if (times <= 0 || op.time_s <= 0) return;
    op.time_s *= times;
    op.flops *= times;
    op.bytes *= times;
    for (auto& existing : step_->ops) {
      if (std::strcmp(existing.name, op.name) == 0) {
        existing.time_s += op.time_s;
        existing.flops += op.flops;
        existing.bytes += op.bytes;
        return;
      }
    }
    step_->ops.push_back(op);
  }

 private:
  StepTime* step_;
};

struct Dims {
  double compute_scale = 1;  // the engine's kernels relative to the measured op tables
  double memory_scale = 1;
  double tokens = 0;         // tokens through the linear layers
  double logits_tokens = 0;  // tokens whose logits are computed
  double act_bytes = 2;
  int tp = 1;
};

// Attention projections of one layer.
void AddProjections(const Deployment& d, const Dims& x, StepBuilder* b, double layers) {
  const auto& m = *d.model;
  const auto& a = m.attention;
  const auto& acc = *d.accelerator;
  const auto& eff = *d.efficiency;
  const std::string& cp = d.precision.weights->compute_precision;
  const double wb = BytesOf(*d.precision.weights);
  const double h = static_cast<double>(m.hidden_size);
  const double t = x.tokens;
  const int tp = x.tp;
  auto gemm = [&](const char* name, double n, double k, double times) {
    OpTime op =
        ScaledGemm(acc, eff, cp, t, n, k, n * k * wb, x.act_bytes, x.compute_scale, x.memory_scale);
    op.name = name;
    b->Add(op, times);
  };
  if (a.type == AttentionType::kMla) {
    const double heads = static_cast<double>(a.heads) / tp;
    if (a.q_lora_rank > 0) {
      gemm("qkv_proj", static_cast<double>(a.q_lora_rank), h, layers);
      gemm("qkv_proj", heads * (a.qk_nope_head_dim + a.qk_rope_head_dim), a.q_lora_rank, layers);
    } else {
      gemm("qkv_proj", heads * (a.qk_nope_head_dim + a.qk_rope_head_dim), h, layers);
    }
    gemm("qkv_proj", static_cast<double>(a.kv_lora_rank + a.qk_rope_head_dim), h, layers);
    gemm("qkv_proj", heads * (a.qk_nope_head_dim + a.v_head_dim), a.kv_lora_rank, layers);
    gemm("o_proj", h, heads * a.v_head_dim, layers);
    return;
  }
  const double kv_heads = std::ceil(static_cast<double>(a.kv_heads) / tp);
  // An output gate doubles the query projection's width (query and gate per head).
  const double q_heads = static_cast<double>(a.heads) / tp * (a.output_gate ? 2.0 : 1.0);
  gemm("qkv_proj", (q_heads + 2 * kv_heads) * a.head_dim, h, layers);
  gemm("o_proj", h, static_cast<double>(a.heads) / tp * a.head_dim, layers);
}

// Query-key pairs of the queries at positions [0, n) of a chunked layer (Llama 4): a query at
// position p attends to the keys of its aligned chunk of `chunk` tokens up to p, so each whole
// chunk holds chunk²/2 pairs (l²/2 for l causal tokens, as the unchunked prefill counts them).
double ChunkedPairs(double n, double chunk) {
  const double whole = std::floor(n / chunk);
  const double rest = n - whole * chunk;
  return whole * chunk * chunk / 2 + rest * rest / 2;
}

// Keys a decoding query of a chunked layer attends to at a mean context of `ctx` tokens: all of
// them within the first chunk; beyond it, the sequences of a batch sit anywhere in their current
// chunk, half of it on average (an approximation: one sequence's own span is ctx mod chunk).
double ChunkedDecodeSpan(double ctx, double chunk) { return ctx <= chunk ? ctx : chunk / 2; }

// Attention itself (scores and weighted values) of one kind of layer: full (window 0), sliding
// window or chunked window.
void AddAttention(const Deployment& d, const StepShape& s, const Dims& x, double window,
                  bool chunked, StepBuilder* b, double layers) {
  const auto& m = *d.model;
  const auto& a = m.attention;
  const auto& acc = *d.accelerator;
  const auto& eff = *d.efficiency;
  const double heads = static_cast<double>(a.heads) / x.tp;
  const bool mla = a.type == AttentionType::kMla;
  const double qk_dim = mla ? a.qk_nope_head_dim + a.qk_rope_head_dim : a.head_dim;
  const double v_dim = mla ? a.v_head_dim : a.head_dim;
  const double peak = acc.peak_flops_per_s.at(EffectivePrecision(acc, "bf16"));
  const double kv_elem = BytesOf(*d.precision.kv);
  const double kv_per_token =
      mla ? (a.kv_lora_rank + a.qk_rope_head_dim) * kv_elem
          : 2.0 * std::ceil(static_cast<double>(a.kv_heads) / x.tp) * a.head_dim * kv_elem;
  auto cap = [window](double tokens) { return window > 0 ? std::min(tokens, window) : tokens; };

  if (s.prefill_sequences > 0 && s.prefill_tokens > 0) {
    // Causal: token i of the chunk attends to the cached past and the i tokens before it.
    const double l = static_cast<double>(s.prefill_tokens);
    const double past = static_cast<double>(s.prefill_past);
    const double pairs = chunked      ? ChunkedPairs(past + l, window) - ChunkedPairs(past, window)
                         : window > 0 ? l * std::min(past + l / 2, window)
                                      : l * (past + l / 2);
    OpTime op;
    op.name = "attention_prefill";
    op.flops = s.prefill_sequences * 2.0 * pairs * heads * (qk_dim + v_dim);
    op.bytes = s.prefill_sequences *
               (cap(past + l) * kv_per_token + l * heads * (qk_dim + v_dim) * x.act_bytes);
    // Efficiency grows with the keys each query loops over (pairs / l), which amortise the
    // fixed cost of every query tile; the same variable the op-table fit uses.
    const double fraction = eff.AttentionPrefillFraction(pairs / l);
    Apply(
        MakeRoofline(op.flops, peak * fraction * x.compute_scale, op.bytes,
                     acc.mem_bw_bytes_per_s * eff.attention_decode_memory_fraction * x.memory_scale,
                     eff.attention_kernel_latency_s),
        &op);
    b->Add(op, layers);
  }
  if (s.decode_sequences > 0) {
    const double ctx = chunked ? ChunkedDecodeSpan(s.decode_context + s.decode_tokens, window)
                               : cap(s.decode_context + s.decode_tokens);
    OpTime op;
    op.name = "attention_decode";
    // MLA decode runs absorbed: scores and values against the latent (DeepSeek-V2 §2.1.3).
    const double per_pair = mla ? 2.0 * heads * (2.0 * a.kv_lora_rank + a.qk_rope_head_dim)
                                : 2.0 * heads * (qk_dim + v_dim);
    op.flops = s.decode_sequences * s.decode_tokens * ctx * per_pair;
    op.bytes = s.decode_sequences * ctx * kv_per_token;
    // Each new query attends to the whole cached context: the same efficiency curve as prefill,
    // at that many keys per query.
    Apply(
        MakeRoofline(op.flops, peak * eff.AttentionPrefillFraction(ctx) * x.compute_scale, op.bytes,
                     acc.mem_bw_bytes_per_s * eff.attention_decode_memory_fraction * x.memory_scale,
                     eff.attention_kernel_latency_s),
        &op);
    b->Add(op, layers);
  }
}

// FLOPs per token per element of a linear-attention state (an approximation): the recurrence
// reads the state out, computes the delta against it and updates it, three matrix-vector
// products over key_head_dim × value_head_dim at 2 FLOPs per element; the chunked prefill kernels
// add about as much again for the attention within each chunk (chunk 64 × (key + value head
// dims) per token, ~1 per state element at head dims 128), rounded up to 8 in all.
constexpr double kLinearAttentionFlopsPerStateElement = 8;

// Linear-attention layers (Gated DeltaNet, lightning attention), heads split over TP. The
// projections are GEMMs. The recurrence costs kLinearAttentionFlopsPerStateElement per state
// element per token; it reads and writes each sequence's state (and convolution inputs) once per
// step, which bounds a decode step by memory, and streams q, k, v and the output.
void AddLinearAttention(const Deployment& d, const StepShape& s, const Dims& x, StepBuilder* b,
                        double layers) {
  const auto& m = *d.model;
  const auto& la = *m.linear_attention;
  const auto& acc = *d.accelerator;
  const auto& eff = *d.efficiency;
  const std::string& cp = d.precision.weights->compute_precision;
  const double wb = BytesOf(*d.precision.weights);
  const double h = static_cast<double>(m.hidden_size);
  const double key = static_cast<double>(la.key_heads) * la.key_head_dim / x.tp;
  const double value = static_cast<double>(la.value_heads) * la.value_head_dim / x.tp;
  auto gemm = [&](double n, double k) {
    OpTime op = ScaledGemm(acc, eff, cp, x.tokens, n, k, n * k * wb, x.act_bytes, x.compute_scale,
                           x.memory_scale);
    op.name = "linear_attn_proj";
    b->Add(op, layers);
  };
  // q, k, v, the output gate and (Gated DeltaNet) each value head's b and a; then out_proj.
  gemm(2 * key + value + (la.output_gate ? value : 0) +
           (la.conv_kernel > 0 ? 2.0 * la.value_heads / x.tp : 0),
       h);
  gemm(h, value);

  const double state_elements =
      static_cast<double>(la.value_heads) / x.tp * la.key_head_dim * la.value_head_dim;
  const double state_bytes = LinearAttentionStateBytes(m, x.tp, x.act_bytes);
  const double io_per_token = 2 * (key + value) * x.act_bytes;  // q, k, v in, the output out
  const double peak = acc.peak_flops_per_s.at(EffectivePrecision(acc, "bf16"));
  const double bw = acc.mem_bw_bytes_per_s * eff.attention_decode_memory_fraction * x.memory_scale;
  // The kernels reach attention's long-loop fraction of the peak (chunked prefill runs on the
  // matrix units; the decode recurrence is bound by memory at any rate).
  const double flops_per_s = peak * eff.attention_prefill_fraction * x.compute_scale;
  auto add = [&](const char* name, double sequences, double tokens) {
    if (sequences <= 0 || tokens <= 0) return;
    OpTime op;
    op.name = name;
    op.flops = kLinearAttentionFlopsPerStateElement * tokens * state_elements;
    op.bytes = 2.0 * sequences * state_bytes + tokens * io_per_token;
    Apply(MakeRoofline(op.flops, flops_per_s, op.bytes, bw, eff.attention_kernel_latency_s), &op);
    b->Add(op, layers);
  };
  add("linear_attn_prefill", static_cast<double>(s.prefill_sequences),
      static_cast<double>(s.prefill_sequences * s.prefill_tokens));
  add("linear_attn_decode", static_cast<double>(s.decode_sequences),
      static_cast<double>(s.decode_sequences * s.decode_tokens));
}

void AddDenseMlp(const Deployment& d, const Dims& x, double width, StepBuilder* b, double layers,
                 const char* name) {
  const auto& m = *d.model;
  const std::string& cp = d.precision.weights->compute_precision;
  const double wb = BytesOf(*d.precision.weights);
  const double h = static_cast<double>(m.hidden_size);
  const double w = width / x.tp;
  const double up = m.mlp.type == catalog::MlpType::kGated ? 2.0 : 1.0;
  OpTime a = ScaledGemm(*d.accelerator, *d.efficiency, cp, x.tokens, up * w, h, up * w * h * wb,
                        x.act_bytes, x.compute_scale, x.memory_scale);
  OpTime c = ScaledGemm(*d.accelerator, *d.efficiency, cp, x.tokens, h, w, w * h * wb, x.act_bytes,
                        x.compute_scale, x.memory_scale);
  a.name = name;
  c.name = name;
  b->Add(a, layers);
  b->Add(c, layers);
}

// Routed experts of one MoE layer: each token visits experts_per_token of them; the experts that
// receive at least one token are read from memory once.
void AddExperts(const Deployment& d, const Dims& x, StepBuilder* b, double layers) {
  const auto& m = *d.model;
  const auto& e = *m.moe;
  const auto& acc = *d.accelerator;
  const auto& eff = *d.efficiency;
  const double h = static_cast<double>(m.hidden_size);
  const double experts = static_cast<double>(e.experts);
  const double k = static_cast<double>(e.experts_per_token);
  const double active = experts * (1 - std::pow(1 - k / experts, x.tokens));
  const double per_expert_tokens = x.tokens * k / std::max(active, 1.0);
  const double up = m.mlp.type == catalog::MlpType::kGated ? 2.0 : 1.0;
  const double matrix = (up + 1) * h * e.expert_intermediate_size;  // per expert
  const std::string& cp = d.precision.expert_weights->compute_precision;
  const std::string& p = EffectivePrecision(acc, cp);
  const auto& curve = GemmCurveFor(eff, p);
  OpTime op;
  op.name = "moe_experts";
  op.flops = 2.0 * x.tokens * k * matrix / x.tp;
  op.bytes = active * matrix * BytesOf(*d.precision.expert_weights) / x.tp +
             2.0 * x.tokens * k * h * x.act_bytes;
  // With expert parallelism the step waits for the busiest rank: tokens land on the ep ranks
  // like Poisson counts of mean μ, and the largest of ep of them is about μ + sqrt(2 ln(ep) μ).
  const double ep = d.layout.ep;
  const double per_rank = x.tokens * k / ep;
  const double imbalance = ep > 1 && per_rank > 0 ? 1 + std::sqrt(2 * std::log(ep) / per_rank) : 1;
  const double flops_per_s =
      acc.peak_flops_per_s.at(p) * GemmComputeFraction(curve, per_expert_tokens) * x.compute_scale;
  Apply(MakeRoofline(op.flops * imbalance, flops_per_s, op.bytes,
                     acc.mem_bw_bytes_per_s * eff.gemm_memory_fraction * x.memory_scale,
                     2 * eff.gemm_kernel_latency_s),  // the gate/up and the down kernels
        &op);
  b->Add(op, layers);
  OpTime router = ScaledGemm(acc, eff, "bf16", x.tokens, experts, h, experts * h * 2, x.act_bytes,
                             x.compute_scale, x.memory_scale);
  router.name = "moe_router";
  b->Add(router, layers);
  if (e.shared_experts > 0) {
    AddDenseMlp(d, x, static_cast<double>(e.shared_experts * e.expert_intermediate_size), b, layers,
                "moe_shared_experts");
  }
  if (d.layout.ep > 1) {
    // Dispatch and combine: each token's hidden state goes to k experts, (ep-1)/ep of them remote.
    OpTime a2a;
    a2a.name = "expert_all_to_all";
    const double ep = d.layout.ep;
    a2a.bytes = 2.0 * x.tokens * k * h * x.act_bytes * (ep - 1) / ep / d.layout.tp;
    a2a.time_s = AllReduceTime(acc, eff, 2, a2a.bytes);
    a2a.bound = Bottleneck::kCommunication;
    b->Add(a2a, layers);
  }
}

// Norms, residual adds and activation functions: memory-bound elementwise passes. The activation
// reads gate and up and writes their product, `ffn_width` wide per token (before TP).
void AddElementwise(const Deployment& d, const Dims& x, StepBuilder* b, double layers,
                    double ffn_width) {
  const auto& m = *d.model;
  OpTime op;
  op.name = "norms_activations";
  op.bytes = x.tokens * m.hidden_size * x.act_bytes * (2.0 * m.norms_per_layer + 4) +
             x.tokens * 3.0 * ffn_width / x.tp * x.act_bytes;
  op.time_s = op.bytes / (d.accelerator->mem_bw_bytes_per_s * d.efficiency->gemm_memory_fraction *
                          x.memory_scale) +
              2 * d.efficiency->gemm_kernel_latency_s;
  op.bound = Bottleneck::kMemory;
  b->Add(op, layers);
}

void AddAllReduce(const Deployment& d, const Dims& x, StepBuilder* b, double layers) {
  if (x.tp <= 1) return;
  OpTime op;
  op.name = "tp_allreduce";
  op.bytes = x.tokens * d.model->hidden_size * x.act_bytes;
  op.time_s = AllReduceTime(*d.accelerator, *d.efficiency, x.tp, op.bytes);
  op.bound = Bottleneck::kCommunication;
  b->Add(op, 2 * layers);  // after attention and after the MLP
}

void Summarise(StepTime* st) {
  for (const auto& op : st->ops) {
    st->total_s += op.time_s;
    st->flops += op.flops;
    st->bytes += op.bytes;
    switch (op.bound) {
      case Bottleneck::kCompute:
        st->compute_s += op.time_s;
        break;
      case Bottleneck::kMemory:
        st->memory_s += op.time_s;
        break;
      case Bottleneck::kCommunication:
        st->communication_s += op.time_s;
        break;
      case Bottleneck::kOverhead:
        st->overhead_s += op.time_s;
        break;
    }
  }
  const double parts[] = {st->compute_s, st->memory_s, st->communication_s, st->overhead_s};
  const Bottleneck names[] = {Bottleneck::kCompute, Bottleneck::kMemory, Bottleneck::kCommunication,
                              Bottleneck::kOverhead};
  st->bottleneck = names[std::max_element(std::begin(parts), std::end(parts)) - std::begin(parts)];
}

}  // namespace

const catalog::GemmCurve& GemmCurveFor(const catalog::Efficiency& eff,
                                       const std::string& precision) {
  // An 8-bit precision without a curve of its own takes the other 8-bit one's: FP8 and INT8 run
  // at the same tensor-core rate with kernels of the same kind, and a framework whose FP8 GEMMs
  // reach half the peak does not reach four fifths of it in INT8. FP16, the FP32/TF32 fallbacks
  // and any other precision without a curve use the BF16 curve.
  auto it = eff.gemm.find(precision);
  if (it != eff.gemm.end()) return it->second;
  const char* sibling = precision == "int8" ? "fp8" : precision == "fp8" ? "int8" : nullptr;
  if (sibling) {
    if (auto s = eff.gemm.find(sibling); s != eff.gemm.end()) return s->second;
  }
  return eff.gemm.find("bf16")->second;
}

double HostLinkBytesPerSecond(const catalog::Accelerator& acc) {
  return PcieBytesPerSecond(acc.pcie_gen.value_or(4));
}

namespace {
// Whether `acc` talks to its peers over a scale-up link (NVLink, xGMI, ...) rather than PCIe.
bool HasScaleUpLink(const catalog::Accelerator& acc) {
  return acc.scaleup_domain_size > 1 && acc.scaleup_bw_bytes_per_s;
}
}  // namespace

double LinkBytesPerSecond(const catalog::Accelerator& acc) {
  return HasScaleUpLink(acc) ? *acc.scaleup_bw_bytes_per_s / 2 : HostLinkBytesPerSecond(acc);
}

double KvTransferLinkBytesPerSecond(const catalog::Accelerator& prefill, int prefill_count,
                                    const catalog::Accelerator& decode, int decode_count) {
  if (&prefill == &decode && HasScaleUpLink(prefill) &&
      prefill_count + decode_count <= prefill.scaleup_domain_size) {
    return LinkBytesPerSecond(prefill);
  }
  return std::min(HostLinkBytesPerSecond(prefill), HostLinkBytesPerSecond(decode));
}

double KvTransferBytesPerSecond(const catalog::Accelerator& prefill, int prefill_count,
                                const catalog::Accelerator& decode, int decode_count) {
  return KvTransferLinkBytesPerSecond(prefill, prefill_count, decode, decode_count) *
         std::min(prefill_count, decode_count);
}

double AllReduceTime(const catalog::Accelerator& acc, const catalog::Efficiency& eff, int ranks,
                     double bytes) {
  if (const catalog::AllReduceCurve* measured = eff.AllReduceMeasured(ranks)) {
    return MeasuredAllReduceSeconds(*measured, bytes);
  }
  const double per_direction = LinkBytesPerSecond(acc);
  if (!HasScaleUpLink(acc) && eff.pcie_allreduce_bw_fraction > 0) {
    return AllReduceSeconds(ranks, bytes, per_direction, eff.pcie_allreduce_bw_fraction,
                            eff.pcie_allreduce_latency_s);
  }
  return AllReduceSeconds(ranks, bytes, per_direction, eff.allreduce_bw_fraction,
                          eff.allreduce_latency_s);
}

StepTime PredictStep(const Deployment& d, const StepShape& s) {
  StepTime st;
  st.ops.reserve(16);
  StepBuilder b(&st);
  const auto& m = *d.model;
  const auto& e = *d.engine;
  Dims x;
  x.tp = d.layout.tp;
  x.compute_scale = e.compute_scale;
  x.memory_scale = e.memory_scale;
  x.act_bytes = static_cast<double>(e.activation_dtype_bytes);
  x.tokens = static_cast<double>(s.prefill_sequences * s.prefill_tokens) +
             static_cast<double>(s.decode_sequences * s.decode_tokens);
  x.logits_tokens = static_cast<double>(s.prefill_sequences + s.decode_sequences * s.decode_tokens);
  if (x.tokens > 0) {
    const double layers = static_cast<double>(m.layers);
    const double full_layers = static_cast<double>(FullAttentionLayerCount(m));
    const double window_layers = static_cast<double>(m.attention.sliding_window_layers);
    AddProjections(d, x, &b, full_layers * (m.encoder ? 2 : 1));
    AddAttention(d, s, x, 0, false, &b, full_layers - window_layers);
    AddAttention(d, s, x, static_cast<double>(m.attention.sliding_window_tokens),
                 m.attention.chunked_window, &b, window_layers);
    if (m.linear_attention) AddLinearAttention(d, s, x, &b, layers - full_layers);
    const double moe_layers = static_cast<double>(MoeLayerCount(m));
    AddDenseMlp(d, x, static_cast<double>(m.mlp.intermediate_size), &b, layers - moe_layers, "mlp");
    if (m.moe) AddExperts(d, x, &b, moe_layers);
    AddElementwise(d, x, &b, layers - moe_layers, static_cast<double>(m.mlp.intermediate_size));
    if (m.moe) {
      // Each token runs its routed experts and the shared ones.
      const auto& e = *m.moe;
      AddElementwise(d, x, &b, moe_layers,
                     static_cast<double>((e.experts_per_token + e.shared_experts) *
                                         e.expert_intermediate_size));
    }
    AddAllReduce(d, x, &b, layers);
    // LM head on the tokens that need logits (the last prompt token, every generated token).
    const double h = static_cast<double>(m.hidden_size);
    const double vocab = static_cast<double>(m.vocab_size) / x.tp;
    OpTime head = ScaledGemm(*d.accelerator, *d.efficiency, "bf16", x.logits_tokens, vocab, h,
                             vocab * h * 2, x.act_bytes, x.compute_scale, x.memory_scale);
    head.name = "lm_head";
    b.Add(head, 1);
    if (d.layout.pp > 1) {
      OpTime send;
      send.name = "pp_send";
      send.bytes = x.tokens * h * x.act_bytes;
      send.time_s = AllReduceTime(*d.accelerator, *d.efficiency, 2, send.bytes);
      send.bound = Bottleneck::kCommunication;
      b.Add(send, d.layout.pp - 1);
    }
    // Each pipeline stage holds 1/pp of the layers but the step passes through all of them, so
    // the per-accelerator layer ops above already sum to the replica's step latency.
  }
  OpTime overhead;
  overhead.name = "engine_overhead";
  overhead.bound = Bottleneck::kOverhead;
  overhead.time_s =
      e.step_overhead_s +
      e.per_sequence_overhead_s * static_cast<double>(s.prefill_sequences + s.decode_sequences);
  const bool graphed = s.prefill_sequences == 0 && s.decode_sequences <= e.cuda_graph_max_batch;
  if (!graphed && x.tokens > 0)
    overhead.time_s += e.eager_launch_overhead_s * static_cast<double>(m.layers);
  b.Add(overhead, 1);
  Summarise(&st);
  // The frontend streams each token the step emits (detokenising, writing the response) in a
  // process of its own that runs beside the engine: it slows the stream only when it takes
  // longer than the step.
  const double streamed =
      e.frontend_per_token_s * static_cast<double>(s.prefill_sequences + s.decode_sequences);
  if (streamed > st.total_s) {
    OpTime frontend;
    frontend.name = "frontend_streaming";
    frontend.bound = Bottleneck::kOverhead;
    frontend.time_s = streamed - st.total_s;
    st.ops.push_back(frontend);
    st.total_s = streamed;
    st.overhead_s += frontend.time_s;
    st.bottleneck = Bottleneck::kOverhead;  // the frontend sets the pace
  }
  return st;
}

}  // namespace pertoken::perf
