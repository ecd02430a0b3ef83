#include "validate/stats.h"

#include <algorithm>
#include <cmath>

namespace pertoken::validate {

namespace {

constexpr double kMedian = 0.5;
constexpr double kP90 = 0.9;

}  // namespace

double Percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double index = q * static_cast<double>(values.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(index));
  const size_t above = std::min(below + 1, values.size() - 1);
  return values[below] + (index - static_cast<double>(below)) * (values[above] - values[below]);
}

double AbsolutePercentageError(double predicted, double measured) {
  return std::abs(predicted - measured) / measured;
}

ErrorStats SummarizeErrors(int64_t rows, const std::vector<double>& apes, int64_t inside) {
  ErrorStats s{.rows = rows, .predicted = static_cast<int64_t>(apes.size())};
  if (apes.empty()) return s;
  s.median_ape = Percentile(apes, kMedian);
  s.p90_ape = Percentile(apes, kP90);
  s.interval_coverage = static_cast<double>(inside) / static_cast<double>(apes.size());
  return s;
}

}  // namespace pertoken::validate
