#include "cli/spec_decode.h"

#include <fmt/format.h>

#include "validate/text.h"

namespace pertoken::cli {

Result<perf::SpecDecode> ParseSpecDecode(const catalog::Catalog& cat, const std::string& text) {
  perf::SpecDecode spec;
  bool has_accept = false;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(start, comma - start);
    start = comma + 1;
    const size_t eq = item.find('=');
    if (eq == std::string::npos) {
      return Status::InvalidArgument(fmt::format("'{}' is not key=value", item));
    }
    const std::string key = item.substr(0, eq);
    const std::string value = item.substr(eq + 1);
    if (key == "draft") {
      auto m = cat.FindModel(value);
      if (!m.ok()) return Status::InvalidArgument(m.status().message());
      spec.draft = *m;
    } else if (key == "k") {
      auto k = validate::ParseNumber(value);
      if (!k || *k < 1 || *k > 64 || *k != static_cast<int>(*k)) {
        return Status::InvalidArgument(
            fmt::format("k must be an integer from 1 to 64, got '{}'", value));
      }
      spec.k = static_cast<int>(*k);
    } else if (key == "accept") {
      auto a = validate::ParseNumber(value);
      if (!a || *a < 0 || *a >= 1) {
        return Status::InvalidArgument(fmt::format("accept must be in [0, 1), got '{}'", value));
      }
      spec.acceptance = *a;
      has_accept = true;
    } else {
      return Status::InvalidArgument(fmt::format("unknown key '{}' (draft, k, accept)", key));
    }
  }
  if (!has_accept) return Status::InvalidArgument("accept=... is required");
  return spec;
}

}  // namespace pertoken::cli
