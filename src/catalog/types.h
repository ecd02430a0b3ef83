// The catalog's records: plain value types, one per kind of catalog file. Their fields mirror the
// file formats in doc/formats/; units are in the names. Records are immutable once loaded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "catalog/provenance.h"

namespace pertoken::catalog {

// What every catalog entity has: identity, names and provenance.
struct Entity {
  std::string id;
  std::string name;
  std::vector<std::string> aliases;
  Provenance provenance;
};

struct Accelerator : Entity {
  std::string vendor;
  std::string category;  // gpu | tpu | npu | cpu
  std::string form_factor;
  int release_year = 0;
  std::optional<int64_t> memory_bytes;  // usable, as the runtime reports it
  std::string memory_label;             // marketing capacity ("80 GB")
  std::string memory_type;
  double mem_bw_bytes_per_s = 0;
  std::optional<double> tdp_w;
  std::optional<double> idle_w;  // board power with nothing running (nvidia-smi and the like)
  std::map<std::string, double> peak_flops_per_s;  // dense, by compute precision
  std::string scaleup_name;
  std::optional<double> scaleup_bw_bytes_per_s;  // bidirectional, per accelerator
  int scaleup_domain_size = 1;
  std::optional<int> pcie_gen;
};

enum class AttentionType { kMha, kGqa, kMqa, kMla };
enum class MlpType { kGated, kPlain };
enum class NormType { kRmsNorm, kLayerNorm };
enum class PositionEmbedding { kRope, kLearned, kSinusoidal };

struct Attention {
  AttentionType type = AttentionType::kMha;
  int64_t heads = 0;
  int64_t kv_heads = 0;
  int64_t head_dim = 0;
  bool qkv_bias = false;
  bool k_bias = false;  // meaningful only with qkv_bias
  bool output_bias = false;
  bool qk_norm = false;
  bool sinks = false;
  bool output_gate = false;  // a sigmoid gate on the attention output (Qwen3-Next, Qwen3.5)
  int64_t sliding_window_tokens = 0;  // 0 = no sliding window
  int64_t sliding_window_layers = 0;  // decoder layers that use the window
  // The window is chunked (Llama 4: tokens attend within their aligned chunk of
  // sliding_window_tokens), not sliding; the KV cache holds at most one chunk either way.
  bool chunked_window = false;
  // MLA only.
  int64_t q_lora_rank = 0;
  int64_t kv_lora_rank = 0;
  int64_t qk_rope_head_dim = 0;
  int64_t qk_nope_head_dim = 0;
  int64_t v_head_dim = 0;
};

struct Mlp {
  MlpType type = MlpType::kGated;
  int64_t intermediate_size = 0;
  bool bias = false;
};

struct Moe {
  int64_t experts = 0;
  int64_t experts_per_token = 0;
  int64_t shared_experts = 0;
  int64_t expert_intermediate_size = 0;
  int64_t dense_layers = 0;
  bool router_bias = false;
  bool expert_bias = false;
  bool router_score_correction_bias = false;
  // Every layer_step-th layer after the dense ones is MoE; the others use [mlp] (Llama 4
  // Maverick: 2). 1 = every layer after dense_layers.
  int64_t layer_step = 1;
};

// Decoder layers with linear attention (Gated DeltaNet in Qwen3-Next and Qwen3.5, lightning
// attention in MiniMax-M1): each keeps a fixed-size state per sequence instead of a KV cache.
// The remaining layers use [attention].
struct LinearAttention {
  int64_t layers = 0;
  int64_t key_heads = 0;
  int64_t value_heads = 0;
  int64_t key_head_dim = 0;
  int64_t value_head_dim = 0;
  int64_t conv_kernel = 0;  // short causal convolution over q, k, v (Gated DeltaNet); 0 = none
  bool output_gate = false;
  double state_bits = 32;  // precision of the recurrent state (Qwen3.5: mamba_ssm_dtype float32)
};

struct Encoder {
  int64_t layers = 0;
  int64_t input_positions = 0;
  int64_t input_channels = 0;
};

struct Model : Entity {
  std::string hf_id;
  std::string family;
  bool encoder_decoder = false;
  std::string params_published;
  std::optional<double> params_reference;
  std::optional<double> params_active_reference;
  int64_t max_context_tokens = 0;
  std::string default_weights = "bf16";  // quantization format id
  std::string default_expert_weights;    // empty = same as default_weights
  int64_t layers = 0;
  int64_t hidden_size = 0;
  int64_t vocab_size = 0;
  bool tied_embeddings = false;
  PositionEmbedding position_embedding = PositionEmbedding::kRope;
  NormType norm = NormType::kRmsNorm;
  int64_t norms_per_layer = 2;
  Attention attention;
  Mlp mlp;
  std::optional<Moe> moe;
  std::optional<LinearAttention> linear_attention;
  int64_t mtp_layers = 0;  // multi-token prediction layers (DeepSeek-V3, Qwen3.5), not in `layers`
  std::optional<Encoder> encoder;
};

struct QualityResult {
  std::string model;  // catalog id, or the source's name for models the catalog lacks
  std::string method;
  std::optional<double> weight_bits;
  std::optional<double> activation_bits;
  std::optional<double> kv_bits;
  std::string metric;
  bool higher_is_better = false;
  std::string baseline_precision;
  double baseline_value = 0;
  double quantized_value = 0;
  double delta = 0;
  std::string eval_setup;
  std::string source;
  std::string notes;
};

struct QuantFormat : Entity {
  bool for_weights = false;
  bool for_kv = false;
  std::string precision;  // user-facing name: bf16, fp16, fp8, int8, int4, fp4
  bool default_for_weights = false;
  bool default_for_kv = false;
  double bits = 16;
  int64_t group_size = 0;
  int64_t scale_bits = 0;
  int64_t zero_point_bits = 0;
  std::string compute_precision;
  bool quantizes_embeddings = false;
  std::string method;
  std::vector<QualityResult> results;

  // Stored bits per element, scales and zero points included.
  double BitsPerElement() const {
    if (group_size <= 0) return bits;
    return bits +
           static_cast<double>(scale_bits + zero_point_bits) / static_cast<double>(group_size);
  }
};

// Engine defaults that depend on the accelerator (vLLM picks smaller batches on A100 and on
// GPUs under 70 GiB): the first override that matches replaces the [limits] values.
struct LimitOverride {
  std::vector<std::string> accelerators;  // accelerator ids it applies to
  int64_t memory_below_bytes = 0;         // or: accelerators with less usable memory
  int64_t max_num_seqs = 0;               // 0 = keep the [limits] value
  int64_t max_num_batched_tokens = 0;
};

enum class MemoryPolicy {
  kFractionOfTotal,
  kStaticFractionOfTotal,
  kFractionOfFree,
  kAllRemaining
};
enum class KvAllocation { kPaged, kContiguous };

// The measurements of another engine that an engine profile stands for ([resolves]): an engine
// whose older releases ran another runtime (TensorRT-LLM before 1.0 built TensorRT engines; from
// 1.0 it runs PyTorch) keeps one profile per runtime. A row naming `engine` takes the profile when
// its engine_version is a version number below `versions_below`, or, stating none, when it is
// dated before `dated_before` (the day the newer runtime became the default).
struct ReleaseRange {
  std::string engine;
  std::vector<int> versions_below;  // the version's numbers: "1.0" -> {1, 0}
  std::string dated_before;         // YYYY-MM-DD
};

struct Engine : Entity {
  std::string version;
  std::optional<ReleaseRange> resolves;
  MemoryPolicy memory_policy = MemoryPolicy::kFractionOfTotal;
  double memory_fraction = 0.9;
  int64_t runtime_overhead_bytes = 0;
  int64_t cuda_graph_bytes = 0;
  bool cuda_graphs_in_budget = true;  // false: graphs are captured after the KV pool is sized
  int64_t activation_dtype_bytes = 2;
  int64_t logits_dtype_bytes = 4;
  KvAllocation kv_allocation = KvAllocation::kPaged;
  int64_t block_tokens = 16;
  // Finished prompts' KV blocks stay cached and later requests with the same prefix reuse them
  // (vLLM automatic prefix caching, SGLang RadixAttention, TensorRT-LLM block reuse).
  bool prefix_caching = false;
  int64_t max_num_seqs = 256;
  int64_t max_num_batched_tokens = 8192;
  int64_t max_model_len = 0;  // 0 = the model's maximum context
  std::vector<LimitOverride> limit_overrides;
  // Per-iteration costs outside the accelerator's kernels ([overhead]).
  double step_overhead_s = 0;          // scheduling, input preparation, sampling per step
  double per_sequence_overhead_s = 0;  // added per running sequence per step
  double per_request_s = 0;            // frontend work per request before the engine sees it
  // Frontend work per streamed token (detokenising, writing the response) in a process beside
  // the engine's loop: a step lasts at least its tokens times this.
  double frontend_per_token_s = 0;
  // Seconds from a fresh process to serving ([startup] restart_s): loading weights, compiling,
  // capturing CUDA graphs. What a replica loses when its instance is replaced.
  std::optional<double> restart_s;
  // (HTTP, tokenisation): serial, so a burst queues for it
  int64_t cuda_graph_max_batch = 0;    // decode batches up to this size replay CUDA graphs
  double eager_launch_overhead_s = 0;  // added per layer when a step runs without CUDA graphs
  bool chunked_prefill = true;         // prefill chunks share steps with decodes
  // [scheduler] policy "prefill-first": a step runs either prompts (whenever a waiting request can
  // be admitted) or the running decodes, never both (SGLang without --enable-mixed-chunk).
  // Otherwise "decode-first": running decodes, then prompt chunks in the rest of the budget.
  bool prefill_first = false;
  // [scheduler] output reservation (SGLang's new_token_ratio): a new request is admitted only
  // when the pool holds its prompt and its whole remaining output besides `ratio` × the remaining
  // output of every running request; the ratio starts at reserve_ratio_start, falls linearly to
  // reserve_ratio_min over reserve_ratio_decay_steps decode steps and starts again after a
  // preemption. 0: no reservation (vLLM, TensorRT-LLM admit on the prompt's blocks alone).
  double reserve_ratio_start = 0;
  double reserve_ratio_min = 0;
  int64_t reserve_ratio_decay_steps = 1;
  // The engine's kernels relative to the op tables its accelerator's efficiency profile was
  // fitted to: multiply the achieved compute rate and bandwidth ([kernels], default 1).
  double compute_scale = 1;
  double memory_scale = 1;
  // The frameworks of shared/data/opdb whose measured op tables describe this engine's kernels,
  // best first: picks the efficiency profile (Catalog::EfficiencyOf).
  std::vector<std::string> op_tables;
  // The engine's own command-line flags mapped to the settings they change ([cli_flags]): flag
  // -> "key" (takes the flag's value) or "key=value" (a switch). See engine_settings.h.
  std::vector<std::pair<std::string, std::string>> cli_flags;

  // The batch limits on `accelerator`: [limits], or the first matching override.
  int64_t MaxNumSeqs(const Accelerator& accelerator) const {
    const LimitOverride* o = OverrideFor(accelerator);
    return o && o->max_num_seqs > 0 ? o->max_num_seqs : max_num_seqs;
  }
  int64_t MaxBatchedTokens(const Accelerator& accelerator) const {
    const LimitOverride* o = OverrideFor(accelerator);
    return o && o->max_num_batched_tokens > 0 ? o->max_num_batched_tokens : max_num_batched_tokens;
  }

 private:
  const LimitOverride* OverrideFor(const Accelerator& a) const {
    for (const auto& o : limit_overrides) {
      for (const auto& id : o.accelerators) {
        if (id == a.id) return &o;
      }
      if (o.memory_below_bytes > 0 && a.memory_bytes && *a.memory_bytes < o.memory_below_bytes) {
        return &o;
      }
    }
    return nullptr;
  }
};

// Achieved fractions of an accelerator's peaks (doc/formats/efficiency.md): derived data.
struct GemmCurve {
  double max_fraction = 0;
  double half_tokens = 0;
};

// Measured all-reduce times at one rank count ([[allreduce.measured]]): bytes per rank ascending.
struct AllReduceCurve {
  int ranks = 0;
  std::vector<double> bytes;
  std::vector<double> seconds;
};

struct Efficiency : Entity {
  std::string accelerator;                // accelerator id, or "*" for the default
  std::string framework;                  // whose op tables it was fitted to; "" for the default
  std::map<std::string, GemmCurve> gemm;  // by compute precision: bf16, fp8, fp4, int8
  double gemm_memory_fraction = 0;
  double gemm_kernel_latency_s = 0;
  double attention_prefill_fraction = 0;   // the prefill curve's limit for long key loops
  double attention_prefill_half_work = 0;  // keys per query at half of it; 0: constant fraction
  double attention_decode_memory_fraction = 0;
  double attention_kernel_latency_s = 0;
  double allreduce_bw_fraction = 0;
  double allreduce_latency_s = 0;
  std::vector<AllReduceCurve> allreduce_measured;  // by rank count; interpolated where present
  // Accelerators without a scale-up link reduce over PCIe, with far longer latencies: 0 = use
  // allreduce_bw_fraction and allreduce_latency_s.
  double pcie_allreduce_bw_fraction = 0;
  double pcie_allreduce_latency_s = 0;

  // The measured curve for `ranks`, or nullptr.
  const AllReduceCurve* AllReduceMeasured(int ranks) const {
    for (const auto& c : allreduce_measured) {
      if (c.ranks == ranks) return &c;
    }
    return nullptr;
  }

  // The fraction of the BF16 peak reached by a prefill attention call whose query tokens attend
  // to `keys_per_query` keys on average: prefill_fraction × W / (W + prefill_half_work), W =
  // keys_per_query (doc/formats/efficiency.md, [attention]). REQUIRES: keys_per_query > 0.
  double AttentionPrefillFraction(double keys_per_query) const {
    if (attention_prefill_half_work <= 0) return attention_prefill_fraction;
    return attention_prefill_fraction * keys_per_query /
           (keys_per_query + attention_prefill_half_work);
  }
};

// How far measurements fall from predictions (doc/formats/accuracy.md): derived data, written by
// `pertoken calibrate engines --write` from the calibration residuals.
struct AccuracyBand {
  std::string engine;     // engine id, or "*" for every engine
  std::string row_class;  // "throughput" or "latency"
  int64_t rows = 0;
  double low_ratio = 1;   // 10th percentile of measured / predicted
  double high_ratio = 1;  // 90th percentile
  double median_ape = 0;
};

struct Accuracy : Entity {
  std::string measurements;  // the file the residuals come from
  std::vector<AccuracyBand> bands;
};

// Where accelerators run: the facility around the IT load.
struct Datacenter : Entity {
  bool is_default = false;            // the profile used when the user names none (exactly one)
  double pue = 1;                     // power usage effectiveness: facility power / IT power, >= 1
  std::optional<double> usd_per_kwh;  // electricity price
  std::optional<double> usd_per_kw_month;  // colocation rent per kW of IT load provisioned
};

// How owned hardware is financed and housed: the terms of a total-cost-of-ownership estimate.
struct Ownership : Entity {
  bool is_default = false;                   // the profile used when the user names none
  double amortization_years = 5;             // the hardware's useful life
  double cost_of_capital = 0;                // annual rate the purchase is financed at
  double maintenance_fraction_per_year = 0;  // support and repairs, of the capex per year
  double server_capex_fraction = 0;          // the rest of the server, of the accelerators' capex
  double server_power_factor = 1;            // server power / accelerators' power
};

// How the reference implementation of a benchmark runs it on some hardware, where submissions
// self-report another precision (MLPerf v4.1's NVIDIA TensorRT results say fp16 but ran FP8).
struct ReferencePrecision {
  std::string engine;                     // catalog engine id
  std::vector<std::string> accelerators;  // catalog accelerator ids
  std::string weights;                    // precision or format ids, as --weights and --kv take
  std::string kv;
  std::string source;
};

// A named benchmark workload (doc/formats/workload.md): the request lengths of a benchmark's
// dataset and the latency limits its scenarios set. `--workload ID` uses them; `validate` gives
// them to measurement rows that name a benchmark but no lengths.
struct Workload : Entity {
  std::string suite;      // "mlperf-inference" or "serving-benchmark"
  std::string benchmark;  // the suite's own name for it ("llama2-70b")
  std::string model;      // catalog id of the model it is defined for; "" = any model
  std::string dataset;
  int64_t samples = 0;  // requests in the dataset; 0 = not stated
  std::string tokenizer;
  std::optional<double> input_mean_tokens;  // absent = not published
  std::optional<double> output_mean_tokens;
  std::string lengths_file;  // a table of request lengths (trace.md), resolved path; "" = none
  // p99 limits of the MLPerf Server and Interactive scenarios; absent when the benchmark has none.
  std::optional<double> server_ttft_p99_s;
  std::optional<double> server_tpot_p99_s;
  std::optional<double> interactive_ttft_p99_s;
  std::optional<double> interactive_tpot_p99_s;
  std::vector<ReferencePrecision> reference_precisions;
};

struct PriceOffer {
  std::string sku;
  std::string accelerator;       // catalog id, may be empty
  std::string accelerator_name;  // provider's wording
  std::optional<int64_t> accelerators;
  std::string pricing;
  std::optional<double> usd_per_hour;
  std::optional<double> capex_usd;
  std::optional<double> discount_fraction;
  std::string region;
  std::string as_of;
  std::string source;
  std::string notes;
};

struct PriceList : Entity {
  std::string as_of;
  // Spot capacity of this provider ([spot]): the share of instances reclaimed per month, and the
  // warning given before.
  std::optional<double> spot_interruptions_per_month;
  std::optional<double> spot_notice_s;
  std::string kind;  // cloud | marketplace | purchase | market-summary
  std::vector<PriceOffer> offers;
};

struct ApiOffer {
  std::string model_name;
  std::string model;  // catalog id, may be empty
  bool open_weights = false;
  double input_usd_per_mtok = 0;
  double output_usd_per_mtok = 0;
  std::optional<double> cached_input_usd_per_mtok;
  std::string as_of;
  std::string source;
  std::string notes;
};

struct ApiPriceList : Entity {
  std::string as_of;
  std::vector<ApiOffer> offers;
};

}  // namespace pertoken::catalog
