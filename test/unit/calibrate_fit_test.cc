#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "calibrate/allreduce_fit.h"
#include "calibrate/attention_fit.h"
#include "calibrate/fit.h"
#include "calibrate/gemm_fit.h"

namespace pertoken::calibrate {
namespace {

using ::testing::DoubleNear;
using ::testing::HasSubstr;

// Relative closeness of a fitted value to the one the rows were made with.
constexpr double kRecoveryTolerance = 0.03;

void ExpectRecovered(double fitted, double truth, const char* what) {
  EXPECT_NEAR(fitted / truth, 1.0, kRecoveryTolerance) << what << ": " << fitted;
}

// An accelerator with round peaks, independent of every catalog.
catalog::Accelerator TestAccelerator() {
  catalog::Accelerator acc;
  acc.id = "test-gpu";
  acc.mem_bw_bytes_per_s = 3e12;
  acc.peak_flops_per_s = {{"bf16", 1000e12}, {"fp8", 2000e12}};
  acc.scaleup_bw_bytes_per_s = 900e9;
  return acc;
}

TEST(MinimizePositiveTest, FindsTheMinimumInLogSpace) {
  auto objective = [](std::span<const double> p) {
    return std::pow(std::log(p[0] / 3.0), 2) + std::abs(std::log(p[1] / 0.02));
  };
  const auto best = MinimizePositive(
      objective, {{.start = 1, .min = 1e-3, .max = 1e3}, {.start = 1, .min = 1e-6, .max = 1}});
  EXPECT_NEAR(best[0], 3.0, 3e-3);
  EXPECT_NEAR(best[1], 0.02, 2e-5);
}

TEST(MinimizePositiveTest, StaysWithinBounds) {
  auto objective = [](std::span<const double> p) { return std::abs(std::log(p[0] / 5.0)); };
  const auto best = MinimizePositive(objective, {{.start = 0.5, .min = 0.01, .max = 1}});
  EXPECT_DOUBLE_EQ(best[0], 1.0);
}

TEST(QualityTest, MedianAndP90ByNearestRank) {
  const std::vector<double> predicted = {1, 2, 3, 4, 1.1};
  const std::vector<double> measured = {1, 1, 1, 1, 1};
  const FitQuality q = Quality(predicted, measured);
  EXPECT_EQ(q.rows, 5);
  EXPECT_DOUBLE_EQ(q.median_ape, 1.0);  // APEs 0, 0.1, 1, 2, 3
  EXPECT_DOUBLE_EQ(q.p90_ape, 3.0);
  EXPECT_DOUBLE_EQ(MeanAbsLogRatio(std::vector<double>{2}, std::vector<double>{1}), std::log(2));
}

// Rows on a grid of layer-sized shapes, timed by the model itself with `curve`.
GemmSeries SyntheticGemm(const std::string& precision, double weight_bytes, double peak,
                         const catalog::GemmCurve& curve, double memory, double latency_s) {
  GemmSeries s{
      .precision = precision, .table_dtype = precision, .weight_bytes_per_element = weight_bytes};
  for (double m : {1, 4, 16, 64, 128, 256, 512, 1024, 4096, 16384}) {
    for (double n : {1024, 4096, 14336}) {
      for (double k : {1024, 8192}) {
        GemmSample g{.m = m, .n = n, .k = k};
        g.latency_s = PredictGemm(g, weight_bytes, peak, 3e12, curve, memory, latency_s);
        s.samples.push_back(g);
      }
    }
  }
  return s;
}

TEST(GemmFitTest, RecoversKnownParameters) {
  const catalog::Accelerator acc = TestAccelerator();
  const std::vector<GemmSeries> series = {
      SyntheticGemm("bf16", 2, 1000e12, {.max_fraction = 0.8, .half_tokens = 100}, 0.85, 5e-6),
      SyntheticGemm("fp8", 1, 2000e12, {.max_fraction = 0.6, .half_tokens = 250}, 0.85, 5e-6)};
  auto fit = FitGemm(series, acc);
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  ExpectRecovered(fit->curves.at("bf16").max_fraction, 0.8, "bf16 max_fraction");
  ExpectRecovered(fit->curves.at("bf16").half_tokens, 100, "bf16 half_tokens");
  ExpectRecovered(fit->curves.at("fp8").max_fraction, 0.6, "fp8 max_fraction");
  ExpectRecovered(fit->curves.at("fp8").half_tokens, 250, "fp8 half_tokens");
  ExpectRecovered(fit->memory_fraction, 0.85, "memory_fraction");
  ExpectRecovered(fit->kernel_latency_s, 5e-6, "kernel_latency_s");
  EXPECT_EQ(fit->quality.rows, 120);
  EXPECT_LT(fit->quality.p90_ape, 0.01);
  EXPECT_EQ(fit->excluded_quality.rows, 0);
}

TEST(GemmFitTest, LeavesSmallShapesOutOfTheFit) {
  GemmSeries s =
      SyntheticGemm("bf16", 2, 1000e12, {.max_fraction = 0.8, .half_tokens = 100}, 0.85, 5e-6);
  // Small shapes far off the curve must not move it.
  for (double m : {1, 64, 4096}) s.samples.push_back({.m = m, .n = 64, .k = 256, .latency_s = 1});
  auto fit = FitGemm({s}, TestAccelerator());
  ASSERT_TRUE(fit.ok());
  ExpectRecovered(fit->curves.at("bf16").max_fraction, 0.8, "bf16 max_fraction");
  EXPECT_EQ(fit->excluded_quality.rows, 3);
  EXPECT_GT(fit->excluded_quality.median_ape, 0.9);
}

TEST(GemmFitTest, NeedsAPeakForEveryPrecision) {
  GemmSeries s =
      SyntheticGemm("fp4", 0.5, 1000e12, {.max_fraction = 0.5, .half_tokens = 100}, 0.8, 5e-6);
  s.table_dtype = "nvfp4";
  auto fit = FitGemm({s}, TestAccelerator());
  ASSERT_FALSE(fit.ok());
  EXPECT_EQ(fit.status().message(), "accelerator test-gpu has no fp4 peak for the nvfp4 GEMMs");
}

TEST(GemmFitTest, ReadsDtypesAndSkipsTheOnesWithoutACurve) {
  auto table = CsvTable::Parse("g.csv",
                               "gemm_dtype,m,n,k,latency\n"
                               "bfloat16,1,1024,1024,0.01\n"
                               "fp8_block,1,1024,1024,0.01\n"
                               "sq,2,1024,1024,0.02\n"
                               "int8_wo,1,1024,1024,0.01\n");
  ASSERT_TRUE(table.ok());
  auto read = ReadGemmTable(*table);
  ASSERT_TRUE(read.ok()) << read.status().message();
  ASSERT_EQ(read->series.size(), 2u);
  EXPECT_EQ(read->series[0].precision, "bf16");
  EXPECT_DOUBLE_EQ(read->series[0].samples[0].latency_s, 1e-5);  // milliseconds in the table
  EXPECT_EQ(read->series[1].precision, "int8");
  EXPECT_EQ(read->series[1].weight_bytes_per_element, 1);
  EXPECT_THAT(read->skipped_dtypes, ::testing::ElementsAre("fp8_block", "int8_wo"));
}

// Attention rows made with a prefill curve (`half_work` 0: a constant prefill fraction), a decode
// memory fraction of 0.75 and a latency of 8 us.
AttentionSeries SyntheticAttention(bool prefill, double max_fraction, double half_work) {
  AttentionSeries series;
  for (double batch : {1, 8, 64}) {
    for (double tokens : {32, 256, 1024, 2048, 4096, 16384, 32768}) {
      AttentionSample s{
          .batch = batch, .heads = 32, .kv_heads = 8, .head_dim = 128, .tokens = tokens};
      const double keys = PrefillKeysPerQuery(s);
      const double fraction = max_fraction * keys / (keys + half_work);
      s.latency_s = prefill ? PrefillAttentionFlops(s) / (1000e12 * fraction) + 8e-6
                            : DecodeAttentionBytes(s) / (3e12 * 0.75) + 8e-6;
      series.samples.push_back(s);
    }
  }
  return series;
}

TEST(AttentionFitTest, RecoversKnownParameters) {
  auto fit = FitAttention(SyntheticAttention(true, 0.6, 400), SyntheticAttention(false, 0, 0),
                          TestAccelerator());
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  ExpectRecovered(fit->prefill_fraction, 0.6, "prefill_fraction");
  ExpectRecovered(fit->prefill_half_work, 400, "prefill_half_work");
  ExpectRecovered(fit->decode_memory_fraction, 0.75, "decode_memory_fraction");
  ExpectRecovered(fit->kernel_latency_s, 8e-6, "kernel_latency_s");
  EXPECT_LT(fit->prefill_quality.p90_ape, 0.01);
  EXPECT_LT(fit->decode_quality.p90_ape, 0.01);
}

// Rows made with one fraction fit a curve that is flat over the tables' lengths: its half-work
// stops at the lower bound of 1 key, within 6% of flat from the shortest rows' 16 keys up.
TEST(AttentionFitTest, ConstantFractionFitsAFlatCurve) {
  auto fit = FitAttention(SyntheticAttention(true, 0.55, 0), SyntheticAttention(false, 0, 0),
                          TestAccelerator());
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  ExpectRecovered(fit->prefill_fraction, 0.55, "prefill_fraction");
  EXPECT_LE(fit->prefill_half_work, 1);
  EXPECT_LT(fit->prefill_quality.p90_ape, 0.01);
}

TEST(AttentionFitTest, FormulasCountCausalFlopsAndKvBytes) {
  const AttentionSample s{.batch = 2, .heads = 4, .kv_heads = 1, .head_dim = 64, .tokens = 100};
  EXPECT_DOUBLE_EQ(PrefillAttentionFlops(s), 2.0 * 2 * 2 * 4 * 64 * 100 * 100 / 2);
  EXPECT_DOUBLE_EQ(PrefillKeysPerQuery(s), 50);  // causal: query i sees i keys, mean isl / 2
  EXPECT_DOUBLE_EQ(DecodeAttentionBytes(s), 2.0 * 1 * 64 * 2 * 100 * 2);
}

std::vector<AllReduceSample> SyntheticAllReduce(double bw_fraction, double latency_s) {
  std::vector<AllReduceSample> samples;
  for (double ranks : {2, 4, 8}) {
    for (double bytes = 256; bytes <= 1e9; bytes *= 4) {
      AllReduceSample s{.ranks = ranks, .bytes = bytes};
      s.latency_s = PredictAllReduce(s, 450e9, bw_fraction, latency_s);
      samples.push_back(s);
    }
  }
  return samples;
}

TEST(AllReduceFitTest, RecoversKnownParameters) {
  auto fit = FitAllReduce(SyntheticAllReduce(0.7, 6e-6), TestAccelerator());
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  ExpectRecovered(fit->bw_fraction, 0.7, "bw_fraction");
  ExpectRecovered(fit->latency_s, 6e-6, "latency_s");
  EXPECT_LT(fit->quality.p90_ape, 0.01);
}

TEST(AllReduceFitTest, CapsTheBandwidthFractionAtOne) {
  auto fit = FitAllReduce(SyntheticAllReduce(1.3, 6e-6), TestAccelerator());
  ASSERT_TRUE(fit.ok());
  EXPECT_DOUBLE_EQ(fit->bw_fraction, 1.0);
}

TEST(AllReduceFitTest, ReadsElementsAsTwoBytesAndKeepsGraphRows) {
  auto table = CsvTable::Parse("ar.csv",
                               "allreduce_dtype,num_gpus,message_size,latency,backend\n"
                               "bfloat16,2,1024,0.01,vllm_graph\n"
                               "bfloat16,2,1024,0.03,vllm_eager\n");
  ASSERT_TRUE(table.ok());
  auto samples = ReadAllReduceSamples(*table);
  ASSERT_TRUE(samples.ok()) << samples.status().message();
  ASSERT_EQ(samples->size(), 1u);
  EXPECT_EQ((*samples)[0].bytes, 2048);
  EXPECT_DOUBLE_EQ((*samples)[0].latency_s, 1e-5);
}

TEST(AllReduceFitTest, ReadsTheAllReduceRowsOfAnNcclTable) {
  auto table = CsvTable::Parse("nccl.csv",
                               "op_name,nccl_dtype,num_gpus,message_size,latency\n"
                               "all_gather,half,8,4096,0.02\n"
                               "all_reduce,int8,8,4096,0.02\n"
                               "all_reduce,half,8,4096,0.03\n");
  ASSERT_TRUE(table.ok());
  auto samples = ReadAllReduceSamples(*table);
  ASSERT_TRUE(samples.ok()) << samples.status().message();
  ASSERT_EQ(samples->size(), 1u);
  EXPECT_EQ((*samples)[0].ranks, 8);
  EXPECT_DOUBLE_EQ((*samples)[0].latency_s, 3e-5);
}

TEST(AllReduceFitTest, NeedsAScaleUpLink) {
  catalog::Accelerator acc = TestAccelerator();
  acc.scaleup_bw_bytes_per_s.reset();
  auto fit = FitAllReduce(SyntheticAllReduce(0.7, 6e-6), acc);
  ASSERT_FALSE(fit.ok());
  EXPECT_THAT(fit.status().message(), HasSubstr("test-gpu has no scale-up bandwidth"));
}

}  // namespace
}  // namespace pertoken::calibrate
