// Names and precisions of a measurement row, resolved against the catalog. Sources name things
// their own way ("A100-SXM4-80GB (doc: ...)", "Qwen/Qwen3-8B", "q4_k_m (GGUF Q4_K_M)"), so a
// trailing " (...)" remark is dropped first and a Hugging Face "org/name" is tried as "name" and
// against each model's hf_id. NameResolver caches answers (a file repeats a handful of names);
// it is not thread-safe, one per validation run.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "common/status.h"
#include "perf/memory.h"

namespace pertoken::validate {

class NameResolver {
 public:
  // `catalog` must outlive the resolver.
  explicit NameResolver(const catalog::Catalog& catalog) : catalog_(catalog) {}
  NameResolver(const NameResolver&) = delete;
  NameResolver& operator=(const NameResolver&) = delete;

  // NotFound "unknown model 'X'" (X without its remark) when nothing matches.
  Result<const catalog::Model*> Model(const std::string& name);
  // NotFound "unknown accelerator 'X'".
  Result<const catalog::Accelerator*> Accelerator(const std::string& name);
  // NotFound "unknown engine 'X'".
  Result<const catalog::Engine*> Engine(const std::string& name);

  const catalog::Catalog& catalog() const { return catalog_; }

 private:
  const catalog::Catalog& catalog_;
  std::map<std::string, Result<const catalog::Model*>> models_;
  std::map<std::string, Result<const catalog::Accelerator*>> accelerators_;
  std::map<std::string, Result<const catalog::Engine*>> engines_;
};

// The formats of a row's precision_weights and precision_kv, with the assumptions made.
struct PrecisionChoice {
  perf::Precision precision;
  std::vector<std::string> assumptions;  // one sentence each, for the per-row report
};

// Whether a precision column (lower case, remark stripped) leaves the precision open: "", "not
// stated ...", "default", "native", "checkpoint default".
bool UnstatedPrecision(const std::string& p);

// Weights: "" / "not stated" / "default" / "native" -> the model's released formats
// (default_weights, default_expert_weights); a precision the released format already has (fp8
// for DeepSeek's block-scaled FP8, mxfp4 for gpt-oss's experts) -> the released formats too;
// "q4_k_m" (llama.cpp GGUF, ~4.5-4.9 bits) -> the catalog's int4 weight-only format; otherwise
// catalog.FindPrecision / a format id. KV: "" / "not stated" / "default" -> the 16-bit type of
// the weights (fp16 or bf16; bf16 when the weights are quantized); otherwise FindPrecision.
// InvalidArgument naming the column when the catalog has no such format.
Result<PrecisionChoice> ResolvePrecision(const catalog::Catalog& catalog,
                                         const catalog::Model& model, const std::string& weights,
                                         const std::string& kv);

}  // namespace pertoken::validate
