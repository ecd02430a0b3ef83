#include "econ/ways_to_pay.h"

#include <fmt/format.h>

#include <algorithm>

#include "metrics/pricing.h"

namespace pertoken::econ {

const std::vector<std::string>& CloudPricings() {
  static const std::vector<std::string> pricings = {"on_demand",  "spot",     "commit_1yr",
                                                    "commit_3yr", "reserved", "capacity_block"};
  return pricings;
}

bool DatedBy(const std::string& offer_date, const std::string& as_of) {
  if (as_of.empty()) return true;
  if (offer_date.empty() || offer_date == "undated") return false;
  const size_t n = std::min(offer_date.size(), as_of.size());
  return offer_date.compare(0, n, as_of, 0, n) <= 0;
}

namespace {

bool Wanted(const std::vector<std::string>& providers, const std::string& id) {
  return providers.empty() || std::find(providers.begin(), providers.end(), id) != providers.end();
}

}  // namespace

std::vector<PayOption> CloudOptions(const catalog::Catalog& cat, const catalog::Accelerator& acc,
                                    const std::string& as_of,
                                    const std::vector<std::string>& providers) {
  std::vector<PayOption> out;
  for (const std::string& pricing : CloudPricings()) {
    PayOption best;
    int offers = 0;
    for (const auto& list : cat.prices()) {
      // Market summaries give ranges across providers, not offers anyone sells.
      if (!Wanted(providers, list.id) || (list.kind != "cloud" && list.kind != "marketplace")) {
        continue;
      }
      for (const auto& o : list.offers) {
        if (o.accelerator != acc.id || o.pricing != pricing || !o.usd_per_hour) continue;
        if (!DatedBy(o.as_of, as_of)) continue;
        ++offers;
        const double per = *o.usd_per_hour / static_cast<double>(o.accelerators.value_or(1));
        if (best.offer.empty() || per < best.usd_per_accelerator_hour) {
          best = {.pricing = pricing,
                  .provider = list.id,
                  .offer = fmt::format("{} {} ({})", list.name, o.sku, o.as_of),
                  .usd_per_accelerator_hour = per,
                  .source = o.source};
        }
      }
    }
    if (offers == 0) continue;
    best.offers = offers;
    out.push_back(best);
  }
  return out;
}

PurchasePrice PurchasePriceOf(const catalog::Catalog& cat, const catalog::Accelerator& acc,
                              const std::string& as_of) {
  std::vector<metrics::Quote> quotes;
  for (const auto& list : cat.prices()) {
    for (const auto& o : list.offers) {
      if (o.accelerator != acc.id || o.pricing != "purchase" || !o.capex_usd) continue;
      if (!DatedBy(o.as_of, as_of)) continue;
      const double per = *o.capex_usd / static_cast<double>(o.accelerators.value_or(1));
      quotes.push_back({per, fmt::format("{} {} ({}): ${:.0f} per accelerator", list.name, o.sku,
                                         o.as_of, per)});
    }
  }
  PurchasePrice p;
  if (quotes.empty()) return p;
  const size_t n = quotes.size();
  metrics::QuotedMedian m = metrics::MedianOfQuotes(std::move(quotes));
  p.known = true;
  p.capex_usd = m.value;
  p.basis = fmt::format("median of {} purchase offer{} in the catalog", n, n == 1 ? "" : "s");
  p.sources = std::move(m.texts);
  return p;
}

OwnershipTerms TermsOf(const catalog::Ownership& own, const catalog::Datacenter& dc,
                       double capex_usd) {
  return {.capex_usd = capex_usd,
          .server_capex_fraction = own.server_capex_fraction,
          .amortization_years = own.amortization_years,
          .cost_of_capital = own.cost_of_capital,
          .maintenance_fraction_per_year = own.maintenance_fraction_per_year,
          .server_power_factor = own.server_power_factor,
          .pue = dc.pue,
          .usd_per_kwh = dc.usd_per_kwh.value_or(0),
          .usd_per_kw_month = dc.usd_per_kw_month.value_or(0)};
}

}  // namespace pertoken::econ
