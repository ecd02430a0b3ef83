// The `pertoken plan --report FILE.html` page: one self-contained file, Chart.js embedded.
#include <fmt/format.h>

#include <string>

#include "report/plan_report.h"

namespace pertoken::report {

namespace assets {
extern const char kChartJs[];
}  // namespace assets

namespace {

// Text for HTML element content.
std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// JSON placed inside a <script> element: "</" would end the element.
std::string ScriptSafe(std::string json) {
  for (size_t i = json.find("</"); i != std::string::npos; i = json.find("</", i + 2)) {
    json.replace(i, 2, "<\\/");
  }
  return json;
}

// Draws the charts from the plan JSON (window.PLAN) with Chart.js.
constexpr const char* kPageScript = R"js(
const plan = window.PLAN;
const latency = p => p.ttft_s + plan.output_tokens * p.tpot_s;
const meeting = plan.plans.filter(p => p.meets_slo);
const label = p => `${p.count} × ${p.accelerator} TP${p.tp}${p.pp > 1 ? ' PP' + p.pp : ''} ${p.weights}/${p.kv} ${p.pricing} ${p.provider}`;
new Chart(document.getElementById('pareto'), {
  type: 'scatter',
  data: {datasets: [
    {label: 'plans meeting the targets (screen)', data: meeting.map(p => ({x: latency(p), y: p.usd_per_million_output_tokens, p})),
     backgroundColor: 'rgba(120,120,120,0.35)'},
    {label: 'Pareto frontier', data: plan.pareto_front.map(i => plan.plans[i]).map(p => ({x: latency(p), y: p.usd_per_million_output_tokens, p})),
     backgroundColor: 'rgb(200,60,40)', borderColor: 'rgb(200,60,40)', showLine: true}]},
  options: {animation: false, scales: {
      x: {title: {display: true, text: 'a request\'s time: TTFT + output tokens × TPOT (s)'}},
      y: {type: 'logarithmic', title: {display: true, text: '$ per million output tokens (log scale)'}}},
    plugins: {tooltip: {callbacks: {label: c => `${label(c.raw.p)}: $${c.raw.y.toFixed(3)}, ${c.raw.x.toFixed(1)} s`}}}}
});
const verified = plan.verified.filter(v => v.ok);
new Chart(document.getElementById('cost'), {
  type: 'bar',
  data: {labels: verified.map(v => label(plan.plans[v.plan])), datasets: [
    {label: 'screen ($/M output tokens)', data: verified.map(v => plan.plans[v.plan].usd_per_million_output_tokens), backgroundColor: 'rgba(120,120,120,0.5)'},
    {label: 'simulator, p99 targets met ($/M output tokens)', data: verified.map(v => v.usd_per_million_output_tokens), backgroundColor: 'rgb(40,110,180)'}]},
  options: {animation: false, indexAxis: 'y'}
});
new Chart(document.getElementById('latency'), {
  type: 'bar',
  data: {labels: verified.map(v => label(plan.plans[v.plan])), datasets: [
    {label: 'TTFT mean (ms)', data: verified.map(v => 1e3 * v.ttft_mean_s), backgroundColor: 'rgba(40,110,180,0.5)'},
    {label: 'TTFT p99 (ms)', data: verified.map(v => 1e3 * v.ttft_p99_s), backgroundColor: 'rgb(40,110,180)'},
    {label: 'TPOT mean (ms)', data: verified.map(v => 1e3 * v.tpot_mean_s), backgroundColor: 'rgba(200,60,40,0.5)'},
    {label: 'TPOT p99 (ms)', data: verified.map(v => 1e3 * v.tpot_p99_s), backgroundColor: 'rgb(200,60,40)'}]},
  options: {animation: false, indexAxis: 'y'}
});
if (verified.length > 0 && verified[0].occupancy.length > 0) {
  const v = verified[0];
  new Chart(document.getElementById('occupancy'), {
    type: 'line',
    data: {labels: v.occupancy.map((_, i) => (i * v.occupancy_interval_s / 60).toFixed(0)), datasets: [
      {label: `${v.replicas} replicas of ${label(plan.plans[v.plan])}: requests in flight, % of their slots`,
       data: v.occupancy.map(b => 100 * b), borderColor: 'rgb(40,110,180)', fill: false, stepped: true}]},
    options: {animation: false, scales: {
      x: {title: {display: true, text: 'minutes from the start of the replay'}},
      y: {min: 0, title: {display: true, text: 'occupancy (%)'}}}}
  });
}
)js";

}  // namespace

std::string PlanHtml(const PlanReport& r) {
  nlohmann::json data = PlanJson(r);
  data["output_tokens"] = r.query.output_tokens;
  for (auto& v : data["verified"]) {
    const auto& src = r.verified[&v - &data["verified"][0]];
    v["ttft_mean_s"] = src.ttft_mean_s;
    v["ttft_p99_s"] = src.ttft_p99_s;
    v["tpot_mean_s"] = src.tpot_mean_s;
    v["tpot_p99_s"] = src.tpot_p99_s;
  }
  std::string page = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>pertoken plan: {}</title>\n<style>body{{font-family:sans-serif;max-width:1100px;"
      "margin:2em auto;color:#222}} pre{{background:#f6f6f6;padding:1em;overflow-x:auto;"
      "font-size:12px}} .chart{{margin:2em 0}}</style>\n</head>\n<body>\n",
      Escape(r.query.model->id));
  page += fmt::format("<h1>pertoken plan: {}</h1>\n", Escape(r.query.model->id));
  page += "<h2>The answer</h2>\n<pre>" + Escape(PlanText(r)) + "</pre>\n";
  page +=
      "<h2>Pareto frontier: cost against latency</h2>\n<div class=\"chart\"><canvas "
      "id=\"pareto\"></canvas></div>\n";
  page +=
      "<h2>The cheapest plans, screened and replayed in the simulator</h2>\n<div "
      "class=\"chart\"><canvas id=\"cost\"></canvas></div>\n";
  page +=
      "<h2>Their latencies at the peak (simulator)</h2>\n<div class=\"chart\"><canvas "
      "id=\"latency\"></canvas></div>\n";
  page +=
      "<h2>The recommendation's utilisation over the replay (simulator)</h2>\n<p>Requests in "
      "flight as a share of its replicas' slots (each replica's capacity point), minute by "
      "minute: the whole trace as it arrived, or ten minutes of Poisson arrivals at the peak rate "
      "for synthetic traffic. The catalog's traces span one hour and no sourced daily curve is "
      "shipped, so the day is not drawn.</p>\n<div class=\"chart\"><canvas "
      "id=\"occupancy\"></canvas></div>\n";
  page +=
      "<p>Made by pertoken from its catalog; every figure's source is in the catalog files "
      "(`pertoken catalog show ID`). Charts: Chart.js (MIT licence), embedded.</p>\n";
  page += "<script>\n" + std::string(assets::kChartJs) + "\n</script>\n";
  page += "<script>window.PLAN = " + ScriptSafe(data.dump()) + ";</script>\n";
  page += "<script>" + std::string(kPageScript) + "</script>\n</body>\n</html>\n";
  return page;
}

}  // namespace pertoken::report
