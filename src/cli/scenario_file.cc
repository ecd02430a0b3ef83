#include "cli/scenario_file.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <optional>
#include <string_view>
#include <variant>

#include "catalog/toml_reader.h"
#include "cli/spec_decode.h"
#include "common/names.h"
#include "econ/ways_to_pay.h"

namespace pertoken::cli {

namespace {

using catalog::Bound;
using catalog::FieldReader;
using S = ScenarioSettings;

// A knob's field in the settings, by its type.
template <typename T>
using FieldOf = T* (*)(S&);
using Field = std::variant<FieldOf<std::string>, FieldOf<int>, FieldOf<std::optional<int>>,
                           FieldOf<std::optional<int64_t>>, FieldOf<std::optional<double>>,
                           FieldOf<double>, FieldOf<std::vector<std::string>>>;

// What a string knob's value must be, beyond a string: OK or the reason it is not.
using Check = Status (*)(const catalog::Catalog&, const std::string&);

constexpr Bound kZeroOk = Bound::kNonNegative;

struct Knob {
  std::string_view key;
  Field field;
  Bound bound = Bound::kPositive;  // numbers and integers (zero allowed: kZeroOk)
  Check check = nullptr;           // strings, and each string of an array
  bool integer_or_string = false;  // a string field that also takes an integer (concurrency)
};

Status CheckModel(const catalog::Catalog& c, const std::string& v) {
  return c.FindModel(v).status();
}
Status CheckAccelerator(const catalog::Catalog& c, const std::string& v) {
  return c.FindAccelerator(v).status();
}
Status CheckEngine(const catalog::Catalog& c, const std::string& v) {
  return c.FindEngine(v).status();
}
Status CheckWeights(const catalog::Catalog& c, const std::string& v) {
  return c.FindPrecision(v, false).status();
}
Status CheckKv(const catalog::Catalog& c, const std::string& v) {
  return c.FindPrecision(v, true).status();
}
Status CheckSpecDecode(const catalog::Catalog& c, const std::string& v) {
  return ParseSpecDecode(c, v).status();
}
Status CheckOwnership(const catalog::Catalog& c, const std::string& v) {
  return c.FindOwnership(v).status();
}
Status CheckDatacenter(const catalog::Catalog& c, const std::string& v) {
  return c.FindDatacenter(v).status();
}

// `ids` with their own names as candidates, for a did-you-mean.
template <typename List>
std::vector<NamedId> IdsOf(const List& lists) {
  std::vector<NamedId> ids;
  for (const auto& l : lists) ids.push_back({l.id, l.id});
  return ids;
}

Status CheckProvider(const catalog::Catalog& c, const std::string& v) {
  const auto& lists = c.prices();
  if (std::any_of(lists.begin(), lists.end(), [&](const auto& l) { return l.id == v; })) {
    return Status();
  }
  return Status::InvalidArgument(
      fmt::format("unknown provider '{}'{} (see `pertoken catalog list "
                  "prices`)",
                  v, DidYouMean(ClosestIds(v, IdsOf(lists)))));
}

Status OneOf(const std::string& v, const std::vector<std::string_view>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), v) != allowed.end()) return Status();
  return Status::InvalidArgument(
      fmt::format("'{}' is not one of: {}", v, fmt::join(allowed, ", ")));
}

Status CheckBatching(const catalog::Catalog&, const std::string& v) {
  return OneOf(v, {"continuous", "static"});
}

Status CheckArchitecture(const catalog::Catalog&, const std::string& v) {
  return OneOf(v, {"centralised", "edge", "hybrid"});
}

Status CheckSloStatistic(const catalog::Catalog&, const std::string& v) {
  return OneOf(v, {"mean", "p99"});
}

Status CheckSizing(const catalog::Catalog&, const std::string& v) {
  return OneOf(v, {"simulate", "queueing"});
}

Status CheckConcurrency(const catalog::Catalog&, const std::string& v) {
  if (v == "max") return Status();
  return Status::InvalidArgument(
      fmt::format("'{}': expected an integer of at least 1 or \"max\"", v));
}

constexpr std::string_view kApiPrefix = "api:";

Status CheckPricing(const catalog::Catalog& c, const std::string& v) {
  if (v.starts_with(kApiPrefix)) {
    const std::string id = v.substr(kApiPrefix.size());
    const auto& lists = c.api_prices();
    if (std::any_of(lists.begin(), lists.end(), [&](const auto& l) { return l.id == id; })) {
      return Status();
    }
    return Status::InvalidArgument(
        fmt::format("unknown API provider '{}'{} (see `pertoken catalog list api-prices`)", id,
                    DidYouMean(ClosestIds(id, IdsOf(lists)))));
  }
  // The cloud pricings are the cost engine's, so a pricing it learns is one here too.
  std::vector<std::string_view> allowed = {"cheapest", "cheapest-self-hosted"};
  for (const std::string& p : econ::CloudPricings()) allowed.push_back(p);
  for (std::string_view p : {"owned", "given", "api:<provider id>"}) allowed.push_back(p);
  return OneOf(v, allowed);
}

// Every knob a scenario table may set: its key (the snake_case name of the `pertoken cost` flag)
// and the field it sets. A new knob of the cost command is one line here and one row in
// doc/formats/scenario.md.
const Knob kKnobs[] = {
    {"model", [](S& s) { return &s.cost.deployment.model; }, {}, CheckModel},
    {"accelerator", [](S& s) { return &s.cost.deployment.accelerator; }, {}, CheckAccelerator},
    {"count", [](S& s) { return &s.cost.deployment.count; }},
    {"tp", [](S& s) { return &s.cost.deployment.tp; }},
    {"pp", [](S& s) { return &s.cost.deployment.pp; }},
    {"ep", [](S& s) { return &s.cost.deployment.ep; }},
    {"weights", [](S& s) { return &s.cost.deployment.weights; }, {}, CheckWeights},
    {"kv", [](S& s) { return &s.cost.deployment.kv; }, {}, CheckKv},
    {"engine", [](S& s) { return &s.cost.deployment.engine; }, {}, CheckEngine},
    {"engine_flags", [](S& s) { return &s.cost.deployment.engine_flags; }},
    {"input_len", [](S& s) { return &s.cost.input_tokens; }},
    {"output_len", [](S& s) { return &s.cost.output_tokens; }},
    {"concurrency", [](S& s) { return &s.cost.concurrency; }, {}, CheckConcurrency, true},
    {"batching", [](S& s) { return &s.cost.batching; }, {}, CheckBatching},
    {"spec_decode", [](S& s) { return &s.cost.spec_decode; }, {}, CheckSpecDecode},
    {"slo_ttft", [](S& s) { return &s.cost.slo_ttft_s; }},
    {"slo_tpot", [](S& s) { return &s.cost.slo_tpot_s; }},
    {"sizing", [](S& s) { return &s.cost.sizing; }, {}, CheckSizing},
    {"slo_statistic", [](S& s) { return &s.cost.slo_statistic; }, {}, CheckSloStatistic},
    {"output_tokens_per_s", [](S& s) { return &s.cost.output_tokens_per_s; }},
    {"output_tokens_per_day", [](S& s) { return &s.cost.output_tokens_per_day; }},
    {"input_tokens_per_day", [](S& s) { return &s.cost.input_tokens_per_day; }, kZeroOk},
    {"requests_per_day", [](S& s) { return &s.cost.requests_per_day; }},
    {"peak_to_mean", [](S& s) { return &s.cost.peak_to_mean; }},
    {"cached_input_share", [](S& s) { return &s.cost.cached_input_share; }, kZeroOk},
    {"architecture", [](S& s) { return &s.cost.architecture; }, {}, CheckArchitecture},
    {"regions", [](S& s) { return &s.cost.regions; }},
    {"network_rtt", [](S& s) { return &s.cost.network_rtt_s; }, kZeroOk},
    {"tier_model", [](S& s) { return &s.cost.tier_model; }, {}, CheckModel},
    {"tier_share", [](S& s) { return &s.cost.tier_share; }, kZeroOk},
    {"tier_accelerator", [](S& s) { return &s.cost.tier_accelerator; }, {}, CheckAccelerator},
    {"tier_count", [](S& s) { return &s.cost.tier_count; }},
    {"tier_weights", [](S& s) { return &s.cost.tier_weights; }, {}, CheckWeights},
    {"spot_reserve", [](S& s) { return &s.cost.spot_reserve_replicas; }, kZeroOk},
    {"as_of", [](S& s) { return &s.cost.as_of; }},
    {"providers", [](S& s) { return &s.cost.providers; }, {}, CheckProvider},
    {"usd_per_hour", [](S& s) { return &s.cost.usd_per_accelerator_hour; }, kZeroOk},
    {"ownership", [](S& s) { return &s.cost.ownership; }, {}, CheckOwnership},
    {"datacenter", [](S& s) { return &s.cost.datacenter; }, {}, CheckDatacenter},
    {"pue", [](S& s) { return &s.cost.pue; }},
    {"usd_per_kwh", [](S& s) { return &s.cost.usd_per_kwh; }, kZeroOk},
    {"capex_usd", [](S& s) { return &s.cost.capex_usd; }},
    {"amortization_years", [](S& s) { return &s.cost.amortization_years; }},
    {"cost_of_capital", [](S& s) { return &s.cost.cost_of_capital; }, kZeroOk},
    {"pricing", [](S& s) { return &s.pricing; }, {}, CheckPricing},
};

std::string JoinLines(const catalog::ErrorList& errors) {
  std::string out;
  for (const std::string& e : errors) out += (out.empty() ? "" : "\n") + e;
  return out;
}

// A value of the right type passes `knob.check`; records the error at the key when not.
bool Checked(const catalog::Catalog& cat, FieldReader& r, const Knob& knob, const std::string& v) {
  if (!knob.check) return true;
  const Status s = knob.check(cat, v);
  if (!s.ok()) r.Error(knob.key, s.message());
  return s.ok();
}

// A non-empty string where a number belongs: an error that says how to reset the knob instead.
bool NotAString(FieldReader& r, const Knob& knob, std::string_view expected) {
  if (!r.IsString(knob.key)) return true;
  r.Skip(knob.key);
  r.Error(knob.key, fmt::format("expected {}, or \"\" for the default", expected));
  return false;
}

// Each overload reads `knob` from `r` into `out`: the value as written, or nullopt after recording
// an error (wrong type, out of range, not in the catalog).
std::optional<nlohmann::json> ReadValue(const catalog::Catalog& cat, FieldReader& r,
                                        const Knob& knob, std::string* out) {
  if (knob.integer_or_string && !r.IsString(knob.key)) {
    auto v = r.OptInt(knob.key, Bound::kPositive);
    if (!v) return std::nullopt;
    *out = std::to_string(*v);
    return *v;
  }
  auto v = r.OptString(knob.key);
  if (!v || !Checked(cat, r, knob, *v)) return std::nullopt;
  *out = *v;
  return *v;
}

std::optional<nlohmann::json> ReadValue(const catalog::Catalog&, FieldReader& r, const Knob& knob,
                                        std::optional<int>* out) {
  if (!NotAString(r, knob, "an integer")) return std::nullopt;
  auto v = r.OptInt(knob.key, knob.bound);
  if (!v) return std::nullopt;
  if (*v > kMaxAccelerators) {
    r.Error(knob.key, fmt::format("{} is out of range: expected 1 to {}", *v, kMaxAccelerators));
    return std::nullopt;
  }
  *out = static_cast<int>(*v);
  return *v;
}

std::optional<nlohmann::json> ReadValue(const catalog::Catalog& cat, FieldReader& r,
                                        const Knob& knob, int* out) {
  std::optional<int> v;
  auto read = ReadValue(cat, r, knob, &v);
  if (v) *out = *v;
  return read;
}

std::optional<nlohmann::json> ReadValue(const catalog::Catalog&, FieldReader& r, const Knob& knob,
                                        std::optional<int64_t>* out) {
  if (!NotAString(r, knob, "an integer")) return std::nullopt;
  auto v = r.OptInt(knob.key, knob.bound);
  if (v) *out = *v;
  return v ? std::optional<nlohmann::json>(*v) : std::nullopt;
}

std::optional<nlohmann::json> ReadValue(const catalog::Catalog&, FieldReader& r, const Knob& knob,
                                        std::optional<double>* out) {
  if (!NotAString(r, knob, "a number")) return std::nullopt;
  auto v = r.OptNumber(knob.key, knob.bound);
  if (v) *out = *v;
  return v ? std::optional<nlohmann::json>(*v) : std::nullopt;
}

std::optional<nlohmann::json> ReadValue(const catalog::Catalog&, FieldReader& r, const Knob& knob,
                                        double* out) {
  if (!NotAString(r, knob, "a number")) return std::nullopt;
  auto v = r.OptNumber(knob.key, knob.bound);
  if (v) *out = *v;
  return v ? std::optional<nlohmann::json>(*v) : std::nullopt;
}

std::optional<nlohmann::json> ReadValue(const catalog::Catalog& cat, FieldReader& r,
                                        const Knob& knob, std::vector<std::string>* out) {
  if (!NotAString(r, knob, "an array of strings")) return std::nullopt;
  std::vector<std::string> v = r.StringArray(knob.key, false);
  for (const std::string& item : v) {
    if (!Checked(cat, r, knob, item)) return std::nullopt;
  }
  *out = v;
  return v;
}

// Reads the knob at `key` into `s`: "" resets it to the cost command's default. The value as
// written, or nullopt after recording an error.
std::optional<nlohmann::json> ReadKnob(const catalog::Catalog& cat, FieldReader& r,
                                       const Knob& knob, S* s) {
  if (r.IsString(knob.key) && r.OptString(knob.key)->empty()) {
    S defaults;
    std::visit([&](auto field) { *field(*s) = *field(defaults); }, knob.field);
    return "";
  }
  return std::visit([&](auto field) { return ReadValue(cat, r, knob, field(*s)); }, knob.field);
}

const Knob* FindKnob(std::string_view key) {
  for (const Knob& k : kKnobs) {
    if (k.key == key) return &k;
  }
  return nullptr;
}

// Applies every knob of the scenario table `r` to `scenario`, in file order; unknown keys are
// errors with a did-you-mean.
void ReadKnobs(const catalog::Catalog& cat, FieldReader& r, Scenario* scenario) {
  std::vector<NamedId> keys;
  for (const Knob& k : kKnobs) keys.push_back({std::string(k.key), std::string(k.key)});
  for (const std::string& key : r.Keys()) {
    if (key == "name") continue;
    const Knob* knob = FindKnob(key);
    if (!knob) {
      r.Skip(key);
      r.Error(key, fmt::format("unknown knob{}", DidYouMean(ClosestIds(key, keys))));
      continue;
    }
    if (auto v = ReadKnob(cat, r, *knob, &scenario->settings)) {
      scenario->knobs.emplace_back(key, std::move(*v));
    }
  }
}

std::string WhereOf(const FieldReader& r) { return fmt::format("{}:{}", r.file(), r.line()); }

}  // namespace

std::vector<std::string> KnobKeys() {
  std::vector<std::string> keys;
  for (const Knob& k : kKnobs) keys.emplace_back(k.key);
  return keys;
}

Result<ScenarioFile> ReadScenarioFile(const catalog::Catalog& cat, const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::IoError(fmt::format("{}: no such file", path));
  }
  catalog::ErrorList errors;
  auto file = catalog::TomlFile::Parse(path, &errors);
  if (!file) return Status::ParseError(JoinLines(errors));
  FieldReader root = file->Root(&errors);
  ScenarioFile f{.file = path};
  f.title = root.ReqString("title");
  f.description = root.OptString("description").value_or("");

  Scenario base{.name = "baseline"};
  if (!root.Has("baseline")) {
    root.Skip("baseline");
    errors.push_back(
        fmt::format("{}:1: baseline: missing: a [baseline] table of the knobs every "
                    "variant starts from",
                    path));
  } else if (auto b = root.Table("baseline", true)) {
    base.where = WhereOf(*b);
    if (b->Has("name")) base.name = b->ReqString("name");
    ReadKnobs(cat, *b, &base);
  }
  f.scenarios.push_back(base);

  std::vector<FieldReader> variants = root.TableArray("variants", false);
  for (FieldReader& v : variants) {
    Scenario s{.name = v.ReqString("name"), .where = WhereOf(v), .settings = base.settings};
    for (const Scenario& other : f.scenarios) {
      if (!s.name.empty() && other.name == s.name) {
        v.Error("name",
                fmt::format("'{}' is already the name of the {} at {}", s.name,
                            &other == &f.scenarios.front() ? "baseline" : "variant", other.where));
        break;
      }
    }
    ReadKnobs(cat, v, &s);
    f.scenarios.push_back(std::move(s));
  }
  root.CheckUnknownKeys();
  if (!errors.empty()) return Status::ParseError(JoinLines(errors));
  return f;
}

}  // namespace pertoken::cli
