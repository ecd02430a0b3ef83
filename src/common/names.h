// Name matching for catalog ids and aliases: normalisation and "did you mean" suggestions.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pertoken {

// Lowercases `name` and collapses every run of characters other than ASCII letters, digits and
// '.' into a single '-', trimming leading and trailing '-'. "NVIDIA H100 SXM5" ->
// "nvidia-h100-sxm5".
std::string NormalizeName(std::string_view name);

// Levenshtein distance between two strings (unit costs).
size_t EditDistance(std::string_view a, std::string_view b);

// A name that can be matched (an id or an alias) and the id it stands for.
struct NamedId {
  std::string name;
  std::string id;
};

// Up to `max` distinct ids whose names are closest to `query`, best first; none when nothing is
// reasonably close. Closeness is the edit distance between normalised names, shortened when every
// '-'-separated word of the query appears in the name ("llama-70b" is close to "llama-2-70b").
std::vector<std::string> ClosestIds(std::string_view query, const std::vector<NamedId>& candidates,
                                    size_t max = 3);

// "; did you mean a, b?" or "" when there are no suggestions.
std::string DidYouMean(const std::vector<std::string>& suggestions);

}  // namespace pertoken
