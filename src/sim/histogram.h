// A bounded-memory histogram of positive values (latencies) with relative-error percentiles: the
// simulator summarises millions of requests without holding them. Not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

namespace pertoken::sim {

class LogHistogram {
 public:
  // Buckets grow by `ratio` from `min_value` up; values below min_value land in the first bucket,
  // values above the last bucket in the last. Percentiles are exact to within the ratio.
  explicit LogHistogram(double min_value = 1e-6, double max_value = 1e7, double ratio = 1.005);

  void Add(double value) { Add(value, 1); }
  // `count` observations of `value`.
  void Add(double value, int64_t count);
  int64_t count() const { return count_; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0; }
  double max() const { return max_; }
  // The q-quantile (q in [0, 1]) by linear interpolation between the closest ranks (numpy's
  // default), each rank's value placed geometrically inside its bucket and clamped to the
  // smallest and largest values seen; 0 when empty.
  double Quantile(double q) const;

 private:
  double ValueAtRank(int64_t k) const;

  double min_value_;
  double log_ratio_;
  std::vector<int64_t> buckets_;
  int64_t count_ = 0;
  double sum_ = 0;
  double min_ = 0;
  double max_ = 0;
};

}  // namespace pertoken::sim
