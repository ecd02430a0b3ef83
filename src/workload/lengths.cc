#include "workload/lengths.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace pertoken::workload {

namespace {

constexpr std::string_view kLengthsHeader = "input_tokens,output_tokens";
constexpr std::string_view kTraceHeader = "arrival_s,input_tokens,output_tokens";
constexpr std::string_view kPrefixTraceHeader =
    "arrival_s,input_tokens,output_tokens,prefix_hash_ids";

// The standard normal's 90th percentile, Phi^-1(0.9).
constexpr double kZ90 = 1.2815515655446004;
// Continuous draws are capped here before rounding, so llround stays defined even for an extreme
// lognormal tail; it is far above any context length.
constexpr double kMaxDrawTokens = 1e12;

}  // namespace

Result<LengthTable> ParseLengths(std::string_view text, const std::string& name) {
  auto doc = SplitCsv(text, name, {kLengthsHeader, kTraceHeader, kPrefixTraceHeader});
  if (!doc.ok()) return doc.status();
  const size_t first = doc->header == 0 ? 0 : 1;  // traces have arrival_s first
  LengthTable table;
  ErrorList errors(name);
  for (const CsvRecord& record : doc->records) {
    const auto input = ReadTokenCount(record.cells[first], record.line, "input_tokens", &errors);
    const auto output =
        ReadTokenCount(record.cells[first + 1], record.line, "output_tokens", &errors);
    if (!input || !output) continue;
    if (*input == 0 || *output == 0) {  // left out as in traces (see ParseTrace)
      table.skipped.Add(record.line);
      continue;
    }
    table.pairs.push_back({.input_tokens = *input, .output_tokens = *output});
  }
  if (!errors.empty()) return errors.ToStatus();
  return table;
}

Result<LengthTable> ReadLengths(const std::string& path) {
  auto text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  return ParseLengths(*text, path);
}

Result<TokenDistribution> TokenDistribution::Fixed(int64_t tokens) {
  if (tokens < 1) return Status::InvalidArgument(fmt::format("{} tokens: must be >= 1", tokens));
  return TokenDistribution(Family::kFixed, static_cast<double>(tokens), 0);
}

Result<TokenDistribution> TokenDistribution::Uniform(int64_t min_tokens, int64_t max_tokens) {
  if (min_tokens < 1 || max_tokens < min_tokens) {
    return Status::InvalidArgument(
        fmt::format("min {} and max {}: need 1 <= min <= max", min_tokens, max_tokens));
  }
  return TokenDistribution(Family::kUniform, static_cast<double>(min_tokens),
                           static_cast<double>(max_tokens));
}

Result<TokenDistribution> TokenDistribution::Lognormal(double p50_tokens, double p90_tokens) {
  if (!(p50_tokens > 0 && p90_tokens >= p50_tokens)) {
    return Status::InvalidArgument(
        fmt::format("p50 {} and p90 {}: need 0 < p50 <= p90", p50_tokens, p90_tokens));
  }
  return TokenDistribution(Family::kLognormal, std::log(p50_tokens),
                           std::log(p90_tokens / p50_tokens) / kZ90);
}

Result<TokenDistribution> TokenDistribution::Exponential(double mean_tokens) {
  if (!(mean_tokens > 0)) {
    return Status::InvalidArgument(fmt::format("mean {}: must be > 0", mean_tokens));
  }
  return TokenDistribution(Family::kExponential, mean_tokens, 0);
}

int64_t TokenDistribution::Draw(Rng& rng) const {
  double x = a_;
  switch (family_) {
    case Family::kFixed:
      break;
    case Family::kUniform:
      x = a_ + static_cast<double>(rng.Index(static_cast<uint64_t>(b_ - a_) + 1));
      break;
    case Family::kLognormal:
      x = std::exp(a_ + b_ * rng.Normal());
      break;
    case Family::kExponential:
      x = rng.Exponential(a_);
      break;
  }
  return std::llround(std::clamp(x, 1.0, kMaxDrawTokens));
}

LengthSampler::LengthSampler(TokenDistribution input, TokenDistribution output)
    : model_(Independent{.input = input, .output = output}) {}

Result<LengthSampler> LengthSampler::Empirical(std::vector<LengthPair> pairs) {
  if (pairs.empty()) return Status::InvalidArgument("an empty length table");
  return LengthSampler(std::move(pairs));
}

LengthPair LengthSampler::Sample(Rng& rng) const {
  if (const auto* table = std::get_if<std::vector<LengthPair>>(&model_)) {
    return (*table)[rng.Index(table->size())];
  }
  const auto& independent = std::get<Independent>(model_);
  const int64_t input = independent.input.Draw(rng);
  return {.input_tokens = input, .output_tokens = independent.output.Draw(rng)};
}

}  // namespace pertoken::workload
