// The electrical power accelerators draw and the energy a run uses (shared/metrics.md, "Money and
// energy"): each accelerator draws its idle power when no step runs and its TDP while one does,
// so its mean draw is idle + (TDP - idle) × busy fraction; the facility adds its PUE on top.
// Pure functions of the catalog; thread-safe.
#pragma once

#include <string>

#include "catalog/catalog.h"

namespace pertoken::metrics {

struct AcceleratorPower {
  bool known = false;  // false when the catalog has no TDP for the accelerator
  double idle_w = 0;
  double tdp_w = 0;
  std::string idle_basis;  // where idle_w comes from, in words
};

// The facility accelerators run in, for energy: its PUE and where the figure comes from.
struct Facility {
  double pue = 1;
  std::string basis;  // "the industry-average data centre's", "given with --pue"
};

// The accelerator's idle and TDP. Idle is the catalog's measured `idle_w`; an accelerator without
// one gets its TDP times the median idle/TDP ratio of the catalog accelerators that have both,
// and `idle_basis` says so. known = false without a TDP (or when no accelerator has a measured
// idle to borrow the ratio from).
AcceleratorPower PowerOf(const catalog::Catalog& catalog, const catalog::Accelerator& accelerator);

// The mean draw of one accelerator that runs steps for `busy_fraction` of the time (clamped to
// [0, 1]): idle + (tdp - idle) × busy_fraction, in watts. REQUIRES: power.known.
double MeanPowerW(const AcceleratorPower& power, double busy_fraction);

}  // namespace pertoken::metrics
