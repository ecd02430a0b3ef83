// The `pertoken plan` report: what was searched, the best plans, the Pareto frontier, and for a
// search that finds none, the closest misses. Text for people, JSON for programs
// (doc/formats/plan-json.md). Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "search/plan.h"

namespace pertoken::report {

struct PlanReport {
  search::PlanQuery query;
  search::ScreenStats stats;
  double screen_seconds = 0;
  std::vector<search::Plan> plans;  // Screen's order: meeting first, cheapest first
  std::vector<size_t> front;        // indices into plans (ParetoFront)
  int top = 10;                     // plans to print
};

std::string PlanText(const PlanReport& report);
nlohmann::json PlanJson(const PlanReport& report);

}  // namespace pertoken::report
