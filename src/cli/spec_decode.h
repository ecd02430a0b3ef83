// The speculative-decoding spec shared by `estimate --spec-decode`, `simulate --spec-decode` and
// the fleet file's `spec_decode` key: "draft=ID,k=4,accept=0.7" (a separate draft model) or
// "k=1,accept=0.8" (heads on the target, MTP/EAGLE). Pure function of the catalog; thread-safe.
#pragma once

#include <string>

#include "catalog/catalog.h"
#include "common/status.h"
#include "perf/serving.h"

namespace pertoken::cli {

// Parses `text` (comma-separated key=value items: draft, k, accept; accept is required).
// InvalidArgument naming the item at fault, without a flag or file prefix (the caller adds where
// the text came from); the draft model resolves through the catalog with its did-you-mean.
Result<perf::SpecDecode> ParseSpecDecode(const catalog::Catalog& catalog, const std::string& text);

}  // namespace pertoken::cli
