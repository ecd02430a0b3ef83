// Hugging Face config.json -> catalog::Model: the importer behind `pertoken catalog import-hf` and
// `--model-config`, and the writer of model files (doc/formats/model.md) that the loader reads
// back field for field.
//
// The importer knows each supported architecture by its `model_type` (or, when that is absent,
// its `architectures` entry) and maps every key it reads by name, with the defaults of the
// architecture's transformers config class where the published files rely on them. It never
// guesses: an unknown architecture, a missing required key, or keys that contradict each other
// are errors that name the key and the file. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "catalog/types.h"
#include "common/status.h"

namespace pertoken::catalog {

struct HfImportOptions {
  std::string id;    // catalog id; empty = from `_name_or_path`, else the file name
  std::string name;  // display name; empty = the model's name from the same place
};

// A model read from a config, with what the catalog model leaves out or approximates.
struct HfImport {
  Model model;  // provenance.source and .notes are set; params_* are not
  // One sentence per approximation or default used ("the vision encoder (vision_config) is not
  // counted"), in the order found; also joined into model.provenance.notes.
  std::vector<std::string> notes;
};

// Maps the config in `json_text`, read from `path` (named in messages and in `source`).
// ParseError "<path>: ..." for text that is not a JSON object; InvalidArgument "<path>: ..." for a
// vision or embedding-only model, an unknown architecture (listing the supported ones and the
// required keys it lacks), missing required keys (all of them, by name) and contradictory ones
// (each by name, with the values). Every problem found is in the one message, one per line.
Result<HfImport> ModelFromHfConfig(std::string_view json_text, const std::string& path,
                                   const HfImportOptions& options);

// Reads `path` and maps it as ModelFromHfConfig does; IoError when it cannot be read.
Result<HfImport> ReadHfConfig(const std::string& path, const HfImportOptions& options);

// The `model_type` values the importer supports, sorted, with the architecture each stands for
// ("llama (LlamaForCausalLM)").
std::vector<std::string> SupportedHfArchitectures();

// A catalog id from a model name: lowercase, [a-z0-9.-] only, the organisation prefix
// ("meta-llama/", "meta-llama__") dropped. Empty when nothing is left.
std::string HfModelId(std::string_view name);

// The model file for `model` (doc/formats/model.md): every architecture field the loader reads,
// the entity fields (schema_version, id, name, hf_id, source, notes) and params_*; a key at its
// default is left out. Loading the text gives back `model` (provenance aside).
std::string WriteModelToml(const Model& model);

}  // namespace pertoken::catalog
