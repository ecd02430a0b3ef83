#include "perf/model_check.h"

#include <fmt/format.h>

#include <cmath>

#include "perf/params.h"

namespace pertoken::perf {

namespace {

int LineOf(const catalog::Provenance& prov, const std::string& path) {
  for (const auto& f : prov.fields) {
    if (f.path == path) return f.line;
  }
  return 1;
}

}  // namespace

std::vector<std::string> CheckModelParams(const catalog::Catalog& cat) {
  std::vector<std::string> errors;
  for (const auto& m : cat.models()) {
    const ParamCount c = CountParams(m);
    auto check = [&](const char* key, const std::optional<double>& reference, int64_t computed) {
      if (!reference) return;
      const double rel = std::abs(static_cast<double>(computed) - *reference) / *reference;
      if (rel > kParamTolerance) {
        errors.push_back(fmt::format(
            "{}:{}: {}: the architecture gives {} parameters, {:.1f}% away from {:.0f}",
            m.provenance.file, LineOf(m.provenance, key), key, computed, rel * 100, *reference));
      }
    };
    check("params_reference", m.params_reference, c.total);
    check("params_active_reference", m.params_active_reference, c.active);
  }
  return errors;
}

}  // namespace pertoken::perf
