// The layout of an MLPerf result, which the results do not report: what a submitter tuning for
// the benchmark would run. Submitters maximise the scenario's score, so on 8 × H100 a 70B model
// runs as several small tensor-parallel groups side by side rather than one TP=8 group. Each
// candidate is predicted with the serving model and the best one wins. Pure functions of the
// plan and the catalog; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "perf/memory.h"
#include "validate/rate_search.h"
#include "validate/row_mapping.h"

namespace pertoken::validate {

// One replica's layout and how many data-parallel copies of it the row's accelerators hold.
struct LayoutChoice {
  perf::Layout layout;
  int replicas = 1;
};

// Every layout an MLPerf system of `accelerators` could run in one scale-up domain: TP dividing
// `accelerators` up to perf::MaxTensorParallel, PP = 1, each perf::LayoutsFor variant (EP for
// MoE models), that passes perf::CheckLayout and fits `fit` (whose layout is ignored). Ordered by
// TP, then EP, ascending.
std::vector<LayoutChoice> MlperfLayoutCandidates(perf::FitRequest fit, int accelerators);

// What the submitter maximises with `choice`, over all its replicas: the request rate meeting
// plan.limits where the row has limits (Server, Interactive), in requests/s; else the output
// tokens/s at max load (Offline). 0 when the layout serves nothing.
// REQUIRES: plan's deployment (but its layout), lengths and regime set.
double MlperfLayoutScore(const RowPlan& plan, const LayoutChoice& choice,
                         const PredictOptions& options);

struct MlperfLayout {
  LayoutChoice choice;
  std::string assumption;  // the choice and every candidate's score, for the row's report
};

// The highest-scoring candidate (ties: the earlier one, so the smaller TP, then no EP).
// NotFound when no candidate fits. REQUIRES: as MlperfLayoutScore; plan.accelerators >= 1.
Result<MlperfLayout> ChooseMlperfLayout(const RowPlan& plan, const perf::FitRequest& fit,
                                        const PredictOptions& options);

}  // namespace pertoken::validate
