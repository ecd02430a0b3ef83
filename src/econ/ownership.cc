#include "econ/ownership.h"

#include <cmath>

namespace pertoken::econ {

double CapitalRecoveryFactor(double rate, double years) {
  if (rate <= 0) return 1 / years;
  return rate / (1 - std::pow(1 + rate, -years));
}

OwnedHour OwnedCostPerHour(const OwnershipTerms& t, const metrics::AcceleratorPower& power,
                           double utilization) {
  const double capex = t.capex_usd * (1 + t.server_capex_fraction);
  OwnedHour h;
  h.capital =
      capex * CapitalRecoveryFactor(t.cost_of_capital, t.amortization_years) / kHoursPerYear;
  h.maintenance = capex * t.maintenance_fraction_per_year / kHoursPerYear;
  h.hosting = power.tdp_w * t.server_power_factor / 1e3 * t.usd_per_kw_month / kHoursPerMonth;
  h.energy =
      metrics::MeanPowerW(power, utilization) * t.server_power_factor * t.pue / 1e3 * t.usd_per_kwh;
  return h;
}

}  // namespace pertoken::econ
