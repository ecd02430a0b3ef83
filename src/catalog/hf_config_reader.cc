#include "catalog/hf_config_reader.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

namespace pertoken::catalog {

using Json = nlohmann::json;

struct HfConfigReader::Impl {
  Json root;
  const Json* text = nullptr;  // text_config, or the root itself
};

namespace {

// JSON's name for the type of `v`, for messages.
std::string TypeName(const Json& v) { return v.type_name(); }

// `v` as JSON text, for messages; invalid UTF-8 replaced rather than thrown on.
std::string Text(const Json& v) { return v.dump(-1, ' ', false, Json::error_handler_t::replace); }

// An integer value: a JSON integer, or a float with an integral value (some exporters write
// 4096.0).
std::optional<int64_t> AsInt(const Json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::abs(d) < 9e15) {
      return static_cast<int64_t>(d);
    }
  }
  return std::nullopt;
}

}  // namespace

HfConfigReader::HfConfigReader(std::unique_ptr<Impl> impl, std::string path)
    : impl_(std::move(impl)), path_(std::move(path)) {}

HfConfigReader::~HfConfigReader() = default;

std::unique_ptr<HfConfigReader> HfConfigReader::Parse(std::string_view json_text,
                                                      const std::string& path, std::string* error) {
  if (json_text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    *error = fmt::format("{}: the file is empty; expected a Hugging Face config.json", path);
    return nullptr;
  }
  auto impl = std::make_unique<Impl>();
  try {
    impl->root = Json::parse(json_text);
  } catch (const Json::exception& e) {
    *error = fmt::format("{}: not JSON ({}); expected a Hugging Face config.json", path, e.what());
    return nullptr;
  }
  if (!impl->root.is_object()) {
    *error = fmt::format("{}: the JSON is {}, not an object; expected a Hugging Face config.json",
                         path, TypeName(impl->root));
    return nullptr;
  }
  impl->text = &impl->root;
  if (auto it = impl->root.find("text_config"); it != impl->root.end() && it->is_object()) {
    impl->text = &*it;
  }
  return std::unique_ptr<HfConfigReader>(new HfConfigReader(std::move(impl), path));
}

bool HfConfigReader::has_text_config() const { return impl_->text != &impl_->root; }

namespace {

const Json* FindIn(const Json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

bool HfConfigReader::HasOuter(std::string_view key) const {
  return FindIn(impl_->root, key) != nullptr;
}

std::optional<std::string> HfConfigReader::OuterString(std::string_view key) {
  const Json* v = FindIn(impl_->root, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    Error(key, fmt::format("expected a string, got {}", TypeName(*v)));
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::vector<std::string> HfConfigReader::OuterStrings(std::string_view key) {
  std::vector<std::string> out;
  const Json* v = FindIn(impl_->root, key);
  if (!v) return out;
  if (!v->is_array()) {
    Error(key, fmt::format("expected an array of strings, got {}", TypeName(*v)));
    return out;
  }
  for (const auto& item : *v) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

bool HfConfigReader::Has(std::string_view key) const {
  return FindIn(*impl_->text, key) || FindIn(impl_->root, key);
}

namespace {

const Json* Lookup(const Json& text, const Json& root, std::string_view key) {
  if (const Json* v = FindIn(text, key)) return v;
  return FindIn(root, key);
}

}  // namespace

std::optional<int64_t> HfConfigReader::OptInt(std::string_view key) {
  const Json* v = Lookup(*impl_->text, impl_->root, key);
  if (!v) return std::nullopt;
  auto i = AsInt(*v);
  if (!i) Error(key, fmt::format("expected an integer, got {} {}", TypeName(*v), Text(*v)));
  return i;
}

int64_t HfConfigReader::ReqInt(std::string_view key) {
  if (!Has(key)) {
    missing_.emplace_back(key);
    return 0;
  }
  return OptInt(key).value_or(0);
}

int64_t HfConfigReader::IntOr(std::string_view key, int64_t fallback) {
  if (!Has(key)) {
    Note(fmt::format("{} is not in the file: the {} default {} applies", key,
                     defaults_class_.empty() ? "transformers" : defaults_class_, fallback));
    return fallback;
  }
  return OptInt(key).value_or(fallback);
}

std::optional<bool> HfConfigReader::OptBool(std::string_view key) {
  const Json* v = Lookup(*impl_->text, impl_->root, key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    Error(key, fmt::format("expected true or false, got {}", Text(*v)));
    return std::nullopt;
  }
  return v->get<bool>();
}

bool HfConfigReader::BoolOr(std::string_view key, bool fallback) {
  return OptBool(key).value_or(fallback);
}

std::optional<double> HfConfigReader::OptNumber(std::string_view key) {
  const Json* v = Lookup(*impl_->text, impl_->root, key);
  if (!v) return std::nullopt;
  if (!v->is_number()) {
    Error(key, fmt::format("expected a number, got {}", Text(*v)));
    return std::nullopt;
  }
  return v->get<double>();
}

std::optional<std::string> HfConfigReader::OptString(std::string_view key) {
  const Json* v = Lookup(*impl_->text, impl_->root, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    Error(key, fmt::format("expected a string, got {}", Text(*v)));
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<std::vector<std::string>> HfConfigReader::OptStrings(std::string_view key) {
  const Json* v = Lookup(*impl_->text, impl_->root, key);
  if (!v) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : v->is_array() ? *v : Json::array()) {
    if (!item.is_string()) break;
    out.push_back(item.get<std::string>());
  }
  if (!v->is_array() || out.size() != v->size()) {
    Error(key, "expected an array of strings");
    return std::nullopt;
  }
  return out;
}

std::optional<std::vector<int64_t>> HfConfigReader::OptInts(std::string_view key) {
  const Json* v = Lookup(*impl_->text, impl_->root, key);
  if (!v) return std::nullopt;
  std::vector<int64_t> out;
  for (const auto& item : v->is_array() ? *v : Json::array()) {
    auto i = AsInt(item);
    if (!i) break;
    out.push_back(*i);
  }
  if (!v->is_array() || out.size() != v->size()) {
    Error(key, "expected an array of integers");
    return std::nullopt;
  }
  return out;
}

std::map<std::string, std::string> HfConfigReader::ObjectText(std::string_view key) {
  std::map<std::string, std::string> out;
  const Json* v = Lookup(*impl_->text, impl_->root, key);
  if (!v) return out;
  if (!v->is_object()) {
    Error(key, fmt::format("expected an object, got {}", TypeName(*v)));
    return out;
  }
  for (auto it = v->begin(); it != v->end(); ++it) {
    out[it.key()] = it->is_string() ? it->get<std::string>() : Text(*it);
  }
  return out;
}

bool HfConfigReader::Failed(std::string_view key) const {
  const std::string prefix = fmt::format("{}: {}: ", path_, key);
  for (const auto& e : errors_) {
    if (e.starts_with(prefix)) return true;
  }
  return false;
}

void HfConfigReader::Error(std::string_view key, std::string_view message) {
  errors_.push_back(fmt::format("{}: {}: {}", path_, key, message));
}

}  // namespace pertoken::catalog
