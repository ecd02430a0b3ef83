// The price of an accelerator-hour from the catalog's price lists, with the offers it came from.
// Pure functions of the catalog; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"

namespace pertoken::metrics {

struct AcceleratorPrice {
  bool known = false;
  double usd_per_accelerator_hour = 0;
  std::string rule;                  // how it was chosen, in words
  std::vector<std::string> sources;  // "provider sku (as_of): $x/h per accelerator"
  int offers = 0;                    // offers considered
};

// Figures quoted by several offers, each with the text that sources it.
struct Quote {
  double value = 0;
  std::string text;
};
// Their median and their texts, sorted by value (then text). REQUIRES: `quotes` not empty.
struct QuotedMedian {
  double value = 0;
  std::vector<std::string> texts;
};
QuotedMedian MedianOfQuotes(std::vector<Quote> quotes);

// The default on-demand price: the median over every on-demand offer for the accelerator of
// usd_per_hour / accelerators (the median, so that one stale or premium list price does not set
// it). known = false when the catalog has no such offer.
AcceleratorPrice DefaultPrice(const catalog::Catalog& catalog,
                              const catalog::Accelerator& accelerator);

}  // namespace pertoken::metrics
