// Where every catalog value comes from: the file, the line, and the source that vouches for it.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pertoken::catalog {

// One value as written in a catalog file, kept so that `catalog show` can print every field
// with its source without knowing the kind of file.
struct FieldRecord {
  std::string path;        // dotted key, e.g. "peak_flops_per_s.bf16" or "offers[3].usd_per_hour"
  std::string value_text;  // the value as TOML text
  int line = 0;            // 1-based line in the file
};

// A published value that conflicts with the one the catalog uses.
struct Alternative {
  std::string field;
  std::string value_text;
  std::string source;
  std::string why_not_default;
};

struct Provenance {
  std::string file;    // path of the catalog file
  std::string source;  // the file's `source`: vouches for every value not listed below
  std::string notes;
  std::map<std::string, std::string> field_sources;  // dotted path -> source
  std::vector<Alternative> alternatives;
  std::vector<FieldRecord> fields;  // every value, in file order

  // The source of the value at `path`: the most specific [field_sources] entry (the path itself
  // or a parent table of it), an entry-level `source` (for array entries such as offers[3]),
  // else the file's `source`.
  std::string SourceOf(std::string_view path) const;
};

}  // namespace pertoken::catalog
