// The subcommands of the `pertoken` binary, as library functions: options in, report out, exit
// code back. tools/pertoken/main.cc only parses flags into these structs; tests call them directly.
// Exit codes: 0 success, 1 a failure or a negative answer (does not fit), 2 a usage error.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "catalog/catalog.h"
#include "metrics/power.h"
#include "metrics/pricing.h"
#include "perf/step.h"
#include "report/fit_report.h"

namespace pertoken::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Writes "error: <message>" to `err` and returns kExitFailure: every subcommand's one-line
// failure message.
int Fail(std::ostream& err, const std::string& message);

// Upper bound on accelerators in one replica: beyond it a count is a typo, not a deployment.
inline constexpr int kMaxAccelerators = 4096;

// Default tokens per sequence when --context is not given.
inline constexpr int64_t kDefaultContextTokens = 4096;

struct FitOptions {
  std::string model;        // id or alias
  std::string accelerator;  // id or alias
  std::string engine = "vllm";
  std::string weights;  // precision or format id; empty = the model's released format
  std::string kv = "bf16";
  std::optional<int> count;  // accelerators in the replica
  std::optional<int> tp;
  std::optional<int> pp;
  std::optional<int> ep;
  std::optional<int64_t> context_tokens;      // tokens per sequence
  std::optional<int64_t> max_context_tokens;  // longest admitted sequence
  // The engine's own flags, as on its command line ("--max-num-seqs 64"), mapped by its
  // [cli_flags] to the settings they change; empty = the engine file's defaults.
  std::string engine_flags;
  bool json = false;
};

// A deployment resolved from fit options: the fit request of the chosen layout and the report.
struct FitResolution {
  perf::FitRequest request;
  report::FitReport report;
};

// Resolves names, precisions, lengths and the layout (as `fit` does); InvalidArgument/NotFound
// with one clear message when the input is wrong. A configuration that does not fit is not an
// error here: see report.chosen.fits.
Result<FitResolution> ResolveFit(const catalog::Catalog& catalog, const FitOptions& options);

// A deployment that fits, ready for the step-time model (estimate, simulate): ResolveFit, then
// InvalidArgument "<model> does not fit on N × <accelerator> (<reason>); see `pertoken fit`" when
// the chosen layout does not fit.
Result<perf::Deployment> ResolveDeployment(const catalog::Catalog& catalog,
                                           const FitOptions& options);

// The price of one accelerator-hour: `usd_per_accelerator_hour` when given (--usd-per-hour), else
// the catalog's default on-demand price (metrics::DefaultPrice).
metrics::AcceleratorPrice PriceFor(const catalog::Catalog& catalog,
                                   const catalog::Accelerator& accelerator,
                                   std::optional<double> usd_per_accelerator_hour);

// The facility for energy figures: `pue` when given (--pue, at least 1), else the PUE of the
// `datacenter` profile (--datacenter), else of the catalog's default profile. InvalidArgument for
// a PUE below 1, NotFound for an unknown profile.
Result<metrics::Facility> FacilityFor(const catalog::Catalog& catalog,
                                      const std::string& datacenter, std::optional<double> pue);

// `pertoken fit`: 0 when the model fits, 1 when it does not or the input is wrong.
int RunFit(const catalog::Catalog& catalog, const FitOptions& options, std::ostream& out,
           std::ostream& err);

// `pertoken catalog list [KIND]`: KIND is a folder name (accelerators, models, quantization,
// engines, prices, api-prices); empty lists every kind.
int RunCatalogList(const catalog::Catalog& catalog, const std::string& kind, bool json,
                   std::ostream& out, std::ostream& err);

// `pertoken catalog show ID`: ID may be "KIND/ID" where two kinds share an id.
int RunCatalogShow(const catalog::Catalog& catalog, const std::string& id, bool json,
                   std::ostream& out, std::ostream& err);

// `pertoken catalog check`: loads and validates every file of `data_dir`, printing every problem.
int RunCatalogCheck(const std::string& data_dir, bool json, std::ostream& out, std::ostream& err);

}  // namespace pertoken::cli
