// The memory model: how a model's weights, KV cache and workspace lay out over the accelerators of
// one replica, whether they fit, and how many concurrent sequences the remaining memory holds.
// Pure functions of catalog records; thread-safe. Units: bytes, tokens.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalog/types.h"
#include "common/status.h"

namespace pertoken::perf {

// How one replica is split over its accelerators: tensor, pipeline and expert parallelism.
struct Layout {
  int tp = 1;  // tensor-parallel degree (within a scale-up domain)
  int pp = 1;  // pipeline stages
  int ep =
      1;  // expert-parallel degree (MoE), splitting the experts of each stage over its TP group
  int count() const { return tp * pp; }
  bool operator==(const Layout&) const = default;
};

// The numeric formats of one deployment.
struct Precision {
  const catalog::QuantFormat* weights = nullptr;         // dense linear layers
  const catalog::QuantFormat* expert_weights = nullptr;  // MoE experts (same as weights unless the
                                                         // checkpoint differs, as gpt-oss's MXFP4)
  const catalog::QuantFormat* kv = nullptr;              // KV cache
};

struct FitRequest {
  const catalog::Model* model = nullptr;
  const catalog::Accelerator* accelerator = nullptr;
  const catalog::Engine* engine = nullptr;
  Precision precision;
  Layout layout;
  int64_t context_tokens = 0;      // tokens per sequence (prompt + output)
  int64_t max_context_tokens = 0;  // longest sequence admitted (contiguous slots are this long)
};

// Memory of one accelerator in one pipeline stage (every accelerator of a stage holds the same).
struct StageMemory {
  int first_layer = 0;
  int layers = 0;
  double usable_bytes = 0;      // the accelerator's usable memory
  double weight_bytes = 0;      // its shard of the weights
  double activation_bytes = 0;  // forward-pass workspace for max_num_batched_tokens (estimate)
  double runtime_overhead_bytes = 0;  // engine runtime outside its pools (CUDA context, NCCL, ...)
  double cuda_graph_bytes = 0;
  double reserved_bytes = 0;      // memory the engine's memory fraction leaves unused
  double kv_pool_bytes = 0;       // what remains for the KV cache; negative when nothing remains
  double kv_bytes_per_token = 0;  // one token held by every layer of this stage
  double kv_bytes_per_sequence =
      0;  // one sequence of context_tokens (window caps, cross-attention)
  double kv_bytes_per_sequence_paged = 0;       // the same, rounded up to whole KV blocks
  double kv_bytes_per_sequence_contiguous = 0;  // a slot reserved for max_context_tokens
  // The fixed state of one sequence in this stage's linear-attention layers, whatever its length;
  // included in the three kv_bytes_per_sequence figures above.
  double state_bytes_per_sequence = 0;
};

struct FitResult {
  Layout layout;
  bool fits = false;
  std::string reason;                 // why not, when !fits
  std::vector<std::string> warnings;  // it fits, but a user should know
  std::vector<StageMemory> stages;
  int binding_stage = 0;  // the stage that limits concurrency (or overflows first)

  // Whole-model figures (all accelerators together).
  double weight_bytes = 0;
  double active_weight_bytes = 0;       // the weights one token reads (MoE: only its experts)
  double kv_bytes_per_token = 0;        // all full-attention layers, unsharded, no window cap
  double state_bytes_per_sequence = 0;  // all linear-attention layers, unsharded

  // Concurrency at context_tokens, limited by the binding stage's KV pool.
  // Tokens the pool holds in every full-attention layer, once the linear-attention states of as
  // many sequences as run at once (max_concurrent_sequences, at most the engine's max_num_seqs)
  // are set aside.
  int64_t kv_tokens = 0;
  int64_t max_sequences_paged = 0;       // with paged KV (engine's block size)
  int64_t max_sequences_contiguous = 0;  // with slots pre-allocated to max_context_tokens
  int64_t max_concurrent_sequences = 0;  // with the engine's own allocation
  double paged_waste_bytes = 0;          // per accelerator, at max_sequences_paged
  double contiguous_waste_bytes = 0;     // per accelerator, at max_sequences_contiguous
};

// OK when `layout` can run `model` on `accelerator`; InvalidArgument saying why not (TP not
// dividing the heads or the linear-attention heads, EP not dividing the experts, TP beyond the
// scale-up domain, PP > layers).
Status CheckLayout(const catalog::Model& model, const catalog::Accelerator& accelerator,
                   const Layout& layout);

// The longest sequence `engine` admits by default: its max_model_len when set, never more than
// the model's context.
int64_t EngineMaxContext(const catalog::Engine& engine, const catalog::Model& model);

// Bytes one sequence keeps in one linear-attention layer on one accelerator of a TP group (the
// heads split over TP): the recurrent state, value_heads × key_head_dim × value_head_dim at
// state_bits, and the convolution's last conv_kernel − 1 inputs of the q, k and v channels,
// (conv_kernel − 1) × (2 × key_heads × key_head_dim + value_heads × value_head_dim) at
// `activation_bytes` each. 0 for a model without [linear_attention].
double LinearAttentionStateBytes(const catalog::Model& model, int tp, double activation_bytes);

// The largest TP degree the accelerator supports within one server or scale-up domain.
int MaxTensorParallel(const catalog::Accelerator& accelerator);

// Memory fit of one valid layout. REQUIRES: CheckLayout(...) is OK, every pointer set, the
// accelerator has memory_bytes, context_tokens > 0.
FitResult Fit(const FitRequest& request);

// Every valid layout with `count` accelerators.
std::vector<Layout> LayoutsFor(const catalog::Model& model, const catalog::Accelerator& accelerator,
                               int count);

// The smallest accelerator count for which some layout fits, with the fits of every valid layout
// of that count (best first). min_accelerators = 0 when nothing up to `max_count` fits.
struct CountSearch {
  int min_accelerators = 0;
  std::vector<FitResult> layouts;
};
CountSearch FindMinAccelerators(FitRequest request, int max_count = 1024);

// Orders fits best first: fitting before not, then more concurrent sequences, then fewer stages.
bool BetterFit(const FitResult& a, const FitResult& b);

}  // namespace pertoken::perf
