#include "common/version.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace pertoken {

namespace {

bool Digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::optional<std::vector<int>> ParseVersion(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  if (!text.empty() && (text.front() == 'v' || text.front() == 'V')) text.remove_prefix(1);
  std::vector<int> numbers;
  size_t i = 0;
  while (i < text.size() && Digit(text[i])) {
    int n = 0;
    for (; i < text.size() && Digit(text[i]); ++i) {
      if (n > 100000) return std::nullopt;  // not a version part
      n = n * 10 + (text[i] - '0');
    }
    numbers.push_back(n);
    if (i + 1 < text.size() && text[i] == '.' && Digit(text[i + 1])) ++i;
  }
  if (numbers.empty()) return std::nullopt;
  // What follows the numbers is a release suffix (rc1, .post3, -dev, +cu124): one word.
  const std::string_view rest = text.substr(i);
  if (std::any_of(rest.begin(), rest.end(), [](char c) {
        return std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == ';';
      })) {
    return std::nullopt;
  }
  return numbers;
}

bool VersionBelow(const std::vector<int>& a, const std::vector<int>& b) {
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const int x = i < a.size() ? a[i] : 0;
    const int y = i < b.size() ? b[i] : 0;
    if (x != y) return x < y;
  }
  return false;
}

std::optional<bool> DatedBefore(std::string_view text, std::string_view day) {
  // The longest of YYYY-MM-DD, YYYY-MM, YYYY that the text starts with.
  auto digits = [&](size_t from, size_t n) {
    return text.size() >= from + n &&
           std::all_of(text.begin() + from, text.begin() + from + n, Digit);
  };
  if (!digits(0, 4)) return std::nullopt;
  size_t len = 4;
  if (text.size() > 4 && text[4] == '-' && digits(5, 2)) {
    len = 7;
    if (text.size() > 7 && text[7] == '-' && digits(8, 2)) len = 10;
  }
  if (len < text.size() && Digit(text[len])) return std::nullopt;  // "20240828"
  // Wholly before: the text's period ends before the day, i.e. its prefix of the day's form is
  // smaller than the day's prefix of the same length.
  return text.substr(0, len) < day.substr(0, len);
}

}  // namespace pertoken
