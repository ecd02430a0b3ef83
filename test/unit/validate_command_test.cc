#include "cli/validate_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "test_util.h"
#include "validate/validate.h"

namespace pertoken::cli {
namespace {

using ::testing::HasSubstr;

std::string MeasurementsDir() { return std::string(PERTOKEN_TEST_DATA) + "/measurements"; }

class ValidateCommandTest : public testing::FixtureCatalogTest {
 protected:
  int Run(ValidateOptions o) {
    out_.str("");
    err_.str("");
    if (o.measurements.empty()) o.measurements = MeasurementsDir() + "/fixture.csv";
    if (o.workloads.empty()) o.workloads = MeasurementsDir() + "/benchmark_workloads.csv";
    return RunValidate(cat_, o, out_, err_);
  }
  std::ostringstream out_, err_;
};

TEST_F(ValidateCommandTest, JsonNamesTheDocumentedKeys) {
  ASSERT_EQ(Run({.by = "source", .rows = true, .json = true}), kExitOk) << err_.str();
  const auto j = nlohmann::json::parse(out_.str());
  for (const char* key : {"rows", "predicted", "coverage", "median_ape_throughput",
                          "median_ape_latency", "p90_ape_throughput", "p90_ape_latency",
                          "interval_coverage_throughput", "percentile_method"}) {
    EXPECT_TRUE(j["summary"].contains(key)) << key;
  }
  EXPECT_EQ(j["summary"]["rows"], 15);
  EXPECT_EQ(j["group_by"], "source");
  std::vector<std::string> keys;
  for (const auto& g : j["groups"]) keys.push_back(g["key"]);
  EXPECT_EQ(keys, (std::vector<std::string>{"FX", "GPS", "LCPP", "LMD", "MLP", "TRT17S"}));
  EXPECT_EQ(j["skipped"]["unknown model 'Falcon-180B'"], 1);
  EXPECT_EQ(j["skipped"]["cannot know the accelerators: llama-2-70b (fp16 weights) cannot run on 1 "
                         "× h100-sxm as stated"],
            1);
  ASSERT_EQ(j["rows"].size(), 15u);
  EXPECT_EQ(j["rows"][1]["id"], "FX-0002");
  EXPECT_EQ(j["rows"][1]["skip_reason"], "unknown model 'Falcon-180B'");
  EXPECT_TRUE(j["rows"][1]["predicted"].is_null());
  // Every row is either predicted or skipped with a reason, and the counts agree.
  int skipped = 0;
  for (const auto& r : j["rows"]) {
    EXPECT_NE(r["predicted"].is_null(), r["skip_reason"].is_null()) << r["id"];
    skipped += r["skip_reason"].is_null() ? 0 : 1;
  }
  int counted = 0;
  for (const auto& [reason, n] : j["skipped"].items()) counted += n.get<int>();
  EXPECT_EQ(counted, skipped);
  EXPECT_EQ(j["summary"]["predicted"], 15 - skipped);
}

TEST_F(ValidateCommandTest, JsonLeavesRowsOutUnlessAsked) {
  ASSERT_EQ(Run({.json = true}), kExitOk) << err_.str();
  const auto j = nlohmann::json::parse(out_.str());
  EXPECT_FALSE(j.contains("rows"));
  EXPECT_TRUE(j["group_by"].is_null());
}

TEST_F(ValidateCommandTest, TextSummaryAndRows) {
  ASSERT_EQ(Run({.by = "metric", .rows = true}), kExitOk) << err_.str();
  const std::string text = out_.str();
  EXPECT_THAT(text, HasSubstr("Rows 15, predicted"));
  EXPECT_THAT(text, HasSubstr("throughput"));
  EXPECT_THAT(text, HasSubstr("unknown model 'Falcon-180B'"));
  EXPECT_THAT(text, HasSubstr("By metric:"));
  EXPECT_THAT(text, HasSubstr("FX-0011"));
  EXPECT_THAT(text,
              HasSubstr("skipped: cannot know the accelerators: llama-2-70b (fp16 weights) cannot "
                        "run on 1 × h100-sxm as stated (TP=1 PP=1, even with all of the memory:"));
  EXPECT_THAT(text, HasSubstr("linear interpolation"));
}

TEST_F(ValidateCommandTest, BadInputIsOneClearMessage) {
  EXPECT_EQ(Run({.measurements = "/nonexistent.csv"}), kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr("error: /nonexistent.csv: cannot open the file"));
  EXPECT_EQ(Run({.by = "colour"}), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("--by 'colour'"));
  EXPECT_EQ(Run({.workloads = "/nonexistent-workloads.csv"}), kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr("/nonexistent-workloads.csv"));
}

TEST_F(ValidateCommandTest, MalformedMeasurementsNameFileAndLine) {
  testing::ScratchCatalog scratch("validate-malformed");
  const std::string bad = scratch.Write("bad.csv", "id,model\nX,\"open\n");
  EXPECT_EQ(Run({.measurements = bad}), kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr(bad + ":2: a quoted field is not closed"));
}

TEST_F(ValidateCommandTest, SameInputSameOutput) {
  ASSERT_EQ(Run({.by = "model", .rows = true, .json = true}), kExitOk);
  const std::string first = out_.str();
  ASSERT_EQ(Run({.by = "model", .rows = true, .json = true}), kExitOk);
  EXPECT_EQ(out_.str(), first);
}

TEST_F(ValidateCommandTest, PlaceholderIntervalsHoldTheMiddleOfTheResiduals) {
  auto rows = validate::ReadMeasurements(MeasurementsDir() + "/fixture.csv");
  auto w = validate::ReadWorkloads(MeasurementsDir() + "/benchmark_workloads.csv");
  ASSERT_TRUE(rows.ok() && w.ok());
  const auto report = validate::Validate(cat_, *rows, *w, {});
  for (const auto& r : report.rows) {
    if (!r.predicted) continue;
    EXPECT_LE(r.interval_low, r.interval_high) << r.id;
    const auto& band = r.row_class == validate::RowClass::kThroughput ? report.throughput_band
                                                                      : report.latency_band;
    ASSERT_TRUE(band.ok);
    const double residual = std::log(r.prediction / r.measured);
    EXPECT_EQ(r.in_interval, residual >= band.low_log_residual - 1e-12 &&
                                 residual <= band.high_log_residual + 1e-12)
        << r.id;
  }
}

}  // namespace
}  // namespace pertoken::cli
