// Synthetic arrival processes: a renewal process (Poisson or Gamma gaps) whose rate follows a
// daily curve, and the request streams built from it.
//
// One mechanism covers every case. Gaps are drawn in "work time", where the process has a
// constant rate; a stream instant t is reached when the integral of the curve's multiplier from 0
// to t equals the work time (time rescaling). With Poisson gaps this is exactly the nonhomogeneous
// Poisson process of intensity rate × multiplier(t); with Gamma gaps it keeps the burstiness (cv)
// of the gaps while the curve moves the rate. A flat curve makes work time and stream time equal.
//
// Every generator is seeded by its caller; the same seed gives the same stream on the same build
// (see random.h). Immutable values; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "workload/lengths.h"
#include "workload/random.h"
#include "workload/request.h"

namespace pertoken::workload {

struct RatePoint {
  double time_of_day_h = 0;  // hours after midnight, in [0, 24)
  double multiplier = 1;     // >= 0: the rate at this instant relative to the process's rate
};

// A periodic, piecewise-linear multiplier over the 24-hour day.
class RateCurve {
 public:
  // Multiplier 1 at every instant.
  RateCurve();

  // The curve through `points`: linear between neighbours and from the last point around to the
  // first one 24 h later (one point: constant). Stream time 0 is time of day `start_h`.
  // InvalidArgument naming the point unless there is at least one point, times strictly increase
  // within [0, 24), every multiplier is finite and >= 0, some multiplier is > 0, and
  // 0 <= start_h < 24.
  static Result<RateCurve> Make(const std::vector<RatePoint>& points, double start_h = 0);

  // The multiplier at stream time t_s >= 0.
  double Multiplier(double t_s) const;
  // The integral of the multiplier from stream time 0 to t_s (seconds of work time); the expected
  // arrivals in [a, b) are rate × (Integral(b) − Integral(a)).
  double Integral(double t_s) const;
  // The stream time at which Integral reaches `work_s` >= 0: its inverse. Where the multiplier is
  // 0 the integral is flat; a value it takes over such a stretch maps to the stretch's end, so no
  // arrival falls where the rate is 0.
  double InverseIntegral(double work_s) const;

 private:
  // Position of stream time t_s in seconds since the first knot of day 0.
  double KnotTime(double t_s) const;
  // Integral from the first knot of day 0 to `knot_s` (any sign of days).
  double FromFirstKnot(double knot_s) const;

  std::vector<double> knot_s_;      // times of the knots within one day, from the first point,
                                    // closed by the first point again 24 h later
  std::vector<double> multiplier_;  // the multiplier at each knot
  std::vector<double> area_;        // integral from knot 0 to each knot; back() = one day
  double start_knot_s_ = 0;         // stream time 0, in seconds since knot 0 of day 0
};

// The points of a rate-curve CSV (`time_of_day_h,multiplier`, doc/formats/trace.md), named `name`
// in messages. ParseError "name:line: column: message" for every bad row (the checks of
// RateCurve::Make, located by line).
Result<std::vector<RatePoint>> ParseRatePoints(std::string_view text, const std::string& name);
// Reads and parses the file at `path`. IoError when it cannot be read; else as ParseRatePoints.
Result<std::vector<RatePoint>> ReadRatePoints(const std::string& path);

// A renewal process with Gamma-distributed gaps in work time, modulated by a rate curve.
struct ArrivalProcess {
  double rate_per_s = 1;  // > 0: arrivals per second where the multiplier is 1
  double cv = 1;          // > 0: coefficient of variation of the gaps; 1 = Poisson (exponential
                          // gaps), above 1 burstier, below 1 more regular
  RateCurve curve;        // flat by default
};

// Where a stream ends: at the first limit reached. At least one must be set.
struct StreamLimits {
  double duration_s = 0;     // >= 0: arrivals in [0, duration_s); 0 = no time limit
  int64_t max_requests = 0;  // >= 0: at most this many arrivals; 0 = no count limit
};

// Arrival times in stream seconds, ascending, drawn from `rng` (one Gamma draw per arrival).
// InvalidArgument naming the value when rate or cv is not a finite number > 0, or the limits are
// negative or both 0 (an endless stream).
Result<std::vector<double>> GenerateArrivals(const ArrivalProcess& process,
                                             const StreamLimits& limits, Rng& rng);

// A request stream: arrivals from stream 1 of `seed`, lengths from stream 2 of `seed`, so a change
// of the length model leaves the arrival times alone and vice versa. Errors as GenerateArrivals.
Result<std::vector<Request>> GenerateStream(const ArrivalProcess& process,
                                            const LengthSampler& lengths,
                                            const StreamLimits& limits, uint64_t seed);

}  // namespace pertoken::workload
