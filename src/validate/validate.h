// The validation run: every measurement row is mapped to a serving query (row_mapping.h),
// predicted (predict.h) and compared with its measured value; the report holds each row's outcome,
// error statistics per class of metric (throughput, latency), skip reasons with counts, and the
// same statistics per group. Deterministic: rows stay in file order, groups and reasons are
// sorted. Not thread-safe within one call; separate calls may run concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "common/status.h"
#include "validate/measurement.h"
#include "validate/predict.h"
#include "validate/stats.h"
#include "validate/workloads.h"

namespace pertoken::validate {

enum class GroupBy { kNone, kSource, kAccelerator, kEngine, kMetric, kModel };

// "" -> kNone, "source", "accelerator", "engine", "metric", "model"; InvalidArgument otherwise.
Result<GroupBy> ParseGroupBy(std::string_view name);
const char* GroupByName(GroupBy by);  // "" for kNone

// Placeholder prediction intervals until the serving model reports its own: per class, the
// low_q and high_q quantiles of the signed log residuals ln(predicted / measured) over the
// predicted rows, applied to every prediction of the class as [p·e^−high, p·e^−low]. By
// construction about high_q − low_q of the rows fall inside; the figure checks nothing yet.
struct IntervalBand {
  bool ok = false;  // false when the class has no predicted row
  double low_log_residual = 0;
  double high_log_residual = 0;
};

struct RowResult {
  std::string id;
  int line = 0;
  std::string metric;
  std::string source;  // group keys: the id's prefix, catalog ids (or the source's names)
  std::string model;
  std::string accelerator;
  std::string engine;
  bool has_class = false;  // the metric is one validate knows
  RowClass row_class = RowClass::kThroughput;
  double measured = 0;

  bool predicted = false;
  double prediction = 0;
  double ape = 0;           // |prediction − measured| / measured
  double interval_low = 0;  // the placeholder interval (IntervalBand)
  double interval_high = 0;
  bool in_interval = false;
  double request_rate = 0;  // the rate predicted at (MLPerf Server), 0 if none
  Skip skip;                // when !predicted
  std::vector<std::string> assumptions;

  const std::string& Key(GroupBy by) const;
};

struct GroupResult {
  std::string key;
  int64_t rows = 0;
  int64_t predicted = 0;
  ErrorStats throughput;
  ErrorStats latency;
};

struct ValidationReport {
  std::vector<RowResult> rows;  // file order
  int64_t predicted = 0;
  ErrorStats throughput;
  ErrorStats latency;
  IntervalBand throughput_band;
  IntervalBand latency_band;
  bool catalog_bands = false;  // intervals came from the catalog's accuracy bands
  std::vector<std::pair<std::string, int64_t>> skipped;  // reason, rows: most rows first
  GroupBy group_by = GroupBy::kNone;
  std::vector<GroupResult> groups;  // sorted by key

  double coverage() const {
    return rows.empty() ? 0 : static_cast<double>(predicted) / static_cast<double>(rows.size());
  }
};

struct Options {
  GroupBy group_by = GroupBy::kNone;
  PredictOptions predict;
  double interval_low_quantile = 0.1;  // of the signed log residuals (IntervalBand)
  double interval_high_quantile = 0.9;
};

// Predicts every row of `measurements`. `workloads` may be empty (MLPerf rows are then skipped).
// `catalog` must outlive the call only.
ValidationReport Validate(const catalog::Catalog& catalog,
                          const std::vector<Measurement>& measurements,
                          const std::vector<BenchmarkWorkload>& workloads, const Options& options);

}  // namespace pertoken::validate
