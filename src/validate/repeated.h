// Rows whose results another row repeats: a source page that copied another page's numbers under
// its own hardware or model. Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "validate/measurement.h"
#include "validate/row_mapping.h"

namespace pertoken::validate {

// Values with fewer significant digits than this can match by chance ("126" tokens/s on two
// GPUs); with this many, two independent measurements agreeing to every digit would be a
// coincidence of about one in 10^5.
inline constexpr int kRepeatMinDigits = 5;

// The significant digits a value is written with: "153.00" has 5, "0.0420" 3, "1910" 3 (trailing
// zeros of an integer are not known to be significant).
int SignificantDigits(std::string_view value);

// The rows whose measured value, written with at least kRepeatMinDigits significant digits,
// another row of the same source repeats for the same metric, lengths, load and scenario but on
// other accelerators, another model or another engine. Both cannot have been measured; which one
// was is unknown, so every row of such a group is skipped. By id, with the skip naming the others.
std::map<std::string, Skip> RepeatedResults(const std::vector<Measurement>& rows);

}  // namespace pertoken::validate
