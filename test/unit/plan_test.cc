#include "search/plan.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cost_command.h"
#include "cli/plan_command.h"
#include "cli/simulate_command.h"
#include "perf/serving.h"
#include "test_util.h"

namespace pertoken::search {
namespace {

using ::testing::HasSubstr;
using PlanTest = testing::FixtureCatalogTest;

PlanQuery Query(const catalog::Catalog& cat) {
  return {.model = *cat.FindModel("llama-2-7b"),
          .input_tokens = 500,
          .output_tokens = 100,
          .slo_ttft_s = 1,
          .slo_tpot_s = 0.03,
          .traffic = {.output_tokens_per_day = 2e8, .peak_to_mean = 1.5},
          .engines = {*cat.FindEngine("vllm")}};
}

// Every plan that claims to meet the targets does when its deployment is predicted again, fits
// in memory, and is priced as `pertoken cost` prices the same deployment.
TEST_F(PlanTest, APlanIsWhatCostComputesForItsKnobs) {
  ScreenStats stats;
  const auto plans = Screen(cat_, Query(cat_), &stats);
  ASSERT_FALSE(plans.empty());
  EXPECT_GE(stats.configurations, stats.fitting);
  EXPECT_GE(stats.fitting, stats.meeting);
  const Plan& best = plans.front();
  ASSERT_TRUE(best.meets_slo);
  EXPECT_LE(best.ttft_s, 1.0);
  EXPECT_LE(best.tpot_s, 0.03);
  cli::CostOptions o;
  o.deployment.model = "llama-2-7b";
  o.deployment.accelerator = best.accelerator->id;
  o.deployment.count = best.count;
  o.deployment.tp = best.layout.tp;
  o.deployment.pp = best.layout.pp;
  o.deployment.ep = best.layout.ep;
  o.deployment.weights = best.weights->id;
  o.deployment.kv = best.kv->id;
  o.input_tokens = 500;
  o.output_tokens = 100;
  o.slo_ttft_s = 1;
  o.slo_tpot_s = 0.03;
  o.output_tokens_per_day = 2e8;
  o.peak_to_mean = 1.5;
  o.sizing = "queueing";
  auto rep = cli::EvaluateCost(cat_, o);
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  EXPECT_NEAR(rep->capacity.output_tokens_per_s, best.output_tokens_per_s, 1e-6);
  EXPECT_DOUBLE_EQ(rep->concurrency, best.concurrency);
  for (const auto& opt : rep->options) {
    if (opt.pricing == best.pricing && opt.provider == best.provider) {
      // Same price per accelerator-hour; cost may size the fleet with a queue, never smaller.
      EXPECT_GE(opt.spend.usd_per_hour, best.usd_per_hour - 1e-9);
    }
  }
}

// Each plan runs at the most requests in flight that meet the targets: one more misses them (or
// memory holds no more).
TEST_F(PlanTest, EachPlanRunsAtTheMostRequestsThatMeetTheTargets) {
  const PlanQuery q = Query(cat_);
  const auto plans = Screen(cat_, q, nullptr);
  int checked = 0;
  for (const Plan& p : plans) {
    if (!p.meets_slo) continue;
    perf::ServingQuery sq{
        .deployment = {.model = q.model,
                       .accelerator = p.accelerator,
                       .engine = p.engine,
                       .efficiency = &cat_.EfficiencyOf(*p.accelerator, *p.engine),
                       .precision = {.weights = p.weights, .expert_weights = p.weights, .kv = p.kv},
                       .layout = p.layout},
        .input_tokens = 500,
        .output_tokens = 100,
        .concurrency = p.concurrency};
    const auto at = perf::PredictServing(sq);
    EXPECT_LE(at.ttft_s, q.slo_ttft_s);
    EXPECT_LE(at.tpot_s, q.slo_tpot_s);
    if (p.concurrency < perf::MaxConcurrency(sq.deployment, 500, 100)) {
      sq.concurrency = p.concurrency + 1;
      const auto more = perf::PredictServing(sq);
      EXPECT_TRUE(more.ttft_s > q.slo_ttft_s || more.tpot_s > q.slo_tpot_s)
          << p.accelerator->id << " " << p.count << " at " << p.concurrency;
    }
    ++checked;
  }
  EXPECT_GT(checked, 3);
}

// Looser limits never make the best plan dearer: a looser TPOT target, more quality loss allowed.
TEST_F(PlanTest, LooserLimitsNeverRaiseTheBestCost) {
  PlanQuery q = Query(cat_);
  const double tight = Screen(cat_, q, nullptr).front().usd_per_million_output_tokens;
  q.slo_tpot_s = 0.06;
  EXPECT_LE(Screen(cat_, q, nullptr).front().usd_per_million_output_tokens, tight + 1e-12);
  PlanQuery strict = Query(cat_);
  strict.max_quality_loss = 0;  // 16-bit only
  ScreenStats s;
  const auto plans = Screen(cat_, strict, &s);
  EXPECT_GT(s.quality_excluded, 0);
  for (const auto& p : plans) EXPECT_GE(p.weights->bits, 16);
  EXPECT_GE(plans.front().usd_per_million_output_tokens, tight - 1e-12);
}

// Owned hardware in the search: the fixture's $30,000 H100 over 3 years (no interest, no
// maintenance, no colocation) plus its energy at the plan's utilisation (idle 100 W, TDP 700 W,
// PUE 1.5, $0.10/kWh).
TEST_F(PlanTest, OwnedHardwareIsPricedAtEachPlansUtilisation) {
  PlanQuery q = Query(cat_);
  q.pricings = {"owned"};
  const auto plans = Screen(cat_, q, nullptr);
  ASSERT_FALSE(plans.empty());
  const Plan& p = plans.front();
  ASSERT_TRUE(p.meets_slo);
  EXPECT_EQ(p.pricing, "owned");
  const double per_hour = 30'000.0 / (3 * 8760) + (100 + 600 * p.utilization) * 1.5 * 0.10 / 1000;
  EXPECT_NEAR(p.usd_per_hour, per_hour * p.count * p.replicas, 1e-9);
}

// Speculative decoding as a search dimension: every configuration with and without it, and the
// best plan is never dearer for having the option.
TEST_F(PlanTest, SpeculativeDecodingIsSearchedBesidesNone) {
  PlanQuery q = Query(cat_);
  ScreenStats plain_stats, spec_stats;
  const auto plain = Screen(cat_, q, &plain_stats);
  q.spec = perf::SpecDecode{.k = 3, .acceptance = 0.8};
  const auto spec = Screen(cat_, q, &spec_stats);
  EXPECT_EQ(spec_stats.configurations, 2 * plain_stats.configurations);
  EXPECT_LE(spec.front().usd_per_million_output_tokens,
            plain.front().usd_per_million_output_tokens + 1e-12);
  EXPECT_TRUE(std::any_of(spec.begin(), spec.end(), [](const Plan& p) { return p.spec_decode; }));
  EXPECT_TRUE(std::any_of(spec.begin(), spec.end(), [](const Plan& p) { return !p.spec_decode; }));
}

// Static batching as a search dimension: screened besides continuous batching, and never cheaper
// than it here (equal lengths waste no steps, but a static batch's TTFT includes its whole
// prefill).
TEST_F(PlanTest, StaticBatchingIsSearchedBesidesContinuous) {
  PlanQuery q = Query(cat_);
  ScreenStats plain_stats, both_stats;
  const auto plain = Screen(cat_, q, &plain_stats);
  q.static_batching = true;
  const auto both = Screen(cat_, q, &both_stats);
  EXPECT_EQ(both_stats.configurations, 2 * plain_stats.configurations);
  EXPECT_TRUE(
      std::any_of(both.begin(), both.end(), [](const Plan& p) { return p.static_batching; }));
  EXPECT_LE(both.front().usd_per_million_output_tokens,
            plain.front().usd_per_million_output_tokens + 1e-12);
}

// The frontier: sorted by cost, each plan faster than every cheaper one, all meeting targets.
// Disaggregated serving is searched besides unified replicas: each of its plans pairs a prefill
// pool whose TTFT and a decode pool whose TPOT (KV transfer included) meet the targets, sized for
// the peak's requests, priced as the sum of both pools; and a wider search never costs more.
TEST_F(PlanTest, DisaggregatedPoolsEachMeetTheirTarget) {
  PlanQuery q = Query(cat_);
  q.input_tokens = 2000;
  q.output_tokens = 200;
  const std::vector<Plan> unified = Screen(cat_, q, nullptr);
  q.disaggregated = true;
  const std::vector<Plan> both = Screen(cat_, q, nullptr);
  ASSERT_FALSE(unified.empty());
  ASSERT_TRUE(unified.front().meets_slo);
  EXPECT_LE(both.front().usd_per_million_output_tokens,
            unified.front().usd_per_million_output_tokens);
  const double peak_requests = 2e8 / 86400 * 1.5 / 200;
  int disaggregated = 0;
  for (const Plan& p : both) {
    if (!p.prefill) {
      // A unified fleet: replicas × accelerators × the accelerator-hour.
      if (p.meets_slo) {
        EXPECT_NEAR(p.usd_per_hour, p.replicas * p.count * p.usd_per_accelerator_hour,
                    1e-9 * p.usd_per_hour);
      }
      continue;
    }
    ++disaggregated;
    EXPECT_TRUE(p.meets_slo);
    EXPECT_LE(p.ttft_s, q.slo_ttft_s);
    EXPECT_LE(p.tpot_s, q.slo_tpot_s);
    // Each pool serves the peak: replicas × capacity >= requests/s (decode: batch / (199 steps
    // of the decode step, the TPOT less the transfer's share)).
    EXPECT_GE(p.prefill->replicas * p.prefill->requests_per_s, peak_requests * (1 - 1e-9));
    const double step_s = p.tpot_s - p.kv_transfer_s / 199;
    EXPECT_GE(p.replicas * p.concurrency / (199 * step_s), peak_requests * (1 - 1e-6));
    // One fewer replica in either pool would not.
    EXPECT_LT((p.prefill->replicas - 1) * p.prefill->requests_per_s, peak_requests);
    const double fleet =
        p.prefill->replicas * p.prefill->count * p.prefill->usd_per_accelerator_hour +
        p.replicas * p.count * p.usd_per_accelerator_hour;
    EXPECT_NEAR(p.usd_per_hour, fleet, 1e-9 * fleet);
  }
  EXPECT_GT(disaggregated, 0);
}

TEST_F(PlanTest, TheParetoFrontTradesCostForLatency) {
  const auto plans = Screen(cat_, Query(cat_), nullptr);
  const auto front = ParetoFront(plans, 100);
  ASSERT_FALSE(front.empty());
  EXPECT_EQ(front.front(), 0u);  // the cheapest plan is on it
  for (size_t i = 1; i < front.size(); ++i) {
    const Plan& a = plans[front[i - 1]];
    const Plan& b = plans[front[i]];
    EXPECT_GE(b.usd_per_million_output_tokens, a.usd_per_million_output_tokens);
    EXPECT_LT(b.ttft_s + 100 * b.tpot_s, a.ttft_s + 100 * a.tpot_s);
  }
}

TEST(QualityLoss, FromTheCatalogsResults) {
  catalog::Model m;
  m.id = "m";
  catalog::QuantFormat f;
  f.bits = 4;
  f.results = {{.model = "m", .metric = "ppl", .baseline_value = 5, .quantized_value = 5.2},
               {.model = "other",
                .metric = "acc",
                .higher_is_better = true,
                .baseline_value = 80,
                .quantized_value = 60}};
  auto q = QualityLossOf(f, m);
  ASSERT_TRUE(q.known);
  EXPECT_NEAR(q.loss, 0.04, 1e-12);  // its own model's result: 5 → 5.2 perplexity
  m.id = "third";
  EXPECT_NEAR(QualityLossOf(f, m).loss, 0.25, 1e-12);  // the worst of all: 80 → 60 accuracy
  f.results.clear();
  EXPECT_FALSE(QualityLossOf(f, m).known);
  f.bits = 16;
  EXPECT_TRUE(QualityLossOf(f, m).known);
}

}  // namespace
}  // namespace pertoken::search

namespace pertoken::cli {
namespace {

using ::testing::HasSubstr;
using PlanCommandTest = testing::FixtureCatalogTest;

// The --json answer of `pertoken plan` for `o`.
nlohmann::json PlanJsonOf(const catalog::Catalog& cat, PlanOptions o) {
  o.json = true;
  std::ostringstream out, err;
  EXPECT_EQ(RunPlan(cat, o, out, err), kExitOk) << err.str();
  return nlohmann::json::parse(out.str());
}

// `fleet` replayed by `pertoken simulate --json` at the peak of `o`'s traffic: ten minutes of
// Poisson arrivals with a random stream of its own (seed 7; the planner's is 1).
nlohmann::json SimulatePeakJson(const catalog::Catalog& cat, const PlanOptions& o,
                                std::vector<ReplicaGroupOptions> fleet) {
  SimulateOptions s;
  s.fleet = std::move(fleet);
  const double rate =
      *o.output_tokens_per_day / static_cast<double>(*o.output_tokens) / 86400 * o.peak_to_mean;
  s.workload.arrivals = fmt::format("poisson:rate={}", rate);
  s.workload.lengths = fmt::format("fixed:in={},out={}", *o.input_tokens, *o.output_tokens);
  s.workload.duration_s = 600;
  s.workload.seed = 7;
  s.json = true;
  std::ostringstream out, err;
  EXPECT_EQ(RunSimulate(cat, s, out, err), kExitOk) << err.str();
  return nlohmann::json::parse(out.str());
}

// A plan the simulator verified meets its p99 targets when `pertoken simulate` replays the same
// fleet under the same peak with its own random stream (within 10%: another sample of arrivals).
TEST_F(PlanCommandTest, AVerifiedPlanMeetsItsTargetsInSimulate) {
  PlanOptions o{.model = "llama-2-7b",
                .input_tokens = 500,
                .output_tokens = 100,
                .slo_ttft_s = 1,
                .slo_tpot_s = 0.03,
                .output_tokens_per_day = 2e8,
                .peak_to_mean = 1.5,
                .verify = 2};
  const auto j = PlanJsonOf(cat_, o);
  ASSERT_FALSE(j["verified"].empty());
  const auto& v = j["verified"][0];
  ASSERT_TRUE(v["ok"].get<bool>()) << v["error"];
  const auto& p = j["plans"][v["plan"].get<size_t>()];
  ReplicaGroupOptions g;
  g.deployment.model = "llama-2-7b";
  g.deployment.accelerator = p["accelerator"];
  g.deployment.count = p["count"].get<int>();
  g.deployment.tp = p["tp"].get<int>();
  g.deployment.weights = p["weights"];
  g.deployment.kv = p["kv"];
  g.replicas = v["replicas"].get<int>();
  g.max_num_seqs = static_cast<int64_t>(p["concurrency"].get<double>());
  const auto sim = SimulatePeakJson(cat_, o, {g});
  EXPECT_LE(sim["ttft_p99_s"].get<double>(), 1.1 * 1);
  EXPECT_LE(sim["tpot_p99_s"].get<double>(), 1.1 * 0.03);
  // The plan's utilisation over its replay (ten one-minute intervals of the peak): requests in
  // flight per slot, which by Little's law is what simulate's mean in system gives on its own
  // random stream of the same traffic, over the replicas' slots.
  const auto occupancy = v["occupancy"].get<std::vector<double>>();
  ASSERT_GE(occupancy.size(), 10u);
  EXPECT_DOUBLE_EQ(v["occupancy_interval_s"].get<double>(), 60);
  double sum = 0;
  for (double b : occupancy) {
    EXPECT_GE(b, 0);
    EXPECT_LE(b, 1 + 1e-9);  // admission never passes the slots
    sum += b;
  }
  const double simulated = sim["mean_requests_in_system"].get<double>() /
                           (v["replicas"].get<double>() * p["concurrency"].get<double>());
  EXPECT_NEAR(sum / static_cast<double>(occupancy.size()), simulated, 0.15 * simulated);
}

// A disaggregated plan the simulator verified meets its p99 targets when `pertoken simulate`
// replays its two pools with another random stream of the same traffic.
TEST_F(PlanCommandTest, AVerifiedDisaggregatedPlanMeetsItsTargetsInSimulate) {
  PlanOptions o{.model = "llama-2-7b",
                .input_tokens = 2000,
                .output_tokens = 200,
                .slo_ttft_s = 1,
                .slo_tpot_s = 0.03,
                .output_tokens_per_day = 2e8,
                .peak_to_mean = 1.5,
                .disaggregate = true,
                .verify = 20};
  const auto j = PlanJsonOf(cat_, o);
  const nlohmann::json* found = nullptr;
  for (const auto& v : j["verified"]) {
    if (v["ok"].get<bool>() && !j["plans"][v["plan"].get<size_t>()]["prefill"].is_null()) {
      found = &v;
      break;
    }
  }
  ASSERT_NE(found, nullptr) << "no disaggregated plan among the verified ones";
  const auto& v = *found;
  const auto& p = j["plans"][v["plan"].get<size_t>()];
  const auto& f = p["prefill"];
  ReplicaGroupOptions prefill, decode;
  prefill.deployment.model = decode.deployment.model = "llama-2-7b";
  prefill.deployment.weights = decode.deployment.weights = p["weights"];
  prefill.deployment.kv = decode.deployment.kv = p["kv"];
  prefill.deployment.accelerator = f["accelerator"];
  prefill.deployment.tp = f["tp"].get<int>();
  prefill.replicas = v["prefill_replicas"].get<int>();
  prefill.role = "prefill";
  decode.deployment.accelerator = p["accelerator"];
  decode.deployment.tp = p["tp"].get<int>();
  decode.replicas = v["replicas"].get<int>();
  decode.max_num_seqs = static_cast<int64_t>(p["concurrency"].get<double>());
  decode.role = "decode";
  const auto sim = SimulatePeakJson(cat_, o, {prefill, decode});
  EXPECT_LE(sim["ttft_p99_s"].get<double>(), 1.1 * 1);
  EXPECT_LE(sim["tpot_p99_s"].get<double>(), 1.1 * 0.03);
}

// On a space small enough to replay every configuration in the simulator, the planner's
// recommendation is the exhaustive optimum: the screen discards no configuration that the
// simulator would have found cheaper. Space: llama-2-7b on 1 or 2 H100s, every layout, weight
// and KV format the quality limit allows, on-demand.
TEST_F(PlanCommandTest, TheRecommendationIsTheExhaustiveOptimum) {
  PlanOptions o{.model = "llama-2-7b",
                .input_tokens = 500,
                .output_tokens = 100,
                .slo_ttft_s = 1,
                .slo_tpot_s = 0.03,
                .output_tokens_per_day = 2e7,
                .peak_to_mean = 1.5,
                .max_quality_loss = 0.99,  // every format with a published result
                .accelerators = {"h100-sxm"},
                .max_count = 2,
                .verify = 1000,
                .json = true};
  std::ostringstream out, err;
  ASSERT_EQ(RunPlan(cat_, o, out, err), kExitOk) << err.str();
  const auto j = nlohmann::json::parse(out.str());
  ASSERT_TRUE(j["verified"][0]["ok"].get<bool>());
  const double planned = j["verified"][0]["usd_per_million_output_tokens"].get<double>();

  // Exhaustively: every configuration, sized by the simulator on p99, whatever the screen said.
  double best = 1e300;
  int evaluated = 0;
  // The space is the formats whose quality the catalog knows within the limit (the planner's
  // definition of its space); every layout and count of it is replayed.
  const catalog::Model& model = **cat_.FindModel("llama-2-7b");
  auto allowed = [&](const catalog::QuantFormat& f) {
    const auto q = search::QualityLossOf(f, model);
    return q.known && q.loss <= 0.99;
  };
  for (const auto& f : cat_.quant_formats()) {
    if (!f.for_weights || !allowed(f)) continue;
    for (const auto& k : cat_.quant_formats()) {
      if (!k.for_kv || !allowed(k)) continue;
      for (int count : {1, 2}) {
        for (int tp : {1, 2}) {
          for (int pp : {1, 2}) {
            if (tp * pp != count) continue;
            CostOptions c;
            c.deployment = {.model = "llama-2-7b",
                            .accelerator = "h100-sxm",
                            .weights = f.id,
                            .kv = k.id,
                            .count = count,
                            .tp = tp,
                            .pp = pp};
            c.input_tokens = 500;
            c.output_tokens = 100;
            c.slo_ttft_s = 1;
            c.slo_tpot_s = 0.03;
            c.output_tokens_per_day = 2e7;
            c.peak_to_mean = 1.5;
            c.sizing = "simulate";
            c.slo_statistic = "p99";
            auto rep = EvaluateCost(cat_, c);
            if (!rep.ok()) continue;  // does not fit, or no fleet meets the targets
            ++evaluated;
            for (const auto& opt : rep->options) {
              if (opt.pricing == "on_demand") {
                best = std::min(best, opt.spend.usd_per_million_output_tokens);
              }
            }
          }
        }
      }
    }
  }
  EXPECT_GT(evaluated, 3);
  EXPECT_NEAR(planned, best, 1e-9);
}

// --report writes one self-contained page: the charting library inside it, nothing fetched, the
// plans as data for the charts.
TEST_F(PlanCommandTest, TheHtmlReportIsSelfContained) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "pertoken-plan-report.html").string();
  PlanOptions o{.model = "llama-2-7b",
                .input_tokens = 500,
                .output_tokens = 100,
                .slo_ttft_s = 1,
                .slo_tpot_s = 0.03,
                .output_tokens_per_day = 2e7,
                .verify = 2,
                .report_html = path};
  std::ostringstream out, err;
  ASSERT_EQ(RunPlan(cat_, o, out, err), kExitOk) << err.str();
  std::ifstream in(path);
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  EXPECT_THAT(page, HasSubstr("Chart.js v4"));  // the library, embedded
  EXPECT_EQ(page.find("<script src"), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_EQ(std::count(page.begin(), page.end(), '\0'), 0);
  for (const char* id : {"id=\"pareto\"", "id=\"cost\"", "id=\"latency\""}) {
    EXPECT_THAT(page, HasSubstr(id));
  }
  const size_t start = page.find("window.PLAN = ");
  ASSERT_NE(start, std::string::npos);
  const size_t end = page.find(";</script>", start);
  std::string json = page.substr(start + 14, end - start - 14);
  for (size_t i = json.find("<\\/"); i != std::string::npos; i = json.find("<\\/", i)) {
    json.replace(i, 3, "</");
  }
  const auto data = nlohmann::json::parse(json);
  EXPECT_FALSE(data["plans"].empty());
  EXPECT_EQ(data["verified"].size(), 2u);
  EXPECT_GT(data["verified"][0]["ttft_p99_s"].get<double>(), 0);
}

TEST_F(PlanCommandTest, JsonNamesTheDocumentedKeysAndBadInputIsOneMessage) {
  PlanOptions o{.model = "llama-2-7b",
                .input_tokens = 500,
                .output_tokens = 100,
                .slo_ttft_s = 1,
                .slo_tpot_s = 0.03,
                .output_tokens_per_day = 2e8,
                .json = true};
  const auto j = PlanJsonOf(cat_, o);
  for (const char* key : {"usd_per_million_output_tokens", "monthly_usd", "accelerator", "count",
                          "replicas", "meets_slo"}) {
    EXPECT_TRUE(j["plans"][0].contains(key)) << key;
  }
  // CSV: a header and one row per plan, the first the JSON's first.
  PlanOptions csv = o;
  csv.json = false;
  csv.csv = true;
  std::ostringstream csv_out, csv_err;
  ASSERT_EQ(RunPlan(cat_, csv, csv_out, csv_err), kExitOk);
  const std::string text = csv_out.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1 + static_cast<long>(j["plans"].size()));
  EXPECT_THAT(text,
              HasSubstr(fmt::format("\n1,{},{},", j["plans"][0]["accelerator"].get<std::string>(),
                                    j["plans"][0]["count"].get<int>())));
  // How the answer moves: twice the traffic never costs less per hour, looser targets never more.
  ASSERT_EQ(j["what_if"].size(), 2u);
  EXPECT_THAT(j["what_if"][0].get<std::string>(), HasSubstr("traffic doubled"));
  EXPECT_THAT(j["what_if"][1].get<std::string>(), HasSubstr("targets relaxed by half"));
  struct Case {
    std::function<void(PlanOptions*)> edit;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](PlanOptions* p) { p->model = "llama-70"; }, "--model: unknown model"},
      {[](PlanOptions* p) { p->output_tokens_per_day.reset(); }, "give the traffic"},
      {[](PlanOptions* p) { p->max_quality_loss = 1.5; }, "--max-quality-loss is a fraction"},
      {[](PlanOptions* p) { p->slo_tpot_s = -1; }, "--slo-tpot must be a number > 0"},
      {[](PlanOptions* p) { p->pricings = {"barter"}; }, "--pricing 'barter'"},
      {[](PlanOptions* p) { p->providers = {"nowhere"}; }, "--provider: unknown provider"},
      {[](PlanOptions* p) { p->providers = {"othercloud"}; },
       "no accelerator searched has a price under on_demand from othercloud"},
      {[](PlanOptions* p) {
         p->model = "llama-2-70b";
         p->max_count = 1;
         p->accelerators = {"h100-sxm"};
       },
       "llama-2-70b fits on none of the 1 accelerator searched with up to 1 of them"},
      {[](PlanOptions* p) { p->accelerators = {"a100-sxm-80gb"}; },  // the fixture prices no A100
       "no accelerator searched has a price under on_demand"},
      {[](PlanOptions* p) {
         p->disaggregate = true;
         p->output_tokens = 1;
       },
       "--disaggregate needs outputs of at least 2 tokens"},
  };
  for (const auto& c : cases) {
    PlanOptions p = o;
    c.edit(&p);
    std::ostringstream o2, e2;
    EXPECT_EQ(RunPlan(cat_, p, o2, e2), kExitFailure) << c.message;
    EXPECT_THAT(e2.str(), HasSubstr(c.message));
  }
  // Targets nothing meets: the closest plans, what each misses by, exit 1.
  PlanOptions tight = o;
  tight.json = false;
  tight.slo_tpot_s = 1e-4;
  std::ostringstream o3, e3;
  EXPECT_EQ(RunPlan(cat_, tight, o3, e3), kExitFailure);
  EXPECT_THAT(o3.str(), HasSubstr("No configuration meets the targets"));
  EXPECT_THAT(o3.str(), HasSubstr("misses: TPOT"));
}

}  // namespace
}  // namespace pertoken::cli
