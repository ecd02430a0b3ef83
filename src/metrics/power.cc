#include "metrics/power.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "common/median.h"

namespace pertoken::metrics {

namespace {

// The median idle/TDP ratio over the catalog accelerators that have both, and how many there are.
struct IdleRatio {
  double median = 0;
  int accelerators = 0;
};

IdleRatio CatalogIdleRatio(const catalog::Catalog& cat) {
  std::vector<double> ratios;
  for (const auto& a : cat.accelerators()) {
    if (a.idle_w && a.tdp_w) ratios.push_back(*a.idle_w / *a.tdp_w);
  }
  if (ratios.empty()) return {};
  std::sort(ratios.begin(), ratios.end());
  const size_t n = ratios.size();
  const double median = MedianOfSorted(ratios);
  return {.median = median, .accelerators = static_cast<int>(n)};
}

}  // namespace

AcceleratorPower PowerOf(const catalog::Catalog& cat, const catalog::Accelerator& acc) {
  AcceleratorPower p;
  if (!acc.tdp_w) return p;
  p.tdp_w = *acc.tdp_w;
  if (acc.idle_w) {
    p.known = true;
    p.idle_w = *acc.idle_w;
    p.idle_basis = fmt::format("{}'s measured idle draw", acc.id);
    return p;
  }
  const IdleRatio r = CatalogIdleRatio(cat);
  if (r.accelerators == 0) return p;
  p.known = true;
  p.idle_w = r.median * p.tdp_w;
  p.idle_basis = fmt::format(
      "no measured idle draw for {}: {:.0f}% of its TDP, the median idle/TDP of the {} catalog "
      "accelerators with one",
      acc.id, 100 * r.median, r.accelerators);
  return p;
}

double MeanPowerW(const AcceleratorPower& p, double busy_fraction) {
  return p.idle_w + (p.tdp_w - p.idle_w) * std::clamp(busy_fraction, 0.0, 1.0);
}

}  // namespace pertoken::metrics
