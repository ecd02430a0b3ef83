#include <gtest/gtest.h>

#include <cmath>
#include <list>
#include <map>

#include "perf/serving.h"
#include "sim/simulator.h"
#include "test_util.h"
#include "workload/random.h"
#include "workload/trace.h"

namespace pertoken::sim {
namespace {

class SimTest : public testing::FixtureCatalogTest {
 protected:
  ReplicaSpec Replica(const char* model = "llama-2-7b", const char* acc = "h100-sxm", int tp = 1) {
    return {.deployment = Deploy(model, acc, tp)};
  }

  // Poisson arrivals at `rate` per second with lengths drawn uniformly around the means.
  static std::vector<workload::Request> Poisson(int n, double rate, int64_t in, int64_t out,
                                                uint64_t seed = 7) {
    workload::Rng rng(seed);
    std::vector<workload::Request> rs;
    double t = 0;
    for (int i = 0; i < n; ++i) {
      t += rng.Exponential(1 / rate);
      rs.push_back({.arrival_s = t,
                    .input_tokens = in / 2 + static_cast<int64_t>(rng.Index(in)),
                    .output_tokens = 1 + static_cast<int64_t>(rng.Index(2 * out))});
    }
    return rs;
  }
};

// A lone request takes exactly the modelled prefill plus one decode step per further token, each
// at its own context length.
TEST_F(SimTest, ALoneRequestTakesItsPrefillAndDecodeSteps) {
  FleetSpec fleet{.replicas = {Replica()}};
  const int64_t in = 1000, out = 20;
  std::vector<RequestRecord> records;
  auto r = Simulate(fleet, {{.arrival_s = 2.0, .input_tokens = in, .output_tokens = out}},
                    {.on_request = [&](const RequestRecord& rec) { records.push_back(rec); }});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(records.size(), 1u);
  const perf::Deployment& d = fleet.replicas[0].deployment;
  const double per_request = d.engine->per_request_s;
  const double prefill =
      perf::PredictStep(d, {.prefill_sequences = 1, .prefill_tokens = in}).total_s;
  double decode = 0;
  for (int64_t k = 0; k < out - 1; ++k) {
    decode +=
        perf::PredictStep(d, {.decode_sequences = 1, .decode_context = static_cast<double>(in + k)})
            .total_s;
  }
  EXPECT_NEAR(records[0].ttft_s(), per_request + prefill, 1e-9);
  EXPECT_NEAR(records[0].e2e_s(), per_request + prefill + decode, 1e-9);
  EXPECT_NEAR(records[0].tpot_s(), decode / (out - 1), 1e-12);
  EXPECT_EQ(r->replicas[0].steps, out);
  // Inter-token latencies: one gap per decode step; the longest is the last (longest context).
  EXPECT_EQ(r->itl.count(), out - 1);
  EXPECT_NEAR(r->itl.mean(), decode / (out - 1), 1e-12);
  const double last = perf::PredictStep(d, {.decode_sequences = 1,
                                            .decode_context = static_cast<double>(in + out - 2)})
                          .total_s;
  EXPECT_NEAR(records[0].max_itl_s, last, 1e-12);
}

// Every request completes exactly once and the tokens add up.
TEST_F(SimTest, EveryRequestCompletesOnce) {
  const auto requests = Poisson(3000, 20, 800, 150);
  FleetSpec fleet{.replicas = {Replica(), Replica()}};
  std::map<int64_t, int> seen;
  int64_t out = 0, in = 0;
  auto r = Simulate(fleet, requests, {.on_request = [&](const RequestRecord& rec) {
                      ++seen[rec.index];
                      EXPECT_GE(rec.first_token_s, rec.scheduled_s);
                      EXPECT_GE(rec.scheduled_s, rec.arrival_s);
                      EXPECT_GE(rec.finish_s, rec.first_token_s);
                    }});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(seen.size(), requests.size());
  for (const auto& [index, times] : seen) EXPECT_EQ(times, 1) << index;
  for (const auto& q : requests) {
    in += q.input_tokens;
    out += q.output_tokens;
  }
  EXPECT_EQ(r->completed_requests, 3000);
  EXPECT_EQ(r->output_tokens, out);
  EXPECT_EQ(r->input_tokens, in);
}

// Little's law on the simulated averages: the time-average number of requests in the fleet
// (counted event by event) equals the arrival rate times the mean time a request spends in it.
TEST_F(SimTest, LittlesLawHolds) {
  const auto requests = Poisson(4000, 15, 600, 200);
  FleetSpec fleet{.replicas = {Replica(), Replica()}};
  auto r = Simulate(fleet, requests);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const double span = r->duration_s();
  const double in_system = r->request_seconds / span;
  const double lambda = static_cast<double>(requests.size()) / span;
  EXPECT_GT(in_system, 1);
  EXPECT_NEAR(in_system, lambda * r->e2e.mean(), 1e-6 * in_system);
}

TEST_F(SimTest, SameInputSameResult) {
  const auto requests = Poisson(2000, 30, 500, 100);
  FleetSpec fleet{.replicas = {Replica(), Replica()}};
  auto a = Simulate(fleet, requests);
  auto b = Simulate(fleet, requests);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->end_s, b->end_s);
  EXPECT_EQ(a->ttft.Quantile(0.99), b->ttft.Quantile(0.99));
  EXPECT_EQ(a->replicas[1].steps, b->replicas[1].steps);
}

// Iteration-level batching lets short requests leave and new ones join: on the same hardware and
// load it finishes sooner and answers faster than static batches.
TEST_F(SimTest, ContinuousBatchingBeatsStatic) {
  // The first 2,000 requests of the Azure 2023 conversation trace (its real arrivals, about six
  // minutes) on Llama-3.1-70B on 4 x H100, batched at the iteration level or in static batches.
  auto trace =
      workload::ReadTrace(std::string(PERTOKEN_SHIPPED_DATA) + "/../traces/azure2023_conv.csv");
  ASSERT_TRUE(trace.ok()) << trace.status().message();
  const std::vector<workload::Request> requests(trace->requests.begin(),
                                                trace->requests.begin() + 2000);
  FleetSpec continuous{.replicas = {Replica("llama-3.1-70b", "h100-sxm", 4)}};
  FleetSpec fixed = continuous;
  fixed.replicas[0].batching = Batching::kStatic;
  auto c = Simulate(continuous, requests);
  auto s = Simulate(fixed, requests);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->completed_requests, 2000);
  EXPECT_LT(c->e2e.mean(), s->e2e.mean());
  EXPECT_LT(c->ttft.Quantile(0.99), s->ttft.Quantile(0.99));
  EXPECT_LE(c->end_s, s->end_s);
}

// Merging runs of identical decode steps into one event changes nothing but the speed.
TEST_F(SimTest, MergedDecodeStepsMatchStepping) {
  const auto requests = Poisson(1500, 12, 700, 300);
  FleetSpec fleet{.replicas = {Replica(), Replica()}};
  std::map<int64_t, RequestRecord> merged, stepped;
  auto a = Simulate(fleet, requests,
                    {.on_request = [&](const RequestRecord& r) { merged[r.index] = r; }});
  auto b = Simulate(
      fleet, requests,
      {.on_request = [&](const RequestRecord& r) { stepped[r.index] = r; }, .exact_steps = true});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_LT(a->events, b->events / 2);  // the point of merging
  ASSERT_EQ(merged.size(), stepped.size());
  for (const auto& [i, m] : merged) {
    const RequestRecord& s = stepped.at(i);
    EXPECT_EQ(m.replica, s.replica) << i;
    EXPECT_NEAR(m.first_token_s, s.first_token_s, 1e-9 * s.first_token_s) << i;
    EXPECT_NEAR(m.finish_s, s.finish_s, 1e-9 * s.finish_s) << i;
  }
  EXPECT_EQ(a->replicas[0].steps, b->replicas[0].steps);
  EXPECT_EQ(a->replicas[1].preemptions, b->replicas[1].preemptions);
  EXPECT_EQ(a->itl.count(), b->itl.count());
  EXPECT_NEAR(a->itl.mean(), b->itl.mean(), 1e-9 * b->itl.mean());
  for (const auto& [i, m] : merged) {
    EXPECT_NEAR(m.max_itl_s, stepped.at(i).max_itl_s, 1e-9 * m.max_itl_s) << i;
  }
}

// The step samples account for every step and every second of busy time.
TEST_F(SimTest, StepSamplesAddUpToTheReplicaStats) {
  const auto requests = Poisson(800, 10, 500, 100);
  FleetSpec fleet{.replicas = {Replica(), Replica()}};
  std::vector<double> busy(2, 0);
  std::vector<int64_t> steps(2, 0);
  auto r = Simulate(fleet, requests, {.on_step = [&](const StepSample& s) {
                      busy[s.replica] += s.duration_s;
                      steps[s.replica] += s.steps;
                      EXPECT_LE(s.kv_blocks_used, s.kv_blocks);
                    }});
  ASSERT_TRUE(r.ok());
  for (int i = 0; i < 2; ++i) {
    EXPECT_NEAR(busy[i], r->replicas[i].busy_s, 1e-9 * busy[i]);
    EXPECT_EQ(steps[i], r->replicas[i].steps);
  }
}

// Idle replicas tie on outstanding work; the router takes turns among ties instead of sending
// every request of a light load to the first replica.
TEST_F(SimTest, TiesTakeTurns) {
  const auto requests = Poisson(400, 0.2, 100, 10);  // each done long before the next arrives
  FleetSpec fleet{.replicas = {Replica(), Replica()}};
  auto r = Simulate(fleet, requests);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->replicas[0].completed, 200);
  EXPECT_EQ(r->replicas[1].completed, 200);
}

// More replicas never raise p99 TTFT under the same load.
TEST_F(SimTest, MoreReplicasNeverRaiseTailLatency) {
  const auto requests = Poisson(3000, 40, 800, 120);
  double previous = INFINITY;
  for (int n = 1; n <= 4; ++n) {
    FleetSpec fleet;
    for (int i = 0; i < n; ++i) fleet.replicas.push_back(Replica());
    auto r = Simulate(fleet, requests);
    ASSERT_TRUE(r.ok()) << r.status().message();
    const double p99 = r->ttft.Quantile(0.99);
    EXPECT_LE(p99, previous * 1.001) << n << " replicas";
    previous = p99;
  }
}

// A pool too small for every running sequence's growth preempts the newest and recomputes them;
// every request still completes with all its tokens.
TEST_F(SimTest, PreemptionRecomputesAndCompletes) {
  std::vector<workload::Request> burst;
  for (int i = 0; i < 400; ++i) {
    burst.push_back({.arrival_s = 0, .input_tokens = 200, .output_tokens = 3000});
  }
  FleetSpec fleet{.replicas = {Replica("llama-2-70b", "h100-sxm", 2)}};
  fleet.replicas[0].max_num_seqs = 1024;
  fleet.replicas[0].kv_watermark = 0;
  int64_t out = 0;
  auto r = Simulate(fleet, burst,
                    {.on_request = [&](const RequestRecord& rec) { out += rec.output_tokens; }});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_GT(r->replicas[0].preemptions, 0);
  EXPECT_EQ(out, 400 * 3000);
  EXPECT_LE(r->replicas[0].peak_kv_blocks, r->replicas[0].kv_blocks);
}

// With prefix caching a preempted request's full blocks stay cached as it leaves (vLLM frees them
// to the evictable end of its free queue): on its return only what was evicted meanwhile, and the
// partly filled last entry, are computed again. Without caching the whole prompt and output so far
// is. The same burst as above, with and without caching.
TEST_F(SimTest, PreemptedRequestsResumeFromTheirCachedBlocks) {
  std::vector<workload::Request> burst;
  for (int i = 0; i < 400; ++i) {
    burst.push_back({.arrival_s = 0, .input_tokens = 200, .output_tokens = 3000});
  }
  FleetSpec on{.replicas = {Replica("llama-2-70b", "h100-sxm", 2)}};
  on.replicas[0].max_num_seqs = 1024;
  on.replicas[0].kv_watermark = 0;
  FleetSpec off = on;
  on.replicas[0].prefix_caching = 1;
  off.replicas[0].prefix_caching = 0;
  auto with = Simulate(on, burst);
  auto without = Simulate(off, burst);
  ASSERT_TRUE(with.ok()) << with.status().message();
  ASSERT_TRUE(without.ok()) << without.status().message();
  const ReplicaStats& w = with->replicas[0];
  const ReplicaStats& wo = without->replicas[0];
  ASSERT_GT(w.preemptions, 0);
  ASSERT_GT(wo.preemptions, 0);
  const double input = 400.0 * 200;
  EXPECT_EQ(wo.cached_prompt_tokens, 0);
  // Every token computed is either new input or recomputed; the cache supplies the rest.
  EXPECT_GT(w.cached_prompt_tokens, 0);
  const double recomputed_with = w.prefill_tokens - input;
  const double recomputed_without = wo.prefill_tokens - input;
  EXPECT_GT(recomputed_without, 0);
  // Per preemption: without caching a victim recomputes all it held (at least its 200-token
  // prompt); with caching at most its last, partly filled entry of 512 tokens unless evicted.
  EXPECT_GE(recomputed_without / static_cast<double>(wo.preemptions), 200);
  EXPECT_LT(recomputed_with / static_cast<double>(w.preemptions),
            recomputed_without / static_cast<double>(wo.preemptions));
  EXPECT_LT(with->duration_s(), without->duration_s());
}

// SGLang's admission holds back `ratio` × every running request's remaining output: at a ratio of
// 1 the pool always has room for every admitted request to finish, so nothing is ever preempted,
// where the same burst admitted on prompts alone preempts.
TEST_F(SimTest, ReservingTheOutputsAvoidsPreemption) {
  std::vector<workload::Request> burst;
  for (int i = 0; i < 400; ++i) {
    burst.push_back({.arrival_s = 0, .input_tokens = 200, .output_tokens = 3000});
  }
  catalog::Engine reserving = **cat_.FindEngine("vllm");
  reserving.reserve_ratio_start = reserving.reserve_ratio_min = 1;
  FleetSpec plain{.replicas = {Replica("llama-2-70b", "h100-sxm", 2)}};
  plain.replicas[0].max_num_seqs = 1024;
  plain.replicas[0].kv_watermark = 0;
  FleetSpec reserved = plain;
  reserved.replicas[0].deployment.engine = &reserving;
  int64_t out = 0;
  auto r = Simulate(reserved, burst,
                    {.on_request = [&](const RequestRecord& rec) { out += rec.output_tokens; }});
  auto p = Simulate(plain, burst);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_GT(p->replicas[0].preemptions, 0);
  EXPECT_EQ(r->replicas[0].preemptions, 0);
  EXPECT_EQ(out, 400 * 3000);
}

// Prefill-first scheduling (SGLang): a step computes prompts or decodes, never both, so a burst
// that fits at once has every prompt computed (every first token out) before the first decode
// step; decode-first scheduling (vLLM) starts decoding the first prompts while later ones wait.
TEST_F(SimTest, PrefillFirstStepsNeverMixPromptsAndDecodes) {
  std::vector<workload::Request> burst;
  for (int i = 0; i < 64; ++i) {
    burst.push_back({.arrival_s = 0, .input_tokens = 1000, .output_tokens = 50});
  }
  catalog::Engine prefill_first = **cat_.FindEngine("vllm");
  prefill_first.prefill_first = true;
  FleetSpec decode{.replicas = {Replica("llama-2-7b", "h100-sxm")}};
  FleetSpec prefill = decode;
  prefill.replicas[0].deployment.engine = &prefill_first;
  for (const FleetSpec* fleet : {&prefill, &decode}) {
    const bool first = fleet == &prefill;
    int64_t mixed = 0;
    double first_decode_s = -1, last_first_token_s = 0;
    auto r = Simulate(*fleet, burst,
                      {.on_request =
                           [&](const RequestRecord& rec) {
                             last_first_token_s = std::max(last_first_token_s, rec.first_token_s);
                           },
                       .on_step =
                           [&](const StepSample& s) {
                             if (s.prefill_tokens > 0 && s.decode_sequences > 0) ++mixed;
                             if (s.decode_sequences > 0 && first_decode_s < 0) {
                               first_decode_s = s.start_s;
                             }
                           }});
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_EQ(r->replicas[0].preemptions, 0);
    ASSERT_GE(first_decode_s, 0);
    if (first) {
      EXPECT_EQ(mixed, 0);
      EXPECT_LE(last_first_token_s, first_decode_s + 1e-12);
    } else {
      EXPECT_GT(mixed, 0);
      EXPECT_GT(last_first_token_s, first_decode_s);
    }
  }
}

// The first 1,500 requests of the shipped Mooncake conversation trace with prompts up to 32K
// tokens, outputs capped at 64 tokens (keeps the tests quick); empty if the file cannot be read.
std::vector<workload::Request> MooncakeConversations() {
  auto trace = workload::ReadTrace(std::string(PERTOKEN_SHIPPED_DATA) +
                                   "/../traces/mooncake_fast25_conversation.csv");
  std::vector<workload::Request> requests;
  if (!trace.ok()) return requests;
  for (const auto& r : trace->requests) {
    if (requests.size() == 1500) break;
    if (r.input_tokens > 32768) continue;
    requests.push_back(r);
    requests.back().output_tokens = std::min<int64_t>(r.output_tokens, 64);
  }
  return requests;
}

// Prefix caching saves the prompt work the Mooncake conversation trace shares: a request reuses
// the leading run of its block ids still cached (its last prompt token is always computed).
// Checked against two independent replays of the ids alone: with an unbounded cache (the trace's
// shared-prefix ratio, which no finite pool beats) and with a least-recently-used cache as large
// as the replica's whole KV pool (which running requests also use, so the replica saves a little
// less).
double SharedPrefixRatio(const std::vector<workload::Request>& requests, size_t capacity) {
  std::list<uint64_t> lru;
  std::map<uint64_t, std::list<uint64_t>::iterator> where;
  double shared = 0, input = 0;
  for (const auto& r : requests) {
    const auto& ids = r.prefix_blocks;
    const int64_t most = (r.input_tokens - 1) / workload::kPrefixBlockTokens;
    int64_t run = 0;
    while (run < most && run < static_cast<int64_t>(ids.size()) && where.count(ids[run])) ++run;
    shared += static_cast<double>(run * workload::kPrefixBlockTokens);
    input += static_cast<double>(r.input_tokens);
    for (int64_t i = 0; i < r.input_tokens / workload::kPrefixBlockTokens; ++i) {
      if (auto it = where.find(ids[i]); it != where.end()) lru.erase(it->second);
      where[ids[i]] = lru.insert(lru.end(), ids[i]);
      if (lru.size() > capacity) {
        where.erase(lru.front());
        lru.pop_front();
      }
    }
  }
  return shared / input;
}

TEST_F(SimTest, PrefixCachingSavesTheSharedPrefixes) {
  const std::vector<workload::Request> requests = MooncakeConversations();
  ASSERT_EQ(requests.size(), 1500u);
  double input = 0;
  for (const auto& r : requests) input += static_cast<double>(r.input_tokens);
  const double unbounded = SharedPrefixRatio(requests, SIZE_MAX);
  ASSERT_GT(unbounded, 0.2);  // the trace does share prefixes

  FleetSpec on{.replicas = {Replica("llama-3.1-70b", "h200-sxm", 4)}};
  FleetSpec off = on;
  on.replicas[0].prefix_caching = 1;
  off.replicas[0].prefix_caching = 0;
  auto with = Simulate(on, requests);
  auto without = Simulate(off, requests);
  ASSERT_TRUE(with.ok()) << with.status().message();
  ASSERT_TRUE(without.ok()) << without.status().message();
  const ReplicaStats& w = with->replicas[0];
  EXPECT_EQ(without->replicas[0].cached_prompt_tokens, 0);
  EXPECT_NEAR(without->replicas[0].prefill_tokens, input, 1e-6 * input);  // nothing preempted
  const double saved = 1 - w.prefill_tokens / without->replicas[0].prefill_tokens;
  EXPECT_NEAR(saved, w.cached_prompt_tokens / input, 1e-9);
  const size_t pool_entries =
      static_cast<size_t>(w.kv_blocks * w.block_tokens / workload::kPrefixBlockTokens);
  const double lru = SharedPrefixRatio(requests, pool_entries);
  EXPECT_GT(saved, 0.7 * lru) << "LRU replay " << lru;
  EXPECT_LE(saved, lru * 1.05);
  EXPECT_LE(saved, unbounded);
  EXPECT_LT(with->ttft.mean(), without->ttft.mean());
}

// Speculative decoding: each step emits the drafted tokens accepted in a row plus one, so a long
// lone request needs (output - 1) / E steps after its prefill, E = (1 - a^(k+1)) / (1 - a).
TEST_F(SimTest, SpeculationEmitsTheExpectedTokensPerStep) {
  FleetSpec fleet{.replicas = {Replica()}};
  fleet.replicas[0].spec = perf::SpecDecode{.k = 4, .acceptance = 0.7};
  const int64_t out = 3001;
  const std::vector<workload::Request> one = {
      {.arrival_s = 0, .input_tokens = 100, .output_tokens = out}};
  auto r = Simulate(fleet, one);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const double e = (1 - std::pow(0.7, 5)) / (1 - 0.7);
  EXPECT_NEAR(static_cast<double>(r->replicas[0].steps - 1), (out - 1) / e, 0.05 * (out - 1) / e);
  EXPECT_EQ(r->output_tokens, out);  // the last step emits no more than the request wants
  // Cheap heads and a high acceptance beat plain decoding on TPOT.
  FleetSpec plain{.replicas = {Replica()}};
  auto p = Simulate(plain, one);
  ASSERT_TRUE(p.ok());
  EXPECT_LT(r->tpot.mean(), p->tpot.mean());
  // The draws follow the seed.
  auto again = Simulate(fleet, one);
  auto other = Simulate(fleet, one, {.seed = 2});
  EXPECT_EQ(again->replicas[0].steps, r->replicas[0].steps);
  EXPECT_NE(other->replicas[0].steps, r->replicas[0].steps);
}

// Disaggregated serving: the decode replica starts once the prompt's KV cache has crossed the
// link, so a lone request ends exactly one transfer (KV bytes per token x prompt / bandwidth)
// later than on a unified replica of the same deployment; its first token does not move.
TEST_F(SimTest, DisaggregationAddsTheKvTransfer) {
  const int64_t in = 2000, out = 50;
  const std::vector<workload::Request> one = {
      {.arrival_s = 0, .input_tokens = in, .output_tokens = out}};
  FleetSpec unified{.replicas = {Replica()}};
  FleetSpec split{.replicas = {Replica(), Replica()}, .kv_transfer_bytes_per_s = 25e9};
  split.replicas[0].role = Role::kPrefill;
  split.replicas[1].role = Role::kDecode;
  RequestRecord u, d;
  ASSERT_TRUE(Simulate(unified, one, {.on_request = [&](const RequestRecord& r) { u = r; }}).ok());
  auto r = Simulate(split, one, {.on_request = [&](const RequestRecord& rec) { d = rec; }});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const perf::Deployment& dep = split.replicas[0].deployment;
  const double kv_per_token = perf::Fit(perf::FitRequestFor(dep, in + out)).kv_bytes_per_token;
  EXPECT_GT(kv_per_token, 0);
  const double transfer = kv_per_token * in / 25e9;
  EXPECT_NEAR(d.ttft_s(), u.ttft_s(), 1e-12);
  EXPECT_NEAR(d.e2e_s(), u.e2e_s() + transfer, 1e-9);
  EXPECT_EQ(d.replica, 1);
  EXPECT_EQ(d.prefill_replica, 0);
  EXPECT_EQ(u.prefill_replica, -1);
  EXPECT_EQ(r->replicas[0].handed_off, 1);
  EXPECT_EQ(r->replicas[1].completed, 1);
}

// Under load a disaggregated fleet completes every request once, with all its tokens.
TEST_F(SimTest, DisaggregatedFleetCompletesEverything) {
  const auto requests = Poisson(2000, 20, 800, 150);
  FleetSpec fleet{.replicas = {Replica(), Replica(), Replica()}};
  fleet.replicas[0].role = Role::kPrefill;
  fleet.replicas[1].role = fleet.replicas[2].role = Role::kDecode;
  std::map<int64_t, int> seen;
  int64_t out = 0, expected = 0;
  auto r = Simulate(fleet, requests, {.on_request = [&](const RequestRecord& rec) {
                      ++seen[rec.index];
                      out += rec.output_tokens;
                    }});
  ASSERT_TRUE(r.ok()) << r.status().message();
  for (const auto& q : requests) expected += q.output_tokens;
  EXPECT_EQ(seen.size(), requests.size());
  EXPECT_EQ(out, expected);
  EXPECT_EQ(r->replicas[0].completed + r->replicas[1].completed + r->replicas[2].completed, 2000);
  EXPECT_GT(r->replicas[1].completed, 0);
  EXPECT_GT(r->replicas[2].completed, 0);
}

// Model-tier routing sends each tier its share of the requests (a seeded draw per request).
TEST_F(SimTest, TiersGetTheirShares) {
  const auto requests = Poisson(4000, 30, 300, 60);
  FleetSpec fleet{.replicas = {Replica("llama-2-70b", "h100-sxm", 2), Replica()},
                  .tier_shares = {0.7, 0.3}};
  fleet.replicas[1].tier = 1;
  auto r = Simulate(fleet, requests);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const double small = static_cast<double>(r->replicas[1].completed) / 4000;
  EXPECT_NEAR(small, 0.3, 0.03);  // 4000 draws: sd 0.007
}

// Prefix-affinity routing keeps a conversation on the replica that has its history, so four
// replicas find more of the Mooncake trace's prompts cached than least-outstanding routing,
// which spreads each conversation's turns over the fleet.
TEST_F(SimTest, PrefixAffinityFindsMoreCachedPrompts) {
  const std::vector<workload::Request> requests = MooncakeConversations();
  ASSERT_EQ(requests.size(), 1500u);
  auto cached = [&](Routing routing) {
    FleetSpec fleet{.routing = routing};
    for (int i = 0; i < 4; ++i) {
      fleet.replicas.push_back(Replica("llama-3.1-70b", "h200-sxm", 4));
      fleet.replicas.back().prefix_caching = 1;
    }
    auto r = Simulate(fleet, requests);
    EXPECT_TRUE(r.ok()) << r.status().message();
    double tokens = 0;
    for (const auto& rep : r->replicas) tokens += rep.cached_prompt_tokens;
    return tokens;
  };
  EXPECT_GT(cached(Routing::kPrefixAffinity), 1.2 * cached(Routing::kLeastOutstanding));
}

// Preemption by swapping keeps a request's progress: nothing is recomputed, every token still
// arrives, and the copies to and from host memory cost time (KV bytes over PCIe).
TEST_F(SimTest, SwapPreemptionKeepsProgress) {
  std::vector<workload::Request> burst;
  for (int i = 0; i < 400; ++i) {
    burst.push_back({.arrival_s = 0, .input_tokens = 200, .output_tokens = 3000});
  }
  FleetSpec recompute{.replicas = {Replica("llama-2-70b", "h100-sxm", 2)}};
  recompute.replicas[0].max_num_seqs = 1024;
  recompute.replicas[0].kv_watermark = 0;
  FleetSpec swap = recompute;
  swap.replicas[0].preemption = Preemption::kSwap;
  int64_t out = 0;
  auto s = Simulate(swap, burst,
                    {.on_request = [&](const RequestRecord& rec) { out += rec.output_tokens; }});
  auto r = Simulate(recompute, burst);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(out, 400 * 3000);
  EXPECT_GT(s->replicas[0].preemptions, 0);
  EXPECT_GT(s->replicas[0].swap_s, 0);
  EXPECT_EQ(r->replicas[0].swap_s, 0);
  // Recomputation computes prompts again; swapping computes each prompt once.
  EXPECT_NEAR(s->replicas[0].prefill_tokens, 400 * 200, 1e-9);
  EXPECT_GT(r->replicas[0].prefill_tokens, 400 * 200);
}

// ITL (shared/metrics.md): a request with n output tokens has n - 1 gaps, and they add up to the
// time from its first token to its last, whatever happened in between: a handover to a decode
// replica, a preemption (recomputed or swapped), tokens accepted together by speculation.
TEST_F(SimTest, InterTokenGapsAddUpToEachRequestsDecodeTime) {
  std::vector<workload::Request> burst;
  for (int i = 0; i < 300; ++i) {
    burst.push_back({.arrival_s = 0, .input_tokens = 200, .output_tokens = 2500});
  }
  FleetSpec recompute{.replicas = {Replica("llama-2-70b", "h100-sxm", 2)}};
  recompute.replicas[0].max_num_seqs = 1024;
  recompute.replicas[0].kv_watermark = 0;
  FleetSpec swap = recompute;
  swap.replicas[0].preemption = Preemption::kSwap;
  FleetSpec split{.replicas = {Replica(), Replica(), Replica()}};
  split.replicas[0].role = Role::kPrefill;
  split.replicas[1].role = split.replicas[2].role = Role::kDecode;
  FleetSpec speculative{.replicas = {Replica()}};
  speculative.replicas[0].spec = perf::SpecDecode{.k = 4, .acceptance = 0.7};
  const auto load = Poisson(1500, 20, 800, 150);
  const std::vector<
      std::pair<const char*, std::pair<FleetSpec*, const std::vector<workload::Request>*>>>
      cases = {{"recompute", {&recompute, &burst}},
               {"swap", {&swap, &burst}},
               {"disaggregated", {&split, &load}},
               {"speculative", {&speculative, &load}}};
  for (const auto& [name, c] : cases) {
    double decode_s = 0;
    int64_t gaps = 0;
    auto r = Simulate(*c.first, *c.second, {.on_request = [&](const RequestRecord& rec) {
      decode_s += rec.finish_s - rec.first_token_s;
      gaps += rec.output_tokens - 1;
      EXPECT_LE(rec.max_itl_s, rec.finish_s - rec.first_token_s + 1e-9);
    }});
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().message();
    EXPECT_EQ(r->itl.count(), gaps) << name;
    EXPECT_NEAR(r->itl.mean() * static_cast<double>(r->itl.count()), decode_s, 1e-6 * decode_s)
        << name;
  }
}

// Across a handover the first gap includes the KV transfer: a lone request's longest gap is at
// least the transfer.
TEST_F(SimTest, TheHandoverGapIncludesTheKvTransfer) {
  const int64_t in = 2000, out = 50;
  FleetSpec split{.replicas = {Replica(), Replica()}, .kv_transfer_bytes_per_s = 25e9};
  split.replicas[0].role = Role::kPrefill;
  split.replicas[1].role = Role::kDecode;
  RequestRecord d;
  auto r = Simulate(split, {{.arrival_s = 0, .input_tokens = in, .output_tokens = out}},
                    {.on_request = [&](const RequestRecord& rec) { d = rec; }});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const perf::Deployment& dep = split.replicas[0].deployment;
  const double transfer =
      perf::Fit(perf::FitRequestFor(dep, in + out)).kv_bytes_per_token * in / 25e9;
  const double first_decode =
      perf::PredictStep(dep, {.decode_sequences = 1, .decode_context = static_cast<double>(in)})
          .total_s;
  EXPECT_NEAR(d.max_itl_s, transfer + first_decode + dep.engine->per_request_s, 1e-9);
}

TEST_F(SimTest, BadInputIsRefused) {
  FleetSpec fleet{.replicas = {Replica()}};
  EXPECT_FALSE(Simulate(fleet, {}).ok());
  EXPECT_FALSE(
      Simulate(FleetSpec{}, {{.arrival_s = 0, .input_tokens = 1, .output_tokens = 1}}).ok());
  auto unsorted = Simulate(fleet, {{.arrival_s = 2, .input_tokens = 5, .output_tokens = 5},
                                   {.arrival_s = 1, .input_tokens = 5, .output_tokens = 5}});
  ASSERT_FALSE(unsorted.ok());
  EXPECT_NE(unsorted.status().message().find("request 2"), std::string::npos);
  auto huge = Simulate(fleet, {{.arrival_s = 0, .input_tokens = 10'000'000, .output_tokens = 5}});
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.status().message().find("exceeds"), std::string::npos);
  const std::vector<workload::Request> one = {
      {.arrival_s = 0, .input_tokens = 10, .output_tokens = 5}};
  FleetSpec empty_tier{.replicas = {Replica()}, .tier_shares = {0.5, 0.5}};
  auto no_tier = Simulate(empty_tier, one);
  ASSERT_FALSE(no_tier.ok());
  EXPECT_NE(no_tier.status().message().find("tier 1 has no replica"), std::string::npos);
  FleetSpec mixed{.replicas = {Replica(), Replica()}};
  mixed.replicas[1].role = Role::kPrefill;
  auto mix = Simulate(mixed, one);
  ASSERT_FALSE(mix.ok());
  EXPECT_NE(mix.status().message().find("mixes roles"), std::string::npos);
  auto too_big = Simulate({.replicas = {Replica("llama-2-70b", "h100-sxm", 1)}},
                          {{.arrival_s = 0, .input_tokens = 10, .output_tokens = 5}});
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.status().message().find("does not fit"), std::string::npos);
}

// The event order is a strict weak order: irreflexive, asymmetric, transitive, with transitive
// incomparability, checked on every triple of a set with ties in each key.
TEST(EventOrderTest, IsAStrictWeakOrder) {
  std::vector<EventKey> keys;
  for (double t : {0.0, 1.0, 1.0 + 1e-12}) {
    for (int phase : {0, 1, 2}) {
      for (uint64_t seq : {0u, 1u, 2u})
        keys.push_back({.time_s = t, .phase = phase, .sequence = seq});
    }
  }
  keys.push_back({.time_s = 1.0, .phase = 1, .sequence = 1});  // a duplicate: equivalent, not less
  auto equivalent = [](const EventKey& a, const EventKey& b) {
    return !EventBefore(a, b) && !EventBefore(b, a);
  };
  for (const auto& a : keys) {
    EXPECT_FALSE(EventBefore(a, a));
    for (const auto& b : keys) {
      if (EventBefore(a, b)) {
        EXPECT_FALSE(EventBefore(b, a));
      }
      for (const auto& c : keys) {
        if (EventBefore(a, b) && EventBefore(b, c)) {
          EXPECT_TRUE(EventBefore(a, c));
        }
        if (equivalent(a, b) && equivalent(b, c)) {
          EXPECT_TRUE(equivalent(a, c));
        }
      }
    }
  }
  // Time first, then phase: a step ending at t comes before an arrival at t.
  EXPECT_TRUE(EventBefore({.time_s = 1, .phase = 0, .sequence = 9}, {.time_s = 1, .phase = 1}));
  EXPECT_TRUE(EventBefore({.time_s = 1, .phase = 2}, {.time_s = 2, .phase = 0}));
}

// Percentiles from the bounded histogram stay within its bucket ratio of the exact ones.
TEST(LogHistogramTest, QuantilesWithinTheBucketRatio) {
  LogHistogram h;
  std::vector<double> values;
  workload::Rng rng(3);
  for (int i = 0; i < 100000; ++i) {
    values.push_back(rng.Exponential(0.25));
    h.Add(values.back());
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99}) {
    const double exact = values[static_cast<size_t>(q * (values.size() - 1))];
    EXPECT_NEAR(h.Quantile(q), exact, exact * 0.006) << q;
  }
  EXPECT_EQ(h.Quantile(1), values.back());
}

// A handful of values: the quantiles interpolate between ranks as numpy does, within the buckets'
// 0.5%: p50 of {1, 2, 3, 4} is 2.5, p99 of {1, ..., 5} is 4.96.
TEST(LogHistogramTest, SmallSamplesInterpolateBetweenRanks) {
  LogHistogram four;
  for (double v : {1.0, 2.0, 3.0, 4.0}) four.Add(v);
  EXPECT_NEAR(four.Quantile(0.5), 2.5, 0.006 * 2.5);
  LogHistogram five;
  for (double v : {1.0, 2.0, 3.0, 4.0, 5.0}) five.Add(v);
  EXPECT_NEAR(five.Quantile(0.99), 4.96, 0.006 * 4.96);
  EXPECT_DOUBLE_EQ(five.Quantile(0), 1.0);
}

}  // namespace
}  // namespace pertoken::sim
