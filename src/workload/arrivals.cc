#include "workload/arrivals.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "workload/csv_text.h"

namespace pertoken::workload {

namespace {

constexpr double kSecondsPerHour = 3600;
constexpr double kHoursPerDay = 24;
constexpr double kSecondsPerDay = kSecondsPerHour * kHoursPerDay;
constexpr std::string_view kCurveHeader = "time_of_day_h,multiplier";

// Streams of a seed used by GenerateStream (random.h).
constexpr uint64_t kArrivalStream = 1;
constexpr uint64_t kLengthStream = 2;

// The problem with a point's time given the time of the point before (nullptr for the first), or
// "" when it is fine.
std::string TimeProblem(double time_of_day_h, const double* previous_h) {
  if (!(std::isfinite(time_of_day_h) && time_of_day_h >= 0 && time_of_day_h < kHoursPerDay)) {
    return fmt::format("{} is not a time of day in [0, 24) hours", time_of_day_h);
  }
  if (previous_h != nullptr && time_of_day_h <= *previous_h) {
    return fmt::format("{} h is not after the point before ({} h); times must increase",
                       time_of_day_h, *previous_h);
  }
  return "";
}

std::string MultiplierProblem(double multiplier) {
  if (std::isfinite(multiplier) && multiplier >= 0) return "";
  return fmt::format("{} is not a multiplier >= 0", multiplier);
}

// The index i of the interval [v[i], v[i+1]) holding x, clamped to the intervals of `v`.
size_t Interval(const std::vector<double>& v, double x) {
  const auto it = std::upper_bound(v.begin(), v.end(), x);
  const size_t i = it == v.begin() ? 0 : static_cast<size_t>(it - v.begin()) - 1;
  return std::min(i, v.size() - 2);
}

}  // namespace

RateCurve::RateCurve() : knot_s_{0, kSecondsPerDay}, multiplier_{1, 1}, area_{0, kSecondsPerDay} {}

Result<RateCurve> RateCurve::Make(const std::vector<RatePoint>& points, double start_h) {
  if (points.empty()) return Status::InvalidArgument("a rate curve needs at least one point");
  bool any_positive = false;
  for (size_t i = 0; i < points.size(); ++i) {
    const double* previous = i == 0 ? nullptr : &points[i - 1].time_of_day_h;
    std::string problem = TimeProblem(points[i].time_of_day_h, previous);
    if (problem.empty()) problem = MultiplierProblem(points[i].multiplier);
    if (!problem.empty()) {
      return Status::InvalidArgument(fmt::format("rate curve point {}: {}", i + 1, problem));
    }
    any_positive = any_positive || points[i].multiplier > 0;
  }
  if (!any_positive) return Status::InvalidArgument("rate curve: every multiplier is 0");
  if (!(std::isfinite(start_h) && start_h >= 0 && start_h < kHoursPerDay)) {
    return Status::InvalidArgument(
        fmt::format("rate curve start {} is not a time of day in [0, 24) hours", start_h));
  }
  RateCurve curve;
  curve.knot_s_.clear();
  curve.multiplier_.clear();
  const double first_h = points.front().time_of_day_h;
  for (const RatePoint& p : points) {
    curve.knot_s_.push_back((p.time_of_day_h - first_h) * kSecondsPerHour);
    curve.multiplier_.push_back(p.multiplier);
  }
  curve.knot_s_.push_back(kSecondsPerDay);  // back to the first point, a day later
  curve.multiplier_.push_back(points.front().multiplier);
  curve.area_.assign(1, 0);
  for (size_t i = 1; i < curve.knot_s_.size(); ++i) {
    const double trapezoid = (curve.knot_s_[i] - curve.knot_s_[i - 1]) *
                             (curve.multiplier_[i] + curve.multiplier_[i - 1]) / 2;
    curve.area_.push_back(curve.area_.back() + trapezoid);
  }
  curve.start_knot_s_ = (start_h - first_h) * kSecondsPerHour;
  return curve;
}

double RateCurve::KnotTime(double t_s) const { return start_knot_s_ + t_s; }

double RateCurve::FromFirstKnot(double knot_s) const {
  const double day = std::floor(knot_s / kSecondsPerDay);
  const double w = knot_s - day * kSecondsPerDay;
  const size_t i = Interval(knot_s_, w);
  const double d = w - knot_s_[i];
  const double slope = (multiplier_[i + 1] - multiplier_[i]) / (knot_s_[i + 1] - knot_s_[i]);
  return day * area_.back() + area_[i] + multiplier_[i] * d + slope * d * d / 2;
}

double RateCurve::Multiplier(double t_s) const {
  const double x = KnotTime(t_s);
  const double w = x - std::floor(x / kSecondsPerDay) * kSecondsPerDay;
  const size_t i = Interval(knot_s_, w);
  const double f = (w - knot_s_[i]) / (knot_s_[i + 1] - knot_s_[i]);
  return multiplier_[i] + f * (multiplier_[i + 1] - multiplier_[i]);
}

double RateCurve::Integral(double t_s) const {
  return FromFirstKnot(KnotTime(t_s)) - FromFirstKnot(start_knot_s_);
}

double RateCurve::InverseIntegral(double work_s) const {
  const double w = work_s + FromFirstKnot(start_knot_s_);
  const double day = std::floor(w / area_.back());
  const double r = w - day * area_.back();
  const size_t i = Interval(area_, r);
  const double rest = r - area_[i];
  const double m = multiplier_[i];
  const double slope = (multiplier_[i + 1] - m) / (knot_s_[i + 1] - knot_s_[i]);
  // Solves m·d + slope·d²/2 = rest for the segment offset d, written as 2·rest / (m + sqrt(...)) so
  // that it holds for slope 0 and does not cancel; rest > 0 makes the denominator positive.
  const double d =
      rest <= 0 ? 0 : 2 * rest / (m + std::sqrt(std::max(0.0, m * m + 2 * slope * rest)));
  const double within = std::min(knot_s_[i] + d, knot_s_[i + 1]);
  return day * kSecondsPerDay + within - start_knot_s_;
}

Result<std::vector<RatePoint>> ParseRatePoints(std::string_view text, const std::string& name) {
  auto doc = SplitCsv(text, name, {kCurveHeader});
  if (!doc.ok()) return doc.status();
  std::vector<RatePoint> points;
  ErrorList errors(name);
  for (const CsvRecord& record : doc->records) {
    const std::optional<double> time = ParseNumber(record.cells[0]);
    const std::optional<double> multiplier = ParseNumber(record.cells[1]);
    if (!time) errors.Add(record.line, "time_of_day_h", "not a number");
    if (!multiplier) errors.Add(record.line, "multiplier", "not a number");
    if (!time || !multiplier) continue;
    const double* previous = points.empty() ? nullptr : &points.back().time_of_day_h;
    if (std::string p = TimeProblem(*time, previous); !p.empty()) {
      errors.Add(record.line, "time_of_day_h", p);
    }
    if (std::string p = MultiplierProblem(*multiplier); !p.empty()) {
      errors.Add(record.line, "multiplier", p);
    }
    points.push_back({.time_of_day_h = *time, .multiplier = *multiplier});
  }
  if (!errors.empty()) return errors.ToStatus();
  return points;
}

Result<std::vector<RatePoint>> ReadRatePoints(const std::string& path) {
  auto text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  return ParseRatePoints(*text, path);
}

Result<std::vector<double>> GenerateArrivals(const ArrivalProcess& process,
                                             const StreamLimits& limits, Rng& rng) {
  if (!(std::isfinite(process.rate_per_s) && process.rate_per_s > 0)) {
    return Status::InvalidArgument(
        fmt::format("arrival rate must be a number > 0, not {}", process.rate_per_s));
  }
  if (!(std::isfinite(process.cv) && process.cv > 0)) {
    return Status::InvalidArgument(
        fmt::format("arrival cv must be a number > 0, not {}", process.cv));
  }
  if (!(std::isfinite(limits.duration_s) && limits.duration_s >= 0 && limits.max_requests >= 0) ||
      (limits.duration_s == 0 && limits.max_requests == 0)) {
    return Status::InvalidArgument(
        fmt::format("a stream needs a duration or a request count (both >= 0, not both 0), not "
                    "{} s and {} requests",
                    limits.duration_s, limits.max_requests));
  }
  // Gamma(shape k, scale θ) has mean kθ and cv 1/sqrt(k): k = 1/cv², θ = cv²/rate.
  const double shape = 1 / (process.cv * process.cv);
  const double scale = process.cv * process.cv / process.rate_per_s;
  std::vector<double> arrivals;
  double work_s = 0;
  while (limits.max_requests == 0 || static_cast<int64_t>(arrivals.size()) < limits.max_requests) {
    work_s += rng.Gamma(shape, scale);
    double t = process.curve.InverseIntegral(work_s);
    // The inverse is monotone, but rounding at a segment boundary could step back by an ulp.
    if (!arrivals.empty()) t = std::max(t, arrivals.back());
    if (limits.duration_s > 0 && t >= limits.duration_s) break;
    arrivals.push_back(t);
  }
  return arrivals;
}

Result<std::vector<Request>> GenerateStream(const ArrivalProcess& process,
                                            const LengthSampler& lengths,
                                            const StreamLimits& limits, uint64_t seed) {
  Rng arrival_rng(seed, kArrivalStream);
  auto arrivals = GenerateArrivals(process, limits, arrival_rng);
  if (!arrivals.ok()) return arrivals.status();
  Rng length_rng(seed, kLengthStream);
  std::vector<Request> stream;
  stream.reserve(arrivals->size());
  for (double t : *arrivals) {
    const LengthPair pair = lengths.Sample(length_rng);
    stream.push_back(
        {.arrival_s = t, .input_tokens = pair.input_tokens, .output_tokens = pair.output_tokens});
  }
  return stream;
}

}  // namespace pertoken::workload
