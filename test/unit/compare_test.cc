#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "cli/compare_command.h"
#include "cli/scenario_file.h"
#include "report/compare_report.h"
#include "test_util.h"

namespace pertoken::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// The repository root, above test/data.
std::filesystem::path RepoRoot() {
  return std::filesystem::path(PERTOKEN_TEST_DATA).parent_path().parent_path();
}

// A measured replica of 8 H100s serving 10,000 output tokens/s, and exactly that traffic around
// the clock with no input tokens: one replica, fully used (as in cost_command_test.cc). Fixture
// prices for 8 H100s: on-demand $98.32, the cheapest spot $24 (plus its interruptions' cost, a
// few parts per million here), owned 8 × ($30,000 / 26,280 h + 0.7 kW × 1.5 × $0.10/kWh),
// Together's API $0.88 per million output tokens.
constexpr const char* kMeasured = R"(title = "Fixture"
[baseline]
model = "llama-3.1-70b"
accelerator = "h100-sxm"
count = 8
output_tokens_per_s = 10000
output_tokens_per_day = 864e6
input_tokens_per_day = 0
pricing = "on_demand"
)";
constexpr double kOnDemand = 98.32, kSpot = 24;
constexpr double kOwned = 8 * (30'000.0 / 26'280 + 0.7 * 1.5 * 0.10);
constexpr double kMtokPerDay = 864;  // million output tokens a day

class CompareTest : public testing::FixtureCatalogTest {
 protected:
  void SetUp() override {
    FixtureCatalogTest::SetUp();
    dir_ = std::filesystem::temp_directory_path() /
           ("pertoken-compare-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "s.toml").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Result<ScenarioFile> Read(const std::string& text) {
    std::ofstream(path_) << text;
    return ReadScenarioFile(cat_, path_);
  }
  // The report of `text`, which must read and evaluate.
  report::CompareReport Evaluate(const std::string& text) {
    auto file = Read(text);
    EXPECT_TRUE(file.ok()) << file.status().message();
    if (!file.ok()) return {};
    auto rep = EvaluateCompare(cat_, *file);
    EXPECT_TRUE(rep.ok()) << rep.status().message();
    return rep.ok() ? *rep : report::CompareReport{};
  }
  // Runs `pertoken compare` on `text`; stdout in out_, stderr in err_.
  int Run(const std::string& text, CompareOptions o = {}) {
    std::ofstream(path_) << text;
    o.file = path_;
    out_.str("");
    err_.str("");
    return RunCompare(cat_, o, out_, err_);
  }
  const report::CompareRow* Row(const report::CompareReport& r, const std::string& name) {
    for (const auto& row : r.rows) {
      if (row.name == name) return &row;
    }
    ADD_FAILURE() << "no row " << name;
    return nullptr;
  }

  std::filesystem::path dir_;
  std::string path_;
  std::ostringstream out_, err_;
};

TEST(PercentChangeTest, IsTheChangeOverTheBase) {
  EXPECT_DOUBLE_EQ(*report::PercentChange(3, 2), 50);
  EXPECT_DOUBLE_EQ(*report::PercentChange(1, 2), -50);
  EXPECT_DOUBLE_EQ(*report::PercentChange(2, 2), 0);
  EXPECT_FALSE(report::PercentChange(1, 0));
}

TEST_F(CompareTest, ChangesAgainstTheBaseline) {
  const auto r = Evaluate(std::string(kMeasured) + R"(
[[variants]]
name = "double traffic"       # two full replicas: twice the bill, the same price per token
output_tokens_per_day = 1728e6
[[variants]]
name = "half traffic"         # one replica half used: the same bill, twice the price per token
output_tokens_per_day = 432e6
[[variants]]
name = "spot"
pricing = "spot"
)");
  ASSERT_EQ(r.rows.size(), 4u);
  const auto& base = r.rows[0];
  EXPECT_EQ(base.name, "baseline");
  EXPECT_NEAR(base.shown().spend.usd_per_hour, kOnDemand, 1e-9);
  EXPECT_NEAR(base.shown().spend.usd_per_million_output_tokens, kOnDemand * 24 / kMtokPerDay, 1e-9);

  const auto* twice = Row(r, "double traffic");
  EXPECT_EQ(twice->cost.sizing.replicas, 2);
  EXPECT_DOUBLE_EQ(twice->cost.sizing.utilization, 1);
  const auto* half = Row(r, "half traffic");
  EXPECT_DOUBLE_EQ(half->cost.sizing.utilization, 0.5);

  const auto j = report::CompareJson(r);
  auto change = [&](int i, const char* key) { return j["scenarios"][i][key].get<double>(); };
  EXPECT_NEAR(change(0, "change_usd_per_million_output_tokens_pct"), 0, 1e-9);
  EXPECT_NEAR(change(1, "change_usd_per_million_output_tokens_pct"), 0, 1e-9);
  EXPECT_NEAR(change(1, "change_annual_usd_pct"), 100, 1e-9);
  EXPECT_NEAR(change(2, "change_usd_per_million_output_tokens_pct"), 100, 1e-9);
  EXPECT_NEAR(change(2, "change_annual_usd_pct"), 0, 1e-9);
  const double spot = Row(r, "spot")->shown().spend.usd_per_hour;
  EXPECT_NEAR(spot, kSpot, 0.01);
  EXPECT_NEAR(change(3, "change_usd_per_million_output_tokens_pct"),
              (spot - kOnDemand) / kOnDemand * 100, 1e-9);
  EXPECT_NEAR(change(3, "change_annual_usd_pct"), (spot - kOnDemand) / kOnDemand * 100, 1e-9);

  // The text table: the baseline's change is a dash, the others' are signed percentages.
  const std::string text = report::CompareText(r);
  EXPECT_THAT(text, StartsWith("Fixture\n"));
  EXPECT_THAT(text, HasSubstr("—"));
  EXPECT_THAT(text, HasSubstr("+100.0%"));
  EXPECT_THAT(text, HasSubstr(fmt::format("{:+.1f}%", (spot - kOnDemand) / kOnDemand * 100)));
  EXPECT_THAT(text, HasSubstr("out/day"));  // the traffic varies, so it has a column
  EXPECT_THAT(text, HasSubstr("double traffic  output_tokens_per_day = 1728000000"));
}

TEST_F(CompareTest, PricingPicksTheWayToPay) {
  const auto r = Evaluate(std::string(kMeasured) + R"(
[[variants]]
name = "spot"
pricing = "spot"
[[variants]]
name = "api"
pricing = "api:together"
[[variants]]
name = "cheapest"
pricing = "cheapest"
[[variants]]
name = "self-hosted"
pricing = "cheapest-self-hosted"
[[variants]]
name = "given"
pricing = "given"
usd_per_hour = 2
)");
  ASSERT_EQ(r.rows.size(), 6u);
  auto shown = [&](const char* name) { return Row(r, name)->shown(); };
  EXPECT_EQ(shown("baseline").pricing, "on_demand");
  EXPECT_EQ(shown("spot").pricing, "spot");
  EXPECT_NEAR(shown("spot").spend.usd_per_hour, kSpot, 0.01);
  EXPECT_EQ(shown("api").pricing, "api");
  EXPECT_EQ(shown("api").provider, "together");
  EXPECT_NEAR(shown("api").spend.usd_per_million_output_tokens, 0.88, 1e-9);
  EXPECT_NEAR(shown("api").spend.usd_per_hour, kMtokPerDay * 0.88 / 24, 1e-9);
  // Owned is the cheapest way of all here, and of the self-hosted ones.
  EXPECT_EQ(shown("cheapest").pricing, "owned");
  EXPECT_NEAR(shown("cheapest").spend.usd_per_hour, kOwned, 1e-9);
  EXPECT_EQ(shown("self-hosted").pricing, "owned");
  EXPECT_NEAR(shown("given").spend.usd_per_hour, 16, 1e-9);

  // An API row has no fleet: its deployment figures are null in JSON.
  const auto j = report::CompareJson(r);
  const auto& api = j["scenarios"][2];
  EXPECT_EQ(api["name"], "api");
  EXPECT_TRUE(api["replicas"].is_null());
  EXPECT_TRUE(api["utilization"].is_null());
  EXPECT_EQ(api["pricing_rule"], "api:together");
  EXPECT_EQ(api["knobs"], nlohmann::json({{"pricing", "api:together"}}));
}

TEST_F(CompareTest, WhenNoWayToPayMatchesThePricingNamesTheOnesThereAre) {
  const auto r = Evaluate(kMeasured);
  ASSERT_EQ(r.rows.size(), 1u);
  auto picked = PickWayToPay(r.rows[0].cost, "reserved");
  ASSERT_FALSE(picked.ok());
  EXPECT_THAT(picked.status().message(), HasSubstr("no reserved offer for h100-sxm"));
  EXPECT_THAT(picked.status().message(), HasSubstr("spot aws"));
  EXPECT_THAT(PickWayToPay(r.rows[0].cost, "given").status().message(),
              HasSubstr("set usd_per_hour"));
}

TEST_F(CompareTest, AVariantChangesOnlyItsKnobsAndEmptyResets) {
  auto f = Read(R"(title = "t"
[baseline]
model = "llama-2-7b"
accelerator = "h100-sxm"
input_len = 500
output_len = 100
spec_decode = "k=2,accept=0.6"
concurrency = 8
[[variants]]
name = "no spec"
spec_decode = ""
[[variants]]
name = "max"
concurrency = "max"
weights = "fp8"
[[variants]]
name = "slo"
concurrency = ""
slo_tpot = 0.02
)");
  ASSERT_TRUE(f.ok()) << f.status().message();
  ASSERT_EQ(f->scenarios.size(), 4u);
  const CostOptions& base = f->scenarios[0].settings.cost;
  EXPECT_EQ(base.spec_decode, "k=2,accept=0.6");
  EXPECT_EQ(base.concurrency, "8");
  const CostOptions& no_spec = f->scenarios[1].settings.cost;
  EXPECT_EQ(no_spec.spec_decode, "");
  EXPECT_EQ(no_spec.concurrency, "8");
  EXPECT_EQ(no_spec.deployment.model, "llama-2-7b");
  const CostOptions& max = f->scenarios[2].settings.cost;
  EXPECT_EQ(max.concurrency, "max");
  EXPECT_EQ(max.deployment.weights, "fp8");
  EXPECT_EQ(max.spec_decode, "k=2,accept=0.6");
  EXPECT_EQ(f->scenarios[3].settings.cost.concurrency, "");
  EXPECT_EQ(*f->scenarios[3].settings.cost.slo_tpot_s, 0.02);
  EXPECT_EQ(f->scenarios[1].knobs.size(), 1u);

  auto rep = EvaluateCompare(cat_, *f);
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  EXPECT_EQ(rep->rows[2].weights, "fp8");
  EXPECT_EQ(rep->rows[0].weights, "bf16");  // the model's released format
}

TEST_F(CompareTest, EveryKnobReachesItsField) {
  auto f = Read(R"(title = "t"
[baseline]
model = "llama-2-7b"
accelerator = "h100"
count = 2
tp = 2
pp = 1
ep = 1
weights = "fp8"
kv = "fp8"
engine = "sglang"
engine_flags = "--max-running-requests 64"
input_len = 500
output_len = 100
concurrency = 16
batching = "static"
spec_decode = "k=1,accept=0.8"
output_tokens_per_day = 1e9
peak_to_mean = 1.5
as_of = "2026-06"
providers = ["aws"]
usd_per_hour = 2.5
ownership = "fixture-own"
datacenter = "fixture-green"
pue = 1.2
usd_per_kwh = 0.07
capex_usd = 25000
amortization_years = 4
cost_of_capital = 0.08
pricing = "spot"
[[variants]]
name = "slo"
concurrency = ""
slo_ttft = 0.5
slo_tpot = 0.03
[[variants]]
name = "measured"
output_tokens_per_s = 900
input_tokens_per_day = 1e8
[[variants]]
name = "requests"
output_tokens_per_day = ""
requests_per_day = 1e6
[[variants]]
name = "hybrid"
architecture = "hybrid"
regions = 3
tier_model = "mistral-7b"
tier_share = 0.25
tier_accelerator = "a100-sxm-80gb"
tier_count = 1
tier_weights = "int4-awq"
spot_reserve = 2
cached_input_share = 0.5
sizing = "queueing"
network_rtt = 0.05
slo_statistic = "p99"
)");
  ASSERT_TRUE(f.ok()) << f.status().message();
  const CostOptions& o = f->scenarios[0].settings.cost;
  EXPECT_EQ(o.deployment.model, "llama-2-7b");
  EXPECT_EQ(o.deployment.accelerator, "h100");
  EXPECT_EQ(o.deployment.count, 2);
  EXPECT_EQ(o.deployment.tp, 2);
  EXPECT_EQ(o.deployment.pp, 1);
  EXPECT_EQ(o.deployment.ep, 1);
  EXPECT_EQ(o.deployment.weights, "fp8");
  EXPECT_EQ(o.deployment.kv, "fp8");
  EXPECT_EQ(o.deployment.engine, "sglang");
  EXPECT_EQ(o.deployment.engine_flags, "--max-running-requests 64");
  EXPECT_EQ(o.input_tokens, 500);
  EXPECT_EQ(o.output_tokens, 100);
  EXPECT_EQ(o.concurrency, "16");
  EXPECT_EQ(o.batching, "static");
  EXPECT_EQ(o.spec_decode, "k=1,accept=0.8");
  EXPECT_EQ(o.output_tokens_per_day, 1e9);
  EXPECT_EQ(o.peak_to_mean, 1.5);
  EXPECT_EQ(o.as_of, "2026-06");
  EXPECT_EQ(o.providers, std::vector<std::string>{"aws"});
  EXPECT_EQ(o.usd_per_accelerator_hour, 2.5);
  EXPECT_EQ(o.ownership, "fixture-own");
  EXPECT_EQ(o.datacenter, "fixture-green");
  EXPECT_EQ(o.pue, 1.2);
  EXPECT_EQ(o.usd_per_kwh, 0.07);
  EXPECT_EQ(o.capex_usd, 25000);
  EXPECT_EQ(o.amortization_years, 4);
  EXPECT_EQ(o.cost_of_capital, 0.08);
  EXPECT_EQ(f->scenarios[0].settings.pricing, "spot");
  EXPECT_EQ(f->scenarios[1].settings.cost.slo_ttft_s, 0.5);
  EXPECT_EQ(f->scenarios[1].settings.cost.slo_tpot_s, 0.03);
  EXPECT_EQ(f->scenarios[2].settings.cost.output_tokens_per_s, 900);
  EXPECT_EQ(f->scenarios[2].settings.cost.input_tokens_per_day, 1e8);
  EXPECT_FALSE(f->scenarios[3].settings.cost.output_tokens_per_day);
  EXPECT_EQ(f->scenarios[3].settings.cost.requests_per_day, 1e6);
  const CostOptions& h = f->scenarios[4].settings.cost;
  EXPECT_EQ(h.architecture, "hybrid");
  EXPECT_EQ(h.regions, 3);
  EXPECT_EQ(h.tier_model, "mistral-7b");
  EXPECT_EQ(h.tier_share, 0.25);
  EXPECT_EQ(h.tier_accelerator, "a100-sxm-80gb");
  EXPECT_EQ(h.tier_count, 1);
  EXPECT_EQ(h.tier_weights, "int4-awq");
  EXPECT_EQ(h.spot_reserve_replicas, 2);
  EXPECT_EQ(h.cached_input_share, 0.5);
  EXPECT_EQ(h.sizing, "queueing");
  EXPECT_EQ(h.network_rtt_s, 0.05);
  EXPECT_EQ(h.slo_statistic, "p99");
  // Every knob of the table was set by this file or its variants.
  std::set<std::string> seen;
  for (const auto& s : f->scenarios) {
    for (const auto& [key, value] : s.knobs) seen.insert(key);
  }
  for (const std::string& key : KnobKeys()) EXPECT_TRUE(seen.count(key)) << key;
}

TEST_F(CompareTest, EveryKnobIsDocumented) {
  std::ifstream in(RepoRoot() / "doc" / "formats" / "scenario.md");
  ASSERT_TRUE(in) << "doc/formats/scenario.md";
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t knobs = doc.find("## Knobs");
  ASSERT_NE(knobs, std::string::npos);
  for (const std::string& key : KnobKeys()) {
    EXPECT_NE(doc.find("`" + key + "`", knobs), std::string::npos) << key;
  }
}

TEST_F(CompareTest, BadFilesNameTheFileLineAndKey) {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::string base = "title = \"t\"\n[baseline]\nmodel = \"llama-2-7b\"\n";
  const std::vector<Case> cases = {
      {"title = \"t\"\n[[variants]]\nname = \"a\"\n", "s.toml:1: baseline: missing"},
      {base + "[[variants]]\nacelerator = \"h200-sxm\"\n",
       "s.toml:4: variants[0].name: required key is missing"},
      {base + "[[variants]]\nname = \"a\"\nacelerator = \"h200-sxm\"\n",
       "s.toml:6: variants[0].acelerator: unknown knob; did you mean accelerator?"},
      {base + "[[variants]]\nname = \"a\"\ncount = \"four\"\n",
       "s.toml:6: variants[0].count: expected an integer, or \"\" for the default"},
      {base + "[[variants]]\nname = \"a\"\ncount = 2.5\n",
       "s.toml:6: variants[0].count: expected an integer"},
      {base + "[[variants]]\nname = \"a\"\npue = true\n",
       "s.toml:6: variants[0].pue: expected a number"},
      {base + "[[variants]]\nname = \"a\"\nproviders = \"aws\"\n",
       "s.toml:6: variants[0].providers: expected an array of strings"},
      {base + "[[variants]]\nname = \"a\"\n[[variants]]\nname = \"a\"\n",
       "s.toml:7: variants[1].name: 'a' is already the name of the variant at"},
      {base + "[[variants]]\nname = \"baseline\"\n",
       "variants[0].name: 'baseline' is already the name of the baseline at"},
      {base + "[[variants]]\nname = \"a\"\naccelerator = \"h900\"\n",
       "s.toml:6: variants[0].accelerator: unknown accelerator 'h900'"},
      {base + "[[variants]]\nname = \"a\"\npricing = \"weekly\"\n",
       "s.toml:6: variants[0].pricing: 'weekly' is not one of: cheapest,"},
      {base + "[[variants]]\nname = \"a\"\npricing = \"api:nowhere\"\n",
       "variants[0].pricing: unknown API provider 'nowhere'"},
      {base + "[[variants]]\nname = \"a\"\nconcurrency = \"lots\"\n",
       "variants[0].concurrency: 'lots': expected an integer of at least 1 or \"max\""},
      {base + "[[variants]]\nname = \"a\"\nproviders = [\"nowhere\"]\n",
       "variants[0].providers: unknown provider 'nowhere'"},
      {base + "[[variants]]\nname = \"a\"\nspec_decode = \"k=2\"\n", "variants[0].spec_decode:"},
      {base + "count = 0\n[[variants]]\nname = \"a\"\n", "s.toml:4: baseline.count: 0 is out"},
      {base + "[[variants]]\nname = \"a\"\n[extra]\n", "s.toml:6: extra: unknown key"},
      {"title = \n", "s.toml:1:"},
  };
  for (const auto& c : cases) {
    auto f = Read(c.text);
    ASSERT_FALSE(f.ok()) << c.text;
    EXPECT_THAT(f.status().message(), HasSubstr(path_.substr(0, path_.size() - 6))) << c.message;
    EXPECT_THAT(f.status().message(), HasSubstr(c.message));
  }
  EXPECT_EQ(ReadScenarioFile(cat_, (dir_ / "none.toml").string()).status().code(),
            StatusCode::kIoError);
}

TEST_F(CompareTest, EveryFailingScenarioIsAnErrorLineAndExit1) {
  const std::string text = std::string(kMeasured) + R"(
[[variants]]
name = "fits"
[[variants]]
name = "too small"            # predicted: 70B in BF16 does not fit one H100
count = 1
output_tokens_per_s = ""
input_len = 1000
output_len = 200
[[variants]]
name = "reserved"
pricing = "reserved"
)";
  EXPECT_EQ(Run(text), kExitFailure);
  EXPECT_EQ(out_.str(), "");
  const std::string err = err_.str();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 2) << err;
  EXPECT_THAT(err, HasSubstr("error: variant 'too small' (" + path_ + ":13): "));
  EXPECT_THAT(err, HasSubstr("does not fit"));
  EXPECT_THAT(err, HasSubstr("error: variant 'reserved' (" + path_ + ":19): no reserved offer"));

  // Every problem of a bad file, each on its own line.
  EXPECT_EQ(Run("title = \"t\"\n[baseline]\nmodl = 1\n[[variants]]\nname = \"a\"\ntp = 0\n"),
            kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr("baseline.modl: unknown knob; did you mean model?\nerror: "));
  EXPECT_THAT(err_.str(), HasSubstr("variants[0].tp: 0 is out of range"));
  EXPECT_EQ(Run(kMeasured, {.json = true, .csv = true}), kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr("at most one of --json, --csv, --md"));
}

TEST_F(CompareTest, OutputFormats) {
  const std::string text = std::string(kMeasured) + R"(
[[variants]]
name = "spot, cheapest"
pricing = "spot"
[[variants]]
name = "api"
pricing = "api:together"
)";
  ASSERT_EQ(Run(text, {.csv = true}), kExitOk) << err_.str();
  std::istringstream csv(out_.str());
  std::string header, line;
  std::getline(csv, header);
  EXPECT_THAT(header, StartsWith("scenario,model,accelerator,"));
  EXPECT_THAT(header, HasSubstr(",usd_per_million_output_tokens,annual_usd,"));
  std::vector<std::string> lines;
  while (std::getline(csv, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[0], StartsWith("baseline,llama-3.1-70b,h100-sxm,8,"));
  EXPECT_THAT(lines[0], HasSubstr(",on_demand,aws,98.32,"));
  EXPECT_THAT(lines[0], HasSubstr(",0,0"));  // the baseline's changes
  EXPECT_THAT(lines[1], StartsWith("\"spot, cheapest\","));
  EXPECT_THAT(lines[2], HasSubstr(",api,together,"));
  const auto columns = [](const std::string& l) { return std::count(l.begin(), l.end(), ','); };
  EXPECT_EQ(columns(lines[0]), columns(header));
  EXPECT_EQ(columns(lines[2]), columns(header));

  ASSERT_EQ(Run(text, {.markdown = true}), kExitOk) << err_.str();
  EXPECT_THAT(out_.str(), StartsWith("**Fixture**\n\n| scenario |"));
  EXPECT_THAT(out_.str(), HasSubstr("| :--- |"));
  EXPECT_THAT(out_.str(), HasSubstr("| hosted API |"));

  ASSERT_EQ(Run(text, {.json = true}), kExitOk) << err_.str();
  const auto j = nlohmann::json::parse(out_.str());
  EXPECT_EQ(j["title"], "Fixture");
  EXPECT_EQ(j["baseline"], "baseline");
  ASSERT_EQ(j["scenarios"].size(), 3u);
  for (const auto& s : j["scenarios"]) {
    for (const char* key :
         {"name", "knobs", "output_tokens_per_s", "ttft_s", "tpot_s", "replicas", "utilization",
          "pricing", "usd_per_hour", "usd_per_million_output_tokens", "annual_usd",
          "change_usd_per_million_output_tokens_pct", "change_annual_usd_pct", "cost"}) {
      EXPECT_TRUE(s.contains(key)) << key;
    }
  }
  EXPECT_EQ(j["scenarios"][0]["cost"]["options"].size(),
            j["scenarios"][1]["cost"]["options"].size());
  EXPECT_TRUE(j["scenarios"][0]["ttft_s"].is_null());  // the capacity was given

  ASSERT_EQ(Run(text), kExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("Δ $/M out"));
}

// Every shipped example runs against the shipped catalog.
TEST(ShippedScenariosTest, EveryExampleEvaluates) {
  auto cat = catalog::Catalog::Load(PERTOKEN_SHIPPED_DATA);
  ASSERT_TRUE(cat.ok()) << cat.status().message();
  int files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(RepoRoot() / "examples" / "scenarios")) {
    if (entry.path().extension() != ".toml") continue;
    ++files;
    auto f = ReadScenarioFile(*cat, entry.path().string());
    ASSERT_TRUE(f.ok()) << f.status().message();
    EXPECT_GE(f->scenarios.size(), 2u) << entry.path();
    auto rep = EvaluateCompare(*cat, *f);
    ASSERT_TRUE(rep.ok()) << rep.status().message();
    for (const auto& row : rep->rows) {
      EXPECT_GT(row.shown().spend.usd_per_million_output_tokens, 0) << entry.path() << row.name;
    }
  }
  EXPECT_GE(files, 8);
}

}  // namespace
}  // namespace pertoken::cli
