// Rng: the seeded random source of every workload generator, with the distribution transforms
// written out here rather than taken from <random>.
//
// The engine is std::mt19937_64, whose seeding and output sequence the C++ standard fixes. The
// standard leaves the algorithms of std::*_distribution to each library, so the transforms below
// (uniform, exponential, normal, gamma) are our own, and no library's choice of algorithm changes
// a stream. They call std::log, std::sqrt, std::cos and std::pow, whose last bit may
// differ between math libraries, so streams are bit-identical for the same seed on the same build
// and statistically equivalent elsewhere.
//
// An Rng is a mutable value owned by one generator; it is not safe to share between threads.
#pragma once

#include <cstdint>
#include <random>

namespace pertoken::workload {

class Rng {
 public:
  // A stream determined by `seed` and `stream`: different streams of one seed are independent for
  // practical purposes, so arrivals and lengths draw from their own streams and changing one
  // model does not shift the other's numbers.
  explicit Rng(uint64_t seed, uint64_t stream = 0);

  // Uniform on the open interval (0, 1): never exactly 0 or 1, so log(u) is always finite.
  double Uniform();
  // Uniform integer in [0, n), from one Uniform() draw. REQUIRES: 0 < n <= 2^53.
  uint64_t Index(uint64_t n);
  // Exponential with mean `mean`.
  double Exponential(double mean);
  // Standard normal (Box-Muller; one value per two uniforms, nothing cached between calls).
  double Normal();
  // Gamma with shape `shape` > 0 and scale `scale` > 0, mean shape × scale (Marsaglia and Tsang,
  // "A simple method for generating gamma variables", ACM TOMS 26(3), 2000, including their
  // shape < 1 boost).
  double Gamma(double shape, double scale);

 private:
  std::mt19937_64 engine_;
};

}  // namespace pertoken::workload
