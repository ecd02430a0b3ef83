#include "catalog/catalog.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "catalog/engine_settings.h"
#include "catalog/loaders.h"
#include "catalog/toml_reader.h"
#include "common/names.h"
#include "common/version.h"

namespace pertoken::catalog {

namespace fs = std::filesystem;

std::string_view KindFolder(Kind kind) {
  switch (kind) {
    case Kind::kAccelerator:
      return "accelerators";
    case Kind::kModel:
      return "models";
    case Kind::kQuantization:
      return "quantization";
    case Kind::kEngine:
      return "engines";
    case Kind::kPrice:
      return "prices";
    case Kind::kApiPrice:
      return "api-prices";
    case Kind::kEfficiency:
      return "efficiency";
    case Kind::kAccuracy:
      return "accuracy";
    case Kind::kDatacenter:
      return "datacenters";
    case Kind::kOwnership:
      return "ownership";
    case Kind::kWorkload:
      return "workloads";
  }
  return "";
}

std::string_view KindNoun(Kind kind) {
  switch (kind) {
    case Kind::kAccelerator:
      return "accelerator";
    case Kind::kModel:
      return "model";
    case Kind::kQuantization:
      return "quantization format";
    case Kind::kEngine:
      return "engine";
    case Kind::kPrice:
      return "price list";
    case Kind::kApiPrice:
      return "API price list";
    case Kind::kEfficiency:
      return "op-efficiency profile";
    case Kind::kAccuracy:
      return "accuracy profile";
    case Kind::kDatacenter:
      return "data-centre profile";
    case Kind::kOwnership:
      return "ownership profile";
    case Kind::kWorkload:
      return "benchmark workload";
  }
  return "";
}

const std::vector<Kind>& AllKinds() {
  static const std::vector<Kind> kinds = {Kind::kAccelerator, Kind::kModel,    Kind::kQuantization,
                                          Kind::kEngine,      Kind::kPrice,    Kind::kApiPrice,
                                          Kind::kEfficiency,  Kind::kAccuracy, Kind::kDatacenter,
                                          Kind::kOwnership,   Kind::kWorkload};
  return kinds;
}

namespace {

// Loads every file of one kind into `out` with `read`, appending problems to `errors`.
template <typename T, typename ReadFn>
void LoadKind(const fs::path& dir, ReadFn read, std::vector<T>* out, ErrorList* errors,
              bool required = true) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (required) errors->push_back(fmt::format("{}: catalog folder is missing", dir.string()));
    return;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".toml")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    const size_t before = errors->size();
    auto file = TomlFile::Parse(path.string(), errors);
    if (!file) continue;
    FieldReader root = file->Root(errors);
    T record;
    ReadEntity(root, path.stem().string(), &record);
    read(root, &record);
    root.CheckUnknownKeys();
    record.provenance.file = path.string();
    record.provenance.fields = file->Records();
    for (size_t i = 0; i < record.provenance.alternatives.size(); ++i) {
      for (const auto& f : record.provenance.fields) {
        if (f.path == fmt::format("alternatives[{}].value", i)) {
          record.provenance.alternatives[i].value_text = f.value_text;
        }
      }
    }
    if (errors->size() == before) out->push_back(std::move(record));
  }
}

int LineOf(const Provenance& prov, std::string_view path) {
  for (const auto& f : prov.fields) {
    if (f.path == path || f.path.rfind(std::string(path) + ".", 0) == 0) return f.line;
  }
  return 1;
}

std::string At(const Entity& e, std::string_view path) {
  return fmt::format("{}:{}: {}", e.provenance.file, LineOf(e.provenance, path), path);
}

// Checks that [field_sources] names fields that exist in the file. ([[alternatives]] may name a
// field the file leaves unset: a conflict no source settles.)
void CheckProvenancePaths(const Entity& e, ErrorList* errors) {
  auto exists = [&](const std::string& path) {
    return std::any_of(e.provenance.fields.begin(), e.provenance.fields.end(), [&](const auto& f) {
      return f.path == path || f.path.rfind(path + ".", 0) == 0 || f.path.rfind(path + "[", 0) == 0;
    });
  };
  for (const auto& [path, src] : e.provenance.field_sources) {
    if (!exists(path)) {
      errors->push_back(fmt::format("{}: field_sources names '{}', which the file does not set",
                                    At(e, "field_sources"), path));
    }
  }
}

template <typename T>
std::vector<NamedId> Names(const std::vector<T>& items) {
  std::vector<NamedId> names;
  for (const auto& item : items) {
    names.push_back({item.id, item.id});
    for (const auto& a : item.aliases) names.push_back({a, item.id});
  }
  return names;
}

// No two entities of one kind may answer to the same normalised name.
template <typename T>
void CheckUniqueNames(const std::vector<T>& items, ErrorList* errors) {
  std::map<std::string, const T*> owner;
  for (const auto& item : items) {
    std::set<std::string> own;
    own.insert(NormalizeName(item.id));
    for (const auto& a : item.aliases) own.insert(NormalizeName(a));
    for (const auto& n : own) {
      auto [it, inserted] = owner.emplace(n, &item);
      if (!inserted) {
        errors->push_back(fmt::format("{}: name '{}' is also used by {}", At(item, "aliases"), n,
                                      it->second->provenance.file));
      }
    }
  }
}

template <typename T>
const T* Lookup(const std::vector<T>& items, std::string_view name) {
  const std::string n = NormalizeName(name);
  for (const auto& item : items) {
    if (NormalizeName(item.id) == n) return &item;
  }
  for (const auto& item : items) {
    for (const auto& a : item.aliases) {
      if (NormalizeName(a) == n) return &item;
    }
  }
  return nullptr;
}

template <typename T>
Result<const T*> Find(const std::vector<T>& items, std::string_view name, std::string_view noun) {
  if (const T* found = Lookup(items, name)) return found;
  return Status::NotFound(
      fmt::format("unknown {} '{}'{}", noun, name, DidYouMean(ClosestIds(name, Names(items)))));
}

// Exactly one entity of a kind with defaults says `default = true`.
template <typename T>
void CheckOneDefault(const std::vector<T>& items, std::string_view folder, std::string_view noun,
                     const std::string& data_dir, ErrorList* errors) {
  std::vector<std::string> defaults;
  for (const auto& item : items) {
    if (item.is_default) defaults.push_back(item.id);
  }
  if (defaults.size() != 1) {
    errors->push_back(fmt::format("{}/{}: exactly one {} needs default = true (found {}: {})",
                                  data_dir, folder, noun, defaults.size(),
                                  fmt::join(defaults, ", ")));
  }
}

void CrossCheck(const Catalog& cat, ErrorList* errors) {
  CheckUniqueNames(cat.accelerators(), errors);
  CheckUniqueNames(cat.models(), errors);
  CheckUniqueNames(cat.quant_formats(), errors);
  CheckUniqueNames(cat.engines(), errors);
  CheckUniqueNames(cat.prices(), errors);
  CheckUniqueNames(cat.api_prices(), errors);
  bool has_default = false;
  for (const auto& e : cat.efficiencies()) {
    if (e.id == "default") {
      has_default = true;
      if (e.accelerator != "*") {
        errors->push_back(
            fmt::format("{}: the default profile has accelerator = \"*\"", At(e, "accelerator")));
      }
    } else if (!Lookup(cat.accelerators(), e.accelerator) ||
               e.id != (e.framework.empty() ? e.accelerator : e.accelerator + "-" + e.framework)) {
      errors->push_back(fmt::format(
          "{}: '{}' must be the id of an accelerator, and the file's id <accelerator>-<framework>",
          At(e, "accelerator"), e.accelerator));
    }
  }
  if (!has_default) {
    errors->push_back(
        fmt::format("{}/efficiency/default.toml: missing (op efficiencies for "
                    "accelerators without their own file)",
                    cat.data_dir()));
  }
  CheckUniqueNames(cat.datacenters(), errors);
  CheckUniqueNames(cat.ownerships(), errors);
  CheckOneDefault(cat.datacenters(), "datacenters", "data-centre profile", cat.data_dir(), errors);
  CheckOneDefault(cat.ownerships(), "ownership", "ownership profile", cat.data_dir(), errors);
  CheckUniqueNames(cat.workloads(), errors);
  for (const auto& w : cat.workloads()) {
    if (!w.model.empty() && !Lookup(cat.models(), w.model)) {
      errors->push_back(fmt::format("{}: unknown model '{}'", At(w, "model"), w.model));
    }
    for (const ReferencePrecision& p : w.reference_precisions) {
      const std::string where = At(w, "reference_precision");
      if (const Engine* e = Lookup(cat.engines(), p.engine); !e || e->id != p.engine) {
        errors->push_back(fmt::format("{}: '{}' is not an engine id", where, p.engine));
      }
      for (const std::string& a : p.accelerators) {
        const Accelerator* found = Lookup(cat.accelerators(), a);
        if (!found || found->id != a) {
          errors->push_back(fmt::format("{}: '{}' is not an accelerator id", where, a));
        }
      }
      if (!cat.FindPrecision(p.weights, false).ok()) {
        errors->push_back(fmt::format("{}: unknown weight precision '{}'", where, p.weights));
      }
      if (!cat.FindPrecision(p.kv, true).ok()) {
        errors->push_back(fmt::format("{}: unknown KV precision '{}'", where, p.kv));
      }
    }
  }
  for (const Engine& e : cat.engines()) {
    if (!e.resolves) continue;
    const Engine* newer = Lookup(cat.engines(), e.resolves->engine);
    if (!newer || newer->id != e.resolves->engine || newer->id == e.id || newer->resolves) {
      errors->push_back(fmt::format(
          "{}: '{}' must be the id of another engine, one that resolves no engine itself",
          At(e, "resolves.engine"), e.resolves->engine));
    }
  }
  for (Kind kind : AllKinds()) {
    for (const Entity* e : cat.Entities(kind)) CheckProvenancePaths(*e, errors);
  }
  for (const auto& m : cat.models()) {
    for (const auto* key : {"default_weights", "default_expert_weights"}) {
      const std::string& id =
          std::string_view(key) == "default_weights" ? m.default_weights : m.default_expert_weights;
      if (id.empty()) continue;
      const QuantFormat* q = Lookup(cat.quant_formats(), id);
      if (!q || !q->for_weights) {
        errors->push_back(
            fmt::format("{}: '{}' is not a weight format in quantization/", At(m, key), id));
      }
    }
  }
  std::map<std::pair<std::string, bool>, const QuantFormat*> defaults;
  for (const auto& q : cat.quant_formats()) {
    for (bool kv : {false, true}) {
      if (!(kv ? q.default_for_kv : q.default_for_weights)) continue;
      auto [it, inserted] = defaults.emplace(std::make_pair(q.precision, kv), &q);
      if (!inserted) {
        errors->push_back(fmt::format("{}: {} is already the default {} format for '{}'",
                                      At(q, "default_for"), it->second->id, kv ? "KV" : "weight",
                                      q.precision));
      }
    }
  }
  for (const auto& p : cat.prices()) {
    for (size_t i = 0; i < p.offers.size(); ++i) {
      const auto& o = p.offers[i];
      if (!o.accelerator.empty() && !Lookup(cat.accelerators(), o.accelerator)) {
        errors->push_back(fmt::format("{}: unknown accelerator '{}'",
                                      At(p, fmt::format("offers[{}].accelerator", i)),
                                      o.accelerator));
      }
    }
  }
  for (const auto& p : cat.api_prices()) {
    for (size_t i = 0; i < p.offers.size(); ++i) {
      const auto& o = p.offers[i];
      if (!o.model.empty() && !Lookup(cat.models(), o.model)) {
        errors->push_back(fmt::format("{}: unknown model '{}'",
                                      At(p, fmt::format("offers[{}].model", i)), o.model));
      }
    }
  }
}

}  // namespace

Result<Catalog> Catalog::Load(const std::string& data_dir) {
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec)) {
    return Status::NotFound(fmt::format("catalog directory '{}' does not exist", data_dir));
  }
  Catalog cat;
  cat.data_dir_ = data_dir;
  ErrorList errors;
  const fs::path root(data_dir);
  LoadKind(root / "accelerators", ReadAccelerator, &cat.accelerators_, &errors);
  LoadKind(root / "models", ReadModel, &cat.models_, &errors);
  LoadKind(root / "quantization", ReadQuantFormat, &cat.quant_formats_, &errors);
  LoadKind(root / "engines", ReadEngine, &cat.engines_, &errors);
  LoadKind(root / "prices", ReadPriceList, &cat.prices_, &errors);
  LoadKind(root / "api-prices", ReadApiPriceList, &cat.api_prices_, &errors);
  LoadKind(root / "efficiency", ReadEfficiency, &cat.efficiencies_, &errors);
  // Optional: a catalog without calibration residuals prints predictions without intervals.
  LoadKind(root / "accuracy", ReadAccuracy, &cat.accuracies_, &errors, /*required=*/false);
  LoadKind(root / "datacenters", ReadDatacenter, &cat.datacenters_, &errors);
  LoadKind(root / "ownership", ReadOwnership, &cat.ownerships_, &errors);
  // Optional: without it, --workload names nothing and validate needs --workloads for MLPerf rows.
  LoadKind(root / "workloads", ReadWorkload, &cat.workloads_, &errors, /*required=*/false);
  CrossCheck(cat, &errors);
  if (!errors.empty()) {
    std::string msg;
    for (const auto& e : errors) msg += (msg.empty() ? "" : "\n") + e;
    return Status::ParseError(msg);
  }
  return cat;
}

Status Catalog::AddModel(std::string_view toml_text, const std::string& file) {
  ErrorList errors;
  auto parsed = TomlFile::ParseText(toml_text, file, &errors);
  if (parsed) {
    ErrorList ignored;
    FieldReader probe = parsed->Root(&ignored);
    const std::string id = probe.OptString("id").value_or("");
    FieldReader root = parsed->Root(&errors);
    Model model;
    ReadEntity(root, id, &model);
    ReadModel(root, &model);
    root.CheckUnknownKeys();
    model.provenance.file = file;
    model.provenance.fields = parsed->Records();
    if (errors.empty()) {
      models_.push_back(std::move(model));
      CrossCheck(*this, &errors);
      if (!errors.empty()) models_.pop_back();
    }
  }
  if (errors.empty()) return Status();
  std::string msg;
  for (const auto& e : errors) msg += (msg.empty() ? "" : "\n") + e;
  return Status::ParseError(msg);
}

const AccuracyBand* Catalog::BandFor(const std::string& engine,
                                     const std::string& row_class) const {
  const AccuracyBand* any = nullptr;
  for (const auto& a : accuracies_) {
    for (const auto& b : a.bands) {
      if (b.row_class != row_class) continue;
      if (b.engine == engine) return &b;
      if (b.engine == "*" && !any) any = &b;
    }
  }
  return any;
}

const Datacenter& Catalog::DefaultDatacenter() const {
  for (const auto& d : datacenters_) {
    if (d.is_default) return d;
  }
  return datacenters_.front();  // unreachable in a loaded catalog
}

const Ownership& Catalog::DefaultOwnership() const {
  for (const auto& o : ownerships_) {
    if (o.is_default) return o;
  }
  return ownerships_.front();  // unreachable in a loaded catalog
}

const Efficiency& Catalog::EfficiencyOf(const Accelerator& accelerator,
                                        const Engine& engine) const {
  for (const std::string& framework : engine.op_tables) {
    for (const auto& e : efficiencies_) {
      if (e.accelerator == accelerator.id && e.framework == framework) return e;
    }
  }
  const Efficiency* fallback = nullptr;
  for (const auto& e : efficiencies_) {  // sorted by id
    if (e.accelerator == accelerator.id) return e;
    if (e.id == "default") fallback = &e;
  }
  return *fallback;
}

Result<const Accelerator*> Catalog::FindAccelerator(std::string_view name) const {
  return Find(accelerators_, name, "accelerator");
}
Result<const Model*> Catalog::FindModel(std::string_view name) const {
  return Find(models_, name, "model");
}
Result<const QuantFormat*> Catalog::FindQuantFormat(std::string_view name) const {
  return Find(quant_formats_, name, "quantization format");
}
Result<const Engine*> Catalog::FindEngine(std::string_view name) const {
  return Find(engines_, name, "engine");
}
const Engine& Catalog::EngineForRelease(const Engine& named, std::string_view version,
                                        std::string_view date) const {
  const auto numbers = ParseVersion(version);
  // Of the ranges that cover the release, the narrowest: the one that ends first.
  const Engine* best = nullptr;
  for (const Engine& e : engines_) {
    if (!e.resolves || e.resolves->engine != named.id) continue;
    const ReleaseRange& r = *e.resolves;
    const bool covered = numbers ? VersionBelow(*numbers, r.versions_below)
                                 : DatedBefore(date, r.dated_before).value_or(false);
    if (!covered) continue;
    const ReleaseRange* b = best ? &*best->resolves : nullptr;
    if (!b || (numbers ? VersionBelow(r.versions_below, b->versions_below)
                       : r.dated_before < b->dated_before)) {
      best = &e;
    }
  }
  return best ? *best : named;
}
Result<const Datacenter*> Catalog::FindDatacenter(std::string_view name) const {
  return Find(datacenters_, name, "data-centre profile");
}
Result<const Ownership*> Catalog::FindOwnership(std::string_view name) const {
  return Find(ownerships_, name, "ownership profile");
}
Result<const Workload*> Catalog::FindWorkload(std::string_view name) const {
  if (const Workload* found = Lookup(workloads_, name)) return found;
  std::vector<std::string> ids;
  for (const auto& w : workloads_) ids.push_back(w.id);
  return Status::NotFound(fmt::format("unknown benchmark workload '{}'; known: {}", name,
                                      ids.empty() ? "none (the catalog has no workloads/)"
                                                  : fmt::format("{}", fmt::join(ids, ", "))));
}

namespace {
// Engines accept '_' and '-' alike in flag names.
bool SameFlag(std::string a, std::string b) {
  std::replace(a.begin(), a.end(), '_', '-');
  std::replace(b.begin(), b.end(), '_', '-');
  return a == b;
}
}  // namespace

Result<const Engine*> Catalog::EngineWithFlags(const Engine& base, std::string_view command) const {
  std::vector<std::string> unmapped;
  const std::vector<EngineSetting> settings = SettingsFromCommand(base, command, &unmapped);
  if (!unmapped.empty()) {
    std::vector<std::string> known;
    for (const auto& [flag, setting] : base.cli_flags) known.push_back(flag);
    return Status::InvalidArgument(fmt::format(
        "{}: not a flag pertoken knows for {} (it models: {})", unmapped.front(), base.id,
        known.empty() ? std::string("none") : fmt::format("{}", fmt::join(known, ", "))));
  }
  return EngineWithSettings(base, settings);
}

Result<const Engine*> Catalog::EngineWithSettings(
    const Engine& base, const std::vector<EngineSetting>& settings) const {
  if (settings.empty()) return &base;
  Engine engine = base;
  std::string applied_flags;
  for (const EngineSetting& s : settings) {
    if (Status applied = ApplyEngineSetting(s, &engine); !applied.ok()) return applied;
    // A switch's value comes from the table, not the command line.
    const bool is_switch =
        std::any_of(base.cli_flags.begin(), base.cli_flags.end(), [&](const auto& f) {
          return SameFlag(f.first, s.flag) && f.second.find('=') != std::string::npos;
        });
    applied_flags += " " + s.flag + (is_switch ? "" : " " + s.value);
  }
  engine.version += " with" + applied_flags;  // reports say which settings they used
  std::lock_guard<std::mutex> lock(derived_->mutex);
  derived_->engines.push_back(std::move(engine));
  return &derived_->engines.back();
}

Result<const QuantFormat*> Catalog::FindPrecision(std::string_view precision, bool for_kv) const {
  const std::string p = NormalizeName(precision);
  for (const auto& q : quant_formats_) {
    if (q.precision == p && (for_kv ? q.default_for_kv : q.default_for_weights)) return &q;
  }
  const bool is_precision = std::any_of(quant_formats_.begin(), quant_formats_.end(),
                                        [&](const QuantFormat& q) { return q.precision == p; });
  if (is_precision && !Lookup(quant_formats_, precision)) {
    return Status::InvalidArgument(
        fmt::format("the catalog has no {} format for {}", p, for_kv ? "the KV cache" : "weights"));
  }
  auto found = FindQuantFormat(precision);
  if (!found.ok()) return found;
  if (for_kv ? !(*found)->for_kv : !(*found)->for_weights) {
    return Status::InvalidArgument(fmt::format("quantization format '{}' does not apply to {}",
                                               (*found)->id, for_kv ? "the KV cache" : "weights"));
  }
  return found;
}

std::vector<const Entity*> Catalog::Entities(Kind kind) const {
  std::vector<const Entity*> out;
  auto add = [&out](const auto& items) {
    for (const auto& item : items) out.push_back(&item);
  };
  switch (kind) {
    case Kind::kAccelerator:
      add(accelerators_);
      break;
    case Kind::kModel:
      add(models_);
      break;
    case Kind::kQuantization:
      add(quant_formats_);
      break;
    case Kind::kEngine:
      add(engines_);
      break;
    case Kind::kPrice:
      add(prices_);
      break;
    case Kind::kApiPrice:
      add(api_prices_);
      break;
    case Kind::kEfficiency:
      add(efficiencies_);
      break;
    case Kind::kAccuracy:
      add(accuracies_);
      break;
    case Kind::kDatacenter:
      add(datacenters_);
      break;
    case Kind::kOwnership:
      add(ownerships_);
      break;
    case Kind::kWorkload:
      add(workloads_);
      break;
  }
  return out;
}

Result<const Entity*> Catalog::FindAny(std::string_view name, Kind* kind) const {
  std::vector<NamedId> all;
  for (Kind k : AllKinds()) {
    for (const Entity* e : Entities(k)) {
      bool match = NormalizeName(e->id) == NormalizeName(name);
      for (const auto& a : e->aliases) match = match || NormalizeName(a) == NormalizeName(name);
      if (match) {
        *kind = k;
        return e;
      }
      all.push_back({e->id, e->id});
      for (const auto& a : e->aliases) all.push_back({a, e->id});
    }
  }
  return Status::NotFound(fmt::format("nothing in the catalog is called '{}'{}", name,
                                      DidYouMean(ClosestIds(name, all))));
}

}  // namespace pertoken::catalog
