// Request-length models: the (input, output) token counts a synthetic stream gives its requests.
// Either pairs drawn jointly from a table (a lengths file or a trace, keeping the correlation
// between prompt and answer lengths), or two independent parametric distributions of one family.
// Immutable once built; Sample() only reads it, so threads may share one with their own Rng.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/status.h"
#include "workload/csv_text.h"
#include "workload/random.h"

namespace pertoken::workload {

struct LengthPair {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;

  bool operator==(const LengthPair&) const = default;
};

struct LengthTable {
  std::vector<LengthPair> pairs;  // in file order
  SkippedRows skipped;            // rows with 0 input or 0 output tokens, not in `pairs`
};

// Parses a lengths CSV (`input_tokens,output_tokens`) or a trace CSV (doc/formats/trace.md; its
// token columns are used, the rest is checked only for shape), naming it `name` in messages.
// ParseError listing every bad row as "name:line: column: message". Rows with 0 input or 0 output
// tokens are left out and counted, as in traces.
Result<LengthTable> ParseLengths(std::string_view text, const std::string& name);

// Reads and parses the file at `path`. IoError when it cannot be read; else as ParseLengths.
Result<LengthTable> ReadLengths(const std::string& path);

// A distribution of one token count. Draws are rounded to the nearest integer and kept >= 1.
class TokenDistribution {
 public:
  // Always `tokens`. InvalidArgument unless tokens >= 1.
  static Result<TokenDistribution> Fixed(int64_t tokens);
  // Uniform over the integers min..max, both included. InvalidArgument unless 1 <= min <= max.
  static Result<TokenDistribution> Uniform(int64_t min_tokens, int64_t max_tokens);
  // Lognormal with median p50 and 90th percentile p90: ln(x) ~ Normal(ln p50, sigma) with
  // sigma = ln(p90 / p50) / z(0.9). InvalidArgument unless 0 < p50 <= p90 (equal: always p50).
  static Result<TokenDistribution> Lognormal(double p50_tokens, double p90_tokens);
  // Exponential with mean `mean` (before rounding). InvalidArgument unless mean > 0.
  static Result<TokenDistribution> Exponential(double mean_tokens);

  int64_t Draw(Rng& rng) const;

 private:
  enum class Family { kFixed, kUniform, kLognormal, kExponential };
  TokenDistribution(Family family, double a, double b) : family_(family), a_(a), b_(b) {}

  Family family_;
  double a_;  // fixed: tokens; uniform: min; lognormal: ln(p50); exponential: mean
  double b_;  // uniform: max; lognormal: sigma; otherwise unused
};

class LengthSampler {
 public:
  // Input and output drawn independently from their own distributions.
  LengthSampler(TokenDistribution input, TokenDistribution output);
  // Pairs drawn uniformly from `pairs`, with replacement. InvalidArgument when `pairs` is empty.
  static Result<LengthSampler> Empirical(std::vector<LengthPair> pairs);

  // One (input, output) pair: one Rng::Index draw for a table, else the input's draws then the
  // output's.
  LengthPair Sample(Rng& rng) const;

 private:
  struct Independent {
    TokenDistribution input;
    TokenDistribution output;
  };
  explicit LengthSampler(std::vector<LengthPair> pairs) : model_(std::move(pairs)) {}

  std::variant<Independent, std::vector<LengthPair>> model_;
};

}  // namespace pertoken::workload
