#include "report/catalog_report.h"

#include <fmt/format.h>

#include <map>

#include "perf/params.h"
#include "report/format.h"

namespace pertoken::report {

using catalog::Kind;

namespace {

std::string Peak(const catalog::Accelerator& a, const std::string& p) {
  auto it = a.peak_flops_per_s.find(p);
  return it == a.peak_flops_per_s.end() ? "-" : fmt::format("{:.0f}", it->second / 1e12);
}

std::string AttentionName(catalog::AttentionType t) {
  switch (t) {
    case catalog::AttentionType::kMha:
      return "MHA";
    case catalog::AttentionType::kGqa:
      return "GQA";
    case catalog::AttentionType::kMqa:
      return "MQA";
    case catalog::AttentionType::kMla:
      return "MLA";
  }
  return "";
}

std::string PolicyName(catalog::MemoryPolicy p) {
  switch (p) {
    case catalog::MemoryPolicy::kFractionOfTotal:
      return "fraction-of-total";
    case catalog::MemoryPolicy::kStaticFractionOfTotal:
      return "static-fraction-of-total";
    case catalog::MemoryPolicy::kFractionOfFree:
      return "fraction-of-free";
    case catalog::MemoryPolicy::kAllRemaining:
      return "all-remaining";
  }
  return "";
}

std::string Billions(int64_t n) { return fmt::format("{:.2f}B", static_cast<double>(n) / 1e9); }

}  // namespace

std::string CatalogListText(const catalog::Catalog& cat, Kind kind) {
  std::string out;
  switch (kind) {
    case Kind::kAccelerator:
      out += fmt::format("{:<20} {:<48} {:>10} {:>9} {:>7} {:>7} {:>7} {:>6}\n", "id", "name",
                         "memory", "TB/s", "BF16 TF", "FP8 TF", "FP4 TF", "TDP W");
      for (const auto& a : cat.accelerators()) {
        out += fmt::format("{:<20} {:<48} {:>10} {:>9.3f} {:>7} {:>7} {:>7} {:>6}\n", a.id, a.name,
                           a.memory_bytes ? FormatGb(static_cast<double>(*a.memory_bytes)) : "-",
                           a.mem_bw_bytes_per_s / 1e12, Peak(a, "bf16"), Peak(a, "fp8"),
                           Peak(a, "fp4"), a.tdp_w ? fmt::format("{:.0f}", *a.tdp_w) : "-");
      }
      break;
    case Kind::kModel:
      out += fmt::format("{:<18} {:<34} {:>9} {:>9} {:>6} {:>5} {:>9}\n", "id", "name", "params",
                         "active", "layers", "attn", "context");
      for (const auto& m : cat.models()) {
        const auto p = perf::CountParams(m);
        out += fmt::format("{:<18} {:<34} {:>9} {:>9} {:>6} {:>5} {:>9}\n", m.id, m.name,
                           Billions(p.total), Billions(p.active), m.layers,
                           AttentionName(m.attention.type), FormatCount(m.max_context_tokens));
      }
      break;
    case Kind::kQuantization:
      out += fmt::format("{:<14} {:<9} {:<12} {:>9} {:<8} {:>7}  {}\n", "id", "precision",
                         "applies to", "bits/elem", "compute", "results", "name");
      for (const auto& q : cat.quant_formats()) {
        const std::string uses = q.for_weights && q.for_kv ? "weights,kv"
                                 : q.for_kv                ? "kv"
                                                           : "weights";
        out += fmt::format("{:<14} {:<9} {:<12} {:>9.3f} {:<8} {:>7}  {}\n", q.id, q.precision,
                           uses, q.BitsPerElement(), q.compute_precision, q.results.size(), q.name);
      }
      break;
    case Kind::kEngine:
      out += fmt::format("{:<10} {:<16} {:<34} {:<26} {:>8} {:>6} {:>8}\n", "id", "name", "version",
                         "memory policy", "fraction", "block", "max seqs");
      for (const auto& e : cat.engines()) {
        out += fmt::format("{:<10} {:<16} {:<34} {:<26} {:>8g} {:>6} {:>8}\n", e.id, e.name,
                           e.version, PolicyName(e.memory_policy), e.memory_fraction,
                           e.block_tokens, e.max_num_seqs);
      }
      break;
    case Kind::kPrice:
      out +=
          fmt::format("{:<16} {:<36} {:<15} {:>6}  {}\n", "id", "name", "kind", "offers", "as of");
      for (const auto& p : cat.prices()) {
        out += fmt::format("{:<16} {:<36} {:<15} {:>6}  {}\n", p.id, p.name, p.kind,
                           p.offers.size(), p.as_of);
      }
      break;
    case Kind::kApiPrice:
      out += fmt::format("{:<18} {:<36} {:>6}  {}\n", "id", "name", "offers", "as of");
      for (const auto& p : cat.api_prices()) {
        out += fmt::format("{:<18} {:<36} {:>6}  {}\n", p.id, p.name, p.offers.size(), p.as_of);
      }
      break;
    case Kind::kAccuracy:
      out += fmt::format("{:<14} {:<12} {:<12} {:>6} {:>9} {:>9} {:>10}\n", "id", "engine", "class",
                         "rows", "p10 ratio", "p90 ratio", "median APE");
      for (const auto& a : cat.accuracies()) {
        for (const auto& b : a.bands) {
          out += fmt::format("{:<14} {:<12} {:<12} {:>6} {:>9.3f} {:>9.3f} {:>9.1f}%\n", a.id,
                             b.engine, b.row_class, b.rows, b.low_ratio, b.high_ratio,
                             100 * b.median_ape);
        }
      }
      break;
    case Kind::kDatacenter:
      out += fmt::format("{:<18} {:<56} {:>5} {:>8} {}\n", "id", "name", "PUE", "$/kWh", "");
      for (const auto& d : cat.datacenters()) {
        out += fmt::format("{:<18} {:<56} {:>5.2f} {:>8} {}\n", d.id, d.name, d.pue,
                           d.usd_per_kwh ? fmt::format("{:.3f}", *d.usd_per_kwh) : "-",
                           d.is_default ? "(default)" : "");
      }
      break;
    case Kind::kOwnership:
      out += fmt::format("{:<14} {:>6} {:>8} {:>8} {:>8} {:>7}\n", "id", "years", "capital",
                         "maint/yr", "server+", "power×");
      for (const auto& o : cat.ownerships()) {
        out += fmt::format("{:<14} {:>6g} {:>7.1f}% {:>7.1f}% {:>7.1f}% {:>7.2f} {}\n", o.id,
                           o.amortization_years, 100 * o.cost_of_capital,
                           100 * o.maintenance_fraction_per_year, 100 * o.server_capex_fraction,
                           o.server_power_factor, o.is_default ? "(default)" : "");
      }
      break;
    case Kind::kWorkload: {
      // Means in tokens; limits as TTFT/TPOT p99 in ms ("-" where not published).
      auto num = [](const std::optional<double>& v) {
        return v ? fmt::format("{:g}", *v) : std::string("-");
      };
      auto limits = [](const std::optional<double>& ttft, const std::optional<double>& tpot) {
        return ttft && tpot ? fmt::format("{:g}/{:g}", *ttft * 1e3, *tpot * 1e3) : std::string("-");
      };
      out += fmt::format("{:<22} {:<16} {:>9} {:>9} {:>11} {:>11}  {}\n", "id", "model", "input",
                         "output", "server ms", "interact ms", "name");
      for (const auto& w : cat.workloads()) {
        out +=
            fmt::format("{:<22} {:<16} {:>9} {:>9} {:>11} {:>11}  {}\n", w.id,
                        w.model.empty() ? "any" : w.model, num(w.input_mean_tokens),
                        num(w.output_mean_tokens), limits(w.server_ttft_p99_s, w.server_tpot_p99_s),
                        limits(w.interactive_ttft_p99_s, w.interactive_tpot_p99_s), w.name);
      }
      break;
    }
    case Kind::kEfficiency:
      out += fmt::format("{:<20} {:>9} {:>9} {:>8} {:>8} {:>9} {:>8} {:>8}\n", "id", "gemm max",
                         "half tok", "mem", "attn pf", "pf half", "attn kv", "AR bw");
      for (const auto& e : cat.efficiencies()) {
        const auto& g = e.gemm.at("bf16");
        out +=
            fmt::format("{:<20} {:>9.2f} {:>9.0f} {:>8.2f} {:>8.2f} {:>9.0f} {:>8.2f} {:>8.2f}\n",
                        e.id, g.max_fraction, g.half_tokens, e.gemm_memory_fraction,
                        e.attention_prefill_fraction, e.attention_prefill_half_work,
                        e.attention_decode_memory_fraction, e.allreduce_bw_fraction);
      }
      break;
  }
  return out;
}

nlohmann::json CatalogListJson(const catalog::Catalog& cat, Kind kind) {
  nlohmann::json arr = nlohmann::json::array();
  for (const catalog::Entity* e : cat.Entities(kind)) {
    nlohmann::json j = {{"id", e->id},
                        {"name", e->name},
                        {"aliases", e->aliases},
                        {"file", e->provenance.file},
                        {"source", e->provenance.source}};
    if (kind == Kind::kAccelerator) {
      const auto& a = static_cast<const catalog::Accelerator&>(*e);
      j["memory_bytes"] =
          a.memory_bytes ? nlohmann::json(*a.memory_bytes) : nlohmann::json(nullptr);
      j["mem_bw_bytes_per_s"] = a.mem_bw_bytes_per_s;
      j["peak_flops_per_s"] = a.peak_flops_per_s;
    } else if (kind == Kind::kModel) {
      const auto& m = static_cast<const catalog::Model&>(*e);
      const auto p = perf::CountParams(m);
      j["params_total"] = p.total;
      j["params_active"] = p.active;
      j["layers"] = m.layers;
      j["max_context_tokens"] = m.max_context_tokens;
    } else if (kind == Kind::kQuantization) {
      const auto& q = static_cast<const catalog::QuantFormat&>(*e);
      j["precision"] = q.precision;
      j["bits_per_element"] = q.BitsPerElement();
      j["results"] = q.results.size();
    } else if (kind == Kind::kEngine) {
      j["version"] = static_cast<const catalog::Engine&>(*e).version;
    } else if (kind == Kind::kWorkload) {
      const auto& w = static_cast<const catalog::Workload&>(*e);
      auto opt = [](const std::optional<double>& v) {
        return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
      };
      j["model"] = w.model.empty() ? nlohmann::json(nullptr) : nlohmann::json(w.model);
      j["dataset"] = w.dataset;
      j["input_mean_tokens"] = opt(w.input_mean_tokens);
      j["output_mean_tokens"] = opt(w.output_mean_tokens);
      j["lengths"] =
          w.lengths_file.empty() ? nlohmann::json(nullptr) : nlohmann::json(w.lengths_file);
      j["server_ttft_p99_s"] = opt(w.server_ttft_p99_s);
      j["server_tpot_p99_s"] = opt(w.server_tpot_p99_s);
      j["interactive_ttft_p99_s"] = opt(w.interactive_ttft_p99_s);
      j["interactive_tpot_p99_s"] = opt(w.interactive_tpot_p99_s);
    }
    arr.push_back(std::move(j));
  }
  return arr;
}

std::string CatalogShowText(const catalog::Entity& e, Kind kind) {
  const auto& prov = e.provenance;
  std::string out = fmt::format("{} ({}): {}\n", e.id, KindNoun(kind), e.name);
  out += fmt::format("file     {}\n", prov.file);
  if (!e.aliases.empty()) {
    std::string list;
    for (const auto& a : e.aliases) list += (list.empty() ? "" : ", ") + a;
    out += fmt::format("aliases  {}\n", list);
  }
  // Number the distinct sources so each field line stays short.
  std::map<std::string, int> numbers;
  std::vector<std::string> ordered;
  auto number = [&](const std::string& src) {
    auto [it, inserted] = numbers.emplace(src, static_cast<int>(numbers.size()) + 1);
    if (inserted) ordered.push_back(src);
    return it->second;
  };
  number(prov.source);
  out += "\nfields (value [source]):\n";
  for (const auto& f : prov.fields) {
    if (f.path == "source" || f.path == "notes" || f.path.rfind("field_sources", 0) == 0 ||
        f.path.rfind("alternatives", 0) == 0 || f.path.ends_with(".source") ||
        f.path == "aliases") {
      continue;
    }
    std::string value = f.value_text;
    if (value.size() > 90) value = value.substr(0, 87) + "...";
    out += fmt::format("  {:<40} {} [{}]\n", f.path, value, number(prov.SourceOf(f.path)));
  }
  if (!prov.alternatives.empty()) {
    out += "\nconflicting published values (not used):\n";
    for (const auto& a : prov.alternatives) {
      out += fmt::format("  {} = {} [{}]\n      why not: {}\n", a.field, a.value_text,
                         number(a.source), a.why_not_default);
    }
  }
  out += "\nsources:\n";
  for (size_t i = 0; i < ordered.size(); ++i) out += fmt::format("  [{}] {}\n", i + 1, ordered[i]);
  if (!prov.notes.empty()) out += fmt::format("\nnotes: {}\n", prov.notes);
  return out;
}

nlohmann::json CatalogShowJson(const catalog::Entity& e, Kind kind) {
  const auto& prov = e.provenance;
  nlohmann::json j = {{"id", e.id},           {"kind", KindNoun(kind)}, {"name", e.name},
                      {"aliases", e.aliases}, {"file", prov.file},      {"source", prov.source},
                      {"notes", prov.notes}};
  j["fields"] = nlohmann::json::array();
  for (const auto& f : prov.fields) {
    j["fields"].push_back({{"path", f.path},
                           {"value", f.value_text},
                           {"line", f.line},
                           {"source", prov.SourceOf(f.path)}});
  }
  j["alternatives"] = nlohmann::json::array();
  for (const auto& a : prov.alternatives) {
    j["alternatives"].push_back({{"field", a.field},
                                 {"value", a.value_text},
                                 {"source", a.source},
                                 {"why_not_default", a.why_not_default}});
  }
  return j;
}

}  // namespace pertoken::report
