#include "perf/serving.h"

#include <cmath>

namespace pertoken::perf {

double ExpectedTokensPerStep(int k, double a) {
  if (a <= 0) return 1;
  return (1 - std::pow(a, k + 1)) / (1 - a);
}

ServingResult PredictServing(const ServingQuery&) { return {}; }

double MaxConcurrency(const Deployment&, int64_t, int64_t) { return 0; }

}  // namespace pertoken::perf
