#include "workload/trace.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <utility>

#include "common/names.h"

namespace pertoken::workload {

namespace {

constexpr std::string_view kPlainHeader = "arrival_s,input_tokens,output_tokens";
constexpr std::string_view kPrefixHeader = "arrival_s,input_tokens,output_tokens,prefix_hash_ids";

// The shipped traces (data/traces/README.md gives their sources), sorted by name.
struct BuiltinTrace {
  std::string_view name;
  std::string_view file;
};
constexpr std::array<BuiltinTrace, 3> kBuiltinTraces = {{
    {"azure-code", "azure2023_code.csv"},
    {"azure-conv", "azure2023_conv.csv"},
    {"mooncake-conv", "mooncake_fast25_conversation.csv"},
}};

// Space-separated block ids; nullopt after recording a problem on a bad id.
std::optional<std::vector<uint64_t>> ReadPrefixBlocks(std::string_view cell, int line,
                                                      ErrorList* errors) {
  std::vector<uint64_t> blocks;
  for (size_t start = 0; start < cell.size();) {
    size_t end = cell.find(' ', start);
    if (end == std::string_view::npos) end = cell.size();
    const std::string_view id = cell.substr(start, end - start);
    start = end + 1;
    if (id.empty()) continue;  // repeated spaces
    uint64_t value = 0;
    const auto [ptr, error] = std::from_chars(id.data(), id.data() + id.size(), value);
    if (error != std::errc() || ptr != id.data() + id.size()) {
      errors->Add(line, "prefix_hash_ids", fmt::format("'{}' is not a block id", id));
      return std::nullopt;
    }
    blocks.push_back(value);
  }
  return blocks;
}

// The arrival time of a row, checked against the last arrival that parsed (`*previous_s`, which
// it then replaces, so one row out of order is reported once); nullopt after recording a problem.
std::optional<double> ReadArrival(std::string_view cell, int line, double* previous_s,
                                  ErrorList* errors) {
  const std::optional<double> arrival = ParseNumber(cell);
  if (!arrival) {
    errors->Add(line, "arrival_s", fmt::format("'{}' is not a number", cell));
    return std::nullopt;
  }
  if (*arrival < 0) {
    errors->Add(line, "arrival_s", fmt::format("{} is negative", cell));
    return std::nullopt;
  }
  const double previous = std::exchange(*previous_s, *arrival);
  if (*arrival < previous) {
    errors->Add(line, "arrival_s",
                fmt::format("{} is earlier than the row before ({}); rows must be sorted by time",
                            *arrival, previous));
    return std::nullopt;
  }
  return arrival;
}

// One row as a request; nullopt after recording its problems.
std::optional<Request> ReadRow(const CsvRecord& record, bool has_prefix, double* previous_s,
                               ErrorList* errors) {
  const int line = record.line;
  const auto arrival = ReadArrival(record.cells[0], line, previous_s, errors);
  const auto input = ReadTokenCount(record.cells[1], line, "input_tokens", errors);
  const auto output = ReadTokenCount(record.cells[2], line, "output_tokens", errors);
  if (!arrival || !input || !output) return std::nullopt;
  Request request{.arrival_s = *arrival, .input_tokens = *input, .output_tokens = *output};
  if (!has_prefix) return request;
  auto blocks = ReadPrefixBlocks(record.cells[3], line, errors);
  if (!blocks) return std::nullopt;
  // Every started block of the prompt has an id (checked upstream on every Mooncake row); a
  // mismatch means a broken conversion, and prefix-cache hits would be counted wrong.
  const int64_t expected = (*input + kPrefixBlockTokens - 1) / kPrefixBlockTokens;
  if (static_cast<int64_t>(blocks->size()) != expected) {
    errors->Add(line, "prefix_hash_ids",
                fmt::format("{} block ids, but {} input tokens make {} blocks of {}",
                            blocks->size(), *input, expected, kPrefixBlockTokens));
    return std::nullopt;
  }
  request.prefix_blocks = std::move(*blocks);
  return request;
}

}  // namespace

Result<Trace> ParseTrace(std::string_view text, const std::string& name) {
  auto doc = SplitCsv(text, name, {kPlainHeader, kPrefixHeader});
  if (!doc.ok()) return doc.status();
  const bool has_prefix = doc->header == 1;
  Trace trace;
  ErrorList errors(name);
  double previous_arrival_s = 0;
  for (const CsvRecord& record : doc->records) {
    std::optional<Request> request = ReadRow(record, has_prefix, &previous_arrival_s, &errors);
    if (!request) continue;
    // A request that reads no prompt or generates nothing (a failed or cancelled call in some
    // traces) puts no load on a server that a simulator could model; leave it out, but count it.
    if (request->input_tokens == 0 || request->output_tokens == 0) {
      trace.skipped.Add(record.line);
      continue;
    }
    trace.requests.push_back(std::move(*request));
  }
  if (!errors.empty()) return errors.ToStatus();
  return trace;
}

Result<Trace> ReadTrace(const std::string& path) {
  auto text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  return ParseTrace(*text, path);
}

Result<std::vector<Request>> Replay(const std::vector<Request>& trace,
                                    const ReplayOptions& options) {
  if (!(std::isfinite(options.speedup) && options.speedup > 0)) {
    return Status::InvalidArgument(
        fmt::format("replay speedup must be a number > 0, not {}", options.speedup));
  }
  if (!(std::isfinite(options.window_start_s) && options.window_start_s >= 0)) {
    return Status::InvalidArgument(
        fmt::format("replay window start must be >= 0 s, not {}", options.window_start_s));
  }
  if (!(std::isfinite(options.window_s) && options.window_s >= 0)) {
    return Status::InvalidArgument(
        fmt::format("replay window must be >= 0 s (0 = to the end), not {}", options.window_s));
  }
  if (options.max_requests < 0) {
    return Status::InvalidArgument(fmt::format(
        "replay request limit must be >= 0 (0 = no limit), not {}", options.max_requests));
  }
  const double end_s = options.window_s > 0 ? options.window_start_s + options.window_s
                                            : std::numeric_limits<double>::infinity();
  std::vector<Request> out;
  for (const Request& r : trace) {
    if (r.arrival_s < options.window_start_s) continue;
    if (r.arrival_s >= end_s) break;
    if (options.max_requests > 0 && static_cast<int64_t>(out.size()) == options.max_requests) {
      break;
    }
    out.push_back(r);
    out.back().arrival_s = (r.arrival_s - options.window_start_s) / options.speedup;
  }
  return out;
}

std::vector<std::string> BuiltinTraceNames() {
  std::vector<std::string> names;
  for (const BuiltinTrace& t : kBuiltinTraces) names.emplace_back(t.name);
  return names;
}

Result<std::string> BuiltinTracePath(std::string_view name, const std::string& data_dir) {
  const std::string wanted = NormalizeName(name);
  for (const BuiltinTrace& t : kBuiltinTraces) {
    if (t.name != wanted) continue;
    const std::string path = (std::filesystem::path(data_dir) / t.file).string();
    if (!std::filesystem::is_regular_file(path)) {
      return Status::NotFound(fmt::format("built-in trace '{}': no file {}", t.name, path));
    }
    return path;
  }
  std::vector<NamedId> candidates;
  for (const BuiltinTrace& t : kBuiltinTraces)
    candidates.push_back({std::string(t.name), std::string(t.name)});
  std::string hint = DidYouMean(ClosestIds(name, candidates));
  if (hint.empty())
    hint = fmt::format(" (built-in traces: {})", fmt::join(BuiltinTraceNames(), ", "));
  return Status::NotFound(fmt::format("unknown built-in trace '{}'{}", name, hint));
}

}  // namespace pertoken::workload
