// Rows whose results another row repeats on other hardware (validate/repeated.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "validate/repeated.h"

namespace pertoken::validate {
namespace {

using ::testing::HasSubstr;

TEST(SignificantDigitsTest, CountsTheDigitsAsWritten) {
  EXPECT_EQ(SignificantDigits("153.00"), 5);
  EXPECT_EQ(SignificantDigits(" 142573.31 "), 8);
  EXPECT_EQ(SignificantDigits("0.0420"), 3);
  EXPECT_EQ(SignificantDigits("1910"), 3);  // an integer's trailing zeros may be rounding
  EXPECT_EQ(SignificantDigits("126"), 3);
  EXPECT_EQ(SignificantDigits("1.5e3"), 2);
  EXPECT_EQ(SignificantDigits("n/a"), 0);
}

Measurement Row(std::string id, std::string accelerator, std::string value) {
  return Measurement{.id = std::move(id),
                     .model = "GLM-4.5-Air",
                     .accelerator = std::move(accelerator),
                     .num_accel = "4",
                     .engine = "vllm",
                     .input_len = "3999.6",
                     .output_len = "199.1",
                     .concurrency_or_batch = "unbounded (500 prompts, request rate inf)",
                     .scenario = "offline (burst, all requests at t=0)",
                     .metric = "ttft_ms_mean",
                     .value = std::move(value)};
}

// GPUStack's GLM-4.5-Air pages give 142573.31 ms on 4 x A100 and on 4 x H100: one page copied
// the other, so neither row stands as a measurement.
TEST(RepeatedResultsTest, SameDigitsOnOtherHardwareSkipsEveryCopy) {
  const auto skipped = RepeatedResults({Row("GPS-0086", "A100-SXM4-80GB", "142573.31"),
                                        Row("GPS-0116", "H100-SXM-80GB", "142573.31"),
                                        Row("GPS-0117", "H100-SXM-80GB", "142573.32")});
  ASSERT_EQ(skipped.size(), 2u);
  ASSERT_TRUE(skipped.count("GPS-0086"));
  ASSERT_TRUE(skipped.count("GPS-0116"));
  EXPECT_THAT(skipped.at("GPS-0086").reason, HasSubstr("results repeated"));
  EXPECT_THAT(skipped.at("GPS-0086").detail, HasSubstr("GPS-0116 (GLM-4.5-Air, 4 x H100-SXM-80GB"));
  EXPECT_THAT(skipped.at("GPS-0116").detail, HasSubstr("GPS-0086"));
}

TEST(RepeatedResultsTest, ChanceMatchesAndTrueDuplicatesStay) {
  // Three digits match by chance.
  EXPECT_TRUE(RepeatedResults({Row("T-1", "H100", "126"), Row("T-2", "H200", "126")}).empty());
  // The same row twice is one measurement, not a copy onto other hardware.
  EXPECT_TRUE(
      RepeatedResults({Row("T-1", "H100", "153.00"), Row("T-2", "H100", "153.00")}).empty());
  // Other load, or another source: independent.
  Measurement other_load = Row("T-2", "H200", "153.00");
  other_load.concurrency_or_batch = "16";
  EXPECT_TRUE(RepeatedResults({Row("T-1", "H100", "153.00"), other_load}).empty());
  EXPECT_TRUE(
      RepeatedResults({Row("A-1", "H100", "153.00"), Row("B-1", "H200", "153.00")}).empty());
}

}  // namespace
}  // namespace pertoken::validate
