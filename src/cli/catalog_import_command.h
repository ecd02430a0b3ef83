// `pertoken catalog import-hf` and `--model-config`: a Hugging Face config.json as a catalog model
// (catalog/hf_config.h), with its parameter count computed from the architecture and, when a
// published size is given, checked against it.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "catalog/catalog.h"
#include "common/status.h"

namespace pertoken::cli {

struct CatalogImportOptions {
  std::string config;  // path of the config.json
  std::string id;      // catalog id; empty = the --out file's name, else the model's name
  std::string out;     // model file to write; empty = print it
  // The vendor's stated total (and active) parameter count: "8.03e9", "8030261248", "8.03B",
  // "671B". When given, the computed count must be within 1% (perf::kParamTolerance); the file
  // then records it as params_published and the computed count as params_reference.
  std::string params_published;
  std::string params_active_published;
};

// "8.03e9", "8030261248", "8.03B", "46.7 B", "1T", "950M": a parameter count; nullopt when the
// text is not one.
std::optional<double> ParseParamCount(const std::string& text);

// `pertoken catalog import-hf`: maps the config, checks the count, validates the file as the
// catalog would load it (into `catalog`, whose ids it must not reuse) and writes it. 0 on
// success; 1 for an unreadable or unsupported config, a count off by more than 1%, an id already
// in the catalog or a file that cannot be written; 2 for a published count that is not a number.
int RunCatalogImport(catalog::Catalog& catalog, const CatalogImportOptions& options,
                     std::ostream& out, std::ostream& err);

// `--model-config PATH` of fit, estimate, cost, plan and simulate: imports the config into
// `catalog` and returns the model's id to use as --model. The id is the model's own name, with
// "-config" (then "-config-2", ...) appended while the catalog already has a model by that name.
// InvalidArgument / ParseError / IoError from the import, prefixed "--model-config".
Result<std::string> AddModelConfig(catalog::Catalog& catalog, const std::string& path);

}  // namespace pertoken::cli
