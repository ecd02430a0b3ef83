// Software version numbers and dates as measurement rows and catalog files write them.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace pertoken {

// The numbers of a version written alone: "0.9.0", "0.17", "v1.2.0rc1", "v0.5.3.post3" ->
// {0, 9, 0}, {0, 17}, {1, 2, 0}, {0, 5, 3}; a suffix after the numbers (rc1, .post3, +cu124)
// is ignored. nullopt when the text is not just a version ("TensorRT 10.2.0, CUDA 12.4" names
// another product's version, "not stated", "").
std::optional<std::vector<int>> ParseVersion(std::string_view text);

// a < b, numbers compared in order, a missing one counting as 0 (0.17 < 1.0 == 1).
bool VersionBelow(const std::vector<int>& a, const std::vector<int>& b);

// Whether the date `text` starts with (YYYY, YYYY-MM or YYYY-MM-DD, then any remark) lies wholly
// before `day` (YYYY-MM-DD): "2024-08-28 (...)" and "2025-02" are before "2025-06-18", "2025-06"
// is not (it may be later in June). nullopt when the text starts with no date.
std::optional<bool> DatedBefore(std::string_view text, std::string_view day);

}  // namespace pertoken
