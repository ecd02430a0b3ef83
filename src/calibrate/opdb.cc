#include "calibrate/opdb.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <span>
#include <sstream>
#include <system_error>

namespace pertoken::calibrate {

namespace {

constexpr std::string_view kSuffix = ".csv.gz";
constexpr std::string_view kSeparator = "__";
constexpr int kNameParts = 5;

// Frameworks that get a profile of their own when they measured GEMMs; a table a framework lacks
// comes from the others in this order.
constexpr std::array<std::string_view, 3> kFrameworks = {"vllm", "trtllm", "sglang"};
constexpr std::array<std::string_view, 1> kNccl = {"nccl"};
constexpr std::string_view kCommitWord = "commit ";
constexpr size_t kCommitDigits = 40;

// The file of `table` from the first of `frameworks` that has it (its newest version, by string
// order); nullopt when none has it.
std::optional<OpdbFile> Pick(const std::vector<OpdbFile>& files, std::string_view table,
                             std::span<const std::string_view> frameworks) {
  for (std::string_view framework : frameworks) {
    std::optional<OpdbFile> best;
    for (const OpdbFile& f : files) {
      if (f.table != table || f.framework != framework) continue;
      if (!best || f.version > best->version) best = f;
    }
    if (best) return best;
  }
  return std::nullopt;
}

// The tables of `framework`'s profile of one system: each from `framework` where it has it, else
// from the others in kFrameworks order; every one missing is named in `missing`.
OpdbSelection Select(const std::string& system, std::string_view framework,
                     const std::vector<OpdbFile>& files) {
  std::vector<std::string_view> order = {framework};
  for (std::string_view f : kFrameworks) {
    if (f != framework) order.push_back(f);
  }
  OpdbSelection s{.system = system, .framework = std::string(framework)};
  auto pick = [&](std::string_view table, OpdbFile* out) {
    if (auto f = Pick(files, table, order)) {
      *out = *f;
    } else {
      s.missing.push_back(fmt::format("no {} table", table));
    }
  };
  pick("gemm_perf", &s.gemm);
  pick("context_attention_perf", &s.context_attention);
  pick("generation_attention_perf", &s.generation_attention);
  if (auto custom = Pick(files, "custom_allreduce_perf", order)) {
    s.allreduce = *custom;
  } else if (auto nccl = Pick(files, "nccl_perf", kNccl)) {
    s.allreduce = *nccl;
  } else {
    s.missing.push_back("no custom_allreduce_perf or nccl_perf table");
  }
  return s;
}

// Every table file in `dir`, grouped by system (sorted).
Result<std::map<std::string, std::vector<OpdbFile>>> ListTables(const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> names;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec) return Status::IoError(fmt::format("{}: cannot list: {}", dir, ec.message()));
  std::sort(names.begin(), names.end());
  std::map<std::string, std::vector<OpdbFile>> by_system;
  for (const std::string& name : names) {
    if (auto f = ParseOpdbFileName(name)) by_system[f->system].push_back(*f);
  }
  if (by_system.empty()) {
    return Status::NotFound(fmt::format(
        "{}: no tables named <system>__<family>__<framework>__<version>__<table>.csv.gz", dir));
  }
  return by_system;
}

}  // namespace

std::optional<OpdbFile> ParseOpdbFileName(std::string_view file_name) {
  if (!file_name.ends_with(kSuffix)) return std::nullopt;
  std::string_view rest = file_name.substr(0, file_name.size() - kSuffix.size());
  std::vector<std::string> parts;
  for (size_t at = rest.find(kSeparator); at != std::string_view::npos;
       at = rest.find(kSeparator)) {
    parts.emplace_back(rest.substr(0, at));
    rest.remove_prefix(at + kSeparator.size());
  }
  parts.emplace_back(rest);
  if (parts.size() != kNameParts) return std::nullopt;
  if (std::any_of(parts.begin(), parts.end(), [](const auto& p) { return p.empty(); })) {
    return std::nullopt;
  }
  return OpdbFile{.system = parts[0],
                  .family = parts[1],
                  .framework = parts[2],
                  .version = parts[3],
                  .table = parts[4],
                  .file_name = std::string(file_name)};
}

Result<std::vector<OpdbSelection>> SelectOpdbTables(const std::string& dir) {
  auto tables = ListTables(dir);
  if (!tables.ok()) return tables.status();
  std::vector<OpdbSelection> selections;
  for (const auto& [system, files] : *tables) {
    bool any = false;
    for (std::string_view framework : kFrameworks) {
      const std::string_view one[] = {framework};
      if (!Pick(files, "gemm_perf", one)) continue;
      selections.push_back(Select(system, framework, files));
      any = true;
    }
    // A system without GEMM tables still gets a selection, to name what it lacks.
    if (!any) selections.push_back(Select(system, kFrameworks.front(), files));
  }
  return selections;
}

std::string OpdbCommit(const std::string& dir) {
  std::ifstream in(std::filesystem::path(dir) / "README.md");
  if (!in) return "";
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  auto is_hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  for (size_t at = text.find(kCommitWord); at != std::string::npos;
       at = text.find(kCommitWord, at + 1)) {
    const std::string digits = text.substr(at + kCommitWord.size(), kCommitDigits);
    if (digits.size() == kCommitDigits && std::all_of(digits.begin(), digits.end(), is_hex)) {
      return digits;
    }
  }
  return "";
}

}  // namespace pertoken::calibrate
