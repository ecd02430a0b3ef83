// Regime tests: a few published measurements, one or two per load regime, predicted with the
// shipped, calibrated catalog (test/data/measurements/README-regimes.md names the rows and their
// sources). Each measured value must lie inside the interval pertoken prints for its prediction.
#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "validate/measurement.h"
#include "validate/validate.h"
#include "validate/workloads.h"

namespace pertoken::validate {
namespace {

TEST(Regimes, PublishedMeasurementsFallInsideThePredictedIntervals) {
  auto cat = catalog::Catalog::Load(PERTOKEN_SHIPPED_DATA);
  ASSERT_TRUE(cat.ok()) << cat.status().message();
  auto rows = ReadMeasurements(std::string(PERTOKEN_TEST_DATA) + "/measurements/regimes.csv");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  auto workloads = LoadWorkloads(*cat, "");  // the catalog's benchmarks (MLPerf rows' lengths)
  ASSERT_TRUE(workloads.ok()) << workloads.status().message();
  const ValidationReport report = Validate(*cat, *rows, *workloads, {});
  ASSERT_EQ(report.rows.size(), 9u);
  EXPECT_TRUE(report.catalog_bands);
  for (const RowResult& r : report.rows) {
    // TensorRT-LLM's 0.9 and 0.17 overviews and NVIDIA's MLPerf v4.1 harness (which states only
    // its TensorRT version, and is dated 2024) ran the TensorRT-engine runtime.
    if (r.id.starts_with("TRT09") || r.id.starts_with("TRT17-") || r.id.starts_with("MLP41")) {
      EXPECT_EQ(r.engine, "trtllm-tensorrt") << r.id;
    }
    ASSERT_TRUE(r.predicted) << r.id << ": " << r.skip.reason << " " << r.skip.detail;
    EXPECT_TRUE(r.in_interval) << r.id << " " << r.metric << ": measured " << r.measured
                               << ", predicted " << r.prediction << " in [" << r.interval_low
                               << ", " << r.interval_high << "]";
  }
}

}  // namespace
}  // namespace pertoken::validate
