// The fixture the `pertoken simulate` command tests share: the fixture catalog, a scratch folder
// per test, and a small synthetic run to vary.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "cli/simulate_command.h"
#include "test_util.h"

namespace pertoken::testing {

// data/traces/, next to the shipped catalog.
inline std::string ShippedTraces() {
  return (std::filesystem::path(PERTOKEN_SHIPPED_DATA).parent_path() / "traces").string();
}

class SimulateCommandTest : public FixtureCatalogTest {
 protected:
  void SetUp() override {
    FixtureCatalogTest::SetUp();
    // One folder per test: ctest runs tests in parallel processes.
    dir_ = std::filesystem::temp_directory_path() /
           (std::string("pertoken-simulate-") +
            ::testing::UnitTest::GetInstance()->current_test_suite()->name() + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs the command on the fixture catalog, or on `cat`.
  int Run(const cli::SimulateOptions& o, const catalog::Catalog* cat = nullptr) {
    out_.str("");
    err_.str("");
    return cli::RunSimulate(cat ? *cat : cat_, o, out_, err_);
  }
  nlohmann::json RunJson(cli::SimulateOptions o, const catalog::Catalog* cat = nullptr) {
    o.json = true;
    EXPECT_EQ(Run(o, cat), cli::kExitOk) << err_.str();
    return nlohmann::json::parse(out_.str());
  }
  // 60 Poisson requests (prompts of 50-400 tokens, outputs of 1-40, so some one-token outputs) on
  // one llama-2-7b replica on one H100: a few milliseconds.
  static cli::SimulateOptions Base() {
    cli::SimulateOptions o;
    cli::ReplicaGroupOptions g;
    g.deployment.model = "llama-2-7b";
    g.deployment.accelerator = "h100-sxm";
    o.fleet = {g};
    o.workload.arrivals = "poisson:rate=5";
    o.workload.lengths = "uniform:in_min=50,in_max=400,out_min=1,out_max=40";
    o.workload.requests = 60;
    o.workload.traces_dir = ShippedTraces();
    return o;
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  // `o` fails with one `error:` line containing `message`, and prints no report.
  void ExpectFails(const cli::SimulateOptions& o, const std::string& message) {
    EXPECT_EQ(Run(o), cli::kExitFailure) << message;
    EXPECT_THAT(err_.str(), ::testing::StartsWith("error: ")) << message;
    EXPECT_THAT(err_.str(), ::testing::HasSubstr(message));
    EXPECT_TRUE(out_.str().empty()) << message;
  }

  std::filesystem::path dir_;
  std::ostringstream out_, err_;
};

}  // namespace pertoken::testing
