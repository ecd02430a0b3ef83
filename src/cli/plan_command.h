// `pertoken plan`: the cheapest deployment of a model that meets latency targets for a traffic,
// searched over every accelerator, count, layout, precision, engine and way to pay the catalog
// allows (the analytic screen of src/search/).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "cli/commands.h"

namespace pertoken::cli {

struct PlanOptions {
  std::string model;
  std::optional<int64_t> input_tokens;
  std::optional<int64_t> output_tokens;
  std::optional<double> slo_ttft_s;
  std::optional<double> slo_tpot_s;
  // --workload: a catalog workload whose mean lengths stand for --input-len/--output-len and,
  // when neither SLO flag is given, whose Server p99 limits are the targets.
  std::string workload;
  std::string trace;       // the traffic as a trace (built-in name or CSV)
  std::string traces_dir;  // the built-in traces' folder
  std::optional<double> output_tokens_per_day;
  std::optional<double> requests_per_day;
  double peak_to_mean = 1;
  double max_quality_loss = 0.02;
  std::vector<std::string> accelerators;  // empty: every one
  std::vector<std::string> engines = {"vllm"};
  std::vector<std::string> pricings = {"on_demand"};
  std::vector<std::string> providers;  // only these cloud providers (price list ids)
  std::string spec_decode;       // speculative decoding to try besides none ("k=3,accept=0.7", ...)
  bool static_batching = false;  // also screen static batching besides continuous
  bool disaggregate = false;     // also screen disaggregated prefill and decode pools
  int max_count = 8;
  std::string as_of;
  int top = 10;
  int verify = 5;  // the cheapest screened plans replayed in the simulator (p99 targets)
  bool json = false;
  bool csv = false;
  std::string report_html;  // --report FILE.html: also write the HTML report there
};

// 0 when some configuration meets the targets; 1 when none does (the closest are printed, with
// what each misses by), or the input is wrong (one `error:` line naming the flag; "contradictory
// flags" for --workload with a length flag it sets, or with --trace).
int RunPlan(const catalog::Catalog& catalog, const PlanOptions& options, std::ostream& out,
            std::ostream& err);

}  // namespace pertoken::cli
