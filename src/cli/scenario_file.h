// Scenario files (doc/formats/scenario.md): a TOML description for `pertoken compare` of a
// baseline (a deployment, its traffic and a way to pay) and named variants that each change some
// of its knobs. Read with the catalog's TOML adapter, so every problem names the file, the line
// and the key. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "cli/cost_command.h"
#include "common/status.h"

namespace pertoken::cli {

// Everything one scenario fixes: the cost command's options, and the way to pay its row shows.
struct ScenarioSettings {
  CostOptions cost;
  // "cheapest" (of every way, the default), "cheapest-self-hosted", one pricing (on_demand, spot,
  // commit_1yr, commit_3yr, reserved, capacity_block, owned, given) or "api:<provider id>".
  std::string pricing = "cheapest";
};

struct Scenario {
  std::string name;
  std::string where;  // "file:line" of its table
  // The knobs its table sets, in file order, with their values as written ("" resets a knob to
  // the cost command's default): for the baseline all of its own, for a variant its overrides.
  std::vector<std::pair<std::string, nlohmann::json>> knobs;
  ScenarioSettings settings;  // the baseline's settings with those knobs applied
};

struct ScenarioFile {
  std::string file;
  std::string title;
  std::string description;          // "" when the file has none
  std::vector<Scenario> scenarios;  // the baseline first, then the variants in file order
};

// The knob keys a scenario table may set besides `name`, in the order of the format's table.
std::vector<std::string> KnobKeys();

// Reads the scenario file at `path`. Names (model, accelerator, engine, precisions, spec_decode,
// providers, ownership, datacenter, pricing's API provider) resolve against `catalog` here, so a
// misspelt one is reported at its line with the catalog's did-you-mean. ParseError listing every
// problem found, one per line ("s.toml:9: variants[0].acelerator: unknown knob; did you mean
// accelerator?"); IoError when the file cannot be read. Whether the knobs go together (an SLO
// with a fixed concurrency, a deployment that does not fit) is left to the cost engine.
Result<ScenarioFile> ReadScenarioFile(const catalog::Catalog& catalog, const std::string& path);

}  // namespace pertoken::cli
