#include "sim/replica.h"

#include <algorithm>
#include <cmath>

#include "perf/serving.h"

namespace pertoken::sim::detail {

Replica::Replica(const ReplicaSpec& spec, int id, const perf::FitResult& fit, uint64_t seed,
                 LogHistogram* itl)
    : spec_(spec),
      id_(id),
      rng_(seed, static_cast<uint64_t>(id)),
      itl_(itl),
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
  reserve_ratio_ = d.engine->reserve_ratio_start;
  watermark_blocks_ =
      static_cast<int64_t>(std::floor(spec.kv_watermark * static_cast<double>(stats_.kv_blocks)));
}

void Replica::Enqueue(const workload::Request& r, int64_t index, double arrival_s, double ready_s) {
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

void Replica::EnqueueDecode(const workload::Request& r, const RequestRecord& prefill,
                            double ready_s) {
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
  s.last_token_s = prefill.first_token_s;
  s.prefill_replica = prefill.replica;
  waiting_.push_back(s);
  outstanding_ += s.target - 1;
}

double Replica::StartStep(double now, double horizon, bool merge) {
  step_start_s_ = now;
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

void Replica::FinishStep(double now, std::vector<RequestRecord>* done,
                         std::vector<RequestRecord>* handoffs) {
  busy_ = false;
  // ITL (shared/metrics.md): a decoding sequence that was in the previous step waited one step for
  // this token; one that waited (handed over from a prefill replica, resumed after a preemption)
  // waited since its last token. Later steps of a merged run are one step apart. Tokens that
  // arrive together (speculative decoding) share their gap, one entry per token.
  const double last_step_s = step_first_s_ + step_slope_s_ * static_cast<double>(repeat_ - 1);
  const double first_token_s = step_start_s_ + step_first_s_;
  int64_t decoding = 0, one_step = 0;
  for (Seq* s : step_) {
    int64_t progress = 0;
    if (s->step_decode) {
      ++decoding;
      const int64_t emitted = spec_.spec ? std::min(Emitted(), s->target - s->generated) : repeat_;
      const int64_t together = spec_.spec ? emitted : 1;  // tokens the first gap delivers
      const double gap = s->last_token_s < 0
                             ? step_first_s_
                             : std::max(step_first_s_, first_token_s - s->last_token_s);
      if (together == 1 && gap <= step_first_s_ * (1 + 1e-9)) {
        ++one_step;
      } else if (together > 0) {
        itl_->Add(gap / static_cast<double>(together), together);
      }
      s->max_itl_s = std::max({s->max_itl_s, gap, last_step_s});
      s->last_token_s = now;
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
        if (s->last_token_s >= 0) {  // a recomputed prompt: its next token came after a stall
          itl_->Add(now - s->last_token_s, 1);
          s->max_itl_s = std::max(s->max_itl_s, now - s->last_token_s);
        }
        s->last_token_s = now;
        Publish(s);
      }
    }
    progress = std::min(progress, s->input + s->target - s->counted);
    s->counted += progress;
    outstanding_ -= progress;
    s->step_prefill = 0;
    s->step_decode = false;
  }
  if (one_step > 0) itl_->Add(step_first_s_, one_step);
  if (decoding > 0 && reserve_ratio_ > 0) {
    const catalog::Engine& e = *spec_.deployment.engine;
    const double per_step = (e.reserve_ratio_start - e.reserve_ratio_min) /
                            static_cast<double>(e.reserve_ratio_decay_steps);
    reserve_ratio_ =
        std::max(e.reserve_ratio_min, reserve_ratio_ - per_step * static_cast<double>(repeat_));
  }
  for (int64_t j = 1; j < repeat_ && decoding > 0; ++j) {
    itl_->Add(step_first_s_ + step_slope_s_ * static_cast<double>(j), decoding);
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
    own_ids_.erase(it->index);
    it = running_.erase(it);
  }
  if (spec_.batching == Batching::kStatic &&
      std::all_of(running_.begin(), running_.end(),
                  [](const Running& r) { return r.finished_recorded_; })) {
    for (const Running& r : running_) free_blocks_ += r.blocks;
    running_.clear();
  }
}

bool Replica::Take(int64_t n) {
  if (n > Available()) return false;
  if (n > free_blocks_) free_blocks_ += cache_.Evict(n - free_blocks_);
  free_blocks_ -= n;
  return true;
}

void Replica::Publish(Seq* s) {
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

void Replica::Release(Seq* s) {
  if (s->prefix) cache_.Unpin(*s->prefix, s->shared_entries);
  s->shared_entries = 0;
  free_blocks_ += s->blocks;
  s->blocks = 0;
}

int64_t Replica::ExtraBlocks(int64_t k) const {
  int64_t need = 0;
  for (const Running* s : step_)
    need += std::max<int64_t>(0, OwnBlocksFor(*s, s->kv_tokens() + k) - s->blocks);
  return need;
}

double Replica::MergeDecodes(const perf::StepShape& shape, double first_s, double room_s) {
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

const std::vector<uint64_t>* Replica::OwnIds(const Seq& s, int64_t entries) {
  std::vector<uint64_t>& ids = own_ids_[s.index];
  if (ids.empty() && s.prefix) ids = *s.prefix;
  // splitmix64 of (request, block): distinct from other requests' ids and the trace's hashes.
  for (auto j = static_cast<uint64_t>(ids.size()); static_cast<int64_t>(ids.size()) < entries;
       ++j) {
    uint64_t z = (static_cast<uint64_t>(s.index) << 24 ^ j) + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    ids.push_back(z ^ (z >> 31));
  }
  return &ids;
}

void Replica::Preempt() {
  Running victim = running_.back();
  running_.pop_back();
  if (spec_.preemption == Preemption::kSwap) {
    // Its whole cache goes to the host (the shared prefix too: it owns it once back).
    swap_s_ += SwapSeconds(victim.kv_tokens());
    victim.swapped = true;
  } else if (caching_) {
    // Its full blocks join the cache as it leaves, the least likely to be evicted.
    const int64_t full = victim.kv_tokens() / workload::kPrefixBlockTokens;
    if (full > victim.shared_entries) {
      victim.prefix = OwnIds(victim, full);
      const int64_t added = cache_.Insert(*victim.prefix, victim.shared_entries, full);
      const int64_t moved = (full - victim.shared_entries) * cache_.blocks_per_entry();
      victim.blocks -= moved;
      free_blocks_ += moved - added * cache_.blocks_per_entry();
    }
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
  reserve_ratio_ = spec_.deployment.engine->reserve_ratio_start;
  preempted_.push_front(victim);
}

bool Replica::Reserve(Running* s, int64_t tokens) {
  const int64_t need = OwnBlocksFor(*s, tokens) - s->blocks;
  if (need <= 0) return true;
  if (!Take(need)) return false;
  s->blocks += need;
  return true;
}

void Replica::FormContinuous(double now) {
  int64_t budget = stats_.max_batched_tokens;
  bool any = false;  // the step has work already
  if (spec_.deployment.engine->prefill_first) {
    // Prompts first, alone; the decodes run only in steps with no prompt to compute.
    SchedulePrompts(now, &budget, &any);
    if (!any) ScheduleDecodes(&budget, &any);
  } else {
    ScheduleDecodes(&budget, &any);
    SchedulePrompts(now, &budget, &any);
  }
  for (Running& s : running_) {
    if (s.step_decode || s.step_prefill > 0) step_.push_back(&s);
  }
}

void Replica::ScheduleDecodes(int64_t* budget_out, bool* any_out) {
  int64_t& budget = *budget_out;
  bool& any = *any_out;
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
}

void Replica::SchedulePrompts(double now, int64_t* budget_out, bool* any_out) {
  int64_t& budget = *budget_out;
  bool& any = *any_out;
  // Blocks held back for the outputs of the running requests (SGLang's admission).
  int64_t reserved_blocks = 0;
  if (reserve_ratio_ > 0) {
    for (const Running& s : running_) {
      const auto more = static_cast<int64_t>(
          std::ceil(reserve_ratio_ * static_cast<double>(s.target - s.generated)));
      reserved_blocks +=
          std::max<int64_t>(0, OwnBlocksFor(s, s.prompt + s.decoded + more) - s.blocks);
    }
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
    const int64_t first = chunked_ ? std::min(left, budget) : (left <= budget || alone ? left : 0);
    if (first <= 0) break;
    candidate.shared_entries = entries;
    const int64_t need = OwnBlocksFor(candidate, cached + first);
    const int64_t pinned_now =
        entries > 0 ? cache_.Unpinned(*candidate.prefix, entries) * cache_.blocks_per_entry() : 0;
    if (need > Available() - pinned_now - (alone ? 0 : watermark_blocks_)) break;
    if (reserve_ratio_ > 0) {
      // Its whole prompt and output besides what the running requests keep (a request alone
      // is admitted whatever its output needs).
      const int64_t own =
          OwnBlocksFor(candidate, candidate.prompt + candidate.target - candidate.generated);
      if (!alone && own + reserved_blocks > Available() - pinned_now) break;
      reserved_blocks += own - need;  // `need` of them are taken now
    }
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
}

int64_t Replica::Chunk(Running& s, int64_t budget, bool alone) {
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

void Replica::FormStatic(double now) {
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

}  // namespace pertoken::sim::detail
