// The `pertoken plan` report: what was searched, the best plans, the Pareto frontier, and for a
// search that finds none, the closest misses. Text for people, JSON for programs
// (doc/formats/plan-json.md). Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "search/plan.h"

namespace pertoken::report {

// A screened plan replayed in the simulator: its peak hour, the replicas whose p99 TTFT and TPOT
// meet the targets, and the price of that fleet.
struct VerifiedPlan {
  size_t plan = 0;  // index into PlanReport::plans
  bool ok = false;
  std::string error;         // when not ok: why the simulator found no fleet
  int replicas = 0;          // the decode pool's when disaggregated
  int prefill_replicas = 0;  // disaggregated: the prefill pool's
  double usd_per_hour = 0;
  double usd_per_million_output_tokens = 0;
  double monthly_usd = 0;
  std::string detail;  // the simulated means and p99s
  double ttft_mean_s = 0, ttft_p99_s = 0, tpot_mean_s = 0, tpot_p99_s = 0;
  // The replicas' occupancy per occupancy_interval_s of the replay (cost_report.h PoolResult).
  std::vector<double> occupancy;
  double occupancy_interval_s = 0;
};

struct PlanReport {
  search::PlanQuery query;
  search::ScreenStats stats;
  double screen_seconds = 0;
  double verify_seconds = 0;           // the simulator stage
  std::vector<search::Plan> plans;     // Screen's order: meeting first, cheapest first
  std::vector<size_t> front;           // indices into plans (ParetoFront)
  int top = 10;                        // plans to print
  std::vector<VerifiedPlan> verified;  // the cheapest screened plans replayed, cheapest first
  std::vector<std::string> why_not;    // hardware cheaper per hour than the winner's, and why not
  std::vector<std::string> what_if;    // how the answer moves with the traffic and the targets
};

std::string PlanText(const PlanReport& report);
nlohmann::json PlanJson(const PlanReport& report);
// One row per plan, in the JSON's order and with its keys (doc/formats/plan-json.md), plus
// `verified_replicas` and `verified_usd_per_million_output_tokens` (empty when not replayed).
std::string PlanCsv(const PlanReport& report);
// A self-contained HTML page (doc/formats/plan-report.md): the recommendation, the Pareto
// frontier, the verified plans' costs and latency percentiles as Chart.js charts, the library
// embedded, no network needed to open it.
std::string PlanHtml(const PlanReport& report);

}  // namespace pertoken::report
