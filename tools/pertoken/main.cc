// pertoken: what every token costs. This file parses flags and dispatches to src/cli; it and
// RunCatalogCheck are the only places that turn failures into exit codes (0 ok, 1 failure or a
// negative answer, 2 usage error).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <tuple>

#include "catalog/catalog.h"
#include "cli/calibrate_command.h"
#include "cli/catalog_import_command.h"
#include "cli/commands.h"
#include "cli/compare_command.h"
#include "cli/cost_command.h"
#include "cli/estimate_command.h"
#include "cli/plan_command.h"
#include "cli/simulate_command.h"
#include "cli/validate_command.h"

namespace {

// --data-dir, else $PERTOKEN_DATA_DIR, else the source tree's catalog, else the installed one.
std::string ResolveDataDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("PERTOKEN_DATA_DIR"); env && *env) return env;
  std::error_code ec;
  if (std::filesystem::is_directory(PERTOKEN_DEFAULT_DATA_DIR, ec))
    return PERTOKEN_DEFAULT_DATA_DIR;
  return "/usr/local/share/pertoken/catalog";
}

// $PERTOKEN_TRACES_DIR, else the source tree's data/traces, else the installed one.
std::string ResolveTracesDir() {
  if (const char* env = std::getenv("PERTOKEN_TRACES_DIR"); env && *env) return env;
  std::error_code ec;
  if (std::filesystem::is_directory(PERTOKEN_DEFAULT_TRACES_DIR, ec))
    return PERTOKEN_DEFAULT_TRACES_DIR;
  return "/usr/local/share/pertoken/traces";
}

// --model-config FILE: a Hugging Face config.json to plan for instead of a catalog model. main
// checks after parsing that one of --model and --model-config names the model.
void AddModelConfigFlag(CLI::App* cmd, std::string* model_config) {
  cmd->add_option("--model-config", *model_config,
                  "a Hugging Face config.json to use as the model instead of --model");
}

// The flags that name a deployment, shared by fit, estimate and simulate. --model (or
// --model-config) and --accelerator are required unless the subcommand has another way to name
// the deployment (simulate --fleet), which then checks them itself.
void AddDeploymentFlags(CLI::App* cmd, pertoken::cli::FitOptions* o, std::string* model_config,
                        bool required = true) {
  cmd->add_option("--model,-m", o->model, "model id or alias (see `catalog list models`)");
  AddModelConfigFlag(cmd, model_config);
  cmd->add_option("--accelerator,-a", o->accelerator, "accelerator id or alias")
      ->required(required);
  cmd->add_option("--count,-n", o->count,
                  "accelerators in one replica (default: the smallest that fits)");
  cmd->add_option("--tp", o->tp, "tensor-parallel degree");
  cmd->add_option("--pp", o->pp, "pipeline-parallel degree");
  cmd->add_option("--ep", o->ep, "expert-parallel degree (MoE models)");
  cmd->add_option("--weights", o->weights,
                  "weight precision: bf16, fp16, fp8, int8, int4, fp4, or a quantization format "
                  "id (default: the model's released format)");
  cmd->add_option("--kv", o->kv, "KV-cache precision: bf16, fp16, fp8, int8, int4, or a format id")
      ->capture_default_str();
  cmd->add_option("--engine", o->engine, "engine profile: vllm, sglang, trtllm, llamacpp, generic")
      ->capture_default_str();
  cmd->add_option("--engine-flags", o->engine_flags,
                  "the engine's own flags, as on its command line: "
                  "--engine-flags=\"--max-num-seqs 64 --max-num-batched-tokens 4096\"");
}

}  // namespace

int main(int argc, char** argv) {
  using pertoken::cli::kExitFailure;
  using pertoken::cli::kExitUsage;

  CLI::App app{"pertoken: what every LLM token costs, and how to make it cheaper"};
  app.set_version_flag("--version", "pertoken 0.1.0");
  app.require_subcommand(1);
  std::string data_dir_flag;
  app.add_option("--data-dir", data_dir_flag,
                 "catalog directory (default: $PERTOKEN_DATA_DIR, else the shipped catalog)");
  std::string model_config;  // --model-config of the one subcommand parsed

  // fit
  pertoken::cli::FitOptions fit;
  auto* fit_cmd = app.add_subcommand(
      "fit",
      "Does a model fit on an accelerator, on how many, and how many sequences fit beside it");
  AddDeploymentFlags(fit_cmd, &fit, &model_config);
  fit_cmd->add_option("--context", fit.context_tokens,
                      "tokens per sequence, prompt and output (default 4096)");
  fit_cmd->add_option(
      "--max-context", fit.max_context_tokens,
      "longest sequence the engine admits (default: the engine's limit or the model's)");
  fit_cmd->add_flag("--json", fit.json, "print JSON (doc/formats/fit-json.md)");

  // estimate
  pertoken::cli::EstimateOptions est;
  auto* est_cmd = app.add_subcommand(
      "estimate", "Throughput, TTFT, TPOT and cost of a deployment under a load");
  AddDeploymentFlags(est_cmd, &est.deployment, &model_config);
  est_cmd->add_option("--input-len", est.input_tokens, "prompt tokens per request");
  est_cmd->add_option("--output-len", est.output_tokens, "generated tokens per request");
  est_cmd->add_option("--workload", est.workload,
                      "benchmark workload whose mean lengths to use instead of --input-len and "
                      "--output-len (`pertoken catalog list workloads`)");
  est_cmd->add_option("--concurrency,-c", est.concurrency,
                      "requests in flight, or 'max' (default: max)");
  est_cmd->add_option("--request-rate", est.request_rate, "Poisson arrivals, requests per second");
  est_cmd->add_option("--batching", est.batching, "continuous or static")->capture_default_str();
  est_cmd->add_option(
      "--spec-decode", est.spec_decode,
      "speculative decoding: draft=ID,k=4,accept=0.7 (or k=..,accept=.. for heads)");
  est_cmd->add_option(
      "--usd-per-hour", est.usd_per_accelerator_hour,
      "price of one accelerator-hour (default: the catalog's median on-demand price)");
  est_cmd->add_flag("--json", est.json, "print JSON (doc/formats/estimate-json.md)");

  // cost
  pertoken::cli::CostOptions cost;
  std::string cost_from;
  auto* cost_cmd = app.add_subcommand(
      "cost", "What a traffic volume costs under every way to pay: cloud, owned, hosted APIs");
  AddDeploymentFlags(cost_cmd, &cost.deployment, &model_config, /*required=*/false);
  cost_cmd->add_option("--input-len", cost.input_tokens, "prompt tokens per request");
  cost_cmd->add_option("--output-len", cost.output_tokens, "generated tokens per request");
  cost_cmd->add_option("--concurrency,-c", cost.concurrency,
                       "requests in flight of a predicted replica, or 'max' (default: max)");
  cost_cmd->add_option("--batching", cost.batching, "continuous or static")->capture_default_str();
  cost_cmd->add_option(
      "--spec-decode", cost.spec_decode,
      "speculative decoding: draft=ID,k=4,accept=0.7 (or k=..,accept=.. for heads)");
  cost_cmd->add_option("--slo-ttft", cost.slo_ttft_s,
                       "mean TTFT target in seconds: size a predicted replica to meet it");
  cost_cmd->add_option("--slo-tpot", cost.slo_tpot_s,
                       "mean TPOT target in seconds: size a predicted replica to meet it");
  cost_cmd
      ->add_option("--sizing", cost.sizing,
                   "under latency targets, count replicas by replaying each pool's peak in the "
                   "simulator (simulate) or with an Erlang-C queue (queueing, the fast answer)")
      ->capture_default_str();
  cost_cmd->add_option("--from", cost_from,
                       "a `pertoken estimate --json` or `simulate --json` result to price");
  cost_cmd
      ->add_option("--slo-statistic", cost.slo_statistic,
                   "what the simulator holds to the targets: mean or p99")
      ->capture_default_str();
  cost_cmd->add_option("--output-tokens-per-s", cost.output_tokens_per_s,
                       "one replica's measured output tokens per second, instead of a prediction");
  cost_cmd->add_option("--output-tokens-per-day", cost.output_tokens_per_day,
                       "traffic: output tokens per day");
  cost_cmd->add_option("--input-tokens-per-day", cost.input_tokens_per_day,
                       "traffic: input tokens per day (default: the requests' input/output ratio)");
  cost_cmd->add_option("--requests-per-day", cost.requests_per_day,
                       "traffic: requests per day, of --input-len + --output-len tokens");
  cost_cmd
      ->add_option("--peak-to-mean", cost.peak_to_mean,
                   "the busiest hour's rate over the day's mean (sizes the fleet)")
      ->capture_default_str();
  cost_cmd
      ->add_option("--architecture", cost.architecture,
                   "centralised (one pool), edge (a pool per region) or hybrid (the tier at "
                   "the edge, the main model centrally)")
      ->capture_default_str();
  cost_cmd->add_option("--regions", cost.regions, "regions sharing the traffic equally")
      ->capture_default_str();
  cost_cmd->add_option("--network-rtt", cost.network_rtt_s,
                       "seconds of round trip between users and a central data centre, which "
                       "edge pools save; central pools meet --slo-ttft less this");
  cost_cmd->add_option("--tier-share", cost.tier_share,
                       "share of the requests routed to a second, cheaper deployment");
  cost_cmd->add_option("--tier-model", cost.tier_model, "the tier's model (default: the main one)");
  cost_cmd->add_option("--tier-weights", cost.tier_weights, "the tier's weight precision");
  cost_cmd->add_option("--tier-accelerator", cost.tier_accelerator,
                       "the tier's accelerator (default: the main one)");
  cost_cmd->add_option("--tier-count", cost.tier_count, "accelerators per tier replica");
  cost_cmd->add_option("--spot-reserve", cost.spot_reserve_replicas,
                       "on-demand replicas kept in reserve for a spot fleet");
  cost_cmd->add_option("--trace", cost.trace,
                       "the traffic as a request trace: azure-conv, azure-code, mooncake-conv or "
                       "a CSV (its rates, mean lengths, and replayed when sizing)");
  cost_cmd->add_option("--cached-input-share", cost.cached_input_share,
                       "share of input tokens an API's prompt cache serves (cached-input price)");
  cost_cmd->add_option("--as-of", cost.as_of,
                       "use price offers dated on or before this date (YYYY, YYYY-MM, YYYY-MM-DD)");
  cost_cmd->add_option("--provider", cost.providers, "only these cloud providers (repeatable)");
  cost_cmd->add_option("--api-model", cost.api_models,
                       "also price hosted APIs of this model (e.g. gpt-4o-mini; repeatable)");
  cost_cmd->add_flag("--by-provider", cost.by_provider,
                     "also list each provider's cheapest offer of each pricing");
  cost_cmd->add_option("--usd-per-hour", cost.usd_per_accelerator_hour,
                       "one more way to pay: your price per accelerator-hour");
  cost_cmd->add_option("--ownership", cost.ownership,
                       "ownership profile for owned hardware (`pertoken catalog list ownership`)");
  cost_cmd->add_option("--datacenter", cost.datacenter,
                       "data-centre profile: PUE, electricity, colocation rent");
  cost_cmd->add_option("--pue", cost.pue, "power usage effectiveness, instead of the profile's");
  cost_cmd->add_option("--usd-per-kwh", cost.usd_per_kwh, "electricity price");
  cost_cmd->add_option("--capex-usd", cost.capex_usd,
                       "purchase price of one accelerator (default: the catalog's median offer)");
  cost_cmd->add_option("--amortization-years", cost.amortization_years,
                       "useful life of owned hardware");
  cost_cmd->add_option("--cost-of-capital", cost.cost_of_capital,
                       "annual rate owned hardware is financed at (0.08 = 8%)");
  cost_cmd->add_flag("--json", cost.json, "print JSON (doc/formats/cost-json.md)");

  // compare
  pertoken::cli::CompareOptions cmp;
  auto* compare_cmd = app.add_subcommand(
      "compare", "Cost a baseline and its variants from a scenario file, side by side");
  compare_cmd->add_option("file", cmp.file, "scenario file (doc/formats/scenario.md)")->required();
  auto* cmp_json =
      compare_cmd->add_flag("--json", cmp.json, "print JSON (doc/formats/compare-json.md)");
  auto* cmp_csv =
      compare_cmd->add_flag("--csv", cmp.csv, "print CSV (doc/formats/compare-json.md)");
  auto* cmp_md = compare_cmd->add_flag("--md", cmp.markdown, "print a Markdown table");
  cmp_json->excludes(cmp_csv, cmp_md);
  cmp_csv->excludes(cmp_md);

  // plan
  pertoken::cli::PlanOptions plan;
  auto* plan_cmd = app.add_subcommand(
      "plan",
      "The cheapest deployment that meets latency targets for a traffic (a screen of "
      "every accelerator, count, layout, precision and engine)");
  plan_cmd->add_option("--model,-m", plan.model, "model id or alias");
  AddModelConfigFlag(plan_cmd, &model_config);
  plan_cmd->add_option("--input-len", plan.input_tokens,
                       "prompt tokens per request (default with --trace: its mean)");
  plan_cmd->add_option("--output-len", plan.output_tokens,
                       "generated tokens per request (default with --trace: its mean)");
  plan_cmd->add_option("--slo-ttft", plan.slo_ttft_s,
                       "TTFT target in seconds (default with --workload: its Server p99 limit)");
  plan_cmd->add_option("--slo-tpot", plan.slo_tpot_s,
                       "TPOT target in seconds (default with --workload: its Server p99 limit)");
  plan_cmd->add_option("--workload", plan.workload,
                       "benchmark workload: its mean lengths instead of --input-len and "
                       "--output-len, its Server p99 limits as the targets when none is given");
  plan_cmd->add_option("--trace", plan.trace,
                       "the traffic as a request trace (built-in name or CSV): its rates and mean "
                       "lengths for the screen, replayed as it is to verify plans");
  plan_cmd->add_option("--output-tokens-per-day", plan.output_tokens_per_day, "traffic");
  plan_cmd->add_option("--requests-per-day", plan.requests_per_day, "traffic");
  plan_cmd->add_option("--peak-to-mean", plan.peak_to_mean, "busiest hour over the mean")
      ->capture_default_str();
  plan_cmd
      ->add_option("--max-quality-loss", plan.max_quality_loss,
                   "largest relative quality loss of a weight or KV format (0.02 = 2%)")
      ->capture_default_str();
  plan_cmd->add_option("--accelerator,-a", plan.accelerators, "only these (repeatable)");
  plan_cmd->add_option("--engine", plan.engines, "engines to search (repeatable)")
      ->capture_default_str();
  plan_cmd->add_option("--pricing", plan.pricings, "ways to pay to search (repeatable)")
      ->capture_default_str();
  plan_cmd->add_option("--provider", plan.providers, "only these cloud providers (repeatable)");
  plan_cmd->add_flag("--static-batching", plan.static_batching,
                     "also screen static batching (whole batches to completion)");
  plan_cmd->add_flag("--disaggregate", plan.disaggregate,
                     "also screen disaggregated serving: a prefill pool handing KV caches to a "
                     "decode pool, on the same or different accelerators");
  plan_cmd->add_option("--spec-decode", plan.spec_decode,
                       "speculative decoding to try besides none: draft=ID,k=4,accept=0.7 or "
                       "k=..,accept=.. for heads");
  plan_cmd->add_option("--max-count", plan.max_count, "most accelerators per replica")
      ->capture_default_str();
  plan_cmd->add_option("--as-of", plan.as_of, "price offers dated on or before");
  plan_cmd->add_option("--top", plan.top, "plans to print")->capture_default_str();
  plan_cmd
      ->add_option("--verify", plan.verify,
                   "the cheapest screened plans to replay in the simulator (p99 targets)")
      ->capture_default_str();
  auto* plan_json =
      plan_cmd->add_flag("--json", plan.json, "print JSON (doc/formats/plan-json.md)");
  plan_cmd->add_flag("--csv", plan.csv, "print one CSV row per plan")->excludes(plan_json);
  plan_cmd->add_option("--report", plan.report_html,
                       "also write a self-contained HTML report with charts to this file");

  // simulate
  pertoken::cli::SimulateOptions sim;
  pertoken::cli::ReplicaGroupOptions group;
  auto* sim_cmd = app.add_subcommand(
      "simulate", "Replay a trace or a synthetic load through a fleet of replicas, step by step");
  AddDeploymentFlags(sim_cmd, &group.deployment, &model_config, /*required=*/false);
  sim_cmd->add_option("--fleet", sim.fleet_file,
                      "a fleet file of replica groups, tiers and roles instead of the deployment "
                      "flags (doc/formats/fleet.md)");
  sim_cmd->add_option("--replicas", group.replicas, "identical replicas (default 1)");
  sim_cmd->add_option("--batching", group.batching, "continuous or static")->capture_default_str();
  sim_cmd->add_option("--max-num-seqs", group.max_num_seqs,
                      "sequences per step (default: the engine's limit)");
  sim_cmd->add_option("--max-batched-tokens", group.max_batched_tokens,
                      "tokens per step (default: the engine's limit)");
  sim_cmd->add_option("--chunked-prefill", group.chunked_prefill,
                      "on or off (default: the engine's)");
  sim_cmd->add_option("--prefix-caching", group.prefix_caching,
                      "on or off (default: the engine's)");
  sim_cmd->add_option("--preemption", group.preemption,
                      "when KV blocks run out: recompute (default) or swap to host memory");
  sim_cmd->add_option(
      "--spec-decode", group.spec_decode,
      "speculative decoding: draft=ID,k=4,accept=0.7 (or k=..,accept=.. for heads)");
  sim_cmd->add_option("--disaggregate", sim.disaggregate,
                      "P:D: P prefill and D decode replicas instead of --replicas unified ones");
  sim_cmd->add_option("--kv-transfer-gbps", sim.kv_transfer_gb_per_s,
                      "prefill-to-decode KV link in GB/s, 1e9 bytes/s (default: the "
                      "accelerators' link)");
  sim_cmd->add_option("--routing", sim.routing, "least-outstanding, round-robin or prefix-affinity")
      ->capture_default_str();
  auto& w = sim.workload;
  sim_cmd->add_option("--trace", w.trace,
                      "built-in trace (azure-conv, azure-code, mooncake-conv) or a trace CSV");
  sim_cmd->add_option("--speedup", w.speedup, "replay the trace this many times as fast");
  sim_cmd->add_option("--window-start", w.window_start_s, "trace second where the replay starts");
  sim_cmd->add_option("--window", w.window_s, "trace seconds replayed (default: to the end)");
  sim_cmd->add_option("--max-requests", w.max_requests, "replay at most this many requests");
  sim_cmd->add_option(
      "--arrivals", w.arrivals,
      "synthetic arrivals: poisson:rate=R or gamma:rate=R,cv=C (doc/formats/trace.md)");
  sim_cmd->add_option("--lengths", w.lengths,
                      "synthetic lengths: fixed:in=N,out=M, file:PATH, lognormal:..., ...");
  sim_cmd->add_option("--workload", w.benchmark_workload,
                      "benchmark workload whose lengths to use instead of --lengths: its length "
                      "table, else its mean lengths");
  sim_cmd->add_option("--requests", w.requests, "synthetic requests to generate");
  sim_cmd->add_option("--duration", w.duration_s, "seconds of synthetic arrivals");
  sim_cmd->add_option("--seed", w.seed,
                      "seed of the synthetic stream, its tier and acceptance draws (default 1)");
  sim_cmd->add_option("--slo-ttft", sim.slo_ttft_s, "TTFT target in seconds, for goodput");
  sim_cmd->add_option("--slo-tpot", sim.slo_tpot_s, "TPOT target in seconds, for goodput");
  sim_cmd->add_option("--usd-per-hour", sim.usd_per_accelerator_hour,
                      "price of one accelerator-hour, of every type in the fleet (default: each "
                      "type's median on-demand price in the catalog)");
  sim_cmd->add_option("--datacenter", sim.datacenter,
                      "data-centre profile for energy, its PUE (default: the catalog's default, "
                      "`pertoken catalog list datacenters`)");
  sim_cmd->add_option("--pue", sim.pue,
                      "power usage effectiveness for energy, instead of --datacenter's");
  sim_cmd->add_flag("--json", sim.json, "print JSON (doc/formats/simulate-json.md)");
  sim_cmd->add_option("--requests-out", sim.requests_out, "write one CSV row per request");
  sim_cmd->add_option("--timeline-out", sim.timeline_out, "write sampled steps as CSV");
  sim_cmd
      ->add_option("--timeline-interval", sim.timeline_interval_s,
                   "seconds between timeline rows of a replica")
      ->capture_default_str();

  // validate
  pertoken::cli::ValidateOptions val;
  val.measurements =
      std::string(PERTOKEN_DEFAULT_SHARED_DIR) + "/data/measurements/calibration.csv";
  auto* val_cmd = app.add_subcommand(
      "validate", "Predict every row of a measurements CSV and report the errors");
  val_cmd->add_option("--measurements", val.measurements, "measurements CSV")
      ->capture_default_str();
  val_cmd->add_option("--by", val.by, "group by: source, accelerator, engine, metric, model");
  val_cmd->add_option("--workloads", val.workloads,
                      "benchmark workloads CSV (layout of shared/reference/"
                      "benchmark_workloads.csv) instead of the catalog's workloads/");
  val_cmd->add_flag("--rows", val.rows, "print every row");
  val_cmd->add_flag("--json", val.json, "print JSON (doc/formats/validate-json.md)");

  // calibrate
  auto* calib_cmd = app.add_subcommand("calibrate", "Fit the model's parameters to measurements");
  calib_cmd->require_subcommand(1);
  pertoken::cli::CalibrateOpsOptions ops;
  ops.opdb_dir = std::string(PERTOKEN_DEFAULT_SHARED_DIR) + "/data/opdb";
  auto* ops_cmd = calib_cmd->add_subcommand(
      "ops", "Fit op-efficiency profiles from measured op latencies into the catalog");
  ops_cmd->add_option("--opdb", ops.opdb_dir, "folder of op tables")->capture_default_str();
  ops_cmd->add_option("--out", ops.out_dir, "output folder (default: <catalog>/efficiency)");

  pertoken::cli::CalibrateEnginesOptions engines_fit;
  engines_fit.measurements =
      std::string(PERTOKEN_DEFAULT_SHARED_DIR) + "/data/measurements/calibration.csv";
  auto* engines_cmd = calib_cmd->add_subcommand(
      "engines", "Fit each engine's overheads and kernel speed to the measured rows it served");
  engines_cmd->add_option("--measurements", engines_fit.measurements, "measurements CSV")
      ->capture_default_str();
  engines_cmd->add_option("--workloads", engines_fit.workloads,
                          "benchmark workloads CSV instead of the catalog's workloads/");
  engines_cmd->add_option("--exclude-source", engines_fit.exclude_source,
                          "leave the rows of one source out (id prefix, e.g. GPS)");
  engines_cmd
      ->add_option("--rounds", engines_fit.rounds,
                   "narrowing rounds in each pass of the coordinate descent (at least 1)")
      ->capture_default_str();
  engines_cmd->add_flag("--write", engines_fit.write, "rewrite the catalog's engine files");

  // catalog
  auto* cat_cmd = app.add_subcommand("catalog", "List, show and check the catalog");
  cat_cmd->require_subcommand(1);
  std::string list_kind;
  bool list_json = false;
  auto* list_cmd =
      cat_cmd->add_subcommand("list", "List the entities of one kind, or of every kind");
  list_cmd->add_option("kind", list_kind,
                       "accelerators, models, quantization, engines, prices, api-prices");
  list_cmd->add_flag("--json", list_json, "print JSON");
  std::string show_id;
  bool show_json = false;
  auto* show_cmd = cat_cmd->add_subcommand("show", "Every field of one entity with its source");
  show_cmd->add_option("id", show_id, "id or alias; KIND/ID where two kinds share an id")
      ->required();
  show_cmd->add_flag("--json", show_json, "print JSON");
  bool check_json = false;
  auto* check_cmd =
      cat_cmd->add_subcommand("check", "Validate every catalog file; report every problem");
  check_cmd->add_flag("--json", check_json, "print JSON");
  pertoken::cli::CatalogImportOptions import_hf;
  auto* import_cmd = cat_cmd->add_subcommand(
      "import-hf", "Write a model file from a Hugging Face config.json, its size checked");
  import_cmd->add_option("config", import_hf.config, "the config.json")->required();
  import_cmd->add_option("--id", import_hf.id,
                         "model id (default: the --out name, else the model's)");
  import_cmd->add_option("--out", import_hf.out, "model file to write (default: print it)");
  import_cmd->add_option("--params-published", import_hf.params_published,
                         "the published total parameter count (8.03e9, 8.03B): checked to 1%");
  import_cmd->add_option("--params-active-published", import_hf.params_active_published,
                         "the published active parameter count of a MoE model");
  // Accept --data-dir after the subcommand too: `pertoken catalog check --data-dir D`.
  for (auto* sub : {fit_cmd, est_cmd, cost_cmd, plan_cmd, compare_cmd, sim_cmd, val_cmd, ops_cmd,
                    engines_cmd, list_cmd, show_cmd, check_cmd, import_cmd}) {
    sub->add_option("--data-dir", data_dir_flag, "catalog directory");
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  // --model is required unless --model-config names the model (CLI11 cannot say "unless").
  for (auto [cmd, model] :
       {std::pair{fit_cmd, &fit.model}, std::pair{est_cmd, &est.deployment.model},
        std::pair{plan_cmd, &plan.model}}) {
    if (cmd->parsed() && model->empty() && model_config.empty()) {
      std::cerr << "--model is required (or --model-config FILE)\nRun with --help for more "
                   "information.\n";
      return kExitUsage;
    }
  }

  // Flags that are required unless --workload stands for them.
  for (const auto& [cmd, workload, flag, given] :
       {std::tuple{est_cmd, &est.workload, "--input-len", est.input_tokens.has_value()},
        std::tuple{est_cmd, &est.workload, "--output-len", est.output_tokens.has_value()},
        std::tuple{plan_cmd, &plan.workload, "--slo-ttft", plan.slo_ttft_s.has_value()},
        std::tuple{plan_cmd, &plan.workload, "--slo-tpot", plan.slo_tpot_s.has_value()}}) {
    if (cmd->parsed() && workload->empty() && !given) {
      std::cerr << flag << " is required (or --workload ID)\n"
                << "Run with --help for more information.\n";
      return kExitUsage;
    }
  }

  const std::string data_dir = ResolveDataDir(data_dir_flag);
  if (check_cmd->parsed())
    return pertoken::cli::RunCatalogCheck(data_dir, check_json, std::cout, std::cerr);

  auto catalog = pertoken::catalog::Catalog::Load(data_dir);
  if (!catalog.ok()) {
    std::cerr << catalog.status().message() << "\n"
              << "error: the catalog in " << data_dir
              << " does not load; `pertoken catalog check` lists every problem\n";
    return kExitFailure;
  }
  if (import_cmd->parsed()) {
    return pertoken::cli::RunCatalogImport(catalog.value(), import_hf, std::cout, std::cerr);
  }
  // --model-config: import the config into the catalog and use it as the command's model.
  if (!model_config.empty()) {
    std::string* model = fit_cmd->parsed()    ? &fit.model
                         : est_cmd->parsed()  ? &est.deployment.model
                         : cost_cmd->parsed() ? &cost.deployment.model
                         : plan_cmd->parsed() ? &plan.model
                                              : &group.deployment.model;
    if (!model->empty()) {
      return pertoken::cli::Fail(std::cerr, "contradictory flags: --model " + *model +
                                                " and --model-config " + model_config +
                                                " both name the model; give one");
    }
    auto id = pertoken::cli::AddModelConfig(catalog.value(), model_config);
    if (!id.ok()) return pertoken::cli::Fail(std::cerr, id.status().message());
    *model = *id;
  }
  if (fit_cmd->parsed()) return pertoken::cli::RunFit(*catalog, fit, std::cout, std::cerr);
  if (est_cmd->parsed()) return pertoken::cli::RunEstimate(*catalog, est, std::cout, std::cerr);
  cost.traces_dir = ResolveTracesDir();
  plan.traces_dir = ResolveTracesDir();
  if (plan_cmd->parsed()) return pertoken::cli::RunPlan(*catalog, plan, std::cout, std::cerr);
  if (cost_cmd->parsed()) {
    if (!cost_from.empty()) {
      if (auto s = pertoken::cli::ApplyResultFile(cost_from, &cost); !s.ok()) {
        return pertoken::cli::Fail(std::cerr, s.message());
      }
    }
    return pertoken::cli::RunCost(*catalog, cost, std::cout, std::cerr);
  }
  if (compare_cmd->parsed()) return pertoken::cli::RunCompare(*catalog, cmp, std::cout, std::cerr);
  if (sim_cmd->parsed()) {
    // The flags that describe the fleet, which a fleet file replaces.
    for (const char* flag : {"--model",
                             "--model-config",
                             "--accelerator",
                             "--count",
                             "--tp",
                             "--pp",
                             "--ep",
                             "--weights",
                             "--kv",
                             "--engine",
                             "--replicas",
                             "--batching",
                             "--max-num-seqs",
                             "--max-batched-tokens",
                             "--chunked-prefill",
                             "--prefix-caching",
                             "--preemption",
                             "--spec-decode",
                             "--disaggregate",
                             "--kv-transfer-gbps",
                             "--routing"}) {
      if (sim_cmd->count(flag) > 0) sim.fleet_flags.emplace_back(flag);
    }
    sim.fleet = {group};
    w.traces_dir = ResolveTracesDir();
    if (isatty(STDERR_FILENO)) {
      sim.progress = &std::cerr;
      sim.progress_clock_s = [] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
      };
    }
    return pertoken::cli::RunSimulate(*catalog, sim, std::cout, std::cerr);
  }
  if (val_cmd->parsed()) return pertoken::cli::RunValidate(*catalog, val, std::cout, std::cerr);
  if (engines_cmd->parsed()) {
    engines_fit.data_dir = data_dir;
    return pertoken::cli::RunCalibrateEngines(*catalog, engines_fit, std::cout, std::cerr);
  }
  if (ops_cmd->parsed()) {
    if (ops.out_dir.empty()) ops.out_dir = data_dir + "/efficiency";
    return pertoken::cli::RunCalibrateOps(*catalog, ops, std::cout, std::cerr);
  }
  if (list_cmd->parsed()) {
    return pertoken::cli::RunCatalogList(*catalog, list_kind, list_json, std::cout, std::cerr);
  }
  if (show_cmd->parsed()) {
    return pertoken::cli::RunCatalogShow(*catalog, show_id, show_json, std::cout, std::cerr);
  }
  return kExitUsage;
}
