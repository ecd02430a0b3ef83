#include "validate/mlperf_layout.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace pertoken::validate {

namespace {

// "TP=2 × 4", "TP=4 EP=4 × 2".
std::string Label(const LayoutChoice& c) {
  const std::string ep = c.layout.ep > 1 ? fmt::format(" EP={}", c.layout.ep) : "";
  return fmt::format("TP={}{} × {}", c.layout.tp, ep, c.replicas);
}

const char* ReplicaWord(const LayoutChoice& c) { return c.replicas == 1 ? "replica" : "replicas"; }

bool HasLimits(const RowPlan& plan) {
  return plan.limits.ttft_p99_s > 0 && plan.limits.tpot_p99_s > 0;
}

// "layout chosen for ...: TP=2 × 4 replicas (of TP=1 × 8: 21034, TP=2 × 4: 25010 output tok/s)".
std::string Assumption(const RowPlan& plan, const std::vector<LayoutChoice>& candidates,
                       const std::vector<double>& scores, size_t best) {
  const bool rate = HasLimits(plan);
  std::vector<std::string> listed;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const std::string score =
        rate ? fmt::format("{:.3g}", scores[i]) : fmt::format("{:.0f}", scores[i]);
    listed.push_back(fmt::format("{}: {}", Label(candidates[i]), score));
  }
  return fmt::format("layout chosen for the highest predicted {}: {} {} (of {} {})",
                     rate ? "request rate meeting the latency limits" : "throughput",
                     Label(candidates[best]), ReplicaWord(candidates[best]),
                     fmt::join(listed, ", "), rate ? "requests/s" : "output tok/s");
}

}  // namespace

std::vector<LayoutChoice> MlperfLayoutCandidates(perf::FitRequest fit, int accelerators) {
  std::vector<LayoutChoice> out;
  const int max_tp = std::min(accelerators, perf::MaxTensorParallel(*fit.accelerator));
  for (int tp = 1; tp <= max_tp; ++tp) {
    if (accelerators % tp != 0) continue;
    for (const perf::Layout& l : perf::LayoutsFor(*fit.model, *fit.accelerator, tp)) {
      if (l.pp != 1) continue;
      fit.layout = l;
      if (perf::Fit(fit).fits) out.push_back({.layout = l, .replicas = accelerators / tp});
    }
  }
  return out;
}

double MlperfLayoutScore(const RowPlan& plan, const LayoutChoice& choice,
                         const PredictOptions& options) {
  perf::ServingQuery q = plan.query;
  q.deployment.layout = choice.layout;
  if (HasLimits(plan)) {
    return FindBestRate(q, plan.limits, options).request_rate * choice.replicas;
  }
  q.regime = perf::Regime::kMaxLoad;
  q.max_requests = (plan.regime.max_requests + choice.replicas - 1) / choice.replicas;
  const perf::ServingResult r = perf::PredictServing(q);
  return r.ok ? r.output_tokens_per_s * choice.replicas : 0;
}

Result<MlperfLayout> ChooseMlperfLayout(const RowPlan& plan, const perf::FitRequest& fit,
                                        const PredictOptions& options) {
  const std::vector<LayoutChoice> candidates = MlperfLayoutCandidates(fit, plan.accelerators);
  if (candidates.empty()) {
    return Status::NotFound(fmt::format("no layout of {} fits one {} scale-up domain with PP=1",
                                        fit.model->id, fit.accelerator->id));
  }
  if (candidates.size() == 1) {
    return MlperfLayout{
        .choice = candidates[0],
        .assumption = fmt::format("layout not stated: {} {}, the only valid layout",
                                  Label(candidates[0]), ReplicaWord(candidates[0]))};
  }
  std::vector<double> scores;
  size_t best = 0;
  for (const LayoutChoice& c : candidates) {
    scores.push_back(MlperfLayoutScore(plan, c, options));
    if (scores.back() > scores[best]) best = scores.size() - 1;
  }
  return MlperfLayout{.choice = candidates[best],
                      .assumption = Assumption(plan, candidates, scores, best)};
}

}  // namespace pertoken::validate
