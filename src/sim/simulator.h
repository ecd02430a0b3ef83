// The serving simulator: a discrete-event replay of a request stream through a fleet of replicas,
// each an engine that batches at the iteration level, with step times from the performance model
// (perf::PredictStep). Deterministic: the same inputs give the same result. Not thread-safe per
// call; independent calls may run in parallel.
//
// Events are ordered by time, then phase (a replica finishing a step before a request arriving at
// the same instant), then insertion sequence. Metric definitions follow shared/metrics.md: TTFT
// from arrival to the first output token, TPOT = (end - first token) / (output tokens - 1).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "perf/serving.h"
#include "perf/step.h"
#include "sim/histogram.h"
#include "workload/request.h"

namespace pertoken::sim {

enum class Batching {
  kContinuous,  // iteration-level (Orca, vLLM): requests join and leave between steps
  kStatic,      // a batch runs to completion before the next one starts
};

// What a replica does: everything, or one side of disaggregated serving (DistServe, Splitwise):
// prefill replicas compute prompts and the first token, then hand the KV cache over the link to a
// decode replica of the same tier, which generates the rest.
enum class Role { kUnified, kPrefill, kDecode };

// What happens to a running request's KV cache when the pool runs out of blocks.
enum class Preemption {
  kRecompute,  // dropped; the prompt and the tokens generated so far are computed again (vLLM)
  kSwap,       // copied to host memory over PCIe and back when the request resumes
};

// How the router picks a replica for an arriving request.
enum class Routing {
  kRoundRobin,
  kLeastOutstanding,  // fewest tokens still to process (prompt left plus output left)
  kPrefixAffinity,    // the replica whose prefix cache holds most of the prompt (ties: least
                      // outstanding), as SGLang's cache-aware router does
};

// One replica: a deployment and its engine's scheduling limits.
struct ReplicaSpec {
  perf::Deployment deployment;
  Role role = Role::kUnified;
  int tier = 0;  // which model tier it serves (FleetSpec::tier_shares)
  Batching batching = Batching::kContinuous;
  int64_t max_num_seqs = 0;        // 0: the engine's limit on this accelerator
  int64_t max_batched_tokens = 0;  // 0: the engine's limit on this accelerator
  int chunked_prefill = -1;        // -1: the engine's default; 0 or 1 to override
  // Longest sequence the replica must admit (prompt + output); sizes the memory fit. 0: the
  // stream's longest request.
  int64_t max_context_tokens = 0;
  double kv_watermark = 0.01;  // share of KV blocks kept free when admitting a new request
  Preemption preemption = Preemption::kRecompute;
  // -1: the engine's default (kv_cache.prefix_caching); 0 or 1 to override. Needs the requests'
  // prefix_blocks (the Mooncake traces have them).
  int prefix_caching = -1;
  // Speculative decoding: each decode step verifies k drafted tokens and emits those accepted in
  // a row plus one, drawn with the acceptance rate (SimOptions::seed).
  std::optional<perf::SpecDecode> spec;
};

struct FleetSpec {
  std::vector<ReplicaSpec> replicas;
  Routing routing = Routing::kLeastOutstanding;
  // Model-tier routing: the share of requests each tier gets (drawn per request with
  // SimOptions::seed), e.g. {0.7, 0.3} sends 30% to the replicas of tier 1. Empty: one tier.
  std::vector<double> tier_shares;
  // Bandwidth of a prefill-to-decode KV transfer. 0: perf::KvTransferBytesPerSecond of the two
  // replicas (their scale-up link when they share a scale-up domain, else the network's PCIe
  // bound); give the network's own figure where it is known.
  double kv_transfer_bytes_per_s = 0;
};

// What happened to one request.
struct RequestRecord {
  int64_t index = 0;  // position in the stream
  int replica = 0;
  double arrival_s = 0;
  double scheduled_s = 0;    // its first prompt tokens entered a step
  double first_token_s = 0;  // end of the step that emitted its first token
  double finish_s = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int preemptions = 0;       // times its KV cache was dropped and recomputed
  int prefill_replica = -1;  // disaggregated serving: the replica that computed its prompt
  double max_itl_s = 0;      // the longest gap between two of its tokens (across a handover too)

  double queue_s() const { return scheduled_s - arrival_s; }
  double ttft_s() const { return first_token_s - arrival_s; }
  double e2e_s() const { return finish_s - arrival_s; }
  double tpot_s() const {
    return output_tokens > 1 ? (finish_s - first_token_s) / static_cast<double>(output_tokens - 1)
                             : 0;
  }
};

struct ReplicaStats {
  int64_t kv_blocks = 0;     // the KV pool, in blocks of the engine's block size
  int64_t block_tokens = 0;  // tokens per block
  int64_t max_num_seqs = 0;  // the limits in force
  int64_t max_batched_tokens = 0;
  int64_t steps = 0;
  double busy_s = 0;            // time spent in steps
  double kv_block_seconds = 0;  // integral of blocks in use over time (for mean occupancy)
  int64_t peak_kv_blocks = 0;
  int64_t preemptions = 0;
  int64_t handed_off = 0;           // prefill replicas: requests passed to a decode replica
  double swap_s = 0;                // time spent copying KV caches to and from host memory
  double batch_sequence_steps = 0;  // sum over steps of the sequences in the step
  double prefill_tokens = 0;        // prompt tokens processed (recomputation included)
  double cached_prompt_tokens = 0;  // prompt tokens found in the prefix cache, not computed
  int64_t completed = 0;
};

struct SimResult {
  int64_t completed_requests = 0;
  int64_t input_tokens = 0;   // of completed requests
  int64_t output_tokens = 0;  // of completed requests
  double start_s = 0;         // first arrival
  double end_s = 0;           // last completion
  double duration_s() const { return end_s - start_s; }
  LogHistogram queue;  // seconds
  LogHistogram ttft;
  LogHistogram tpot;  // requests with more than one output token
  LogHistogram itl;   // every gap between two tokens of a request: one per sequence per decode
                      // step (a verification step's tokens arrive together)
  LogHistogram e2e;
  // Integral over time of the requests in the fleet (arrived, not finished): divided by
  // duration_s(), the mean number in the system.
  double request_seconds = 0;
  std::vector<ReplicaStats> replicas;
  int64_t events = 0;  // arrivals plus steps processed
};

// One step (or a run of merged identical decode steps) as it starts, for timelines.
struct StepSample {
  int replica = 0;
  double start_s = 0;
  double duration_s = 0;
  int64_t steps = 1;             // decode steps merged into this sample
  int64_t prefill_tokens = 0;    // prompt tokens computed in it
  int64_t decode_sequences = 0;  // sequences generating a token in each of its steps
  int64_t running = 0;           // requests holding KV blocks
  int64_t waiting = 0;           // requests routed here, not yet admitted (frontend included)
  int64_t kv_blocks_used = 0;
  int64_t kv_blocks = 0;
};

struct SimOptions {
  // Called once per completed request, in completion order; may be empty.
  std::function<void(const RequestRecord&)> on_request;
  // Called as each step starts; may be empty.
  std::function<void(const StepSample&)> on_step;
  // A closed loop of this many clients (vllm bench --max-concurrency): the stream's arrival times
  // are ignored; the first requests arrive at 0 and each completion sends the next. 0: open loop.
  int64_t closed_loop_clients = 0;
  // Simulate every decode step as its own event instead of merging runs of identical decode
  // steps (the results agree to rounding; for tests and benchmarks of the merge).
  bool exact_steps = false;
  // Seeds the random draws (speculative acceptance); equal seeds give equal results.
  uint64_t seed = 1;
};

// The order of simulation events: earlier time first, then lower phase (0: a replica finishes a
// step, 1: a request arrives, 2: the frontend hands a request to its engine), then insertion
// sequence. A strict weak order (tested).
struct EventKey {
  double time_s = 0;
  int phase = 0;
  uint64_t sequence = 0;
};
bool EventBefore(const EventKey& a, const EventKey& b);

// Replays `requests` (sorted by arrival_s) through `fleet`. InvalidArgument when the fleet is
// empty, a replica's deployment does not fit, a request is longer than a replica can hold, or the
// stream is unsorted or empty.
Result<SimResult> Simulate(const FleetSpec& fleet, const std::vector<workload::Request>& requests,
                           const SimOptions& options = {});

}  // namespace pertoken::sim
