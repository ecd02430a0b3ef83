// Curve-fitting tools shared by the op fits: a bounded minimiser over positive parameters and the
// error statistics reported for a fit. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace pertoken::calibrate {

// One positive parameter to fit: a starting value and the bounds it must stay within.
// REQUIRES: 0 < min <= start <= max.
struct FitParam {
  double start = 1;
  double min = 1e-12;
  double max = 1e12;
};

// Minimises `objective` over the parameters by a pattern search in log space: each parameter in
// turn is multiplied and divided by its step factor; a step that helps grows, one that does not
// shrinks, until every step is below `tolerance` (relative) or `max_evaluations` is reached.
// Deterministic: the same objective and parameters give the same answer. Returns the best values.
std::vector<double> MinimizePositive(
    const std::function<double(std::span<const double>)>& objective,
    const std::vector<FitParam>& params, double tolerance = 1e-4, int max_evaluations = 20000);

// The mean of |ln(predicted / measured)| over pairs: the fit objective, robust to outliers and
// indifferent to scale. REQUIRES: equal sizes, every value > 0.
double MeanAbsLogRatio(std::span<const double> predicted, std::span<const double> measured);

// How well predictions match measurements.
struct FitQuality {
  int64_t rows = 0;
  double median_ape = 0;  // median of |predicted - measured| / measured, a fraction
  double p90_ape = 0;     // its 90th percentile (nearest rank)
};

// REQUIRES: equal sizes, measured values > 0.
FitQuality Quality(std::span<const double> predicted, std::span<const double> measured);

}  // namespace pertoken::calibrate
