#include "cli/cost_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/estimate_command.h"
#include "cli/simulate_command.h"
#include "test_util.h"

namespace pertoken::cli {
namespace {

using ::testing::HasSubstr;

class CostTest : public testing::FixtureCatalogTest {
 protected:
  int Run(const CostOptions& o) {
    out_.str("");
    err_.str("");
    return RunCost(cat_, o, out_, err_);
  }
  nlohmann::json RunJson(CostOptions o) {
    o.json = true;
    EXPECT_EQ(Run(o), kExitOk) << err_.str();
    return nlohmann::json::parse(out_.str());
  }
  // A measured replica of 8 H100s serving 10,000 output tokens/s, and exactly that traffic
  // around the clock with no input tokens: one replica, fully used.
  static CostOptions Measured() {
    CostOptions o;
    o.deployment.model = "llama-3.1-70b";
    o.deployment.accelerator = "h100-sxm";
    o.deployment.count = 8;
    o.output_tokens_per_s = 10'000;
    o.output_tokens_per_day = 10'000.0 * 86'400;
    o.input_tokens_per_day = 0;
    return o;
  }
  const nlohmann::json* Option(const nlohmann::json& j, const std::string& pricing) {
    for (const auto& o : j["options"]) {
      if (o["pricing"] == pricing) return &o;
    }
    return nullptr;
  }
  std::ostringstream out_, err_;
};

TEST_F(CostTest, EveryWayToPayIsCostedAndSortedCheapestFirst) {
  const auto j = RunJson(Measured());
  EXPECT_EQ(j["replicas"], 1);
  EXPECT_DOUBLE_EQ(j["utilization"].get<double>(), 1.0);
  double last = 0;
  for (const auto& o : j["options"]) {
    for (const char* key : {"pricing", "usd_per_hour", "utilization",
                            "usd_per_million_output_tokens", "annual_usd"}) {
      EXPECT_TRUE(o.contains(key)) << key;
    }
    EXPECT_GE(o["usd_per_million_output_tokens"].get<double>(), last);
    last = o["usd_per_million_output_tokens"].get<double>();
  }
  // Fixture on-demand: p5.48xlarge at $98.32 for 8 H100s, serving 864 M tokens a day.
  const auto* od = Option(j, "on_demand");
  ASSERT_NE(od, nullptr);
  EXPECT_NEAR((*od)["usd_per_hour"].get<double>(), 98.32, 1e-9);
  EXPECT_NEAR((*od)["usd_per_million_output_tokens"].get<double>(), 98.32 * 24 / 864.0, 1e-9);
  EXPECT_NEAR((*od)["annual_usd"].get<double>(), 98.32 * 8760, 1e-6);
  // The cheapest spot offer, $24 for 8, with the capacity interruptions take: 0.5 a month
  // (fixture aws), each losing the 360 s restart of the fixture's vLLM (no request outlives the
  // 120 s notice: a measured capacity has no latency, taken as 0).
  const double lost = 0.5 / (730 * 3600) * 360;
  EXPECT_NEAR((*Option(j, "spot"))["usd_per_hour"].get<double>(), 24 / (1 - lost), 1e-9);
  // Owned (fixture terms: 3 years, no interest, no maintenance, no server share, no colocation;
  // PUE 1.5 and $0.10/kWh): $30,000 / 26,280 h + 700 W × 1.5 × $0.10 per accelerator-hour.
  const auto* owned = Option(j, "owned");
  ASSERT_NE(owned, nullptr);
  EXPECT_NEAR((*owned)["usd_per_hour"].get<double>(), 8 * (30'000.0 / 26'280 + 0.7 * 1.5 * 0.10),
              1e-9);
  // Together's Llama 3.1 70B at $0.88 per million output tokens: $760.32 a day.
  const auto* api = Option(j, "api");
  ASSERT_NE(api, nullptr);
  EXPECT_NEAR((*api)["usd_per_hour"].get<double>(), 864.0 * 0.88 / 24, 1e-9);
  // Blended at Together's 1:1 ratio with no input tokens: all the cost on the output tokens.
  EXPECT_THAT(j["blend_basis"].get<std::string>(), HasSubstr("together"));
  EXPECT_NEAR((*od)["usd_per_million_output_tokens_blended"].get<double>(),
              (*od)["usd_per_million_output_tokens"].get<double>(), 1e-9);
  EXPECT_TRUE((*api)["utilization"].is_null());
  // Against the cheapest self-hosted way (owned: $9.97 an hour), a full replica costs less per
  // token than the API, so self-hosting wins for good from ceil(H / (a C − H)) × H / a.
  double cheapest = 1e300;
  for (const auto& o : j["options"]) {
    if (o["pricing"] != "api") cheapest = std::min(cheapest, o["usd_per_hour"].get<double>());
  }
  EXPECT_NEAR(cheapest, 8 * (30'000.0 / 26'280 + 0.7 * 1.5 * 0.10), 1e-9);
  const double h = cheapest * 24, a = 0.88e-6, c = 864e6;
  EXPECT_NEAR((*api)["break_even_output_tokens_per_day"].get<double>(),
              std::ceil(h / (a * c - h)) * h / a, 1);
}

TEST_F(CostTest, IdleCapacityRaisesThePricePerToken) {
  CostOptions half = Measured();
  half.output_tokens_per_day = 5'000.0 * 86'400;
  const auto full = RunJson(Measured());
  const auto j = RunJson(half);
  EXPECT_DOUBLE_EQ(j["utilization"].get<double>(), 0.5);
  EXPECT_NEAR((*Option(j, "on_demand"))["usd_per_million_output_tokens"].get<double>(),
              2 * (*Option(full, "on_demand"))["usd_per_million_output_tokens"].get<double>(),
              1e-9);
  // A peak twice the mean needs two replicas for the same mean volume.
  CostOptions peaky = Measured();
  peaky.peak_to_mean = 2;
  const auto p = RunJson(peaky);
  EXPECT_EQ(p["replicas"], 2);
  EXPECT_DOUBLE_EQ(p["utilization"].get<double>(), 0.5);
}

TEST_F(CostTest, PricesAtADateAndGivenPrices) {
  CostOptions o = Measured();
  o.as_of = "2026-06";
  o.usd_per_accelerator_hour = 2.0;
  const auto j = RunJson(o);
  EXPECT_NEAR((*Option(j, "spot"))["usd_per_hour"].get<double>(),
              40 / (1 - 0.5 / (730 * 3600) * 360), 1e-9);  // May's offer
  EXPECT_NEAR((*Option(j, "given"))["usd_per_hour"].get<double>(), 16, 1e-9);
  EXPECT_NE(Option(j, "api"), nullptr);  // the fixture's API offer is dated 2025-11
  o.as_of = "2025-06";
  EXPECT_EQ(Option(RunJson(o), "api"), nullptr);
}

// --api-model prices another model's API too (a proprietary one), says the models differ, and
// leaves the blended prices at the same model's API ratio.
TEST_F(CostTest, AnotherModelsApiIsPricedAndFlagged) {
  CostOptions o = Measured();
  o.api_models = {"Fixture-Mini"};
  const auto j = RunJson(o);
  const nlohmann::json* other = nullptr;
  for (const auto& opt : j["options"]) {
    if (opt["provider"] == "fixture-ai") other = &opt;
  }
  ASSERT_NE(other, nullptr);
  EXPECT_NEAR((*other)["usd_per_hour"].get<double>(), 864.0 * 0.4 / 24, 1e-9);
  EXPECT_THAT((*other)["offer"].get<std::string>(), HasSubstr("a different model"));
  EXPECT_THAT(j["blend_basis"].get<std::string>(), HasSubstr("together"));
  o.api_models = {"fixture-maxi"};
  EXPECT_EQ(Run(o), kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr("no API offer for 'fixture-maxi'; did you mean fixture-mini"));
}

// --by-provider lists each provider's own cheapest offer next to the cheapest of all.
TEST_F(CostTest, ByProviderListsEveryProvidersOffer) {
  auto spot_providers = [](const nlohmann::json& j) {
    std::vector<std::string> out;
    for (const auto& o : j["options"]) {
      if (o["pricing"] == "spot") out.push_back(o["provider"]);
    }
    return out;
  };
  CostOptions o = Measured();
  // Fixture spot offers: aws $24 for 8 ($3 each), othercloud $4 each.
  EXPECT_EQ(spot_providers(RunJson(o)), std::vector<std::string>{"aws"});
  o.by_provider = true;
  const auto j = RunJson(o);
  EXPECT_EQ(spot_providers(j), (std::vector<std::string>{"aws", "othercloud"}));
  // othercloud publishes no interruption rate: it borrows aws's, the only one, and says so.
  for (const auto& opt : j["options"]) {
    if (opt["provider"] == "othercloud") {
      const double lost = 0.5 / (730 * 3600) * 360;
      EXPECT_NEAR(opt["usd_per_hour"].get<double>(), 8 * 4.0 / (1 - lost), 1e-9);
      EXPECT_THAT(opt["basis"].get<std::string>(), HasSubstr("the median of 1 provider"));
    }
  }
}

// A spot fleet that holds on-demand replicas in reserve pays for them on top.
TEST_F(CostTest, SpotReserveReplicasArePaidAtOnDemandPrices) {
  CostOptions o = Measured();
  o.spot_reserve_replicas = 1;
  const auto j = RunJson(o);
  const double lost = 0.5 / (730 * 3600) * 360;
  EXPECT_NEAR((*Option(j, "spot"))["usd_per_hour"].get<double>(), 24 / (1 - lost) + 98.32, 1e-9);
  EXPECT_THAT((*Option(j, "spot"))["basis"].get<std::string>(), HasSubstr("1 on-demand replica"));
}

TEST_F(CostTest, APredictedReplicaMeetsTheLatencyTargets) {
  CostOptions o;
  o.deployment.model = "llama-2-7b";
  o.deployment.accelerator = "h100-sxm";
  o.input_tokens = 500;
  o.output_tokens = 100;
  const auto max = RunJson(o);
  o.slo_tpot_s = 0.02;
  const auto slo = RunJson(o);
  EXPECT_LT(slo["replica_output_tokens_per_s"].get<double>(),
            max["replica_output_tokens_per_s"].get<double>());
  EXPECT_THAT(slo["capacity_basis"].get<std::string>(), HasSubstr("meet the latency targets"));
}

// A predicted llama-2-7b replica on one H100 held to a 1 s mean TTFT, serving 100 M output
// tokens a day of 500 + 100-token requests, with the busiest hour at 1.5× the mean.
CostOptions Predicted() {
  CostOptions o;
  o.sizing = "queueing";
  o.deployment.model = "llama-2-7b";
  o.deployment.accelerator = "h100-sxm";
  o.input_tokens = 500;
  o.output_tokens = 100;
  o.slo_ttft_s = 1;
  o.output_tokens_per_day = 1e8;
  o.peak_to_mean = 1.5;
  return o;
}

// Replaying the peak in the simulator: the fleet carries the peak (at least the fluid bound of
// replicas), it is the fewest that meet the targets, and a looser target never needs more.
TEST_F(CostTest, TheSimulatorSizesTheFleetForThePeak) {
  CostOptions o = Predicted();
  o.sizing = "simulate";
  o.slo_tpot_s = 0.03;
  const auto sim = RunJson(o);
  EXPECT_THAT(sim["utilization_method"].get<std::string>(), HasSubstr("simulated"));
  EXPECT_THAT(sim["pools"][0]["sizing"].get<std::string>(), HasSubstr("mean TTFT"));
  const double peak = 1e8 / 86400 * 1.5;
  EXPECT_GE(sim["replicas"].get<double>() * sim["replica_output_tokens_per_s"].get<double>(), peak);
  o.sizing = "queueing";
  const auto fast = RunJson(o);
  EXPECT_THAT(fast["utilization_method"].get<std::string>(), HasSubstr("Erlang-C"));
  o.sizing = "simulate";
  o.slo_ttft_s = 3;
  o.slo_tpot_s = 0.06;
  EXPECT_LE(RunJson(o)["replicas"].get<int>(), sim["replicas"].get<int>());
}

// Edge pools, each sized for its region's peak at the same TTFT target, need at least as many
// replicas as one central pool, and run emptier (statistical multiplexing).
TEST_F(CostTest, EdgePoolsNeedMoreReplicasThanOneCentralPool) {
  const auto central = RunJson(Predicted());
  EXPECT_THAT(central["utilization_method"].get<std::string>(), HasSubstr("Erlang-C"));
  double last_util = 2;
  int last_replicas = 0;
  for (int regions : {2, 4, 8}) {
    CostOptions o = Predicted();
    o.architecture = "edge";
    o.regions = regions;
    const auto edge = RunJson(o);
    ASSERT_EQ(edge["pools"].size(), 1u);
    EXPECT_EQ(edge["pools"][0]["regions"], regions);
    EXPECT_EQ(edge["replicas"].get<int>() % regions, 0);
    EXPECT_GE(edge["replicas"].get<int>(), central["replicas"].get<int>()) << regions;
    EXPECT_GE(edge["replicas"].get<int>(), last_replicas) << regions;
    EXPECT_LE(edge["utilization"].get<double>(), central["utilization"].get<double>() + 1e-12);
    EXPECT_LE(edge["utilization"].get<double>(), last_util + 1e-12);
    last_util = edge["utilization"].get<double>();
    last_replicas = edge["replicas"].get<int>();
  }
  EXPECT_GT(last_replicas, central["replicas"].get<int>());
}

// A round trip to a central data centre counts against its pools' TTFT target; pools in the
// users' regions do not pay it.
TEST_F(CostTest, TheNetworkRoundTripCostsCentralPoolsTheirLatencyBudget) {
  CostOptions o = Predicted();
  const auto near = RunJson(o);
  o.network_rtt_s = 0.97;  // leaves 30 ms of the 1 s target
  const auto far = RunJson(o);
  EXPECT_GE(far["replicas"].get<int>(), near["replicas"].get<int>());
  EXPECT_LT(far["replica_output_tokens_per_s"].get<double>(),
            near["replica_output_tokens_per_s"].get<double>());  // fewer in flight
  o.architecture = "edge";
  o.regions = 2;
  CostOptions edge_near = o;
  edge_near.network_rtt_s.reset();
  EXPECT_EQ(RunJson(o)["replicas"], RunJson(edge_near)["replicas"]);
}

// Model-tier routing: a share of the requests goes to a smaller model's pool; the fleet's cost
// is both pools at their accelerators' prices, and the tier's quality is stated.
TEST_F(CostTest, TierRoutingSplitsTheTrafficBetweenTwoPools) {
  CostOptions o = Predicted();
  o.deployment.model = "llama-2-70b";
  o.deployment.count = 2;
  o.tier_model = "llama-2-7b";
  o.tier_count = 1;
  o.tier_share = 0.3;
  const auto j = RunJson(o);
  ASSERT_EQ(j["pools"].size(), 2u);
  EXPECT_DOUBLE_EQ(j["pools"][0]["share"].get<double>(), 0.7);
  EXPECT_DOUBLE_EQ(j["pools"][1]["share"].get<double>(), 0.3);
  EXPECT_EQ(j["pools"][1]["model"], "llama-2-7b");
  EXPECT_EQ(j["pools"][0]["placement"], "central");
  EXPECT_EQ(j["replicas"].get<int>(),
            j["pools"][0]["replicas"].get<int>() + j["pools"][1]["replicas"].get<int>());
  const int accelerators =
      2 * j["pools"][0]["replicas"].get<int>() + j["pools"][1]["replicas"].get<int>();
  EXPECT_EQ(j["accelerators"], accelerators);
  EXPECT_NEAR((*Option(j, "on_demand"))["usd_per_hour"].get<double>(), 98.32 / 8 * accelerators,
              1e-9);
  EXPECT_THAT(j["quality"].get<std::string>(), HasSubstr("no quality comparison"));
  EXPECT_EQ(Option(j, "api"), nullptr);  // no single API serves a tiered mix
  // Hybrid: the tier runs in each region, the main model centrally.
  o.architecture = "hybrid";
  o.regions = 3;
  const auto h = RunJson(o);
  EXPECT_EQ(h["pools"][0]["placement"], "central");
  EXPECT_EQ(h["pools"][0]["regions"], 1);
  EXPECT_EQ(h["pools"][1]["placement"], "edge");
  EXPECT_EQ(h["pools"][1]["regions"], 3);
}

// `--from` prices what estimate predicted or simulate replayed.
TEST_F(CostTest, PricesAnEstimateOrASimulationResult) {
  const auto dir = std::filesystem::temp_directory_path() / "pertoken-cost-from";
  std::filesystem::create_directories(dir);
  EstimateOptions e;
  e.deployment.model = "llama-2-7b";
  e.deployment.accelerator = "h100-sxm";
  e.input_tokens = 500;
  e.output_tokens = 100;
  e.concurrency = "32";
  e.json = true;
  std::ostringstream est;
  ASSERT_EQ(RunEstimate(cat_, e, est, err_), kExitOk) << err_.str();
  const std::string est_path = (dir / "estimate.json").string();
  std::ofstream(est_path) << est.str();
  CostOptions o;
  ASSERT_TRUE(ApplyResultFile(est_path, &o).ok());
  o.output_tokens_per_day = 5e7;
  const auto j = RunJson(o);
  EXPECT_DOUBLE_EQ(j["replica_output_tokens_per_s"].get<double>(),
                   nlohmann::json::parse(est.str())["output_tokens_per_s"].get<double>());
  EXPECT_EQ(j["model"], "llama-2-7b");

  SimulateOptions s;
  ReplicaGroupOptions g;
  g.deployment.model = "llama-2-7b";
  g.deployment.accelerator = "h100-sxm";
  g.replicas = 2;
  s.fleet = {g};
  s.workload.arrivals = "poisson:rate=5";
  s.workload.lengths = "fixed:in=300,out=50";
  s.workload.requests = 200;
  s.json = true;
  std::ostringstream sim;
  ASSERT_EQ(RunSimulate(cat_, s, sim, err_), kExitOk) << err_.str();
  const auto simulated = nlohmann::json::parse(sim.str());
  const std::string sim_path = (dir / "simulate.json").string();
  std::ofstream(sim_path) << sim.str();
  CostOptions f;
  ASSERT_TRUE(ApplyResultFile(sim_path, &f).ok());
  const auto k = RunJson(f);
  // The simulated fleet as it ran: its replicas, its busy share, its traffic around the clock.
  EXPECT_EQ(k["replicas"], 2);
  EXPECT_NEAR(k["utilization"].get<double>(), simulated["busy_fraction"].get<double>(), 1e-9);
  EXPECT_NEAR(k["output_tokens_per_day"].get<double>(),
              simulated["output_tokens_per_s"].get<double>() * 86400, 1e-6);
  EXPECT_NEAR((*Option(k, "on_demand"))["usd_per_hour"].get<double>(), 2 * 98.32 / 8, 1e-9);

  // Files it cannot use, and flags that the file already sets.
  const std::string junk = (dir / "junk.json").string();
  std::ofstream(junk) << "{\"a\": 1}";
  CostOptions bad;
  EXPECT_THAT(ApplyResultFile(junk, &bad).message(), HasSubstr("neither a `pertoken estimate"));
  EXPECT_THAT(ApplyResultFile((dir / "none.json").string(), &bad).message(),
              HasSubstr("cannot open"));
  CostOptions flags;
  flags.deployment.model = "llama-2-7b";
  EXPECT_THAT(ApplyResultFile(est_path, &flags).message(), HasSubstr("not with --model"));
  CostOptions traffic;
  traffic.output_tokens_per_day = 1e6;
  EXPECT_THAT(ApplyResultFile(sim_path, &traffic).message(), HasSubstr("no traffic flags"));
  std::filesystem::remove_all(dir);
}

// A trace is the traffic: its token rates around the clock and its mean lengths; the simulator
// replays it as it arrived.
TEST_F(CostTest, ATraceIsTheTraffic) {
  CostOptions o;
  o.deployment.model = "llama-2-7b";
  o.deployment.accelerator = "h100-sxm";
  o.trace = std::string(PERTOKEN_TEST_DATA) + "/traces/five_rows.csv";
  o.slo_ttft_s = 1;
  o.slo_tpot_s = 0.05;
  auto t = LoadTraceTraffic(o.trace, "");
  ASSERT_TRUE(t.ok()) << t.status().message();
  double in = 0, out = 0;
  for (const auto& r : t->requests) in += r.input_tokens, out += r.output_tokens;
  const double span = t->requests.back().arrival_s - t->requests.front().arrival_s;
  const auto j = RunJson(o);
  EXPECT_NEAR(j["output_tokens_per_day"].get<double>(), out / span * 86400, 1e-6);
  EXPECT_NEAR(j["input_tokens_per_day"].get<double>(), in / span * 86400, 1e-6);
  EXPECT_THAT(j["pools"][0]["sizing"].get<std::string>(), HasSubstr("replayed as it arrived"));
  CostOptions bad = o;
  bad.output_tokens_per_day = 1e6;
  EXPECT_EQ(Run(bad), kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr("--trace is the traffic"));
  bad = o;
  bad.trace = "no-such-trace";
  bad.traces_dir = "/nowhere";
  EXPECT_EQ(Run(bad), kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr("--trace:"));
}

TEST_F(CostTest, BadInputIsOneClearMessage) {
  struct Case {
    std::function<void(CostOptions*)> edit;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](CostOptions* o) { o->providers = {"nowhere"}; }, "unknown provider 'nowhere'"},
      {[](CostOptions* o) { o->output_tokens_per_day = -5; },
       "--output-tokens-per-day must be a number > 0"},
      {[](CostOptions* o) { o->peak_to_mean = 0.5; }, "--peak-to-mean is the busiest hour"},
      {[](CostOptions* o) { o->pue = 0.8; }, "--pue 0.8"},
      {[](CostOptions* o) { o->cost_of_capital = 8; }, "--cost-of-capital is a fraction"},
      {[](CostOptions* o) { o->deployment.accelerator = "h900"; }, "--accelerator: unknown"},
      {[](CostOptions* o) { o->deployment.accelerator.clear(); }, "--accelerator is required"},
      {[](CostOptions* o) { o->requests_per_day = 100; },
       "--output-tokens-per-day or --requests-per-day, not both"},
      {[](CostOptions* o) { o->output_tokens_per_s.reset(); }, "give a replica's capacity"},
      {[](CostOptions* o) { o->datacenter = "moon"; }, "--datacenter: unknown"},
      {[](CostOptions* o) { o->ownership = "moon"; }, "--ownership: unknown"},
      {[](CostOptions* o) { o->slo_tpot_s = 0.05; }, "--slo-ttft and --slo-tpot choose"},
      {[](CostOptions* o) { o->spot_reserve_replicas = -1; }, "--spot-reserve must be 0 or more"},
      {[](CostOptions* o) { o->architecture = "mesh"; }, "--architecture must be centralised"},
      {[](CostOptions* o) { o->sizing = "guess"; }, "--sizing must be simulate or queueing"},
      {[](CostOptions* o) { o->network_rtt_s = 0.1; }, "--network-rtt counts against the TTFT"},
      {[](CostOptions* o) { o->architecture = "edge"; }, "give --regions 2 or more"},
      {[](CostOptions* o) { o->regions = 3; }, "--regions applies to --architecture edge"},
      {[](CostOptions* o) { o->regions = 0; }, "--regions must be from 1"},
      {[](CostOptions* o) { o->tier_share = 1; }, "--tier-share is the share"},
      {[](CostOptions* o) { o->tier_share = 0.2; }, "--tier-share needs the tier"},
      {[](CostOptions* o) { o->tier_model = "llama-2-7b"; }, "needs --tier-share"},
      {[](CostOptions* o) {
         o->architecture = "hybrid";
         o->regions = 2;
       },
       "--architecture hybrid puts a tier at the edge"},
      {[](CostOptions* o) {
         o->deployment.accelerator = "h200-sxm";
         o->as_of = "2020";
       },
       "nothing to price for h200-sxm"},
  };
  for (const auto& c : cases) {
    CostOptions o = Measured();
    c.edit(&o);
    EXPECT_EQ(Run(o), kExitFailure) << c.message;
    const std::string err = err_.str();
    EXPECT_THAT(err, HasSubstr(c.message));
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
}

}  // namespace
}  // namespace pertoken::cli
