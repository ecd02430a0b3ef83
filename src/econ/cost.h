// The cost of serving a traffic volume with replicas of one deployment under each way to pay, and
// with hosted APIs (shared/metrics.md, "Money and energy"). The fleet is sized for the traffic's
// peak with a fluid queueing model: replicas = ceil(peak rate / one replica's capacity), and
// utilisation = mean rate / (replicas × capacity); every provisioned accelerator is paid for
// around the clock. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/types.h"

namespace pertoken::econ {

inline constexpr double kSecondsPerDay = 86400;

struct Traffic {
  double output_tokens_per_day = 0;
  double input_tokens_per_day = 0;
  double peak_to_mean = 1;  // the busiest hour's rate over the day's mean, >= 1
  // Input tokens a provider's prompt cache can serve (a shared system prompt, a conversation's
  // history), as a share of all input tokens: APIs bill them at their cached-input price.
  double cached_input_share = 0;
};

// What one replica serves at capacity, and what it is made of.
struct ReplicaCapacity {
  double output_tokens_per_s = 0;
  double input_tokens_per_s = 0;
  int accelerators = 1;
};

struct Sizing {
  int replicas = 1;
  double utilization = 0;  // mean rate / (replicas × capacity), in (0, 1]
  double peak_output_tokens_per_s = 0;
  double mean_output_tokens_per_s = 0;
};

// REQUIRES: traffic.output_tokens_per_day > 0, capacity.output_tokens_per_s > 0.
Sizing SizeFleet(const Traffic& traffic, const ReplicaCapacity& capacity);

// Money over a day of `traffic` at `usd_per_hour` for the whole fleet.
struct Spend {
  double usd_per_hour = 0;
  double usd_per_million_output_tokens = 0;  // the whole cost carried by output tokens
  double usd_per_million_tokens = 0;         // over input + output tokens
  double monthly_usd = 0;                    // 730 hours
  double annual_usd = 0;                     // 8760 hours
};
Spend SpendOf(double usd_per_hour, const Traffic& traffic);

// The blended price (shared/metrics.md): a day's cost split so that input and output tokens carry
// a price ratio r = input price / output price (an API's own), as an API would bill them: output
// tokens at usd_per_day / (r × input + output) each, input tokens at r times that. REQUIRES: r >= 0
// and some tokens.
struct Blended {
  double usd_per_million_input_tokens = 0;
  double usd_per_million_output_tokens = 0;
};
Blended BlendAtRatio(double usd_per_day, const Traffic& traffic, double input_over_output_price);

// What a spot interruption costs a replica: its instance is reclaimed after a notice, a new one
// starts the engine and loads the weights (restart_s), and requests still in flight when the
// notice runs out are computed again elsewhere.
struct SpotTerms {
  double interruptions_per_month = 0;  // per instance
  double notice_s = 0;
  double restart_s = 0;
  double e2e_s = 0;  // a request's mean end-to-end time: those in flight are half done on average
};

// The share of a spot replica's paid time that serves nothing: interruptions per second ×
// (restart_s + max(0, e2e_s / 2 − notice_s)). The fleet needs 1 / (1 − f) times the spot
// capacity to carry the same traffic, so a spot hour effectively costs spot / (1 − f).
double SpotLostFraction(const SpotTerms& terms);

// A hosted API's bill for `traffic`, at its per-million prices: input tokens at the input price,
// except the cached share at the cached-input price when the offer has one; output tokens at the
// output price.
double ApiUsdPerDay(const catalog::ApiOffer& offer, const Traffic& traffic);

// The output tokens per day V* from which on self-hosting always costs less than the API, for
// traffic with `input_per_output` input tokens per output token. Self-hosting pays H =
// 24 × `replica_usd_per_hour` a day per replica, and a replica carries C =
// `replica_output_tokens_per_day` at the traffic's peak, so V tokens cost ceil(V / C) × H against
// the API's a × V (a: its price per output token, input included). Between j and j + 1 full
// replicas' worth the fleet costs (j + 1) × H, so the API wins below (j + 1) × H / a there, which
// happens for j < H / (a × C − H) only: self-hosting wins for good from
// V* = ceil(H / (a × C − H)) × H / a. nullopt when a × C <= H: even a full replica costs more per
// token than the API.
std::optional<double> BreakEvenOutputTokensPerDay(const catalog::ApiOffer& offer,
                                                  double input_per_output,
                                                  double cached_input_share,
                                                  double replica_usd_per_hour,
                                                  double replica_output_tokens_per_day);

}  // namespace pertoken::econ
