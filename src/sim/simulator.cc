#include "sim/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <map>
#include <queue>
#include <set>

#include "perf/serving.h"
#include "sim/prefix_cache.h"
#include "workload/random.h"

namespace pertoken::sim {

namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

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
  // This step's work.
  int64_t step_prefill = 0;
  bool step_decode = false;

  bool prefill_done() const { return prefilled >= prompt; }
  int64_t kv_tokens() const { return prefilled + decoded; }
};

class Replica {
 public:
  Replica(const ReplicaSpec& spec, int id, const perf::FitResult& fit, uint64_t seed,
          LogHistogram* itl)
      : spec_(spec),
        id_(id),
        itl_(itl),
        rng_(seed, static_cast<uint64_t>(id)),
        cache_(workload::kPrefixBlockTokens /
               std::max<int64_t>(1, spec.deployment.engine->block_tokens)) {
    const auto& d = spec.deployment;
    stats_.block_tokens = std::max<int64_t>(1, d.engine->block_tokens);
    // Cache entries are whole trace blocks, so the engine's blocks must tile them.
    caching_ = (spec.prefix_caching < 0 ? d.engine->prefix_caching : spec.prefix_caching == 1) &&
               spec.batching == Batching::kContinuous &&
               workload::kPrefixBlockTokens % stats_.block_tokens == 0;
    stats_.kv_blocks = fit.kv_tokens / stats_.block_tokens;
    kv_bytes_per_token_ = fit.kv_bytes_per_token;
    // Each accelerator moves its shard of a KV cache over its own PCIe link.
    host_bytes_per_s_ =
        perf::HostLinkBytesPerSecond(*d.accelerator) * static_cast<double>(d.layout.count());
    stats_.max_num_seqs =
        spec.max_num_seqs > 0 ? spec.max_num_seqs : d.engine->MaxNumSeqs(*d.accelerator);
    stats_.max_batched_tokens = spec.max_batched_tokens > 0
                                    ? spec.max_batched_tokens
                                    : d.engine->MaxBatchedTokens(*d.accelerator);
    chunked_ = spec.chunked_prefill < 0 ? d.engine->chunked_prefill : spec.chunked_prefill == 1;
    free_blocks_ = stats_.kv_blocks;
    watermark_blocks_ =
        static_cast<int64_t>(std::floor(spec.kv_watermark * static_cast<double>(stats_.kv_blocks)));
  }

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
  void Enqueue(const workload::Request& r, int64_t index, double arrival_s, double ready_s) {
    Seq s;
    s.index = index;
    s.prompt = r.input_tokens;
    s.input = r.input_tokens;
    s.target = spec_.role == Role::kPrefill ? 1 : r.output_tokens;
    s.hand_off = spec_.role == Role::kPrefill && r.output_tokens > 1;
    s.arrival_s = arrival_s;
    s.ready_s = ready_s;
    if (!r.prefix_blocks.empty()) s.prefix = &r.prefix_blocks;
    waiting_.push_back(s);
    outstanding_ += s.input + s.target;
  }

  // A request whose prompt a prefill replica computed (`prefill`), its KV cache arriving here at
  // `ready_s`: it only needs decoding.
  void EnqueueDecode(const workload::Request& r, const RequestRecord& prefill, double ready_s) {
    Seq s;
    s.index = prefill.index;
    s.prompt = s.input = s.prefilled = r.input_tokens;
    s.generated = 1;
    s.target = r.output_tokens;
    s.counted = s.input + 1;
    s.arrival_s = prefill.arrival_s;
    s.ready_s = ready_s;
    s.scheduled_s = prefill.scheduled_s;
    s.first_token_s = prefill.first_token_s;
    s.prefill_replica = prefill.replica;
    waiting_.push_back(s);
    outstanding_ += s.target - 1;
  }

  // Forms the next step at `now`; returns its duration, or a negative value when there is nothing
  // to run.
  // Forms the next step at `now` and returns how long it takes (negative: nothing to run). A
  // run of decode-only steps with the same sequences is merged into one event when it ends by
  // `horizon` (the next event anywhere) and before any request finishes or the pool runs out:
  // nothing else can change in between, so the result is the same as stepping, but faster.
  double StartStep(double now, double horizon, bool merge) {
    step_.clear();
    repeat_ = 1;
    if (spec_.batching == Batching::kStatic) {
      FormStatic(now);
    } else {
      FormContinuous(now);
      // Prompts stuck half-computed with the pool full: give the newest one's blocks back.
      while (step_.empty() && !running_.empty()) {
        Preempt();
        FormContinuous(now);
      }
    }
    if (step_.empty()) return -1;
    perf::StepShape shape;
    int64_t prefill_tokens = 0, prefill_past = 0, decode_context = 0;
    for (const Seq* s : step_) {
      if (s->step_prefill > 0) {
        ++shape.prefill_sequences;
        prefill_tokens += s->step_prefill;
        prefill_past += s->prefilled;
      }
      if (s->step_decode) {
        ++shape.decode_sequences;
        decode_context += s->kv_tokens();
      }
    }
    if (spec_.batching == Batching::kStatic && shape.decode_sequences > 0) {
      // Finished sequences stay in a static batch as padding until the batch ends.
      shape.decode_sequences = static_cast<int64_t>(running_.size());
    }
    if (shape.prefill_sequences > 0) {
      shape.prefill_tokens = CeilDiv(prefill_tokens, shape.prefill_sequences);
      shape.prefill_past = prefill_past / shape.prefill_sequences;
    }
    if (shape.decode_sequences > 0) {
      shape.decode_context =
          static_cast<double>(decode_context) / static_cast<double>(shape.decode_sequences);
    }
    if (spec_.spec && shape.decode_sequences > 0) shape.decode_tokens = spec_.spec->k + 1;
    double dt = perf::PredictStep(spec_.deployment, shape).total_s;
    step_slope_s_ = 0;
    if (spec_.spec) dt += perf::DraftSeconds(spec_.deployment, *spec_.spec, shape);
    // KV caches swapped out or in while forming the step delay it.
    dt += swap_s_;
    stats_.swap_s += swap_s_;
    const bool swapping = swap_s_ > 0;
    swap_s_ = 0;
    step_first_s_ = dt;
    // Speculation accepts a random number of tokens each step: no two steps are alike.
    if (merge && !spec_.spec && !swapping && spec_.batching == Batching::kContinuous &&
        shape.prefill_sequences == 0) {
      dt = MergeDecodes(shape, dt, horizon - now);
    }
    busy_ = true;
    stats_.steps += repeat_;
    stats_.busy_s += dt;
    const int64_t used = stats_.kv_blocks - free_blocks_ - cache_.evictable_blocks();
    stats_.kv_block_seconds += static_cast<double>(used) * dt;
    stats_.peak_kv_blocks = std::max(stats_.peak_kv_blocks, used);
    stats_.batch_sequence_steps += static_cast<double>(step_.size() * repeat_);
    stats_.prefill_tokens += static_cast<double>(prefill_tokens);
    last_sample_ = {.replica = id_,
                    .start_s = now,
                    .duration_s = dt,
                    .steps = repeat_,
                    .prefill_tokens = prefill_tokens,
                    .decode_sequences = shape.decode_sequences,
                    .running = static_cast<int64_t>(running_.size()),
                    .waiting = static_cast<int64_t>(waiting_.size() + preempted_.size()),
                    .kv_blocks_used = used,
                    .kv_blocks = stats_.kv_blocks};
    return dt;
  }
  const StepSample& last_sample() const { return last_sample_; }

  // Applies the step that ends at `now`; finished requests go to `done`, prompts to hand over to a
  // decode replica to `handoffs`.
  void FinishStep(double now, std::vector<RequestRecord>* done,
                  std::vector<RequestRecord>* handoffs) {
    busy_ = false;
    // Each decoding sequence waited one step between its last token and this one.
    const double last_step_s = step_first_s_ + step_slope_s_ * static_cast<double>(repeat_ - 1);
    int64_t decoding = 0;
    for (const Seq* s : step_) decoding += s->step_decode ? 1 : 0;
    for (int64_t j = 0; j < repeat_ && decoding > 0; ++j) {
      itl_->Add(step_first_s_ + step_slope_s_ * static_cast<double>(j), decoding);
    }
    for (Seq* s : step_) {
      int64_t progress = 0;
      if (s->step_decode) {
        s->max_itl_s = std::max({s->max_itl_s, step_first_s_, last_step_s});
        const int64_t emitted =
            spec_.spec ? std::min(Emitted(), s->target - s->generated) : repeat_;
        s->decoded += emitted;
        s->generated += emitted;
        progress = emitted;
      }
      if (s->step_prefill > 0) {
        s->prefilled += s->step_prefill;
        // A recomputed prompt is work the router already counted.
        if (s->preemptions == 0) progress += s->step_prefill;
        if (s->prefill_done()) {
          ++s->generated;
          ++progress;
          if (s->first_token_s < 0) s->first_token_s = now;
          Publish(s);
        }
      }
      progress = std::min(progress, s->input + s->target - s->counted);
      s->counted += progress;
      outstanding_ -= progress;
      s->step_prefill = 0;
      s->step_decode = false;
    }
    step_.clear();
    for (auto it = running_.begin(); it != running_.end();) {
      if (it->generated < it->target) {
        ++it;
        continue;
      }
      if (spec_.batching == Batching::kStatic && it->finished_recorded_) {
        ++it;
        continue;
      }
      (it->hand_off ? handoffs : done)
          ->push_back({.index = it->index,
                       .replica = id_,
                       .arrival_s = it->arrival_s,
                       .scheduled_s = it->scheduled_s,
                       .first_token_s = it->first_token_s,
                       .finish_s = now,
                       .input_tokens = it->input,
                       .output_tokens = it->target,
                       .preemptions = it->preemptions,
                       .prefill_replica = it->prefill_replica,
                       .max_itl_s = it->max_itl_s});
      ++(it->hand_off ? stats_.handed_off : stats_.completed);
      outstanding_ -= it->input + it->target - it->counted;
      it->counted = it->input + it->target;
      if (spec_.batching == Batching::kStatic) {
        it->finished_recorded_ = true;  // padding until the whole batch is done
        ++it;
        continue;
      }
      Release(&*it);
      it = running_.erase(it);
    }
    if (spec_.batching == Batching::kStatic &&
        std::all_of(running_.begin(), running_.end(),
                    [](const Running& r) { return r.finished_recorded_; })) {
      for (const Running& r : running_) free_blocks_ += r.blocks;
      running_.clear();
    }
  }

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
  bool Take(int64_t n) {
    if (n > Available()) return false;
    if (n > free_blocks_) free_blocks_ += cache_.Evict(n - free_blocks_);
    free_blocks_ -= n;
    return true;
  }
  // Once `s`'s prompt is computed its full prefix blocks join the cache (as vLLM caches full
  // blocks), pinned by `s`: the blocks move from `s` to the cache, or are given back where another
  // request cached the same prefix meanwhile.
  void Publish(Seq* s) {
    if (!caching_ || !s->prefix) return;
    const int64_t full = std::min<int64_t>(static_cast<int64_t>(s->prefix->size()),
                                           s->input / workload::kPrefixBlockTokens);
    if (full <= s->shared_entries) return;
    const int64_t added = cache_.Insert(*s->prefix, s->shared_entries, full);
    const int64_t moved = (full - s->shared_entries) * cache_.blocks_per_entry();
    cache_.Pin(*s->prefix, full);
    cache_.Unpin(*s->prefix, s->shared_entries);  // it held these pins already
    s->blocks -= moved;
    free_blocks_ += moved - added * cache_.blocks_per_entry();
    s->shared_entries = full;
  }
  // Gives back what `s` holds; the cached prefix it used stays cached, unpinned by it.
  void Release(Seq* s) {
    if (s->prefix) cache_.Unpin(*s->prefix, s->shared_entries);
    s->shared_entries = 0;
    free_blocks_ += s->blocks;
    s->blocks = 0;
  }

  // Extra blocks the step's sequences need to run `k` decode steps (each already holds room for
  // its first).
  int64_t ExtraBlocks(int64_t k) const {
    int64_t need = 0;
    for (const Running* s : step_)
      need += std::max<int64_t>(0, OwnBlocksFor(*s, s->kv_tokens() + k) - s->blocks);
    return need;
  }

  // Sets repeat_ to the decode steps merged into this event and returns their total time. Step
  // j (from 0) has the mean context one token longer than step j - 1; its time is linear in the
  // context (attention reads grow with it, nothing else changes), which is checked at the far
  // end; where it is not (a sliding window cap), steps are not merged.
  double MergeDecodes(const perf::StepShape& shape, double first_s, double room_s) {
    int64_t limit = INT64_MAX;
    for (const Running* s : step_) limit = std::min(limit, s->target - s->generated);
    if (limit <= 1 || first_s > room_s) return first_s;
    perf::StepShape next = shape;
    next.decode_context += 1;
    const double slope = perf::PredictStep(spec_.deployment, next).total_s - first_s;
    auto total = [&](int64_t m) {
      const double md = static_cast<double>(m);
      return md * first_s + slope * md * (md - 1) / 2;
    };
    // The most steps that end by the horizon, leave every sequence unfinished but the last step,
    // and fit in the free blocks.
    int64_t lo = 1, hi = limit;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo + 1) / 2;
      if (total(mid) <= room_s && ExtraBlocks(mid) <= Available()) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    if (lo <= 1) return first_s;
    perf::StepShape last = shape;
    last.decode_context += static_cast<double>(lo - 1);
    const double linear = first_s + slope * static_cast<double>(lo - 1);
    if (std::abs(perf::PredictStep(spec_.deployment, last).total_s - linear) > 1e-9 * linear) {
      return first_s;
    }
    for (Running* s : step_) Reserve(s, s->kv_tokens() + lo);
    repeat_ = lo;
    step_slope_s_ = slope;
    return total(lo);
  }

  // Drops the most recently admitted running request's KV cache; it waits again at the front.
  void Preempt() {
    Running victim = running_.back();
    running_.pop_back();
    if (spec_.preemption == Preemption::kSwap) {
      // Its whole cache goes to the host (the shared prefix too: it owns it once back).
      swap_s_ += SwapSeconds(victim.kv_tokens());
      victim.swapped = true;
    }
    Release(&victim);
    if (!victim.swapped) {
      victim.prompt = victim.input + victim.generated;
      victim.prefilled = 0;
      victim.decoded = 0;
    }
    victim.step_prefill = 0;
    victim.step_decode = false;
    ++victim.preemptions;
    ++stats_.preemptions;
    preempted_.push_front(victim);
  }

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
  bool Reserve(Running* s, int64_t tokens) {
    const int64_t need = OwnBlocksFor(*s, tokens) - s->blocks;
    if (need <= 0) return true;
    if (!Take(need)) return false;
    s->blocks += need;
    return true;
  }

  // vLLM-style iteration scheduling: running decodes first (preempting the newest requests when
  // blocks run out), then prompt chunks of running requests, then new requests in arrival order
  // while the token budget, max_num_seqs and the KV pool (less a watermark) allow.
  void FormContinuous(double now) {
    int64_t budget = stats_.max_batched_tokens;
    bool any = false;  // the step has work already
    for (size_t i = 0; i < running_.size(); ++i) {
      Running& s = running_[i];
      if (!s.prefill_done()) continue;
      // A verification step writes the k drafted tokens and the next one.
      const int64_t step_tokens = spec_.spec ? spec_.spec->k + 1 : 1;
      while (!Reserve(&s, s.kv_tokens() + step_tokens)) {
        if (running_.size() - 1 == i) break;  // only itself left to preempt
        Preempt();
      }
      if (s.blocks < OwnBlocksFor(s, s.kv_tokens() + step_tokens)) {
        Preempt();  // it was the newest: it waits again
        break;
      }
      s.step_decode = true;
      --budget;
      any = true;
    }
    for (Running& s : running_) {
      if (s.prefill_done() || budget <= 0) continue;
      const int64_t chunk = Chunk(s, budget, !any);
      if (chunk > 0) {
        s.step_prefill = chunk;
        budget -= chunk;
        any = true;
      }
    }
    // Preempted requests come back first, then new arrivals.
    while (budget > 0 && static_cast<int64_t>(running_.size()) < stats_.max_num_seqs) {
      std::deque<Running>* from = !preempted_.empty() ? &preempted_ : nullptr;
      if (!from && (waiting_.empty() || waiting_.front().ready_s > now)) break;
      Running candidate;
      if (from) {
        candidate = from->front();
      } else {
        static_cast<Seq&>(candidate) = waiting_.front();
      }
      const bool alone = !any && running_.empty();
      const int64_t step_tokens = spec_.spec ? spec_.spec->k + 1 : 1;
      if (candidate.prefill_done()) {  // its KV cache came from a prefill replica or the host
        const int64_t need = OwnBlocksFor(candidate, candidate.kv_tokens() + step_tokens);
        if (need > Available() - (alone ? 0 : watermark_blocks_)) break;
        if (from) {
          from->pop_front();
        } else {
          waiting_.pop_front();
        }
        SwapIn(&candidate);
        Take(need);
        candidate.blocks = need;
        candidate.step_decode = true;
        --budget;
        any = true;
        running_.push_back(candidate);
        continue;
      }
      // The cached part of its prompt needs no computing (the last token always is computed).
      int64_t entries = 0;
      if (caching_ && candidate.prefix && candidate.prefilled == 0) {
        entries =
            cache_.Match(*candidate.prefix, (candidate.prompt - 1) / workload::kPrefixBlockTokens);
      }
      // A request swapped out mid-prompt resumes where it stopped.
      const int64_t cached = std::max(entries * workload::kPrefixBlockTokens, candidate.prefilled);
      const int64_t left = candidate.prompt - cached;
      const int64_t first =
          chunked_ ? std::min(left, budget) : (left <= budget || alone ? left : 0);
      if (first <= 0) break;
      candidate.shared_entries = entries;
      const int64_t need = OwnBlocksFor(candidate, cached + first);
      const int64_t pinned_now =
          entries > 0 ? cache_.Unpinned(*candidate.prefix, entries) * cache_.blocks_per_entry() : 0;
      if (need > Available() - pinned_now - (alone ? 0 : watermark_blocks_)) break;
      if (from) {
        from->pop_front();
      } else {
        waiting_.pop_front();
      }
      if (entries > 0) cache_.Pin(*candidate.prefix, entries);
      SwapIn(&candidate);
      Take(need);
      candidate.blocks = need;
      candidate.prefilled = cached;
      stats_.cached_prompt_tokens += static_cast<double>(entries * workload::kPrefixBlockTokens);
      candidate.step_prefill = first;
      if (candidate.scheduled_s < 0) candidate.scheduled_s = now;
      budget -= first;
      any = true;
      running_.push_back(candidate);
    }
    for (Running& s : running_) {
      if (s.step_decode || s.step_prefill > 0) step_.push_back(&s);
    }
  }

  // The prompt tokens `s` can compute this step within `budget` and the free blocks.
  int64_t Chunk(Running& s, int64_t budget, bool alone) {
    const int64_t left = s.prompt - s.prefilled;
    int64_t chunk = chunked_ ? std::min(left, budget) : (left <= budget || alone ? left : 0);
    if (chunk <= 0) return 0;
    const int64_t room = (s.blocks + Available() + s.shared_entries * cache_.blocks_per_entry()) *
                             stats_.block_tokens -
                         s.prefilled;
    if (chunk > room) chunk = chunked_ ? room : 0;
    if (chunk <= 0) return 0;
    Reserve(&s, s.prefilled + chunk);
    return chunk;
  }

  // Static batching: when the replica is empty, take the arrived requests in order (up to
  // max_num_seqs, each holding blocks for its whole prompt and output), prefill them in one
  // step and decode them together until the longest is done.
  void FormStatic(double now) {
    if (running_.empty()) {
      while (!waiting_.empty() && waiting_.front().ready_s <= now &&
             static_cast<int64_t>(running_.size()) < stats_.max_num_seqs) {
        Running r;
        static_cast<Seq&>(r) = waiting_.front();
        const int64_t need = BlocksFor(r.prompt + r.target);
        if (need > free_blocks_) break;
        waiting_.pop_front();
        free_blocks_ -= need;
        r.blocks = need;
        r.scheduled_s = now;
        r.step_prefill = r.prompt;
        running_.push_back(r);
      }
    } else {
      for (Running& r : running_) {
        if (!r.finished_recorded_ && r.prefill_done()) r.step_decode = true;
      }
    }
    for (Running& s : running_) {
      if (s.step_decode || s.step_prefill > 0) step_.push_back(&s);
    }
  }

  const ReplicaSpec& spec_;
  int id_;
  workload::Rng rng_;  // speculative acceptance draws
  double kv_bytes_per_token_ = 0;
  double host_bytes_per_s_ = 1;
  double swap_s_ = 0;        // KV copies to or from the host that the next step waits for
  LogHistogram* itl_;        // the fleet's token gaps
  double step_first_s_ = 0;  // the current event's first step and its growth per step
  double step_slope_s_ = 0;
  PrefixCache cache_;
  bool caching_ = false;
  bool chunked_ = true;
  bool busy_ = false;
  int64_t free_blocks_ = 0;
  int64_t watermark_blocks_ = 0;
  int64_t outstanding_ = 0;
  std::deque<Seq> waiting_;
  std::deque<Running> preempted_;
  std::deque<Running> running_;  // admission order (deque: pointers stay valid on push_back)
  std::vector<Running*> step_;
  int64_t repeat_ = 1;  // decode steps merged into the current event
  StepSample last_sample_;
  ReplicaStats stats_;
};

enum class Phase { kStepDone = 0, kArrival = 1, kEngineArrival = 2 };

struct Event {
  double time_s = 0;
  Phase phase = Phase::kArrival;
  uint64_t sequence = 0;
  int replica = 0;
  int64_t request = 0;
};

EventKey KeyOf(const Event& e) {
  return {.time_s = e.time_s, .phase = static_cast<int>(e.phase), .sequence = e.sequence};
}

// The priority queue's comparison: true when `a` comes after `b`.
struct Later {
  bool operator()(const Event& a, const Event& b) const { return EventBefore(KeyOf(b), KeyOf(a)); }
};

Status CheckStream(const std::vector<workload::Request>& requests) {
  if (requests.empty()) return Status::InvalidArgument("the request stream is empty");
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    if (r.input_tokens < 1 || r.output_tokens < 1 || !(r.arrival_s >= 0)) {
      return Status::InvalidArgument(fmt::format(
          "request {}: needs input and output tokens >= 1 and a non-negative arrival", i + 1));
    }
    if (i > 0 && r.arrival_s < requests[i - 1].arrival_s) {
      return Status::InvalidArgument(
          fmt::format("request {}: arrives before the request above it (unsorted stream)", i + 1));
    }
  }
  return Status();
}

}  // namespace

bool EventBefore(const EventKey& a, const EventKey& b) {
  if (a.time_s != b.time_s) return a.time_s < b.time_s;
  if (a.phase != b.phase) return a.phase < b.phase;
  return a.sequence < b.sequence;
}

Result<SimResult> Simulate(const FleetSpec& fleet, const std::vector<workload::Request>& requests,
                           const SimOptions& options) {
  if (fleet.replicas.empty()) return Status::InvalidArgument("the fleet has no replica");
  if (Status s = CheckStream(requests); !s.ok()) return s;
  int64_t longest = 0;
  for (const auto& r : requests) longest = std::max(longest, r.input_tokens + r.output_tokens);

  SimResult result;  // before the replicas, which add their token gaps to it
  std::vector<Replica> replicas;
  replicas.reserve(fleet.replicas.size());
  for (size_t i = 0; i < fleet.replicas.size(); ++i) {
    const ReplicaSpec& spec = fleet.replicas[i];
    const auto& d = spec.deployment;
    const int64_t model_max = perf::EngineMaxContext(*d.engine, *d.model);
    if (longest > model_max) {
      return Status::InvalidArgument(
          fmt::format("a request of {} tokens (prompt and output) exceeds replica {}'s context of "
                      "{} tokens ({})",
                      longest, i + 1, model_max, d.model->id));
    }
    const int64_t max_context = spec.max_context_tokens > 0 ? spec.max_context_tokens : longest;
    const perf::FitResult fit = perf::Fit(perf::FitRequestFor(d, max_context));
    if (!fit.fits) {
      return Status::InvalidArgument(fmt::format("replica {} ({} on {} x {}): does not fit: {}",
                                                 i + 1, d.model->id, d.layout.count(),
                                                 d.accelerator->id, fit.reason));
    }
    replicas.emplace_back(spec, static_cast<int>(i), fit, options.seed, &result.itl);
    if (longest > replicas.back().CapacityTokens()) {
      return Status::InvalidArgument(fmt::format(
          "a request of {} tokens (prompt and output) exceeds replica {}'s KV cache of {} tokens",
          longest, i + 1, replicas.back().CapacityTokens()));
    }
  }

  // Tiers: each has unified replicas, or prefill and decode replicas.
  const int tiers = std::max<int>(1, static_cast<int>(fleet.tier_shares.size()));
  std::vector<std::array<int, 3>> roles(tiers, {0, 0, 0});  // replicas per tier and role
  for (size_t i = 0; i < fleet.replicas.size(); ++i) {
    const ReplicaSpec& spec = fleet.replicas[i];
    if (spec.tier < 0 || spec.tier >= tiers) {
      return Status::InvalidArgument(fmt::format(
          "replica {} serves tier {}, but the fleet has {} tier(s)", i + 1, spec.tier, tiers));
    }
    if (spec.role != Role::kUnified && spec.batching != Batching::kContinuous) {
      return Status::InvalidArgument(
          fmt::format("replica {}: prefill and decode replicas batch continuously", i + 1));
    }
    ++roles[spec.tier][static_cast<int>(spec.role)];
  }
  double share_sum = 0;
  for (double share : fleet.tier_shares) {
    if (!(share >= 0)) return Status::InvalidArgument("a tier share is negative");
    share_sum += share;
  }
  if (!fleet.tier_shares.empty() && !(share_sum > 0)) {
    return Status::InvalidArgument("the tier shares add up to 0");
  }
  for (int t = 0; t < tiers; ++t) {
    const auto [unified, prefill, decode] = roles[t];
    if (unified + prefill + decode == 0) {
      return Status::InvalidArgument(fmt::format("tier {} has no replica", t));
    }
    if ((prefill > 0) != (decode > 0) || (unified > 0 && prefill > 0)) {
      return Status::InvalidArgument(fmt::format(
          "tier {} mixes roles: it needs unified replicas, or prefill and decode replicas", t));
    }
  }
  if (!(fleet.kv_transfer_bytes_per_s >= 0)) {
    return Status::InvalidArgument("the KV transfer bandwidth is negative");
  }
  workload::Rng tier_rng(options.seed, /*stream=*/1u << 20);

  result.start_s = requests.front().arrival_s;
  std::priority_queue<Event, std::vector<Event>, Later> events;
  uint64_t sequence = 0;
  auto push = [&](double t, Phase phase, int replica, int64_t request) {
    events.push({.time_s = t,
                 .phase = phase,
                 .sequence = sequence++,
                 .replica = replica,
                 .request = request});
  };
  size_t next_arrival = 0;
  const bool closed = options.closed_loop_clients > 0;
  double pending_arrival_s = INFINITY;  // the open loop's one arrival event in the queue
  auto push_next_arrival = [&](double at) {
    pending_arrival_s = INFINITY;
    if (next_arrival < requests.size()) {
      const double t = closed ? at : requests[next_arrival].arrival_s;
      push(t, Phase::kArrival, 0, static_cast<int64_t>(next_arrival));
      pending_arrival_s = t;
      ++next_arrival;
    }
  };
  // Engine arrivals scheduled per replica (requests from the frontend, KV caches from prefill).
  std::vector<std::multiset<double>> engine_arrivals(replicas.size());
  if (closed) {
    result.start_s = 0;
    for (int64_t c = 0; c < options.closed_loop_clients; ++c) push_next_arrival(0);
  } else {
    push_next_arrival(0);
  }
  std::map<std::pair<int, Role>, size_t> round_robin;
  // The replica of `tier` and `role` the router sends `request` to.
  auto route = [&](int tier, Role role, const workload::Request& request) {
    int pick = -1;
    std::vector<int> candidates;
    for (size_t i = 0; i < replicas.size(); ++i) {
      if (fleet.replicas[i].tier == tier && fleet.replicas[i].role == role) {
        candidates.push_back(static_cast<int>(i));
      }
    }
    if (fleet.routing == Routing::kRoundRobin) {
      return candidates[round_robin[{tier, role}]++ % candidates.size()];
    }
    int64_t best_prefix = -1;
    for (int i : candidates) {
      const int64_t prefix =
          fleet.routing == Routing::kPrefixAffinity ? replicas[i].CachedPrefix(request) : 0;
      if (pick < 0 || prefix > best_prefix ||
          (prefix == best_prefix &&
           replicas[i].outstanding_tokens() < replicas[pick].outstanding_tokens())) {
        pick = i;
        best_prefix = prefix;
      }
    }
    return pick;
  };
  auto draw_tier = [&] {
    if (fleet.tier_shares.size() < 2) return 0;
    double u = tier_rng.Uniform() * share_sum;
    for (int t = 0; t < tiers; ++t) {
      u -= fleet.tier_shares[t];
      if (u < 0) return t;
    }
    return tiers - 1;
  };
  std::vector<RequestRecord> done, handoffs;
  auto try_start = [&](int r, double now) {
    if (replicas[r].busy()) return;
    // What can change this replica's next steps: an arrival (routed by the replicas' state) or
    // a request its frontend hands over. In a closed loop any completion sends an arrival.
    double horizon = events.empty() ? INFINITY : events.top().time_s;
    if (!closed) {
      horizon = std::min(pending_arrival_s,
                         engine_arrivals[r].empty() ? INFINITY : *engine_arrivals[r].begin());
    }
    const double dt = replicas[r].StartStep(now, horizon, !options.exact_steps);
    if (dt < 0) return;
    push(now + dt, Phase::kStepDone, r, 0);
    if (options.on_step) options.on_step(replicas[r].last_sample());
  };

  int64_t in_system = 0;
  double last_event_s = result.start_s;
  while (!events.empty()) {
    const Event e = events.top();
    events.pop();
    ++result.events;
    result.request_seconds += static_cast<double>(in_system) * (e.time_s - last_event_s);
    last_event_s = e.time_s;
    switch (e.phase) {
      case Phase::kArrival: {
        const int tier = draw_tier();
        const int pick =
            route(tier, roles[tier][0] > 0 ? Role::kUnified : Role::kPrefill, requests[e.request]);
        // The frontend (HTTP, tokenisation) passes requests on one at a time.
        Replica& rep = replicas[pick];
        const double per_request = fleet.replicas[pick].deployment.engine->per_request_s;
        const double at = std::max(e.time_s, rep.frontend_free_s) + per_request;
        rep.frontend_free_s = at;
        rep.Enqueue(requests[e.request], e.request, e.time_s, at);
        push(at, Phase::kEngineArrival, pick, e.request);
        engine_arrivals[pick].insert(at);
        ++in_system;
        if (!closed) push_next_arrival(0);
        break;
      }
      case Phase::kEngineArrival:
        engine_arrivals[e.replica].erase(engine_arrivals[e.replica].find(e.time_s));
        try_start(e.replica, e.time_s);
        break;
      case Phase::kStepDone: {
        done.clear();
        handoffs.clear();
        replicas[e.replica].FinishStep(e.time_s, &done, &handoffs);
        for (const RequestRecord& h : handoffs) {
          const ReplicaSpec& from = fleet.replicas[e.replica];
          const int to = route(from.tier, Role::kDecode, requests[h.index]);
          const double bw = fleet.kv_transfer_bytes_per_s > 0
                                ? fleet.kv_transfer_bytes_per_s
                                : perf::LinkBytesPerSecond(*from.deployment.accelerator) *
                                      std::min(from.deployment.layout.count(),
                                               fleet.replicas[to].deployment.layout.count());
          const double at = e.time_s + replicas[e.replica].kv_bytes_per_token() *
                                           static_cast<double>(h.input_tokens) / bw;
          replicas[to].EnqueueDecode(requests[h.index], h, at);
          push(at, Phase::kEngineArrival, to, h.index);
          engine_arrivals[to].insert(at);
        }
        for (const RequestRecord& rec : done) {
          --in_system;
          ++result.completed_requests;
          result.input_tokens += rec.input_tokens;
          result.output_tokens += rec.output_tokens;
          result.end_s = std::max(result.end_s, rec.finish_s);
          result.queue.Add(rec.queue_s());
          result.ttft.Add(rec.ttft_s());
          result.e2e.Add(rec.e2e_s());
          if (rec.output_tokens > 1) result.tpot.Add(rec.tpot_s());
          if (options.on_request) options.on_request(rec);
          if (closed) push_next_arrival(rec.finish_s);
        }
        try_start(e.replica, e.time_s);
        break;
      }
    }
  }
  for (const Replica& r : replicas) result.replicas.push_back(r.stats());
  if (result.completed_requests != static_cast<int64_t>(requests.size())) {
    return Status::Internal(
        fmt::format("{} of {} requests completed", result.completed_requests, requests.size()));
  }
  return result;
}

}  // namespace pertoken::sim
