// Benchmark workloads: the mean prompt and output lengths and the latency limits of the MLPerf
// Inference LLM benchmarks and of ShareGPT, from the catalog (data/catalog/workloads/) or from a
// file in the layout of shared/reference/benchmark_workloads.csv (`validate --workloads`). MLPerf
// rows of a measurements file leave their lengths blank (they are dataset-driven); validate
// predicts them at these means. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "common/status.h"
#include "validate/csv.h"

namespace pertoken::validate {

struct BenchmarkWorkload {
  std::string benchmark;  // "llama2-70b": the file's benchmark name without its "(...)" variants
  std::string model;      // the model as the file names it ("Llama-2-70b-chat-hf")
  int line = 0;           // where the row is, for messages
  std::string where;      // the same for messages: "benchmark_workloads.csv:3", "workloads/x.toml"
  std::optional<double> input_mean_tokens;
  std::optional<double> output_mean_tokens;
  // p99 limits of the Server and Interactive scenarios (absent when the benchmark has none).
  std::optional<double> server_ttft_p99_limit_s;
  std::optional<double> server_tpot_p99_limit_s;
  std::optional<double> interactive_ttft_p99_limit_s;
  std::optional<double> interactive_tpot_p99_limit_s;
  // How the benchmark's reference implementation runs on some hardware (catalog workloads only).
  std::vector<catalog::ReferencePrecision> reference_precisions;
};

// The columns ReadWorkloads needs.
const std::vector<std::string>& WorkloadColumns();

// The workloads of a parsed benchmark_workloads.csv (limits converted from ms to s). ParseError
// "file:line: column: not a number" for a non-empty field that is not a number.
Result<std::vector<BenchmarkWorkload>> ParseWorkloads(const CsvTable& table);

// Reads and parses the file; IoError/ParseError as ReadCsvFile and ParseWorkloads.
Result<std::vector<BenchmarkWorkload>> ReadWorkloads(const std::string& path);

// The catalog's workloads (Catalog::workloads()), by id: `benchmark` is the suite's own name
// ("llama2-70b", "sharegpt"), `model` the catalog id ("" for any model).
std::vector<BenchmarkWorkload> WorkloadsFromCatalog(const catalog::Catalog& catalog);

// The workloads validate and the engine fit use: the catalog's, or with `path` those of that file
// (ReadWorkloads), each given the reference precisions of the catalog workload of the same
// benchmark (they describe the benchmark's reference code, which the file's columns do not).
// Errors as ReadWorkloads.
Result<std::vector<BenchmarkWorkload>> LoadWorkloads(const catalog::Catalog& catalog,
                                                     const std::string& path);

}  // namespace pertoken::validate
