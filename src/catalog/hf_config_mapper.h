// The mapper behind MapHfConfig: one config into one catalog::Model, one method per family of
// architectures (hf_config_arch.cc: shared keys; hf_config_families.cc: the families). Internal to
// src/catalog. Not thread-safe; one per import.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/hf_config_arch.h"
#include "catalog/hf_config_reader.h"
#include "catalog/types.h"

namespace pertoken::catalog {

// Reads one config into a Model for one architecture. Each method maps the keys it names.
class HfMapper {
 public:
  HfMapper(const HfArch& arch, HfConfigReader& c) : a_(arch), c_(c) {}

  Model Map();

 private:
  const HfKeyDefault* DefaultOf(std::string_view key) const;
  // The key's value; its class default (noted) when the file leaves it out and the class has
  // one; else a required key.
  int64_t Int(std::string_view key);
  void Positive(std::string_view key, int64_t value);

  void Decoder();
  void Heads();
  void Weights();
  void Quantization();
  void WindowOnAllLayers();
  void QwenWindow();
  void AlternatingWindow();
  std::optional<int64_t> CountLayerTypes(std::string_view value,
                                         const std::vector<std::string>& allowed);
  void CheckEvenSpread(const std::vector<bool>& full, std::string_view key);
  Moe& AddMoe(std::string_view experts_key, std::string_view top_key);
  void SharedExperts(std::string_view key);
  void CheckMoe(std::string_view experts_key, std::string_view top_key, std::string_view dense_key);

  void Llama();
  void Mixtral();
  void Qwen2();
  void Qwen3();
  void QwenMoe();
  void QwenHybrid();
  void Phi3();
  void Gemma();
  void Llama4();
  void Llama4Chunks();
  void Deepseek();
  void Glm4Moe();
  void MiniMax();
  void MiniMaxAttentionTypes(bool required);
  void MiniMaxM2();
  void GptOss();
  void Whisper();

  const HfArch& a_;
  HfConfigReader& c_;
  Model m_;
};

}  // namespace pertoken::catalog
