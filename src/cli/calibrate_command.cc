#include "cli/calibrate_command.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <system_error>

#include "calibrate/opdb.h"
#include "calibrate/profile.h"
#include "cli/commands.h"

namespace pertoken::cli {

namespace {

// Writes `text` to `path`, replacing the file. IoError names the path.
Status WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) return Status::IoError(fmt::format("{}: cannot write", path.string()));
  return Status();
}

// One summary line per fitted table.
void PrintSummary(const calibrate::FittedProfile& p, const std::string& path, std::ostream& out) {
  auto line = [&](std::string_view table, const calibrate::FitQuality& q, std::string params) {
    out << fmt::format("  {:<21} {:>7} rows  median {:5.1f}%  p90 {:6.1f}%  {}\n", table, q.rows,
                       100 * q.median_ape, 100 * q.p90_ape, params);
  };
  out << fmt::format("{} ({}, {} tables): {}\n", p.accelerator->id, p.tables.system,
                     p.tables.framework, path);
  for (const auto& [precision, curve] : p.gemm.curves) {
    line("gemm " + precision, p.gemm.by_precision.at(precision),
         fmt::format("max_fraction {:.3f}  half_tokens {:.4g}", curve.max_fraction,
                     curve.half_tokens));
  }
  line("gemm (all)", p.gemm.quality,
       fmt::format("memory_fraction {:.3f}  kernel_latency {:.2f} us", p.gemm.memory_fraction,
                   p.gemm.kernel_latency_s * 1e6));
  line("context attention", p.attention.prefill_quality,
       fmt::format("prefill_fraction {:.3f}", p.attention.prefill_fraction));
  line("generation attention", p.attention.decode_quality,
       fmt::format("decode_memory_fraction {:.3f}  kernel_latency {:.2f} us",
                   p.attention.decode_memory_fraction, p.attention.kernel_latency_s * 1e6));
  line("allreduce", p.allreduce.quality,
       fmt::format("bw_fraction {:.3f}  latency {:.2f} us", p.allreduce.bw_fraction,
                   p.allreduce.latency_s * 1e6));
}

// Fits and writes one profile of one system. `written` holds the profile ids written so far:
// two systems measured on one accelerator would overwrite each other's file.
Status CalibrateSystem(const catalog::Catalog& catalog, const CalibrateOpsOptions& options,
                       const calibrate::OpdbSelection& tables, const std::string& commit,
                       std::set<std::string>* written, std::ostream& out) {
  if (!tables.missing.empty()) {
    std::string message;
    for (const std::string& m : tables.missing) message += (message.empty() ? "" : "; ") + m;
    return Status::NotFound(message);
  }
  auto profile = calibrate::FitProfile(catalog, options.opdb_dir, tables);
  if (!profile.ok()) return profile.status();
  const std::string id = calibrate::ProfileId(*profile);
  if (!written->insert(id).second) {
    return Status::InvalidArgument(
        fmt::format("{}: another system's tables already gave this profile", id));
  }
  const auto path = std::filesystem::path(options.out_dir) / (id + ".toml");
  Status saved = WriteFile(path, calibrate::RenderProfile(*profile, commit));
  if (!saved.ok()) return saved;
  PrintSummary(*profile, path.string(), out);
  return Status();
}

}  // namespace

int RunCalibrateOps(const catalog::Catalog& catalog, const CalibrateOpsOptions& options,
                    std::ostream& out, std::ostream& err) {
  auto selections = calibrate::SelectOpdbTables(options.opdb_dir);
  if (!selections.ok()) return Fail(err, selections.status().message());
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) return Fail(err, fmt::format("{}: cannot create: {}", options.out_dir, ec.message()));
  const std::string commit = calibrate::OpdbCommit(options.opdb_dir);
  int failures = 0;
  std::set<std::string> written;
  for (const calibrate::OpdbSelection& tables : *selections) {
    Status s = CalibrateSystem(catalog, options, tables, commit, &written, out);
    if (!s.ok()) {
      Fail(err, fmt::format("{} ({} tables): {}", tables.system, tables.framework, s.message()));
      ++failures;
    }
  }
  return failures == 0 ? kExitOk : kExitFailure;
}

}  // namespace pertoken::cli
