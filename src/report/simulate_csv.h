// The CSV files of `pertoken simulate`: --requests-out (one row per completed request) and
// --timeline-out (steps sampled over time), laid out as doc/formats/simulate-csv.md describes.
// Rows are built one at a time, so a run of any length is written in bounded memory.
// Pure functions and a small value type; not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "sim/simulator.h"

namespace pertoken::report {

// The header line of --requests-out, without the line end.
std::string RequestsCsvHeader();
// One request's row (times in seconds, 6 decimals), without the line end: `group` is the group
// of the replica that finished it (SimulateReport::groups). TPOT is empty for a one-token output
// (it has none).
std::string RequestsCsvRow(const sim::RequestRecord& record, int group);

// The header line of --timeline-out, without the line end.
std::string TimelineCsvHeader();
// One step sample's row, without the line end.
std::string TimelineCsvRow(const sim::StepSample& sample);

// Thins the simulator's step samples to at most one per replica per interval of simulated time:
// a replica's first step in each interval [k × interval, (k + 1) × interval) is kept. A replica
// with no step in an interval was idle and gets no row there.
class TimelineSampler {
 public:
  // REQUIRES: interval_s > 0.
  explicit TimelineSampler(double interval_s) : interval_s_(interval_s) {}
  // True when `sample` is to be written. Samples of one replica come in time order.
  bool Take(const sim::StepSample& sample);

 private:
  double interval_s_;
  std::vector<double> next_s_;  // per replica: the start of its next interval without a row
};

}  // namespace pertoken::report
