#include "validate/rate_search.h"

namespace pertoken::validate {

namespace {

bool MeetsLimits(const perf::ServingResult& r, const LatencyLimits& limits,
                 const PredictOptions& o) {
  return r.ok && !r.saturated && r.ttft_s * o.ttft_p99_over_mean <= limits.ttft_p99_s &&
         r.tpot_s * o.tpot_p99_over_mean <= limits.tpot_p99_s;
}

}  // namespace

RateSearch FindBestRate(perf::ServingQuery query, const LatencyLimits& limits,
                        const PredictOptions& options) {
  RateSearch out;
  query.regime = perf::Regime::kMaxLoad;
  out.capacity = perf::PredictServing(query);
  if (!out.capacity.ok || out.capacity.requests_per_s <= 0) return out;
  query.regime = perf::Regime::kRequestRate;
  double lo = 0;
  double hi = out.capacity.requests_per_s;
  for (int i = 0; i < options.rate_search_steps; ++i) {
    query.request_rate = (lo + hi) / 2;
    const perf::ServingResult r = perf::PredictServing(query);
    if (MeetsLimits(r, limits, options)) {
      lo = query.request_rate;
      out.at_rate = r;
    } else {
      hi = query.request_rate;
    }
  }
  out.request_rate = lo;
  return out;
}

}  // namespace pertoken::validate
