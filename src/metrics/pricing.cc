#include "metrics/pricing.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/median.h"

namespace pertoken::metrics {

QuotedMedian MedianOfQuotes(std::vector<Quote> quotes) {
  std::sort(quotes.begin(), quotes.end(), [](const Quote& a, const Quote& b) {
    return a.value != b.value ? a.value < b.value : a.text < b.text;
  });
  QuotedMedian m;
  std::vector<double> sorted;
  for (auto& q : quotes) {
    sorted.push_back(q.value);
    m.texts.push_back(std::move(q.text));
  }
  m.value = MedianOfSorted(sorted);
  return m;
}

AcceleratorPrice DefaultPrice(const catalog::Catalog& cat, const catalog::Accelerator& acc) {
  std::vector<Quote> quotes;
  for (const auto& list : cat.prices()) {
    for (const auto& o : list.offers) {
      if (o.accelerator != acc.id || o.pricing != "on_demand" || !o.usd_per_hour) continue;
      const double per = *o.usd_per_hour / static_cast<double>(o.accelerators.value_or(1));
      quotes.push_back({per, fmt::format("{} {} ({}): ${:.2f}/h per accelerator", list.name, o.sku,
                                         o.as_of, per)});
    }
  }
  AcceleratorPrice p;
  p.offers = static_cast<int>(quotes.size());
  if (quotes.empty()) return p;
  const size_t n = quotes.size();
  QuotedMedian m = MedianOfQuotes(std::move(quotes));
  p.known = true;
  p.usd_per_accelerator_hour = m.value;
  p.rule = fmt::format("median of {} on-demand offer{} in the catalog", n, n == 1 ? "" : "s");
  p.sources = std::move(m.texts);
  return p;
}

}  // namespace pertoken::metrics
