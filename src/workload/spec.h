// Parsers for the workload flags of the command line, `--arrivals` and `--lengths`
// (grammar in doc/formats/trace.md):
//
//   spec   = kind [":" params]          params = key "=" value {"," key "=" value}
//   --arrivals poisson:rate=5            --arrivals gamma:rate=5,cv=2,diurnal=day.csv,start_h=9
//   --lengths fixed:in=1000,out=200      --lengths file:data/traces/lengths/bwb_llama2tok.csv
//
// `file:` takes the rest of the text as a path. Files named by a spec are read while parsing.
// Pure functions apart from reading those files; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "workload/arrivals.h"
#include "workload/csv_text.h"
#include "workload/lengths.h"

namespace pertoken::workload {

// Parses an arrival spec; `flag` ("--arrivals") starts every message. InvalidArgument naming the
// kind or key for an unknown kind or key (with a did-you-mean suggestion), a missing or repeated
// key, or a value that is not a number in range (rate and cv > 0, start_h in [0, 24) and only
// with diurnal); the errors of ReadRatePoints and RateCurve::Make for a diurnal curve file.
Result<ArrivalProcess> ParseArrivalSpec(std::string_view spec, std::string_view flag);

struct LengthSpec {
  LengthSampler sampler;
  SkippedRows skipped;  // rows of a `file:` table left out (0 input or output tokens)
};

// Parses a length spec; `flag` ("--lengths") starts every message. Errors as ParseArrivalSpec
// (token counts are integers >= 1, other values numbers > 0, min <= max, p50 <= p90), and those of
// ReadLengths for `file:`, or InvalidArgument when the file has no usable row.
Result<LengthSpec> ParseLengthSpec(std::string_view spec, std::string_view flag);

}  // namespace pertoken::workload
