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
};

// 0 when the file was read and evaluated; 1 on unreadable input.
int RunValidate(const catalog::Catalog& catalog, const ValidateOptions& options, std::ostream& out,
                std::ostream& err);

}  // namespace pertoken::cli
