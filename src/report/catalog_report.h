// Text and JSON renderings of the catalog for `pertoken catalog list|show`. Pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "catalog/catalog.h"

namespace pertoken::report {

// A table of the entities of one kind.
std::string CatalogListText(const catalog::Catalog& cat, catalog::Kind kind);
nlohmann::json CatalogListJson(const catalog::Catalog& cat, catalog::Kind kind);

// Every field of one entity with the source that vouches for it, and its conflicting values.
std::string CatalogShowText(const catalog::Entity& entity, catalog::Kind kind);
nlohmann::json CatalogShowJson(const catalog::Entity& entity, catalog::Kind kind);

}  // namespace pertoken::report
