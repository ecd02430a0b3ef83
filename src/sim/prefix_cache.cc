#include "sim/prefix_cache.h"

#include <algorithm>

namespace pertoken::sim {

int64_t PrefixCache::Match(const std::vector<uint64_t>& ids, int64_t max_entries) const {
  const int64_t n = std::min<int64_t>(static_cast<int64_t>(ids.size()), max_entries);
  int64_t i = 0;
  while (i < n && entries_.count(ids[i])) ++i;
  return i;
}

int64_t PrefixCache::Unpinned(const std::vector<uint64_t>& ids, int64_t n) const {
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) count += entries_.at(ids[i]).pins == 0;
  return count;
}

void PrefixCache::Pin(const std::vector<uint64_t>& ids, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    Entry& e = entries_.at(ids[i]);
    if (e.pins++ == 0) lru_.erase(e.lru);
  }
}

void PrefixCache::Unpin(const std::vector<uint64_t>& ids, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    Entry& e = entries_.at(ids[i]);
    if (--e.pins == 0) e.lru = lru_.insert(lru_.end(), ids[i]);
  }
}

int64_t PrefixCache::Insert(const std::vector<uint64_t>& ids, int64_t from, int64_t to) {
  int64_t added = 0;
  to = std::min<int64_t>(to, static_cast<int64_t>(ids.size()));
  for (int64_t i = from; i < to; ++i) {
    auto [it, inserted] = entries_.try_emplace(ids[i]);
    Entry& e = it->second;
    if (inserted) {
      e.lru = lru_.insert(lru_.end(), ids[i]);
      ++added;
    } else if (e.pins == 0) {
      lru_.splice(lru_.end(), lru_, e.lru);  // most recently used
    }
  }
  return added;
}

int64_t PrefixCache::Evict(int64_t blocks) {
  int64_t freed = 0;
  while (freed < blocks && !lru_.empty()) {
    entries_.erase(lru_.front());
    lru_.pop_front();
    freed += blocks_per_entry_;
  }
  return freed;
}

}  // namespace pertoken::sim
