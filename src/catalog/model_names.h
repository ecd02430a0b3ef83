// The words model files use for the model record's enumerations (doc/formats/model.md): one
// table per enumeration, read by the loader and written by `catalog import-hf`, so the two cannot
// disagree. Constant data; thread-safe.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/types.h"

namespace pertoken::catalog {

template <class E>
struct EnumName {
  std::string_view name;
  E value;
};

inline constexpr std::array<EnumName<AttentionType>, 4> kAttentionTypeNames = {{
    {"mha", AttentionType::kMha},
    {"gqa", AttentionType::kGqa},
    {"mqa", AttentionType::kMqa},
    {"mla", AttentionType::kMla},
}};
inline constexpr std::array<EnumName<PositionEmbedding>, 3> kPositionEmbeddingNames = {{
    {"rope", PositionEmbedding::kRope},
    {"learned", PositionEmbedding::kLearned},
    {"sinusoidal", PositionEmbedding::kSinusoidal},
}};
inline constexpr std::array<EnumName<NormType>, 2> kNormNames = {{
    {"rmsnorm", NormType::kRmsNorm},
    {"layernorm", NormType::kLayerNorm},
}};
inline constexpr std::array<EnumName<MlpType>, 2> kMlpTypeNames = {{
    {"gated", MlpType::kGated},
    {"plain", MlpType::kPlain},
}};

// The word for `value` (every value has one).
template <class E, size_t N>
constexpr std::string_view NameOf(const std::array<EnumName<E>, N>& table, E value) {
  for (const auto& e : table) {
    if (e.value == value) return e.name;
  }
  return table.front().name;
}

// The value of `name`, one of the table's words (the loader checks with NamesOf first); the
// table's first value otherwise.
template <class E, size_t N>
constexpr E ValueOf(const std::array<EnumName<E>, N>& table, std::string_view name) {
  for (const auto& e : table) {
    if (e.name == name) return e.value;
  }
  return table.front().value;
}

// Every word of the table, for a reader's list of allowed values.
template <class E, size_t N>
std::vector<std::string> NamesOf(const std::array<EnumName<E>, N>& table) {
  std::vector<std::string> out;
  for (const auto& e : table) out.emplace_back(e.name);
  return out;
}

}  // namespace pertoken::catalog
