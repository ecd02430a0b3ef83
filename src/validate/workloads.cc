#include "validate/workloads.h"

#include <fmt/format.h>

#include <filesystem>

#include "validate/text.h"

namespace pertoken::validate {

namespace {

constexpr double kSecondsPerMs = 1e-3;

}  // namespace

const std::vector<std::string>& WorkloadColumns() {
  static const std::vector<std::string> columns = {"benchmark",
                                                   "model",
                                                   "input_mean",
                                                   "output_mean",
                                                   "server_ttft_p99_limit_ms",
                                                   "server_tpot_p99_limit_ms",
                                                   "interactive_ttft_p99_limit_ms",
                                                   "interactive_tpot_p99_limit_ms"};
  return columns;
}

Result<std::vector<BenchmarkWorkload>> ParseWorkloads(const CsvTable& table) {
  std::vector<BenchmarkWorkload> out;
  for (const CsvRow& row : table.rows) {
    BenchmarkWorkload w{.benchmark = StripParenthetical(row.Get("benchmark")),
                        .model = StripParenthetical(row.Get("model")),
                        .line = row.line,
                        .where = fmt::format("{}:{}", table.name, row.line)};
    const struct {
      const char* column;
      std::optional<double>* field;
      double scale;
    } numbers[] = {
        {"input_mean", &w.input_mean_tokens, 1},
        {"output_mean", &w.output_mean_tokens, 1},
        {"server_ttft_p99_limit_ms", &w.server_ttft_p99_limit_s, kSecondsPerMs},
        {"server_tpot_p99_limit_ms", &w.server_tpot_p99_limit_s, kSecondsPerMs},
        {"interactive_ttft_p99_limit_ms", &w.interactive_ttft_p99_limit_s, kSecondsPerMs},
        {"interactive_tpot_p99_limit_ms", &w.interactive_tpot_p99_limit_s, kSecondsPerMs},
    };
    for (const auto& n : numbers) {
      const std::string& text = row.Get(n.column);
      if (Trim(text).empty()) continue;
      const std::optional<double> v = ParseNumber(text);
      if (!v) {
        return Status::ParseError(
            fmt::format("{}:{}: {}: '{}' is not a number", table.name, row.line, n.column, text));
      }
      *n.field = *v * n.scale;
    }
    out.push_back(std::move(w));
  }
  return out;
}

Result<std::vector<BenchmarkWorkload>> ReadWorkloads(const std::string& path) {
  auto table = ReadCsvFile(path, WorkloadColumns());
  if (!table.ok()) return table.status();
  return ParseWorkloads(*table);
}

std::vector<BenchmarkWorkload> WorkloadsFromCatalog(const catalog::Catalog& catalog) {
  std::vector<BenchmarkWorkload> out;
  for (const catalog::Workload& w : catalog.workloads()) {
    const std::filesystem::path file(w.provenance.file);
    out.push_back({.benchmark = w.benchmark,
                   .model = w.model,
                   .where = (file.parent_path().filename() / file.filename()).string(),
                   .input_mean_tokens = w.input_mean_tokens,
                   .output_mean_tokens = w.output_mean_tokens,
                   .server_ttft_p99_limit_s = w.server_ttft_p99_s,
                   .server_tpot_p99_limit_s = w.server_tpot_p99_s,
                   .interactive_ttft_p99_limit_s = w.interactive_ttft_p99_s,
                   .interactive_tpot_p99_limit_s = w.interactive_tpot_p99_s,
                   .reference_precisions = w.reference_precisions});
  }
  return out;
}

Result<std::vector<BenchmarkWorkload>> LoadWorkloads(const catalog::Catalog& catalog,
                                                     const std::string& path) {
  if (path.empty()) return WorkloadsFromCatalog(catalog);
  auto read = ReadWorkloads(path);
  if (!read.ok()) return read.status();
  std::vector<BenchmarkWorkload> out = std::move(read).value();
  for (BenchmarkWorkload& w : out) {
    for (const catalog::Workload& c : catalog.workloads()) {
      if (Lower(c.benchmark) == Lower(w.benchmark)) w.reference_precisions = c.reference_precisions;
    }
  }
  return out;
}

}  // namespace pertoken::validate
