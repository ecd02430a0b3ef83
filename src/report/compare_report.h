// The `pertoken compare` report: the scenarios of one scenario file (doc/formats/scenario.md),
// each costed by the cost engine under one way to pay, side by side with the change against the
// baseline; as text and Markdown for people, CSV and JSON for programs
// (doc/formats/compare-json.md). Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "report/cost_report.h"

namespace pertoken::report {

// One scenario, costed.
struct CompareRow {
  std::string name;
  // The knobs its table sets, in file order, as written: all of the baseline's own, a variant's
  // overrides.
  std::vector<std::pair<std::string, nlohmann::json>> knobs;
  // The deployment's weight and KV formats and engine (catalog ids); "" when unknown (a capacity
  // given without a model).
  std::string weights;
  std::string kv;
  std::string engine;
  std::optional<int64_t> input_tokens;  // per request
  std::optional<int64_t> output_tokens;
  std::string pricing_rule;  // the scenario's `pricing`: "cheapest", "spot", "api:together", ...
  CostReport cost;
  size_t option = 0;  // the way to pay shown: an index into cost.options

  const CostOption& shown() const { return cost.options[option]; }
};

struct CompareReport {
  std::string file;
  std::string title;
  std::string description;
  std::vector<CompareRow> rows;  // the baseline first
};

// The change from `base` to `value` in percent: (value − base) / base × 100; nullopt when `base`
// is 0.
std::optional<double> PercentChange(double value, double base);

// REQUIRES (all four): report.rows is not empty, and each row's option indexes its cost.options.
// An aligned table with a title line and a footer that explains the columns.
std::string CompareText(const CompareReport& report);
// The same table in Markdown.
std::string CompareMarkdown(const CompareReport& report);
// One header line and one line per scenario; numbers in full precision, empty where none.
std::string CompareCsv(const CompareReport& report);
nlohmann::json CompareJson(const CompareReport& report);

}  // namespace pertoken::report
