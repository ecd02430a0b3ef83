#include "calibrate/attention_fit.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>

namespace pertoken::calibrate {

namespace {

constexpr double kSecondsPerMillisecond = 1e-3;
constexpr double kKvBytesPerElement = 2;  // BF16 KV cache
constexpr std::string_view kBf16 = "bfloat16";

constexpr FitParam kPrefillFractionParam = {.start = 0.5, .min = 0.01, .max = 1};
// Keys per query; at the lower bound the curve is flat above a few keys.
constexpr FitParam kPrefillHalfWorkParam = {.start = 512, .min = 1, .max = 1e6};
constexpr FitParam kDecodeFractionParam = {.start = 0.7, .min = 0.01, .max = 1};
constexpr FitParam kLatencyParam = {.start = 5e-6, .min = 1e-8, .max = 1e-3};

// Column indices of an attention table; the optional ones filter only when present.
struct AttentionColumns {
  std::vector<size_t> numbers;  // batch, heads, kv heads, head dim, tokens, latency
  size_t kernel = 0;
  size_t kv_dtype = 0;
  std::optional<size_t> attn_dtype;
  std::optional<size_t> window;
  std::optional<size_t> beam;
};

Result<AttentionColumns> FindColumns(const CsvTable& table, bool prefill) {
  auto numbers = table.Columns({"batch_size", "num_heads", "num_key_value_heads", "head_dim",
                                prefill ? "isl" : "step", "latency"});
  if (!numbers.ok()) return numbers.status();
  auto names = table.Columns({"kernel_source", "kv_cache_dtype"});
  if (!names.ok()) return names.status();
  AttentionColumns c{.numbers = *numbers, .kernel = (*names)[0], .kv_dtype = (*names)[1]};
  if (auto i = table.Column("attn_dtype"); i.ok()) c.attn_dtype = *i;
  if (auto i = table.Column("window_size"); i.ok()) c.window = *i;
  if (auto i = table.Column("beam_width"); i.ok()) c.beam = *i;
  return c;
}

// Whether `row` is full (not sliding-window) attention with BF16 compute and KV, one beam.
Result<bool> IsFullBf16(const CsvTable& table, size_t row, const AttentionColumns& c) {
  if (table.Cell(row, c.kv_dtype) != kBf16) return false;
  if (c.attn_dtype && table.Cell(row, *c.attn_dtype) != kBf16) return false;
  for (auto [column, wanted] : {std::pair{c.window, 0.0}, std::pair{c.beam, 1.0}}) {
    if (!column) continue;
    auto value = table.Number(row, *column);
    if (!value.ok()) return value.status();
    if (*value != wanted) return false;
  }
  return true;
}

Result<AttentionSample> ReadSample(const CsvTable& table, size_t row, const AttentionColumns& c) {
  std::array<double, 6> v{};
  for (size_t i = 0; i < v.size(); ++i) {
    auto number = table.Number(row, c.numbers[i]);
    if (!number.ok()) return number.status();
    if (*number <= 0) {
      return Status::ParseError(fmt::format("{}:{}: {}: must be > 0", table.path(), table.Line(row),
                                            table.header()[c.numbers[i]]));
    }
    v[i] = *number;
  }
  return AttentionSample{.batch = v[0],
                         .heads = v[1],
                         .kv_heads = v[2],
                         .head_dim = v[3],
                         .tokens = v[4],
                         .latency_s = v[5] * kSecondsPerMillisecond};
}

// The kernel with the most rows; ties go to the first name in sorted order.
std::string DominantKernel(const std::map<std::string, int>& counts) {
  std::string best;
  int most = 0;
  for (const auto& [kernel, count] : counts) {
    if (count > most) {
      best = kernel;
      most = count;
    }
  }
  return best;
}

// Prefill rows reduced to what the curve needs.
struct PrefillRows {
  std::vector<double> peak_s;          // time at the BF16 peak
  std::vector<double> keys_per_query;  // the curve's variable
  std::vector<double> measured;        // seconds
};

PrefillRows ReadPrefillRows(const AttentionSeries& prefill, double peak_flops_per_s) {
  PrefillRows rows;
  for (const AttentionSample& s : prefill.samples) {
    rows.peak_s.push_back(PrefillAttentionFlops(s) / peak_flops_per_s);
    rows.keys_per_query.push_back(PrefillKeysPerQuery(s));
    rows.measured.push_back(s.latency_s);
  }
  return rows;
}

// Prefill times under the curve, through the same function the step model calls.
std::vector<double> PredictPrefill(const PrefillRows& rows, double fraction, double half_work,
                                   double latency_s) {
  catalog::Efficiency curve;
  curve.attention_prefill_fraction = fraction;
  curve.attention_prefill_half_work = half_work;
  std::vector<double> out(rows.peak_s.size());
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = rows.peak_s[i] / curve.AttentionPrefillFraction(rows.keys_per_query[i]) + latency_s;
  }
  return out;
}

// Decode times: time at the peak bandwidth divided by the fraction, plus the latency.
std::vector<double> PredictDecode(const std::vector<double>& peak_s, double fraction,
                                  double latency_s) {
  std::vector<double> out(peak_s.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = peak_s[i] / fraction + latency_s;
  return out;
}

}  // namespace

Result<AttentionSeries> ReadAttentionSeries(const CsvTable& table, bool prefill) {
  auto cols = FindColumns(table, prefill);
  if (!cols.ok()) return cols.status();
  std::vector<size_t> usable;
  std::map<std::string, int> kernel_rows;
  for (size_t row = 0; row < table.rows(); ++row) {
    auto keep = IsFullBf16(table, row, *cols);
    if (!keep.ok()) return keep.status();
    if (!*keep) continue;
    usable.push_back(row);
    ++kernel_rows[std::string(table.Cell(row, cols->kernel))];
  }
  if (usable.empty()) {
    return Status::ParseError(
        fmt::format("{}: no full-attention rows with BF16 compute and KV cache", table.path()));
  }
  AttentionSeries series{.kernel_source = DominantKernel(kernel_rows)};
  for (size_t row : usable) {
    if (table.Cell(row, cols->kernel) != series.kernel_source) continue;
    auto sample = ReadSample(table, row, *cols);
    if (!sample.ok()) return sample.status();
    series.samples.push_back(*sample);
  }
  return series;
}

double PrefillAttentionFlops(const AttentionSample& s) {
  return 2 * 2 * s.batch * s.heads * s.head_dim * s.tokens * s.tokens / 2;
}

double PrefillKeysPerQuery(const AttentionSample& s) { return s.tokens / 2; }

double DecodeAttentionBytes(const AttentionSample& s) {
  return s.batch * s.kv_heads * s.head_dim * 2 * s.tokens * kKvBytesPerElement;
}

Result<AttentionFit> FitAttention(const AttentionSeries& prefill, const AttentionSeries& decode,
                                  const catalog::Accelerator& acc) {
  if (prefill.samples.empty() || decode.samples.empty()) {
    return Status::InvalidArgument("no attention rows to fit");
  }
  auto peak = acc.peak_flops_per_s.find("bf16");
  if (peak == acc.peak_flops_per_s.end()) {
    return Status::InvalidArgument(fmt::format("accelerator {} has no bf16 peak", acc.id));
  }
  const PrefillRows p = ReadPrefillRows(prefill, peak->second);
  std::vector<double> decode_work, decode_measured;
  for (const AttentionSample& s : decode.samples) {
    decode_work.push_back(DecodeAttentionBytes(s) / acc.mem_bw_bytes_per_s);
    decode_measured.push_back(s.latency_s);
  }
  // Parameters: prefill_fraction, prefill_half_work, decode_memory_fraction, kernel_latency_s.
  auto objective = [&](std::span<const double> x) {
    return (MeanAbsLogRatio(PredictPrefill(p, x[0], x[1], x[3]), p.measured) +
            MeanAbsLogRatio(PredictDecode(decode_work, x[2], x[3]), decode_measured)) /
           2;
  };
  const std::vector<double> best = MinimizePositive(
      objective,
      {kPrefillFractionParam, kPrefillHalfWorkParam, kDecodeFractionParam, kLatencyParam});
  return AttentionFit{
      .prefill_fraction = best[0],
      .prefill_half_work = best[1],
      .decode_memory_fraction = best[2],
      .kernel_latency_s = best[3],
      .prefill_quality = Quality(PredictPrefill(p, best[0], best[1], best[3]), p.measured),
      .decode_quality = Quality(PredictDecode(decode_work, best[2], best[3]), decode_measured)};
}

}  // namespace pertoken::calibrate
