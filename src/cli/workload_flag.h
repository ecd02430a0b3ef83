// `--workload ID` of estimate, simulate and plan: a named benchmark workload of the catalog
// (data/catalog/workloads/, doc/formats/workload.md) that stands for the request lengths, and in
// plan for the latency targets. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "catalog/catalog.h"
#include "common/status.h"

namespace pertoken::cli {

// The lengths of a request once --workload and --input-len/--output-len are merged.
struct WorkloadLengths {
  const catalog::Workload* workload = nullptr;  // nullptr without --workload
  std::optional<int64_t> input_tokens;
  std::optional<int64_t> output_tokens;
};

// Resolves `--workload id` and takes its mean lengths, rounded to whole tokens, for the lengths
// the flags leave unset. With `id` empty: the flags as given. NotFound "--workload: unknown
// benchmark workload 'x'; known: ..." listing every id; InvalidArgument "contradictory flags:
// ..." when --input-len or --output-len gives a length the workload sets; InvalidArgument naming
// the flag to add when the workload publishes no mean for a length the flags leave unset.
Result<WorkloadLengths> ApplyWorkload(const catalog::Catalog& catalog, const std::string& id,
                                      std::optional<int64_t> input_tokens,
                                      std::optional<int64_t> output_tokens);

// What the workload set, in one line: "workload mlperf-llama2-70b (MLPerf Inference ...): prompt
// 222 tokens (mean 222.33), output 294 tokens (mean 294.45)". "" without a workload.
std::string DescribeWorkload(const WorkloadLengths& lengths);

// The `--lengths` spec that `--workload id` stands for in simulate: `file:PATH` of the workload's
// length table, else `fixed:in=N,out=M` at its means. Errors as ApplyWorkload; InvalidArgument
// when the workload publishes only one mean (simulate takes no --input-len).
Result<std::string> WorkloadLengthSpec(const catalog::Catalog& catalog, const std::string& id);

}  // namespace pertoken::cli
