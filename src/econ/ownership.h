// What an owned accelerator costs per hour: its capex (the accelerator and its share of the
// server) paid off as an annuity over its useful life, maintenance, colocation rent for the power
// provisioned, and the energy it draws at a utilisation, with the facility's PUE.
// Pure functions; thread-safe.
#pragma once

#include "metrics/power.h"

namespace pertoken::econ {

inline constexpr double kHoursPerYear = 8760;
inline constexpr double kHoursPerMonth = kHoursPerYear / 12;

// Every number of an ownership estimate, resolved (catalog, flags).
struct OwnershipTerms {
  double capex_usd = 0;              // one accelerator
  double server_capex_fraction = 0;  // the rest of the server, of capex_usd
  double amortization_years = 5;
  double cost_of_capital = 0;                // per year
  double maintenance_fraction_per_year = 0;  // of the capex (server included)
  double server_power_factor = 1;            // server power / accelerator power
  double pue = 1;
  double usd_per_kwh = 0;
  double usd_per_kw_month = 0;  // colocation rent per kW provisioned
};

// One accelerator-hour, by component.
struct OwnedHour {
  double capital = 0;  // annuity on capex × (1 + server share)
  double maintenance = 0;
  double hosting = 0;  // TDP × server factor, rented per kW
  double energy = 0;   // mean draw × server factor × PUE × $/kWh
  double total() const { return capital + maintenance + hosting + energy; }
};

// The annual payment that pays off 1 over `years` at `rate`: rate / (1 − (1 + rate)^−years), or
// 1 / years at rate 0.
double CapitalRecoveryFactor(double rate, double years);

// One owned accelerator's hour at `utilization` (its busy fraction, for the energy).
OwnedHour OwnedCostPerHour(const OwnershipTerms& terms, const metrics::AcceleratorPower& power,
                           double utilization);

}  // namespace pertoken::econ
