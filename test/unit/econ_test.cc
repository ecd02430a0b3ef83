#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "econ/cost.h"
#include "econ/ownership.h"
#include "econ/queueing.h"
#include "econ/ways_to_pay.h"
#include "test_util.h"

namespace pertoken::econ {
namespace {

// 8 GPUs at $2.00/GPU-hour serving 10,000 output tokens/s: $16/hour for 36e6 tokens an hour,
// $0.444 per million output tokens.
TEST(Spend, EightGpusAtTwoDollarsServingTenThousandTokensPerSecond) {
  const Traffic t{.output_tokens_per_day = 10'000.0 * 86'400};
  const Spend s = SpendOf(8 * 2.00, t);
  EXPECT_NEAR(s.usd_per_million_output_tokens, 16.0 / 36.0, 1e-12);
  EXPECT_NEAR(s.usd_per_million_output_tokens, 0.444, 0.0005);
  EXPECT_DOUBLE_EQ(s.annual_usd, 16 * 8760.0);
  EXPECT_DOUBLE_EQ(s.monthly_usd, 16 * 730.0);
}

// 1e9 tokens a day at $0.001 a token ($1,000 per million) is $365 M a year.
// Cached input tokens bill at the cached-input price when the offer has one, else at the input
// price: 1e9 input tokens a day, 60% cached, at $1 and $0.25 per million: $400 + $150.
TEST(Spend, CachedInputTokensBillAtTheCachedPrice) {
  const Traffic t{.input_tokens_per_day = 1e9, .cached_input_share = 0.6};
  EXPECT_DOUBLE_EQ(ApiUsdPerDay({.input_usd_per_mtok = 1, .cached_input_usd_per_mtok = 0.25}, t),
                   550);
  EXPECT_DOUBLE_EQ(ApiUsdPerDay({.input_usd_per_mtok = 1}, t), 1000);
}

// $100 a day over 3 M input and 1 M output tokens at an API's 1:4 input/output price ratio:
// output at 100 / (0.25 × 3e6 + 1e6) = $57.14 per million, input at a quarter of that, and the two
// add up to the day's cost.
TEST(Spend, BlendedPricesCarryTheApisRatio) {
  const Traffic t{.output_tokens_per_day = 1e6, .input_tokens_per_day = 3e6};
  const Blended b = BlendAtRatio(100, t, 0.25);
  EXPECT_NEAR(b.usd_per_million_output_tokens, 100 / 1.75, 1e-9);
  EXPECT_NEAR(b.usd_per_million_input_tokens, 25 / 1.75, 1e-9);
  EXPECT_NEAR(3 * b.usd_per_million_input_tokens + b.usd_per_million_output_tokens, 100, 1e-9);
}

TEST(Spend, ABillionTokensADayAtATenthOfACentIs365MillionAYear) {
  const Traffic t{.output_tokens_per_day = 1e9};
  const catalog::ApiOffer api{.output_usd_per_mtok = 1000};
  EXPECT_DOUBLE_EQ(ApiUsdPerDay(api, t), 1e6);
  EXPECT_NEAR(SpendOf(ApiUsdPerDay(api, t) / 24, t).annual_usd, 365e6, 1e-3);
}

// A $30,000 accelerator amortised over 3 years, 700 W at PUE 1.4 and $0.10/kWh, at full use,
// cost of capital 0: $30,000 / 26,280 h = $1.141 capital + 0.7 kW × 1.4 × $0.10 = $0.098 energy.
TEST(Ownership, ThirtyThousandDollarsOverThreeYearsAt700Watts) {
  const OwnershipTerms terms{.capex_usd = 30'000,
                             .amortization_years = 3,
                             .cost_of_capital = 0,
                             .pue = 1.4,
                             .usd_per_kwh = 0.10};
  const metrics::AcceleratorPower power{.known = true, .idle_w = 100, .tdp_w = 700};
  const OwnedHour h = OwnedCostPerHour(terms, power, 1.0);
  EXPECT_NEAR(h.capital, 1.141, 0.001);
  EXPECT_NEAR(h.capital, 30'000.0 / (3 * 8760), 1e-12);
  EXPECT_NEAR(h.energy, 0.098, 1e-12);
  EXPECT_EQ(h.maintenance, 0);
  EXPECT_EQ(h.hosting, 0);
  // Idle, it draws 100 W: one seventh of the energy; the capital does not change.
  EXPECT_NEAR(OwnedCostPerHour(terms, power, 0).energy, 0.014, 1e-12);
}

TEST(Ownership, CapitalRecoveryIsTheAnnuityPayment) {
  // 10% over 5 years: 0.1 / (1 - 1.1^-5) = 0.263797...
  EXPECT_NEAR(CapitalRecoveryFactor(0.10, 5), 0.2637975, 1e-7);
  EXPECT_DOUBLE_EQ(CapitalRecoveryFactor(0, 4), 0.25);
  // Financing never makes the hardware cheaper.
  EXPECT_GT(CapitalRecoveryFactor(0.05, 4), 0.25);
}

TEST(Ownership, ServerMaintenanceAndHostingAddUp) {
  const OwnershipTerms terms{.capex_usd = 20'000,
                             .server_capex_fraction = 0.25,
                             .amortization_years = 5,
                             .maintenance_fraction_per_year = 0.1,
                             .server_power_factor = 2,
                             .pue = 1,
                             .usd_per_kwh = 0,
                             .usd_per_kw_month = 150};
  const metrics::AcceleratorPower power{.known = true, .idle_w = 100, .tdp_w = 500};
  const OwnedHour h = OwnedCostPerHour(terms, power, 0.5);
  EXPECT_NEAR(h.capital, 25'000.0 / 5 / 8760, 1e-12);
  EXPECT_NEAR(h.maintenance, 2'500.0 / 8760, 1e-12);
  EXPECT_NEAR(h.hosting, 1.0 * 150 / 730, 1e-12);  // 500 W × 2 = 1 kW provisioned
  EXPECT_EQ(h.energy, 0);
}

// The break-even from the step function itself: the smallest volume from which on the fleet's
// ceil(V / C) × H never exceeds the API's a × V, found by scanning.
double ScanBreakEven(double h, double c, double a) {
  double last_loss = -1;
  for (double v = c / 1000; v <= 40 * c; v += c / 1000) {
    if (std::ceil(v / c - 1e-9) * h > a * v) last_loss = v;
  }
  return last_loss;
}

TEST(BreakEven, MatchesAScanOfTheStepFunction) {
  const double c = 1e8;                   // output tokens a replica carries per day at the peak
  const double usd_per_day = 100;         // per replica
  for (double price : {3.0, 1.5, 1.2}) {  // $ per million output tokens
    const catalog::ApiOffer api{.output_usd_per_mtok = price};
    auto v = BreakEvenOutputTokensPerDay(api, 0, 0, usd_per_day / 24, c);
    ASSERT_TRUE(v.has_value()) << price;
    EXPECT_NEAR(*v, ScanBreakEven(usd_per_day, c, price / 1e6), c / 500) << price;
  }
  // $3/M: one replica ($100/day) pays off from 33.3 M tokens a day, and two from 66.7 M.
  EXPECT_NEAR(*BreakEvenOutputTokensPerDay({.output_usd_per_mtok = 3}, 0, 0, 100.0 / 24, c),
              100 / 3e-6, 1);
  // $1.5/M: one replica pays off from 66.7 M tokens a day but a second is needed past 100 M, and
  // pays off only from 133.3 M (2 × $100 / $1.5 per million); from there on every further one
  // does (3 × $100 at 200 M).
  EXPECT_NEAR(*BreakEvenOutputTokensPerDay({.output_usd_per_mtok = 1.5}, 0, 0, 100.0 / 24, c),
              200 / 1.5e-6, 1);
  // $0.9/M: even a full replica costs more per token than the API.
  EXPECT_FALSE(BreakEvenOutputTokensPerDay({.output_usd_per_mtok = 0.9}, 0, 0, 100.0 / 24, c));
  // Input tokens count at their price: 3 input per output at $0.2/M adds $0.6/M.
  EXPECT_NEAR(*BreakEvenOutputTokensPerDay({.input_usd_per_mtok = 0.2, .output_usd_per_mtok = 0.9},
                                           3, 0, 100.0 / 24, c),
              200 / 1.5e-6, 1);
}

// 0.15 interruptions a month, a 215 s restart, requests of 10 s (done within the 120 s notice):
// 0.15 / 2,628,000 s × 215 s of each month lost. Requests of 400 s lose 200 − 120 s more.
TEST(Spot, InterruptionsCostTheRestartAndTheWorkPastTheNotice) {
  const SpotTerms t{
      .interruptions_per_month = 0.15, .notice_s = 120, .restart_s = 215, .e2e_s = 10};
  EXPECT_NEAR(SpotLostFraction(t), 0.15 / 2'628'000 * 215, 1e-15);
  SpotTerms slow = t;
  slow.e2e_s = 400;
  EXPECT_NEAR(SpotLostFraction(slow), 0.15 / 2'628'000 * 295, 1e-15);
  EXPECT_EQ(SpotLostFraction({.restart_s = 215}), 0);  // never interrupted
}

TEST(Sizing, ReplicasCoverThePeakAndIdleCapacityLowersUtilisation) {
  const ReplicaCapacity cap{.output_tokens_per_s = 1000};
  // Mean 1,500 tok/s, peak 3,000: three replicas, half used on average.
  const Sizing s = SizeFleet({.output_tokens_per_day = 1500.0 * 86400, .peak_to_mean = 2}, cap);
  EXPECT_EQ(s.replicas, 3);
  EXPECT_DOUBLE_EQ(s.utilization, 0.5);
  // A peak of exactly two replicas' capacity needs two.
  EXPECT_EQ(SizeFleet({.output_tokens_per_day = 2000.0 * 86400}, cap).replicas, 2);
  // Pooling: one fleet for N regions never needs more replicas than N fleets of 1/N each.
  for (int n : {2, 3, 5, 8}) {
    const double day = 2300.0 * 86400;
    const Sizing pooled = SizeFleet({.output_tokens_per_day = day, .peak_to_mean = 1.7}, cap);
    const Sizing region = SizeFleet({.output_tokens_per_day = day / n, .peak_to_mean = 1.7}, cap);
    EXPECT_LE(pooled.replicas, n * region.replicas) << n;
    EXPECT_GE(pooled.utilization, region.utilization) << n;
  }
}

TEST(WaysToPay, DatesCompareOnTheirCommonPrecision) {
  EXPECT_TRUE(DatedBy("2026", "2026-03"));
  EXPECT_TRUE(DatedBy("2026-02", "2026-03"));
  EXPECT_TRUE(DatedBy("2026-03-31", "2026-03"));
  EXPECT_FALSE(DatedBy("2026-04", "2026-03"));
  EXPECT_FALSE(DatedBy("2027", "2026-03-01"));
  EXPECT_FALSE(DatedBy("undated", "2026"));
  EXPECT_TRUE(DatedBy("undated", ""));
}

using WaysToPayTest = testing::FixtureCatalogTest;

TEST_F(WaysToPayTest, CheapestOfferPerPricingAtADate) {
  const catalog::Accelerator& h100 = **cat_.FindAccelerator("h100-sxm");
  // Fixture: on-demand p5 $98.32 / 8; spot $40 / 8 (2026-05) and $24 / 8 (2026-09); a market
  // summary's spot $0.50 is a range, not an offer.
  auto all = CloudOptions(cat_, h100, "", {});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].pricing, "on_demand");
  EXPECT_DOUBLE_EQ(all[0].usd_per_accelerator_hour, 98.32 / 8);
  EXPECT_EQ(all[1].pricing, "spot");
  EXPECT_DOUBLE_EQ(all[1].usd_per_accelerator_hour, 3.0);
  EXPECT_EQ(all[1].offers, 3);  // and othercloud's $4 (2026-10)
  auto june = CloudOptions(cat_, h100, "2026-06", {});
  ASSERT_EQ(june.size(), 2u);
  EXPECT_DOUBLE_EQ(june[1].usd_per_accelerator_hour, 5.0);
  EXPECT_TRUE(CloudOptions(cat_, h100, "2025", {}).empty());
  EXPECT_TRUE(CloudOptions(cat_, h100, "", {"nowhere"}).empty());
  const PurchasePrice p = PurchasePriceOf(cat_, h100, "");
  ASSERT_TRUE(p.known);
  EXPECT_DOUBLE_EQ(p.capex_usd, 30'000);
}

}  // namespace
}  // namespace pertoken::econ

namespace pertoken::econ {
namespace {

// Erlang C against published values: c = 2, a = 1 gives 1/3; c = 10, a = 8 gives 0.409 (tables,
// e.g. Kleinrock, Queueing Systems vol. 1).
TEST(Queueing, ErlangCMatchesTheTables) {
  EXPECT_NEAR(ErlangC(1, 0.5), 0.5, 1e-12);  // M/M/1: the utilisation
  EXPECT_NEAR(ErlangC(2, 1.0), 1.0 / 3, 1e-12);
  EXPECT_NEAR(ErlangC(10, 8.0), 0.4092, 1e-4);
  EXPECT_EQ(ErlangC(3, 3.0), 1);
  // M/M/1 mean wait: rho / (mu − lambda) = 0.5 / (1 − 0.5).
  EXPECT_NEAR(MeanWaitS(1, 0.5, 1.0), 1.0, 1e-12);
}

// Pooling: at the same mean-wait target, one pool for N regions' traffic needs fewer slots than N
// pools of 1/N each, so it runs at higher utilisation (statistical multiplexing).
TEST(Queueing, PoolingRegionsRaisesUtilisationAtTheSameLatencyTarget) {
  const double total = 40;  // requests per second
  const int64_t slots = 8;
  const double hold = 2, wait = 0.05;
  const int64_t pooled = ReplicasForWait(total, slots, hold, wait);
  double last_util = 1;
  for (int n : {1, 2, 4, 8}) {
    const int64_t each = ReplicasForWait(total / n, slots, hold, wait);
    const double util = total * hold / static_cast<double>(n * each * slots);
    EXPECT_GE(n * each, pooled) << n;
    EXPECT_LE(util, last_util + 1e-12) << n;  // more, smaller pools: lower utilisation
    last_util = util;
  }
  EXPECT_GT(ReplicasForWait(total / 8, slots, hold, wait) * 8, pooled);
  // The sized pool meets the target and one replica fewer does not.
  EXPECT_LE(MeanWaitS(pooled * slots, total, 1 / hold), wait);
  EXPECT_GT(MeanWaitS((pooled - 1) * slots, total, 1 / hold), wait);
}

}  // namespace
}  // namespace pertoken::econ
