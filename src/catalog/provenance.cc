#include "catalog/provenance.h"

namespace pertoken::catalog {

std::string Provenance::SourceOf(std::string_view path) const {
  std::string p(path);
  while (true) {
    if (auto it = field_sources.find(p); it != field_sources.end()) return it->second;
    // An array entry such as "offers[3]" may carry its own `source`.
    if (!p.empty() && p.back() == ']') {
      for (const auto& f : fields) {
        if (f.path == p + ".source") return f.value_text;
      }
    }
    const size_t dot = p.rfind('.');
    if (dot == std::string::npos) break;
    p.resize(dot);
  }
  return source;
}

}  // namespace pertoken::catalog
