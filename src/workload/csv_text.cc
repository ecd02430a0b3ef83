#include "workload/csv_text.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace pertoken::workload {

namespace {

std::vector<std::string_view> SplitCells(std::string_view line) {
  std::vector<std::string_view> cells;
  for (size_t start = 0;;) {
    const size_t comma = line.find(',', start);
    cells.push_back(line.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) return cells;
    start = comma + 1;
  }
}

std::string JoinHeaders(const std::vector<std::string_view>& headers) {
  std::string out;
  for (std::string_view h : headers) out += fmt::format("{}'{}'", out.empty() ? "" : " or ", h);
  return out;
}

}  // namespace

Result<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(fmt::format("{}: cannot open the file", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError(fmt::format("{}: read error", path));
  return text.str();
}

Result<CsvDocument> SplitCsv(std::string_view text, const std::string& name,
                             const std::vector<std::string_view>& headers) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  CsvDocument doc;
  ErrorList shape(name);
  bool have_header = false;
  size_t columns = 0;
  for (int line = 1; !text.empty(); ++line) {
    const size_t end = text.find('\n');
    std::string_view row = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
    if (row.empty()) continue;
    if (!have_header) {
      size_t i = 0;
      while (i < headers.size() && headers[i] != row) ++i;
      if (i == headers.size()) {
        return Status::ParseError(fmt::format("{}:{}: the header must be {}, not '{}'", name, line,
                                              JoinHeaders(headers), row));
      }
      doc.header = i;
      columns = SplitCells(row).size();
      have_header = true;
      continue;
    }
    CsvRecord record{.line = line, .cells = SplitCells(row)};
    if (record.cells.size() != columns) {
      shape.Add(
          line, "",
          fmt::format("{} cells, but the header has {} columns", record.cells.size(), columns));
    }
    doc.records.push_back(std::move(record));
  }
  if (!shape.empty()) return shape.ToStatus();
  if (!have_header) {
    return Status::ParseError(
        fmt::format("{}:1: the file is empty; the header must be {}", name, JoinHeaders(headers)));
  }
  return doc;
}

std::optional<double> ParseNumber(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || ptr != end || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> ParseInteger(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<int64_t> ReadTokenCount(std::string_view cell, int line, std::string_view column,
                                      ErrorList* errors) {
  const std::optional<int64_t> tokens = ParseInteger(cell);
  if (!tokens) {
    errors->Add(line, column, fmt::format("'{}' is not an integer", cell));
  } else if (*tokens < 0) {
    errors->Add(line, column, fmt::format("{} is negative", *tokens));
  } else {
    return tokens;
  }
  return std::nullopt;
}

void ErrorList::Add(int line, std::string_view column, std::string_view message) {
  if (count_++ >= kMaxShown) return;
  if (!shown_.empty()) shown_ += "\n";
  shown_ += column.empty() ? fmt::format("{}:{}: {}", name_, line, message)
                           : fmt::format("{}:{}: {}: {}", name_, line, column, message);
}

Status ErrorList::ToStatus() const {
  if (count_ == 0) return Status();
  if (count_ <= kMaxShown) return Status::ParseError(shown_);
  return Status::ParseError(fmt::format("{}\n({} more problems)", shown_, count_ - kMaxShown));
}

}  // namespace pertoken::workload
