// Fleet files (doc/formats/fleet.md): a TOML description of a heterogeneous fleet for `pertoken
// simulate --fleet`: groups of identical replicas (each its own deployment, role and model tier),
// the tiers' shares of the requests, the routing and the prefill-to-decode link. Read with the
// catalog's TOML adapter, so every problem names the file, the line and the key. Thread-safe.
#pragma once

#include <string>

#include "catalog/catalog.h"
#include "cli/simulate_command.h"
#include "common/status.h"

namespace pertoken::cli {

// Reads the fleet file at `path`. Model, accelerator, engine, precision and spec_decode names
// resolve against `catalog` here, so a misspelt one is reported at its line with the catalog's
// did-you-mean; each group's `where` names its line. ParseError listing every problem found, one
// per line ("fleet.toml:7: group[1].role: 'prefil' is not one of: unified, prefill, decode");
// IoError when the file cannot be read. Consistency across groups (a tier without replicas, a
// tier mixing roles) is left to the simulator, which reports it as InvalidArgument.
Result<FleetOptions> ReadFleetFile(const catalog::Catalog& catalog, const std::string& path);

}  // namespace pertoken::cli
