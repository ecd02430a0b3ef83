// CsvTable: a whole comma-separated table with a header row, read from a gzip-compressed (or plain)
// file, with cells looked up by column name. The opdb tables (shared/data/opdb/README.md) are
// this shape: no quoting, one record per line.
//
// A loaded table is immutable; any number of threads may read it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pertoken::calibrate {

class CsvTable {
 public:
  // Reads `path` through zlib (gzip or plain text). The first line is the header; every other
  // non-empty line must have as many cells as the header. IoError when the file cannot be opened
  // or decompressed; ParseError ("path:line: ...") for a malformed table or quoted cells. Every
  // message starts with the path.
  static Result<CsvTable> Read(const std::string& path);

  // Builds a table from text (for tests and in-memory data); `path` names it in messages.
  static Result<CsvTable> Parse(const std::string& path, std::string_view text);

  // The index of `name` in the header; NotFound "path: no column 'name'".
  Result<size_t> Column(std::string_view name) const;
  // The indices of `names`, in order; NotFound for the first one missing.
  Result<std::vector<size_t>> Columns(const std::vector<std::string_view>& names) const;
  // Whether the header has `name`.
  bool HasColumn(std::string_view name) const;

  size_t rows() const { return cells_.size() / std::max<size_t>(header_.size(), 1); }
  const std::vector<std::string>& header() const { return header_; }
  const std::string& path() const { return path_; }

  // REQUIRES: row < rows(), column < header().size().
  std::string_view Cell(size_t row, size_t column) const;
  // The cell as a number; ParseError "path:line: column: 'text' is not a number".
  Result<double> Number(size_t row, size_t column) const;
  // The 1-based line of `row` in the file (the header is line 1).
  size_t Line(size_t row) const { return lines_[row]; }

 private:
  struct Span {
    size_t offset = 0;
    size_t size = 0;
  };

  Status AddLine(std::string_view line, size_t line_number);

  std::string path_;
  std::vector<std::string> header_;
  std::string text_;           // every data cell, back to back
  std::vector<Span> cells_;    // row-major spans into text_
  std::vector<size_t> lines_;  // file line of each row
};

}  // namespace pertoken::calibrate
