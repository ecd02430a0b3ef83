// Named benchmark workloads (data/catalog/workloads/, doc/formats/workload.md): the shipped files
// against the reference table they were copied from, the loader's checks, and `--workload` in
// estimate, plan, simulate and validate. Expectations other than the data check come from the
// fixture catalog's workloads (test/data/catalog_small/workloads/).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "cli/estimate_command.h"
#include "cli/plan_command.h"
#include "cli/validate_command.h"
#include "cli/workload_flag.h"
#include "simulate_test_util.h"
#include "test_util.h"
#include "validate/resolve.h"
#include "validate/row_mapping.h"
#include "validate/workloads.h"

namespace pertoken {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The shipped catalog's workloads hold the numbers of shared/reference/benchmark_workloads.csv,
// the table they were copied from: means in tokens, limits converted from ms to s.
TEST(WorkloadCatalogDataTest, ShippedWorkloadsEqualTheReferenceTable) {
  const std::string csv = std::string(PERTOKEN_SHARED_DIR) + "/reference/benchmark_workloads.csv";
  if (!std::filesystem::exists(csv)) GTEST_SKIP() << csv << " is not in this checkout";
  auto cat = catalog::Catalog::Load(PERTOKEN_SHIPPED_DATA);
  ASSERT_TRUE(cat.ok()) << cat.status().message();
  auto rows = validate::ReadWorkloads(csv);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  int compared = 0;
  for (const validate::BenchmarkWorkload& row : *rows) {
    const bool has_numbers = row.input_mean_tokens || row.output_mean_tokens ||
                             row.server_ttft_p99_limit_s || row.interactive_ttft_p99_limit_s;
    const catalog::Workload* w = nullptr;
    for (const auto& candidate : cat->workloads()) {
      if (Lowercase(candidate.benchmark) == Lowercase(row.benchmark)) w = &candidate;
    }
    if (!has_numbers) {
      // GPT-J (retired) publishes neither token lengths nor TTFT/TPOT limits: no file.
      EXPECT_EQ(w, nullptr) << row.benchmark;
      continue;
    }
    ASSERT_NE(w, nullptr) << "no workload for " << row.where;
    const struct {
      const char* key;
      std::optional<double> file;
      std::optional<double> table;
    } numbers[] = {
        {"input_mean_tokens", w->input_mean_tokens, row.input_mean_tokens},
        {"output_mean_tokens", w->output_mean_tokens, row.output_mean_tokens},
        {"server_ttft_p99_s", w->server_ttft_p99_s, row.server_ttft_p99_limit_s},
        {"server_tpot_p99_s", w->server_tpot_p99_s, row.server_tpot_p99_limit_s},
        {"interactive_ttft_p99_s", w->interactive_ttft_p99_s, row.interactive_ttft_p99_limit_s},
        {"interactive_tpot_p99_s", w->interactive_tpot_p99_s, row.interactive_tpot_p99_limit_s},
    };
    for (const auto& n : numbers) {
      ASSERT_EQ(n.file.has_value(), n.table.has_value()) << w->id << " " << n.key;
      if (n.file) {
        EXPECT_NEAR(*n.file, *n.table, 1e-9 * *n.table) << w->id << " " << n.key;
      }
    }
    ++compared;
  }
  EXPECT_EQ(compared, static_cast<int>(cat->workloads().size()));
}

// Every number of a shipped workload names its own source.
TEST(WorkloadCatalogDataTest, ShippedWorkloadsCiteEveryNumber) {
  auto cat = catalog::Catalog::Load(PERTOKEN_SHIPPED_DATA);
  ASSERT_TRUE(cat.ok()) << cat.status().message();
  ASSERT_FALSE(cat->workloads().empty());
  for (const auto& w : cat->workloads()) {
    for (const auto& [key, set] :
         {std::pair{"input_mean_tokens", w.input_mean_tokens.has_value()},
          std::pair{"output_mean_tokens", w.output_mean_tokens.has_value()},
          std::pair{"server_ttft_p99_s", w.server_ttft_p99_s.has_value()},
          std::pair{"server_tpot_p99_s", w.server_tpot_p99_s.has_value()},
          std::pair{"interactive_ttft_p99_s", w.interactive_ttft_p99_s.has_value()},
          std::pair{"interactive_tpot_p99_s", w.interactive_tpot_p99_s.has_value()}}) {
      if (set) {
        EXPECT_TRUE(w.provenance.field_sources.count(key)) << w.id << " " << key;
      }
    }
  }
}

using WorkloadCatalogTest = testing::FixtureCatalogTest;

TEST_F(WorkloadCatalogTest, FixtureWorkloadsLoad) {
  auto w = cat_.FindWorkload("mlperf-llama2-70b");
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ((*w)->model, "llama-2-70b");
  EXPECT_EQ((*w)->benchmark, "llama2-70b");
  EXPECT_DOUBLE_EQ(*(*w)->input_mean_tokens, 222.33);
  EXPECT_DOUBLE_EQ(*(*w)->server_tpot_p99_s, 0.2);
  auto table = cat_.FindWorkload("small-table");
  ASSERT_TRUE(table.ok());
  EXPECT_TRUE(std::filesystem::is_regular_file((*table)->lengths_file)) << (*table)->lengths_file;
  EXPECT_FALSE((*table)->input_mean_tokens);
}

TEST_F(WorkloadCatalogTest, UnknownWorkloadListsEveryId) {
  auto w = cat_.FindWorkload("mlperf-llama2-7b");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(w.status().message(),
              HasSubstr("unknown benchmark workload 'mlperf-llama2-7b'; known: mlperf-llama2-70b, "
                        "mlperf-llama3.1-8b, sharegpt, small-table"));
}

// Each broken file is reported with its path, line and key; every problem at once.
TEST(WorkloadLoaderTest, BadFilesNameFileAndKey) {
  const std::string head =
      "schema_version = 1\nname = \"x\"\nsource = \"test\"\nsuite = \"mlperf-inference\"\n"
      "benchmark = \"x\"\ndataset = \"d\"\n";
  const struct {
    const char* id;
    const char* body;
    const char* message;
  } cases[] = {
      {"negative", "input_mean_tokens = -5\noutput_mean_tokens = 10\n",
       "input_mean_tokens: -5 is out of range"},
      {"unknown-model", "model = \"llama-9b\"\ninput_mean_tokens = 5\n",
       "model: unknown model 'llama-9b'"},
      {"half-pair", "input_mean_tokens = 5\nserver_ttft_p99_s = 2\n",
       "server_tpot_p99_s: a scenario's limits come in pairs"},
      {"in-ms", "input_mean_tokens = 5\nserver_ttft_p99_s = 2000\nserver_tpot_p99_s = 200\n",
       "server_ttft_p99_s: 2000 s is not plausible; is it in seconds, not ms?"},
      {"no-lengths", "server_ttft_p99_s = 2\nserver_tpot_p99_s = 0.2\n",
       "input_mean_tokens: missing: a workload needs input_mean_tokens, output_mean_tokens or "
       "lengths"},
      {"missing-table", "lengths = \"../nowhere.csv\"\n",
       "lengths: '../nowhere.csv' is not a file"},
      {"typo", "input_mean_token = 5\n", "input_mean_token: unknown key"},
      {"bad-engine",
       "input_mean_tokens = 5\n[[reference_precision]]\nengine = \"tensorrt\"\n"
       "accelerators = [\"h100-sxm\"]\nweights = \"fp8\"\nkv = \"fp8\"\nsource = \"s\"\n",
       "reference_precision: 'tensorrt' is not an engine id"},
      {"alias-accelerator",
       "input_mean_tokens = 5\n[[reference_precision]]\nengine = \"trtllm\"\n"
       "accelerators = [\"h100\"]\nweights = \"fp8\"\nkv = \"fp8\"\nsource = \"s\"\n",
       "reference_precision: 'h100' is not an accelerator id"},
      {"bad-weights",
       "input_mean_tokens = 5\n[[reference_precision]]\nengine = \"trtllm\"\n"
       "accelerators = [\"h100-sxm\"]\nweights = \"fp3\"\nkv = \"fp8\"\nsource = \"s\"\n",
       "reference_precision: unknown weight precision 'fp3'"},
      {"no-source",
       "input_mean_tokens = 5\n[[reference_precision]]\nengine = \"trtllm\"\n"
       "accelerators = [\"h100-sxm\"]\nweights = \"fp8\"\nkv = \"fp8\"\n",
       "source: required key is missing"},
  };
  testing::ScratchCatalog scratch("workloads-bad");
  std::vector<std::string> paths;
  for (const auto& c : cases) {
    paths.push_back(scratch.Write(std::string("workloads/") + c.id + ".toml",
                                  head + "id = \"" + c.id + "\"\n" + c.body));
  }
  auto cat = catalog::Catalog::Load(scratch.dir());
  ASSERT_FALSE(cat.ok());
  for (size_t i = 0; i < std::size(cases); ++i) {
    EXPECT_THAT(cat.status().message(), HasSubstr(paths[i] + ":")) << cases[i].id;
    EXPECT_THAT(cat.status().message(), HasSubstr(cases[i].message)) << cases[i].id;
  }
}

// --workload merged with --input-len/--output-len.
TEST_F(WorkloadCatalogTest, FlagTakesTheMeansAndRefusesContradictions) {
  auto both = cli::ApplyWorkload(cat_, "mlperf-llama2-70b", std::nullopt, std::nullopt);
  ASSERT_TRUE(both.ok()) << both.status().message();
  EXPECT_EQ(both->input_tokens, 222);
  EXPECT_EQ(both->output_tokens, 294);
  EXPECT_THAT(cli::DescribeWorkload(*both),
              HasSubstr("prompt 222 tokens (mean 222.33), output 294 tokens (mean 294.45)"));

  auto contradicted = cli::ApplyWorkload(cat_, "mlperf-llama2-70b", 100, std::nullopt);
  ASSERT_FALSE(contradicted.ok());
  EXPECT_THAT(contradicted.status().message(), HasSubstr("contradictory flags"));
  EXPECT_THAT(contradicted.status().message(), HasSubstr("--input-len"));

  // A workload without a published output mean takes --output-len, and needs it.
  auto given = cli::ApplyWorkload(cat_, "mlperf-llama3.1-8b", std::nullopt, 128);
  ASSERT_TRUE(given.ok()) << given.status().message();
  EXPECT_EQ(given->input_tokens, 871);
  EXPECT_EQ(given->output_tokens, 128);
  auto missing = cli::ApplyWorkload(cat_, "mlperf-llama3.1-8b", std::nullopt, std::nullopt);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("no mean output length: give --output-len"));

  auto unknown = cli::ApplyWorkload(cat_, "nope", std::nullopt, std::nullopt);
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("known: mlperf-llama2-70b"));
}

class WorkloadEstimateTest : public testing::FixtureCatalogTest {
 protected:
  int Run(const cli::EstimateOptions& o) {
    out_.str("");
    err_.str("");
    return cli::RunEstimate(cat_, o, out_, err_);
  }
  static cli::EstimateOptions Base() {
    cli::EstimateOptions o;
    o.deployment.model = "llama-2-70b";
    o.deployment.accelerator = "h100-sxm";
    o.deployment.count = 2;
    o.json = true;
    return o;
  }
  std::ostringstream out_, err_;
};

// --workload estimates exactly what its rounded means given as flags estimate.
TEST_F(WorkloadEstimateTest, WorkloadIsItsMeanLengths) {
  cli::EstimateOptions named = Base();
  named.workload = "mlperf-llama2-70b";
  ASSERT_EQ(Run(named), cli::kExitOk) << err_.str();
  auto j = nlohmann::json::parse(out_.str());
  EXPECT_EQ(j["workload"], "mlperf-llama2-70b");
  j.erase("workload");
  cli::EstimateOptions flags = Base();
  flags.input_tokens = 222;
  flags.output_tokens = 294;
  ASSERT_EQ(Run(flags), cli::kExitOk) << err_.str();
  EXPECT_EQ(j, nlohmann::json::parse(out_.str()));

  named.json = false;
  ASSERT_EQ(Run(named), cli::kExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("workload mlperf-llama2-70b"));
  EXPECT_THAT(out_.str(), HasSubstr("222 input + 294 output tokens per request"));
}

TEST_F(WorkloadEstimateTest, BadWorkloadFlagsExitOne) {
  cli::EstimateOptions contradictory = Base();
  contradictory.workload = "mlperf-llama2-70b";
  contradictory.output_tokens = 100;
  EXPECT_EQ(Run(contradictory), cli::kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr("error: contradictory flags"));
  EXPECT_TRUE(out_.str().empty());

  cli::EstimateOptions unknown = Base();
  unknown.workload = "mlperf-nope";
  EXPECT_EQ(Run(unknown), cli::kExitFailure);
  EXPECT_THAT(err_.str(),
              HasSubstr("unknown benchmark workload 'mlperf-nope'; known: mlperf-llama2-70b"));
}

// Without targets, plan holds the workload's Server limits, says so, and plans exactly as the
// same lengths and limits given as flags.
TEST_F(WorkloadCatalogTest, PlanTakesTheServerLimitsWhenNoTargetIsGiven) {
  cli::PlanOptions named{.model = "llama-2-70b",
                         .workload = "mlperf-llama2-70b",
                         .requests_per_day = 1e6,
                         .verify = 0};
  std::ostringstream out, err;
  ASSERT_EQ(cli::RunPlan(cat_, named, out, err), cli::kExitOk) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("workload mlperf-llama2-70b"));
  EXPECT_THAT(out.str(), HasSubstr("targets: TTFT 2000 ms and TPOT 200 ms, the p99 limits of its "
                                   "Server scenario"));

  named.json = true;
  std::ostringstream named_out, named_err;
  ASSERT_EQ(cli::RunPlan(cat_, named, named_out, named_err), cli::kExitOk) << named_err.str();
  EXPECT_THAT(named_err.str(), HasSubstr("targets: TTFT 2000 ms"));
  cli::PlanOptions flags{.model = "llama-2-70b",
                         .input_tokens = 222,
                         .output_tokens = 294,
                         .slo_ttft_s = 2.0,
                         .slo_tpot_s = 0.2,
                         .requests_per_day = 1e6,
                         .verify = 0,
                         .json = true};
  std::ostringstream flags_out, flags_err;
  ASSERT_EQ(cli::RunPlan(cat_, flags, flags_out, flags_err), cli::kExitOk) << flags_err.str();
  EXPECT_EQ(nlohmann::json::parse(named_out.str())["plans"],
            nlohmann::json::parse(flags_out.str())["plans"]);

  // Given targets win, and say nothing of the limits.
  cli::PlanOptions own = named;
  own.json = false;
  own.slo_ttft_s = 1;
  own.slo_tpot_s = 0.05;
  std::ostringstream own_out, own_err;
  ASSERT_EQ(cli::RunPlan(cat_, own, own_out, own_err), cli::kExitOk) << own_err.str();
  EXPECT_THAT(own_out.str(), Not(HasSubstr("p99 limits")));

  cli::PlanOptions contradictory = named;
  contradictory.input_tokens = 100;
  std::ostringstream c_out, c_err;
  EXPECT_EQ(cli::RunPlan(cat_, contradictory, c_out, c_err), cli::kExitFailure);
  EXPECT_THAT(c_err.str(), HasSubstr("contradictory flags"));
}

using WorkloadSimulateTest = testing::SimulateCommandTest;

// simulate draws from a workload's length table, or holds its means fixed.
TEST_F(WorkloadSimulateTest, WorkloadStandsForLengths) {
  cli::SimulateOptions table = Base();
  table.workload.lengths.clear();
  table.workload.benchmark_workload = "small-table";
  const auto t = RunJson(table)["workload"];
  EXPECT_THAT(t["lengths"].get<std::string>(),
              HasSubstr("small-table-lengths.csv (workload small-table)"));
  EXPECT_EQ(t["skipped_rows"], 1);  // the table's row with 0 output tokens

  cli::SimulateOptions means = Base();
  means.workload.lengths.clear();
  means.workload.benchmark_workload = "sharegpt";
  const auto m = RunJson(means)["workload"];
  EXPECT_EQ(m["lengths"], "fixed:in=230,out=203 (workload sharegpt)");
  EXPECT_DOUBLE_EQ(m["mean_input_tokens"].get<double>(), 230);

  cli::SimulateOptions contradictory = Base();
  contradictory.workload.benchmark_workload = "sharegpt";
  ExpectFails(contradictory, "contradictory flags: --workload sharegpt sets the request lengths");
  cli::SimulateOptions one_mean = Base();
  one_mean.workload.lengths.clear();
  one_mean.workload.benchmark_workload = "mlperf-llama3.1-8b";
  ExpectFails(one_mean, "publishes only a mean prompt length: give --lengths instead");
}

class WorkloadValidateTest : public testing::FixtureCatalogTest {
 protected:
  std::string MeasurementsDir() const { return std::string(PERTOKEN_TEST_DATA) + "/measurements"; }
};

// An MLPerf row that gives no lengths is predicted at its benchmark workload's means, with its
// Server limits, from the catalog.
TEST_F(WorkloadValidateTest, MlperfRowWithoutLengthsIsPredictedAtTheWorkloadMeans) {
  auto rows = validate::ReadMeasurements(MeasurementsDir() + "/fixture.csv");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  const validate::Measurement* row = nullptr;
  for (const auto& m : *rows) {
    if (m.id == "MLP-0003") row = &m;
  }
  ASSERT_NE(row, nullptr);
  ASSERT_TRUE(row->input_len.empty() && row->output_len.empty());
  validate::NameResolver names(cat_);
  const validate::RowPlan plan =
      validate::MapRow(names, validate::WorkloadsFromCatalog(cat_), *row);
  ASSERT_TRUE(plan.ok) << plan.skip.reason << " " << plan.skip.detail;
  EXPECT_EQ(plan.query.input_tokens, 222);
  EXPECT_EQ(plan.query.output_tokens, 294);
  EXPECT_DOUBLE_EQ(plan.limits.ttft_p99_s, 2.0);
  EXPECT_DOUBLE_EQ(plan.limits.tpot_p99_s, 0.2);
  EXPECT_THAT(plan.assumptions,
              Contains(HasSubstr("mean input 222.33 and output 294.45 tokens of benchmark "
                                 "llama2-70b (workloads/mlperf-llama2-70b.toml)")));
}

// An MLPerf row whose weight column self-reports fp16 runs at its benchmark's reference precision
// on the engine and accelerators the workload lists, and says so; a row stating the reference's own
// weight precision takes the reference's KV cache where it leaves the KV open; a row that states
// another quantized format, or that ran elsewhere, keeps its own.
TEST_F(WorkloadValidateTest, ReferencePrecisionReplacesASelfReportedFp16) {
  auto rows = validate::ReadMeasurements(MeasurementsDir() + "/fixture.csv");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  validate::Measurement row;
  for (const auto& m : *rows) {
    if (m.id == "MLP-0003") row = m;  // llama2-70b, 16 x h100, trtllm, Server
  }
  ASSERT_EQ(row.id, "MLP-0003");
  const auto workloads = validate::WorkloadsFromCatalog(cat_);
  validate::NameResolver names(cat_);
  auto map = [&](const std::string& weights, const std::string& accelerator,
                 const std::string& kv = "not stated in summary") {
    validate::Measurement m = row;
    m.precision_weights = weights;
    m.precision_kv = kv;
    m.accelerator = accelerator;
    return validate::MapRow(names, workloads, m);
  };
  const validate::RowPlan fp16 = map("fp16", "h100");
  ASSERT_TRUE(fp16.ok) << fp16.skip.reason << " " << fp16.skip.detail;
  EXPECT_EQ(fp16.query.deployment.precision.weights->id, "fp8");
  EXPECT_EQ(fp16.query.deployment.precision.kv->id, "kv-fp8");
  EXPECT_THAT(fp16.assumptions,
              Contains(HasSubstr("precision: fp8 weights and fp8 KV cache, as the reference "
                                 "implementation of llama2-70b runs on h100-sxm with trtllm "
                                 "(workloads/mlperf-llama2-70b.toml); the row says weights 'fp16', "
                                 "KV 'not stated in summary'")));

  const validate::RowPlan fp8 = map("fp8", "h100");
  ASSERT_TRUE(fp8.ok) << fp8.skip.reason << " " << fp8.skip.detail;
  EXPECT_EQ(fp8.query.deployment.precision.kv->id, "kv-fp8");
  EXPECT_THAT(fp8.assumptions, Contains(HasSubstr("precision: fp8 KV cache, as the reference")));
  const validate::RowPlan kv_stated = map("fp8", "h100", "bf16");
  ASSERT_TRUE(kv_stated.ok) << kv_stated.skip.reason << " " << kv_stated.skip.detail;
  EXPECT_EQ(kv_stated.query.deployment.precision.kv->id, "bf16");

  const validate::RowPlan stated = map("int4-awq", "h100");
  ASSERT_TRUE(stated.ok) << stated.skip.reason << " " << stated.skip.detail;
  EXPECT_EQ(stated.query.deployment.precision.weights->id, "int4-awq");

  const validate::RowPlan elsewhere = map("fp16", "a100-sxm-80gb");
  ASSERT_TRUE(elsewhere.ok) << elsewhere.skip.reason << " " << elsewhere.skip.detail;
  EXPECT_EQ(elsewhere.query.deployment.precision.weights->id, "fp16");
  EXPECT_THAT(elsewhere.assumptions, Not(Contains(HasSubstr("reference implementation"))));
}

// A --workloads file replaces the catalog's lengths and limits, but the reference precisions are
// facts about the benchmark's code: its llama2-70b takes the catalog's.
TEST_F(WorkloadValidateTest, AWorkloadsFileKeepsTheCatalogsReferencePrecisions) {
  auto file = validate::LoadWorkloads(cat_, MeasurementsDir() + "/benchmark_workloads.csv");
  ASSERT_TRUE(file.ok()) << file.status().message();
  int with_reference = 0;
  for (const auto& w : *file) {
    if (w.benchmark != "llama2-70b") {
      EXPECT_TRUE(w.reference_precisions.empty()) << w.benchmark;
      continue;
    }
    ASSERT_EQ(w.reference_precisions.size(), 1u);
    EXPECT_EQ(w.reference_precisions[0].engine, "trtllm");
    EXPECT_THAT(w.where, HasSubstr("benchmark_workloads.csv:"));  // the file's lengths
    ++with_reference;
  }
  EXPECT_EQ(with_reference, 1);
  EXPECT_FALSE(validate::LoadWorkloads(cat_, MeasurementsDir() + "/nowhere.csv").ok());
}

// Without --workloads, validate reads the catalog's workloads and says so.
TEST_F(WorkloadValidateTest, CommandUsesTheCatalogWorkloads) {
  std::ostringstream out, err;
  const cli::ValidateOptions o{
      .measurements = MeasurementsDir() + "/fixture.csv", .rows = true, .json = true};
  ASSERT_EQ(cli::RunValidate(cat_, o, out, err), cli::kExitOk) << err.str();
  const auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["workloads"], "catalog");
  for (const auto& r : j["rows"]) {
    if (r["id"] == "MLP-0003") {
      EXPECT_FALSE(r["predicted"].is_null()) << r["skip_reason"];
    }
  }
}

}  // namespace
}  // namespace pertoken
