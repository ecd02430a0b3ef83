// An RFC 4180 CSV reader: comma-separated fields, optionally quoted; inside quotes a comma or a
// line break is data and "" is one quote. The first record is the header. Rows come back as
// header -> value maps with the line each row starts on, so messages can say "file:line".
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pertoken::validate {

struct CsvRow {
  int line = 0;                               // 1-based line of the file where the row starts
  std::map<std::string, std::string> fields;  // header -> value ("" for an empty field)

  // The value of `column`, or "" when the file has no such column.
  const std::string& Get(const std::string& column) const;
};

struct CsvTable {
  std::string name;                 // the file name used in messages
  std::vector<std::string> header;  // in file order
  std::vector<CsvRow> rows;
};

// Parses `text`, naming it `name` in messages. Accepts LF or CRLF line ends and a UTF-8 byte
// order mark; blank lines between records are skipped. ParseError ("name:line: ...") when a
// quoted field is not closed, a quote appears inside an unquoted field or after a closing quote,
// a row has more fields than the header, the header repeats a column, or `required` names a
// column the header lacks (every missing column in one message). A row with fewer fields than
// the header gets "" for the rest (spreadsheets drop trailing empty fields).
Result<CsvTable> ParseCsv(std::string_view text, const std::string& name,
                          const std::vector<std::string>& required = {});

// Reads and parses the file at `path`. IoError when it cannot be read; else as ParseCsv.
Result<CsvTable> ReadCsvFile(const std::string& path,
                             const std::vector<std::string>& required = {});

}  // namespace pertoken::validate
