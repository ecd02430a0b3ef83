// The median of values sorted ascending: the middle one, or the mean of the two middle ones.
#pragma once

#include <cstddef>
#include <vector>

namespace pertoken {

// REQUIRES: `sorted` ascending and not empty.
inline double MedianOfSorted(const std::vector<double>& sorted) {
  const size_t n = sorted.size();
  return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

}  // namespace pertoken
