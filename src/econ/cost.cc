#include "econ/cost.h"

#include <algorithm>
#include <cmath>

#include "econ/ownership.h"

namespace pertoken::econ {

Sizing SizeFleet(const Traffic& t, const ReplicaCapacity& c) {
  Sizing s;
  s.mean_output_tokens_per_s = t.output_tokens_per_day / kSecondsPerDay;
  s.peak_output_tokens_per_s = s.mean_output_tokens_per_s * t.peak_to_mean;
  // A hair of tolerance so that a peak of exactly N replicas' capacity takes N, not N + 1.
  s.replicas = std::max(
      1, static_cast<int>(std::ceil(s.peak_output_tokens_per_s / c.output_tokens_per_s - 1e-9)));
  s.utilization = s.mean_output_tokens_per_s / (s.replicas * c.output_tokens_per_s);
  return s;
}

Spend SpendOf(double usd_per_hour, const Traffic& t) {
  const double usd_per_day = usd_per_hour * 24;
  return {.usd_per_hour = usd_per_hour,
          .usd_per_million_output_tokens = usd_per_day / t.output_tokens_per_day * 1e6,
          .usd_per_million_tokens =
              usd_per_day / (t.output_tokens_per_day + t.input_tokens_per_day) * 1e6,
          .monthly_usd = usd_per_hour * kHoursPerMonth,
          .annual_usd = usd_per_hour * kHoursPerYear};
}

Blended BlendAtRatio(double usd_per_day, const Traffic& t, double r) {
  const double output = usd_per_day / (r * t.input_tokens_per_day + t.output_tokens_per_day);
  return {.usd_per_million_input_tokens = r * output * 1e6,
          .usd_per_million_output_tokens = output * 1e6};
}

double SpotLostFraction(const SpotTerms& t) {
  const double per_s = t.interruptions_per_month / (kHoursPerMonth * 3600);
  const double lost = t.restart_s + std::max(0.0, t.e2e_s / 2 - t.notice_s);
  return std::min(per_s * lost, 0.99);
}

double ApiUsdPerDay(const catalog::ApiOffer& o, const Traffic& t) {
  const double cached = o.cached_input_usd_per_mtok ? t.cached_input_share : 0;
  return (t.input_tokens_per_day * (1 - cached) * o.input_usd_per_mtok +
          t.input_tokens_per_day * cached * o.cached_input_usd_per_mtok.value_or(0) +
          t.output_tokens_per_day * o.output_usd_per_mtok) /
         1e6;
}

std::optional<double> BreakEvenOutputTokensPerDay(const catalog::ApiOffer& o,
                                                  double input_per_output,
                                                  double cached_input_share,
                                                  double replica_usd_per_hour,
                                                  double replica_output_tokens_per_day) {
  // The API's price per output token, its input share included (as ApiUsdPerDay bills it).
  const Traffic one{.output_tokens_per_day = 1,
                    .input_tokens_per_day = input_per_output,
                    .cached_input_share = cached_input_share};
  const double api_per_output_token = ApiUsdPerDay(o, one);
  const double h = replica_usd_per_hour * 24;
  const double a_c = api_per_output_token * replica_output_tokens_per_day;
  if (a_c <= h) return std::nullopt;
  const double k = std::max(1.0, std::ceil(h / (a_c - h) - 1e-12));
  return k * h / api_per_output_token;
}

}  // namespace pertoken::econ
