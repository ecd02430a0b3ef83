// The `pertoken estimate` report (doc/formats/estimate-json.md). Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "metrics/pricing.h"
#include "perf/serving.h"

namespace pertoken::report {

// A prediction's 10th-90th percentile band, as multiplicative factors on the point value.
struct Interval {
  bool known = false;
  double low_factor = 1;
  double high_factor = 1;
  std::string basis;  // where the band comes from
};

struct EstimateReport {
  std::string load;  // the load in words ("concurrency 64", "max concurrency", "2.5 requests/s")
  perf::ServingQuery query;  // the deployment and the lengths
  perf::ServingResult result;
  metrics::AcceleratorPrice price;
  Interval throughput_interval;
  Interval latency_interval;
};

// Money per the definitions of shared/metrics.md.
struct Costs {
  double usd_per_hour = 0;                        // the whole replica
  double usd_per_million_output_tokens = 0;       // the whole cost carried by output tokens
  double usd_per_million_tokens = 0;              // the whole cost over input + output tokens
  double usd_per_million_input_tokens_split = 0;  // cost split by the time spent on each
  double usd_per_million_output_tokens_split = 0;
};
Costs CostsOf(const EstimateReport& report);

std::string EstimateText(const EstimateReport& report);
nlohmann::json EstimateJson(const EstimateReport& report);

}  // namespace pertoken::report
