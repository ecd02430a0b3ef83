// `pertoken calibrate ops`: fits op-efficiency profiles (doc/formats/efficiency.md) from measured
// op latency tables (shared/data/opdb/) and writes them as catalog files.
#pragma once

#include <ostream>
#include <string>

#include "catalog/catalog.h"

namespace pertoken::cli {

struct CalibrateOpsOptions {
  std::string opdb_dir;  // folder of <system>__<family>__<framework>__<version>__<table>.csv.gz
  std::string out_dir;   // where to write <accelerator-id>.toml (data/catalog/efficiency)
};

// 0 when every profile was fitted and written; 1 otherwise.
int RunCalibrateOps(const catalog::Catalog& catalog, const CalibrateOpsOptions& options,
                    std::ostream& out, std::ostream& err);

}  // namespace pertoken::cli

namespace pertoken::cli {

struct CalibrateEnginesOptions {
  std::string measurements;    // calibration CSV
  std::string workloads;       // benchmark workloads CSV ("" = the catalog's workloads/)
  std::string exclude_source;  // leave one source out
  int rounds = 4;
  bool write = false;  // rewrite the engine files in <data_dir>/engines
  std::string data_dir;
};

// `pertoken calibrate engines`: fits each engine's overheads and kernel scales to the measured
// rows it served; prints before/after errors; with `write`, updates the engine files.
int RunCalibrateEngines(const catalog::Catalog& catalog, const CalibrateEnginesOptions& options,
                        std::ostream& out, std::ostream& err);

}  // namespace pertoken::cli
