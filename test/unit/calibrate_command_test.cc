#include "cli/calibrate_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "test_util.h"

namespace pertoken::cli {
namespace {

using ::testing::HasSubstr;

std::string OpdbSmall() { return std::string(PERTOKEN_TEST_DATA) + "/opdb_small"; }

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class CalibrateOpsTest : public testing::FixtureCatalogTest {
 protected:
  int Calibrate(const std::string& opdb_dir, const std::string& out_dir) {
    out_.str("");
    err_.str("");
    return RunCalibrateOps(cat_, {.opdb_dir = opdb_dir, .out_dir = out_dir}, out_, err_);
  }
  std::ostringstream out_, err_;
};

TEST_F(CalibrateOpsTest, WritesAProfileTheCatalogLoads) {
  const testing::ScratchCatalog scratch("calibrate-ops");
  const std::string out_dir = scratch.dir() + "/efficiency";
  ASSERT_EQ(Calibrate(OpdbSmall(), out_dir), kExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("h100-sxm (h100_sxm, vllm tables)"));

  auto cat = catalog::Catalog::Load(scratch.dir());
  ASSERT_TRUE(cat.ok()) << cat.status().message();
  catalog::Engine vllm;
  vllm.op_tables = {"vllm"};
  const catalog::Efficiency& e = cat->EfficiencyOf(**cat->FindAccelerator("h100-sxm"), vllm);
  ASSERT_EQ(e.id, "h100-sxm-vllm");
  EXPECT_EQ(e.framework, "vllm");
  // The parameters test/data/opdb_small/generate.py made the rows with; the file keeps 4 digits.
  EXPECT_NEAR(e.gemm.at("bf16").max_fraction, 0.8, 0.01);
  EXPECT_NEAR(e.gemm.at("bf16").half_tokens, 100, 2);
  EXPECT_NEAR(e.gemm.at("fp8").max_fraction, 0.6, 0.01);
  EXPECT_NEAR(e.gemm.at("fp8").half_tokens, 200, 4);
  EXPECT_NEAR(e.gemm_memory_fraction, 0.85, 0.01);
  EXPECT_NEAR(e.gemm_kernel_latency_s, 5e-6, 1e-7);
  EXPECT_NEAR(e.attention_prefill_fraction, 0.5, 0.01);
  EXPECT_LE(e.attention_prefill_half_work, 1);  // flat: the rows have one prefill fraction
  EXPECT_NEAR(e.attention_decode_memory_fraction, 0.8, 0.01);
  EXPECT_NEAR(e.attention_kernel_latency_s, 8e-6, 1e-7);
  EXPECT_NEAR(e.allreduce_bw_fraction, 0.7, 0.01);
  EXPECT_NEAR(e.allreduce_latency_s, 6e-6, 1e-7);
  EXPECT_THAT(e.provenance.source, HasSubstr("fitted by `pertoken calibrate ops`"));
  EXPECT_THAT(e.provenance.source, HasSubstr("h100_sxm__gemm__vllm__0.24.0__gemm_perf.csv.gz"));
  EXPECT_THAT(e.provenance.notes, HasSubstr("fp8_block"));

  // The measured all-reduce rows are kept as curves: generate.py's 2, 4 and 8 ranks, ten sizes
  // from 128 elements (256 B) up by fours, at latency + 2 (t - 1) / t x bytes / (0.7 x 450 GB/s).
  ASSERT_EQ(e.allreduce_measured.size(), 3u);
  const catalog::AllReduceCurve* eight = e.AllReduceMeasured(8);
  ASSERT_NE(eight, nullptr);
  ASSERT_EQ(eight->bytes.size(), 10u);
  EXPECT_EQ(eight->bytes.front(), 256);
  const double big = 256.0 * (1 << 18);  // 128 x 4^9 elements
  EXPECT_EQ(eight->bytes.back(), big);
  EXPECT_NEAR(eight->seconds.back(), 6e-6 + 1.75 * big / (0.7 * 450e9),
              1e-4 * eight->seconds.back());
}

TEST_F(CalibrateOpsTest, EachFrameworkGetsItsOwnProfile) {
  const testing::ScratchCatalog scratch("calibrate-ops-frameworks");
  ASSERT_EQ(Calibrate(OpdbSmall(), scratch.dir() + "/efficiency"), kExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("h100-sxm (h100_sxm, trtllm tables)"));
  auto cat = catalog::Catalog::Load(scratch.dir());
  ASSERT_TRUE(cat.ok()) << cat.status().message();
  const catalog::Accelerator& h100 = **cat->FindAccelerator("h100-sxm");
  catalog::Engine trtllm;
  trtllm.op_tables = {"trtllm"};
  const catalog::Efficiency& t = cat->EfficiencyOf(h100, trtllm);
  ASSERT_EQ(t.id, "h100-sxm-trtllm");
  // generate.py's TRTLLM_GEMM parameters, not vLLM's.
  EXPECT_NEAR(t.gemm.at("bf16").max_fraction, 0.9, 0.01);
  EXPECT_NEAR(t.gemm.at("bf16").half_tokens, 50, 1);
  EXPECT_NEAR(t.gemm.at("fp8").max_fraction, 0.7, 0.01);
  // TensorRT-LLM measured no attention or all-reduce here: vLLM's tables stand in.
  EXPECT_NEAR(t.attention_prefill_fraction, 0.5, 0.01);
  EXPECT_NEAR(t.allreduce_bw_fraction, 0.7, 0.01);
  EXPECT_THAT(t.provenance.source, HasSubstr("h100_sxm__gemm__trtllm__1.0.0__gemm_perf.csv.gz"));
  EXPECT_THAT(t.provenance.source, HasSubstr("h100_sxm__comm__vllm__0.24.0"));

  // An engine whose op tables were not measured here takes the first of its list that was, and
  // one with none of them the accelerator's first profile by id.
  catalog::Engine later;
  later.op_tables = {"sglang", "vllm"};
  EXPECT_EQ(cat->EfficiencyOf(h100, later).id, "h100-sxm-vllm");
  EXPECT_EQ(cat->EfficiencyOf(h100, catalog::Engine{}).id, "h100-sxm-trtllm");
  // An accelerator without a profile gets the default.
  EXPECT_EQ(cat->EfficiencyOf(**cat->FindAccelerator("a100-sxm-80gb"), trtllm).id, "default");
}

TEST_F(CalibrateOpsTest, SameInputGivesTheSameBytes) {
  const auto dir = std::filesystem::temp_directory_path() / "pertoken-calibrate-twice";
  std::filesystem::remove_all(dir);
  ASSERT_EQ(Calibrate(OpdbSmall(), (dir / "a").string()), kExitOk) << err_.str();
  ASSERT_EQ(Calibrate(OpdbSmall(), (dir / "b").string()), kExitOk) << err_.str();
  for (const char* name : {"h100-sxm-vllm.toml", "h100-sxm-trtllm.toml"}) {
    const std::string a = ReadText((dir / "a" / name).string());
    EXPECT_FALSE(a.empty()) << name;
    EXPECT_EQ(a, ReadText((dir / "b" / name).string())) << name;
  }
  std::filesystem::remove_all(dir);
}

TEST_F(CalibrateOpsTest, GarbledTableFailsNamingTheFile) {
  const auto dir = std::filesystem::temp_directory_path() / "pertoken-calibrate-garbled";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::filesystem::copy(OpdbSmall(), dir / "opdb");
  const auto garbled =
      dir / "opdb" / "h100_sxm__attention__vllm__0.24.0__context_attention_perf.csv.gz";
  std::ofstream(garbled, std::ios::binary) << std::string("\x1f\x8b\x08\x00", 4) << "garbage";
  EXPECT_EQ(Calibrate((dir / "opdb").string(), (dir / "out").string()), kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr("error: h100_sxm (vllm tables): " + garbled.string()));
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "h100-sxm-vllm.toml"));
  std::filesystem::remove_all(dir);
}

TEST_F(CalibrateOpsTest, MissingFolderFails) {
  EXPECT_EQ(Calibrate("/nonexistent/opdb", "/tmp/unused"), kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr("/nonexistent/opdb: cannot list"));
}

}  // namespace
}  // namespace pertoken::cli
