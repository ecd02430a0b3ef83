// Helpers shared by the workload's readers (traces, length tables, rate curves): plain CSV without
// quoting, a fixed header, numbers checked strictly, and errors collected as "file:line: column:
// message". Pure functions and value types; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace pertoken::workload {

// The whole content of `path`. IoError "path: cannot open the file" when it cannot be read.
Result<std::string> ReadTextFile(const std::string& path);

// One data line: its 1-based line number and its cells (views into the parsed text).
struct CsvRecord {
  int line = 0;
  std::vector<std::string_view> cells;
};

struct CsvDocument {
  size_t header = 0;  // index into the accepted headers of the one the file has
  std::vector<CsvRecord> records;
};

// Splits `text` (named `name` in messages) into lines; a UTF-8 byte order mark, CR before LF and
// blank lines are ignored. The first line must be one of `headers` (each given as the exact line,
// e.g. "input_tokens,output_tokens"); every other line must have as many cells as that header.
// ParseError naming the line otherwise (every line with a wrong count, as ErrorList). The records
// view `text`, which must outlive them.
Result<CsvDocument> SplitCsv(std::string_view text, const std::string& name,
                             const std::vector<std::string_view>& headers);

// A finite decimal number ("12", "0.5", "1e3"); nullopt for anything else, including an empty
// cell, surrounding spaces, "inf" and "nan".
std::optional<double> ParseNumber(std::string_view text);
// A decimal integer that fits in int64 ("512", "-3"); nullopt for anything else ("1.0", "1e3").
std::optional<int64_t> ParseInteger(std::string_view text);

// Rows left out of a stream on purpose (doc/formats/trace.md: rows with 0 input or 0 output
// tokens), counted so that callers can say so.
struct SkippedRows {
  int64_t count = 0;
  int first_line = 0;  // the file line of the first one; 0 when none

  void Add(int line) {
    if (count++ == 0) first_line = line;
  }
};

// Problems found while reading one file. Reports every problem at once, but only the first
// kMaxShown in full, so a file that is wrong on every line gives a readable message.
class ErrorList {
 public:
  static constexpr size_t kMaxShown = 10;

  explicit ErrorList(std::string name) : name_(std::move(name)) {}

  // Records "name:line: column: message", or "name:line: message" when `column` is empty.
  void Add(int line, std::string_view column, std::string_view message);
  bool empty() const { return count_ == 0; }
  // OK when nothing was added; otherwise ParseError with one problem per line, then
  // "(N more problems)" when some were not shown.
  Status ToStatus() const;

 private:
  std::string name_;
  std::string shown_;
  size_t count_ = 0;
};

// The token count in `cell` (column `column` of line `line`): an integer >= 0. Records a problem in
// `*errors` and returns nullopt otherwise.
std::optional<int64_t> ReadTokenCount(std::string_view cell, int line, std::string_view column,
                                      ErrorList* errors);

}  // namespace pertoken::workload
