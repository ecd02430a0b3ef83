#include "calibrate/profile.h"

#include <fmt/format.h>

#include <array>
#include <filesystem>

namespace pertoken::calibrate {

namespace {

// The four tables of one system, read.
struct Tables {
  CsvTable gemm;
  CsvTable context_attention;
  CsvTable generation_attention;
  CsvTable allreduce;
};

// Reads every table of `s`; on failure the Status lists every table that could not be read.
Result<Tables> ReadTables(const std::string& dir, const OpdbSelection& s) {
  const std::array<const OpdbFile*, 4> files = {&s.gemm, &s.context_attention,
                                                &s.generation_attention, &s.allreduce};
  std::array<CsvTable, 4> read;
  std::string errors;
  for (size_t i = 0; i < files.size(); ++i) {
    auto table = CsvTable::Read((std::filesystem::path(dir) / files[i]->file_name).string());
    if (table.ok()) {
      read[i] = std::move(table).value();
    } else {
      errors += (errors.empty() ? "" : "\n") + table.status().message();
    }
  }
  if (!errors.empty()) return Status::IoError(errors);
  return Tables{.gemm = std::move(read[0]),
                .context_attention = std::move(read[1]),
                .generation_attention = std::move(read[2]),
                .allreduce = std::move(read[3])};
}

// The accelerator `table` was measured on: its one `device` value, looked up in the catalog.
Result<const catalog::Accelerator*> ResolveDevice(const catalog::Catalog& catalog,
                                                  const CsvTable& table) {
  auto column = table.Column("device");
  if (!column.ok()) return column.status();
  if (table.rows() == 0) return Status::ParseError(fmt::format("{}: no rows", table.path()));
  const std::string_view device = table.Cell(0, *column);
  for (size_t row = 1; row < table.rows(); ++row) {
    if (table.Cell(row, *column) != device) {
      return Status::ParseError(fmt::format("{}:{}: device '{}' differs from '{}' above",
                                            table.path(), table.Line(row), table.Cell(row, *column),
                                            device));
    }
  }
  auto acc = catalog.FindAccelerator(device);
  if (!acc.ok()) {
    return Status::NotFound(fmt::format("{}: device: {}", table.path(), acc.status().message()));
  }
  return *acc;
}

// The accelerator every table names. InvalidArgument when two tables disagree.
Result<const catalog::Accelerator*> ResolveAccelerator(const catalog::Catalog& catalog,
                                                       const Tables& t) {
  const catalog::Accelerator* found = nullptr;
  for (const CsvTable* table :
       {&t.gemm, &t.context_attention, &t.generation_attention, &t.allreduce}) {
    auto acc = ResolveDevice(catalog, *table);
    if (!acc.ok()) return acc.status();
    if (found != nullptr && *acc != found) {
      return Status::InvalidArgument(fmt::format("{}: measured on {}, but {} was measured on {}",
                                                 table->path(), (*acc)->id, t.gemm.path(),
                                                 found->id));
    }
    found = *acc;
  }
  return found;
}

Status FitTables(const Tables& t, FittedProfile* p) {
  auto gemm_table = ReadGemmTable(t.gemm);
  if (!gemm_table.ok()) return gemm_table.status();
  auto gemm = FitGemm(gemm_table->series, *p->accelerator);
  if (!gemm.ok()) return Status::InvalidArgument(t.gemm.path() + ": " + gemm.status().message());
  p->gemm = *gemm;
  p->gemm_skipped_dtypes = gemm_table->skipped_dtypes;

  auto prefill = ReadAttentionSeries(t.context_attention, true);
  if (!prefill.ok()) return prefill.status();
  auto decode = ReadAttentionSeries(t.generation_attention, false);
  if (!decode.ok()) return decode.status();
  auto attention = FitAttention(*prefill, *decode, *p->accelerator);
  if (!attention.ok()) return attention.status();
  p->prefill_kernel = prefill->kernel_source;
  p->decode_kernel = decode->kernel_source;
  p->attention = *attention;

  auto allreduce_samples = ReadAllReduceSamples(t.allreduce);
  if (!allreduce_samples.ok()) return allreduce_samples.status();
  auto allreduce = FitAllReduce(*allreduce_samples, *p->accelerator);
  if (!allreduce.ok()) return allreduce.status();
  p->allreduce = *allreduce;
  return Status();
}

}  // namespace

Result<FittedProfile> FitProfile(const catalog::Catalog& catalog, const std::string& opdb_dir,
                                 const OpdbSelection& tables) {
  auto read = ReadTables(opdb_dir, tables);
  if (!read.ok()) return read.status();
  auto acc = ResolveAccelerator(catalog, *read);
  if (!acc.ok()) return acc.status();
  FittedProfile profile{.accelerator = *acc, .tables = tables};
  Status s = FitTables(*read, &profile);
  if (!s.ok()) return s;
  return profile;
}

}  // namespace pertoken::calibrate
