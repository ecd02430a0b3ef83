#include "cli/catalog_import_command.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "catalog/hf_config.h"
#include "cli/commands.h"
#include "perf/model_check.h"
#include "perf/params.h"
#include "report/format.h"

namespace pertoken::cli {

namespace {

std::string Billions(double n) { return fmt::format("{:.2f}B", n / 1e9); }

// Checks `computed` against the published `text` (flag `flag`); on success records the computed
// count as the reference. InvalidArgument naming the flag otherwise.
Status CheckPublished(const std::string& flag, const std::string& text, int64_t computed,
                      std::optional<double>* reference_field, std::vector<std::string>* summary) {
  if (text.empty()) return Status();
  const double published = *ParseParamCount(text);
  const double off = std::abs(static_cast<double>(computed) - published) / published;
  if (off > perf::kParamTolerance) {
    return Status::InvalidArgument(fmt::format(
        "the architecture gives {} parameters ({}), {:.1f}% away from {} {} ({}); more than "
        "{:.0f}% means a key was misread or the published figure counts something else "
        "(a vision encoder, MTP layers): nothing written",
        report::FormatCount(computed), Billions(computed), off * 100, flag, text,
        Billions(published), perf::kParamTolerance * 100));
  }
  *reference_field = static_cast<double>(computed);
  summary->push_back(fmt::format("checked against {} {}: {:.2f}% off (within {:.0f}%)", flag, text,
                                 off * 100, perf::kParamTolerance * 100));
  return Status();
}

// The id the written file needs: --id, else the --out file's name, else the model's own.
Result<std::string> ChooseId(const CatalogImportOptions& o) {
  const std::string stem = o.out.empty() ? "" : std::filesystem::path(o.out).stem().string();
  if (!o.id.empty() && !stem.empty() && o.id != stem) {
    return Status::InvalidArgument(fmt::format(
        "--id {} and --out {} disagree: a model file's id is its file name", o.id, o.out));
  }
  return o.id.empty() ? stem : o.id;
}

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return Status::IoError(fmt::format("--out {}: cannot be written", path));
  f << text;
  f.close();
  if (!f) return Status::IoError(fmt::format("--out {}: writing failed", path));
  return Status();
}

}  // namespace

std::optional<double> ParseParamCount(const std::string& text) {
  std::string t;
  for (char ch : text) {
    if (!std::isspace(static_cast<unsigned char>(ch)) && ch != ',' && ch != '_') t += ch;
  }
  if (t.empty()) return std::nullopt;
  double scale = 1;
  switch (std::toupper(static_cast<unsigned char>(t.back()))) {
    case 'K':
      scale = 1e3;
      break;
    case 'M':
      scale = 1e6;
      break;
    case 'B':
      scale = 1e9;
      break;
    case 'T':
      scale = 1e12;
      break;
  }
  if (scale != 1) t.pop_back();
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (t.empty() || end != t.c_str() + t.size() || !std::isfinite(v) || v <= 0) return std::nullopt;
  return v * scale;
}

int RunCatalogImport(catalog::Catalog& catalog, const CatalogImportOptions& o, std::ostream& out,
                     std::ostream& err) {
  for (const auto& [flag, text] :
       {std::pair{"--params-published", o.params_published},
        std::pair{"--params-active-published", o.params_active_published}}) {
    if (!text.empty() && !ParseParamCount(text)) {
      err << fmt::format("error: {} '{}' is not a parameter count (8.03e9, 8030261248, 8.03B)\n",
                         flag, text);
      return kExitUsage;
    }
  }
  auto id = ChooseId(o);
  if (!id.ok()) return Fail(err, id.status().message());

  // Map the config and count its parameters.
  auto imported = catalog::ReadHfConfig(o.config, {.id = *id});
  if (!imported.ok()) return Fail(err, imported.status().message());
  catalog::Model model = imported->model;
  const perf::ParamCount count = perf::CountParams(model);
  std::vector<std::string> summary;
  summary.push_back(
      fmt::format("{}: {} ({}): {} parameters ({}), {} active{}", o.config, model.id, model.family,
                  report::FormatCount(count.total), Billions(count.total), Billions(count.active),
                  count.mtp > 0 ? fmt::format(", + {} in {} MTP layer{}", Billions(count.mtp),
                                              model.mtp_layers, model.mtp_layers == 1 ? "" : "s")
                                : ""));

  // Check the published sizes, when given.
  if (Status s = CheckPublished("--params-published", o.params_published, count.total,
                                &model.params_reference, &summary);
      !s.ok()) {
    return Fail(err, s.message());
  }
  if (Status s = CheckPublished("--params-active-published", o.params_active_published,
                                count.active, &model.params_active_reference, &summary);
      !s.ok()) {
    return Fail(err, s.message());
  }
  if (!o.params_active_published.empty()) {
    model.params_published =
        o.params_published.empty()
            ? o.params_active_published + " active"
            : fmt::format("{} total / {} active", o.params_published, o.params_active_published);
  } else {
    model.params_published = o.params_published;
  }

  // Validate the file as the catalog loads it, then write it.
  const std::string text = catalog::WriteModelToml(model);
  const std::string file = o.out.empty() ? model.id + ".toml" : o.out;
  if (Status s = catalog.AddModel(text, file); !s.ok()) {
    return Fail(err, fmt::format("{}\n(the written file would not load; pass --id for a model "
                                 "id the catalog does not use)",
                                 s.message()));
  }
  if (!o.out.empty()) {
    if (Status s = WriteFile(o.out, text); !s.ok()) return Fail(err, s.message());
    summary.push_back(fmt::format("wrote {}", o.out));
  } else {
    out << text;
  }
  std::ostream& notes = o.out.empty() ? err : out;
  for (const auto& line : summary) notes << line << "\n";
  for (const auto& n : imported->notes) notes << "  note: " << n << "\n";
  return kExitOk;
}

Result<std::string> AddModelConfig(catalog::Catalog& catalog, const std::string& path) {
  auto imported = catalog::ReadHfConfig(path, {});
  if (!imported.ok()) {
    const Status& s = imported.status();
    const std::string msg = "--model-config: " + s.message();
    if (s.code() == StatusCode::kIoError) return Status::IoError(msg);
    if (s.code() == StatusCode::kParseError) return Status::ParseError(msg);
    return Status::InvalidArgument(msg);
  }
  catalog::Model model = imported->model;
  // A name the catalog already answers to gets a suffix: "-config", then "-config-2", ...
  const std::string base = model.id;
  for (int n = 1; catalog.FindModel(model.id).ok(); ++n) {
    model.id = base + (n == 1 ? "-config" : fmt::format("-config-{}", n));
  }
  if (Status s = catalog.AddModel(catalog::WriteModelToml(model), path); !s.ok()) {
    return Status::InvalidArgument("--model-config: " + s.message());
  }
  return model.id;
}

}  // namespace pertoken::cli
