#include "calibrate/csv_reader.h"

#include <fmt/format.h>
#include <zlib.h>

#include <charconv>
#include <memory>

namespace pertoken::calibrate {

namespace {

constexpr int kReadChunkBytes = 1 << 16;
constexpr unsigned kZlibBufferBytes = 1 << 18;

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

// Splits `line` at commas; a trailing '\r' (CRLF files) is dropped.
std::vector<std::string_view> SplitCells(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string_view> cells;
  size_t start = 0;
  for (size_t comma = line.find(','); comma != std::string_view::npos;
       comma = line.find(',', start)) {
    cells.push_back(line.substr(start, comma - start));
    start = comma + 1;
  }
  cells.push_back(line.substr(start));
  return cells;
}

// Reads the whole decompressed content of `path`.
Result<std::string> ReadAll(const std::string& path) {
  GzFile file(gzopen(path.c_str(), "rb"));
  if (!file) return Status::IoError(fmt::format("{}: cannot open", path));
  gzbuffer(file.get(), kZlibBufferBytes);
  std::string text;
  std::string chunk(kReadChunkBytes, '\0');
  for (;;) {
    const int n = gzread(file.get(), chunk.data(), kReadChunkBytes);
    if (n < 0) break;
    text.append(chunk.data(), static_cast<size_t>(n));
    if (n < kReadChunkBytes) break;
  }
  int code = Z_OK;
  const char* message = gzerror(file.get(), &code);
  if (code != Z_OK && code != Z_STREAM_END) {
    return Status::IoError(fmt::format("{}: cannot decompress: {}", path, message));
  }
  return text;
}

}  // namespace

Result<CsvTable> CsvTable::Read(const std::string& path) {
  auto text = ReadAll(path);
  if (!text.ok()) return text.status();
  return Parse(path, *text);
}

Result<CsvTable> CsvTable::Parse(const std::string& path, std::string_view text) {
  CsvTable table;
  table.path_ = path;
  size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.empty() || line == "\r") continue;
    Status s = table.AddLine(line, line_number);
    if (!s.ok()) return s;
  }
  if (table.header_.empty()) return Status::ParseError(fmt::format("{}: empty table", path));
  return table;
}

Status CsvTable::AddLine(std::string_view line, size_t line_number) {
  if (line.find('"') != std::string_view::npos) {
    return Status::ParseError(
        fmt::format("{}:{}: quoted cells are not supported", path_, line_number));
  }
  const std::vector<std::string_view> cells = SplitCells(line);
  if (header_.empty()) {
    for (std::string_view c : cells) header_.emplace_back(c);
    return Status();
  }
  if (cells.size() != header_.size()) {
    return Status::ParseError(fmt::format("{}:{}: {} cells, but the header has {} columns", path_,
                                          line_number, cells.size(), header_.size()));
  }
  for (std::string_view c : cells) {
    cells_.push_back({.offset = text_.size(), .size = c.size()});
    text_.append(c);
  }
  lines_.push_back(line_number);
  return Status();
}

Result<size_t> CsvTable::Column(std::string_view name) const {
  for (size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return i;
  }
  return Status::NotFound(fmt::format("{}: no column '{}'", path_, name));
}

Result<std::vector<size_t>> CsvTable::Columns(const std::vector<std::string_view>& names) const {
  std::vector<size_t> indices;
  for (std::string_view name : names) {
    auto index = Column(name);
    if (!index.ok()) return index.status();
    indices.push_back(*index);
  }
  return indices;
}

bool CsvTable::HasColumn(std::string_view name) const { return Column(name).ok(); }

std::string_view CsvTable::Cell(size_t row, size_t column) const {
  const Span& s = cells_[row * header_.size() + column];
  return std::string_view(text_).substr(s.offset, s.size);
}

Result<double> CsvTable::Number(size_t row, size_t column) const {
  const std::string_view text = Cell(row, column);
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return Status::ParseError(
        fmt::format("{}:{}: {}: '{}' is not a number", path_, Line(row), header_[column], text));
  }
  return value;
}

}  // namespace pertoken::calibrate
