#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>

#include "workload/lengths.h"
#include "workload/stats.h"

namespace pertoken::workload {
namespace {

using ::testing::HasSubstr;

std::string Fixture(const std::string& name) {
  return std::string(PERTOKEN_TEST_DATA) + "/traces/" + name;
}

std::string ShippedLengths(const std::string& name) {
  return (std::filesystem::path(PERTOKEN_SHIPPED_DATA).parent_path() / "traces" / "lengths" / name)
      .string();
}

// `n` draws of one field.
std::vector<double> Draws(const TokenDistribution& d, int n) {
  Rng rng(7);
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(static_cast<double>(d.Draw(rng)));
  return out;
}

TEST(WorkloadLengthsTest, LengthsFileKeepsPairsAndSkipsZeroRows) {
  auto table = ReadLengths(Fixture("lengths_small.csv"));
  ASSERT_TRUE(table.ok()) << table.status().message();
  EXPECT_EQ(table->pairs, (std::vector<LengthPair>{{100, 10}, {200, 20}, {300, 30}}));
  EXPECT_EQ(table->skipped.count, 1);
  EXPECT_EQ(table->skipped.first_line, 5);
}

TEST(WorkloadLengthsTest, ATraceIsALengthsFileToo) {
  auto table = ReadLengths(Fixture("five_rows.csv"));
  ASSERT_TRUE(table.ok()) << table.status().message();
  ASSERT_EQ(table->pairs.size(), 5u);
  EXPECT_EQ(table->pairs[2], (LengthPair{1025, 300}));
}

TEST(WorkloadLengthsTest, MalformedLengthRows) {
  auto table = ParseLengths("input_tokens,output_tokens\n5,x\n-1,3\n", "l.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().message(),
            "l.csv:2: output_tokens: 'x' is not an integer\n"
            "l.csv:3: input_tokens: -1 is negative");
  auto header = ParseLengths("in,out\n", "l.csv");
  ASSERT_FALSE(header.ok());
  EXPECT_THAT(header.status().message(), HasSubstr("l.csv:1: the header must be"));
}

TEST(WorkloadLengthsTest, EmpiricalSamplingReproducesTheFileMeans) {
  auto table = ReadLengths(ShippedLengths("sharegpt_8k_llama2tok.csv"));
  ASSERT_TRUE(table.ok()) << table.status().message();
  std::vector<double> inputs, outputs;
  for (const LengthPair& p : table->pairs) {
    inputs.push_back(static_cast<double>(p.input_tokens));
    outputs.push_back(static_cast<double>(p.output_tokens));
  }
  auto sampler = LengthSampler::Empirical(table->pairs);
  ASSERT_TRUE(sampler.ok()) << sampler.status().message();
  Rng rng(11);
  std::vector<double> drawn_in, drawn_out;
  for (int i = 0; i < 200000; ++i) {
    const LengthPair p = sampler->Sample(rng);
    drawn_in.push_back(static_cast<double>(p.input_tokens));
    drawn_out.push_back(static_cast<double>(p.output_tokens));
  }
  const double in_mean = Describe(inputs).mean, out_mean = Describe(outputs).mean;
  EXPECT_NEAR(Describe(drawn_in).mean, in_mean, in_mean * 0.01);
  EXPECT_NEAR(Describe(drawn_out).mean, out_mean, out_mean * 0.01);
}

TEST(WorkloadLengthsTest, EmpiricalSamplingDrawsWholePairs) {
  const std::vector<LengthPair> pairs = {{100, 10}, {200, 20}, {300, 30}};
  auto sampler = LengthSampler::Empirical(pairs);
  ASSERT_TRUE(sampler.ok());
  Rng rng(3);
  int seen[3] = {0, 0, 0};
  for (int i = 0; i < 3000; ++i) {
    const LengthPair p = sampler->Sample(rng);
    ASSERT_EQ(p.output_tokens * 10, p.input_tokens);  // never mixes two rows
    ++seen[p.input_tokens / 100 - 1];
  }
  for (int s : seen) EXPECT_NEAR(s, 1000, 100);
  EXPECT_FALSE(LengthSampler::Empirical({}).ok());
}

TEST(WorkloadLengthsTest, ParametricFamilies) {
  EXPECT_EQ(Describe(Draws(*TokenDistribution::Fixed(123), 100)).min, 123);
  EXPECT_EQ(Describe(Draws(*TokenDistribution::Fixed(123), 100)).max, 123);

  const Distribution uniform = Describe(Draws(*TokenDistribution::Uniform(10, 20), 100000));
  EXPECT_EQ(uniform.min, 10);
  EXPECT_EQ(uniform.max, 20);
  EXPECT_NEAR(uniform.mean, 15, 0.05);

  const Distribution lognormal = Describe(Draws(*TokenDistribution::Lognormal(1000, 3000), 100000));
  EXPECT_NEAR(lognormal.p50, 1000, 20);
  EXPECT_NEAR(lognormal.p90, 3000, 60);

  const Distribution exponential = Describe(Draws(*TokenDistribution::Exponential(200), 200000));
  EXPECT_NEAR(exponential.mean, 200, 2);
  EXPECT_EQ(exponential.min, 1);  // draws below 0.5 round up to 1
  EXPECT_NEAR(exponential.p50, 200 * std::log(2.0), 3);
}

TEST(WorkloadLengthsTest, ParametricFamiliesRejectBadParameters) {
  const struct {
    Result<TokenDistribution> made;
    const char* message;
  } cases[] = {
      {TokenDistribution::Fixed(0), "0 tokens: must be >= 1"},
      {TokenDistribution::Uniform(0, 5), "min 0 and max 5: need 1 <= min <= max"},
      {TokenDistribution::Uniform(6, 5), "min 6 and max 5: need 1 <= min <= max"},
      {TokenDistribution::Lognormal(100, 50), "p50 100 and p90 50: need 0 < p50 <= p90"},
      {TokenDistribution::Lognormal(0, 50), "p50 0 and p90 50: need 0 < p50 <= p90"},
      {TokenDistribution::Exponential(-1), "mean -1: must be > 0"},
  };
  for (const auto& c : cases) {
    ASSERT_FALSE(c.made.ok()) << c.message;
    EXPECT_EQ(c.made.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(c.made.status().message(), c.message);
  }
}

}  // namespace
}  // namespace pertoken::workload
