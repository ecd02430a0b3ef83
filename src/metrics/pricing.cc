#include "metrics/pricing.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/median.h"

namespace pertoken::metrics {

AcceleratorPrice DefaultPrice(const catalog::Catalog& cat, const catalog::Accelerator& acc) {
  struct Quote {
    double per_hour;
    std::string text;
  };
  std::vector<Quote> quotes;
  for (const auto& list : cat.prices()) {
    for (const auto& o : list.offers) {
      if (o.accelerator != acc.id || o.pricing != "on_demand" || !o.usd_per_hour) continue;
      const double n = static_cast<double>(o.accelerators.value_or(1));
      const double per = *o.usd_per_hour / n;
      quotes.push_back({per, fmt::format("{} {} ({}): ${:.2f}/h per accelerator", list.name, o.sku,
                                         o.as_of, per)});
    }
  }
  AcceleratorPrice p;
  p.offers = static_cast<int>(quotes.size());
  if (quotes.empty()) return p;
  std::sort(quotes.begin(), quotes.end(), [](const Quote& a, const Quote& b) {
    return a.per_hour != b.per_hour ? a.per_hour < b.per_hour : a.text < b.text;
  });
  const size_t n = quotes.size();
  p.known = true;
  std::vector<double> sorted;
  for (const auto& q : quotes) sorted.push_back(q.per_hour);
  p.usd_per_accelerator_hour = MedianOfSorted(sorted);
  p.rule = fmt::format("median of {} on-demand offer{} in the catalog", n, n == 1 ? "" : "s");
  for (const auto& q : quotes) p.sources.push_back(q.text);
  return p;
}

}  // namespace pertoken::metrics
