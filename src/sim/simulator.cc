#include "sim/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <queue>
#include <set>

#include "perf/serving.h"
#include "sim/replica.h"
#include "workload/random.h"

namespace pertoken::sim {

namespace {

using detail::Replica;

enum class Phase { kStepDone = 0, kArrival = 1, kEngineArrival = 2 };

struct Event {
  double time_s = 0;
  Phase phase = Phase::kArrival;
  uint64_t sequence = 0;
  int replica = 0;
  int64_t request = 0;
};

EventKey KeyOf(const Event& e) {
  return {.time_s = e.time_s, .phase = static_cast<int>(e.phase), .sequence = e.sequence};
}

// The priority queue's comparison: true when `a` comes after `b`.
struct Later {
  bool operator()(const Event& a, const Event& b) const { return EventBefore(KeyOf(b), KeyOf(a)); }
};

Status CheckStream(const std::vector<workload::Request>& requests) {
  if (requests.empty()) return Status::InvalidArgument("the request stream is empty");
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    if (r.input_tokens < 1 || r.output_tokens < 1 || !(r.arrival_s >= 0)) {
      return Status::InvalidArgument(fmt::format(
          "request {}: needs input and output tokens >= 1 and a non-negative arrival", i + 1));
    }
    if (i > 0 && r.arrival_s < requests[i - 1].arrival_s) {
      return Status::InvalidArgument(
          fmt::format("request {}: arrives before the request above it (unsorted stream)", i + 1));
    }
  }
  return Status();
}

}  // namespace

bool EventBefore(const EventKey& a, const EventKey& b) {
  if (a.time_s != b.time_s) return a.time_s < b.time_s;
  if (a.phase != b.phase) return a.phase < b.phase;
  return a.sequence < b.sequence;
}

Result<SimResult> Simulate(const FleetSpec& fleet, const std::vector<workload::Request>& requests,
                           const SimOptions& options) {
  if (fleet.replicas.empty()) return Status::InvalidArgument("the fleet has no replica");
  if (Status s = CheckStream(requests); !s.ok()) return s;
  int64_t longest = 0;
  for (const auto& r : requests) longest = std::max(longest, r.input_tokens + r.output_tokens);

  SimResult result;  // before the replicas, which add their token gaps to it
  std::vector<Replica> replicas;
  replicas.reserve(fleet.replicas.size());
  for (size_t i = 0; i < fleet.replicas.size(); ++i) {
    const ReplicaSpec& spec = fleet.replicas[i];
    const auto& d = spec.deployment;
    const int64_t model_max = perf::EngineMaxContext(*d.engine, *d.model);
    if (longest > model_max) {
      return Status::InvalidArgument(
          fmt::format("a request of {} tokens (prompt and output) exceeds replica {}'s context of "
                      "{} tokens ({})",
                      longest, i + 1, model_max, d.model->id));
    }
    const int64_t max_context = spec.max_context_tokens > 0 ? spec.max_context_tokens : longest;
    const perf::FitResult fit = perf::Fit(perf::FitRequestFor(d, max_context));
    if (!fit.fits) {
      return Status::InvalidArgument(fmt::format("replica {} ({} on {} x {}): does not fit: {}",
                                                 i + 1, d.model->id, d.layout.count(),
                                                 d.accelerator->id, fit.reason));
    }
    replicas.emplace_back(spec, static_cast<int>(i), fit, options.seed, &result.itl);
    if (longest > replicas.back().CapacityTokens()) {
      return Status::InvalidArgument(fmt::format(
          "a request of {} tokens (prompt and output) exceeds replica {}'s KV cache of {} tokens",
          longest, i + 1, replicas.back().CapacityTokens()));
    }
  }

  // Tiers: each has unified replicas, or prefill and decode replicas.
  const int tiers = std::max<int>(1, static_cast<int>(fleet.tier_shares.size()));
  // The replicas of each tier and role (Role's order), which the router chooses among.
  std::vector<std::array<std::vector<int>, 3>> pools(tiers);
  for (size_t i = 0; i < fleet.replicas.size(); ++i) {
    const ReplicaSpec& spec = fleet.replicas[i];
    if (spec.tier < 0 || spec.tier >= tiers) {
      return Status::InvalidArgument(fmt::format(
          "replica {} serves tier {}, but the fleet has {} tier(s)", i + 1, spec.tier, tiers));
    }
    if (spec.role != Role::kUnified && spec.batching != Batching::kContinuous) {
      return Status::InvalidArgument(
          fmt::format("replica {}: prefill and decode replicas batch continuously", i + 1));
    }
    pools[spec.tier][static_cast<int>(spec.role)].push_back(static_cast<int>(i));
  }
  double share_sum = 0;
  for (double share : fleet.tier_shares) {
    if (!(share >= 0)) return Status::InvalidArgument("a tier share is negative");
    share_sum += share;
  }
  if (!fleet.tier_shares.empty() && !(share_sum > 0)) {
    return Status::InvalidArgument("the tier shares add up to 0");
  }
  for (int t = 0; t < tiers; ++t) {
    const size_t unified = pools[t][0].size(), prefill = pools[t][1].size(),
                 decode = pools[t][2].size();
    if (unified + prefill + decode == 0) {
      return Status::InvalidArgument(fmt::format("tier {} has no replica", t));
    }
    if ((prefill > 0) != (decode > 0) || (unified > 0 && prefill > 0)) {
      return Status::InvalidArgument(fmt::format(
          "tier {} mixes roles: it needs unified replicas, or prefill and decode replicas", t));
    }
  }
  if (!(fleet.kv_transfer_bytes_per_s >= 0)) {
    return Status::InvalidArgument("the KV transfer bandwidth is negative");
  }
  workload::Rng tier_rng(options.seed, /*stream=*/1u << 20);

  result.start_s = requests.front().arrival_s;
  std::priority_queue<Event, std::vector<Event>, Later> events;
  uint64_t sequence = 0;
  auto push = [&](double t, Phase phase, int replica, int64_t request) {
    events.push({.time_s = t,
                 .phase = phase,
                 .sequence = sequence++,
                 .replica = replica,
                 .request = request});
  };
  size_t next_arrival = 0;
  const bool closed = options.closed_loop_clients > 0;
  double pending_arrival_s = INFINITY;  // the open loop's one arrival event in the queue
  auto push_next_arrival = [&](double at) {
    pending_arrival_s = INFINITY;
    if (next_arrival < requests.size()) {
      const double t = closed ? at : requests[next_arrival].arrival_s;
      push(t, Phase::kArrival, 0, static_cast<int64_t>(next_arrival));
      pending_arrival_s = t;
      ++next_arrival;
    }
  };
  // Engine arrivals scheduled per replica (requests from the frontend, KV caches from prefill).
  std::vector<std::multiset<double>> engine_arrivals(replicas.size());
  if (closed) {
    result.start_s = 0;
    for (int64_t c = 0; c < options.closed_loop_clients; ++c) push_next_arrival(0);
  } else {
    push_next_arrival(0);
  }
  std::vector<std::array<size_t, 3>> turns(tiers, {0, 0, 0});  // round-robin position per pool
  // The replica of `tier` and `role` the router sends `request` to.
  auto route = [&](int tier, Role role, const workload::Request& request) {
    int pick = -1;
    const std::vector<int>& candidates = pools[tier][static_cast<int>(role)];
    // Round robin, and the order in which the other policies break ties: otherwise the first
    // replica would win every tie (idle replicas all have nothing outstanding).
    const size_t start = turns[tier][static_cast<int>(role)]++ % candidates.size();
    if (fleet.routing == Routing::kRoundRobin) return candidates[start];
    int64_t best_prefix = -1;
    for (size_t n = 0; n < candidates.size(); ++n) {
      const int i = candidates[(start + n) % candidates.size()];
      const int64_t prefix =
          fleet.routing == Routing::kPrefixAffinity ? replicas[i].CachedPrefix(request) : 0;
      if (pick < 0 || prefix > best_prefix ||
          (prefix == best_prefix &&
           replicas[i].outstanding_tokens() < replicas[pick].outstanding_tokens())) {
        pick = i;
        best_prefix = prefix;
      }
    }
    return pick;
  };
  auto draw_tier = [&] {
    if (fleet.tier_shares.size() < 2) return 0;
    double u = tier_rng.Uniform() * share_sum;
    for (int t = 0; t < tiers; ++t) {
      u -= fleet.tier_shares[t];
      if (u < 0) return t;
    }
    return tiers - 1;
  };
  std::vector<RequestRecord> done, handoffs;
  auto try_start = [&](int r, double now) {
    if (replicas[r].busy()) return;
    // What can change this replica's next steps: an arrival (routed by the replicas' state) or
    // a request its frontend hands over. In a closed loop any completion sends an arrival.
    double horizon = events.empty() ? INFINITY : events.top().time_s;
    if (!closed) {
      horizon = std::min(pending_arrival_s,
                         engine_arrivals[r].empty() ? INFINITY : *engine_arrivals[r].begin());
    }
    const double dt = replicas[r].StartStep(now, horizon, !options.exact_steps);
    if (dt < 0) return;
    push(now + dt, Phase::kStepDone, r, 0);
    if (options.on_step) options.on_step(replicas[r].last_sample());
  };

  int64_t in_system = 0;
  double last_event_s = result.start_s;
  while (!events.empty()) {
    const Event e = events.top();
    events.pop();
    ++result.events;
    result.request_seconds += static_cast<double>(in_system) * (e.time_s - last_event_s);
    last_event_s = e.time_s;
    switch (e.phase) {
      case Phase::kArrival: {
        const int tier = draw_tier();
        const int pick = route(tier, pools[tier][0].empty() ? Role::kPrefill : Role::kUnified,
                               requests[e.request]);
        // The frontend (HTTP, tokenisation) passes requests on one at a time.
        Replica& rep = replicas[pick];
        const double per_request = fleet.replicas[pick].deployment.engine->per_request_s;
        const double at = std::max(e.time_s, rep.frontend_free_s) + per_request;
        rep.frontend_free_s = at;
        rep.Enqueue(requests[e.request], e.request, e.time_s, at);
        push(at, Phase::kEngineArrival, pick, e.request);
        engine_arrivals[pick].insert(at);
        ++in_system;
        if (!closed) push_next_arrival(0);
        break;
      }
      case Phase::kEngineArrival:
        engine_arrivals[e.replica].erase(engine_arrivals[e.replica].find(e.time_s));
        try_start(e.replica, e.time_s);
        break;
      case Phase::kStepDone: {
        done.clear();
        handoffs.clear();
        replicas[e.replica].FinishStep(e.time_s, &done, &handoffs);
        for (const RequestRecord& h : handoffs) {
          const ReplicaSpec& from = fleet.replicas[e.replica];
          const int to = route(from.tier, Role::kDecode, requests[h.index]);
          const perf::Deployment& dest = fleet.replicas[to].deployment;
          const double bw = fleet.kv_transfer_bytes_per_s > 0
                                ? fleet.kv_transfer_bytes_per_s
                                : perf::KvTransferBytesPerSecond(
                                      *from.deployment.accelerator, from.deployment.layout.count(),
                                      *dest.accelerator, dest.layout.count());
          const double at = e.time_s + replicas[e.replica].kv_bytes_per_token() *
                                           static_cast<double>(h.input_tokens) / bw;
          replicas[to].EnqueueDecode(requests[h.index], h, at);
          push(at, Phase::kEngineArrival, to, h.index);
          engine_arrivals[to].insert(at);
        }
        for (const RequestRecord& rec : done) {
          --in_system;
          ++result.completed_requests;
          result.input_tokens += rec.input_tokens;
          result.output_tokens += rec.output_tokens;
          result.end_s = std::max(result.end_s, rec.finish_s);
          result.queue.Add(rec.queue_s());
          result.ttft.Add(rec.ttft_s());
          result.e2e.Add(rec.e2e_s());
          if (rec.output_tokens > 1) result.tpot.Add(rec.tpot_s());
          if (options.on_request) options.on_request(rec);
          if (closed) push_next_arrival(rec.finish_s);
        }
        try_start(e.replica, e.time_s);
        break;
      }
    }
  }
  for (const Replica& r : replicas) result.replicas.push_back(r.stats());
  if (result.completed_requests != static_cast<int64_t>(requests.size())) {
    return Status::Internal(
        fmt::format("{} of {} requests completed", result.completed_requests, requests.size()));
  }
  return result;
}

}  // namespace pertoken::sim
