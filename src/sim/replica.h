// A replica inside the simulator (simulator.cc): one engine batching requests step by step over
// its KV pool, as doc/simulator.md describes. Internal to the simulator; not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "perf/step.h"
#include "sim/histogram.h"
#include "sim/prefix_cache.h"
#include "sim/simulator.h"
#include "workload/random.h"
#include "workload/request.h"

namespace pertoken::sim::detail {

inline int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// One request inside a replica. Its KV cache holds `prefilled` prompt tokens plus one token per
// decode step since; `prompt` is the input, or after a preemption the input plus what it had
// generated (recomputed as one prompt, as vLLM does).
struct Seq {
  int64_t index = 0;
  int64_t prompt = 0;
  int64_t prefilled = 0;
  int64_t decoded = 0;    // decode steps since the prompt was (re)computed
  int64_t generated = 0;  // output tokens emitted
  int64_t target = 0;
  int64_t blocks = 0;
  int64_t input = 0;
  double arrival_s = 0;
  double ready_s = 0;  // when the frontend hands it to the engine
  double scheduled_s = -1;
  double first_token_s = -1;
  int preemptions = 0;
  int64_t counted = 0;  // of its input + output tokens, those taken off the replica's outstanding
  const std::vector<uint64_t>* prefix = nullptr;  // the request's prefix block ids, if any
  int64_t shared_entries = 0;  // leading prefix entries used from the cache (pinned, not owned)
  bool hand_off = false;       // a prefill replica passes it on after its first token
  bool swapped = false;        // its KV cache waits in host memory
  int prefill_replica = -1;    // disaggregated: the replica that computed its prompt
  double max_itl_s = 0;        // its longest gap between two tokens so far
  double last_token_s = -1;    // when it emitted its latest token (on any replica); -1: none yet
  // This step's work.
  int64_t step_prefill = 0;
  bool step_decode = false;

  bool prefill_done() const { return prefilled >= prompt; }
  int64_t kv_tokens() const { return prefilled + decoded; }
};

class Replica {
 public:
  Replica(const ReplicaSpec& spec, int id, const perf::FitResult& fit, uint64_t seed,
          LogHistogram* itl);

  // Tokens a request of these lengths needs at its longest.
  int64_t CapacityTokens() const { return stats_.kv_blocks * stats_.block_tokens; }
  int64_t outstanding_tokens() const { return outstanding_; }
  bool busy() const { return busy_; }
  const ReplicaStats& stats() const { return stats_; }
  double frontend_free_s = 0;  // when the frontend can take the next request

  double kv_bytes_per_token() const { return kv_bytes_per_token_; }
  // Leading prefix blocks of `r` this replica has cached (0 without prefix caching).
  int64_t CachedPrefix(const workload::Request& r) const {
    if (!caching_ || r.prefix_blocks.empty()) return 0;
    return cache_.Match(r.prefix_blocks, (r.input_tokens - 1) / workload::kPrefixBlockTokens);
  }

  // A request routed here, reaching the engine at `ready_s`. A prefill replica computes its prompt
  // and first token only.
  void Enqueue(const workload::Request& r, int64_t index, double arrival_s, double ready_s);

  // A request whose prompt a prefill replica computed (`prefill`), its KV cache arriving here at
  // `ready_s`: it only needs decoding.
  void EnqueueDecode(const workload::Request& r, const RequestRecord& prefill, double ready_s);

  // Forms the next step at `now` and returns how long it takes (negative: nothing to run). A
  // run of decode-only steps with the same sequences is merged into one event when it ends by
  // `horizon` (the next event anywhere) and before any request finishes or the pool runs out:
  // nothing else can change in between, so the result is the same as stepping, but faster.
  double StartStep(double now, double horizon, bool merge);
  const StepSample& last_sample() const { return last_sample_; }

  // Applies the step that ends at `now`; finished requests go to `done`, prompts to hand over to a
  // decode replica to `handoffs`.
  void FinishStep(double now, std::vector<RequestRecord>* done,
                  std::vector<RequestRecord>* handoffs);

 private:
  struct Running : Seq {
    bool finished_recorded_ = false;
  };

  int64_t BlocksFor(int64_t tokens) const { return CeilDiv(tokens, stats_.block_tokens); }
  // Tokens one verification step emits: the drafted tokens accepted in a row (each with the
  // acceptance probability, at most k) and the target's own next token.
  int64_t Emitted() {
    int64_t accepted = 0;
    while (accepted < spec_.spec->k && rng_.Uniform() < spec_.spec->acceptance) ++accepted;
    return accepted + 1;
  }
  // The blocks `s` must own to hold `tokens`: the cached prefix it uses is not its own.
  int64_t OwnBlocksFor(const Seq& s, int64_t tokens) const {
    return BlocksFor(tokens) - s.shared_entries * cache_.blocks_per_entry();
  }
  // Blocks free now or once unpinned cached prefixes are evicted.
  int64_t Available() const { return free_blocks_ + cache_.evictable_blocks(); }
  // Takes `n` blocks, evicting cached prefixes if needed; false (taking nothing) when the pool
  // cannot give them.
  bool Take(int64_t n);
  // Once `s`'s prompt is computed its full prefix blocks join the cache (as vLLM caches full
  // blocks), pinned by `s`: the blocks move from `s` to the cache, or are given back where another
  // request cached the same prefix meanwhile.
  void Publish(Seq* s);
  // Gives back what `s` holds; the cached prefix it used stays cached, unpinned by it.
  void Release(Seq* s);

  // Extra blocks the step's sequences need to run `k` decode steps (each already holds room for
  // its first).
  int64_t ExtraBlocks(int64_t k) const;

  // Sets repeat_ to the decode steps merged into this event and returns their total time. Step
  // j (from 0) has the mean context one token longer than step j - 1; its time is linear in the
  // context (attention reads grow with it, nothing else changes), which is checked at the far
  // end; where it is not (a sliding window cap), steps are not merged.
  double MergeDecodes(const perf::StepShape& shape, double first_s, double room_s);

  // Drops the most recently admitted running request's KV cache; it waits again at the front.
  // With prefix caching its full blocks stay cached, unpinned (vLLM frees a preempted request's
  // blocks to the evictable end of its free queue; SGLang keeps them in its radix tree): what is
  // not evicted by the time it resumes needs no recomputing.
  void Preempt();
  // The cache ids of `s`'s first `entries` blocks of kPrefixBlockTokens: its trace prefix ids,
  // then ids of its own (its prompt and output are its alone).
  const std::vector<uint64_t>* OwnIds(const Seq& s, int64_t entries);

  double SwapSeconds(int64_t tokens) const {
    return static_cast<double>(tokens) * kv_bytes_per_token_ / host_bytes_per_s_;
  }
  // Brings a swapped-out KV cache back from the host.
  void SwapIn(Seq* s) {
    if (!s->swapped) return;
    swap_s_ += SwapSeconds(s->kv_tokens());
    s->swapped = false;
  }

  // Takes blocks so that `s` can hold `tokens`; false when the pool cannot.
  bool Reserve(Running* s, int64_t tokens);

  // Iteration scheduling. Decode-first (vLLM, TensorRT-LLM): running decodes first (preempting
  // the newest requests when blocks run out), then prompt chunks of running requests, then new
  // requests in arrival order while the token budget, max_num_seqs and the KV pool (less a
  // watermark) allow. Prefill-first (SGLang): the prompt part alone when it finds any work, else
  // the decodes.
  void FormContinuous(double now);
  // The decode part of a step: every running request past its prompt, preempting the newest
  // requests when blocks run out.
  void ScheduleDecodes(int64_t* budget, bool* any);
  // The prompt part: chunks of running prompts, then preempted and new requests in order while
  // the budget, max_num_seqs and the KV pool (less a watermark) allow.
  void SchedulePrompts(double now, int64_t* budget, bool* any);

  // The prompt tokens `s` can compute this step within `budget` and the free blocks.
  int64_t Chunk(Running& s, int64_t budget, bool alone);

  // Static batching: when the replica is empty, take the arrived requests in order (up to
  // max_num_seqs, each holding blocks for its whole prompt and output), prefill them in one
  // step and decode them together until the longest is done.
  void FormStatic(double now);

  const ReplicaSpec& spec_;
  int id_;
  workload::Rng rng_;  // speculative acceptance draws
  double kv_bytes_per_token_ = 0;
  double host_bytes_per_s_ = 1;
  double swap_s_ = 0;        // KV copies to or from the host that the next step waits for
  LogHistogram* itl_;        // the fleet's token gaps
  double step_start_s_ = 0;  // when the current event's first step started
  double step_first_s_ = 0;  // the current event's first step and its growth per step
  double step_slope_s_ = 0;
  PrefixCache cache_;
  bool caching_ = false;
  bool chunked_ = true;
  bool busy_ = false;
  int64_t free_blocks_ = 0;
  int64_t watermark_blocks_ = 0;
  double reserve_ratio_ = 0;  // the engine's output reservation now (Engine::reserve_ratio_*)
  int64_t outstanding_ = 0;
  std::deque<Seq> waiting_;
  std::deque<Running> preempted_;
  // OwnIds of preempted requests, by request index, until they finish.
  std::unordered_map<int64_t, std::vector<uint64_t>> own_ids_;
  std::deque<Running> running_;  // admission order (deque: pointers stay valid on push_back)
  std::vector<Running*> step_;
  int64_t repeat_ = 1;  // decode steps merged into the current event
  StepSample last_sample_;
  ReplicaStats stats_;
};

}  // namespace pertoken::sim::detail
