#include "cli/simulate_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/progress_bar.h"
#include "simulate_test_util.h"

namespace pertoken::cli {
namespace {

using ::testing::HasSubstr;

std::string TestTrace(const std::string& name) {
  return std::string(PERTOKEN_TEST_DATA) + "/traces/" + name;
}

using testing::ShippedTraces;

// The cells of every data row of a CSV file (no quoting, as the simulator writes it).
std::vector<std::vector<std::string>> ReadCsv(const std::string& path, std::string* header) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  std::getline(in, *header);
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream cells_in(line);
    std::string cell;
    while (std::getline(cells_in, cell, ',')) cells.push_back(cell);
    if (line.ends_with(',')) cells.emplace_back();
    rows.push_back(cells);
  }
  return rows;
}

using SimulateTest = testing::SimulateCommandTest;

TEST_F(SimulateTest, JsonNamesTheDocumentedKeys) {
  const auto j = RunJson(Base());
  for (const char* key : {"completed_requests",
                          "duration_s",
                          "requests_per_s",
                          "output_tokens_per_s",
                          "total_tokens_per_s",
                          "ttft_mean_s",
                          "ttft_p50_s",
                          "ttft_p90_s",
                          "ttft_p99_s",
                          "tpot_p99_s",
                          "itl_p99_s",
                          "e2e_p99_s",
                          "queue_p99_s",
                          "goodput_requests_per_s",
                          "busy_fraction",
                          "kv_mean_fraction",
                          "kv_peak_fraction",
                          "preemptions",
                          "usd_per_hour",
                          "usd_per_million_output_tokens",
                          "usd_per_million_tokens",
                          "per_replica"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["completed_requests"], 60);
  EXPECT_EQ(j["workload"]["source"], "synthetic");
  EXPECT_EQ(j["workload"]["requests"], 60);
  EXPECT_EQ(j["fleet"]["replicas"], 1);
  EXPECT_EQ(j["fleet"]["deployments"][0]["model"], "llama-2-7b");
  // The fixture prices the H100 at $12.29 per accelerator-hour (one offer); idle time is paid.
  const double usd_per_hour = j["usd_per_hour"].get<double>();
  EXPECT_DOUBLE_EQ(usd_per_hour, 12.29);
  const double usd = usd_per_hour * j["duration_s"].get<double>() / 3600;
  EXPECT_NEAR(j["usd_per_million_output_tokens"].get<double>(),
              usd / j["output_tokens"].get<double>() * 1e6, 1e-9);
  EXPECT_NEAR(j["output_tokens_per_s"].get<double>(),
              j["output_tokens"].get<double>() / j["duration_s"].get<double>(), 1e-9);
  const double busy = j["busy_fraction"].get<double>();
  EXPECT_GT(busy, 0);
  EXPECT_LE(busy, 1);
}

TEST_F(SimulateTest, EnergyIntegratesIdleToTdpPowerTimesThePue) {
  const auto j = RunJson(Base());
  // Fixture: h100-sxm idles at 100 W, its TDP is 700 W; the default data centre's PUE is 1.5.
  const double busy = j["busy_fraction"].get<double>();
  const double d = j["duration_s"].get<double>();
  const double watts = 100 + 600 * busy;  // one accelerator
  EXPECT_NEAR(j["accelerator_power_w"].get<double>(), watts, 1e-9);
  EXPECT_NEAR(j["accelerator_energy_kwh"].get<double>(), watts * d / 3.6e6, 1e-12);
  EXPECT_NEAR(j["energy_kwh"].get<double>(), 1.5 * watts * d / 3.6e6, 1e-12);
  EXPECT_DOUBLE_EQ(j["pue"].get<double>(), 1.5);
  EXPECT_NEAR(j["joules_per_output_token"].get<double>(),
              1.5 * watts * d / j["output_tokens"].get<double>(), 1e-9);
  EXPECT_NEAR(j["fleet"]["deployments"][0]["accelerator_power_w"].get<double>(), watts, 1e-9);

  SimulateOptions green = Base();
  green.datacenter = "fixture-green";
  EXPECT_DOUBLE_EQ(RunJson(green)["pue"].get<double>(), 1.1);
  SimulateOptions given = Base();
  given.pue = 1.25;
  const auto g = RunJson(given);
  EXPECT_NEAR(g["energy_kwh"].get<double>(), 1.25 * watts * d / 3.6e6, 1e-12);

  EXPECT_EQ(Run(Base()), kExitOk);
  EXPECT_THAT(out_.str(), HasSubstr("idle 100 W, TDP 700 W"));
  EXPECT_THAT(out_.str(), HasSubstr("facility PUE 1.50 (data-centre profile 'fixture-dc')"));
}

TEST_F(SimulateTest, AnIdleReplicaStillDrawsPower) {
  // The same load on two replicas: the work is the same or more (smaller batches), and the second
  // replica's idle draw comes on top, so each token takes more energy.
  SimulateOptions two = Base();
  two.fleet[0].replicas = 2;
  const auto j1 = RunJson(Base());
  const auto j2 = RunJson(two);
  EXPECT_GT(j2["joules_per_output_token"].get<double>(),
            j1["joules_per_output_token"].get<double>());
  EXPECT_GT(j2["accelerator_power_w"].get<double>(), j1["accelerator_power_w"].get<double>());
}

TEST_F(SimulateTest, ABorrowedIdleDrawIsSaid) {
  SimulateOptions o = Base();
  o.fleet[0].deployment.accelerator = "a100-sxm-80gb";
  // The fixture's A100 has a TDP; its idle is borrowed from the H100's ratio and said so.
  EXPECT_EQ(Run(o), kExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("no measured idle draw for a100-sxm-80gb: 14% of its TDP"));
}

// SLOs no request meets get the report, one error line saying how far the best came, and exit 1.
TEST_F(SimulateTest, AnSloNoRequestMeetsIsAnError) {
  SimulateOptions o = Base();
  o.slo_ttft_s = 1e-6;
  EXPECT_EQ(Run(o), kExitFailure);
  EXPECT_THAT(out_.str(), HasSubstr("goodput"));
  EXPECT_THAT(err_.str(), HasSubstr("no request met the SLOs: the fastest TTFT was"));
  EXPECT_THAT(err_.str(), HasSubstr("against 0.0 ms"));
}

TEST_F(SimulateTest, RequestsOutHasOneRowPerRequestAgreeingWithTheJson) {
  SimulateOptions o = Base();
  o.requests_out = Path("requests.csv");
  const auto j = RunJson(o);
  std::string header;
  const auto rows = ReadCsv(o.requests_out, &header);
  EXPECT_EQ(header,
            "index,replica,group,arrival_s,queue_s,ttft_s,tpot_s,e2e_s,input_tokens,"
            "output_tokens,preemptions,prefill_replica,max_itl_s");
  ASSERT_EQ(rows.size(), 60u);
  double ttft_sum = 0;
  int64_t output_tokens = 0;
  std::map<std::string, int> seen;
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 13u);
    EXPECT_EQ(row[12].empty(), row[9] == "1") << "max ITL is empty exactly for one-token outputs";
    if (!row[12].empty()) {
      EXPECT_GE(std::stod(row[12]) + 1e-6, std::stod(row[6])) << "max >= mean";
    }
    EXPECT_EQ(row[11], "") << "no prefill replica without disaggregation";
    ++seen[row[0]];
    EXPECT_EQ(row[2], "0") << "one group";
    ttft_sum += std::stod(row[5]);
    output_tokens += std::stoll(row[9]);
    EXPECT_EQ(row[6].empty(), row[9] == "1") << "TPOT is empty exactly for one-token outputs";
  }
  EXPECT_EQ(seen.size(), 60u) << "every request exactly once";
  EXPECT_EQ(output_tokens, j["output_tokens"].get<int64_t>());
  // The file rounds to microseconds.
  EXPECT_NEAR(ttft_sum / 60, j["ttft_mean_s"].get<double>(), 1e-6);
}

TEST_F(SimulateTest, TimelineHasAtMostOneRowPerReplicaPerInterval) {
  SimulateOptions o = Base();
  o.fleet[0].replicas = 2;
  o.timeline_out = Path("timeline.csv");
  o.timeline_interval_s = 0.5;
  RunJson(o);
  std::string header;
  const auto rows = ReadCsv(o.timeline_out, &header);
  EXPECT_EQ(header, "time_s,replica,running,waiting,kv_used_fraction,batch,prefill_tokens");
  ASSERT_FALSE(rows.empty());
  std::map<std::pair<std::string, long long>, int> per_interval;
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 7u);
    ++per_interval[{row[1], static_cast<long long>(std::stod(row[0]) / 0.5)}];
    const double kv = std::stod(row[4]);
    EXPECT_GE(kv, 0);
    EXPECT_LE(kv, 1);
  }
  for (const auto& [key, n] : per_interval) EXPECT_EQ(n, 1) << key.first << " " << key.second;
}

TEST_F(SimulateTest, GoodputFollowsTheSlos) {
  SimulateOptions o = Base();
  const auto none = RunJson(o);
  EXPECT_TRUE(none["goodput_requests_per_s"].is_null());
  EXPECT_TRUE(none["slo_ttft_s"].is_null());

  o.slo_ttft_s = 1e6;
  o.slo_tpot_s = 1e6;
  const auto all = RunJson(o);
  EXPECT_EQ(all["good_requests"], all["completed_requests"]);
  EXPECT_DOUBLE_EQ(all["goodput_requests_per_s"].get<double>(),
                   all["requests_per_s"].get<double>());
  EXPECT_DOUBLE_EQ(all["goodput_output_tokens_per_s"].get<double>(),
                   all["output_tokens_per_s"].get<double>());
  EXPECT_DOUBLE_EQ(all["goodput_share"].get<double>(), 1);

  o.slo_ttft_s = 1e-9;  // shorter than any prefill: the JSON still comes, then exit 1
  o.json = true;
  EXPECT_EQ(Run(o), kExitFailure);
  const auto nothing = nlohmann::json::parse(out_.str());
  EXPECT_EQ(nothing["good_requests"], 0);
  EXPECT_DOUBLE_EQ(nothing["goodput_requests_per_s"].get<double>(), 0);
}

TEST_F(SimulateTest, SameSeedSameRunAndTheSeedMatters) {
  SimulateOptions o = Base();
  o.workload.seed = 7;
  const auto a = RunJson(o);
  const auto b = RunJson(o);
  EXPECT_EQ(a, b);
  o.workload.seed = 8;
  EXPECT_NE(RunJson(o)["ttft_mean_s"], a["ttft_mean_s"]);
}

TEST_F(SimulateTest, RoundRobinSplitsRequestsEvenly) {
  SimulateOptions o = Base();
  o.fleet[0].replicas = 3;
  o.routing = "round-robin";
  const auto j = RunJson(o);
  EXPECT_EQ(j["fleet"]["accelerators"], 3);
  EXPECT_DOUBLE_EQ(j["usd_per_hour"].get<double>(), 3 * 12.29);
  ASSERT_EQ(j["per_replica"].size(), 3u);
  for (const auto& r : j["per_replica"]) EXPECT_EQ(r["completed_requests"], 20);
}

TEST_F(SimulateTest, ReplaysABuiltinTraceWindow) {
  SimulateOptions o = Base();
  o.workload = {.trace = "azure-conv", .traces_dir = ShippedTraces(), .max_requests = 25};
  o.fleet[0].deployment.model = "mistral-7b";  // 32K context: the trace's longest prompts fit
  const auto j = RunJson(o);
  EXPECT_EQ(j["workload"]["source"], "trace");
  EXPECT_EQ(j["workload"]["requests"], 25);
  EXPECT_EQ(j["completed_requests"], 25);
  EXPECT_THAT(j["workload"]["path"].get<std::string>(), HasSubstr("azure2023_conv.csv"));
}

TEST_F(SimulateTest, TextSummaryCountsIdleTimeAndSkippedRows) {
  SimulateOptions o = Base();
  const std::string trace = Path("zeros.csv");
  std::ofstream(trace) << "arrival_s,input_tokens,output_tokens\n0,100,10\n1,0,10\n2,300,0\n"
                          "3,200,20\n";
  o.workload = {.trace = trace, .speedup = 2};
  o.slo_ttft_s = 1;
  ASSERT_EQ(Run(o), kExitOk) << err_.str();
  const std::string text = out_.str();
  EXPECT_THAT(text, HasSubstr("2 trace rows with 0 input or 0 output tokens left out (the first "
                              "at line 3)"));
  EXPECT_THAT(text, HasSubstr("replayed 2× as fast"));
  EXPECT_THAT(text, HasSubstr("completed      2 requests"));
  EXPECT_THAT(text, HasSubstr("goodput"));
  EXPECT_THAT(text, HasSubstr("idle time is counted"));
  EXPECT_TRUE(err_.str().empty());
}

TEST_F(SimulateTest, UnknownPriceLeavesCostsOutAndSaysSo) {
  SimulateOptions o = Base();
  o.fleet[0].deployment.accelerator = "a100-sxm-80gb";  // no offer in the fixture's price list
  const auto j = RunJson(o);
  EXPECT_TRUE(j["usd_per_hour"].is_null());
  EXPECT_TRUE(j["usd_per_million_output_tokens"].is_null());
  EXPECT_FALSE(j["fleet"]["deployments"][0]["price"]["known"].get<bool>());
  ASSERT_EQ(Run(o), kExitOk);
  EXPECT_THAT(out_.str(), HasSubstr("no on-demand price for a100-sxm-80gb; pass --usd-per-hour"));
  o.usd_per_accelerator_hour = 2;
  EXPECT_DOUBLE_EQ(RunJson(o)["usd_per_hour"].get<double>(), 2);
}

TEST_F(SimulateTest, BadInputIsOneClearMessage) {
  const std::string unwritable = Path("no/such/dir/requests.csv");
  const struct {
    void (*edit)(SimulateOptions*);
    const char* message;
  } cases[] = {
      {[](SimulateOptions* o) { o->workload = {.trace = "azure-cov"}; },
       "--trace: unknown built-in trace 'azure-cov'; did you mean azure-conv"},
      {[](SimulateOptions* o) { o->workload = {.trace = TestTrace("bad_rows.csv")}; },
       "bad_rows.csv:3: input_tokens:"},
      {[](SimulateOptions* o) { o->workload = {.trace = "/no/such/trace.csv"}; },
       "--trace: /no/such/trace.csv: cannot open"},
      {[](SimulateOptions* o) { o->workload.trace = "azure-conv"; },
       "give --trace or --arrivals, not both"},
      {[](SimulateOptions* o) { o->workload = {}; }, "give a workload: --trace"},
      {[](SimulateOptions* o) { o->workload.duration_s = 10; },
       "--arrivals needs one of --requests N and --duration S"},
      {[](SimulateOptions* o) { o->workload.requests.reset(); },
       "--arrivals needs one of --requests N and --duration S"},
      {[](SimulateOptions* o) { o->workload.lengths.clear(); }, "--arrivals needs --lengths"},
      {[](SimulateOptions* o) { o->workload.speedup = 2; }, "apply to --trace, not to --arrivals"},
      {[](SimulateOptions* o) { o->workload = {.trace = "azure-conv", .speedup = 0}; },
       "--speedup must be a number > 0, got 0"},
      {[](SimulateOptions* o) { o->workload = {.trace = "azure-conv", .seed = 3}; },
       "--seed shape a synthetic stream"},
      {[](SimulateOptions* o) { o->workload.arrivals = "poisson:rat=5"; },
       "--arrivals poisson: unknown key 'rat'"},
      {[](SimulateOptions* o) { o->workload.lengths = "fixed:in=0,out=5"; }, "--lengths"},
      {[](SimulateOptions* o) { o->fleet[0].replicas = 0; }, "--replicas must be from 1"},
      {[](SimulateOptions* o) { o->slo_ttft_s = 0; }, "--slo-ttft must be a number > 0"},
      {[](SimulateOptions* o) { o->slo_tpot_s = -0.1; }, "--slo-tpot must be a number > 0"},
      {[](SimulateOptions* o) { o->usd_per_accelerator_hour = -1; }, "--usd-per-hour must be"},
      {[](SimulateOptions* o) { o->timeline_interval_s = 0; }, "--timeline-interval must be"},
      {[](SimulateOptions* o) { o->pue = 0.9; }, "--pue 0.9: a power usage effectiveness is"},
      {[](SimulateOptions* o) {
         o->pue = 1.2;
         o->datacenter = "fixture-dc";
       },
       "--pue and --datacenter both set the PUE"},
      {[](SimulateOptions* o) { o->datacenter = "moon"; },
       "--datacenter: unknown data-centre profile 'moon'"},
      {[](SimulateOptions* o) { o->routing = "random"; }, "--routing must be least-outstanding"},
      {[](SimulateOptions* o) { o->fleet[0].chunked_prefill = "yes"; },
       "--chunked-prefill must be on or off"},
      {[](SimulateOptions* o) { o->fleet[0].max_num_seqs = 0; }, "--max-num-seqs must be from 1"},
      {[](SimulateOptions* o) {
         o->fleet[0].deployment.model = "llama-2-70b";
         o->fleet[0].deployment.count = 1;
       },
       "llama-2-70b does not fit on 1 × h100-sxm"},
      {[](SimulateOptions* o) { o->fleet[0].deployment.model = "llama-70b"; },
       "did you mean llama-2-70b"},
      {[](SimulateOptions* o) { o->workload.lengths = "fixed:in=5000,out=10"; },
       "a request of 5010 tokens (prompt and output) exceeds replica 1's context of 4096 tokens"},
  };
  for (const auto& c : cases) {
    SimulateOptions o = Base();
    c.edit(&o);
    ExpectFails(o, c.message);
  }
  SimulateOptions o = Base();
  o.requests_out = unwritable;
  EXPECT_EQ(Run(o), kExitFailure);
  EXPECT_EQ(err_.str(),
            "error: --requests-out " + unwritable + ": cannot open the file for writing\n");
}

TEST_F(SimulateTest, NoProgressBarForShortRuns) {
  SimulateOptions o = Base();
  std::ostringstream terminal;
  o.progress = &terminal;
  o.progress_clock_s = [] { return 0.0; };
  ASSERT_EQ(Run(o), kExitOk) << err_.str();
  EXPECT_TRUE(terminal.str().empty());
}

TEST(ProgressBarTest, RedrawsAtMostTenTimesASecondAndErasesItself) {
  std::ostringstream out;
  double now = 0;
  ProgressBar bar(out, 1024, [&] { return now; });
  bar.Update(100);  // between clock reads: nothing
  EXPECT_TRUE(out.str().empty());
  bar.Update(256);
  EXPECT_THAT(out.str(), HasSubstr("25% 256 of 1,024 requests"));
  const size_t drawn = out.str().size();
  bar.Update(512);  // same instant: not redrawn
  EXPECT_EQ(out.str().size(), drawn);
  now = 0.2;
  bar.Update(768);
  EXPECT_THAT(out.str(), HasSubstr("75% 768 of 1,024"));
  bar.Finish();
  EXPECT_TRUE(out.str().ends_with("\r"));
}

}  // namespace
}  // namespace pertoken::cli
