// `pertoken estimate`: step times, throughput, latency and cost of one deployment under a load.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "catalog/catalog.h"
#include "cli/commands.h"

namespace pertoken::cli {

struct EstimateOptions {
  FitOptions deployment;  // model, accelerator, engine, precisions, count and layout
  std::optional<int64_t> input_tokens;
  std::optional<int64_t> output_tokens;
  // --workload: a catalog workload whose mean lengths stand for --input-len/--output-len.
  std::string workload;
  std::string concurrency;              // a number, "max", or "" (default: max)
  std::optional<double> request_rate;   // requests per second (instead of --concurrency)
  std::string batching = "continuous";  // or "static"
  std::string spec_decode;  // "draft=ID,k=4,accept=0.7" or "k=1,accept=0.8" (MTP/EAGLE heads)
  std::optional<double> usd_per_accelerator_hour;  // instead of the catalog's default price
  bool json = false;
};

// 0 when the deployment serves the load; 1 when it does not fit, saturates, or the input is wrong
// (an unknown --workload, or --workload with a length flag it sets: "contradictory flags").
int RunEstimate(const catalog::Catalog& catalog, const EstimateOptions& options, std::ostream& out,
                std::ostream& err);

}  // namespace pertoken::cli
