// Trace replay: reading request traces (doc/formats/trace.md), cutting a window out of them and
// replaying it faster or slower, and finding the traces shipped in data/traces/.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "workload/csv_text.h"
#include "workload/request.h"

namespace pertoken::workload {

struct Trace {
  std::vector<Request> requests;  // in file order, which is arrival order
  SkippedRows skipped;            // rows with 0 input or 0 output tokens, not in `requests`
};

// Parses a trace CSV, `arrival_s,input_tokens,output_tokens[,prefix_hash_ids]`, naming it `name`
// in messages. ParseError listing every bad row as "name:line: column: message" (the header,
// numbers, arrival_s >= 0 and non-decreasing, token counts >= 0, prefix_hash_ids with one id per
// started block of kPrefixBlockTokens input tokens). Rows with 0 input or 0 output tokens are valid
// but left out and counted in `skipped`.
Result<Trace> ParseTrace(std::string_view text, const std::string& name);

// Reads and parses the trace at `path`. IoError when it cannot be read; else as ParseTrace.
Result<Trace> ReadTrace(const std::string& path);

// Which part of a trace to replay, and how fast. The window is in trace time; the replayed stream
// starts at 0 at window_start_s.
struct ReplayOptions {
  double window_start_s = 0;  // trace second where replay starts, >= 0
  double window_s = 0;        // trace seconds replayed from window_start_s (end excluded); 0 = all
  double speedup = 1;  // > 0: replay time = (trace time - window_start_s) / speedup, so 2 replays
                       // twice as fast, at twice the request rate
  int64_t max_requests = 0;  // keep at most this many (the earliest) of the window; 0 = no limit
};

// The requests of `trace` inside the window, shifted and scaled to replay time, at most
// max_requests of them. InvalidArgument naming the option when one is out of range.
// REQUIRES: `trace` sorted by arrival_s (as ParseTrace returns it).
Result<std::vector<Request>> Replay(const std::vector<Request>& trace,
                                    const ReplayOptions& options);

// The built-in trace names, sorted: azure-code, azure-conv, mooncake-conv.
std::vector<std::string> BuiltinTraceNames();

// The path of built-in trace `name` (matched case-insensitively, '_' = '-') under `data_dir`
// (the shipped data/traces/ folder). NotFound with a did-you-mean suggestion for an unknown name;
// NotFound naming the path when the file is not there.
Result<std::string> BuiltinTracePath(std::string_view name, const std::string& data_dir);

}  // namespace pertoken::workload
