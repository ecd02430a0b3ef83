#include "workload/spec.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <vector>

#include "common/names.h"

namespace pertoken::workload {

namespace {

// A kind of spec and the keys its parameters may have.
struct Kind {
  std::string_view name;
  std::vector<std::string_view> required;
  std::vector<std::string_view> optional = {};
};

const std::vector<Kind>& ArrivalKinds() {
  static const std::vector<Kind> kinds = {
      {.name = "poisson", .required = {"rate"}, .optional = {"diurnal", "start_h"}},
      {.name = "gamma", .required = {"rate", "cv"}, .optional = {"diurnal", "start_h"}},
  };
  return kinds;
}

const std::vector<Kind>& LengthKinds() {
  static const std::vector<Kind> kinds = {
      {.name = "file", .required = {}},  // the rest of the spec is a path, not parameters
      {.name = "fixed", .required = {"in", "out"}},
      {.name = "uniform", .required = {"in_min", "in_max", "out_min", "out_max"}},
      {.name = "lognormal", .required = {"in_p50", "in_p90", "out_p50", "out_p90"}},
      {.name = "exponential", .required = {"in_mean", "out_mean"}},
  };
  return kinds;
}

// "; did you mean x?" for the closest of `names`, else " (expected one of a, b, c)".
std::string Suggest(std::string_view wrong, const std::vector<std::string_view>& names) {
  std::vector<NamedId> candidates;
  for (std::string_view n : names) candidates.push_back({std::string(n), std::string(n)});
  const std::string hint = DidYouMean(ClosestIds(wrong, candidates, 1));
  return hint.empty() ? fmt::format(" (expected one of {})", fmt::join(names, ", ")) : hint;
}

Result<const Kind*> FindKind(std::string_view name, const std::vector<Kind>& kinds,
                             std::string_view flag) {
  std::vector<std::string_view> names;
  for (const Kind& k : kinds) {
    if (k.name == name) return &k;
    names.push_back(k.name);
  }
  return Status::InvalidArgument(
      fmt::format("{}: unknown kind '{}'{}", flag, name, Suggest(name, names)));
}

// The key=value parameters of one spec, checked against its kind. Every problem is recorded, and
// ToStatus() reports them all in one message that starts with `context` ("--arrivals gamma").
class Params {
 public:
  Params(std::string_view text, const Kind& kind, std::string context)
      : context_(std::move(context)) {
    std::vector<std::string_view> keys = kind.required;
    keys.insert(keys.end(), kind.optional.begin(), kind.optional.end());
    for (size_t start = 0; start <= text.size() && !text.empty();) {
      size_t end = text.find(',', start);
      if (end == std::string_view::npos) end = text.size();
      Add(text.substr(start, end - start), keys);
      start = end + 1;
    }
    for (std::string_view key : kind.required) {
      if (!Has(key)) Fail(fmt::format("missing key '{}'", key));
    }
  }

  bool Has(std::string_view key) const { return values_.find(key) != values_.end(); }
  // The value of `key`, "" when absent.
  std::string Text(std::string_view key) const {
    const auto it = values_.find(key);
    return it == values_.end() ? "" : it->second;
  }
  // A finite number > 0; records a problem and returns 0 otherwise.
  double Positive(std::string_view key) {
    const std::optional<double> v = ParseNumber(Text(key));
    if (v && *v > 0) return *v;
    if (Has(key)) Fail(fmt::format("{} must be a number > 0, not '{}'", key, Text(key)));
    return 0;
  }
  // A finite number (range checks are the caller's); records a problem and returns 0 otherwise.
  double Number(std::string_view key) {
    const std::optional<double> v = ParseNumber(Text(key));
    if (v) return *v;
    if (Has(key)) Fail(fmt::format("{} must be a number, not '{}'", key, Text(key)));
    return 0;
  }
  // A token count, an integer >= 1; records a problem and returns 0 otherwise.
  int64_t Tokens(std::string_view key) {
    const std::optional<int64_t> v = ParseInteger(Text(key));
    if (v && *v >= 1) return *v;
    if (Has(key)) Fail(fmt::format("{} must be an integer >= 1, not '{}'", key, Text(key)));
    return 0;
  }

  void Fail(std::string problem) { problems_.push_back(std::move(problem)); }
  bool ok() const { return problems_.empty(); }
  Status ToStatus() const {
    return Status::InvalidArgument(fmt::format("{}: {}", context_, fmt::join(problems_, "; ")));
  }
  const std::string& context() const { return context_; }

 private:
  void Add(std::string_view item, const std::vector<std::string_view>& keys) {
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      Fail(fmt::format("'{}' is not key=value", item));
      return;
    }
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      Fail(fmt::format("unknown key '{}'{}", key, Suggest(key, keys)));
    } else if (Has(key)) {
      Fail(fmt::format("key '{}' given twice", key));
    } else {
      values_.emplace(std::string(key), std::string(value));
    }
  }

  std::string context_;
  std::map<std::string, std::string, std::less<>> values_;
  std::vector<std::string> problems_;
};

// Splits "kind:rest" (no ':' = no rest).
std::pair<std::string_view, std::string_view> SplitKind(std::string_view spec) {
  const size_t colon = spec.find(':');
  if (colon == std::string_view::npos) return {spec, {}};
  return {spec.substr(0, colon), spec.substr(colon + 1)};
}

Result<LengthSpec> FromFile(std::string_view path, std::string_view flag) {
  if (path.empty()) return Status::InvalidArgument(fmt::format("{} file: needs a path", flag));
  auto read = ReadLengths(std::string(path));
  if (!read.ok()) return read.status();
  LengthTable table = std::move(read).value();
  auto sampler = LengthSampler::Empirical(std::move(table.pairs));
  if (!sampler.ok()) {
    return Status::InvalidArgument(
        fmt::format("{} file: {} has no row with input and output tokens", flag, path));
  }
  return LengthSpec{.sampler = std::move(sampler).value(), .skipped = table.skipped};
}

// Pairs the distributions of the two fields, naming the field in a problem.
Result<LengthSpec> Independent(const Result<TokenDistribution>& input,
                               const Result<TokenDistribution>& output, Params& params) {
  if (!input.ok()) params.Fail("in: " + input.status().message());
  if (!output.ok()) params.Fail("out: " + output.status().message());
  if (!params.ok()) return params.ToStatus();
  return LengthSpec{.sampler = LengthSampler(*input, *output)};
}

}  // namespace

Result<ArrivalProcess> ParseArrivalSpec(std::string_view spec, std::string_view flag) {
  const auto [kind_name, rest] = SplitKind(spec);
  auto kind = FindKind(kind_name, ArrivalKinds(), flag);
  if (!kind.ok()) return kind.status();
  Params params(rest, **kind, fmt::format("{} {}", flag, kind_name));
  ArrivalProcess process;
  process.rate_per_s = params.Positive("rate");
  if (params.Has("cv")) process.cv = params.Positive("cv");
  const double start_h = params.Number("start_h");
  if (params.Has("start_h") && !params.Has("diurnal")) {
    params.Fail("start_h sets the time of day of a diurnal curve, and there is none");
  }
  if (!params.ok()) return params.ToStatus();
  if (!params.Has("diurnal")) return process;
  auto points = ReadRatePoints(params.Text("diurnal"));
  if (!points.ok()) return points.status();
  auto curve = RateCurve::Make(*points, start_h);
  if (!curve.ok()) {
    return Status::InvalidArgument(fmt::format("{}: diurnal {}: {}", params.context(),
                                               params.Text("diurnal"), curve.status().message()));
  }
  process.curve = std::move(curve).value();
  return process;
}

Result<LengthSpec> ParseLengthSpec(std::string_view spec, std::string_view flag) {
  const auto [kind_name, rest] = SplitKind(spec);
  auto kind = FindKind(kind_name, LengthKinds(), flag);
  if (!kind.ok()) return kind.status();
  if (kind_name == "file") return FromFile(rest, flag);
  Params p(rest, **kind, fmt::format("{} {}", flag, kind_name));
  if (kind_name == "fixed") {
    const int64_t in = p.Tokens("in");
    const int64_t out = p.Tokens("out");
    if (!p.ok()) return p.ToStatus();
    return Independent(TokenDistribution::Fixed(in), TokenDistribution::Fixed(out), p);
  }
  if (kind_name == "uniform") {
    const int64_t in_min = p.Tokens("in_min"), in_max = p.Tokens("in_max");
    const int64_t out_min = p.Tokens("out_min"), out_max = p.Tokens("out_max");
    if (!p.ok()) return p.ToStatus();
    return Independent(TokenDistribution::Uniform(in_min, in_max),
                       TokenDistribution::Uniform(out_min, out_max), p);
  }
  if (kind_name == "lognormal") {
    const double in_p50 = p.Positive("in_p50"), in_p90 = p.Positive("in_p90");
    const double out_p50 = p.Positive("out_p50"), out_p90 = p.Positive("out_p90");
    if (!p.ok()) return p.ToStatus();
    return Independent(TokenDistribution::Lognormal(in_p50, in_p90),
                       TokenDistribution::Lognormal(out_p50, out_p90), p);
  }
  const double in_mean = p.Positive("in_mean");  // exponential, the last kind
  const double out_mean = p.Positive("out_mean");
  if (!p.ok()) return p.ToStatus();
  return Independent(TokenDistribution::Exponential(in_mean),
                     TokenDistribution::Exponential(out_mean), p);
}

}  // namespace pertoken::workload
