// The one adapter between toml++ and the catalog loaders. It reads typed fields from a TOML
// table, records every problem as "file:line: key: message" instead of throwing, and reports the
// keys a loader never asked for (unknown keys are errors). Not thread-safe; one per file.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/provenance.h"

namespace toml {
inline namespace v3 {
class table;
class node;
}  // namespace v3
}  // namespace toml

namespace pertoken::catalog {

// Problems found while loading; each is one line of text with its file and line.
using ErrorList = std::vector<std::string>;

// Allowed values of a number.
enum class Bound {
  kAny,
  kNonNegative,  // >= 0
  kPositive,     // > 0
  kFraction,     // in (0, 1]
};

class FieldReader {
 public:
  // `table` must outlive the reader. `path` is the dotted prefix of this table ("" at top level).
  FieldReader(const toml::table& table, std::string file, std::string path, int line,
              ErrorList* errors);

  std::optional<std::string> OptString(std::string_view key);
  std::string ReqString(std::string_view key);
  // A required string that must be one of `allowed`.
  std::string ReqEnum(std::string_view key, const std::vector<std::string>& allowed);
  std::optional<double> OptNumber(std::string_view key, Bound bound);
  double ReqNumber(std::string_view key, Bound bound);
  std::optional<int64_t> OptInt(std::string_view key, Bound bound);
  int64_t ReqInt(std::string_view key, Bound bound);
  bool OptBool(std::string_view key, bool fallback);
  bool ReqBool(std::string_view key);
  std::vector<std::string> StringArray(std::string_view key, bool required);
  // A required, non-empty array of numbers, each within `bound`.
  std::vector<double> NumberArray(std::string_view key, Bound bound);
  // A sub-table; nullopt (with an error when required) if absent or not a table.
  std::optional<FieldReader> Table(std::string_view key, bool required);
  // An array of tables ([[key]]); empty (with an error when required) if absent.
  std::vector<FieldReader> TableArray(std::string_view key, bool required);
  // Every string in this table and its sub-tables as (dotted path relative to this table,
  // value); other value types are errors. Marks every key as used.
  std::vector<std::pair<std::string, std::string>> FlatStrings();
  // Marks every key of this table as known without reading it.
  void SkipAll();
  // Marks `key` as known without reading it.
  void Skip(std::string_view key) { used_.insert(std::string(key)); }
  bool Has(std::string_view key) const;
  // Whether `key` is present and holds a table, or a string (for keys that accept either form).
  bool IsTable(std::string_view key) const;
  bool IsString(std::string_view key) const;
  // The keys of this table in file order; marks none as used.
  std::vector<std::string> Keys() const;

  // Reports every key of the table that no reader call asked for.
  void CheckUnknownKeys();
  // Records an error at `key` (or at the table when key is empty).
  void Error(std::string_view key, std::string_view message);

  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  int line() const { return line_; }

 private:
  const toml::node* Get(std::string_view key);  // marks used; nullptr if absent
  int LineOf(std::string_view key) const;
  std::string Where(std::string_view key) const;
  void Missing(std::string_view key);

  const toml::table* table_;
  std::string file_;
  std::string path_;
  int line_;
  ErrorList* errors_;
  std::set<std::string> used_;
};

// A parsed catalog file. Holds the toml++ document so readers can point into it.
class TomlFile {
 public:
  // Parses `path`; on failure returns a ParseError/IoError naming file and line.
  static std::unique_ptr<TomlFile> Parse(const std::string& path, ErrorList* errors);
  // Parses `text` as the contents of a file named `path` (messages and provenance name it).
  static std::unique_ptr<TomlFile> ParseText(std::string_view text, const std::string& path,
                                             ErrorList* errors);
  TomlFile();  // use Parse()
  ~TomlFile();

  FieldReader Root(ErrorList* errors) const;
  // Every leaf value with its dotted path, line and text, in file order.
  std::vector<FieldRecord> Records() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
};

}  // namespace pertoken::catalog
