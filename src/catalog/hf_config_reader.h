// The one adapter between nlohmann::json and the Hugging Face config importer (hf_config.cc): it
// reads typed keys from a config, looking in `text_config` first and then in the wrapper around
// it (multimodal configs keep some keys outside), and records every problem by key instead of
// throwing. Internal to src/catalog. Not thread-safe; one per import.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pertoken::catalog {

class HfConfigReader {
 public:
  // Parses `json_text`. On failure returns nullptr and sets `*error` to "<path>: ..." (not JSON,
  // empty, not an object).
  static std::unique_ptr<HfConfigReader> Parse(std::string_view json_text, const std::string& path,
                                               std::string* error);
  ~HfConfigReader();

  // Whether the config wraps a `text_config` (multimodal wrappers: Llama 4, Gemma 3, Qwen3.5).
  bool has_text_config() const;
  // A key of the wrapper itself (model_type, architectures, vision_config, ...), not of
  // text_config.
  bool HasOuter(std::string_view key) const;
  std::optional<std::string> OuterString(std::string_view key);
  std::vector<std::string> OuterStrings(std::string_view key);

  // Present and not null, in text_config or the wrapper.
  bool Has(std::string_view key) const;
  std::optional<int64_t> OptInt(std::string_view key);
  int64_t ReqInt(std::string_view key);  // records the key as missing when absent
  // The key's value, else `fallback` with a note that the architecture's default was used.
  int64_t IntOr(std::string_view key, int64_t fallback);
  std::optional<bool> OptBool(std::string_view key);
  bool BoolOr(std::string_view key, bool fallback);  // no note: flags default silently
  std::optional<double> OptNumber(std::string_view key);
  std::optional<std::string> OptString(std::string_view key);
  // An array of strings / integers; nullopt when absent, an error when of another type.
  std::optional<std::vector<std::string>> OptStrings(std::string_view key);
  std::optional<std::vector<int64_t>> OptInts(std::string_view key);
  // The keys of an object-valued key ("quantization_config"): strings, numbers and integer
  // arrays as text; empty when absent.
  std::map<std::string, std::string> ObjectText(std::string_view key);

  // Whether an error was recorded at `key` (a value of the wrong type, say).
  bool Failed(std::string_view key) const;
  // Records `key` as a required key the file lacks.
  void Missing(std::string_view key) { missing_.emplace_back(key); }
  // Records "<key>: <message>".
  void Error(std::string_view key, std::string_view message);
  void Note(std::string note) { notes_.push_back(std::move(note)); }
  // The transformers class whose defaults IntOr names ("Gemma3TextConfig").
  void set_defaults_class(std::string name) { defaults_class_ = std::move(name); }

  const std::string& path() const { return path_; }
  const std::vector<std::string>& missing() const { return missing_; }
  const std::vector<std::string>& errors() const { return errors_; }
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  struct Impl;
  HfConfigReader(std::unique_ptr<Impl> impl, std::string path);

  std::unique_ptr<Impl> impl_;
  std::string path_;
  std::string defaults_class_;
  std::vector<std::string> missing_;
  std::vector<std::string> errors_;
  std::vector<std::string> notes_;
};

}  // namespace pertoken::catalog
