// Consistency checks of catalog models against the perf model: the computed parameter counts must
// agree with the reference counts a model file records. Used by `pertoken catalog check`.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"

namespace pertoken::perf {

// Relative tolerance between computed and reference parameter counts.
inline constexpr double kParamTolerance = 0.01;

// One "file:line: key: message" per model whose computed total or active parameter count differs
// from params_reference / params_active_reference by more than kParamTolerance. Both counts leave
// out the multi-token prediction layers (ParamCount::mtp), as published sizes do.
std::vector<std::string> CheckModelParams(const catalog::Catalog& catalog);

}  // namespace pertoken::perf
