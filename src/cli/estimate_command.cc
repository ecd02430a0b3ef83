#include "cli/estimate_command.h"

#include <fmt/format.h>

#include <limits>

#include "cli/spec_decode.h"
#include "cli/workload_flag.h"
#include "perf/serving.h"
#include "report/estimate_report.h"
#include "validate/text.h"

namespace pertoken::cli {

namespace {

Status CheckLengths(const EstimateOptions& o) {
  if (!o.input_tokens || !o.output_tokens) {
    return Status::InvalidArgument("--input-len and --output-len are required (or --workload ID)");
  }
  if (*o.input_tokens < 1)
    return Status::InvalidArgument(
        fmt::format("--input-len must be at least 1, got {}", *o.input_tokens));
  if (*o.output_tokens < 1)
    return Status::InvalidArgument(
        fmt::format("--output-len must be at least 1, got {}", *o.output_tokens));
  if (*o.input_tokens > 100'000'000 || *o.output_tokens > 100'000'000) {
    return Status::InvalidArgument(
        "--input-len/--output-len beyond 100 million tokens is not plausible");
  }
  if (o.request_rate && !o.concurrency.empty()) {
    return Status::InvalidArgument("give --concurrency or --request-rate, not both");
  }
  if (o.request_rate && (*o.request_rate <= 0 || *o.request_rate > 1e7)) {
    return Status::InvalidArgument(
        fmt::format("--request-rate must be a positive number of requests per second, got {}",
                    *o.request_rate));
  }
  if (o.batching != "continuous" && o.batching != "static") {
    return Status::InvalidArgument(
        fmt::format("--batching must be continuous or static, got '{}'", o.batching));
  }
  if (o.batching == "static" && o.request_rate) {
    return Status::InvalidArgument(
        "static batching runs a fixed batch: use --concurrency, not --request-rate");
  }
  if (o.usd_per_accelerator_hour && *o.usd_per_accelerator_hour < 0) {
    return Status::InvalidArgument("--usd-per-hour must not be negative");
  }
  return Status();
}

}  // namespace

int RunEstimate(const catalog::Catalog& cat, const EstimateOptions& given, std::ostream& out,
                std::ostream& err) {
  // --workload stands for the lengths it publishes.
  auto lengths = ApplyWorkload(cat, given.workload, given.input_tokens, given.output_tokens);
  if (!lengths.ok()) return Fail(err, lengths.status().message());
  EstimateOptions o = given;
  o.input_tokens = lengths->input_tokens;
  o.output_tokens = lengths->output_tokens;
  if (Status s = CheckLengths(o); !s.ok()) return Fail(err, s.message());
  FitOptions fo = o.deployment;
  const int64_t tokens = *o.input_tokens + *o.output_tokens;
  fo.context_tokens = tokens;
  auto model = cat.FindModel(fo.model);
  if (model.ok() && tokens > (*model)->max_context_tokens) {
    return Fail(err,
                fmt::format("--input-len + --output-len = {} exceeds the {}-token context of {}",
                            tokens, (*model)->max_context_tokens, (*model)->id));
  }
  if (model.ok() && !fo.max_context_tokens) fo.max_context_tokens = (*model)->max_context_tokens;
  auto deployment = ResolveDeployment(cat, fo);
  if (!deployment.ok()) return Fail(err, deployment.status().message());
  const perf::Deployment& d = *deployment;

  perf::ServingQuery q;
  q.deployment = d;
  q.input_tokens = *o.input_tokens;
  q.output_tokens = *o.output_tokens;
  if (!o.spec_decode.empty()) {
    auto spec = ParseSpecDecode(cat, o.spec_decode);
    if (!spec.ok()) return Fail(err, "--spec-decode: " + spec.status().message());
    q.spec = *spec;
  }
  report::EstimateReport rep;
  if (o.request_rate) {
    q.regime = perf::Regime::kRequestRate;
    q.request_rate = *o.request_rate;
    rep.load = fmt::format("Poisson arrivals at {:g} requests/s", *o.request_rate);
  } else if (o.concurrency.empty() || o.concurrency == "max") {
    q.regime =
        o.batching == "static" ? perf::Regime::kStaticBatch : perf::Regime::kFixedConcurrency;
    q.concurrency = perf::MaxConcurrency(q.deployment, q.input_tokens, q.output_tokens);
    rep.load = fmt::format("the most requests in flight that memory and the engine allow ({:g})",
                           q.concurrency);
  } else {
    auto c = validate::ParseNumber(o.concurrency);
    if (!c || *c < 1 || *c > 1e7) {
      return Fail(err,
                  fmt::format("--concurrency must be a number of at least 1 or 'max', got '{}'",
                              o.concurrency));
    }
    q.regime =
        o.batching == "static" ? perf::Regime::kStaticBatch : perf::Regime::kFixedConcurrency;
    q.concurrency = *c;
    rep.load = fmt::format("{:g} requests in flight{}", *c,
                           o.batching == "static" ? " (one static batch)" : "");
  }
  rep.query = q;
  rep.result = perf::PredictServing(q);
  rep.price = PriceFor(cat, *d.accelerator, o.usd_per_accelerator_hour);
  // Prediction intervals: how far measurements of comparable rows fell from their predictions.
  auto band = [&](const char* row_class, report::Interval* in) {
    const catalog::AccuracyBand* b = cat.BandFor(d.engine->id, row_class);
    if (!b) return;
    in->known = true;
    in->low_factor = b->low_ratio;
    in->high_factor = b->high_ratio;
    in->basis = fmt::format(
        "10th-90th percentile of measured/predicted over {} {}rows of the calibration set", b->rows,
        b->engine == "*" ? "" : b->engine + " ");
  };
  band("throughput", &rep.throughput_interval);
  band("latency", &rep.latency_interval);
  if (o.json) {
    nlohmann::json j = report::EstimateJson(rep);
    if (lengths->workload) j["workload"] = lengths->workload->id;
    out << j.dump(2) << "\n";
  } else {
    if (lengths->workload) out << DescribeWorkload(*lengths) << "\n";
    out << report::EstimateText(rep);
  }
  return rep.result.ok && !rep.result.saturated ? kExitOk : kExitFailure;
}

}  // namespace pertoken::cli
