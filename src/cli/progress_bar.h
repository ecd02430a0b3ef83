// A one-line progress bar for long runs, redrawn in place on a terminal ("\r"). The caller decides
// whether there is a terminal; the bar only paces itself. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>

namespace pertoken::cli {

class ProgressBar {
 public:
  // Draws on `out` the progress towards `total` items, at most once per kRedrawS of `clock_s`
  // (monotonic seconds). REQUIRES: total > 0, clock_s callable.
  ProgressBar(std::ostream& out, int64_t total, std::function<double()> clock_s);
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // `done` items are finished; cheap to call for every item (reads the clock every 256th).
  void Update(int64_t done);
  // Erases the bar, leaving the line as it was.
  void Finish();

 private:
  static constexpr double kRedrawS = 0.1;  // about 10 redraws a second
  static constexpr int kWidth = 40;        // characters of the bar itself

  std::ostream& out_;
  int64_t total_;
  std::function<double()> clock_s_;
  double next_draw_s_ = 0;
  bool drawn_ = false;
};

}  // namespace pertoken::cli
