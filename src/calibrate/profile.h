// One accelerator's fitted op-efficiency profile: the tables it came from, the fitted parameters
// and their quality, and its rendering as a catalog file (doc/formats/efficiency.md).
// Pure functions of their inputs (FitProfile reads files); thread-safe.
#pragma once

#include <string>

#include "calibrate/allreduce_fit.h"
#include "calibrate/attention_fit.h"
#include "calibrate/gemm_fit.h"
#include "calibrate/opdb.h"
#include "catalog/catalog.h"
#include "common/status.h"

namespace pertoken::calibrate {

struct FittedProfile {
  const catalog::Accelerator* accelerator = nullptr;  // owned by the catalog
  OpdbSelection tables;
  std::vector<std::string> gemm_skipped_dtypes;  // gemm_dtype values with no curve of their own
  std::string prefill_kernel;                    // kernel_source of the attention rows used
  std::string decode_kernel;
  GemmFit gemm;
  AttentionFit attention;
  AllReduceFit allreduce;
};

// Reads the tables of `tables` from `opdb_dir`, resolves the accelerator from their `device`
// column through `catalog` (every table must name the same one), and fits the three op families.
// REQUIRES: tables.missing is empty. Errors name the file or the accelerator.
Result<FittedProfile> FitProfile(const catalog::Catalog& catalog, const std::string& opdb_dir,
                                 const OpdbSelection& tables);

// The catalog id of `profile`: <accelerator id>-<framework>.
std::string ProfileId(const FittedProfile& profile);

// The catalog file for `profile`: `efficiency/<ProfileId>.toml`. `opdb_commit` (may be empty)
// names the upstream snapshot in `source`. Deterministic: equal inputs give equal text.
std::string RenderProfile(const FittedProfile& profile, const std::string& opdb_commit);

}  // namespace pertoken::calibrate
