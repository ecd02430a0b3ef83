#include "common/version.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pertoken {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;

TEST(Version, ReadsTheNumbersOfAVersionWrittenAlone) {
  EXPECT_THAT(ParseVersion("0.9.0"), Optional(ElementsAre(0, 9, 0)));
  EXPECT_THAT(ParseVersion("0.17"), Optional(ElementsAre(0, 17)));
  EXPECT_THAT(ParseVersion(" v1.2.0rc1 "), Optional(ElementsAre(1, 2, 0)));
  EXPECT_THAT(ParseVersion("v0.5.3.post3"), Optional(ElementsAre(0, 5, 3)));
  EXPECT_THAT(ParseVersion("0.11.0+cu124"), Optional(ElementsAre(0, 11, 0)));
}

// Rows name other products' versions beside the engine's, or none: those are not the engine's.
TEST(Version, TextThatIsNotJustAVersionIsNone) {
  EXPECT_EQ(ParseVersion("TensorRT 10.2.0, CUDA 12.4"), std::nullopt);
  EXPECT_EQ(ParseVersion("vLLM 0.4.3+rocm614, PyTorch 2.3.0"), std::nullopt);
  EXPECT_EQ(ParseVersion("not stated (May 2024 build)"), std::nullopt);
  EXPECT_EQ(ParseVersion("1.0 (nightly)"), std::nullopt);
  EXPECT_EQ(ParseVersion(""), std::nullopt);
  EXPECT_EQ(ParseVersion("v"), std::nullopt);
}

TEST(Version, ComparesNumberByNumberWithMissingOnesZero) {
  EXPECT_TRUE(VersionBelow({0, 17}, {1, 0}));
  EXPECT_TRUE(VersionBelow({0, 9, 0}, {0, 17}));  // 9 < 17, not "0.9" > "0.17" as text
  EXPECT_FALSE(VersionBelow({1}, {1, 0}));
  EXPECT_FALSE(VersionBelow({1, 0}, {1}));
  EXPECT_FALSE(VersionBelow({1, 2, 0}, {1, 0}));
}

TEST(Version, ADateIsBeforeADayOnlyWhenAllOfItIs) {
  EXPECT_THAT(DatedBefore("2024-08-28 (MLPerf v4.1 publication)", "2025-06-18"), Optional(true));
  EXPECT_THAT(DatedBefore("2025-02 (v0.17 docs)", "2025-06-18"), Optional(true));
  EXPECT_THAT(DatedBefore("2025-06-17", "2025-06-18"), Optional(true));
  EXPECT_THAT(DatedBefore("2025-06-18", "2025-06-18"), Optional(false));
  EXPECT_THAT(DatedBefore("2025-06", "2025-06-18"), Optional(false));  // may be later in June
  EXPECT_THAT(DatedBefore("2025", "2025-06-18"), Optional(false));
  EXPECT_THAT(DatedBefore("2024", "2025-06-18"), Optional(true));
  EXPECT_THAT(DatedBefore("2026-01-06 (doc last-commit date)", "2025-06-18"), Optional(false));
  EXPECT_EQ(DatedBefore("undated", "2025-06-18"), std::nullopt);
  EXPECT_EQ(DatedBefore("20240828", "2025-06-18"), std::nullopt);
  EXPECT_EQ(DatedBefore("", "2025-06-18"), std::nullopt);
}

}  // namespace
}  // namespace pertoken
