// Per-kind readers: one catalog file's table -> one record, with every problem appended to the
// error list. Internal to src/catalog.
#pragma once

#include "catalog/toml_reader.h"
#include "catalog/types.h"

namespace pertoken::catalog {

// Reads the keys every file has (schema_version, id, name, aliases, source, notes,
// [field_sources], [[alternatives]]). `stem` is the file name without ".toml".
void ReadEntity(FieldReader& root, const std::string& stem, Entity* entity);

void ReadAccelerator(FieldReader& root, Accelerator* out);
void ReadModel(FieldReader& root, Model* out);
void ReadQuantFormat(FieldReader& root, QuantFormat* out);
void ReadEngine(FieldReader& root, Engine* out);
void ReadPriceList(FieldReader& root, PriceList* out);
void ReadApiPriceList(FieldReader& root, ApiPriceList* out);
void ReadEfficiency(FieldReader& root, Efficiency* out);
void ReadAccuracy(FieldReader& root, Accuracy* out);
void ReadDatacenter(FieldReader& root, Datacenter* out);
void ReadOwnership(FieldReader& root, Ownership* out);
void ReadWorkload(FieldReader& root, Workload* out);

}  // namespace pertoken::catalog
