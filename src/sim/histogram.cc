#include "sim/histogram.h"

#include <algorithm>
#include <cmath>

namespace pertoken::sim {

LogHistogram::LogHistogram(double min_value, double max_value, double ratio)
    : min_value_(min_value), log_ratio_(std::log(ratio)) {
  const auto n = static_cast<size_t>(std::ceil(std::log(max_value / min_value) / log_ratio_)) + 1;
  buckets_.assign(n, 0);
}

void LogHistogram::Add(double value, int64_t count) {
  if (count <= 0) return;
  size_t i = 0;
  if (value > min_value_) {
    i = std::min(buckets_.size() - 1,
                 static_cast<size_t>(std::log(value / min_value_) / log_ratio_));
  }
  buckets_[i] += count;
  min_ = count_ ? std::min(min_, value) : value;
  max_ = count_ ? std::max(max_, value) : value;
  count_ += count;
  sum_ += value * static_cast<double>(count);
}

// The value of rank `k` (0-based) in sorted order: the smallest and largest exactly, others spread
// evenly in log space over their bucket's width.
double LogHistogram::ValueAtRank(int64_t k) const {
  if (k <= 0) return min_;  // the extremes are kept exactly
  if (k >= count_ - 1) return max_;
  int64_t below = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    if (buckets_[i] == 0) continue;
    if (below + buckets_[i] > k) {
      const double f = (static_cast<double>(k - below) + 0.5) / static_cast<double>(buckets_[i]);
      const double v = min_value_ * std::exp((static_cast<double>(i) + f) * log_ratio_);
      return std::clamp(v, min_, max_);
    }
    below += buckets_[i];
  }
  return max_;
}

double LogHistogram::Quantile(double q) const {
  if (count_ == 0) return 0;
  // Linear interpolation between the closest ranks (numpy's default), as the traces' statistics.
  const double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(count_ - 1);
  const auto lo = static_cast<int64_t>(std::floor(rank));
  const double lo_value = ValueAtRank(lo);
  if (lo + 1 >= count_) return lo_value;
  return lo_value + (rank - static_cast<double>(lo)) * (ValueAtRank(lo + 1) - lo_value);
}

}  // namespace pertoken::sim
