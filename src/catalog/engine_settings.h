// Engine settings that a serving command line changes: the engine file's [cli_flags] table maps
// the engine's own flags (`--max-num-batched-tokens`, `--max_batch_size`, ...) to a few keys of
// the engine file, so a measurement's recorded command, or a user's, reaches the model as data.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "catalog/types.h"
#include "common/status.h"

namespace pertoken::catalog {

// The keys a flag may set (doc/formats/engine.md, [cli_flags]).
const std::vector<std::string>& EngineSettingKeys();

// One setting: `key` (of EngineSettingKeys) to `value`, from `flag` as written.
struct EngineSetting {
  std::string key;
  std::string value;
  std::string flag;
};

// Sets `key` to `value` on `engine`. A limit set this way wins over the accelerator-dependent
// [[limits.overrides]]. InvalidArgument naming the flag for an unknown key or a bad value.
Status ApplyEngineSetting(const EngineSetting& setting, Engine* engine);

// The settings of `command` (a serving command line) by `engine`'s [cli_flags]: `--flag value`,
// `--flag=value`, and for flags mapped to "key=value" the flag alone; '_' and '-' in flag names
// are the same. Flags the table does not map are ignored: ports, parsers and paths do not change
// performance.
// `unmapped`, when given, receives the flags (words starting with '-') the table does not map.
std::vector<EngineSetting> SettingsFromCommand(const Engine& engine, std::string_view command,
                                               std::vector<std::string>* unmapped = nullptr);

}  // namespace pertoken::catalog
