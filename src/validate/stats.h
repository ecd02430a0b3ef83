// Error statistics of predictions against measurements: absolute percentage errors, their
// percentiles, and the share of measurements inside prediction intervals. Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace pertoken::validate {

// The q-quantile of `values` by linear interpolation between closest ranks (numpy's default,
// method="linear"): sorted ascending, the value at fractional index q × (n − 1).
// REQUIRES: !values.empty(), 0 <= q <= 1.
double Percentile(std::vector<double> values, double q);

// |predicted − measured| / measured. REQUIRES: measured > 0.
double AbsolutePercentageError(double predicted, double measured);

// The errors of one class of rows (throughput or latency) in one group.
struct ErrorStats {
  int64_t rows = 0;                  // rows of the class
  int64_t predicted = 0;             // of which predicted
  std::optional<double> median_ape;  // fractions; absent when nothing was predicted
  std::optional<double> p90_ape;
  std::optional<double> interval_coverage;  // predicted rows whose measurement is inside the
                                            // prediction's interval, as a fraction
  double coverage() const {
    return rows > 0 ? static_cast<double>(predicted) / static_cast<double>(rows) : 0;
  }
};

// Stats of `rows` rows of which `apes.size()` were predicted, `inside` of them inside their
// interval.
ErrorStats SummarizeErrors(int64_t rows, const std::vector<double>& apes, int64_t inside);

}  // namespace pertoken::validate
