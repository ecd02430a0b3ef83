#include "report/compare_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "report/format.h"

namespace pertoken::report {

namespace {

nlohmann::json Optional(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

bool IsApi(const CompareRow& row) { return row.shown().pricing == "api"; }

std::optional<double> ChangeUsdPerMtok(const CompareRow& row, const CompareRow& base) {
  return PercentChange(row.shown().spend.usd_per_million_output_tokens,
                       base.shown().spend.usd_per_million_output_tokens);
}

std::optional<double> ChangeAnnual(const CompareRow& row, const CompareRow& base) {
  return PercentChange(row.shown().spend.annual_usd, base.shown().spend.annual_usd);
}

// A change for people: "+12.5%", "—" on the baseline's own row, "-" against a free baseline.
std::string DeltaText(const CompareRow& row, const CompareRow& base,
                      const std::optional<double>& d) {
  if (&row == &base) return "—";
  return d ? fmt::format("{:+.1f}%", *d) : "-";
}

// A deployment figure: "-" on a hosted API's row, where there is no fleet.
std::string Fleet(const CompareRow& row, std::string text) { return IsApi(row) ? "-" : text; }

// One column of the text and Markdown tables. Optional columns appear only when their cells
// differ between rows; a fleet's figure ('-' on a hosted API's row) differs only between rows
// that have a fleet.
struct Column {
  const char* header;
  bool right;     // numbers are right-aligned
  bool optional;  // shown only when it varies
  std::string (*cell)(const CompareRow& row, const CompareRow& base);
  bool fleet = false;  // a figure of the self-hosted fleet
};

const Column kColumns[] = {
    {"scenario", false, false, [](const CompareRow& r, const CompareRow&) { return r.name; }},
    {"model", false, true,
     [](const CompareRow& r, const CompareRow&) {
       return r.cost.model.empty() ? "-" : r.cost.model;
     }},
    {"deployment", false, false,
     [](const CompareRow& r, const CompareRow&) {
       return IsApi(r)
                  ? std::string("hosted API")
                  : fmt::format("{} × {}", r.cost.accelerators_per_replica, r.cost.accelerator);
     }},
    {"weights", false, true,
     [](const CompareRow& r, const CompareRow&) {
       return Fleet(r, r.weights.empty() ? "-" : r.weights);
     },
     true},
    {"kv", false, true,
     [](const CompareRow& r, const CompareRow&) { return Fleet(r, r.kv.empty() ? "-" : r.kv); },
     true},
    {"engine", false, true,
     [](const CompareRow& r, const CompareRow&) {
       return Fleet(r, r.engine.empty() ? "-" : r.engine);
     },
     true},
    {"in + out", true, true,
     [](const CompareRow& r, const CompareRow&) {
       if (!r.input_tokens || !r.output_tokens) return std::string("-");
       return fmt::format("{} + {}", FormatCount(*r.input_tokens), FormatCount(*r.output_tokens));
     }},
    {"in flight", true, true,
     [](const CompareRow& r, const CompareRow&) {
       return Fleet(r, r.cost.concurrency > 0 ? fmt::format("{:.0f}", r.cost.concurrency) : "-");
     },
     true},
    {"out/day", true, true,
     [](const CompareRow& r, const CompareRow&) {
       return fmt::format("{:.4g} M", r.cost.traffic.output_tokens_per_day / 1e6);
     }},
    {"peak", true, true,
     [](const CompareRow& r, const CompareRow&) {
       return fmt::format("{:g}×", r.cost.traffic.peak_to_mean);
     }},
    {"out tok/s", true, false,
     [](const CompareRow& r, const CompareRow&) {
       return Fleet(r, FormatCount(std::llround(r.cost.capacity.output_tokens_per_s)));
     }},
    {"TTFT ms", true, false,
     [](const CompareRow& r, const CompareRow&) {
       return Fleet(r, r.cost.ttft_s ? fmt::format("{:.0f}", 1e3 * *r.cost.ttft_s) : "-");
     }},
    {"TPOT ms", true, false,
     [](const CompareRow& r, const CompareRow&) {
       return Fleet(r, r.cost.tpot_s ? fmt::format("{:.1f}", 1e3 * *r.cost.tpot_s) : "-");
     }},
    {"replicas", true, false,
     [](const CompareRow& r, const CompareRow&) {
       return Fleet(r, fmt::format("{}", r.cost.sizing.replicas));
     }},
    {"util", true, false,
     [](const CompareRow& r, const CompareRow&) {
       const auto& u = r.shown().utilization;
       return u ? fmt::format("{:.1f}%", 100 * *u) : std::string("-");
     }},
    {"pricing", false, false,
     [](const CompareRow& r, const CompareRow&) { return WayToPayName(r.shown()); }},
    {"$/hour", true, false,
     [](const CompareRow& r, const CompareRow&) {
       return fmt::format("{:.2f}", r.shown().spend.usd_per_hour);
     }},
    {"$/M out", true, false,
     [](const CompareRow& r, const CompareRow&) {
       return fmt::format("{:.3f}", r.shown().spend.usd_per_million_output_tokens);
     }},
    {"annual", true, false,
     [](const CompareRow& r, const CompareRow&) { return FormatUsd(r.shown().spend.annual_usd); }},
    {"J/tok", true, false,
     [](const CompareRow& r, const CompareRow&) {
       const auto& j = r.shown().joules_per_output_token;
       return j ? fmt::format("{:.2f}", *j) : std::string("-");
     }},
    {"Δ $/M out", true, false,
     [](const CompareRow& r, const CompareRow& b) {
       return DeltaText(r, b, ChangeUsdPerMtok(r, b));
     }},
    {"Δ annual", true, false,
     [](const CompareRow& r, const CompareRow& b) { return DeltaText(r, b, ChangeAnnual(r, b)); }},
};

// The columns shown, and their cells: one line of headers, then one line per row.
struct Table {
  std::vector<const Column*> columns;
  std::vector<std::vector<std::string>> lines;
};

Table TableOf(const CompareReport& report) {
  const CompareRow& base = report.rows.front();
  Table t;
  for (const Column& c : kColumns) {
    std::set<std::string> cells;
    for (const CompareRow& row : report.rows) {
      if (!c.fleet || !IsApi(row)) cells.insert(c.cell(row, base));
    }
    if (!c.optional || cells.size() > 1) t.columns.push_back(&c);
  }
  t.lines.emplace_back();
  for (const Column* c : t.columns) t.lines.back().emplace_back(c->header);
  for (const CompareRow& row : report.rows) {
    t.lines.emplace_back();
    for (const Column* c : t.columns) t.lines.back().push_back(c->cell(row, base));
  }
  return t;
}

// Characters as a terminal shows them: UTF-8 code points ("×", "Δ" and "—" are one each).
size_t Width(const std::string& s) {
  return std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; });
}

std::string Pad(const std::string& s, size_t width, bool right) {
  const std::string fill(width > Width(s) ? width - Width(s) : 0, ' ');
  return right ? fill + s : s + fill;
}

// `prefix` then `words` separated by spaces, in lines of at most kWidth characters (a longer
// word stays whole), each continuation indented to the prefix's width.
constexpr size_t kWidth = 100;
std::string WrapWords(const std::string& prefix, const std::vector<std::string>& words) {
  const size_t indent = Width(prefix);
  std::string out = prefix;
  size_t used = indent;
  for (const std::string& word : words) {
    if (used > indent && used + 1 + Width(word) > kWidth) {
      out += "\n" + std::string(indent, ' ');
      used = indent;
    } else if (used > indent) {
      out += " ";
      ++used;
    }
    out += word;
    used += Width(word);
  }
  return out + "\n";
}

// `text` wrapped at its spaces.
std::string Wrap(const std::string& prefix, const std::string& text) {
  std::vector<std::string> words;
  for (size_t start = 0; start < text.size();) {
    const size_t end = std::min(text.find(' ', start), text.size());
    if (end > start) words.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return WrapWords(prefix, words);
}

// A knob's value as a scenario file would write it: "h200-sxm" quoted, 2e8 as 200000000.
std::string KnobText(const nlohmann::json& v) {
  if (v.is_string()) return v.dump();
  if (v.is_number_float()) return fmt::format("{}", v.get<double>());
  if (!v.is_array()) return v.dump();
  std::string out;
  for (const auto& item : v) out += (out.empty() ? "" : ", ") + KnobText(item);
  return "[" + out + "]";
}

// "key = value" of each knob the row's table sets, comma-separated, for WrapWords.
std::vector<std::string> Changes(const CompareRow& row) {
  std::vector<std::string> items;
  for (const auto& [key, value] : row.knobs) {
    if (!items.empty()) items.back() += ",";
    items.push_back(fmt::format("{} = {}", key, KnobText(value)));
  }
  if (items.empty()) items.emplace_back("nothing");
  return items;
}

std::string TrafficText(const CostReport& c) {
  return fmt::format("{} output + {} input tokens per day, peak {:g}× the mean",
                     FormatCount(std::llround(c.traffic.output_tokens_per_day)),
                     FormatCount(std::llround(c.traffic.input_tokens_per_day)),
                     c.traffic.peak_to_mean);
}

constexpr const char* kColumnsExplained =
    "out tok/s: one replica's output tokens per second at capacity; TTFT, TPOT: its predicted mean "
    "latencies there ('-' when the capacity was given); with a tier, the main pool's. replicas: "
    "every pool's, sized for the peak (an Erlang-C queue with a TTFT target, else ceil(peak / "
    "capacity)); util: mean rate / the pools' capacity. pricing: the way to pay the row shows "
    "(the scenario's `pricing`, default the cheapest); a hosted API has no fleet ('-'). $/hour and "
    "annual: the whole fleet around the clock, idle or busy (an API: its bill); $/M out: the "
    "whole cost carried by output tokens; J/tok: the fleet's mean draw × PUE per output token. "
    "Δ: (scenario − baseline) / baseline × 100. `pertoken cost` with a scenario's knobs lists "
    "every way to pay.";

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string CsvNumber(const std::optional<double>& v) { return v ? fmt::format("{}", *v) : ""; }

}  // namespace

std::optional<double> PercentChange(double value, double base) {
  if (base == 0) return std::nullopt;
  return (value - base) / base * 100;
}

std::string CompareText(const CompareReport& report) {
  const CompareRow& base = report.rows.front();
  std::string out = report.title + "\n";
  if (!report.description.empty()) out += Wrap("", report.description);
  out += fmt::format("Baseline '{}': {}\n\n", base.name, TrafficText(base.cost));

  const Table t = TableOf(report);
  std::vector<size_t> widths(t.columns.size(), 0);
  for (const auto& line : t.lines) {
    for (size_t i = 0; i < line.size(); ++i) widths[i] = std::max(widths[i], Width(line[i]));
  }
  for (const auto& line : t.lines) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      text += (i == 0 ? "" : "  ") + Pad(line[i], widths[i], t.columns[i]->right);
    }
    text.erase(text.find_last_not_of(' ') + 1);
    out += text + "\n";
  }

  const size_t name_width = widths[0];
  out += "\nWhat each scenario sets (a variant: what it changes from the baseline):\n";
  for (const CompareRow& row : report.rows) {
    out += WrapWords(fmt::format("  {}  ", Pad(row.name, name_width, false)), Changes(row));
  }
  out += "\nWhat each row prices:\n";
  for (const CompareRow& row : report.rows) {
    const CostOption& o = row.shown();
    out += Wrap(fmt::format("  {}  ", Pad(row.name, name_width, false)),
                fmt::format("{}: {}; {}", WayToPayName(o), o.offer, o.basis));
  }
  for (const CompareRow& row : report.rows) {
    if (row.cost.traffic.output_tokens_per_day != base.cost.traffic.output_tokens_per_day ||
        row.cost.traffic.input_tokens_per_day != base.cost.traffic.input_tokens_per_day) {
      out += fmt::format("Traffic of '{}': {}\n", row.name, TrafficText(row.cost));
    }
  }
  return out + "\n" + Wrap("", kColumnsExplained);
}

std::string CompareMarkdown(const CompareReport& report) {
  const CompareRow& base = report.rows.front();
  std::string out = fmt::format("**{}**\n\n", report.title);
  if (!report.description.empty()) out += report.description + "\n\n";
  const Table t = TableOf(report);
  auto escaped = [](const std::string& s) {
    std::string e;
    for (char c : s) e += c == '|' ? std::string("\\|") : std::string(1, c);
    return e;
  };
  for (size_t l = 0; l < t.lines.size(); ++l) {
    std::string text = "|";
    for (const std::string& cell : t.lines[l]) text += fmt::format(" {} |", escaped(cell));
    out += text + "\n";
    if (l == 0) {
      text = "|";
      for (const Column* c : t.columns) text += c->right ? " ---: |" : " :--- |";
      out += text + "\n";
    }
  }
  out += "\n";
  for (const CompareRow& row : report.rows) {
    std::string changes;
    for (const std::string& item : Changes(row)) changes += " " + item;
    out += fmt::format("- **{}**{}:{}\n", escaped(row.name), &row == &base ? " (baseline)" : "",
                       escaped(changes));
  }
  out += fmt::format(
      "\nBaseline '{}': {}. Δ: (scenario − baseline) / baseline × 100. $/hour and annual: the "
      "whole fleet around the clock; $/M out: the whole cost carried by output tokens.\n",
      base.name, TrafficText(base.cost));
  return out;
}

std::string CompareCsv(const CompareReport& report) {
  const CompareRow& base = report.rows.front();
  std::string out =
      "scenario,model,accelerator,accelerators_per_replica,weights,kv,engine,input_len,output_len,"
      "output_tokens_per_day,input_tokens_per_day,peak_to_mean,concurrency,output_tokens_per_s,"
      "ttft_s,tpot_s,replicas,utilization,pricing,provider,usd_per_hour,"
      "usd_per_million_output_tokens,annual_usd,joules_per_output_token,"
      "change_usd_per_million_output_tokens_pct,change_annual_usd_pct\n";
  for (const CompareRow& row : report.rows) {
    const CostReport& c = row.cost;
    const CostOption& o = row.shown();
    const bool api = IsApi(row);
    auto fleet = [&](const std::optional<double>& v) { return api ? "" : CsvNumber(v); };
    auto count = [](const std::optional<int64_t>& v) { return v ? fmt::format("{}", *v) : ""; };
    out += fmt::format(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
        CsvField(row.name), CsvField(c.model), CsvField(c.accelerator), c.accelerators_per_replica,
        CsvField(row.weights), CsvField(row.kv), CsvField(row.engine), count(row.input_tokens),
        count(row.output_tokens), CsvNumber(c.traffic.output_tokens_per_day),
        CsvNumber(c.traffic.input_tokens_per_day), CsvNumber(c.traffic.peak_to_mean),
        fleet(c.concurrency > 0 ? std::optional<double>(c.concurrency) : std::nullopt),
        fleet(c.capacity.output_tokens_per_s), fleet(c.ttft_s), fleet(c.tpot_s),
        api ? "" : fmt::format("{}", c.sizing.replicas), CsvNumber(o.utilization),
        CsvField(o.pricing), CsvField(o.provider), CsvNumber(o.spend.usd_per_hour),
        CsvNumber(o.spend.usd_per_million_output_tokens), CsvNumber(o.spend.annual_usd),
        CsvNumber(o.joules_per_output_token), CsvNumber(ChangeUsdPerMtok(row, base)),
        CsvNumber(ChangeAnnual(row, base)));
  }
  return out;
}

nlohmann::json CompareJson(const CompareReport& report) {
  const CompareRow& base = report.rows.front();
  nlohmann::json scenarios = nlohmann::json::array();
  for (const CompareRow& row : report.rows) {
    const CostReport& c = row.cost;
    const CostOption& o = row.shown();
    const bool api = IsApi(row);
    auto fleet = [&](const nlohmann::json& v) { return api ? nlohmann::json(nullptr) : v; };
    auto text = [](const std::string& s) {
      return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
    };
    nlohmann::json knobs = nlohmann::json::object();
    for (const auto& [key, value] : row.knobs) knobs[key] = value;
    scenarios.push_back(
        {{"name", row.name},
         {"baseline", &row == &base},
         {"knobs", knobs},
         {"model", text(c.model)},
         {"accelerator", c.accelerator},
         {"accelerators_per_replica", c.accelerators_per_replica},
         {"weights", text(row.weights)},
         {"kv", text(row.kv)},
         {"engine", text(row.engine)},
         {"output_tokens_per_day", c.traffic.output_tokens_per_day},
         {"input_tokens_per_day", c.traffic.input_tokens_per_day},
         {"peak_to_mean", c.traffic.peak_to_mean},
         {"output_tokens_per_s", fleet(c.capacity.output_tokens_per_s)},
         {"ttft_s", fleet(Optional(c.ttft_s))},
         {"tpot_s", fleet(Optional(c.tpot_s))},
         {"replicas", fleet(c.sizing.replicas)},
         {"utilization", Optional(o.utilization)},
         {"pricing_rule", row.pricing_rule},
         {"pricing", o.pricing},
         {"provider", o.provider},
         {"offer", o.offer},
         {"usd_per_hour", o.spend.usd_per_hour},
         {"usd_per_million_output_tokens", o.spend.usd_per_million_output_tokens},
         {"annual_usd", o.spend.annual_usd},
         {"joules_per_output_token", Optional(o.joules_per_output_token)},
         {"change_usd_per_million_output_tokens_pct", Optional(ChangeUsdPerMtok(row, base))},
         {"change_annual_usd_pct", Optional(ChangeAnnual(row, base))},
         {"cost", CostJson(c)}});
  }
  return {{"title", report.title},
          {"description", report.description.empty() ? nlohmann::json(nullptr)
                                                     : nlohmann::json(report.description)},
          {"file", report.file},
          {"baseline", base.name},
          {"scenarios", scenarios}};
}

}  // namespace pertoken::report
