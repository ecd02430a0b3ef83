// The architectures the Hugging Face config importer knows, and the mapping of each one's keys to
// a catalog::Model (hf_config_arch.cc). Internal to src/catalog; see hf_config.h for the contract.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "catalog/hf_config_reader.h"
#include "catalog/types.h"

namespace pertoken::catalog {

// How a family's keys map: one mapping function each.
enum class HfFamily {
  kLlama,
  kMistral,
  kMixtral,
  kQwen2,
  kQwen2Moe,
  kQwen3,
  kQwen3Moe,
  kQwenHybrid,  // Qwen3-Next, Qwen3.5: Gated DeltaNet and gated full attention
  kPhi3,
  kGemma2,
  kGemma3,
  kLlama4,
  kDeepseek,  // DeepSeek-V2/V3/V3.2, Kimi K2: MLA and DeepSeekMoE
  kGlm4Moe,
  kMiniMax,  // MiniMax-Text-01, MiniMax-M1: lightning attention
  kMiniMaxM2,
  kGptOss,
  kWhisper,
};

// A key's default in the architecture's transformers config class, used (and noted) when a
// published config leaves the key out.
struct HfKeyDefault {
  std::string_view key;
  int64_t value;
};

struct HfArch {
  std::string_view model_type;    // config.json `model_type`
  std::string_view architecture;  // its class in `architectures`
  HfFamily family;
  std::string_view config_class;  // the transformers config class whose defaults apply
  bool tied_default;              // that class's tie_word_embeddings default
  std::span<const HfKeyDefault> defaults;
};

// Every architecture the importer supports, in a fixed order.
std::span<const HfArch> HfArchitectures();

// The model `c` describes, as architecture `arch` reads it. Problems (missing keys, contradictions)
// and notes are recorded in `c`; the model is meaningful only when `c` has no problems. Identity
// and provenance fields are left empty.
Model MapHfConfig(const HfArch& arch, HfConfigReader& c);

}  // namespace pertoken::catalog
