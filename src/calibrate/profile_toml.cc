// RenderProfile: the TOML text of a fitted profile (declared in profile.h).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <iterator>

#include "calibrate/profile.h"

namespace pertoken::calibrate {

namespace {

// The precisions of [gemm] curves, in file order.
constexpr std::array<const char*, 4> kPrecisions = {"bf16", "fp8", "fp4", "int8"};

// Four significant digits: more than the fit can vouch for, and stable across platforms.
std::string Number(double v) { return fmt::format("{:.4g}", v); }

// A TOML basic string.
std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void AppendQuality(std::string* out, std::string_view prefix, const FitQuality& q) {
  fmt::format_to(std::back_inserter(*out), "{}_rows = {}\n{}_median_ape = {}\n{}_p90_ape = {}\n",
                 prefix, q.rows, prefix, Number(q.median_ape), prefix, Number(q.p90_ape));
}

std::string Source(const FittedProfile& p, const std::string& commit) {
  const OpdbSelection& t = p.tables;
  const std::string snapshot =
      commit.empty() ? "" : fmt::format(" (ai-dynamo/aiconfigurator@{})", commit);
  return fmt::format(
      "fitted by `pertoken calibrate ops` from shared/data/opdb{}: {}, {}, {}, {}; peaks from "
      "accelerators/{}.toml",
      snapshot, t.gemm.file_name, t.context_attention.file_name, t.generation_attention.file_name,
      t.allreduce.file_name, p.accelerator->id);
}

// "a, b, c", or `none` for an empty list.
std::string Join(const std::vector<std::string>& items, std::string_view none) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? std::string(none) : out;
}

std::string Notes(const FittedProfile& p) {
  std::vector<std::string> fitted;
  for (const char* precision : kPrecisions) {
    if (p.gemm.curves.count(precision)) fitted.emplace_back(precision);
  }
  return fmt::format(
      "Generated; do not edit: rerun `pertoken calibrate ops`. Each op family minimises the mean\n"
      "|ln(predicted / measured)| over its rows; [fit] gives the rows and the median and\n"
      "90th-percentile absolute percentage errors (fractions). See doc/formats/efficiency.md,\n"
      "\"How the fit works\".\n"
      "GEMM: curves for {}; table dtypes without a curve of their own: {}.\n"
      "Only shapes with n and k >= {:g} are fitted; the {} smaller ones (gemm_excluded_*)\n"
      "are predicted with a median error of {:.0f}%.\n"
      "Attention: full-attention rows with BF16 compute and KV cache; the prefill fraction\n"
      "follows the keys per query token (isl / 2); decode reads K and V of the `step` cached\n"
      "tokens. Kernels: {} (prefill),\n"
      "{} (decode).\n"
      "All-reduce: BF16 rows (message_size elements x 2 bytes), the CUDA-graph variant where the\n"
      "table has both; bw_fraction is at most 1 of the per-direction scale-up bandwidth.",
      Join(fitted, "none"), Join(p.gemm_skipped_dtypes, "none"), kGemmMinFitFeatures,
      p.gemm.excluded_quality.rows, 100 * p.gemm.excluded_quality.median_ape, p.prefill_kernel,
      p.decode_kernel);
}

void AppendGemm(std::string* out, const GemmFit& g) {
  *out += "\n[gemm]\n";
  for (const char* precision : kPrecisions) {
    auto it = g.curves.find(precision);
    if (it == g.curves.end()) continue;
    fmt::format_to(std::back_inserter(*out), "{}_max_fraction = {}\n{}_half_tokens = {}\n",
                   precision, Number(it->second.max_fraction), precision,
                   Number(it->second.half_tokens));
  }
  fmt::format_to(std::back_inserter(*out), "memory_fraction = {}\nkernel_latency_s = {}\n",
                 Number(g.memory_fraction), Number(g.kernel_latency_s));
}

void AppendFit(std::string* out, const FittedProfile& p) {
  *out += "\n[fit]\n";
  AppendQuality(out, "gemm", p.gemm.quality);
  for (const char* precision : kPrecisions) {
    auto it = p.gemm.by_precision.find(precision);
    if (it != p.gemm.by_precision.end()) {
      AppendQuality(out, fmt::format("gemm_{}", precision), it->second);
    }
  }
  AppendQuality(out, "gemm_excluded", p.gemm.excluded_quality);
  AppendQuality(out, "context_attention", p.attention.prefill_quality);
  AppendQuality(out, "generation_attention", p.attention.decode_quality);
  AppendQuality(out, "allreduce", p.allreduce.quality);
}

}  // namespace

std::string ProfileId(const FittedProfile& p) {
  return p.accelerator->id + "-" + p.tables.framework;
}

std::string RenderProfile(const FittedProfile& p, const std::string& opdb_commit) {
  const catalog::Accelerator& acc = *p.accelerator;
  std::string out = fmt::format(
      "schema_version = 1\nid = {}\nname = {}\naccelerator = {}\nframework = {}\nsource = {}\n"
      "notes = \"\"\"\n{}\"\"\"\n",
      Quoted(ProfileId(p)),
      Quoted(fmt::format("{} op efficiencies, {} kernels (fitted)", acc.name, p.tables.framework)),
      Quoted(acc.id), Quoted(p.tables.framework), Quoted(Source(p, opdb_commit)), Notes(p));
  AppendGemm(&out, p.gemm);
  fmt::format_to(std::back_inserter(out),
                 "\n[attention]\nprefill_fraction = {}\nprefill_half_work = {}\n"
                 "decode_memory_fraction = {}\nkernel_latency_s = {}\n",
                 Number(p.attention.prefill_fraction), Number(p.attention.prefill_half_work),
                 Number(p.attention.decode_memory_fraction), Number(p.attention.kernel_latency_s));
  fmt::format_to(std::back_inserter(out), "\n[allreduce]\nbw_fraction = {}\nlatency_s = {}\n",
                 Number(p.allreduce.bw_fraction), Number(p.allreduce.latency_s));
  for (const catalog::AllReduceCurve& c : p.allreduce.measured) {
    std::vector<std::string> bytes, seconds;
    for (double b : c.bytes) bytes.push_back(fmt::format("{:.0f}", b));
    for (double t : c.seconds) seconds.push_back(Number(t));
    fmt::format_to(std::back_inserter(out),
                   "\n[[allreduce.measured]]\nranks = {}\nbytes = [{}]\nseconds = [{}]\n", c.ranks,
                   fmt::join(bytes, ", "), fmt::join(seconds, ", "));
  }
  AppendFit(&out, p);
  return out;
}

}  // namespace pertoken::calibrate
