// Number formatting shared by the text reports.
#pragma once

#include <cstdint>
#include <string>

namespace pertoken::report {

// 137955296384 -> "137.96 GB" (decimal units, as datasheets and the catalog use).
std::string FormatGb(double bytes);
// 85520809984 -> "79.65 GiB".
std::string FormatGib(double bytes);
// 327680 -> "327,680".
std::string FormatCount(int64_t n);
// 1.9789e15 -> "1,978.9 T".
std::string FormatTera(double v);
// 1.2e6 -> "$1.20 M", 4321 -> "$4.3 k", 12.5 -> "$12.50".
std::string FormatUsd(double usd);
// 2.5 -> "2.50 s", 0.0123 -> "12.3 ms", 4.2e-5 -> "42.0 µs".
std::string FormatSeconds(double s);

}  // namespace pertoken::report
