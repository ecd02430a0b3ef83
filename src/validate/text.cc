#include "validate/text.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace pertoken::validate {

namespace {

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Position of `part` in `text` ignoring case, or npos.
size_t FindNoCase(std::string_view text, std::string_view part) {
  return Lower(text).find(Lower(part));
}

}  // namespace

std::string Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return std::string(text);
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string StripParenthetical(std::string_view text) {
  const std::string t = Trim(text);
  if (t.empty() || t.back() != ')') return t;
  int depth = 0;
  for (size_t i = t.size(); i-- > 0;) {
    if (t[i] == ')') ++depth;
    if (t[i] == '(' && --depth == 0) {
      if (i == 0 || !IsSpace(t[i - 1])) return t;
      return Trim(std::string_view(t).substr(0, i));
    }
  }
  return t;
}

std::optional<double> ParseNumber(std::string_view text) {
  const std::string t = Trim(text);
  if (t.empty()) return std::nullopt;
  double value = 0;
  const char* begin = t.data() + (t[0] == '+' ? 1 : 0);
  const auto [end, ec] = std::from_chars(begin, t.data() + t.size(), value);
  if (ec != std::errc() || end != t.data() + t.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<double> NumberAfter(std::string_view text, std::string_view key) {
  const size_t at = FindNoCase(text, key);
  if (at == std::string_view::npos) return std::nullopt;
  size_t begin = at + key.size();
  while (begin < text.size() &&
         (IsSpace(text[begin]) || text[begin] == ':' || text[begin] == '=')) {
    ++begin;
  }
  size_t end = begin;
  while (end < text.size() && (IsDigit(text[end]) || text[end] == '.')) ++end;
  return ParseNumber(text.substr(begin, end - begin));
}

std::optional<long long> CountBefore(std::string_view text, std::string_view word) {
  const std::string lower = Lower(text);
  std::string key(1, ' ');
  key += Lower(word);  // not " " + ...: GCC 12 warns falsely (-Wrestrict)
  for (size_t at = lower.find(key); at != std::string::npos; at = lower.find(key, at + 1)) {
    size_t begin = at;
    while (begin > 0 && IsDigit(lower[begin - 1])) --begin;
    if (begin == at) continue;
    long long value = 0;
    const auto [end, ec] = std::from_chars(lower.data() + begin, lower.data() + at, value);
    if (ec == std::errc()) return value;
  }
  return std::nullopt;
}

bool ContainsNoCase(std::string_view text, std::string_view part) {
  return FindNoCase(text, part) != std::string_view::npos;
}

}  // namespace pertoken::validate
