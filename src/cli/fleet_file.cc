#include "cli/fleet_file.h"

#include <fmt/format.h>

#include <filesystem>

#include "catalog/toml_reader.h"
#include "cli/spec_decode.h"
#include "common/names.h"

namespace pertoken::cli {

namespace {

using catalog::Bound;
using catalog::FieldReader;

std::string JoinLines(const catalog::ErrorList& errors) {
  std::string out;
  for (const std::string& e : errors) out += (out.empty() ? "" : "\n") + e;
  return out;
}

// An optional integer in [1, max].
std::optional<int64_t> CountIn(FieldReader& r, std::string_view key, int64_t max) {
  auto v = r.OptInt(key, Bound::kPositive);
  if (v && *v > max) {
    r.Error(key, fmt::format("{} is out of range: expected 1 to {}", *v, max));
    return std::nullopt;
  }
  return v;
}

std::optional<int> SmallCount(FieldReader& r, std::string_view key) {
  auto v = CountIn(r, key, kMaxAccelerators);
  return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
}

// "on"/"off" from a boolean key, "" when absent (the engine's default).
std::string OnOff(FieldReader& r, std::string_view key) {
  if (!r.Has(key)) return "";
  return r.OptBool(key, false) ? "on" : "off";
}

// Records `found` at `key` when it is an error (a catalog lookup, a spec that does not parse).
void ErrorAt(FieldReader& r, std::string_view key, const Status& found) {
  if (!found.ok()) r.Error(key, found.message());
}

void ReadDeployment(const catalog::Catalog& cat, FieldReader& r, FitOptions* d) {
  d->model = r.ReqString("model");
  if (!d->model.empty()) ErrorAt(r, "model", cat.FindModel(d->model).status());
  d->accelerator = r.ReqString("accelerator");
  if (!d->accelerator.empty()) {
    ErrorAt(r, "accelerator", cat.FindAccelerator(d->accelerator).status());
  }
  d->engine = r.OptString("engine").value_or(d->engine);
  auto engine = cat.FindEngine(d->engine);
  ErrorAt(r, "engine", engine.status());
  d->engine_flags = r.OptString("engine_flags").value_or("");
  if (engine.ok() && !d->engine_flags.empty()) {
    ErrorAt(r, "engine_flags", cat.EngineWithFlags(**engine, d->engine_flags).status());
  }
  d->weights = r.OptString("weights").value_or("");
  if (!d->weights.empty()) ErrorAt(r, "weights", cat.FindPrecision(d->weights, false).status());
  d->kv = r.OptString("kv").value_or(d->kv);
  ErrorAt(r, "kv", cat.FindPrecision(d->kv, true).status());
  d->count = SmallCount(r, "count");
  d->tp = SmallCount(r, "tp");
  d->pp = SmallCount(r, "pp");
  d->ep = SmallCount(r, "ep");
}

// A group's tier: an index, or a name of the file's [tiers.NAME] tables.
int ReadTier(FieldReader& r, const std::vector<std::string>& names) {
  if (!r.IsString("tier")) {
    // Beyond kMaxReplicas a tier could have no replica anyway.
    const int64_t tier = r.OptInt("tier", Bound::kNonNegative).value_or(0);
    if (tier <= kMaxReplicas) return static_cast<int>(tier);
    r.Error("tier", fmt::format("{} is out of range: expected 0 to {}", tier, kMaxReplicas));
    return 0;
  }
  const std::string name = r.OptString("tier").value_or("");
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<int>(i);
  }
  if (names.empty()) {
    r.Error("tier", fmt::format("'{}' names no tier: name tiers with [tiers.NAME] tables, or give "
                                "the index of a share in `tiers`",
                                name));
    return 0;
  }
  std::vector<NamedId> candidates;
  for (const std::string& n : names) candidates.push_back({n, n});
  r.Error("tier",
          fmt::format("unknown tier '{}'{}", name, DidYouMean(ClosestIds(name, candidates))));
  return 0;
}

ReplicaGroupOptions ReadGroup(const catalog::Catalog& cat, FieldReader& r,
                              const std::vector<std::string>& tier_names) {
  ReplicaGroupOptions g;
  g.where = fmt::format("{}:{}: {}", r.file(), r.line(), r.path());
  ReadDeployment(cat, r, &g.deployment);
  if (auto n = CountIn(r, "replicas", kMaxReplicas)) g.replicas = static_cast<int>(*n);
  if (r.Has("role")) g.role = r.ReqEnum("role", {"unified", "prefill", "decode"});
  g.tier = ReadTier(r, tier_names);
  if (r.Has("batching")) g.batching = r.ReqEnum("batching", {"continuous", "static"});
  g.max_num_seqs = CountIn(r, "max_num_seqs", kMaxStepTokens);
  g.max_batched_tokens = CountIn(r, "max_batched_tokens", kMaxStepTokens);
  g.chunked_prefill = OnOff(r, "chunked_prefill");
  g.prefix_caching = OnOff(r, "prefix_caching");
  if (r.Has("preemption")) g.preemption = r.ReqEnum("preemption", {"recompute", "swap"});
  g.spec_decode = r.OptString("spec_decode").value_or("");
  if (!g.spec_decode.empty()) {
    ErrorAt(r, "spec_decode", ParseSpecDecode(cat, g.spec_decode).status());
  }
  r.CheckUnknownKeys();
  return g;
}

// `tiers = [0.7, 0.3]`, or one [tiers.NAME] table with a `share` per tier, in file order.
void ReadTiers(FieldReader& root, FleetOptions* f) {
  if (!root.Has("tiers")) return;
  if (!root.IsTable("tiers")) {
    f->tier_shares = root.NumberArray("tiers", Bound::kNonNegative);
    return;
  }
  FieldReader tiers = *root.Table("tiers", true);
  for (const std::string& name : tiers.Keys()) {
    auto t = tiers.Table(name, true);
    if (!t) continue;
    f->tier_names.push_back(name);
    f->tier_shares.push_back(t->ReqNumber("share", Bound::kNonNegative));
    t->CheckUnknownKeys();
  }
}

}  // namespace

Result<FleetOptions> ReadFleetFile(const catalog::Catalog& cat, const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::IoError(fmt::format("--fleet {}: no such file", path));
  }
  catalog::ErrorList errors;
  auto file = catalog::TomlFile::Parse(path, &errors);
  if (!file) return Status::ParseError(JoinLines(errors));
  FieldReader root = file->Root(&errors);
  FleetOptions f;
  f.file = path;
  if (root.Has("routing"))
    f.routing = root.ReqEnum("routing", {"least-outstanding", "round-robin", "prefix-affinity"});
  if (auto gb_per_s = root.OptNumber("kv_transfer_gb_per_s", Bound::kPositive)) {
    f.kv_transfer_bytes_per_s = *gb_per_s * kBytesPerGB;
  }
  ReadTiers(root, &f);
  for (FieldReader& g : root.TableArray("group", true)) {
    f.groups.push_back(ReadGroup(cat, g, f.tier_names));
  }
  root.CheckUnknownKeys();
  if (!errors.empty()) return Status::ParseError(JoinLines(errors));
  return f;
}

}  // namespace pertoken::cli
