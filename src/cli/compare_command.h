// `pertoken compare`: the scenarios of a scenario file (doc/formats/scenario.md), a baseline and
// variants that change some of its knobs, each costed by the cost engine (`pertoken cost`) and
// shown side by side with the change against the baseline.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>

#include "catalog/catalog.h"
#include "cli/scenario_file.h"
#include "common/status.h"
#include "report/compare_report.h"
#include "report/cost_report.h"

namespace pertoken::cli {

struct CompareOptions {
  std::string file;  // the scenario file
  // The output: an aligned text table unless one of these is set (at most one).
  bool json = false;      // doc/formats/compare-json.md
  bool csv = false;       // doc/formats/compare-json.md, "CSV"
  bool markdown = false;  // a Markdown table
};

// The way to pay that `pricing` (ScenarioSettings::pricing) picks among report.options (cheapest
// first): the cheapest of all ("cheapest"), of those that are not an API
// ("cheapest-self-hosted"), of one pricing ("spot") or one API provider's ("api:together").
// Its index, or InvalidArgument naming what is missing and the ways to pay there are.
Result<size_t> PickWayToPay(const report::CostReport& report, const std::string& pricing);

// Every scenario of `file` costed, the baseline first. InvalidArgument with one line per scenario
// that cannot be costed, each naming the scenario, where its table is and why ("variant 'H200'
// (s.toml:12): no spot offer for h200-sxm; ways to pay here: ...").
Result<report::CompareReport> EvaluateCompare(const catalog::Catalog& catalog,
                                              const ScenarioFile& file);

// 0 when every scenario was costed; 1 with one `error:` line per problem when the file is wrong
// or a scenario cannot be costed (none is dropped).
int RunCompare(const catalog::Catalog& catalog, const CompareOptions& options, std::ostream& out,
               std::ostream& err);

}  // namespace pertoken::cli
