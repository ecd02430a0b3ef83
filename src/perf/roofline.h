// The formulas every op time is made of, in one place: the step-time model (step.cc) predicts
// with them and the op-table fits (src/calibrate/) fit their parameters with them, so the two
// cannot drift apart. Pure inline functions; thread-safe.
#pragma once

#include <algorithm>
#include <cmath>

#include "catalog/types.h"

namespace pertoken::perf {

// An op that needs `flops` at `flops_per_s` and moves `bytes` at `bytes_per_s` takes the slower
// of the two (a roofline) plus a fixed latency.
struct Roofline {
  double compute_s = 0;
  double memory_s = 0;
  double latency_s = 0;
  double time_s() const { return std::max(compute_s, memory_s) + latency_s; }
  bool compute_bound() const { return compute_s >= memory_s; }
};

inline Roofline MakeRoofline(double flops, double flops_per_s, double bytes, double bytes_per_s,
                             double latency_s) {
  return {
      .compute_s = flops / flops_per_s, .memory_s = bytes / bytes_per_s, .latency_s = latency_s};
}

// The fraction of peak a GEMM of m tokens reaches: max_fraction × m / (m + half_tokens)
// (doc/formats/efficiency.md). REQUIRES: m > 0.
inline double GemmComputeFraction(const catalog::GemmCurve& curve, double m) {
  return curve.max_fraction * m / (m + curve.half_tokens);
}

// A ring all-reduce of `bytes` over `ranks` accelerators: latency plus 2 (r − 1) / r of the
// bytes over each direction of the link at `bw_fraction` of its speed.
inline double AllReduceSeconds(double ranks, double bytes, double per_direction_bytes_per_s,
                               double bw_fraction, double latency_s) {
  if (ranks <= 1) return 0;
  return latency_s + 2.0 * (ranks - 1) / ranks * bytes / (per_direction_bytes_per_s * bw_fraction);
}

// The time of an all-reduce of `bytes` per rank read off a measured curve: linear in log-log
// between the measured sizes, the smallest size's time below them, and beyond the largest the
// largest size's time plus the extra bytes at the marginal bandwidth of the last two points.
// REQUIRES: curve.bytes rises strictly and matches curve.seconds in length.
inline double MeasuredAllReduceSeconds(const catalog::AllReduceCurve& curve, double bytes) {
  const auto& b = curve.bytes;
  const auto& t = curve.seconds;
  if (bytes <= b.front()) return t.front();
  const size_t n = b.size();
  if (bytes >= b.back()) {
    if (n < 2 || t[n - 1] <= t[n - 2]) return t.back() * bytes / b.back();
    return t.back() + (bytes - b.back()) * (t[n - 1] - t[n - 2]) / (b[n - 1] - b[n - 2]);
  }
  const size_t hi = static_cast<size_t>(std::upper_bound(b.begin(), b.end(), bytes) - b.begin());
  const size_t lo = hi - 1;
  const double f = std::log(bytes / b[lo]) / std::log(b[hi] / b[lo]);
  return t[lo] * std::pow(t[hi] / t[lo], f);
}

}  // namespace pertoken::perf
