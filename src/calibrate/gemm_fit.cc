#include "calibrate/gemm_fit.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

#include "perf/roofline.h"

namespace pertoken::calibrate {

namespace {

constexpr double kSecondsPerMillisecond = 1e-3;
constexpr double kActivationBytesPerElement = 2;  // BF16 activations in and out

// A table dtype that has a catalog compute precision and a curve of its own; each precision has
// one rule.
struct DtypeRule {
  const char* table_dtype;
  const char* precision;
  double weight_bytes_per_element;
};

// Block-scaled FP8 and weight-only formats (fp8_block, int8_wo, int4_wo) have no rule: the
// efficiency format has no curve for them.
constexpr std::array<DtypeRule, 4> kDtypeRules = {{
    {"bfloat16", "bf16", 2},
    {"fp8", "fp8", 1},      // per-tensor scaled FP8
    {"nvfp4", "fp4", 0.5},  // 4-bit values; the block scales are left out
    {"sq", "int8", 1},      // SmoothQuant W8A8: INT8 weights and activations
}};

// Starting values and bounds of the fitted parameters.
constexpr FitParam kMemoryFractionParam = {.start = 0.8, .min = 0.01, .max = 1};
constexpr FitParam kLatencyParam = {.start = 5e-6, .min = 1e-8, .max = 1e-3};
constexpr FitParam kMaxFractionParam = {.start = 0.7, .min = 0.01, .max = 1};
constexpr FitParam kHalfTokensParam = {.start = 128, .min = 1, .max = 1e5};

const DtypeRule* FindRule(std::string_view dtype) {
  for (const DtypeRule& r : kDtypeRules) {
    if (dtype == r.table_dtype) return &r;
  }
  return nullptr;
}

Result<GemmSample> ReadSample(const CsvTable& table, size_t row, const std::vector<size_t>& cols) {
  std::array<double, 4> v{};
  for (size_t i = 0; i < v.size(); ++i) {
    auto number = table.Number(row, cols[i + 1]);
    if (!number.ok()) return number.status();
    v[i] = *number;
  }
  if (v[0] <= 0 || v[1] <= 0 || v[2] <= 0 || v[3] <= 0) {
    return Status::ParseError(
        fmt::format("{}:{}: m, n, k and latency must be > 0", table.path(), table.Line(row)));
  }
  return GemmSample{.m = v[0], .n = v[1], .k = v[2], .latency_s = v[3] * kSecondsPerMillisecond};
}

// The measured latencies and the peak-derived constants of one series, for the objective.
struct SeriesData {
  std::vector<GemmSample> samples;
  std::vector<double> measured_s;
  double weight_bytes_per_element = 2;
  double peak_flops_per_s = 0;
};

// Predictions of `d` with params laid out as {memory, latency, max_0, half_0, max_1, ...}.
void PredictSeries(const SeriesData& d, size_t index, std::span<const double> p, double bw,
                   std::vector<double>* out) {
  const catalog::GemmCurve curve = {.max_fraction = p[2 + 2 * index],
                                    .half_tokens = p[3 + 2 * index]};
  out->resize(d.samples.size());
  for (size_t i = 0; i < d.samples.size(); ++i) {
    (*out)[i] = PredictGemm(d.samples[i], d.weight_bytes_per_element, d.peak_flops_per_s, bw, curve,
                            p[0], p[1]);
  }
}

// The rows of `s` inside (`in_domain`) or outside the fit domain, with the series' constants.
SeriesData SplitSeries(const GemmSeries& s, double peak_flops_per_s, bool in_domain) {
  SeriesData d{.weight_bytes_per_element = s.weight_bytes_per_element,
               .peak_flops_per_s = peak_flops_per_s};
  for (const GemmSample& g : s.samples) {
    const bool layer_sized = g.n >= kGemmMinFitFeatures && g.k >= kGemmMinFitFeatures;
    if (layer_sized != in_domain) continue;
    d.samples.push_back(g);
    d.measured_s.push_back(g.latency_s);
  }
  return d;
}

// The quality over every row of every series together.
FitQuality PooledQuality(const std::vector<SeriesData>& data, std::span<const double> p,
                         double bw) {
  std::vector<double> predicted, all_predicted, all_measured;
  for (size_t i = 0; i < data.size(); ++i) {
    PredictSeries(data[i], i, p, bw, &predicted);
    all_predicted.insert(all_predicted.end(), predicted.begin(), predicted.end());
    all_measured.insert(all_measured.end(), data[i].measured_s.begin(), data[i].measured_s.end());
  }
  return Quality(all_predicted, all_measured);
}

}  // namespace

Result<GemmTable> ReadGemmTable(const CsvTable& table) {
  auto cols = table.Columns({"gemm_dtype", "m", "n", "k", "latency"});
  if (!cols.ok()) return cols.status();
  std::map<std::string, GemmSeries> by_precision;
  std::set<std::string> skipped;
  for (size_t row = 0; row < table.rows(); ++row) {
    const std::string_view dtype = table.Cell(row, (*cols)[0]);
    const DtypeRule* rule = FindRule(dtype);
    if (rule == nullptr) {
      skipped.emplace(dtype);
      continue;
    }
    auto sample = ReadSample(table, row, *cols);
    if (!sample.ok()) return sample.status();
    GemmSeries& s = by_precision[rule->precision];
    s.precision = rule->precision;
    s.table_dtype = rule->table_dtype;
    s.weight_bytes_per_element = rule->weight_bytes_per_element;
    s.samples.push_back(*sample);
  }
  GemmTable out{.skipped_dtypes = {skipped.begin(), skipped.end()}};
  for (const DtypeRule& r : kDtypeRules) {
    auto it = by_precision.find(r.precision);
    if (it != by_precision.end()) out.series.push_back(std::move(it->second));
  }
  return out;
}

double PredictGemm(const GemmSample& s, double weight_bytes_per_element, double peak_flops_per_s,
                   double mem_bw_bytes_per_s, const catalog::GemmCurve& curve,
                   double memory_fraction, double kernel_latency_s) {
  // The step-time model's own GEMM roofline (perf/roofline.h), so the fit and the model agree.
  const double bytes =
      s.n * s.k * weight_bytes_per_element + (s.m * s.k + s.m * s.n) * kActivationBytesPerElement;
  return perf::MakeRoofline(2 * s.m * s.n * s.k,
                            peak_flops_per_s * perf::GemmComputeFraction(curve, s.m), bytes,
                            mem_bw_bytes_per_s * memory_fraction, kernel_latency_s)
      .time_s();
}

Result<GemmFit> FitGemm(const std::vector<GemmSeries>& series, const catalog::Accelerator& acc) {
  if (series.empty()) return Status::InvalidArgument("no GEMM rows of a known dtype");
  std::vector<SeriesData> fitted, excluded;
  std::vector<FitParam> params = {kMemoryFractionParam, kLatencyParam};
  for (const GemmSeries& s : series) {
    auto peak = acc.peak_flops_per_s.find(s.precision);
    if (peak == acc.peak_flops_per_s.end()) {
      return Status::InvalidArgument(fmt::format("accelerator {} has no {} peak for the {} GEMMs",
                                                 acc.id, s.precision, s.table_dtype));
    }
    fitted.push_back(SplitSeries(s, peak->second, true));
    if (fitted.back().samples.empty()) {
      return Status::InvalidArgument(fmt::format("no {} GEMMs with n and k of at least {}",
                                                 s.table_dtype, kGemmMinFitFeatures));
    }
    excluded.push_back(SplitSeries(s, peak->second, false));
    params.push_back(kMaxFractionParam);
    params.push_back(kHalfTokensParam);
  }
  std::vector<double> predicted;
  const double bw = acc.mem_bw_bytes_per_s;
  auto objective = [&](std::span<const double> p) {
    double sum = 0;
    for (size_t i = 0; i < fitted.size(); ++i) {
      PredictSeries(fitted[i], i, p, bw, &predicted);
      sum += MeanAbsLogRatio(predicted, fitted[i].measured_s);
    }
    return sum / static_cast<double>(fitted.size());
  };
  const std::vector<double> best = MinimizePositive(objective, params);

  GemmFit fit{.memory_fraction = best[0], .kernel_latency_s = best[1]};
  for (size_t i = 0; i < series.size(); ++i) {
    fit.curves[series[i].precision] = {.max_fraction = best[2 + 2 * i],
                                       .half_tokens = best[3 + 2 * i]};
    PredictSeries(fitted[i], i, best, bw, &predicted);
    fit.by_precision[series[i].precision] = Quality(predicted, fitted[i].measured_s);
  }
  fit.quality = PooledQuality(fitted, best, bw);
  fit.excluded_quality = PooledQuality(excluded, best, bw);
  return fit;
}

}  // namespace pertoken::calibrate
