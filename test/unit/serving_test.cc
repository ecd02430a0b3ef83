#include "perf/serving.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace pertoken::perf {
namespace {

class ServingTest : public testing::FixtureCatalogTest {
 protected:
  ServingQuery Query(const char* model, const char* acc, int tp, Regime regime, double c) {
    ServingQuery q;
    q.deployment = Deploy(model, acc, tp);
    q.input_tokens = 1000;
    q.output_tokens = 200;
    q.regime = regime;
    q.concurrency = c;
    return q;
  }
};

TEST_F(ServingTest, ThroughputRisesWithConcurrencyUntilMemoryCaps) {
  double last = 0;
  const double c_max = MaxConcurrency(
      Query("llama-2-7b", "h100-sxm", 1, Regime::kFixedConcurrency, 1).deployment, 1000, 200);
  ASSERT_GT(c_max, 32);
  for (double c = 1; c <= c_max; c *= 2) {
    const ServingResult r =
        PredictServing(Query("llama-2-7b", "h100-sxm", 1, Regime::kFixedConcurrency, c));
    ASSERT_TRUE(r.ok) << r.reason;
    EXPECT_GT(r.output_tokens_per_s, last) << c;
    last = r.output_tokens_per_s;
  }
  // Beyond memory, more clients only queue: throughput stays at the cap.
  const ServingResult capped =
      PredictServing(Query("llama-2-7b", "h100-sxm", 1, Regime::kFixedConcurrency, 10 * c_max));
  EXPECT_DOUBLE_EQ(capped.concurrency, c_max);
}

// A lone request: TTFT is its prefill, and its E2E is the prefill plus output − 1 decode steps.
TEST_F(ServingTest, ALoneRequestIsPrefillPlusDecodeSteps) {
  const ServingResult r =
      PredictServing(Query("llama-2-7b", "h100-sxm", 1, Regime::kFixedConcurrency, 1));
  ASSERT_TRUE(r.ok);
  EXPECT_DOUBLE_EQ(r.ttft_s, r.prefill_s);
  EXPECT_NEAR(r.e2e_s, r.prefill_s + 199 * r.decode_step.total_s, 1e-12);
  EXPECT_NEAR(r.tpot_s, r.decode_step.total_s, 1e-12);
  EXPECT_NEAR(r.output_tokens_per_s, 200 / r.e2e_s, 1e-9);
}

// Little's law: requests in flight = arrival rate × time in the system.
TEST_F(ServingTest, RequestRateObeysLittlesLaw) {
  ServingQuery q = Query("llama-2-7b", "h100-sxm", 1, Regime::kRequestRate, 0);
  q.request_rate = 2;
  const ServingResult r = PredictServing(q);
  ASSERT_TRUE(r.ok) << r.reason;
  EXPECT_FALSE(r.saturated);
  EXPECT_NEAR(r.concurrency, 2 * r.e2e_s, 1e-6 * r.concurrency);
  EXPECT_NEAR(r.requests_per_s, 2, 1e-9);
  q.request_rate = 1e6;
  EXPECT_TRUE(PredictServing(q).saturated);
}

TEST_F(ServingTest, SpeculativeDecodingWithGoodAcceptanceCutsTpot) {
  ServingQuery q = Query("llama-2-70b", "h100-sxm", 2, Regime::kFixedConcurrency, 1);
  const double plain = PredictServing(q).tpot_s;
  q.spec = SpecDecode{.draft = *cat_.FindModel("llama-2-7b"), .k = 4, .acceptance = 0.8};
  const double spec = PredictServing(q).tpot_s;
  EXPECT_LT(spec, plain);
  q.spec->acceptance = 0;  // nothing accepted: drafting is pure cost
  EXPECT_GT(PredictServing(q).tpot_s, plain);
}

// A burst of requests whose outputs vary around the same mean ends with a tail of long requests
// decoding at a small batch: lower throughput than equal lengths, about the same tokens.
TEST_F(ServingTest, VariableOutputLengthsLeaveASlowTail) {
  ServingQuery q = Query("llama-2-7b", "h100-sxm", 1, Regime::kMaxLoad, 0);
  q.max_requests = 200;
  const ServingResult fixed = PredictServing(q);
  q.variable_output_lengths = true;
  const ServingResult varied = PredictServing(q);
  ASSERT_TRUE(fixed.ok && varied.ok);
  EXPECT_LT(varied.output_tokens_per_s, fixed.output_tokens_per_s);
  const double fixed_tokens = fixed.output_tokens_per_s * fixed.e2e_s;
  const double varied_tokens = varied.output_tokens_per_s * varied.e2e_s;
  EXPECT_NEAR(varied_tokens, fixed_tokens, 0.02 * fixed_tokens);  // 200 × 200 tokens either way
  EXPECT_NEAR(fixed_tokens, 200.0 * 200, 1);
}

// A frontend that hands requests over one by one makes a burst queue for it once it is slower
// than the engine's prefills: at 50 ms a request (20/s, against about 45 prompts/s of prefill
// here) the mean request of 100 waits about 2.5 s before the engine even sees it.
TEST_F(ServingTest, AFrontendQueueDelaysABurst) {
  ServingQuery q = Query("llama-2-7b", "h100-sxm", 1, Regime::kMaxLoad, 0);
  q.max_requests = 100;
  const ServingResult fast = PredictServing(q);
  catalog::Engine slow_frontend = **cat_.FindEngine("vllm");
  slow_frontend.per_request_s = 0.05;
  q.deployment.engine = &slow_frontend;
  const ServingResult slow = PredictServing(q);
  ASSERT_TRUE(fast.ok && slow.ok);
  EXPECT_GT(slow.ttft_s, fast.ttft_s + 0.8);
  EXPECT_GE(slow.e2e_s, 99 * 0.05);  // the last request cannot start before its hand-over
}

TEST_F(ServingTest, StaticBatchTooLargeForMemoryIsRefused) {
  const ServingResult r =
      PredictServing(Query("llama-2-70b", "h100-sxm", 2, Regime::kStaticBatch, 100000));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("does not fit"), std::string::npos);
}

TEST_F(ServingTest, DoesNotFitIsReported) {
  const ServingResult r =
      PredictServing(Query("llama-2-70b", "h100-sxm", 1, Regime::kFixedConcurrency, 1));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("does not fit"), std::string::npos);
}

}  // namespace
}  // namespace pertoken::perf
