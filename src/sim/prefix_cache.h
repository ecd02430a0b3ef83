// The prompt prefixes one replica keeps cached: entries of workload::kPrefixBlockTokens tokens,
// one per trace block id, each held in `blocks_per_entry` KV blocks. Requests using an entry pin
// it; unpinned entries are evicted least recently used when the pool needs blocks (vLLM's
// automatic prefix caching, SGLang's radix cache). A trace id stands for its whole prefix (the
// ids are hashes of the prefix chain), so a match is the leading run of cached ids. Not
// thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

namespace pertoken::sim {

class PrefixCache {
 public:
  explicit PrefixCache(int64_t blocks_per_entry) : blocks_per_entry_(blocks_per_entry) {}

  // How many of the leading ids (at most `max_entries`) are cached.
  int64_t Match(const std::vector<uint64_t>& ids, int64_t max_entries) const;
  // Of the first `n` ids (all cached), how many are unpinned.
  int64_t Unpinned(const std::vector<uint64_t>& ids, int64_t n) const;
  void Pin(const std::vector<uint64_t>& ids, int64_t n);
  void Unpin(const std::vector<uint64_t>& ids, int64_t n);
  // Caches ids[from, to) that are not cached yet, as the most recently used, and returns how many
  // it added: each takes blocks_per_entry blocks from the caller. Already cached ones are touched.
  int64_t Insert(const std::vector<uint64_t>& ids, int64_t from, int64_t to);
  // Evicts least recently used unpinned entries until at least `blocks` blocks are freed or none
  // is left; returns the blocks freed.
  int64_t Evict(int64_t blocks);

  int64_t blocks_per_entry() const { return blocks_per_entry_; }
  int64_t entries() const { return static_cast<int64_t>(entries_.size()); }
  int64_t evictable_blocks() const { return static_cast<int64_t>(lru_.size()) * blocks_per_entry_; }

 private:
  struct Entry {
    int64_t pins = 0;
    std::list<uint64_t>::iterator lru;  // valid while pins == 0
  };
  int64_t blocks_per_entry_;
  std::unordered_map<uint64_t, Entry> entries_;
  std::list<uint64_t> lru_;  // unpinned entries, least recently used first
};

}  // namespace pertoken::sim
