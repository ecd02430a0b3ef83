// `pertoken validate`: predicts every row of a measurements CSV (the columns of
// shared/data/measurements/calibration.csv) in that row's regime and reports the errors.
#pragma once

#include <ostream>
#include <string>

#include "catalog/catalog.h"

namespace pertoken::cli {

struct ValidateOptions {
  std::string measurements;  // CSV path
  std::string by;            // group by: source, accelerator, engine, metric, model ("" = none)
  bool rows = false;         // print the per-row table
  bool json = false;
  // A file in the layout of shared/reference/benchmark_workloads.csv (MLPerf mean lengths and
  // latency limits) that replaces the catalog's workloads/; "" = the catalog's.
  std::string workloads;
};

// 0 when the file was read and evaluated; 1 on unreadable input (the measurements, or a
// --workloads file given explicitly); 2 for an unknown --by. doc/formats/validate-json.md
// describes the JSON.
int RunValidate(const catalog::Catalog& catalog, const ValidateOptions& options, std::ostream& out,
                std::ostream& err);

}  // namespace pertoken::cli
