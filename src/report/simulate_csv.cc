#include "report/simulate_csv.h"

#include <fmt/format.h>

#include <cmath>

namespace pertoken::report {

std::string RequestsCsvHeader() {
  return "index,replica,group,arrival_s,queue_s,ttft_s,tpot_s,e2e_s,input_tokens,output_tokens,"
         "preemptions,prefill_replica,max_itl_s";
}

std::string RequestsCsvRow(const sim::RequestRecord& r, int group) {
  const std::string tpot = r.output_tokens > 1 ? fmt::format("{:.6f}", r.tpot_s()) : "";
  const std::string prefill = r.prefill_replica >= 0 ? fmt::format("{}", r.prefill_replica) : "";
  const std::string max_itl = r.output_tokens > 1 ? fmt::format("{:.6f}", r.max_itl_s) : "";
  return fmt::format("{},{},{},{:.6f},{:.6f},{:.6f},{},{:.6f},{},{},{},{},{}", r.index, r.replica,
                     group, r.arrival_s, r.queue_s(), r.ttft_s(), tpot, r.e2e_s(), r.input_tokens,
                     r.output_tokens, r.preemptions, prefill, max_itl);
}

std::string TimelineCsvHeader() {
  return "time_s,replica,running,waiting,kv_used_fraction,batch,prefill_tokens";
}

std::string TimelineCsvRow(const sim::StepSample& s) {
  const double kv = s.kv_blocks > 0
                        ? static_cast<double>(s.kv_blocks_used) / static_cast<double>(s.kv_blocks)
                        : 0;
  return fmt::format("{:.6f},{},{},{},{:.4f},{},{}", s.start_s, s.replica, s.running, s.waiting, kv,
                     s.decode_sequences, s.prefill_tokens);
}

bool TimelineSampler::Take(const sim::StepSample& s) {
  const auto replica = static_cast<size_t>(s.replica);
  if (replica >= next_s_.size()) next_s_.resize(replica + 1, 0);
  if (s.start_s < next_s_[replica]) return false;
  next_s_[replica] = (std::floor(s.start_s / interval_s_) + 1) * interval_s_;
  return true;
}

}  // namespace pertoken::report
