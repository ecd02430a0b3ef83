#include "validate/csv.h"

#include <fmt/format.h>

#include <fstream>
#include <set>
#include <sstream>

namespace pertoken::validate {

namespace {

struct Record {
  int line = 0;
  std::vector<std::string> fields;
};

// Splits `text` into records. Tracks the line each record starts on for messages.
class Tokenizer {
 public:
  Tokenizer(std::string_view text, const std::string& name) : text_(text), name_(name) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);
  }

  Result<std::vector<Record>> Run() {
    std::vector<Record> records;
    while (pos_ < text_.size()) {
      if (AtLineEnd()) {  // a blank line between records
        SkipLineEnd();
        continue;
      }
      Record record{.line = line_};
      for (;;) {
        auto field = ReadField();
        if (!field.ok()) return field.status();
        record.fields.push_back(std::move(field).value());
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        SkipLineEnd();
        break;
      }
      records.push_back(std::move(record));
    }
    return records;
  }

 private:
  bool AtLineEnd() const { return text_[pos_] == '\n' || text_[pos_] == '\r'; }

  void SkipLineEnd() {
    if (pos_ < text_.size() && text_[pos_] == '\r') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
    ++line_;
  }

  Status Error(int line, std::string_view what) const {
    return Status::ParseError(fmt::format("{}:{}: {}", name_, line, what));
  }

  // Reads one field; leaves pos_ on the ',' or line end after it (or at the end of the text).
  Result<std::string> ReadField() {
    std::string value;
    if (pos_ < text_.size() && text_[pos_] == '"') return ReadQuoted();
    while (pos_ < text_.size() && text_[pos_] != ',' && !AtLineEnd()) {
      if (text_[pos_] == '"') {
        return Error(line_,
                     "a quote inside an unquoted field (quote the whole field and double "
                     "the quote)");
      }
      value.push_back(text_[pos_++]);
    }
    return value;
  }

  Result<std::string> ReadQuoted() {
    const int start_line = line_;
    std::string value;
    ++pos_;  // the opening quote
    for (;;) {
      if (pos_ >= text_.size()) return Error(start_line, "a quoted field is not closed");
      const char c = text_[pos_++];
      if (c == '"') {
        if (pos_ < text_.size() && text_[pos_] == '"') {
          value.push_back('"');
          ++pos_;
          continue;
        }
        break;
      }
      if (c == '\n') ++line_;
      value.push_back(c);
    }
    if (pos_ < text_.size() && text_[pos_] != ',' && !AtLineEnd()) {
      return Error(line_, "text after the closing quote of a field");
    }
    return value;
  }

  std::string_view text_;
  const std::string& name_;
  size_t pos_ = 0;
  int line_ = 1;
};

Status CheckHeader(const std::vector<std::string>& header, const std::string& name, int line,
                   const std::vector<std::string>& required) {
  std::set<std::string> seen;
  for (const auto& column : header) {
    if (!seen.insert(column).second) {
      return Status::ParseError(
          fmt::format("{}:{}: column '{}' appears twice", name, line, column));
    }
  }
  std::string missing;
  for (const auto& column : required) {
    if (!seen.count(column)) missing += (missing.empty() ? "" : ", ") + column;
  }
  if (!missing.empty()) {
    return Status::ParseError(
        fmt::format("{}:{}: missing required column(s): {}", name, line, missing));
  }
  return Status();
}

}  // namespace

const std::string& CsvRow::Get(const std::string& column) const {
  static const std::string kEmpty;
  const auto it = fields.find(column);
  return it == fields.end() ? kEmpty : it->second;
}

Result<CsvTable> ParseCsv(std::string_view text, const std::string& name,
                          const std::vector<std::string>& required) {
  auto records = Tokenizer(text, name).Run();
  if (!records.ok()) return records.status();
  if (records->empty()) return Status::ParseError(fmt::format("{}:1: the file is empty", name));
  CsvTable table{.name = name, .header = (*records)[0].fields};
  if (Status s = CheckHeader(table.header, name, (*records)[0].line, required); !s.ok()) return s;
  for (size_t i = 1; i < records->size(); ++i) {
    const Record& r = (*records)[i];
    if (r.fields.size() > table.header.size()) {
      return Status::ParseError(fmt::format("{}:{}: {} fields, but the header has {} columns", name,
                                            r.line, r.fields.size(), table.header.size()));
    }
    CsvRow row{.line = r.line};
    for (size_t c = 0; c < table.header.size(); ++c) {
      row.fields.emplace(table.header[c], c < r.fields.size() ? r.fields[c] : std::string());
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

Result<CsvTable> ReadCsvFile(const std::string& path, const std::vector<std::string>& required) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(fmt::format("{}: cannot open the file", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError(fmt::format("{}: read error", path));
  return ParseCsv(text.str(), path, required);
}

}  // namespace pertoken::validate
