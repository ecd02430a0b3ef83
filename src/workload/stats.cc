#include "workload/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace pertoken::workload {

double Percentile(const std::vector<double>& sorted, double p) {
  const double k = static_cast<double>(sorted.size() - 1) * p / 100;
  const auto lo = static_cast<size_t>(std::floor(k));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (k - static_cast<double>(lo));
}

Distribution Describe(std::vector<double> values) {
  if (values.empty()) return {};
  std::sort(values.begin(), values.end());
  const double sum = std::accumulate(values.begin(), values.end(), 0.0);
  return {.mean = sum / static_cast<double>(values.size()),
          .p50 = Percentile(values, 50),
          .p90 = Percentile(values, 90),
          .p99 = Percentile(values, 99),
          .min = values.front(),
          .max = values.back()};
}

StreamStats Summarize(const std::vector<Request>& requests) {
  StreamStats stats{.count = static_cast<int64_t>(requests.size())};
  if (requests.empty()) return stats;
  std::vector<double> arrivals, inputs, outputs;
  for (const Request& r : requests) {
    arrivals.push_back(r.arrival_s);
    inputs.push_back(static_cast<double>(r.input_tokens));
    outputs.push_back(static_cast<double>(r.output_tokens));
  }
  stats.input_tokens = Describe(std::move(inputs));
  stats.output_tokens = Describe(std::move(outputs));
  std::sort(arrivals.begin(), arrivals.end());
  stats.span_s = arrivals.back() - arrivals.front();
  if (stats.span_s > 0) stats.rate_per_s = static_cast<double>(stats.count) / stats.span_s;
  if (arrivals.size() < 2) return stats;
  std::vector<double> gaps(arrivals.size());
  std::adjacent_difference(arrivals.begin(), arrivals.end(), gaps.begin());
  gaps.erase(gaps.begin());  // adjacent_difference keeps the first value itself
  const double n = static_cast<double>(gaps.size());
  const double mean = std::accumulate(gaps.begin(), gaps.end(), 0.0) / n;
  double squares = 0;
  for (double g : gaps) squares += (g - mean) * (g - mean);
  if (mean > 0) stats.iat_cv = std::sqrt(squares / n) / mean;
  return stats;
}

}  // namespace pertoken::workload
