// Helpers for tests: fixture paths and scratch catalogs.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "catalog/catalog.h"
#include "perf/step.h"

namespace pertoken::testing {

inline std::string FixtureCatalog() { return std::string(PERTOKEN_TEST_DATA) + "/catalog_small"; }

// A test fixture holding the fixture catalog, loaded once per test.
class FixtureCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cat = catalog::Catalog::Load(FixtureCatalog());
    ASSERT_TRUE(cat.ok()) << cat.status().message();
    cat_ = std::move(cat).value();
  }
  // `model` on `acc` with TP `tp` under vLLM, weights in `weights`, a BF16 KV cache. The names
  // must be in the fixture catalog.
  perf::Deployment Deploy(const char* model, const char* acc, int tp = 1,
                          const char* weights = "bf16") const {
    perf::Deployment d;
    d.model = *cat_.FindModel(model);
    d.accelerator = *cat_.FindAccelerator(acc);
    d.engine = *cat_.FindEngine("vllm");
    d.efficiency = &cat_.EfficiencyOf(*d.accelerator, *d.engine);
    d.precision.weights = *cat_.FindPrecision(weights, false);
    d.precision.expert_weights = d.precision.weights;
    d.precision.kv = *cat_.FindPrecision("bf16", true);
    d.layout = {.tp = tp};
    return d;
  }
  catalog::Catalog cat_;
};

// A copy of the fixture catalog in a fresh temporary folder, removed when the object goes away;
// tests overwrite or add files in it to break it on purpose.
class ScratchCatalog {
 public:
  explicit ScratchCatalog(const std::string& name) {
    dir_ = std::filesystem::temp_directory_path() / ("pertoken-test-" + name);
    std::filesystem::remove_all(dir_);
    std::filesystem::copy(FixtureCatalog(), dir_, std::filesystem::copy_options::recursive);
  }
  ~ScratchCatalog() { std::filesystem::remove_all(dir_); }
  ScratchCatalog(const ScratchCatalog&) = delete;
  ScratchCatalog& operator=(const ScratchCatalog&) = delete;

  // Writes `text` to `relative` (e.g. "models/x.toml") and returns the file's path.
  std::string Write(const std::string& relative, const std::string& text) const {
    const auto path = dir_ / relative;
    std::ofstream(path) << text;
    return path.string();
  }
  std::string dir() const { return dir_.string(); }

 private:
  std::filesystem::path dir_;
};

}  // namespace pertoken::testing
