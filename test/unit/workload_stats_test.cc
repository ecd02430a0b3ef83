#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "workload/lengths.h"
#include "workload/stats.h"
#include "workload/trace.h"

namespace pertoken::workload {
namespace {

std::string ShippedTraces() {
  return (std::filesystem::path(PERTOKEN_SHIPPED_DATA).parent_path() / "traces").string();
}

TEST(WorkloadStatsTest, PercentilesInterpolateLikeNumpy) {
  const std::vector<double> v = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(Percentile(v, 0), 1);
  EXPECT_DOUBLE_EQ(Percentile(v, 50), 2.5);   // numpy.percentile([1,2,3,4], 50)
  EXPECT_DOUBLE_EQ(Percentile(v, 90), 3.7);   // index 2.7
  EXPECT_DOUBLE_EQ(Percentile(v, 99), 3.97);  // index 2.97
  EXPECT_DOUBLE_EQ(Percentile(v, 100), 4);
  EXPECT_DOUBLE_EQ(Percentile({7}, 90), 7);
}

TEST(WorkloadStatsTest, FiveRowTraceByHand) {
  auto trace = ReadTrace(std::string(PERTOKEN_TEST_DATA) + "/traces/five_rows.csv");
  ASSERT_TRUE(trace.ok()) << trace.status().message();
  const StreamStats s = Summarize(trace->requests);
  EXPECT_EQ(s.count, 5);
  EXPECT_DOUBLE_EQ(s.span_s, 10);
  EXPECT_DOUBLE_EQ(s.rate_per_s, 0.5);
  EXPECT_DOUBLE_EQ(s.input_tokens.mean, (600 + 512 + 1025 + 100 + 2000) / 5.0);
  EXPECT_DOUBLE_EQ(s.input_tokens.p50, 600);
  EXPECT_DOUBLE_EQ(s.output_tokens.p90, 64 + 0.6 * (300 - 64));  // sorted 1 10 20 64 300
  EXPECT_DOUBLE_EQ(s.output_tokens.min, 1);
  // Gaps 0.5, 0, 1.75, 7.75: mean 2.5, squared deviations sum to 38.375.
  EXPECT_DOUBLE_EQ(s.iat_cv, std::sqrt(38.375 / 4) / 2.5);
  EXPECT_EQ(Summarize({}).count, 0);
}

// The table of shared/data/traces/README.md ("Summary statistics"), to its printed precision.
TEST(WorkloadStatsTest, ShippedTracesMatchTheReadme) {
  const struct {
    const char* name;
    int64_t rows;
    double span_s, rate, in_mean, in_p50, in_p90, in_p99, out_mean, out_p50, out_p90, out_p99;
    double iat_cv;
  } cases[] = {
      {"azure-code", 8819, 3435.95, 2.567, 2047.8, 1469, 5187.6, 7436, 27.9, 13, 55, 251.5, 13.15},
      {"azure-conv", 19366, 3501.72, 5.530, 1154.7, 1020, 2734.5, 4142, 211.1, 129, 424, 601, 1.09},
      {"mooncake-conv", 12031, 3537.00, 3.401, 12035.1, 6909, 27367, 85400.4, 342.6, 350, 597,
       1118.5, 3.03},
  };
  for (const auto& c : cases) {
    auto path = BuiltinTracePath(c.name, ShippedTraces());
    ASSERT_TRUE(path.ok()) << path.status().message();
    auto trace = ReadTrace(*path);
    ASSERT_TRUE(trace.ok()) << trace.status().message();
    EXPECT_EQ(trace->skipped.count, 0) << c.name;
    const StreamStats s = Summarize(trace->requests);
    EXPECT_EQ(s.count, c.rows) << c.name;
    EXPECT_NEAR(s.span_s, c.span_s, 0.005) << c.name;
    EXPECT_NEAR(s.rate_per_s, c.rate, 0.0005) << c.name;
    EXPECT_NEAR(s.input_tokens.mean, c.in_mean, 0.05) << c.name;
    EXPECT_NEAR(s.input_tokens.p50, c.in_p50, 0.05) << c.name;
    EXPECT_NEAR(s.input_tokens.p90, c.in_p90, 0.05) << c.name;
    EXPECT_NEAR(s.input_tokens.p99, c.in_p99, 0.05) << c.name;
    EXPECT_NEAR(s.output_tokens.mean, c.out_mean, 0.05) << c.name;
    EXPECT_NEAR(s.output_tokens.p50, c.out_p50, 0.05) << c.name;
    EXPECT_NEAR(s.output_tokens.p90, c.out_p90, 0.05) << c.name;
    EXPECT_NEAR(s.output_tokens.p99, c.out_p99, 0.05) << c.name;
    EXPECT_NEAR(s.iat_cv, c.iat_cv, 0.005) << c.name;
  }
}

TEST(WorkloadStatsTest, ShippedLengthFilesMatchTheReadme) {
  const struct {
    const char* file;
    size_t rows;
    double in_mean, in_p50, in_p90, in_p99, out_mean, out_p50, out_p90, out_p99;
  } cases[] = {
      {"sharegpt_8k_llama2tok.csv", 30731, 2340.0, 1730, 5696, 7433.7, 438.7, 415, 834, 998},
      {"arxiv_summarization_llama2tok.csv", 28257, 2588.1, 2730, 3702, 3933.4, 291.4, 167, 372,
       3271.3},
      {"bwb_llama2tok.csv", 33768, 1067.2, 1037, 1453, 1800, 1612.8, 1601, 2149, 2533},
  };
  for (const auto& c : cases) {
    auto table = ReadLengths(ShippedTraces() + "/lengths/" + c.file);
    ASSERT_TRUE(table.ok()) << table.status().message();
    ASSERT_EQ(table->pairs.size(), c.rows) << c.file;
    std::vector<double> in, out;
    for (const LengthPair& p : table->pairs) {
      in.push_back(static_cast<double>(p.input_tokens));
      out.push_back(static_cast<double>(p.output_tokens));
    }
    const Distribution i = Describe(in), o = Describe(out);
    EXPECT_NEAR(i.mean, c.in_mean, 0.05) << c.file;
    EXPECT_NEAR(i.p50, c.in_p50, 0.05) << c.file;
    EXPECT_NEAR(i.p90, c.in_p90, 0.05) << c.file;
    EXPECT_NEAR(i.p99, c.in_p99, 0.05) << c.file;
    EXPECT_NEAR(o.mean, c.out_mean, 0.05) << c.file;
    EXPECT_NEAR(o.p50, c.out_p50, 0.05) << c.file;
    EXPECT_NEAR(o.p90, c.out_p90, 0.05) << c.file;
    EXPECT_NEAR(o.p99, c.out_p99, 0.05) << c.file;
  }
}

}  // namespace
}  // namespace pertoken::workload
