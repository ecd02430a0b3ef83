#include "validate/regime.h"

#include <fmt/format.h>

#include <array>
#include <string>

#include "validate/text.h"

namespace pertoken::validate {

namespace {

struct MetricName {
  std::string_view name;
  MetricKind kind;
  bool p99;
};

constexpr std::array kMetrics = {
    MetricName{"output_tok_per_s_total", MetricKind::kOutputTokensPerS, false},
    MetricName{"output_tok_per_s_per_gpu", MetricKind::kOutputTokensPerSPerAccel, false},
    MetricName{"total_tok_per_s", MetricKind::kTotalTokensPerS, false},
    MetricName{"output_tok_per_s_per_user", MetricKind::kPerUserTokensPerS, false},
    MetricName{"decode_tok_per_s", MetricKind::kPerUserTokensPerS, false},
    MetricName{"prefill_tok_per_s", MetricKind::kPrefillTokensPerS, false},
    MetricName{"ttft_ms", MetricKind::kTtftMs, false},
    MetricName{"ttft_ms_mean", MetricKind::kTtftMs, false},
    MetricName{"ttft_ms_median", MetricKind::kTtftMs, false},
    MetricName{"ttft_ms_p50", MetricKind::kTtftMs, false},
    MetricName{"ttft_ms_p99", MetricKind::kTtftMs, true},
    MetricName{"tpot_ms", MetricKind::kTpotMs, false},
    MetricName{"tpot_ms_mean", MetricKind::kTpotMs, false},
    MetricName{"tpot_ms_median", MetricKind::kTpotMs, false},
    MetricName{"tpot_ms_p50", MetricKind::kTpotMs, false},
    MetricName{"tpot_ms_p99", MetricKind::kTpotMs, true},
    MetricName{"itl_ms_mean", MetricKind::kTpotMs, false},
    MetricName{"itl_ms_median", MetricKind::kTpotMs, false},
    MetricName{"itl_ms_p99", MetricKind::kTpotMs, true},
    MetricName{"token_latency_ms_p50", MetricKind::kTpotMs, false},
};

// Requests in the benchmark, when the row says ("500 prompts", "500 requests"); 0 otherwise.
int64_t MaxRequests(const Measurement& m) {
  for (const std::string* text : {&m.concurrency_or_batch, &m.notes}) {
    for (const char* word : {"prompts", "requests"}) {
      if (auto n = CountBefore(*text, word); n && *n > 0) return *n;
    }
  }
  return 0;
}

Result<double> PositiveNumber(const std::string& text, std::string_view what) {
  const auto v = ParseNumber(text);
  if (!v || *v <= 0) {
    return Status::InvalidArgument(fmt::format("{} '{}' is not a positive number", what, text));
  }
  return *v;
}

Result<RegimeSpec> MlperfRegime(const Measurement& m, const std::string& scenario) {
  RegimeSpec r{.mlperf = true};
  if (scenario == "mlperf-offline") {
    r.regime = perf::Regime::kMaxLoad;
    r.max_requests = MaxRequests(m);
    return r;
  }
  if (scenario != "mlperf-server" && scenario != "mlperf-interactive") {
    return Status::InvalidArgument(fmt::format("unsupported scenario '{}'", m.scenario));
  }
  r.regime = perf::Regime::kRequestRate;
  r.limits = scenario == "mlperf-server" ? ServerLimits::kServer : ServerLimits::kInteractive;
  const auto rate = NumberAfter(m.concurrency_or_batch, "qps=");
  if (rate && *rate > 0) {
    r.request_rate = *rate;
  } else {
    r.find_rate = true;
  }
  return r;
}

}  // namespace

const char* RowClassName(RowClass c) {
  return c == RowClass::kThroughput ? "throughput" : "latency";
}

Result<MetricSpec> ParseMetric(std::string_view metric) {
  const std::string name = Lower(Trim(metric));
  for (const MetricName& m : kMetrics) {
    if (m.name != name) continue;
    const bool latency = m.kind == MetricKind::kTtftMs || m.kind == MetricKind::kTpotMs;
    return MetricSpec{.kind = m.kind,
                      .row_class = latency ? RowClass::kLatency : RowClass::kThroughput,
                      .p99 = m.p99};
  }
  return Status::InvalidArgument(fmt::format("unsupported metric '{}'", Trim(metric)));
}

Result<RegimeSpec> ParseRegime(const Measurement& m) {
  const std::string scenario = Lower(Trim(m.scenario));
  const std::string& load = m.concurrency_or_batch;
  if (scenario.rfind("mlperf-", 0) == 0) return MlperfRegime(m, scenario);
  if (scenario == "single-stream") {
    return RegimeSpec{.regime = perf::Regime::kFixedConcurrency, .concurrency = 1};
  }
  if (scenario == "offline-static-batch") {
    auto batch = PositiveNumber(load, "batch size");
    if (!batch.ok()) return batch.status();
    return RegimeSpec{.regime = perf::Regime::kStaticBatch, .concurrency = *batch};
  }
  const bool unbounded_rate = ContainsNoCase(load, "request rate inf") ||
                              ContainsNoCase(load, "qps=inf") ||
                              ContainsNoCase(scenario, "infinite request rate");
  if (unbounded_rate || scenario == "offline" || scenario.rfind("offline (", 0) == 0) {
    return RegimeSpec{.regime = perf::Regime::kMaxLoad, .max_requests = MaxRequests(m)};
  }
  if (scenario == "fixed-concurrency" || ContainsNoCase(load, "maximum request concurrency")) {
    const auto n = ParseNumber(load) ? ParseNumber(load) : NumberAfter(load, "concurrency");
    if (!n || *n <= 0) {
      return Status::InvalidArgument(
          fmt::format("concurrency '{}' is not a positive number", load));
    }
    return RegimeSpec{.regime = perf::Regime::kFixedConcurrency, .concurrency = *n};
  }
  if (scenario.rfind("server", 0) == 0) {
    const auto rate = NumberAfter(load, "qps=");
    if (!rate || *rate <= 0) {
      return Status::InvalidArgument(fmt::format("no request rate in '{}'", load));
    }
    return RegimeSpec{.regime = perf::Regime::kRequestRate, .request_rate = *rate};
  }
  return Status::InvalidArgument(fmt::format("unsupported scenario '{}'", Trim(m.scenario)));
}

}  // namespace pertoken::validate
