#include "workload/random.h"

#include <cmath>
#include <numbers>

namespace pertoken::workload {

namespace {

constexpr int kMantissaBits = 53;  // the bits of a double's significand
constexpr uint64_t kLow32 = 0xFFFFFFFFULL;

}  // namespace

Rng::Rng(uint64_t seed, uint64_t stream) {
  // std::seed_seq's mixing is fixed by the standard; it gets all 128 bits of (seed, stream), so
  // different pairs give unrelated sequences.
  std::seed_seq sequence{seed & kLow32, seed >> 32, stream & kLow32, stream >> 32};
  engine_.seed(sequence);
}

double Rng::Uniform() {
  // The top 53 bits, centred in their cell: (k + 0.5) / 2^53 lies strictly inside (0, 1).
  const uint64_t k = engine_() >> (64 - kMantissaBits);
  return (static_cast<double>(k) + 0.5) * std::ldexp(1.0, -kMantissaBits);
}

uint64_t Rng::Index(uint64_t n) {
  const auto i = static_cast<uint64_t>(Uniform() * static_cast<double>(n));
  return i < n ? i : n - 1;  // guards the last cell against rounding up
}

double Rng::Exponential(double mean) { return -mean * std::log(Uniform()); }

double Rng::Normal() {
  const double u1 = Uniform();
  const double u2 = Uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double Rng::Gamma(double shape, double scale) {
  // Shapes below 1 draw Gamma(shape + 1) and scale it by U^(1/shape) (Marsaglia and Tsang, §6).
  const double boost = shape < 1 ? std::pow(Uniform(), 1.0 / shape) : 1.0;
  const double a = shape < 1 ? shape + 1 : shape;
  const double d = a - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    const double x = Normal();
    const double v0 = 1.0 + c * x;
    if (v0 <= 0) continue;
    const double v = v0 * v0 * v0;
    const double u = Uniform();
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v * scale * boost;
  }
}

}  // namespace pertoken::workload
