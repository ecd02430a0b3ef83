#include <gtest/gtest.h>

#include <cmath>

#include "validate/stats.h"

namespace pertoken::validate {
namespace {

TEST(ValidateStatsTest, PercentileInterpolatesLinearlyLikeNumpy) {
  // Sorted: 1 2 3 4 10. Index q × 4: median 2 -> 3; p90 3.6 -> 4 + 0.6 × (10 − 4) = 7.6;
  // p25 1 -> 2; p10 0.4 -> 1 + 0.4 × 1 = 1.4 (numpy.percentile gives the same).
  const std::vector<double> v = {10, 3, 1, 4, 2};
  EXPECT_DOUBLE_EQ(Percentile(v, 0.5), 3);
  EXPECT_DOUBLE_EQ(Percentile(v, 0.9), 7.6);
  EXPECT_DOUBLE_EQ(Percentile(v, 0.25), 2);
  EXPECT_DOUBLE_EQ(Percentile(v, 0.1), 1.4);
  EXPECT_DOUBLE_EQ(Percentile(v, 0), 1);
  EXPECT_DOUBLE_EQ(Percentile(v, 1), 10);
  EXPECT_DOUBLE_EQ(Percentile({7}, 0.9), 7);
  // Even count: median halfway between the middle two.
  EXPECT_DOUBLE_EQ(Percentile({4, 1, 3, 2}, 0.5), 2.5);
}

TEST(ValidateStatsTest, AbsolutePercentageError) {
  EXPECT_DOUBLE_EQ(AbsolutePercentageError(110, 100), 0.1);
  EXPECT_DOUBLE_EQ(AbsolutePercentageError(50, 100), 0.5);
  EXPECT_DOUBLE_EQ(AbsolutePercentageError(300, 100), 2);
}

TEST(ValidateStatsTest, SummaryOfKnownErrors) {
  // Six rows, four predicted with APEs 0.1, 0.2, 0.4, 0.8; three inside their interval.
  // Median: index 1.5 -> 0.3. p90: index 2.7 -> 0.4 + 0.7 × 0.4 = 0.68.
  const ErrorStats s = SummarizeErrors(6, {0.4, 0.1, 0.8, 0.2}, 3);
  EXPECT_EQ(s.rows, 6);
  EXPECT_EQ(s.predicted, 4);
  EXPECT_DOUBLE_EQ(s.coverage(), 4.0 / 6);
  ASSERT_TRUE(s.median_ape && s.p90_ape && s.interval_coverage);
  EXPECT_DOUBLE_EQ(*s.median_ape, 0.3);
  EXPECT_DOUBLE_EQ(*s.p90_ape, 0.68);
  EXPECT_DOUBLE_EQ(*s.interval_coverage, 0.75);
}

TEST(ValidateStatsTest, NothingPredictedHasNoErrors) {
  const ErrorStats s = SummarizeErrors(3, {}, 0);
  EXPECT_EQ(s.predicted, 0);
  EXPECT_FALSE(s.median_ape);
  EXPECT_FALSE(s.p90_ape);
  EXPECT_FALSE(s.interval_coverage);
  EXPECT_EQ(SummarizeErrors(0, {}, 0).coverage(), 0);
}

}  // namespace
}  // namespace pertoken::validate
