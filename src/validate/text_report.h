// The text rendering of a validation report, for people: the summary (rows, coverage, errors per
// class), the skip reasons with counts, the groups, the per-row table on request, and the notes
// that say how each figure is computed. Thread-safe.
#pragma once

#include <ostream>
#include <string>

#include "validate/validate.h"

namespace pertoken::validate {

struct TextReportOptions {
  std::string measurements;  // the file's path, for the title
  bool rows = false;         // add the per-row table
  PredictOptions predict;    // the factors used, for the notes
};

void WriteTextReport(const ValidationReport& report, const TextReportOptions& options,
                     std::ostream& out);

// A number in a short, readable form: "29526", "412.3", "500", "5.06".
std::string FormatValue(double v);

}  // namespace pertoken::validate
