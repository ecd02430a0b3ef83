#include "cli/progress_bar.h"

#include <fmt/format.h>

#include <string>
#include <utility>

#include "report/format.h"

namespace pertoken::cli {

namespace {

// Reading the clock costs more than simulating a request; look at it every this many items.
constexpr int64_t kClockStride = 256;

}  // namespace

ProgressBar::ProgressBar(std::ostream& out, int64_t total, std::function<double()> clock_s)
    : out_(out), total_(total), clock_s_(std::move(clock_s)) {}

void ProgressBar::Update(int64_t done) {
  if (done % kClockStride != 0) return;
  const double now = clock_s_();
  if (now < next_draw_s_) return;
  next_draw_s_ = now + kRedrawS;
  const double share = static_cast<double>(done) / static_cast<double>(total_);
  const int filled = static_cast<int>(share * kWidth);
  out_ << fmt::format("\r[{}{}] {:3.0f}% {} of {} requests", std::string(filled, '#'),
                      std::string(kWidth - filled, ' '), share * 100, report::FormatCount(done),
                      report::FormatCount(total_))
       << std::flush;
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (!drawn_) return;
  out_ << "\r" << std::string(kWidth + 48, ' ') << "\r" << std::flush;
  drawn_ = false;
}

}  // namespace pertoken::cli
