// The ways to pay for an accelerator-hour that the catalog knows: each cloud pricing (on-demand,
// spot, committed, reserved, capacity blocks) at its cheapest offer, and the purchase price that
// ownership starts from. Pure functions of the catalog; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "econ/ownership.h"

namespace pertoken::econ {

// The cloud pricings compared, in this order.
const std::vector<std::string>& CloudPricings();

struct PayOption {
  std::string pricing;   // a CloudPricings() entry
  std::string provider;  // price list id
  std::string offer;     // "<provider> <sku> (<as_of>)"
  double usd_per_accelerator_hour = 0;
  std::string source;
  int offers = 0;  // offers of this pricing considered
};

// True when an offer dated `offer_date` ("2026", "2026-03", "2026-03-11", "undated") counts at
// `as_of` ("" = any date): its date, compared on their common precision, is not later.
bool DatedBy(const std::string& offer_date, const std::string& as_of);

// For each cloud pricing, the cheapest offer for `accelerator` (usd_per_hour / accelerators)
// dated by `as_of`, from the cloud and marketplace price lists in `providers` (ids; empty = all;
// market summaries are ranges, not offers). Pricings without an offer are left out.
std::vector<PayOption> CloudOptions(const catalog::Catalog& catalog,
                                    const catalog::Accelerator& accelerator,
                                    const std::string& as_of,
                                    const std::vector<std::string>& providers);

struct PurchasePrice {
  bool known = false;
  double capex_usd = 0;  // one accelerator
  std::string basis;
  std::vector<std::string> sources;
};

// The median over purchase offers for `accelerator` dated by `as_of` of capex / accelerators (a
// server's offer includes its share of the server, so it is the accelerators' price when the
// offer is for cards alone).
PurchasePrice PurchasePriceOf(const catalog::Catalog& catalog,
                              const catalog::Accelerator& accelerator, const std::string& as_of);

// The terms of owning one accelerator bought at `capex_usd` under an ownership profile and a
// data centre's (PUE, electricity, colocation; electricity 0 where the profile has no price).
OwnershipTerms TermsOf(const catalog::Ownership& ownership, const catalog::Datacenter& datacenter,
                       double capex_usd);

}  // namespace pertoken::econ
