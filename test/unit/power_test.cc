#include "metrics/power.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.h"

namespace pertoken::metrics {
namespace {

using ::testing::HasSubstr;
using PowerTest = testing::FixtureCatalogTest;

TEST_F(PowerTest, MeasuredIdleIsUsedAsIs) {
  // Fixture: h100-sxm idle_w = 100, tdp_w = 700.
  const AcceleratorPower p = PowerOf(cat_, **cat_.FindAccelerator("h100-sxm"));
  ASSERT_TRUE(p.known);
  EXPECT_DOUBLE_EQ(p.idle_w, 100);
  EXPECT_DOUBLE_EQ(p.tdp_w, 700);
  EXPECT_THAT(p.idle_basis, HasSubstr("measured"));
}

TEST_F(PowerTest, WithoutAMeasuredIdleTheCatalogsMedianRatioScalesTheTdp) {
  // Fixture: a100-sxm-80gb has tdp_w = 400 and no idle_w; the only accelerator with both is the
  // H100 at 100/700, so the A100 idles at 400 × 1/7 W.
  const AcceleratorPower p = PowerOf(cat_, **cat_.FindAccelerator("a100-sxm-80gb"));
  ASSERT_TRUE(p.known);
  EXPECT_DOUBLE_EQ(p.idle_w, 400.0 / 7);
  EXPECT_THAT(p.idle_basis, HasSubstr("14% of its TDP"));
  EXPECT_THAT(p.idle_basis, HasSubstr("1 catalog accelerators"));
}

TEST_F(PowerTest, NoTdpNoPower) {
  EXPECT_FALSE(PowerOf(cat_, **cat_.FindAccelerator("epyc-9654")).known);
}

TEST_F(PowerTest, DrawRisesLinearlyFromIdleToTdpWithTheBusyFraction) {
  const AcceleratorPower p = PowerOf(cat_, **cat_.FindAccelerator("h100-sxm"));
  EXPECT_DOUBLE_EQ(MeanPowerW(p, 0), 100);
  EXPECT_DOUBLE_EQ(MeanPowerW(p, 1), 700);
  EXPECT_DOUBLE_EQ(MeanPowerW(p, 0.25), 250);  // 100 + 600/4
  EXPECT_DOUBLE_EQ(MeanPowerW(p, 1.5), 700);   // a fraction is clamped
  EXPECT_DOUBLE_EQ(MeanPowerW(p, -1), 100);
}

}  // namespace
}  // namespace pertoken::metrics
