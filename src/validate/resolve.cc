#include "validate/resolve.h"

#include <fmt/format.h>

#include "common/names.h"
#include "validate/text.h"

namespace pertoken::validate {

namespace {

// Tries `name`, then the part after a Hugging Face "org/" prefix, then each model's hf_id.
Result<const catalog::Model*> FindModelByName(const catalog::Catalog& cat,
                                              const std::string& name) {
  if (auto m = cat.FindModel(name); m.ok()) return m;
  if (const size_t slash = name.rfind('/'); slash != std::string::npos) {
    if (auto m = cat.FindModel(name.substr(slash + 1)); m.ok()) return m;
  }
  const std::string wanted = NormalizeName(name);
  for (const auto& m : cat.models()) {
    if (!m.hf_id.empty() && NormalizeName(m.hf_id) == wanted) return &m;
  }
  return Status::NotFound(fmt::format("unknown model '{}'", name));
}

// Looks `name` up in `cache`, else resolves it with `find` and remembers the answer.
template <typename T, typename FindFn>
Result<const T*> Cached(std::map<std::string, Result<const T*>>* cache, const std::string& name,
                        FindFn find) {
  if (auto it = cache->find(name); it != cache->end()) return it->second;
  // The full name first: a remark can name a distinct profile ("trtllm (Triton ...)").
  Result<const T*> found = find(name);
  if (!found.ok()) found = find(StripParenthetical(name));
  cache->emplace(name, found);
  return found;
}

struct ReleasedFormats {
  const catalog::QuantFormat* weights = nullptr;
  const catalog::QuantFormat* experts = nullptr;
};

Result<ReleasedFormats> Released(const catalog::Catalog& cat, const catalog::Model& m) {
  auto w = cat.FindQuantFormat(m.default_weights);
  if (!w.ok()) return w.status();
  if (m.default_expert_weights.empty()) return ReleasedFormats{*w, *w};
  auto e = cat.FindQuantFormat(m.default_expert_weights);
  if (!e.ok()) return e.status();
  return ReleasedFormats{*w, *e};
}

Status ResolveWeights(const catalog::Catalog& cat, const catalog::Model& m, const std::string& raw,
                      PrecisionChoice* out) {
  auto released = Released(cat, m);
  if (!released.ok()) return released.status();
  const std::string p = Lower(StripParenthetical(raw));
  out->precision.weights = released->weights;
  out->precision.expert_weights = released->experts;
  if (UnstatedPrecision(p)) {
    out->assumptions.push_back(fmt::format("weight precision '{}': the released format ({})",
                                           Trim(raw), released->weights->id));
    return Status();
  }
  // A precision name ("fp8") means the catalog's default format for it; any other name is a
  // format id or alias ("q4_k_m" is GGUF Q4_K_M).
  auto f = cat.FindPrecision(p, false);
  if (!f.ok()) return f.status();
  // The released checkpoint in that precision: keep its own formats (block-scaled FP8 for
  // DeepSeek, MXFP4 experts beside BF16 attention for gpt-oss).
  const bool released_precision = *f == released->weights || *f == released->experts ||
                                  (*f)->precision == released->weights->precision ||
                                  (*f)->precision == released->experts->precision;
  if (!released_precision) out->precision.weights = out->precision.expert_weights = *f;
  return Status();
}

// The 16-bit type that goes with the chosen weights.
std::string SixteenBitOf(const catalog::QuantFormat& weights,
                         const catalog::QuantFormat& released) {
  for (const auto* f : {&weights, &released}) {
    if (f->precision == "fp16" || f->precision == "bf16") return f->precision;
  }
  return "bf16";
}

}  // namespace

bool UnstatedPrecision(const std::string& p) {
  return p.empty() || p.rfind("not stated", 0) == 0 || p == "default" || p == "native" ||
         p == "checkpoint default";
}

Result<const catalog::Model*> NameResolver::Model(const std::string& name) {
  return Cached<catalog::Model>(&models_, name,
                                [&](const std::string& n) { return FindModelByName(catalog_, n); });
}

Result<const catalog::Accelerator*> NameResolver::Accelerator(const std::string& name) {
  return Cached<catalog::Accelerator>(&accelerators_, name, [&](const std::string& n) {
    auto a = catalog_.FindAccelerator(n);
    if (a.ok()) return a;
    return Result<const catalog::Accelerator*>(
        Status::NotFound(fmt::format("unknown accelerator '{}'", n)));
  });
}

Result<const catalog::Engine*> NameResolver::Engine(const std::string& name) {
  return Cached<catalog::Engine>(&engines_, name, [&](const std::string& n) {
    auto e = catalog_.FindEngine(n);
    if (e.ok()) return e;
    return Result<const catalog::Engine*>(Status::NotFound(fmt::format("unknown engine '{}'", n)));
  });
}

Result<PrecisionChoice> ResolvePrecision(const catalog::Catalog& cat, const catalog::Model& model,
                                         const std::string& weights, const std::string& kv) {
  PrecisionChoice out;
  if (Status s = ResolveWeights(cat, model, weights, &out); !s.ok()) {
    return Status::InvalidArgument(
        fmt::format("precision_weights '{}': {}", Trim(weights), s.message()));
  }
  std::string p = Lower(StripParenthetical(kv));
  if (UnstatedPrecision(p)) {
    auto released = Released(cat, model);
    if (!released.ok()) return released.status();
    p = SixteenBitOf(*out.precision.weights, *released->weights);
    out.assumptions.push_back(fmt::format("KV precision '{}': {}", Trim(kv), p));
  }
  auto f = cat.FindPrecision(p, true);
  if (!f.ok()) {
    return Status::InvalidArgument(
        fmt::format("precision_kv '{}': {}", Trim(kv), f.status().message()));
  }
  out.precision.kv = *f;
  return out;
}

}  // namespace pertoken::validate
