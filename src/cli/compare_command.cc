#include "cli/compare_command.h"

#include <fmt/format.h>

#include <algorithm>

#include "cli/commands.h"
#include "cli/cost_command.h"

namespace pertoken::cli {

namespace {

// "variant 'H200' (s.toml:12)", or "baseline 'baseline' (s.toml:3)".
std::string Naming(const Scenario& s, bool baseline) {
  return fmt::format("{} '{}' ({})", baseline ? "baseline" : "variant", s.name, s.where);
}

// The catalog id of a format or engine name; the name itself when it does not resolve.
template <typename Found>
std::string IdOr(const Found& found, const std::string& name) {
  return found.ok() ? (*found)->id : name;
}

// A costed scenario: the cost engine's report, the way to pay its pricing picks, the labels.
Result<report::CompareRow> Evaluate(const catalog::Catalog& cat, const Scenario& s) {
  const CostOptions& o = s.settings.cost;
  auto cost = EvaluateCost(cat, o);
  if (!cost.ok()) return cost.status();
  auto option = PickWayToPay(*cost, s.settings.pricing);
  if (!option.ok()) return option.status();
  report::CompareRow row{.name = s.name,
                         .knobs = s.knobs,
                         .input_tokens = o.input_tokens,
                         .output_tokens = o.output_tokens,
                         .pricing_rule = s.settings.pricing,
                         .cost = std::move(cost).value(),
                         .option = *option};
  if (!row.cost.model.empty()) {
    const catalog::Model* model = *cat.FindModel(row.cost.model);
    const std::string& weights = o.deployment.weights;
    row.weights =
        weights.empty() ? model->default_weights : IdOr(cat.FindPrecision(weights, false), weights);
    row.kv = IdOr(cat.FindPrecision(o.deployment.kv, true), o.deployment.kv);
    row.engine = IdOr(cat.FindEngine(o.deployment.engine), o.deployment.engine);
  }
  return row;
}

}  // namespace

Result<size_t> PickWayToPay(const report::CostReport& report, const std::string& pricing) {
  const auto& options = report.options;
  auto picked = [&](const report::CostOption& o) {
    if (pricing == "cheapest") return true;
    if (pricing == "cheapest-self-hosted") return o.pricing != "api";
    if (pricing.starts_with("api:")) return o.pricing == "api" && "api:" + o.provider == pricing;
    return o.pricing == pricing;
  };
  // Options come cheapest first, so the first that matches is the cheapest of its kind.
  const auto it = std::find_if(options.begin(), options.end(), picked);
  if (it != options.end()) return static_cast<size_t>(it - options.begin());
  std::string ways;
  for (const report::CostOption& o : options) {
    ways += (ways.empty() ? "" : ", ") +
            (o.provider.empty() ? o.pricing : o.pricing + " " + o.provider);
  }
  std::string what = fmt::format("no {} offer", pricing);
  if (pricing.starts_with("api:")) {
    what = fmt::format("no offer of API provider '{}' for {}", pricing.substr(4),
                       report.model.empty() ? "this model" : report.model);
  } else if (pricing == "cheapest-self-hosted") {
    what = "no self-hosted way to pay";
  } else if (pricing == "given") {
    what = "no given price (set usd_per_hour)";
  } else {
    what += " for " + report.accelerator;
  }
  return Status::InvalidArgument(
      fmt::format("{} in the catalog; ways to pay here: {}", what, ways.empty() ? "none" : ways));
}

Result<report::CompareReport> EvaluateCompare(const catalog::Catalog& cat,
                                              const ScenarioFile& file) {
  report::CompareReport rep{
      .file = file.file, .title = file.title, .description = file.description};
  std::string errors;
  for (size_t i = 0; i < file.scenarios.size(); ++i) {
    const Scenario& s = file.scenarios[i];
    auto row = Evaluate(cat, s);
    if (row.ok()) {
      rep.rows.push_back(std::move(row).value());
    } else {
      errors += fmt::format("{}{}: {}", errors.empty() ? "" : "\n", Naming(s, i == 0),
                            row.status().message());
    }
  }
  if (!errors.empty()) return Status::InvalidArgument(errors);
  return rep;
}

int RunCompare(const catalog::Catalog& cat, const CompareOptions& o, std::ostream& out,
               std::ostream& err) {
  // Every problem on its own `error:` line.
  auto fail_each = [&](const Status& s) {
    const std::string& m = s.message();
    for (size_t start = 0; start <= m.size();) {
      const size_t nl = std::min(m.find('\n', start), m.size());
      Fail(err, m.substr(start, nl - start));
      start = nl + 1;
    }
    return kExitFailure;
  };
  if (o.json + o.csv + o.markdown > 1) return Fail(err, "give at most one of --json, --csv, --md");
  auto file = ReadScenarioFile(cat, o.file);
  if (!file.ok()) return fail_each(file.status());
  auto rep = EvaluateCompare(cat, *file);
  if (!rep.ok()) return fail_each(rep.status());
  if (o.json) {
    out << report::CompareJson(*rep).dump(2) << "\n";
  } else if (o.csv) {
    out << report::CompareCsv(*rep);
  } else if (o.markdown) {
    out << report::CompareMarkdown(*rep);
  } else {
    out << report::CompareText(*rep);
  }
  return kExitOk;
}

}  // namespace pertoken::cli
