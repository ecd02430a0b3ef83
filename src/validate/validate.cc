#include "validate/validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "validate/repeated.h"
#include "validate/row_mapping.h"

namespace pertoken::validate {

namespace {

constexpr std::array kGroupNames = {
    std::pair{GroupBy::kSource, "source"}, std::pair{GroupBy::kAccelerator, "accelerator"},
    std::pair{GroupBy::kEngine, "engine"}, std::pair{GroupBy::kMetric, "metric"},
    std::pair{GroupBy::kModel, "model"}};

RowResult Evaluate(NameResolver& names, const std::vector<BenchmarkWorkload>& workloads,
                   const Measurement& m, const PredictOptions& options, const Skip* repeated) {
  RowPlan plan = MapRow(names, workloads, m, options);
  if (repeated && plan.ok) {
    plan.ok = false;
    plan.skip = *repeated;
  }
  RowResult r{.id = m.id,
              .line = m.line,
              .metric = m.metric,
              .source = m.SourcePrefix(),
              .model = plan.model_key,
              .accelerator = plan.accelerator_key,
              .engine = plan.engine_key,
              .has_class = plan.has_metric,
              .row_class = plan.metric.row_class,
              .measured = plan.measured,
              .assumptions = plan.assumptions};
  if (!plan.ok) {
    r.skip = plan.skip;
    return r;
  }
  const Prediction p = PredictRow(plan, options);
  r.request_rate = p.request_rate;
  if (!p.ok) {
    r.skip = p.skip;
    return r;
  }
  r.predicted = true;
  r.prediction = p.value;
  r.ape = AbsolutePercentageError(p.value, r.measured);
  return r;
}

IntervalBand Band(const std::vector<RowResult>& rows, RowClass c, const Options& o) {
  std::vector<double> residuals;
  for (const auto& r : rows) {
    if (r.predicted && r.row_class == c) residuals.push_back(std::log(r.prediction / r.measured));
  }
  if (residuals.empty()) return {};
  return {.ok = true,
          .low_log_residual = Percentile(residuals, o.interval_low_quantile),
          .high_log_residual = Percentile(residuals, o.interval_high_quantile)};
}

void ApplyBand(const IntervalBand& band, RowResult* r) {
  r->interval_low = r->prediction * std::exp(-band.high_log_residual);
  r->interval_high = r->prediction * std::exp(-band.low_log_residual);
  r->in_interval = r->measured >= r->interval_low && r->measured <= r->interval_high;
}

// Error stats of the rows of class `c` among `rows`.
ErrorStats ClassStats(const std::vector<const RowResult*>& rows, RowClass c) {
  int64_t count = 0;
  int64_t inside = 0;
  std::vector<double> apes;
  for (const RowResult* r : rows) {
    if (!r->has_class || r->row_class != c) continue;
    ++count;
    if (!r->predicted) continue;
    apes.push_back(r->ape);
    inside += r->in_interval ? 1 : 0;
  }
  return SummarizeErrors(count, apes, inside);
}

std::vector<std::pair<std::string, int64_t>> SkipCounts(const std::vector<RowResult>& rows) {
  std::map<std::string, int64_t> counts;
  for (const auto& r : rows) {
    if (!r.predicted) ++counts[r.skip.reason];
  }
  std::vector<std::pair<std::string, int64_t>> out(counts.begin(), counts.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

std::vector<GroupResult> Groups(const std::vector<RowResult>& rows, GroupBy by) {
  if (by == GroupBy::kNone) return {};
  std::map<std::string, std::vector<const RowResult*>> members;
  for (const auto& r : rows) members[r.Key(by)].push_back(&r);
  std::vector<GroupResult> out;
  for (const auto& [key, group] : members) {
    GroupResult g{.key = key, .rows = static_cast<int64_t>(group.size())};
    g.predicted =
        std::count_if(group.begin(), group.end(), [](const RowResult* r) { return r->predicted; });
    g.throughput = ClassStats(group, RowClass::kThroughput);
    g.latency = ClassStats(group, RowClass::kLatency);
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace

Result<GroupBy> ParseGroupBy(std::string_view name) {
  if (name.empty()) return GroupBy::kNone;
  for (const auto& [by, n] : kGroupNames) {
    if (name == n) return by;
  }
  return Status::InvalidArgument(
      fmt::format("--by '{}': expected source, accelerator, engine, metric or model", name));
}

const char* GroupByName(GroupBy by) {
  for (const auto& [b, n] : kGroupNames) {
    if (b == by) return n;
  }
  return "";
}

const std::string& RowResult::Key(GroupBy by) const {
  switch (by) {
    case GroupBy::kAccelerator:
      return accelerator;
    case GroupBy::kEngine:
      return engine;
    case GroupBy::kMetric:
      return metric;
    case GroupBy::kModel:
      return model;
    case GroupBy::kSource:
    case GroupBy::kNone:
      break;
  }
  return source;
}

ValidationReport Validate(const catalog::Catalog& catalog,
                          const std::vector<Measurement>& measurements,
                          const std::vector<BenchmarkWorkload>& workloads, const Options& options) {
  ValidationReport report{.group_by = options.group_by};
  NameResolver names(catalog);
  report.rows.reserve(measurements.size());
  const std::map<std::string, Skip> repeated = RepeatedResults(measurements);
  for (const Measurement& m : measurements) {
    const auto it = repeated.find(m.id);
    report.rows.push_back(Evaluate(names, workloads, m, options.predict,
                                   it == repeated.end() ? nullptr : &it->second));
  }

  // Placeholder intervals from the residuals themselves (see IntervalBand).
  report.throughput_band = Band(report.rows, RowClass::kThroughput, options);
  report.latency_band = Band(report.rows, RowClass::kLatency, options);
  for (auto& r : report.rows) {
    if (!r.predicted) continue;
    ++report.predicted;
    // The catalog's calibration bands (the intervals estimate prints) when it has them.
    if (const catalog::AccuracyBand* b = catalog.BandFor(r.engine, RowClassName(r.row_class))) {
      r.interval_low = r.prediction * b->low_ratio;
      r.interval_high = r.prediction * b->high_ratio;
      r.in_interval = r.measured >= r.interval_low && r.measured <= r.interval_high;
      report.catalog_bands = true;
      continue;
    }
    ApplyBand(r.row_class == RowClass::kThroughput ? report.throughput_band : report.latency_band,
              &r);
  }

  std::vector<const RowResult*> all;
  for (const auto& r : report.rows) all.push_back(&r);
  report.throughput = ClassStats(all, RowClass::kThroughput);
  report.latency = ClassStats(all, RowClass::kLatency);
  report.skipped = SkipCounts(report.rows);
  report.groups = Groups(report.rows, options.group_by);
  return report;
}

}  // namespace pertoken::validate
