#include "catalog/engine_settings.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace pertoken::catalog {

namespace {

std::string NormalizeFlag(std::string_view flag) {
  std::string out(flag);
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

Result<int64_t> PositiveInt(const EngineSetting& s) {
  char* end = nullptr;
  const long long v = std::strtoll(s.value.c_str(), &end, 10);
  if (s.value.empty() || *end != '\0' || v <= 0) {
    return Status::InvalidArgument(
        fmt::format("{}: '{}' is not a positive integer", s.flag, s.value));
  }
  return static_cast<int64_t>(v);
}

Result<bool> Bool(const EngineSetting& s) {
  if (s.value == "true" || s.value == "1") return true;
  if (s.value == "false" || s.value == "0") return false;
  return Status::InvalidArgument(fmt::format("{}: '{}' is not true or false", s.flag, s.value));
}

}  // namespace

const std::vector<std::string>& EngineSettingKeys() {
  static const std::vector<std::string> keys = {
      "limits.max_num_seqs",  "limits.max_num_batched_tokens", "limits.max_model_len",
      "memory.fraction",      "overhead.chunked_prefill",      "kv_cache.prefix_caching",
      "kv_cache.block_tokens"};
  return keys;
}

Status ApplyEngineSetting(const EngineSetting& s, Engine* e) {
  if (s.key == "limits.max_num_seqs" || s.key == "limits.max_num_batched_tokens" ||
      s.key == "limits.max_model_len" || s.key == "kv_cache.block_tokens") {
    auto v = PositiveInt(s);
    if (!v.ok()) return v.status();
    if (s.key == "limits.max_num_seqs") {
      e->max_num_seqs = *v;
      for (auto& o : e->limit_overrides) o.max_num_seqs = 0;
    } else if (s.key == "limits.max_num_batched_tokens") {
      e->max_num_batched_tokens = *v;
      for (auto& o : e->limit_overrides) o.max_num_batched_tokens = 0;
    } else if (s.key == "limits.max_model_len") {
      e->max_model_len = *v;
    } else {
      e->block_tokens = *v;
    }
    return Status();
  }
  if (s.key == "memory.fraction") {
    char* end = nullptr;
    const double v = std::strtod(s.value.c_str(), &end);
    if (s.value.empty() || *end != '\0' || !(v > 0 && v <= 1)) {
      return Status::InvalidArgument(
          fmt::format("{}: '{}' is not a fraction in (0, 1]", s.flag, s.value));
    }
    e->memory_fraction = v;
    return Status();
  }
  if (s.key == "overhead.chunked_prefill" || s.key == "kv_cache.prefix_caching") {
    auto v = Bool(s);
    if (!v.ok()) return v.status();
    (s.key == "overhead.chunked_prefill" ? e->chunked_prefill : e->prefix_caching) = *v;
    return Status();
  }
  return Status::InvalidArgument(fmt::format("{}: unknown engine setting '{}'", s.flag, s.key));
}

std::vector<EngineSetting> SettingsFromCommand(const Engine& engine, std::string_view command,
                                               std::vector<std::string>* unmapped) {
  std::vector<std::string> words;
  std::istringstream in{std::string(command)};
  for (std::string w; in >> w;) words.push_back(w);
  std::vector<EngineSetting> out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (!words[i].starts_with("-")) continue;
    std::string flag = words[i];
    std::string value;
    bool has_value = false;
    if (const size_t eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    const std::string normalized = NormalizeFlag(flag);
    bool known = false;
    for (const auto& [mapped, setting] : engine.cli_flags) {
      if (NormalizeFlag(mapped) != normalized) continue;
      EngineSetting s{.key = setting, .flag = flag};
      if (const size_t eq = setting.find('='); eq != std::string::npos) {
        s.key = setting.substr(0, eq);  // a switch: the table gives the value
        s.value = setting.substr(eq + 1);
      } else if (has_value) {
        s.value = value;
      } else if (i + 1 < words.size()) {
        s.value = words[++i];
      }
      out.push_back(std::move(s));
      known = true;
      break;
    }
    if (!known && unmapped) unmapped->push_back(flag);
  }
  return out;
}

}  // namespace pertoken::catalog
