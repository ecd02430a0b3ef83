#include "common/names.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace pertoken {

std::string NormalizeName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  bool pending_dash = false;
  for (char c : name) {
    const auto uc = static_cast<unsigned char>(c);
    if (std::isalnum(uc) || c == '.') {
      if (pending_dash && !out.empty()) out.push_back('-');
      pending_dash = false;
      out.push_back(static_cast<char>(std::tolower(uc)));
    } else {
      pending_dash = true;
    }
  }
  return out;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

namespace {

std::vector<std::string> SplitWords(const std::string& normalized) {
  std::vector<std::string> words;
  size_t start = 0;
  while (start <= normalized.size()) {
    const size_t end = normalized.find('-', start);
    const size_t stop = end == std::string::npos ? normalized.size() : end;
    if (stop > start) words.push_back(normalized.substr(start, stop - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return words;
}

// Distance from query to name, small when close; `*all_words` tells whether every word of the
// query is a word of the name.
size_t Closeness(const std::string& q, const std::vector<std::string>& q_words,
                 const std::string& n, bool* all_words) {
  size_t score = EditDistance(q, n);
  const std::vector<std::string> n_words = SplitWords(n);
  const bool all_words_present =
      !q_words.empty() && std::all_of(q_words.begin(), q_words.end(), [&](const std::string& w) {
        return std::find(n_words.begin(), n_words.end(), w) != n_words.end();
      });
  if (all_words_present) score = std::min(score, 1 + n_words.size() - q_words.size());
  *all_words = all_words_present;
  return score;
}

}  // namespace

std::vector<std::string> ClosestIds(std::string_view query, const std::vector<NamedId>& candidates,
                                    size_t max) {
  const std::string q = NormalizeName(query);
  const std::vector<std::string> q_words = SplitWords(q);
  const size_t limit = std::max<size_t>(1, q.size() / 3);
  std::vector<std::pair<std::pair<size_t, size_t>, std::string>> hits;
  std::vector<std::pair<std::pair<size_t, size_t>, std::string>> word_hits;
  for (const auto& c : candidates) {
    const std::string n = NormalizeName(c.name);
    bool all_words = false;
    const size_t score = Closeness(q, q_words, n, &all_words);
    if (score > limit) continue;
    hits.push_back({{score, EditDistance(q, n)}, c.id});
    if (all_words) word_hits.push_back(hits.back());
  }
  // Names that contain every word of the query are better guesses than near-spellings.
  if (!word_hits.empty()) hits = std::move(word_hits);
  std::stable_sort(hits.begin(), hits.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (const auto& hit : hits) {
    if (out.size() == max) break;
    if (std::find(out.begin(), out.end(), hit.second) == out.end()) out.push_back(hit.second);
  }
  return out;
}

std::string DidYouMean(const std::vector<std::string>& suggestions) {
  if (suggestions.empty()) return "";
  std::string out = "; did you mean ";
  for (size_t i = 0; i < suggestions.size(); ++i) {
    if (i > 0) out += ", ";
    out += suggestions[i];
  }
  return out + "?";
}

}  // namespace pertoken
