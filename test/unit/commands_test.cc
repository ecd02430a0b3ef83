#include "cli/commands.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "test_util.h"

namespace pertoken::cli {
namespace {

using ::testing::HasSubstr;

class CommandsTest : public testing::FixtureCatalogTest {
 protected:
  int Fit(const FitOptions& o) {
    out_.str("");
    err_.str("");
    return RunFit(cat_, o, out_, err_);
  }
  std::ostringstream out_, err_;
};

TEST_F(CommandsTest, FitJsonNamesTheDocumentedKeys) {
  ASSERT_EQ(Fit({.model = "llama-2-70b", .accelerator = "h100-sxm", .json = true}), kExitOk)
      << err_.str();
  const auto j = nlohmann::json::parse(out_.str());
  for (const char* key : {"weight_bytes", "kv_bytes_per_token", "fits", "min_accelerators",
                          "max_concurrent_sequences", "memory_per_accelerator", "layouts"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["kv_bytes_per_token"], 327680.0);
  EXPECT_EQ(j["min_accelerators"], 2);
  EXPECT_EQ(j["count"], 2);
  EXPECT_EQ(j["fits"], true);
  EXPECT_EQ(j["layout"]["tp"], 2);
}

TEST_F(CommandsTest, DoesNotFitIsExitOneWithTheReport) {
  EXPECT_EQ(Fit({.model = "llama-2-70b", .accelerator = "h100-sxm", .count = 1}), kExitFailure);
  EXPECT_THAT(out_.str(), HasSubstr("Fits: no"));
  EXPECT_THAT(out_.str(), HasSubstr("Smallest fit: 2 × h100-sxm"));
}

TEST_F(CommandsTest, H200ShowsTheArithmeticOfEachEngine) {
  EXPECT_EQ(Fit({.model = "llama-2-70b", .accelerator = "h200", .count = 1}), kExitFailure);
  EXPECT_THAT(out_.str(), HasSubstr("= 0.9 × 150.75 − 137.95"));
  EXPECT_EQ(Fit({.model = "llama-2-70b", .accelerator = "h200", .engine = "trtllm", .count = 1}),
            kExitOk);
  EXPECT_THAT(out_.str(), HasSubstr("= 0.9 × (150.75 − 137.95"));
}

TEST_F(CommandsTest, BadInputIsOneClearMessage) {
  const struct {
    FitOptions options;
    const char* message;
  } cases[] = {
      {{.model = "llama-70b", .accelerator = "h100"},
       "unknown model 'llama-70b'; did you mean llama-2-70b, llama-3.1-70b?"},
      {{.model = "llama-2-70b", .accelerator = "h900"}, "unknown accelerator 'h900'"},
      {{.model = "llama-2-70b", .accelerator = "h100", .engine = "vllmm"},
       "unknown engine 'vllmm'; did you mean vllm?"},
      {{.model = "llama-2-70b", .accelerator = "h100", .weights = "int3"},
       "--weights: unknown quantization format 'int3'"},
      {{.model = "llama-2-70b", .accelerator = "h100", .kv = "awq"},
       "--kv: quantization format 'int4-awq' does not apply to the KV cache"},
      {{.model = "llama-2-70b", .accelerator = "h100", .kv = "int4"},
       "--kv: the catalog has no int4 format for the KV cache"},
      {{.model = "llama-2-70b", .accelerator = "h100", .tp = 3},
       "TP=3 does not divide the 64 attention heads"},
      {{.model = "llama-2-70b", .accelerator = "h100", .count = 3, .tp = 2},
       "--count 3 is not TP×PP = 2×1 = 2"},
      {{.model = "llama-2-70b", .accelerator = "h100", .count = 0},
       "--count must be at least 1, got 0"},
      {{.model = "llama-2-70b", .accelerator = "h100", .tp = -2},
       "--tp must be at least 1, got -2"},
      {{.model = "llama-2-70b", .accelerator = "h100", .count = 100000},
       "--count = 100000 is not plausible"},
      {{.model = "llama-2-70b", .accelerator = "h100", .context_tokens = -5},
       "--context must be at least 1"},
      {{.model = "llama-2-70b", .accelerator = "h100", .context_tokens = 5000},
       "--context 5000 exceeds the maximum context of 4096 tokens of llama-2-70b"},
      {{.model = "llama-2-70b", .accelerator = "h100", .max_context_tokens = 8192},
       "--max-context 8192 exceeds the 4096-token context of llama-2-70b"},
      {{.model = "llama-2-70b", .accelerator = "epyc-9654"},
       "has no memory capacity in the catalog"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Fit(c.options), kExitFailure) << c.message;
    EXPECT_THAT(err_.str(), HasSubstr(c.message));
    EXPECT_EQ(out_.str(), "") << c.message;
  }
}

TEST_F(CommandsTest, CatalogListAndShow) {
  std::ostringstream out, err;
  EXPECT_EQ(RunCatalogList(cat_, "models", false, out, err), kExitOk);
  EXPECT_THAT(out.str(), HasSubstr("llama-2-70b"));
  out.str("");
  EXPECT_EQ(RunCatalogList(cat_, "accelerators", true, out, err), kExitOk);
  EXPECT_EQ(nlohmann::json::parse(out.str()).size(), 4u);
  EXPECT_EQ(RunCatalogList(cat_, "modles", false, out, err), kExitFailure);
  EXPECT_THAT(err.str(), HasSubstr("unknown catalog kind 'modles'; did you mean models?"));
  out.str("");
  EXPECT_EQ(RunCatalogShow(cat_, "NVIDIA H100 SXM5", false, out, err), kExitOk);
  EXPECT_THAT(out.str(), HasSubstr("memory_bytes"));
  EXPECT_THAT(out.str(), HasSubstr("nvidia-smi: 81559 MiB"));
  EXPECT_THAT(out.str(), HasSubstr("why not: the datasheet says 3.35 TB/s"));
  out.str("");
  EXPECT_EQ(RunCatalogShow(cat_, "prices/aws", true, out, err), kExitOk);
  const auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["kind"], "price list");
  bool priced = false;
  for (const auto& f : j["fields"]) {
    if (f["path"] == "offers[0].usd_per_hour") priced = f["value"] == "98.32";
  }
  EXPECT_TRUE(priced);
}

TEST(CatalogCheck, ReportsEveryProblemAndExitsOne) {
  testing::ScratchCatalog scratch("check");
  scratch.Write("models/a.toml", "schema_version = 1\nid = \"a\"\n");
  scratch.Write("engines/b.toml", "not toml at all = = =\n");
  std::ostringstream out, err;
  EXPECT_EQ(RunCatalogCheck(scratch.dir(), false, out, err), kExitFailure);
  EXPECT_THAT(err.str(), HasSubstr("models/a.toml:1: name: required key is missing"));
  EXPECT_THAT(err.str(), HasSubstr("models/a.toml:1: layers: required key is missing"));
  EXPECT_THAT(err.str(), HasSubstr("engines/b.toml:1:"));
  std::ostringstream out2, err2;
  EXPECT_EQ(RunCatalogCheck(testing::FixtureCatalog(), true, out2, err2), kExitOk);
  EXPECT_EQ(nlohmann::json::parse(out2.str())["ok"], true);
}

}  // namespace
}  // namespace pertoken::cli
