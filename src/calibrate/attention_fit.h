// The attention fit: reads the context (prefill) and generation (decode) attention tables
// (shared/data/opdb/README.md) and fits the [attention] table of doc/formats/efficiency.md.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "calibrate/csv_reader.h"
#include "calibrate/fit.h"
#include "catalog/types.h"
#include "common/status.h"

namespace pertoken::calibrate {

// One measured attention call of one layer on one GPU.
struct AttentionSample {
  double batch = 0;
  double heads = 0;     // query heads
  double kv_heads = 0;  // key/value heads
  double head_dim = 0;
  double tokens = 0;  // prefill: prompt tokens per request; decode: tokens already cached
  double latency_s = 0;
};

// The rows of one attention table that the fit uses, and the kernel they time.
struct AttentionSeries {
  std::string kernel_source;
  std::vector<AttentionSample> samples;
};

// Reads the full-attention BF16 rows (attn_dtype and kv_cache_dtype bfloat16, window_size 0,
// beam_width 1) of the kernel with the most such rows; `prefill` picks the column that counts the
// tokens: `isl` for context tables, `step` (the cached tokens) for generation tables. `latency` is
// read as milliseconds. Errors name the file: a missing column, a bad number, no usable row.
Result<AttentionSeries> ReadAttentionSeries(const CsvTable& table, bool prefill);

// Causal prefill attention FLOPs: QK^T and PV, 2 × 2 × batch × heads × head_dim × isl² / 2.
double PrefillAttentionFlops(const AttentionSample& s);
// The variable of the prefill efficiency curve: the mean number of keys a query token attends to,
// isl / 2 for a causal prompt with nothing cached (doc/formats/efficiency.md, [attention]).
double PrefillKeysPerQuery(const AttentionSample& s);
// Decode attention bytes: K and V of every cached token, batch × kv_heads × head_dim × 2 × tokens
// × 2 (BF16).
double DecodeAttentionBytes(const AttentionSample& s);

struct AttentionFit {
  double prefill_fraction = 0;   // the curve's limit for long prompts
  double prefill_half_work = 0;  // keys per query at which it reaches half of that
  double decode_memory_fraction = 0;
  double kernel_latency_s = 0;
  FitQuality prefill_quality;
  FitQuality decode_quality;
};

// Fits prefill time = flops / (bf16 peak × f(W)) + latency, f(W) = prefill_fraction × W / (W +
// prefill_half_work) with W = PrefillKeysPerQuery (catalog::Efficiency::AttentionPrefillFraction),
// and decode time = bytes / (bandwidth × decode_memory_fraction) + latency with one latency for
// both, minimising the mean |ln(predicted / measured)| averaged over the two tables.
// InvalidArgument when a series is empty or `acc` has no bf16 peak.
Result<AttentionFit> FitAttention(const AttentionSeries& prefill, const AttentionSeries& decode,
                                  const catalog::Accelerator& acc);

}  // namespace pertoken::calibrate
