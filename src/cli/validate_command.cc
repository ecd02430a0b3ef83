#include "cli/validate_command.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.h"
#include "validate/text_report.h"
#include "validate/validate.h"

namespace pertoken::cli {

namespace {

using nlohmann::json;

json Fraction(const std::optional<double>& f) { return f ? json(*f) : json(nullptr); }

// Where the benchmark workloads come from: the --workloads file, else the catalog's workloads/.
struct WorkloadsSource {
  std::string path;  // the file, or "catalog"
};

void AddClassStats(const validate::ErrorStats& s, const std::string& suffix, json* out) {
  (*out)["rows_" + suffix] = s.rows;
  (*out)["predicted_" + suffix] = s.predicted;
  (*out)["median_ape_" + suffix] = Fraction(s.median_ape);
  (*out)["p90_ape_" + suffix] = Fraction(s.p90_ape);
  (*out)["interval_coverage_" + suffix] = Fraction(s.interval_coverage);
}

json Summary(const validate::ValidationReport& r, const validate::PredictOptions& p) {
  json s = {{"rows", r.rows.size()},
            {"predicted", r.predicted},
            {"coverage", r.coverage()},
            {"percentile_method", "linear"},
            {"ttft_p99_over_mean", p.ttft_p99_over_mean},
            {"tpot_p99_over_mean", p.tpot_p99_over_mean},
            {"interval_method",
             r.catalog_bands ? "catalog accuracy bands: 10th-90th percentile of measured/predicted "
                               "on the calibration set, per engine and class"
                             : "placeholder: 10th-90th percentile of the class's signed log "
                               "residuals ln(predicted/measured), applied to each prediction"}};
  AddClassStats(r.throughput, "throughput", &s);
  AddClassStats(r.latency, "latency", &s);
  for (const auto& [name, b] :
       {std::pair{"throughput", &r.throughput_band}, std::pair{"latency", &r.latency_band}}) {
    s[std::string("interval_log_residuals_") + name] =
        b->ok ? json::array({b->low_log_residual, b->high_log_residual}) : json(nullptr);
  }
  return s;
}

json Row(const validate::RowResult& r) {
  json j = {
      {"id", r.id},
      {"line", r.line},
      {"source", r.source},
      {"model", r.model},
      {"accelerator", r.accelerator},
      {"engine", r.engine},
      {"metric", r.metric},
      {"class", r.has_class ? json(validate::RowClassName(r.row_class)) : json(nullptr)},
      {"measured", r.measured},
      {"predicted", r.predicted ? json(r.prediction) : json(nullptr)},
      {"ape", r.predicted ? json(r.ape) : json(nullptr)},
      {"interval", r.predicted ? json::array({r.interval_low, r.interval_high}) : json(nullptr)},
      {"in_interval", r.predicted ? json(r.in_interval) : json(nullptr)},
      {"request_rate", r.request_rate > 0 ? json(r.request_rate) : json(nullptr)},
      {"skip_reason", r.predicted ? json(nullptr) : json(r.skip.reason)},
      {"skip_detail", r.predicted || r.skip.detail.empty() ? json(nullptr) : json(r.skip.detail)},
      {"assumptions", r.assumptions}};
  return j;
}

json ToJson(const validate::ValidationReport& r, const ValidateOptions& o, const WorkloadsSource& w,
            const validate::PredictOptions& p) {
  json j = {{"measurements", o.measurements},
            {"workloads", w.path},
            {"summary", Summary(r, p)},
            {"group_by", r.group_by == validate::GroupBy::kNone
                             ? json(nullptr)
                             : json(validate::GroupByName(r.group_by))},
            {"groups", json::array()},
            {"skipped", json::object()}};
  for (const auto& g : r.groups) {
    json group = {{"key", g.key},
                  {"rows", g.rows},
                  {"predicted", g.predicted},
                  {"coverage", g.rows > 0 ? static_cast<double>(g.predicted) / g.rows : 0.0}};
    AddClassStats(g.throughput, "throughput", &group);
    AddClassStats(g.latency, "latency", &group);
    j["groups"].push_back(std::move(group));
  }
  for (const auto& [reason, count] : r.skipped) j["skipped"][reason] = count;
  if (o.rows) {
    j["rows"] = json::array();
    for (const auto& row : r.rows) j["rows"].push_back(Row(row));
  }
  return j;
}

}  // namespace

int RunValidate(const catalog::Catalog& catalog, const ValidateOptions& options, std::ostream& out,
                std::ostream& err) {
  auto by = validate::ParseGroupBy(options.by);
  if (!by.ok()) {
    err << "error: " << by.status().message() << "\n";
    return kExitUsage;
  }
  auto measurements = validate::ReadMeasurements(options.measurements);
  if (!measurements.ok()) return Fail(err, measurements.status().message());

  // A file given with --workloads replaces the catalog's workloads.
  const WorkloadsSource source{.path = options.workloads.empty() ? "catalog" : options.workloads};
  auto loaded = validate::LoadWorkloads(catalog, options.workloads);
  if (!loaded.ok()) return Fail(err, loaded.status().message());
  const std::vector<validate::BenchmarkWorkload>& workloads = *loaded;
  if (workloads.empty()) {
    err << "note: no benchmark workloads (the catalog has no workloads/ and no --workloads file "
           "was given); MLPerf rows without lengths are skipped\n";
  }

  const validate::Options vo{.group_by = *by};
  const validate::ValidationReport report =
      validate::Validate(catalog, *measurements, workloads, vo);
  if (options.json) {
    out << ToJson(report, options, source, vo.predict).dump(2) << "\n";
  } else {
    validate::WriteTextReport(
        report, {.measurements = options.measurements, .rows = options.rows, .predict = vo.predict},
        out);
  }
  return kExitOk;
}

}  // namespace pertoken::cli
