#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "workload/arrivals.h"
#include "workload/stats.h"

namespace pertoken::workload {
namespace {

using ::testing::HasSubstr;

constexpr double kHour = 3600;

std::string Fixture(const std::string& name) {
  return std::string(PERTOKEN_TEST_DATA) + "/traces/" + name;
}

// Mean and population CV of the gaps between consecutive arrivals, the first one from 0.
struct Gaps {
  double mean = 0;
  double cv = 0;
};
Gaps GapsOf(const std::vector<double>& arrivals) {
  double previous = 0, sum = 0, squares = 0;
  for (double t : arrivals) {
    sum += t - previous;
    squares += (t - previous) * (t - previous);
    previous = t;
  }
  const double n = static_cast<double>(arrivals.size());
  const double mean = sum / n;
  return {.mean = mean, .cv = std::sqrt(squares / n - mean * mean) / mean};
}

std::vector<double> Arrivals(const ArrivalProcess& process, const StreamLimits& limits,
                             uint64_t seed) {
  Rng rng(seed);
  auto arrivals = GenerateArrivals(process, limits, rng);
  EXPECT_TRUE(arrivals.ok()) << arrivals.status().message();
  return arrivals.ok() ? *arrivals : std::vector<double>{};
}

TEST(WorkloadArrivalsTest, PoissonGapsHaveMeanOneOverRateAndCvOne) {
  const auto arrivals = Arrivals({.rate_per_s = 5}, {.max_requests = 200000}, 1);
  ASSERT_EQ(arrivals.size(), 200000u);
  const Gaps gaps = GapsOf(arrivals);
  // Standard errors at N = 200,000: 0.22% for the mean, 0.32% for the CV.
  EXPECT_NEAR(gaps.mean, 0.2, 0.2 * 0.01);
  EXPECT_NEAR(gaps.cv, 1.0, 0.02);
}

TEST(WorkloadArrivalsTest, GammaGapsHaveTheRequestedCv) {
  for (const double cv : {0.5, 3.0}) {
    const auto arrivals = Arrivals({.rate_per_s = 5, .cv = cv}, {.max_requests = 200000}, 2);
    const Gaps gaps = GapsOf(arrivals);
    // The mean gap's relative standard error is cv / sqrt(N) (0.67% at cv 3): allow 3 of them.
    // Gamma(1/9) gaps have excess kurtosis 54, so the CV's standard error is about 0.85%.
    EXPECT_NEAR(gaps.mean, 0.2, 0.2 * 3 * cv / std::sqrt(200000.0)) << cv;
    EXPECT_NEAR(gaps.cv, cv, cv * 0.05) << cv;
  }
}

TEST(WorkloadArrivalsTest, LimitsEndTheStream) {
  const auto counted = Arrivals({.rate_per_s = 5}, {.duration_s = 1e6, .max_requests = 123}, 3);
  EXPECT_EQ(counted.size(), 123u);
  const auto timed = Arrivals({.rate_per_s = 5}, {.duration_s = 100}, 3);
  ASSERT_FALSE(timed.empty());
  EXPECT_LT(timed.back(), 100.0);
  EXPECT_TRUE(std::is_sorted(timed.begin(), timed.end()));
  EXPECT_NEAR(static_cast<double>(timed.size()), 500, 5 * std::sqrt(500.0));
  // The first 123 arrivals do not depend on which limit ended the stream.
  EXPECT_TRUE(std::equal(counted.begin(), counted.end(), timed.begin()));
}

TEST(WorkloadArrivalsTest, InvalidProcessesAndLimits) {
  const struct {
    ArrivalProcess process;
    StreamLimits limits;
    const char* message;
  } cases[] = {
      {{.rate_per_s = 0}, {.max_requests = 1}, "arrival rate must be a number > 0, not 0"},
      {{.rate_per_s = -5}, {.max_requests = 1}, "arrival rate must be a number > 0, not -5"},
      {{.cv = 0}, {.max_requests = 1}, "arrival cv must be a number > 0, not 0"},
      {{}, {}, "a stream needs a duration or a request count"},
      {{}, {.duration_s = -1}, "a stream needs a duration or a request count"},
      {{}, {.duration_s = INFINITY}, "a stream needs a duration or a request count"},
  };
  for (const auto& c : cases) {
    Rng rng(1);
    auto r = GenerateArrivals(c.process, c.limits, rng);
    ASSERT_FALSE(r.ok()) << c.message;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr(c.message));
  }
}

TEST(WorkloadArrivalsTest, RateCurveIntegralAndInverse) {
  // 1 at midnight, 3 at noon, linear in between and back down to 1 at the next midnight.
  auto curve = RateCurve::Make({{0, 1}, {12, 3}});
  ASSERT_TRUE(curve.ok()) << curve.status().message();
  EXPECT_DOUBLE_EQ(curve->Multiplier(6 * kHour), 2.0);
  EXPECT_DOUBLE_EQ(curve->Multiplier(18 * kHour), 2.0);
  EXPECT_DOUBLE_EQ(curve->Multiplier(36 * kHour), 3.0);  // periodic
  EXPECT_DOUBLE_EQ(curve->Integral(12 * kHour), 2.0 * 12 * kHour);
  EXPECT_DOUBLE_EQ(curve->Integral(48 * kHour), 2 * 2.0 * 24 * kHour);
  for (const double t : {0.0, 1.0, 5000.0, 43200.0, 50000.5, 200000.0}) {
    EXPECT_NEAR(curve->InverseIntegral(curve->Integral(t)), t, 1e-6) << t;
  }
  // Starting at noon shifts the curve: time 0 has the noon multiplier.
  auto noon = RateCurve::Make({{0, 1}, {12, 3}}, 12);
  ASSERT_TRUE(noon.ok()) << noon.status().message();
  EXPECT_DOUBLE_EQ(noon->Multiplier(0), 3.0);
  EXPECT_DOUBLE_EQ(noon->Integral(12 * kHour), 2.0 * 12 * kHour);
  // A flat curve leaves time alone.
  EXPECT_NEAR(RateCurve().InverseIntegral(12345.678), 12345.678, 1e-9);
}

TEST(WorkloadArrivalsTest, DiurnalHourlyCountsFollowTheCurve) {
  auto points = ReadRatePoints(Fixture("diurnal.csv"));
  ASSERT_TRUE(points.ok()) << points.status().message();
  auto curve = RateCurve::Make(*points);
  ASSERT_TRUE(curve.ok()) << curve.status().message();
  const double rate = 2;
  const auto arrivals =
      Arrivals({.rate_per_s = rate, .curve = *curve}, {.duration_s = 24 * kHour}, 4);
  std::vector<double> counts(24);
  for (double t : arrivals) counts[static_cast<size_t>(t / kHour)] += 1;
  for (int h = 0; h < 24; ++h) {
    // Hour h's multiplier is linear, so its mean is that of its ends.
    const double expected =
        rate * kHour * (curve->Multiplier(h * kHour) + curve->Multiplier((h + 1) * kHour)) / 2;
    EXPECT_NEAR(counts[h], expected, 4 * std::sqrt(expected)) << "hour " << h;
  }
}

TEST(WorkloadArrivalsTest, NoArrivalsWhereTheMultiplierIsZero) {
  auto curve = RateCurve::Make({{0, 0}, {6, 0}, {12, 2}});
  ASSERT_TRUE(curve.ok()) << curve.status().message();
  const auto arrivals =
      Arrivals({.rate_per_s = 1, .cv = 2, .curve = *curve}, {.duration_s = 48 * kHour}, 5);
  for (double t : arrivals) {
    const double hour = std::fmod(t / kHour, 24.0);
    EXPECT_FALSE(hour > 0 && hour < 6) << t;
  }
  EXPECT_GT(arrivals.size(), 1000u);
}

TEST(WorkloadArrivalsTest, BadRateCurves) {
  const struct {
    std::vector<RatePoint> points;
    double start_h;
    const char* message;
  } cases[] = {
      {{}, 0, "a rate curve needs at least one point"},
      {{{0, 1}, {0, 2}}, 0, "rate curve point 2: 0 h is not after the point before (0 h)"},
      {{{24, 1}}, 0, "rate curve point 1: 24 is not a time of day in [0, 24) hours"},
      {{{0, 1}, {5, -1}}, 0, "rate curve point 2: -1 is not a multiplier >= 0"},
      {{{0, 0}, {5, 0}}, 0, "rate curve: every multiplier is 0"},
      {{{0, 1}}, 24, "rate curve start 24 is not a time of day in [0, 24) hours"},
  };
  for (const auto& c : cases) {
    auto curve = RateCurve::Make(c.points, c.start_h);
    ASSERT_FALSE(curve.ok()) << c.message;
    EXPECT_THAT(curve.status().message(), HasSubstr(c.message));
  }
  auto file = ParseRatePoints("time_of_day_h,multiplier\n0,1\n12,x\n12,1\n6,1\n25,-1\n", "day.csv");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().message(),
            "day.csv:3: multiplier: not a number\n"
            "day.csv:5: time_of_day_h: 6 h is not after the point before (12 h); times must "
            "increase\n"
            "day.csv:6: time_of_day_h: 25 is not a time of day in [0, 24) hours\n"
            "day.csv:6: multiplier: -1 is not a multiplier >= 0");
}

TEST(WorkloadArrivalsTest, SameSeedSameStreamDifferentSeedsDiffer) {
  auto lengths =
      LengthSampler(*TokenDistribution::Exponential(1000), *TokenDistribution::Exponential(200));
  const ArrivalProcess process{.rate_per_s = 5, .cv = 2};
  auto a = GenerateStream(process, lengths, {.max_requests = 1000}, 42);
  auto b = GenerateStream(process, lengths, {.max_requests = 1000}, 42);
  auto c = GenerateStream(process, lengths, {.max_requests = 1000}, 43);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  size_t same_arrivals = 0, same_inputs = 0;
  for (size_t i = 0; i < 1000; ++i) {
    same_arrivals += (*a)[i].arrival_s == (*c)[i].arrival_s;
    same_inputs += (*a)[i].input_tokens == (*c)[i].input_tokens;
  }
  EXPECT_EQ(same_arrivals, 0u);
  EXPECT_LT(same_inputs, 10u);
  // Arrivals and lengths draw from separate streams: other lengths leave the arrivals alone.
  auto fixed = GenerateStream(
      process, LengthSampler(*TokenDistribution::Fixed(7), *TokenDistribution::Fixed(8)),
      {.max_requests = 1000}, 42);
  ASSERT_TRUE(fixed.ok());
  for (size_t i = 0; i < 1000; ++i) ASSERT_EQ((*fixed)[i].arrival_s, (*a)[i].arrival_s) << i;
  EXPECT_EQ((*fixed)[0].input_tokens, 7);
  EXPECT_EQ((*fixed)[0].output_tokens, 8);
}

}  // namespace
}  // namespace pertoken::workload
