#include "catalog/hf_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "catalog/hf_config_arch.h"
#include "catalog/hf_config_reader.h"
#include "common/names.h"

namespace pertoken::catalog {

namespace {

// Model types of encoders, embedders and vision models: no language-model head to serve.
constexpr std::string_view kNonGenerativeTypes[] = {"albert",
                                                    "bert",
                                                    "camembert",
                                                    "clip",
                                                    "clip_text_model",
                                                    "clip_vision_model",
                                                    "convnext",
                                                    "deberta",
                                                    "deberta-v2",
                                                    "dinov2",
                                                    "distilbert",
                                                    "electra",
                                                    "modernbert",
                                                    "mpnet",
                                                    "nomic_bert",
                                                    "roberta",
                                                    "sam",
                                                    "siglip",
                                                    "siglip_text_model",
                                                    "siglip_vision_model",
                                                    "swin",
                                                    "vit",
                                                    "xlm-roberta"};

// Heads that classify, tag or embed instead of generating text.
constexpr std::string_view kNonGenerativeHeads[] = {
    "ForSequenceClassification", "ForTokenClassification",
    "ForQuestionAnswering",      "ForMaskedLM",
    "ForMultipleChoice",         "ForImageClassification",
    "ForSemanticSegmentation",   "ForObjectDetection",
    "ForAudioClassification",    "ForCTC",
    "ForImageTextRetrieval",     "ForZeroShotImageClassification"};

// The keys every decoder needs, named when an unknown architecture lacks them.
constexpr std::string_view kDecoderKeys[] = {"num_hidden_layers",   "hidden_size",
                                             "num_attention_heads", "intermediate_size",
                                             "vocab_size",          "max_position_embeddings"};

// InvalidArgument for a config pertoken must not serve: an embedding, classification or vision
// model. OK otherwise.
Status CheckGenerative(HfConfigReader& c, const std::string& model_type,
                       const std::vector<std::string>& architectures) {
  const std::string& path = c.path();
  for (std::string_view t : kNonGenerativeTypes) {
    if (model_type == t) {
      return Status::InvalidArgument(fmt::format(
          "{}: model_type '{}' is an encoder, embedding or vision model with no language-model "
          "head; pertoken plans text generation (decoders and encoder-decoders)",
          path, model_type));
    }
  }
  for (const std::string& arch : architectures) {
    for (std::string_view head : kNonGenerativeHeads) {
      if (arch.ends_with(head)) {
        return Status::InvalidArgument(fmt::format(
            "{}: architectures: '{}' is a {} head, not a language-model head; pertoken plans "
            "text generation",
            path, arch, head.substr(3)));
      }
    }
  }
  if (!c.has_text_config() && c.HasOuter("vision_config")) {
    return Status::InvalidArgument(fmt::format(
        "{}: vision_config without text_config: a vision model, not a language model", path));
  }
  return Status();
}

// The importer's entry for the config, or an error naming what is supported and what is missing.
Result<const HfArch*> FindArch(HfConfigReader& c, const std::string& model_type,
                               const std::vector<std::string>& architectures) {
  const std::string text_type = c.has_text_config() ? c.OptString("model_type").value_or("") : "";
  for (const HfArch& a : HfArchitectures()) {
    if (!model_type.empty() && a.model_type == model_type) return &a;
  }
  // A wrapper pertoken does not know around a text model it does (LLaVA around Llama): the text
  // model, its towers noted as not counted.
  for (const HfArch& a : HfArchitectures()) {
    if (!text_type.empty() && a.model_type == text_type) return &a;
  }
  for (const HfArch& a : HfArchitectures()) {
    if (model_type.empty() && !architectures.empty() && a.architecture == architectures.front()) {
      return &a;
    }
  }
  std::vector<std::string> lacking;
  for (std::string_view key : kDecoderKeys) {
    if (!c.Has(key)) lacking.emplace_back(key);
  }
  const std::string what =
      model_type.empty() && architectures.empty()
          ? std::string("the file names no architecture (neither model_type nor architectures)")
          : fmt::format("unknown architecture '{}' (model_type '{}')",
                        architectures.empty() ? "" : architectures.front(), model_type);
  return Status::InvalidArgument(fmt::format(
      "{}: {}; pertoken imports: {}.{} It does not guess the layout of other architectures: "
      "write a model file by hand (doc/formats/model.md)",
      c.path(), what, fmt::join(SupportedHfArchitectures(), ", "),
      lacking.empty() ? std::string()
                      : fmt::format(" The file also lacks keys every decoder needs: {}.",
                                    fmt::join(lacking, ", "))));
}

// The model's name: `_name_or_path` when it names a Hub repository, else the file's name (its
// folder's for "config.json"), without the "org__" prefix of copied files.
std::string NameOf(HfConfigReader& c, const std::string& path, std::string* hf_id) {
  if (auto n = c.OptString("_name_or_path");
      n && !n->empty() && n->front() != '/' && n->front() != '.' && n->find("/") != n->npos) {
    *hf_id = *n;
    return n->substr(n->rfind('/') + 1);
  }
  const std::filesystem::path p(path);
  std::string stem = p.stem().string();
  if (stem == "config" && p.has_parent_path()) stem = p.parent_path().filename().string();
  if (auto sep = stem.find("__"); sep != std::string::npos) stem = stem.substr(sep + 2);
  return stem;
}

std::string Join(const std::vector<std::string>& lines, std::string_view sep) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : std::string(sep)) + l;
  return out;
}

}  // namespace

std::string HfModelId(std::string_view name) {
  std::string_view n = name;
  if (auto slash = n.rfind('/'); slash != std::string_view::npos) n = n.substr(slash + 1);
  if (auto sep = n.find("__"); sep != std::string_view::npos) n = n.substr(sep + 2);
  std::string id = NormalizeName(n);
  while (!id.empty() && (id.front() == '.' || id.front() == '-')) id.erase(id.begin());
  return id;
}

std::vector<std::string> SupportedHfArchitectures() {
  std::vector<std::string> out;
  for (const HfArch& a : HfArchitectures()) {
    out.push_back(fmt::format("{} ({})", a.model_type, a.architecture));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<HfImport> ModelFromHfConfig(std::string_view json_text, const std::string& path,
                                   const HfImportOptions& options) {
  std::string parse_error;
  auto c = HfConfigReader::Parse(json_text, path, &parse_error);
  if (!c) return Status::ParseError(parse_error);

  // What the file says it is: refuse non-generative models, then find the importer.
  const std::string model_type = c->OuterString("model_type").value_or("");
  const std::vector<std::string> architectures = c->OuterStrings("architectures");
  if (Status s = CheckGenerative(*c, model_type, architectures); !s.ok()) return s;
  auto arch = FindArch(*c, model_type, architectures);
  if (!arch.ok()) return arch.status();
  // "LlamaModel", "Qwen3Model": the bare trunk of a known architecture, as embedding models ship.
  if (!architectures.empty() && architectures.front().ends_with("Model") &&
      !architectures.front().ends_with("LMHeadModel")) {
    return Status::InvalidArgument(fmt::format(
        "{}: architectures: '{}' is the bare {} trunk without a language-model head (an "
        "embedding or feature extractor); pertoken plans text generation ({})",
        path, architectures.front(), (*arch)->model_type, (*arch)->architecture));
  }

  // Map every key; collect every missing and contradictory one before failing.
  c->set_defaults_class(std::string((*arch)->config_class));
  HfImport out;
  out.model = MapHfConfig(**arch, *c);
  for (std::string_view tower : {"vision_config", "audio_config"}) {
    if (c->has_text_config() && c->HasOuter(tower)) {
      c->Note(
          fmt::format("the {} encoder and its projector ({}) are not counted: the text model "
                      "only",
                      tower.substr(0, tower.find('_')), tower));
    }
  }
  std::vector<std::string> problems;
  if (!c->missing().empty()) {
    problems.push_back(fmt::format("{}: missing required keys for {} (model_type '{}'): {}", path,
                                   (*arch)->architecture, (*arch)->model_type,
                                   fmt::join(c->missing(), ", ")));
  }
  problems.insert(problems.end(), c->errors().begin(), c->errors().end());
  if (!problems.empty()) return Status::InvalidArgument(Join(problems, "\n"));

  // Identity and provenance.
  Model& m = out.model;
  const std::string name = NameOf(*c, path, &m.hf_id);
  m.id = options.id.empty() ? HfModelId(name) : options.id;
  m.name = options.name.empty() ? name : options.name;
  if (m.id.empty()) {
    return Status::InvalidArgument(
        fmt::format("{}: no model id can be made from the name '{}'; pass --id", path, name));
  }
  out.notes = c->notes();
  m.provenance.source = fmt::format("imported from {} by pertoken catalog import-hf", path);
  m.provenance.notes = Join(out.notes, "; ");
  return out;
}

Result<HfImport> ReadHfConfig(const std::string& path, const HfImportOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Status::IoError(fmt::format("{}: is a directory; give the config.json in it", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(fmt::format("{}: cannot be read", path));
  std::ostringstream text;
  text << in.rdbuf();
  return ModelFromHfConfig(text.str(), path, options);
}

}  // namespace pertoken::catalog
