#include "cli/workload_flag.h"

#include <fmt/format.h>

#include <cmath>

namespace pertoken::cli {

namespace {

// One length: the flag's, or the workload's mean rounded to whole tokens.
struct Length {
  const char* flag;  // "--input-len"
  const char* noun;  // "prompt"
  std::optional<double> mean;
  std::optional<int64_t>* value;
};

Status Merge(const catalog::Workload& w, const Length& l) {
  if (l.mean && l.value->has_value()) {
    return Status::InvalidArgument(fmt::format(
        "contradictory flags: --workload {} sets the {} length (its mean, {:g} tokens); drop {} "
        "or --workload",
        w.id, l.noun, *l.mean, l.flag));
  }
  if (l.mean) {
    *l.value = std::max<int64_t>(1, std::llround(*l.mean));
  } else if (!l.value->has_value()) {
    return Status::InvalidArgument(
        fmt::format("--workload {} publishes no mean {} length: give {}", w.id, l.noun, l.flag));
  }
  return Status();
}

}  // namespace

Result<WorkloadLengths> ApplyWorkload(const catalog::Catalog& catalog, const std::string& id,
                                      std::optional<int64_t> input_tokens,
                                      std::optional<int64_t> output_tokens) {
  WorkloadLengths out{.input_tokens = input_tokens, .output_tokens = output_tokens};
  if (id.empty()) return out;
  auto w = catalog.FindWorkload(id);
  if (!w.ok()) return Status::NotFound("--workload: " + w.status().message());
  out.workload = *w;
  for (const Length& l :
       {Length{"--input-len", "prompt", (*w)->input_mean_tokens, &out.input_tokens},
        Length{"--output-len", "output", (*w)->output_mean_tokens, &out.output_tokens}}) {
    if (Status s = Merge(**w, l); !s.ok()) return s;
  }
  return out;
}

std::string DescribeWorkload(const WorkloadLengths& lengths) {
  const catalog::Workload* w = lengths.workload;
  if (!w) return "";
  auto part = [](const char* noun, const std::optional<double>& mean,
                 const std::optional<int64_t>& used) {
    if (!mean) return fmt::format("{} {} tokens (given)", noun, used.value_or(0));
    return fmt::format("{} {} tokens (mean {:g})", noun, used.value_or(0), *mean);
  };
  return fmt::format("workload {} ({}): {}, {}", w->id, w->name,
                     part("prompt", w->input_mean_tokens, lengths.input_tokens),
                     part("output", w->output_mean_tokens, lengths.output_tokens));
}

Result<std::string> WorkloadLengthSpec(const catalog::Catalog& catalog, const std::string& id) {
  auto w = catalog.FindWorkload(id);
  if (!w.ok()) return Status::NotFound("--workload: " + w.status().message());
  if (!(*w)->lengths_file.empty()) return "file:" + (*w)->lengths_file;
  if (!(*w)->input_mean_tokens || !(*w)->output_mean_tokens) {
    return Status::InvalidArgument(
        fmt::format("--workload {} publishes only a mean {} length: give --lengths instead",
                    (*w)->id, (*w)->input_mean_tokens ? "prompt" : "output"));
  }
  auto tokens = [](double mean) { return std::max<int64_t>(1, std::llround(mean)); };
  return fmt::format("fixed:in={},out={}", tokens(*(*w)->input_mean_tokens),
                     tokens(*(*w)->output_mean_tokens));
}

}  // namespace pertoken::cli
