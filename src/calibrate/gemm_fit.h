// The GEMM fit: reads a gemm_perf table (shared/data/opdb/README.md) and fits the [gemm] curve of
// doc/formats/efficiency.md to it. Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "calibrate/csv_reader.h"
#include "calibrate/fit.h"
#include "catalog/types.h"
#include "common/status.h"

namespace pertoken::calibrate {

// One measured GEMM: x[m,k] times W[n,k]^T.
struct GemmSample {
  double m = 0;  // tokens
  double n = 0;  // output features
  double k = 0;  // input features
  double latency_s = 0;
};

// The measured GEMMs of one compute precision.
struct GemmSeries {
  std::string precision;                // catalog precision: bf16, fp8, fp4, int8
  std::string table_dtype;              // the table's gemm_dtype: bfloat16, fp8, nvfp4, sq
  double weight_bytes_per_element = 2;  // storage of W
  std::vector<GemmSample> samples;
};

// The rows of a gemm_perf table, one series per precision in the order bf16, fp8, fp4, int8.
struct GemmTable {
  std::vector<GemmSeries> series;
  std::vector<std::string> skipped_dtypes;  // dtypes with no curve of their own, sorted
};

// Reads the rows of the dtypes that map onto a catalog compute precision (bfloat16, fp8, nvfp4,
// sq = SmoothQuant INT8); block-scaled FP8 and weight-only formats have no curve in the format
// and are skipped. `latency` is read as milliseconds. Errors name the file: a missing column, a
// cell that is not a number, a size or latency <= 0.
Result<GemmTable> ReadGemmTable(const CsvTable& table);

// The fitted [gemm] table and how well it predicts the rows.
struct GemmFit {
  std::map<std::string, catalog::GemmCurve> curves;  // by precision
  double memory_fraction = 0;
  double kernel_latency_s = 0;
  FitQuality quality;  // the rows fitted (layer-sized shapes), every series
  std::map<std::string, FitQuality> by_precision;
  FitQuality excluded_quality;  // the rows left out of the fit, predicted with the fitted curve
};

// Rows with fewer input or output features than this are left out of the fit (but reported):
// below it the measured kernels run faster than any weight-streaming roofline (most likely the
// operands stay in L2 between the timed repetitions, and short K loops have smaller fixed costs),
// and FP8 kernels with few outputs are dominated by a cost proportional to m × k (most likely
// quantizing the activations). Per-GPU LLM layers are wider.
inline constexpr double kGemmMinFitFeatures = 1024;

// The predicted time of `s` (doc/formats/efficiency.md, [gemm]):
// max(2mnk / (peak × compute_fraction(m)), bytes / (bandwidth × memory_fraction)) + latency,
// bytes = n k × weight bytes + (m k + m n) × 2 (BF16 activations in and out).
double PredictGemm(const GemmSample& s, double weight_bytes_per_element, double peak_flops_per_s,
                   double mem_bw_bytes_per_s, const catalog::GemmCurve& curve,
                   double memory_fraction, double kernel_latency_s);

// Fits one curve per series and a memory fraction and kernel latency shared by all, minimising
// the mean |ln(predicted / measured)| averaged over series, over the rows with n and k of at least
// kGemmMinFitFeatures. The peaks come from `acc`
// (peak_flops_per_s[precision], mem_bw_bytes_per_s). InvalidArgument when `series` is empty or
// `acc` has no peak for a series' precision.
Result<GemmFit> FitGemm(const std::vector<GemmSeries>& series, const catalog::Accelerator& acc);

}  // namespace pertoken::calibrate
