#include "cli/fleet_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "test_util.h"

namespace pertoken::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FleetFileTest : public testing::FixtureCatalogTest {
 protected:
  void SetUp() override {
    FixtureCatalogTest::SetUp();
    dir_ = std::filesystem::temp_directory_path() /
           ("pertoken-fleet-file-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `text` as fleet.toml and reads it back.
  Result<FleetOptions> Read(const std::string& text) {
    path_ = (dir_ / "fleet.toml").string();
    std::ofstream(path_) << text;
    return ReadFleetFile(cat_, path_);
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(FleetFileTest, ReadsEveryKey) {
  auto f = Read(R"(routing = "round-robin"
kv_transfer_gb_per_s = 50
tiers = [0.7, 0.3]

[[group]]
model = "llama-2-7b"
accelerator = "h100"
engine = "sglang"
weights = "fp8"
kv = "fp8"
count = 2
tp = 2
pp = 1
ep = 1
replicas = 3
role = "prefill"
tier = 1
batching = "continuous"
max_num_seqs = 64
max_batched_tokens = 4096
chunked_prefill = false
prefix_caching = true
spec_decode = "k=2,accept=0.6"

[[group]]
model = "llama-2-7b"
accelerator = "h200-sxm"
)");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->file, path_);
  EXPECT_EQ(f->routing, "round-robin");
  EXPECT_DOUBLE_EQ(*f->kv_transfer_bytes_per_s, 50e9);
  EXPECT_THAT(f->tier_shares, ElementsAre(0.7, 0.3));
  EXPECT_TRUE(f->tier_names.empty());
  ASSERT_EQ(f->groups.size(), 2u);
  const ReplicaGroupOptions& g = f->groups[0];
  EXPECT_EQ(g.deployment.model, "llama-2-7b");
  EXPECT_EQ(g.deployment.accelerator, "h100");
  EXPECT_EQ(g.deployment.engine, "sglang");
  EXPECT_EQ(g.deployment.weights, "fp8");
  EXPECT_EQ(g.deployment.kv, "fp8");
  EXPECT_EQ(g.deployment.count, 2);
  EXPECT_EQ(g.deployment.tp, 2);
  EXPECT_EQ(g.replicas, 3);
  EXPECT_EQ(g.role, "prefill");
  EXPECT_EQ(g.tier, 1);
  EXPECT_EQ(g.max_num_seqs, 64);
  EXPECT_EQ(g.max_batched_tokens, 4096);
  EXPECT_EQ(g.chunked_prefill, "off");
  EXPECT_EQ(g.prefix_caching, "on");
  EXPECT_EQ(g.spec_decode, "k=2,accept=0.6");
  EXPECT_EQ(g.where, path_ + ":5: group[0]");
  // Defaults: as the command line's.
  const ReplicaGroupOptions& d = f->groups[1];
  EXPECT_EQ(d.deployment.engine, "vllm");
  EXPECT_EQ(d.deployment.kv, "bf16");
  EXPECT_FALSE(d.replicas.has_value());
  EXPECT_EQ(d.role, "unified");
  EXPECT_EQ(d.tier, 0);
  EXPECT_EQ(d.batching, "continuous");
  EXPECT_EQ(d.chunked_prefill, "");
  EXPECT_EQ(d.prefix_caching, "");
}

TEST_F(FleetFileTest, NamedTiersKeepTheFileOrder) {
  auto f = Read(R"([tiers.small]
share = 0.7

[tiers.large]
share = 0.3

[[group]]
tier = "large"
model = "llama-2-7b"
accelerator = "h100"

[[group]]
tier = "small"
model = "llama-2-7b"
accelerator = "h100"
)");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_THAT(f->tier_names, ElementsAre("small", "large"));
  EXPECT_THAT(f->tier_shares, ElementsAre(0.7, 0.3));
  EXPECT_EQ(f->groups[0].tier, 1);
  EXPECT_EQ(f->groups[1].tier, 0);
}

TEST_F(FleetFileTest, EachErrorNamesItsLineAndKey) {
  const std::string group = "[[group]]\nmodel = \"llama-2-7b\"\naccelerator = \"h100\"\n";
  const struct {
    std::string text;
    std::string message;  // after "<path>:"
  } cases[] = {
      {group + "replics = 2\n", "4: group[0].replics: unknown key"},
      {"rooting = \"round-robin\"\n" + group, "1: rooting: unknown key"},
      {"[[group]]\nmodel = \"llama-70b\"\naccelerator = \"h100\"\n",
       "2: group[0].model: unknown model 'llama-70b'; did you mean llama-2-70b"},
      {"[[group]]\nmodel = \"llama-2-7b\"\naccelerator = \"h10\"\n",
       "3: group[0].accelerator: unknown accelerator 'h10'"},
      {group + "engine = \"vlm\"\n", "4: group[0].engine: unknown engine 'vlm'; did you mean vllm"},
      {group + "weights = \"fp7\"\n", "4: group[0].weights:"},
      {group + "role = \"prefil\"\n",
       "4: group[0].role: 'prefil' is not one of: unified, prefill, decode"},
      {group + "batching = \"dynamic\"\n", "4: group[0].batching: 'dynamic' is not one of"},
      {group + "replicas = 0\n", "4: group[0].replicas: 0 is out of range"},
      {group + "replicas = 1000000\n", "4: group[0].replicas: 1000000 is out of range"},
      {group + "count = \"four\"\n", "4: group[0].count: expected an integer"},
      {group + "chunked_prefill = \"on\"\n", "4: group[0].chunked_prefill: expected true or false"},
      {group + "spec_decode = \"k=4,accept=1.5\"\n",
       "4: group[0].spec_decode: accept must be in [0, 1), got '1.5'"},
      {group + "spec_decode = \"draft=llama-2-7,accept=0.5\"\n",
       "4: group[0].spec_decode: unknown model 'llama-2-7'"},
      {"[tiers.small]\nshare = 0.5\n[tiers.large]\nshare = 0.5\n" + group + "tier = \"lrge\"\n",
       "8: group[0].tier: unknown tier 'lrge'; did you mean large"},
      {"tiers = [0.5, 0.5]\n" + group + "tier = \"large\"\n",
       "5: group[0].tier: 'large' names no tier"},
      {"[tiers.small]\nsize = 0.5\n" + group, "1: tiers.small.share: required key is missing"},
      {"tiers = [0.5, -1]\n" + group, "1: tiers: -1 is out of range"},
      {"kv_transfer_gb_per_s = 0\n" + group, "1: kv_transfer_gb_per_s: 0 is out of range"},
      {"routing = \"random\"\n" + group, "1: routing: 'random' is not one of"},
      {"[[group]]\naccelerator = \"h100\"\n", "1: group[0].model: required key is missing"},
      {"routing = \"round-robin\"\n", "1: group: required key is missing"},
      {group + "count = 4\ncount = 2\n", "5:"},  // TOML: a key defined twice
  };
  for (const auto& c : cases) {
    auto f = Read(c.text);
    ASSERT_FALSE(f.ok()) << c.text;
    EXPECT_EQ(f.status().code(), StatusCode::kParseError);
    EXPECT_THAT(f.status().message(), HasSubstr(path_ + ":" + c.message)) << c.text;
  }
}

TEST_F(FleetFileTest, ReportsEveryProblemOnePerLine) {
  auto f = Read("[[group]]\nmodel = \"llama-70b\"\naccelerator = \"h10\"\nrole = \"both\"\n");
  ASSERT_FALSE(f.ok());
  const std::string& m = f.status().message();
  EXPECT_THAT(m, HasSubstr(":2: group[0].model"));
  EXPECT_THAT(m, HasSubstr(":3: group[0].accelerator"));
  EXPECT_THAT(m, HasSubstr(":4: group[0].role"));
  EXPECT_EQ(std::count(m.begin(), m.end(), '\n'), 2);
}

TEST_F(FleetFileTest, MissingFileIsAnIoError) {
  auto f = ReadFleetFile(cat_, (dir_ / "none.toml").string());
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kIoError);
  EXPECT_THAT(f.status().message(), HasSubstr("none.toml: no such file"));
}

}  // namespace
}  // namespace pertoken::cli
