#include "validate/text_report.h"

#include <fmt/format.h>

#include <cmath>
#include <optional>

namespace pertoken::validate {

namespace {

constexpr double kPercent = 100;

std::string Pct(const std::optional<double>& f) {
  return f ? fmt::format("{:.1f}%", *f * kPercent) : "-";
}

std::string Pct(double f) { return fmt::format("{:.1f}%", f * kPercent); }

void WriteClasses(const ValidationReport& r, std::ostream& out) {
  out << fmt::format("  {:<11} {:>6} {:>10} {:>9} {:>11} {:>9} {:>12}\n", "class", "rows",
                     "predicted", "coverage", "median APE", "p90 APE", "in interval");
  for (const auto& [name, s] :
       {std::pair{"throughput", &r.throughput}, std::pair{"latency", &r.latency}}) {
    out << fmt::format("  {:<11} {:>6} {:>10} {:>9} {:>11} {:>9} {:>12}\n", name, s->rows,
                       s->predicted, Pct(s->coverage()), Pct(s->median_ape), Pct(s->p90_ape),
                       Pct(s->interval_coverage));
  }
}

void WriteSkipped(const ValidationReport& r, std::ostream& out) {
  const int64_t skipped = static_cast<int64_t>(r.rows.size()) - r.predicted;
  if (skipped == 0) return;
  out << fmt::format("\nSkipped {} row{}:\n", skipped, skipped == 1 ? "" : "s");
  for (const auto& [reason, count] : r.skipped) out << fmt::format("  {:>6}  {}\n", count, reason);
}

void WriteGroups(const ValidationReport& r, std::ostream& out) {
  if (r.group_by == GroupBy::kNone) return;
  size_t width = 5;
  for (const auto& g : r.groups) width = std::max(width, g.key.size());
  out << fmt::format("\nBy {}:\n", GroupByName(r.group_by));
  out << fmt::format("  {:<{}} {:>6} {:>10} {:>9} {:>12} {:>9} {:>12} {:>9}\n", "key", width,
                     "rows", "predicted", "coverage", "thr median", "thr p90", "lat median",
                     "lat p90");
  for (const auto& g : r.groups) {
    const double coverage = g.rows > 0 ? static_cast<double>(g.predicted) / g.rows : 0;
    out << fmt::format("  {:<{}} {:>6} {:>10} {:>9} {:>12} {:>9} {:>12} {:>9}\n",
                       g.key.empty() ? "(blank)" : g.key, width, g.rows, g.predicted, Pct(coverage),
                       Pct(g.throughput.median_ape), Pct(g.throughput.p90_ape),
                       Pct(g.latency.median_ape), Pct(g.latency.p90_ape));
  }
}

void WriteRows(const ValidationReport& r, std::ostream& out) {
  out << fmt::format("\nRows:\n  {:<12} {:<26} {:>10} {:>10}  {}\n", "id", "metric", "measured",
                     "predicted", "APE or skip reason");
  for (const auto& row : r.rows) {
    std::string outcome;
    if (row.predicted) {
      outcome = Pct(row.ape);
    } else {
      outcome = "skipped: " + row.skip.reason;
      if (!row.skip.detail.empty()) outcome += " (" + row.skip.detail + ")";
    }
    out << fmt::format("  {:<12} {:<26} {:>10} {:>10}  {}\n", row.id, row.metric,
                       FormatValue(row.measured), row.predicted ? FormatValue(row.prediction) : "-",
                       outcome);
  }
}

void WriteNotes(const ValidationReport& r, const TextReportOptions& o, std::ostream& out) {
  out << "\nNotes:\n"
      << "  APE = |predicted - measured| / measured; median and p90 by linear interpolation\n"
      << "  between closest ranks (numpy's default). Throughput: the tokens/s metrics; latency:\n"
      << "  TTFT, TPOT, ITL. Medians and p50s are predicted as means. p99s are the simulated\n"
      << "  run's where a row is replayed (a burst, a request rate, a closed loop); otherwise\n"
      << fmt::format("  mean × {} (TTFT), × {} (TPOT).\n", o.predict.ttft_p99_over_mean,
                     o.predict.tpot_p99_over_mean);
  if (r.catalog_bands) {
    out << "  \"in interval\": the measured value lies in the prediction's band from the "
           "catalog's\n"
        << "  accuracy profile (10th-90th percentile of measured/predicted on the calibration "
           "set,\n"
        << "  per engine): about 80% on the data it was fitted to; on other data, this column\n"
        << "  says how honest the bands are.\n";
    return;
  }
  out << "  \"in interval\" is a placeholder: the catalog has no accuracy profile, so\n"
      << "  each prediction gets its class's 10th-90th percentile band of log residuals";
  std::string bands;
  for (const auto& [name, b] :
       {std::pair{"throughput", &r.throughput_band}, std::pair{"latency", &r.latency_band}}) {
    if (!b->ok) continue;
    bands += fmt::format("{}{} measured/predicted in [{:.3g}, {:.3g}]", bands.empty() ? "" : "; ",
                         name, std::exp(-b->high_log_residual), std::exp(-b->low_log_residual));
  }
  if (!bands.empty()) out << "\n  (" << bands << ")";
  out << ";\n  about 80% fall inside by construction.\n";
}

}  // namespace

std::string FormatValue(double v) {
  const double a = std::abs(v);
  if (a >= 1000) return fmt::format("{:.0f}", v);
  return fmt::format("{:.4g}", v);
}

void WriteTextReport(const ValidationReport& r, const TextReportOptions& o, std::ostream& out) {
  out << fmt::format("Validation against {}\n", o.measurements);
  out << fmt::format("Rows {}, predicted {} (coverage {})\n\n", r.rows.size(), r.predicted,
                     Pct(r.coverage()));
  WriteClasses(r, out);
  WriteSkipped(r, out);
  WriteGroups(r, out);
  if (o.rows) WriteRows(r, out);
  WriteNotes(r, o, out);
}

}  // namespace pertoken::validate
