#include "econ/queueing.h"

#include <cmath>
#include <limits>

namespace pertoken::econ {

double ErlangC(int64_t c, double a) {
  if (a <= 0) return 0;
  if (a >= static_cast<double>(c)) return 1;
  // Erlang B by its stable recurrence, then C from B.
  double b = 1;
  for (int64_t k = 1; k <= c; ++k) b = a * b / (static_cast<double>(k) + a * b);
  const double cd = static_cast<double>(c);
  return cd * b / (cd - a * (1 - b));
}

double MeanWaitS(int64_t c, double lambda, double mu) {
  const double capacity = static_cast<double>(c) * mu;
  if (lambda >= capacity) return std::numeric_limits<double>::infinity();
  return ErlangC(c, lambda / mu) / (capacity - lambda);
}

int64_t ReplicasForWait(double lambda, int64_t slots, double hold_s, double max_wait_s) {
  const double mu = 1 / hold_s;
  // Start from the fluid bound (just stable) and add replicas until the wait fits; the wait falls
  // monotonically with servers.
  int64_t r = std::max<int64_t>(1, static_cast<int64_t>(std::floor(lambda * hold_s / slots)));
  while (MeanWaitS(r * slots, lambda, mu) > max_wait_s) ++r;
  return r;
}

}  // namespace pertoken::econ
