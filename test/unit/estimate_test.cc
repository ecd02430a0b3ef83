#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/estimate_command.h"
#include "test_util.h"

namespace pertoken::cli {
namespace {

using ::testing::HasSubstr;

class EstimateTest : public testing::FixtureCatalogTest {
 protected:
  int Run(EstimateOptions o) {
    out_.str("");
    err_.str("");
    return RunEstimate(cat_, o, out_, err_);
  }
  static EstimateOptions Base() {
    EstimateOptions o;
    o.deployment.model = "llama-2-70b";
    o.deployment.accelerator = "h100-sxm";
    o.deployment.count = 2;
    o.input_tokens = 1000;
    o.output_tokens = 200;
    return o;
  }
  std::ostringstream out_, err_;
};

TEST_F(EstimateTest, JsonNamesTheDocumentedKeys) {
  EstimateOptions o = Base();
  o.json = true;
  o.concurrency = "8";
  ASSERT_EQ(Run(o), kExitOk) << err_.str();
  const auto j = nlohmann::json::parse(out_.str());
  for (const char* key :
       {"output_tokens_per_s", "ttft_s", "tpot_s", "concurrency", "usd_per_million_output_tokens",
        "usd_per_hour", "bottleneck", "decode_step"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["concurrency"], 8.0);
  // The fixture prices the H100 at $98.32 / 8 per accelerator-hour.
  EXPECT_NEAR(j["usd_per_hour"].get<double>(), 2 * 98.32 / 8, 1e-9);
  const double per_mtok =
      j["usd_per_hour"].get<double>() / (j["output_tokens_per_s"].get<double>() * 3600) * 1e6;
  EXPECT_NEAR(j["usd_per_million_output_tokens"].get<double>(), per_mtok, 1e-9 * per_mtok);
}

TEST_F(EstimateTest, PriceOverrideAndMaxConcurrency) {
  EstimateOptions o = Base();
  o.json = true;
  o.usd_per_accelerator_hour = 2.0;
  ASSERT_EQ(Run(o), kExitOk) << err_.str();
  const auto j = nlohmann::json::parse(out_.str());
  EXPECT_DOUBLE_EQ(j["usd_per_hour"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(j["concurrency"].get<double>(), j["max_concurrency"].get<double>());
}

TEST_F(EstimateTest, BadInputIsOneClearMessage) {
  const struct {
    void (*edit)(EstimateOptions*);
    const char* message;
  } cases[] = {
      {[](EstimateOptions* o) { o->input_tokens = 0; }, "--input-len must be at least 1, got 0"},
      {[](EstimateOptions* o) { o->output_tokens.reset(); },
       "--input-len and --output-len are required"},
      {[](EstimateOptions* o) { o->input_tokens = 5000; },
       "exceeds the 4096-token context of llama-2-70b"},
      {[](EstimateOptions* o) { o->deployment.model = "llama-70b"; }, "did you mean llama-2-70b"},
      {[](EstimateOptions* o) { o->deployment.count = 1; }, "does not fit on 1 × h100-sxm"},
      {[](EstimateOptions* o) { o->concurrency = "-3"; },
       "--concurrency must be a number of at least 1"},
      {[](EstimateOptions* o) { o->request_rate = -1; },
       "--request-rate must be a positive number"},
      {[](EstimateOptions* o) { o->spec_decode = "k=4,accept=1.2"; },
       "accept must be in [0, 1), got '1.2'"},
      {[](EstimateOptions* o) { o->spec_decode = "k=4"; }, "accept=... is required"},
      {[](EstimateOptions* o) { o->spec_decode = "draft=nope,k=4,accept=0.5"; },
       "unknown model 'nope'"},
      {[](EstimateOptions* o) { o->batching = "dynamic"; },
       "--batching must be continuous or static"},
  };
  for (const auto& c : cases) {
    EstimateOptions o = Base();
    c.edit(&o);
    EXPECT_EQ(Run(o), kExitFailure) << c.message;
    EXPECT_THAT(err_.str(), HasSubstr(c.message));
  }
}

TEST_F(EstimateTest, SaturatedRateExitsOne) {
  EstimateOptions o = Base();
  o.request_rate = 1e6;
  EXPECT_EQ(Run(o), kExitFailure);
  EXPECT_THAT(out_.str(), HasSubstr("exceeds"));
}

}  // namespace
}  // namespace pertoken::cli
