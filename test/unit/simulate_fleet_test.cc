// `pertoken simulate` with heterogeneous fleets: --fleet files, --disaggregate, model tiers, and
// the flags that contradict each other.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/simulate_command.h"
#include "perf/step.h"
#include "simulate_test_util.h"

namespace pertoken::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr double kFixtureH100UsdPerHour = 98.32 / 8;  // the fixture's one offer

class SimulateFleetTest : public testing::SimulateCommandTest {
 protected:
  // Base() with the fleet of a fleet file holding `text`.
  SimulateOptions WithFleet(const std::string& text) {
    const std::string path = Path("fleet.toml");
    std::ofstream(path) << text;
    SimulateOptions o = Base();
    o.fleet.clear();
    o.fleet_file = path;
    return o;
  }
};

// A group of `replicas` llama-2-7b replicas on one `accelerator` each, then `extra` keys.
std::string Group(const std::string& accelerator, int replicas, const std::string& extra = "") {
  return "[[group]]\nmodel = \"llama-2-7b\"\naccelerator = \"" + accelerator +
         "\"\nreplicas = " + std::to_string(replicas) + "\n" + extra;
}

TEST_F(SimulateFleetTest, DisaggregatedRunCompletesEveryRequestAndHandsOff) {
  SimulateOptions flags = Base();
  flags.disaggregate = "1:2";
  const SimulateOptions file = WithFleet(Group("h100-sxm", 1, "role = \"prefill\"\n") +
                                         Group("h100-sxm", 2, "role = \"decode\"\n"));
  for (const SimulateOptions& o : {flags, file}) {
    const auto j = RunJson(o);
    EXPECT_EQ(j["completed_requests"], 60);
    ASSERT_EQ(j["per_replica"].size(), 3u);
    const auto& prefill = j["per_replica"][0];
    EXPECT_EQ(prefill["role"], "prefill");
    EXPECT_EQ(prefill["group"], 0);
    // A prefill replica finishes only one-token outputs and hands every other request off.
    EXPECT_GT(prefill["handed_off"].get<int>(), 0);
    EXPECT_EQ(prefill["completed_requests"].get<int>() + prefill["handed_off"].get<int>(), 60);
    EXPECT_EQ(j["handed_off_requests"], prefill["handed_off"]);
    EXPECT_EQ(j["per_replica"][1]["completed_requests"].get<int>() +
                  j["per_replica"][2]["completed_requests"].get<int>(),
              prefill["handed_off"].get<int>());
    const auto& groups = j["fleet"]["deployments"];
    ASSERT_EQ(groups.size(), 2u);
    EXPECT_EQ(groups[0]["role"], "prefill");
    EXPECT_EQ(groups[1]["role"], "decode");
    EXPECT_EQ(groups[1]["replicas"], 2);
    EXPECT_EQ(groups[0]["handed_off"], prefill["handed_off"]);
    // The default link: one H100's link (both replicas have one accelerator).
    const auto* h100 = *cat_.FindAccelerator("h100-sxm");
    EXPECT_DOUBLE_EQ(groups[0]["kv_transfer_bytes_per_s"].get<double>(),
                     perf::LinkBytesPerSecond(*h100));
    EXPECT_TRUE(groups[1]["kv_transfer_bytes_per_s"].is_null());
  }
  flags.json = false;
  ASSERT_EQ(Run(flags), kExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("group 0: 1 prefill replica of llama-2-7b"));
  EXPECT_THAT(out_.str(), HasSubstr("group 1: 2 decode replicas of llama-2-7b"));
  EXPECT_THAT(out_.str(), HasSubstr("requests from prefill to decode replicas"));
}

TEST_F(SimulateFleetTest, TheKvLinkCanBeGiven) {
  SimulateOptions o = Base();
  o.disaggregate = "1:1";
  o.kv_transfer_gb_per_s = 50;
  const auto j = RunJson(o);
  EXPECT_DOUBLE_EQ(j["fleet"]["kv_transfer_bytes_per_s"].get<double>(), 50e9);
  EXPECT_DOUBLE_EQ(j["fleet"]["deployments"][0]["kv_transfer_bytes_per_s"].get<double>(), 50e9);
  // A slower link delays every hand-off, so the first tokens stay put and the rest come later.
  o.kv_transfer_gb_per_s = 0.01;
  EXPECT_GT(RunJson(o)["e2e_mean_s"].get<double>(), j["e2e_mean_s"].get<double>());
}

TEST_F(SimulateFleetTest, TiersSplitRequestsByTheirShares) {
  SimulateOptions o = WithFleet("[tiers.small]\nshare = 0.7\n[tiers.large]\nshare = 0.3\n" +
                                Group("h100-sxm", 1, "tier = \"small\"\n") +
                                Group("h100-sxm", 1, "tier = \"large\"\n"));
  o.workload.arrivals = "poisson:rate=50";
  o.workload.lengths = "fixed:in=50,out=4";
  o.workload.requests = 2000;
  o.requests_out = (dir_ / "requests.csv").string();
  const auto j = RunJson(o);
  EXPECT_EQ(j["completed_requests"], 2000);
  const auto& groups = j["fleet"]["deployments"];
  // 2000 draws with p = 0.7: the standard deviation is 20.5 requests.
  EXPECT_NEAR(groups[0]["completed_requests"].get<double>(), 1400, 100);
  EXPECT_EQ(groups[0]["completed_requests"].get<int>() + groups[1]["completed_requests"].get<int>(),
            2000);
  EXPECT_EQ(j["fleet"]["tiers"][1]["name"], "large");
  EXPECT_DOUBLE_EQ(j["fleet"]["tiers"][1]["share"].get<double>(), 0.3);
  // --requests-out names each request's group.
  std::ifstream csv(o.requests_out);
  std::string line;
  std::getline(csv, line);
  EXPECT_THAT(line, StartsWith("index,replica,group,"));
  int small = 0;
  while (std::getline(csv, line)) small += line.substr(line.find(',') + 1, 4) == "0,0,";
  EXPECT_EQ(small, groups[0]["completed_requests"].get<int>());
}

TEST_F(SimulateFleetTest, HeterogeneousCostSumsEachGroupAtItsOwnPrice) {
  testing::ScratchCatalog scratch("simulate-fleet-prices");
  scratch.Write("prices/extra.toml", R"(schema_version = 1
id = "extra"
name = "Extra"
source = "test fixture"
as_of = "2026-03"
kind = "cloud"

[[offers]]
sku = "h200x8"
accelerator = "h200-sxm"
accelerators = 8
pricing = "on_demand"
usd_per_hour = 40
as_of = "2026-03"
source = "test fixture"
)");
  auto cat = catalog::Catalog::Load(scratch.dir());
  ASSERT_TRUE(cat.ok()) << cat.status().message();
  SimulateOptions o = WithFleet(Group("h100-sxm", 2) + Group("h200-sxm", 1, "count = 2\n"));
  const auto j = RunJson(o, &*cat);
  const double expected = 2 * kFixtureH100UsdPerHour + 2 * 5.0;
  EXPECT_DOUBLE_EQ(j["usd_per_hour"].get<double>(), expected);
  EXPECT_EQ(j["fleet"]["accelerators"], 4);
  EXPECT_DOUBLE_EQ(j["fleet"]["deployments"][0]["usd_per_hour"].get<double>(),
                   2 * kFixtureH100UsdPerHour);
  EXPECT_DOUBLE_EQ(j["fleet"]["deployments"][1]["usd_per_hour"].get<double>(), 10);
  EXPECT_NEAR(j["usd_total"].get<double>(), expected * j["duration_s"].get<double>() / 3600, 1e-12);
  EXPECT_EQ(j["per_replica"][2]["group"], 1);
  // --usd-per-hour prices every accelerator type alike.
  o.usd_per_accelerator_hour = 2;
  EXPECT_DOUBLE_EQ(RunJson(o, &*cat)["usd_per_hour"].get<double>(), 4 * 2.0);
  o.json = false;
  ASSERT_EQ(Run(o, &*cat), kExitOk);
  EXPECT_THAT(out_.str(), HasSubstr("per hour: group 0 $4.00 (2 × h100-sxm), group 1 $4.00"));
}

TEST_F(SimulateFleetTest, SpecDecodeAndPrefixCachingReachTheReplicas) {
  SimulateOptions o = Base();
  o.fleet[0].spec_decode = "k=3,accept=0.6";
  o.fleet[0].prefix_caching = "off";
  const auto j = RunJson(o);
  const auto& g = j["fleet"]["deployments"][0];
  EXPECT_EQ(g["spec_decode"]["k"], 3);
  EXPECT_TRUE(g["spec_decode"]["draft"].is_null());
  EXPECT_FALSE(g["prefix_caching"].get<bool>());
  EXPECT_EQ(j["completed_requests"], 60);
}

TEST_F(SimulateFleetTest, ContradictionsAreOneClearMessage) {
  const struct {
    void (*edit)(SimulateOptions*);
    const char* message;
  } cases[] = {
      {[](SimulateOptions* o) {
         o->fleet_file = "fleet.toml";
         o->fleet_flags = {"--model", "--replicas"};
       },
       "--fleet describes the whole fleet: give --model, --replicas in the fleet file"},
      {[](SimulateOptions* o) { o->fleet[0].deployment.model.clear(); },
       "give a deployment: --model M --accelerator A, or a fleet file: --fleet FILE.toml"},
      {[](SimulateOptions* o) {
         o->disaggregate = "1:1";
         o->fleet[0].replicas = 2;
       },
       "--disaggregate P:D gives the replicas (P prefill, D decode): drop --replicas"},
      {[](SimulateOptions* o) {
         o->disaggregate = "1:1";
         o->fleet[0].batching = "static";
       },
       "prefill and decode replicas batch continuously, not --batching static"},
      {[](SimulateOptions* o) { o->disaggregate = "2"; }, "--disaggregate must be P:D"},
      {[](SimulateOptions* o) { o->disaggregate = "0:1"; }, "got '0:1'"},
      {[](SimulateOptions* o) { o->disaggregate = "1.5:1"; }, "got '1.5:1'"},
      {[](SimulateOptions* o) { o->kv_transfer_gb_per_s = 50; },
       "--kv-transfer-gbps is the prefill-to-decode link: it needs --disaggregate P:D"},
      {[](SimulateOptions* o) {
         o->disaggregate = "1:1";
         o->kv_transfer_gb_per_s = -1;
       },
       "--kv-transfer-gbps must be a number > 0 GB/s"},
      {[](SimulateOptions* o) { o->fleet[0].prefix_caching = "maybe"; },
       "--prefix-caching must be on or off, got 'maybe'"},
      {[](SimulateOptions* o) { o->fleet[0].spec_decode = "k=4"; },
       "--spec-decode: accept=... is required"},
  };
  for (const auto& c : cases) {
    SimulateOptions o = Base();
    c.edit(&o);
    ExpectFails(o, c.message);
  }
}

TEST_F(SimulateFleetTest, FleetFileErrorsAreOneLineEachWithFileAndLine) {
  const SimulateOptions o =
      WithFleet("[[group]]\nmodel = \"llama-70b\"\naccelerator = \"h100\"\nrole = \"both\"\n");
  EXPECT_EQ(Run(o), kExitFailure);
  const std::string err = err_.str();
  EXPECT_THAT(err, StartsWith("error: " + o.fleet_file + ":2: group[0].model: unknown model"));
  EXPECT_THAT(err, HasSubstr("\nerror: " + o.fleet_file + ":4: group[0].role:"));
  EXPECT_TRUE(out_.str().empty());
}

TEST_F(SimulateFleetTest, InconsistentFleetsAreTheSimulatorsMessagesNamingTheFile) {
  const struct {
    std::string fleet;
    std::string message;
  } cases[] = {
      {Group("h100-sxm", 1, "role = \"prefill\"\n") + Group("h100-sxm", 1),
       "fleet.toml: tier 0 mixes roles"},
      {Group("h100-sxm", 1, "role = \"decode\"\n"), "fleet.toml: tier 0 mixes roles"},
      {"tiers = [0.5, 0.5]\n" + Group("h100-sxm", 2) + Group("h100-sxm", 1, "tier = 2\n"),
       "fleet.toml: replica 3 serves tier 2, but the fleet has 2 tier(s) (replicas 1-2 are "
       "group[0]; replica 3 is group[1])"},
      {"[tiers.a]\nshare = 1\n[tiers.b]\nshare = 1\n" + Group("h100-sxm", 1, "tier = \"a\"\n"),
       "fleet.toml: tier 1 has no replica (replica 1 is group[0]; tier 0 is a; tier 1 is b)"},
      {Group("h100-sxm", 1, "role = \"prefill\"\nbatching = \"static\"\n") +
           Group("h100-sxm", 1, "role = \"decode\"\n"),
       "replica 1: prefill and decode replicas batch continuously"},
      {Group("h100-sxm", 1, "count = 2\ntp = 1\n"), "fleet.toml:1: group[0]: --count 2 is not"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Run(WithFleet(c.fleet)), kExitFailure) << c.fleet;
    EXPECT_THAT(err_.str(), StartsWith("error: ")) << c.fleet;
    EXPECT_THAT(err_.str(), HasSubstr(c.message)) << c.fleet;
  }
}

}  // namespace
}  // namespace pertoken::cli
