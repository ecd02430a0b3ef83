// The catalog: every accelerator, model, quantization format, engine profile and price list that
// pertoken knows, loaded from a data directory (one TOML file per entity, doc/formats/).
//
// Load() parses and validates every file and returns all problems at once; a Catalog that loads
// is immutable, so any number of threads may share it.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/engine_settings.h"
#include "catalog/types.h"
#include "common/status.h"

namespace pertoken::catalog {

// The kinds of catalog entity, each in its own folder.
enum class Kind {
  kAccelerator,
  kModel,
  kQuantization,
  kEngine,
  kPrice,
  kApiPrice,
  kEfficiency,
  kAccuracy,
  kDatacenter,
  kOwnership,
  kWorkload
};

// "accelerators", "models", "quantization", "engines", "prices", "api-prices".
std::string_view KindFolder(Kind kind);
// "accelerator", "model", "quantization format", "engine", "price list", "API price list".
std::string_view KindNoun(Kind kind);
const std::vector<Kind>& AllKinds();

class Catalog {
 public:
  // Loads every `*.toml` under `data_dir`/<kind folder>/. On failure the Status (ParseError)
  // lists every problem found, one per line, as "file:line: key: message".
  static Result<Catalog> Load(const std::string& data_dir);

  // Adds one model file, `toml_text` (doc/formats/model.md), read as if it were the file `file`
  // (named in messages and provenance; its id need not match the name), and validated as Load()
  // validates models/: every field, and the cross-checks (unique names, known weight formats).
  // ParseError listing every problem, the catalog unchanged, when it is invalid. Not thread-safe,
  // and it may move models(): call it before the catalog is shared or pointers into it are taken.
  Status AddModel(std::string_view toml_text, const std::string& file);

  // Lookups by id or alias (case-insensitive, see NormalizeName). NotFound names the closest
  // ids: "unknown model 'llama-70b'; did you mean llama-2-70b, llama-3.1-70b?".
  Result<const Accelerator*> FindAccelerator(std::string_view name) const;
  Result<const Model*> FindModel(std::string_view name) const;
  Result<const QuantFormat*> FindQuantFormat(std::string_view name) const;
  Result<const Engine*> FindEngine(std::string_view name) const;
  // The profile that stands for release `version` of `named`, measured on `date` (a row's
  // engine_version and source_date): an engine file whose [resolves] names `named` and covers
  // that release (Engine::resolves; of several, the one whose range ends first), else
  // `named` itself.
  const Engine& EngineForRelease(const Engine& named, std::string_view version,
                                 std::string_view date) const;
  Result<const Datacenter*> FindDatacenter(std::string_view name) const;
  Result<const Ownership*> FindOwnership(std::string_view name) const;
  // NotFound "unknown benchmark workload 'x'; known: mlperf-llama2-70b, ..." (every id).
  Result<const Workload*> FindWorkload(std::string_view name) const;
  // `base` as the engine flags of `command` (a serving command line, e.g. "--max-num-seqs 64")
  // set it, by its [cli_flags] (engine_settings.h). The engine lives as long as the catalog, so
  // deployments can point to it; `base` itself when the command sets nothing. InvalidArgument
  // naming the flag for a flag the engine file does not map or a bad value. Thread-safe.
  Result<const Engine*> EngineWithFlags(const Engine& base, std::string_view command) const;
  // `base` with `settings` applied, kept and named as EngineWithFlags does (`base` itself when
  // there are none). InvalidArgument naming the flag of a setting with a bad value. Thread-safe.
  Result<const Engine*> EngineWithSettings(const Engine& base,
                                           const std::vector<EngineSetting>& settings) const;
  // The op efficiencies of `engine` on `accelerator`: the accelerator's profile fitted to the
  // first of the engine's op tables (Engine::op_tables) that has one, else the accelerator's first
  // profile by id, else `default`. REQUIRES: loaded catalog (Load() fails when `default` is
  // missing).
  const Efficiency& EfficiencyOf(const Accelerator& accelerator, const Engine& engine) const;
  // Any entity of any kind, for `catalog show`.
  Result<const Entity*> FindAny(std::string_view name, Kind* kind) const;

  // The format that `--weights <precision>` (for_kv = false) or `--kv <precision>` means;
  // a precision name not in the catalog falls back to a format id or alias.
  Result<const QuantFormat*> FindPrecision(std::string_view precision, bool for_kv) const;

  const std::vector<Accelerator>& accelerators() const { return accelerators_; }
  const std::vector<Model>& models() const { return models_; }
  const std::vector<QuantFormat>& quant_formats() const { return quant_formats_; }
  const std::vector<Engine>& engines() const { return engines_; }
  const std::vector<PriceList>& prices() const { return prices_; }
  const std::vector<ApiPriceList>& api_prices() const { return api_prices_; }
  const std::vector<Efficiency>& efficiencies() const { return efficiencies_; }
  const std::vector<Accuracy>& accuracies() const { return accuracies_; }
  const std::vector<Datacenter>& datacenters() const { return datacenters_; }
  // The data-centre profile marked `default = true` (Load() checks there is exactly one).
  const Datacenter& DefaultDatacenter() const;
  const std::vector<Ownership>& ownerships() const { return ownerships_; }
  // The ownership profile marked `default = true` (Load() checks there is exactly one).
  const Ownership& DefaultOwnership() const;
  const std::vector<Workload>& workloads() const { return workloads_; }
  // The residual band of predictions of `row_class` with `engine`: the engine's own, else the
  // all-engines band; nullptr when the catalog has none.
  const AccuracyBand* BandFor(const std::string& engine, const std::string& row_class) const;
  const std::string& data_dir() const { return data_dir_; }

  // The entities of one kind, as their common part.
  std::vector<const Entity*> Entities(Kind kind) const;

 private:
  std::string data_dir_;
  std::vector<Accelerator> accelerators_;
  std::vector<Model> models_;
  std::vector<QuantFormat> quant_formats_;
  std::vector<Engine> engines_;
  std::vector<PriceList> prices_;
  std::vector<ApiPriceList> api_prices_;
  std::vector<Efficiency> efficiencies_;
  std::vector<Accuracy> accuracies_;
  std::vector<Datacenter> datacenters_;
  std::vector<Ownership> ownerships_;
  std::vector<Workload> workloads_;
  // Engines derived by EngineWithFlags: a deque keeps their addresses; behind a pointer so the
  // catalog stays movable.
  struct Derived {
    std::mutex mutex;
    std::deque<Engine> engines;
  };
  std::unique_ptr<Derived> derived_ = std::make_unique<Derived>();
};

}  // namespace pertoken::catalog
