#include "catalog/toml_reader.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>

namespace pertoken::catalog {

namespace {

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

const char* BoundText(Bound bound) {
  switch (bound) {
    case Bound::kNonNegative:
      return "a number >= 0";
    case Bound::kPositive:
      return "a number > 0";
    case Bound::kFraction:
      return "a number in (0, 1]";
    case Bound::kAny:
      break;
  }
  return "a number";
}

bool InBound(double v, Bound bound) {
  if (!std::isfinite(v)) return false;
  switch (bound) {
    case Bound::kNonNegative:
      return v >= 0;
    case Bound::kPositive:
      return v > 0;
    case Bound::kFraction:
      return v > 0 && v <= 1;
    case Bound::kAny:
      break;
  }
  return true;
}

std::string NodeText(const toml::node& node) {
  if (auto s = node.value<std::string>(); s && node.is_string()) return *s;
  if (node.is_integer()) return fmt::format("{}", *node.value<int64_t>());
  if (node.is_floating_point()) return fmt::format("{}", *node.value<double>());
  if (node.is_boolean()) return *node.value<bool>() ? "true" : "false";
  if (const auto* arr = node.as_array()) {
    std::string out = "[";
    for (size_t i = 0; i < arr->size(); ++i) {
      if (i > 0) out += ", ";
      out += NodeText(*arr->get(i));
    }
    return out + "]";
  }
  return "";
}

void Collect(const toml::table& table, const std::string& path, std::vector<FieldRecord>* out) {
  for (auto&& [key, node] : table) {
    const std::string p = Join(path, key.str());
    if (const auto* t = node.as_table()) {
      Collect(*t, p, out);
    } else if (const auto* arr = node.as_array(); arr && arr->is_array_of_tables()) {
      for (size_t i = 0; i < arr->size(); ++i) {
        Collect(*arr->get(i)->as_table(), fmt::format("{}[{}]", p, i), out);
      }
    } else {
      out->push_back({p, NodeText(node), static_cast<int>(node.source().begin.line)});
    }
  }
}

}  // namespace

FieldReader::FieldReader(const toml::table& table, std::string file, std::string path, int line,
                         ErrorList* errors)
    : table_(&table),
      file_(std::move(file)),
      path_(std::move(path)),
      line_(line),
      errors_(errors) {}

const toml::node* FieldReader::Get(std::string_view key) {
  used_.insert(std::string(key));
  return table_->get(key);
}

bool FieldReader::Has(std::string_view key) const { return table_->contains(key); }

bool FieldReader::IsTable(std::string_view key) const {
  const toml::node* n = table_->get(key);
  return n && n->is_table();
}

bool FieldReader::IsString(std::string_view key) const {
  const toml::node* n = table_->get(key);
  return n && n->is_string();
}

std::vector<std::string> FieldReader::Keys() const {
  std::vector<std::string> keys;
  for (auto&& [key, node] : *table_) keys.emplace_back(key.str());
  // toml++ keeps keys sorted; give them in the order the file has them.
  std::stable_sort(keys.begin(), keys.end(), [&](const std::string& a, const std::string& b) {
    return LineOf(a) < LineOf(b);
  });
  return keys;
}

int FieldReader::LineOf(std::string_view key) const {
  if (const toml::node* n = table_->get(key)) {
    const auto line = static_cast<int>(n->source().begin.line);
    if (line > 0) return line;
  }
  return line_;
}

std::string FieldReader::Where(std::string_view key) const {
  return fmt::format("{}:{}: {}", file_, LineOf(key), key.empty() ? path_ : Join(path_, key));
}

void FieldReader::Error(std::string_view key, std::string_view message) {
  errors_->push_back(fmt::format("{}: {}", Where(key), message));
}

void FieldReader::Missing(std::string_view key) {
  errors_->push_back(
      fmt::format("{}:{}: {}: required key is missing", file_, line_, Join(path_, key)));
}

std::optional<std::string> FieldReader::OptString(std::string_view key) {
  const toml::node* n = Get(key);
  if (!n) return std::nullopt;
  if (!n->is_string()) {
    Error(key, "expected a string");
    return std::nullopt;
  }
  return *n->value<std::string>();
}

std::string FieldReader::ReqString(std::string_view key) {
  if (!Has(key)) {
    Get(key);
    Missing(key);
    return "";
  }
  auto s = OptString(key);
  if (s && s->empty()) Error(key, "must not be empty");
  return s.value_or("");
}

std::string FieldReader::ReqEnum(std::string_view key, const std::vector<std::string>& allowed) {
  std::string s = ReqString(key);
  if (s.empty()) return s;
  if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    Error(key, fmt::format("'{}' is not one of: {}", s, list));
    return "";
  }
  return s;
}

std::optional<double> FieldReader::OptNumber(std::string_view key, Bound bound) {
  const toml::node* n = Get(key);
  if (!n) return std::nullopt;
  if (!n->is_number()) {
    Error(key, "expected a number");
    return std::nullopt;
  }
  const double v = *n->value<double>();
  if (!InBound(v, bound)) {
    Error(key, fmt::format("{} is out of range: expected {}", NodeText(*n), BoundText(bound)));
    return std::nullopt;
  }
  return v;
}

double FieldReader::ReqNumber(std::string_view key, Bound bound) {
  if (!Has(key)) {
    Get(key);
    Missing(key);
    return 0;
  }
  return OptNumber(key, bound).value_or(0);
}

std::optional<int64_t> FieldReader::OptInt(std::string_view key, Bound bound) {
  const toml::node* n = Get(key);
  if (!n) return std::nullopt;
  if (!n->is_integer()) {
    Error(key, "expected an integer");
    return std::nullopt;
  }
  const int64_t v = *n->value<int64_t>();
  if (!InBound(static_cast<double>(v), bound)) {
    Error(key, fmt::format("{} is out of range: expected {}", v, BoundText(bound)));
    return std::nullopt;
  }
  return v;
}

int64_t FieldReader::ReqInt(std::string_view key, Bound bound) {
  if (!Has(key)) {
    Get(key);
    Missing(key);
    return 0;
  }
  return OptInt(key, bound).value_or(0);
}

bool FieldReader::OptBool(std::string_view key, bool fallback) {
  const toml::node* n = Get(key);
  if (!n) return fallback;
  if (!n->is_boolean()) {
    Error(key, "expected true or false");
    return fallback;
  }
  return *n->value<bool>();
}

bool FieldReader::ReqBool(std::string_view key) {
  if (!Has(key)) {
    Get(key);
    Missing(key);
    return false;
  }
  return OptBool(key, false);
}

std::vector<std::string> FieldReader::StringArray(std::string_view key, bool required) {
  std::vector<std::string> out;
  const toml::node* n = Get(key);
  if (!n) {
    if (required) Missing(key);
    return out;
  }
  const auto* arr = n->as_array();
  if (!arr) {
    Error(key, "expected an array of strings");
    return out;
  }
  for (const auto& item : *arr) {
    if (!item.is_string()) {
      Error(key, "expected an array of strings");
      return {};
    }
    out.push_back(*item.value<std::string>());
  }
  return out;
}

std::vector<double> FieldReader::NumberArray(std::string_view key, Bound bound) {
  const toml::node* n = Get(key);
  if (!n) {
    Missing(key);
    return {};
  }
  const auto* arr = n->as_array();
  if (!arr || arr->empty()) {
    Error(key, "expected a non-empty array of numbers");
    return {};
  }
  std::vector<double> out;
  for (const auto& item : *arr) {
    if (!item.is_number()) {
      Error(key, "expected a non-empty array of numbers");
      return {};
    }
    const double v = *item.value<double>();
    if (!InBound(v, bound)) {
      Error(key, fmt::format("{} is out of range: expected {}", NodeText(item), BoundText(bound)));
      return {};
    }
    out.push_back(v);
  }
  return out;
}

std::optional<FieldReader> FieldReader::Table(std::string_view key, bool required) {
  const toml::node* n = Get(key);
  if (!n) {
    if (required) Missing(key);
    return std::nullopt;
  }
  const auto* t = n->as_table();
  if (!t) {
    Error(key, "expected a table");
    return std::nullopt;
  }
  return FieldReader(*t, file_, Join(path_, key), LineOf(key), errors_);
}

std::vector<FieldReader> FieldReader::TableArray(std::string_view key, bool required) {
  std::vector<FieldReader> out;
  const toml::node* n = Get(key);
  if (!n) {
    if (required) Missing(key);
    return out;
  }
  const auto* arr = n->as_array();
  if (!arr || (!arr->empty() && !arr->is_array_of_tables())) {
    Error(key, fmt::format("expected an array of tables ([[{}]])", key));
    return out;
  }
  if (arr->empty() && required) Error(key, "must have at least one entry");
  for (size_t i = 0; i < arr->size(); ++i) {
    const auto* t = arr->get(i)->as_table();
    out.emplace_back(*t, file_, fmt::format("{}[{}]", Join(path_, key), i),
                     static_cast<int>(t->source().begin.line), errors_);
  }
  return out;
}

namespace {

void Flatten(const toml::table& table, const std::string& path, const std::string& file,
             std::vector<std::pair<std::string, std::string>>* out, ErrorList* errors) {
  for (auto&& [key, node] : table) {
    const std::string p = Join(path, key.str());
    if (const auto* t = node.as_table()) {
      Flatten(*t, p, file, out, errors);
    } else if (node.is_string()) {
      out->emplace_back(p, *node.value<std::string>());
    } else {
      errors->push_back(
          fmt::format("{}:{}: {}: expected a string", file, node.source().begin.line, p));
    }
  }
}

}  // namespace

std::vector<std::pair<std::string, std::string>> FieldReader::FlatStrings() {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto&& [key, node] : *table_) used_.insert(std::string(key.str()));
  Flatten(*table_, "", file_, &out, errors_);
  return out;
}

void FieldReader::SkipAll() {
  for (auto&& [key, node] : *table_) used_.insert(std::string(key.str()));
}

void FieldReader::CheckUnknownKeys() {
  for (auto&& [key, node] : *table_) {
    if (!used_.count(std::string(key.str()))) Error(key.str(), "unknown key");
  }
}

struct TomlFile::Impl {
  toml::table table;
};

TomlFile::TomlFile() = default;
TomlFile::~TomlFile() = default;

std::unique_ptr<TomlFile> TomlFile::Parse(const std::string& path, ErrorList* errors) {
  auto file = std::make_unique<TomlFile>();
  file->path_ = path;
  try {
    file->impl_ = std::make_unique<Impl>(Impl{toml::parse_file(path)});
  } catch (const toml::parse_error& e) {
    errors->push_back(fmt::format("{}:{}: {}", path, e.source().begin.line, e.description()));
    return nullptr;
  }
  return file;
}

std::unique_ptr<TomlFile> TomlFile::ParseText(std::string_view text, const std::string& path,
                                              ErrorList* errors) {
  auto file = std::make_unique<TomlFile>();
  file->path_ = path;
  try {
    file->impl_ = std::make_unique<Impl>(Impl{toml::parse(text, path)});
  } catch (const toml::parse_error& e) {
    errors->push_back(fmt::format("{}:{}: {}", path, e.source().begin.line, e.description()));
    return nullptr;
  }
  return file;
}

FieldReader TomlFile::Root(ErrorList* errors) const {
  return FieldReader(impl_->table, path_, "", 1, errors);
}

std::vector<FieldRecord> TomlFile::Records() const {
  std::vector<FieldRecord> out;
  Collect(impl_->table, "", &out);
  // toml++ keeps keys sorted; show them in the order the file has them.
  std::stable_sort(out.begin(), out.end(),
                   [](const FieldRecord& a, const FieldRecord& b) { return a.line < b.line; });
  return out;
}

}  // namespace pertoken::catalog
