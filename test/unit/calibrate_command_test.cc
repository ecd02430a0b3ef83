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
  EXPECT_THAT(out_.str(), HasSubstr("h100-sxm (h100_sxm)"));

  auto cat = catalog::Catalog::Load(scratch.dir());
  ASSERT_TRUE(cat.ok()) << cat.status().message();
  const catalog::Efficiency& e = cat->EfficiencyOf(**cat->FindAccelerator("h100-sxm"));
  ASSERT_EQ(e.id, "h100-sxm");
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
}

TEST_F(CalibrateOpsTest, SameInputGivesTheSameBytes) {
  const auto dir = std::filesystem::temp_directory_path() / "pertoken-calibrate-twice";
  std::filesystem::remove_all(dir);
  ASSERT_EQ(Calibrate(OpdbSmall(), (dir / "a").string()), kExitOk) << err_.str();
  ASSERT_EQ(Calibrate(OpdbSmall(), (dir / "b").string()), kExitOk) << err_.str();
  const std::string a = ReadText((dir / "a" / "h100-sxm.toml").string());
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, ReadText((dir / "b" / "h100-sxm.toml").string()));
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
  EXPECT_THAT(err_.str(), HasSubstr("error: h100_sxm: " + garbled.string()));
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "h100-sxm.toml"));
  std::filesystem::remove_all(dir);
}

TEST_F(CalibrateOpsTest, MissingFolderFails) {
  EXPECT_EQ(Calibrate("/nonexistent/opdb", "/tmp/unused"), kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr("/nonexistent/opdb: cannot list"));
}

}  // namespace
}  // namespace pertoken::cli
