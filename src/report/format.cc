#include "report/format.h"

#include <fmt/format.h>

#include <cmath>

namespace pertoken::report {

std::string FormatGb(double bytes) { return fmt::format("{:.2f} GB", bytes / 1e9); }

std::string FormatGib(double bytes) {
  return fmt::format("{:.2f} GiB", bytes / (1024.0 * 1024 * 1024));
}

std::string FormatCount(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

std::string FormatTera(double v) {
  const double t = v / 1e12;
  const auto whole = static_cast<int64_t>(std::floor(t));
  const int tenth = static_cast<int>(std::lround((t - static_cast<double>(whole)) * 10));
  return tenth == 10 ? fmt::format("{}.0 T", FormatCount(whole + 1))
                     : fmt::format("{}.{} T", FormatCount(whole), tenth);
}

std::string FormatSeconds(double s) {
  if (s >= 1) return fmt::format("{:.2f} s", s);
  if (s >= 1e-3) return fmt::format("{:.1f} ms", s * 1e3);
  return fmt::format("{:.1f} µs", s * 1e6);
}

std::string FormatUsd(double usd) {
  if (usd >= 1e6) return fmt::format("${:.2f} M", usd / 1e6);
  if (usd >= 1e3) return fmt::format("${:.1f} k", usd / 1e3);
  return fmt::format("${:.2f}", usd);
}

}  // namespace pertoken::report
