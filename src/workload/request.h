// Request: one request of a workload stream, the unit the serving simulator consumes. A plain
// value type.
#pragma once

#include <cstdint>
#include <vector>

namespace pertoken::workload {

// Tokens covered by one prefix block id (the Mooncake traces' block size; doc/formats/trace.md).
constexpr int64_t kPrefixBlockTokens = 512;

struct Request {
  double arrival_s = 0;       // seconds from the start of the stream; streams are sorted by it
  int64_t input_tokens = 0;   // prompt (context) tokens, >= 1
  int64_t output_tokens = 0;  // generated tokens, >= 1
  // Hash ids of the prompt's kPrefixBlockTokens-token blocks, in prompt order: two requests that
  // share a leading id share that prefix's KV cache. Empty when the source has none (synthetic
  // streams, the Azure traces).
  std::vector<uint64_t> prefix_blocks;

  bool operator==(const Request&) const = default;
};

}  // namespace pertoken::workload
