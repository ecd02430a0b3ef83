#include "validate/predict.h"

#include <fmt/format.h>

#include <cmath>

#include "sim/serving.h"

namespace pertoken::validate {

namespace {

constexpr double kMsPerS = 1e3;

Prediction Failed(std::string reason, std::string detail = "") {
  return Prediction{.skip = {.reason = std::move(reason), .detail = std::move(detail)}};
}

// Why the serving model gave no answer, as a reason rows can share.
Prediction NotServed(const perf::ServingResult& r) {
  if (r.saturated) return Failed("saturated at the offered rate", r.reason);
  if (r.reason.empty()) return Failed("serving model returned no result");
  // Memory limits are the common case; their messages carry the row's numbers.
  if (r.reason.find("does not fit") != std::string::npos) return Failed("does not fit", r.reason);
  return Failed("serving model: " + r.reason);
}

// The row's metric from one replica's result.
double MetricValue(const RowPlan& plan, const perf::ServingResult& r, const PredictOptions& o) {
  const double replicas = plan.replicas;
  switch (plan.metric.kind) {
    case MetricKind::kOutputTokensPerS:
      return r.output_tokens_per_s * replicas;
    case MetricKind::kOutputTokensPerSPerAccel:
      return r.output_tokens_per_s * replicas / plan.accelerators;
    case MetricKind::kTotalTokensPerS:
      return (r.input_tokens_per_s + r.output_tokens_per_s) * replicas;
    case MetricKind::kPerUserTokensPerS:
      return 1 / r.tpot_s;
    case MetricKind::kPrefillTokensPerS:
      return static_cast<double>(plan.query.input_tokens) / r.prefill_s;
    case MetricKind::kTtftMs:
      if (plan.metric.p99 && r.ttft_p99_s > 0) return r.ttft_p99_s * kMsPerS;
      return r.ttft_s * kMsPerS * (plan.metric.p99 ? o.ttft_p99_over_mean : 1);
    case MetricKind::kTpotMs:
      if (plan.metric.p99 && r.tpot_p99_s > 0) return r.tpot_p99_s * kMsPerS;
      return r.tpot_s * kMsPerS * (plan.metric.p99 ? o.tpot_p99_over_mean : 1);
  }
  return 0;
}

Prediction FromResult(const RowPlan& plan, const perf::ServingResult& r, const PredictOptions& o) {
  if (!r.ok) return NotServed(r);
  const double v = MetricValue(plan, r, o);
  if (!std::isfinite(v) || v <= 0) {
    return Failed("serving model returned no usable value", fmt::format("{}", v));
  }
  return Prediction{.ok = true, .value = v};
}

// MLPerf Server: the highest rate whose p99 TTFT and TPOT (mean × factor) meet the limits.
Prediction PredictAtBestRate(const RowPlan& plan, const PredictOptions& o) {
  const RateSearch search = FindBestRate(plan.query, plan.limits, o);
  if (!search.capacity.ok || search.capacity.requests_per_s <= 0) {
    return NotServed(search.capacity);
  }
  if (search.request_rate <= 0) {
    return Failed("no rate meets the MLPerf latency limits",
                  fmt::format("p99 TTFT <= {} ms, p99 TPOT <= {} ms",
                              plan.limits.ttft_p99_s * kMsPerS, plan.limits.tpot_p99_s * kMsPerS));
  }
  Prediction p = FromResult(plan, search.at_rate, o);
  p.request_rate = search.request_rate * plan.replicas;
  return p;
}

}  // namespace

Prediction PredictRow(const RowPlan& plan, const PredictOptions& options) {
  if (plan.regime.find_rate) return PredictAtBestRate(plan, options);
  const bool simulate = options.simulate && sim::Simulable(plan.query);
  Prediction p = FromResult(
      plan, simulate ? sim::SimulateServing(plan.query) : perf::PredictServing(plan.query),
      options);
  if (plan.query.regime == perf::Regime::kRequestRate) {
    p.request_rate = plan.query.request_rate * plan.replicas;
  }
  return p;
}

}  // namespace pertoken::validate
