#include "calibrate/fit.h"

#include <algorithm>
#include <cmath>

namespace pertoken::calibrate {

namespace {

// The first step multiplies a parameter by 2; a useful step grows by half, a useless one halves.
constexpr double kFirstLogStep = 0.6931471805599453;  // ln 2
constexpr double kGrowth = 1.5;
constexpr double kShrink = 0.5;
constexpr double kMaxLogStep = 4.0;
// A search that converged is started again from its answer with fresh steps, to step out of
// shallow local minima, until a restart gains nothing.
constexpr int kMaxRestarts = 4;

// The search state in log space.
struct Search {
  const std::function<double(std::span<const double>)>& objective;
  std::vector<double> lo, hi, x;
  double best = 0;
  int evaluations = 0;

  double Evaluate(const std::vector<double>& at) {
    std::vector<double> values(at.size());
    for (size_t i = 0; i < at.size(); ++i) values[i] = std::exp(at[i]);
    ++evaluations;
    return objective(values);
  }

  // Tries x[i] ± step; keeps the first that lowers the objective.
  bool TryMove(size_t i, double step) {
    for (double sign : {1.0, -1.0}) {
      std::vector<double> trial = x;
      trial[i] = std::clamp(x[i] + sign * step, lo[i], hi[i]);
      if (trial[i] == x[i]) continue;
      const double value = Evaluate(trial);
      if (value < best) {
        best = value;
        x = std::move(trial);
        return true;
      }
    }
    return false;
  }

  // One pattern search from x until every step is below `log_tolerance`.
  void Run(double log_tolerance, int max_evaluations) {
    std::vector<double> step(x.size(), kFirstLogStep);
    while (
        evaluations<max_evaluations&& * std::max_element(step.begin(), step.end())> log_tolerance) {
      for (size_t i = 0; i < x.size(); ++i) {
        if (step[i] <= log_tolerance) continue;
        step[i] =
            TryMove(i, step[i]) ? std::min(step[i] * kGrowth, kMaxLogStep) : step[i] * kShrink;
      }
    }
  }
};

// The value at `quantile` (0..1) of `values` by nearest rank. REQUIRES: values not empty.
double NearestRank(std::vector<double> values, double quantile) {
  const auto rank = static_cast<size_t>(std::ceil(quantile * static_cast<double>(values.size())));
  const size_t index = std::clamp<size_t>(rank, 1, values.size()) - 1;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index),
                   values.end());
  return values[index];
}

}  // namespace

std::vector<double> MinimizePositive(
    const std::function<double(std::span<const double>)>& objective,
    const std::vector<FitParam>& params, double tolerance, int max_evaluations) {
  Search search{.objective = objective};
  for (const FitParam& p : params) {
    search.lo.push_back(std::log(p.min));
    search.hi.push_back(std::log(p.max));
    search.x.push_back(std::clamp(std::log(p.start), search.lo.back(), search.hi.back()));
  }
  search.best = search.Evaluate(search.x);
  const double log_tolerance = std::log1p(tolerance);
  for (int run = 0; run <= kMaxRestarts; ++run) {
    const double before = search.best;
    search.Run(log_tolerance, max_evaluations);
    if (run > 0 && !(search.best < before)) break;
  }
  std::vector<double> values;
  for (double v : search.x) values.push_back(std::exp(v));
  return values;
}

double MeanAbsLogRatio(std::span<const double> predicted, std::span<const double> measured) {
  if (predicted.empty()) return 0;
  double sum = 0;
  for (size_t i = 0; i < predicted.size(); ++i) {
    sum += std::abs(std::log(predicted[i] / measured[i]));
  }
  return sum / static_cast<double>(predicted.size());
}

FitQuality Quality(std::span<const double> predicted, std::span<const double> measured) {
  FitQuality q;
  q.rows = static_cast<int64_t>(predicted.size());
  if (predicted.empty()) return q;
  std::vector<double> ape(predicted.size());
  for (size_t i = 0; i < predicted.size(); ++i) {
    ape[i] = std::abs(predicted[i] - measured[i]) / measured[i];
  }
  q.median_ape = NearestRank(ape, 0.5);
  q.p90_ape = NearestRank(std::move(ape), 0.9);
  return q;
}

}  // namespace pertoken::calibrate
