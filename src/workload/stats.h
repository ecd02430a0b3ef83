// Summary statistics of request streams and length tables, defined as in
// shared/data/traces/README.md ("Summary statistics"), so that the shipped traces can be checked
// against its table. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "workload/request.h"

namespace pertoken::workload {

// The p-th percentile (0 <= p <= 100) of `sorted` (ascending) by linear interpolation between the
// closest ranks, numpy.percentile's default: the value at fractional index p/100 × (n − 1).
// REQUIRES: `sorted` non-empty and ascending.
double Percentile(const std::vector<double>& sorted, double p);

struct Distribution {
  double mean = 0;
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  double min = 0;
  double max = 0;
};

// The distribution of `values` (in any order); all zeros when there are none.
Distribution Describe(std::vector<double> values);

struct StreamStats {
  int64_t count = 0;
  double span_s = 0;      // last arrival − first arrival
  double rate_per_s = 0;  // count / span_s; 0 when the span is 0
  Distribution input_tokens;
  Distribution output_tokens;
  // Population standard deviation / mean of the gaps between consecutive arrivals, zero gaps
  // included; 0 with fewer than two requests or when every gap is 0.
  double iat_cv = 0;
};

// Statistics of `requests`, whose arrival times may be in any order.
StreamStats Summarize(const std::vector<Request>& requests);

}  // namespace pertoken::workload
