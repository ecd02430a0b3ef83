#include "cli/commands.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/names.h"
#include "perf/memory.h"
#include "perf/model_check.h"
#include "report/catalog_report.h"
#include "report/fit_report.h"

namespace pertoken::cli {

namespace {

Status CheckPositive(const char* flag, std::optional<int64_t> v, int64_t max) {
  if (!v) return Status();
  if (*v <= 0)
    return Status::InvalidArgument(fmt::format("{} must be at least 1, got {}", flag, *v));
  if (*v > max)
    return Status::InvalidArgument(
        fmt::format("{} = {} is not plausible (at most {})", flag, *v, max));
  return Status();
}

Status CheckFlags(const FitOptions& o) {
  for (auto [flag, v] : {std::pair{"--count", o.count}, std::pair{"--tp", o.tp},
                         std::pair{"--pp", o.pp}, std::pair{"--ep", o.ep}}) {
    if (Status s =
            CheckPositive(flag, v ? std::optional<int64_t>(*v) : std::nullopt, kMaxAccelerators);
        !s.ok()) {
      return s;
    }
  }
  // 100 million tokens is beyond any model's context; larger is a typo.
  for (auto [flag, v] : {std::pair{"--context", o.context_tokens},
                         std::pair{"--max-context", o.max_context_tokens}}) {
    if (Status s = CheckPositive(flag, v, 100'000'000); !s.ok()) return s;
  }
  return Status();
}

// Resolves the layout the user asked for, or picks the best of the count.
Result<perf::Layout> ChooseLayout(const FitOptions& o, const perf::FitRequest& base, int count,
                                  std::vector<perf::FitResult>* layouts) {
  const auto& m = *base.model;
  const auto& acc = *base.accelerator;
  if (o.tp || o.pp) {
    perf::Layout l{.tp = o.tp.value_or(1), .pp = o.pp.value_or(1), .ep = o.ep.value_or(1)};
    if (o.count && *o.count != l.count()) {
      return Status::InvalidArgument(
          fmt::format("--count {} is not TP×PP = {}×{} = {}", *o.count, l.tp, l.pp, l.count()));
    }
    if (Status s = perf::CheckLayout(m, acc, l); !s.ok()) return s;
    return l;
  }
  if (o.ep) {
    perf::Layout l{.tp = count, .pp = 1, .ep = *o.ep};
    if (Status s = perf::CheckLayout(m, acc, l); !s.ok()) return s;
    return l;
  }
  if (layouts->empty()) {
    return Status::InvalidArgument(fmt::format(
        "no valid layout of {} × {} for {}: TP must divide the {} attention heads and fit in one "
        "server, and PP at most the {} layers",
        count, acc.id, m.id, m.attention.heads, m.layers));
  }
  return layouts->front().layout;
}

}  // namespace

int Fail(std::ostream& err, const std::string& message) {
  err << "error: " << message << "\n";
  return kExitFailure;
}

Result<FitResolution> ResolveFit(const catalog::Catalog& cat, const FitOptions& o) {
  if (Status s = CheckFlags(o); !s.ok()) return s;
  auto model = cat.FindModel(o.model);
  if (!model.ok()) return Status::InvalidArgument(model.status().message());
  auto acc = cat.FindAccelerator(o.accelerator);
  if (!acc.ok()) return Status::InvalidArgument(acc.status().message());
  auto engine = cat.FindEngine(o.engine);
  if (!engine.ok()) return Status::InvalidArgument(engine.status().message());
  if (!o.engine_flags.empty()) {
    engine = cat.EngineWithFlags(**engine, o.engine_flags);
    if (!engine.ok())
      return Status::InvalidArgument("--engine-flags: " + engine.status().message());
  }
  if (!(*acc)->memory_bytes) {
    return Status::InvalidArgument(fmt::format(
        "accelerator '{}' has no memory capacity in the catalog ({}); "
        "its memory depends on the DIMMs fitted: give it memory_bytes in a copy of the catalog "
        "(--data-dir)",
        (*acc)->id, (*acc)->provenance.file));
  }
  const catalog::Model& m = **model;
  auto weights = cat.FindPrecision(o.weights.empty() ? m.default_weights : o.weights, false);
  if (!weights.ok()) return Status::InvalidArgument("--weights: " + weights.status().message());
  const catalog::QuantFormat* experts = *weights;
  if (o.weights.empty() && !m.default_expert_weights.empty()) {
    auto e = cat.FindQuantFormat(m.default_expert_weights);
    if (!e.ok()) return Status::InvalidArgument(e.status().message());
    experts = *e;
  }
  auto kv = cat.FindPrecision(o.kv, true);
  if (!kv.ok()) return Status::InvalidArgument("--kv: " + kv.status().message());

  perf::FitRequest req;
  req.model = &m;
  req.accelerator = *acc;
  req.engine = *engine;
  req.precision = {.weights = *weights, .expert_weights = experts, .kv = *kv};
  req.max_context_tokens = o.max_context_tokens.value_or(perf::EngineMaxContext(**engine, m));
  req.context_tokens =
      o.context_tokens.value_or(std::min(kDefaultContextTokens, req.max_context_tokens));
  if (req.max_context_tokens > m.max_context_tokens) {
    return Status::InvalidArgument(
        fmt::format("--max-context {} exceeds the {}-token context of {}", req.max_context_tokens,
                    m.max_context_tokens, m.id));
  }
  if (req.context_tokens > req.max_context_tokens) {
    return Status::InvalidArgument(fmt::format(
        "--context {} exceeds the maximum context of {} tokens{}", req.context_tokens,
        req.max_context_tokens, o.max_context_tokens ? "" : fmt::format(" of {}", m.id)));
  }

  FitResolution res;
  report::FitReport& rep = res.report;
  rep.model = &m;
  rep.accelerator = *acc;
  rep.engine = *engine;
  rep.precision = req.precision;
  rep.context_tokens = req.context_tokens;
  rep.max_context_tokens = req.max_context_tokens;
  rep.params = perf::CountParams(m);
  rep.search = perf::FindMinAccelerators(req);

  // The count to report: as given, implied by TP×PP, or the smallest that fits.
  int count = o.count.value_or(0);
  if (!o.count && (o.tp || o.pp)) count = o.tp.value_or(1) * o.pp.value_or(1);
  if (count == 0) count = rep.search.min_accelerators > 0 ? rep.search.min_accelerators : 1;
  for (const auto& l : perf::LayoutsFor(m, **acc, count)) {
    req.layout = l;
    rep.layouts_at_count.push_back(perf::Fit(req));
  }
  std::stable_sort(rep.layouts_at_count.begin(), rep.layouts_at_count.end(), perf::BetterFit);
  auto layout = ChooseLayout(o, req, count, &rep.layouts_at_count);
  if (!layout.ok()) return Status::InvalidArgument(layout.status().message());
  req.layout = *layout;
  rep.chosen = perf::Fit(req);

  res.request = req;
  return res;
}

Result<perf::Deployment> ResolveDeployment(const catalog::Catalog& cat, const FitOptions& o) {
  auto res = ResolveFit(cat, o);
  if (!res.ok()) return res.status();
  const perf::FitRequest& req = res->request;
  if (!res->report.chosen.fits) {
    return Status::InvalidArgument(
        fmt::format("{} does not fit on {} × {} ({}); see `pertoken fit`", req.model->id,
                    req.layout.count(), req.accelerator->id, res->report.chosen.reason));
  }
  return perf::Deployment{.model = req.model,
                          .accelerator = req.accelerator,
                          .engine = req.engine,
                          .efficiency = &cat.EfficiencyOf(*req.accelerator, *req.engine),
                          .precision = req.precision,
                          .layout = req.layout};
}

Result<metrics::Facility> FacilityFor(const catalog::Catalog& cat, const std::string& datacenter,
                                      std::optional<double> pue) {
  if (pue) {
    if (!(*pue >= 1) || *pue > 3) {
      return Status::InvalidArgument(
          fmt::format("--pue {:g}: a power usage effectiveness is between 1 and 3", *pue));
    }
    if (!datacenter.empty()) {
      return Status::InvalidArgument("--pue and --datacenter both set the PUE: give one");
    }
    return metrics::Facility{.pue = *pue, .basis = "given with --pue"};
  }
  const catalog::Datacenter* d = &cat.DefaultDatacenter();
  if (!datacenter.empty()) {
    auto found = cat.FindDatacenter(datacenter);
    if (!found.ok()) return Status::NotFound("--datacenter: " + found.status().message());
    d = *found;
  }
  return metrics::Facility{.pue = d->pue, .basis = fmt::format("data-centre profile '{}'", d->id)};
}

metrics::AcceleratorPrice PriceFor(const catalog::Catalog& cat,
                                   const catalog::Accelerator& accelerator,
                                   std::optional<double> usd_per_accelerator_hour) {
  if (!usd_per_accelerator_hour) return metrics::DefaultPrice(cat, accelerator);
  return {.known = true,
          .usd_per_accelerator_hour = *usd_per_accelerator_hour,
          .rule = "given with --usd-per-hour"};
}

int RunFit(const catalog::Catalog& cat, const FitOptions& o, std::ostream& out, std::ostream& err) {
  auto res = ResolveFit(cat, o);
  if (!res.ok()) return Fail(err, res.status().message());
  const report::FitReport& rep = res->report;
  if (o.json) {
    out << report::FitJson(rep).dump(2) << "\n";
  } else {
    out << report::FitText(rep);
  }
  return rep.chosen.fits ? kExitOk : kExitFailure;
}

int RunCatalogList(const catalog::Catalog& cat, const std::string& kind, bool json,
                   std::ostream& out, std::ostream& err) {
  std::vector<catalog::Kind> kinds;
  for (catalog::Kind k : catalog::AllKinds()) {
    if (kind.empty() || NormalizeName(kind) == catalog::KindFolder(k)) kinds.push_back(k);
  }
  if (kinds.empty()) {
    std::vector<NamedId> names;
    for (catalog::Kind k : catalog::AllKinds()) {
      names.push_back({std::string(catalog::KindFolder(k)), std::string(catalog::KindFolder(k))});
    }
    return Fail(
        err, fmt::format("unknown catalog kind '{}'{} (one of accelerators, models, quantization, "
                         "engines, prices, api-prices, efficiency)",
                         kind, DidYouMean(ClosestIds(kind, names))));
  }
  nlohmann::json all = nlohmann::json::object();
  for (catalog::Kind k : kinds) {
    if (json) {
      all[std::string(catalog::KindFolder(k))] = report::CatalogListJson(cat, k);
    } else {
      if (kinds.size() > 1) out << "## " << catalog::KindFolder(k) << "\n";
      out << report::CatalogListText(cat, k);
      if (kinds.size() > 1) out << "\n";
    }
  }
  if (json) out << (kinds.size() == 1 ? all.begin().value() : all).dump(2) << "\n";
  return kExitOk;
}

int RunCatalogShow(const catalog::Catalog& cat, const std::string& id, bool json, std::ostream& out,
                   std::ostream& err) {
  catalog::Kind kind = catalog::Kind::kModel;
  const catalog::Entity* entity = nullptr;
  const size_t slash = id.find('/');
  bool kind_prefix = false;
  for (catalog::Kind k : catalog::AllKinds()) {
    kind_prefix = kind_prefix || (slash != std::string::npos &&
                                  NormalizeName(id.substr(0, slash)) == catalog::KindFolder(k));
  }
  if (kind_prefix) {
    const std::string folder = NormalizeName(id.substr(0, slash));
    const std::string name = NormalizeName(id.substr(slash + 1));
    for (catalog::Kind k : catalog::AllKinds()) {
      if (catalog::KindFolder(k) != folder) continue;
      for (const catalog::Entity* e : cat.Entities(k)) {
        if (NormalizeName(e->id) == name) {
          entity = e;
          kind = k;
        }
      }
    }
    if (!entity) return Fail(err, fmt::format("nothing in the catalog is called '{}'", id));
  } else {
    auto found = cat.FindAny(id, &kind);
    if (!found.ok()) return Fail(err, found.status().message());
    entity = *found;
  }
  if (json) {
    out << report::CatalogShowJson(*entity, kind).dump(2) << "\n";
  } else {
    out << report::CatalogShowText(*entity, kind);
  }
  return kExitOk;
}

int RunCatalogCheck(const std::string& data_dir, bool json, std::ostream& out, std::ostream& err) {
  auto cat = catalog::Catalog::Load(data_dir);
  std::vector<std::string> problems;
  if (!cat.ok()) {
    std::string msg = cat.status().message();
    size_t start = 0;
    while (start <= msg.size()) {
      const size_t nl = msg.find('\n', start);
      problems.push_back(
          msg.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  } else {
    problems = perf::CheckModelParams(*cat);
  }
  if (json) {
    nlohmann::json j = {{"data_dir", data_dir}, {"ok", problems.empty()}, {"problems", problems}};
    if (cat.ok()) {
      for (catalog::Kind k : catalog::AllKinds()) {
        j["counts"][std::string(catalog::KindFolder(k))] = cat->Entities(k).size();
      }
    }
    out << j.dump(2) << "\n";
  } else if (problems.empty()) {
    out << fmt::format("{}: every file is valid\n", data_dir);
    for (catalog::Kind k : catalog::AllKinds()) {
      out << fmt::format("  {:<14} {}\n", catalog::KindFolder(k), cat->Entities(k).size());
    }
  } else {
    for (const auto& p : problems) err << p << "\n";
    err << fmt::format("{} problem{} in {}\n", problems.size(), problems.size() == 1 ? "" : "s",
                       data_dir);
  }
  return problems.empty() ? kExitOk : kExitFailure;
}

}  // namespace pertoken::cli
