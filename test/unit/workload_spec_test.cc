#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "workload/spec.h"

namespace pertoken::workload {
namespace {

using ::testing::HasSubstr;

std::string Fixture(const std::string& name) {
  return std::string(PERTOKEN_TEST_DATA) + "/traces/" + name;
}

TEST(WorkloadSpecTest, ArrivalSpecs) {
  auto poisson = ParseArrivalSpec("poisson:rate=5", "--arrivals");
  ASSERT_TRUE(poisson.ok()) << poisson.status().message();
  EXPECT_EQ(poisson->rate_per_s, 5);
  EXPECT_EQ(poisson->cv, 1);
  EXPECT_EQ(poisson->curve.Multiplier(1000), 1);

  auto gamma = ParseArrivalSpec("gamma:rate=0.5,cv=2", "--arrivals");
  ASSERT_TRUE(gamma.ok()) << gamma.status().message();
  EXPECT_EQ(gamma->rate_per_s, 0.5);
  EXPECT_EQ(gamma->cv, 2);

  auto diurnal = ParseArrivalSpec(
      "poisson:rate=5,diurnal=" + Fixture("diurnal.csv") + ",start_h=12", "--arrivals");
  ASSERT_TRUE(diurnal.ok()) << diurnal.status().message();
  EXPECT_DOUBLE_EQ(diurnal->curve.Multiplier(0), 3.0);  // noon
}

TEST(WorkloadSpecTest, BadArrivalSpecsNameTheKeyOrValue) {
  const struct {
    std::string spec;
    const char* message;
  } cases[] = {
      {"poison:rate=5", "--arrivals: unknown kind 'poison'; did you mean poisson?"},
      {"uniform:rate=5", "--arrivals: unknown kind 'uniform' (expected one of poisson, gamma)"},
      {"", "--arrivals: unknown kind '' (expected one of poisson, gamma)"},
      {"poisson:rat=5",
       "--arrivals poisson: unknown key 'rat'; did you mean rate?; missing key 'rate'"},
      {"poisson", "--arrivals poisson: missing key 'rate'"},
      {"gamma:rate=5", "--arrivals gamma: missing key 'cv'"},
      {"poisson:rate=0", "--arrivals poisson: rate must be a number > 0, not '0'"},
      {"poisson:rate=-5", "--arrivals poisson: rate must be a number > 0, not '-5'"},
      {"poisson:rate=fast", "--arrivals poisson: rate must be a number > 0, not 'fast'"},
      {"gamma:rate=5,cv=0", "--arrivals gamma: cv must be a number > 0, not '0'"},
      {"poisson:rate=5,rate=6", "--arrivals poisson: key 'rate' given twice"},
      {"poisson:rate", "--arrivals poisson: 'rate' is not key=value; missing key 'rate'"},
      {"poisson:rate=5,start_h=3",
       "--arrivals poisson: start_h sets the time of day of a diurnal curve, and there is none"},
      {"poisson:rate=5,cv=2",
       "--arrivals poisson: unknown key 'cv' (expected one of rate, diurnal, start_h)"},
  };
  for (const auto& c : cases) {
    auto r = ParseArrivalSpec(c.spec, "--arrivals");
    ASSERT_FALSE(r.ok()) << c.spec;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.spec;
    EXPECT_EQ(r.status().message(), c.message) << c.spec;
  }
}

TEST(WorkloadSpecTest, BadDiurnalFiles) {
  auto missing = ParseArrivalSpec("poisson:rate=5,diurnal=/no/such.csv", "--arrivals");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  EXPECT_EQ(missing.status().message(), "/no/such.csv: cannot open the file");
  auto late = ParseArrivalSpec("poisson:rate=5,diurnal=" + Fixture("diurnal.csv") + ",start_h=24",
                               "--arrivals");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().message(),
            "--arrivals poisson: diurnal " + Fixture("diurnal.csv") +
                ": rate curve start 24 is not a time of day in [0, 24) hours");
}

TEST(WorkloadSpecTest, LengthSpecs) {
  Rng rng(1);
  auto fixed = ParseLengthSpec("fixed:in=1000,out=200", "--lengths");
  ASSERT_TRUE(fixed.ok()) << fixed.status().message();
  EXPECT_EQ(fixed->sampler.Sample(rng), (LengthPair{1000, 200}));

  auto uniform = ParseLengthSpec("uniform:in_min=5,in_max=5,out_min=7,out_max=7", "--lengths");
  ASSERT_TRUE(uniform.ok()) << uniform.status().message();
  EXPECT_EQ(uniform->sampler.Sample(rng), (LengthPair{5, 7}));

  for (const char* spec : {"lognormal:in_p50=1000,in_p90=3000,out_p50=200,out_p90=500",
                           "exponential:in_mean=1000,out_mean=200"}) {
    auto parsed = ParseLengthSpec(spec, "--lengths");
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    EXPECT_GE(parsed->sampler.Sample(rng).input_tokens, 1);
  }

  auto file = ParseLengthSpec("file:" + Fixture("lengths_small.csv"), "--lengths");
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(file->skipped.count, 1);
  const LengthPair drawn = file->sampler.Sample(rng);
  EXPECT_EQ(drawn.output_tokens * 10, drawn.input_tokens);  // a row of the file
}

TEST(WorkloadSpecTest, BadLengthSpecsNameTheKeyOrValue) {
  const struct {
    std::string spec;
    const char* message;
  } cases[] = {
      {"lognorm:in_p50=1", "--lengths: unknown kind 'lognorm'; did you mean lognormal?"},
      {"fixed:in=0,out=5", "--lengths fixed: in must be an integer >= 1, not '0'"},
      {"fixed:in=1.5,out=5", "--lengths fixed: in must be an integer >= 1, not '1.5'"},
      {"fixed:in=100", "--lengths fixed: missing key 'out'"},
      {"fixed:in=100,ot=5",
       "--lengths fixed: unknown key 'ot'; did you mean out?; missing key 'out'"},
      {"fixed:in=100,output=5",
       "--lengths fixed: unknown key 'output' (expected one of in, out); missing key 'out'"},
      {"uniform:in_min=5,in_max=3,out_min=1,out_max=1",
       "--lengths uniform: in: min 5 and max 3: need 1 <= min <= max"},
      {"lognormal:in_p50=100,in_p90=300,out_p50=200,out_p90=100",
       "--lengths lognormal: out: p50 200 and p90 100: need 0 < p50 <= p90"},
      {"exponential:in_mean=0,out_mean=5",
       "--lengths exponential: in_mean must be a number > 0, not '0'"},
      {"file:", "--lengths file: needs a path"},
  };
  for (const auto& c : cases) {
    auto r = ParseLengthSpec(c.spec, "--lengths");
    ASSERT_FALSE(r.ok()) << c.spec;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.spec;
    EXPECT_EQ(r.status().message(), c.message) << c.spec;
  }
  auto missing = ParseLengthSpec("file:/no/such.csv", "--lengths");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  auto malformed = ParseLengthSpec("file:" + Fixture("bad_rows.csv"), "--lengths");
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.status().code(), StatusCode::kParseError);
  auto all_zero = ParseLengthSpec("file:" + Fixture("lengths_all_zero.csv"), "--lengths");
  ASSERT_FALSE(all_zero.ok());
  EXPECT_EQ(all_zero.status().message(), "--lengths file: " + Fixture("lengths_all_zero.csv") +
                                             " has no row with input and output tokens");
}

}  // namespace
}  // namespace pertoken::workload
