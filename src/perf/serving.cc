#include "perf/serving.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace pertoken::perf {

double ExpectedTokensPerStep(int k, double a) {
  if (a <= 0) return 1;
  return (1 - std::pow(a, k + 1)) / (1 - a);
}

namespace {

FitRequest FitFor(const Deployment& d, int64_t tokens) {
  FitRequest r;
  r.model = d.model;
  r.accelerator = d.accelerator;
  r.engine = d.engine;
  r.precision = d.precision;
  r.layout = d.layout;
  r.context_tokens = tokens;
  const int64_t engine_max =
      d.engine->max_model_len > 0 ? d.engine->max_model_len : d.model->max_context_tokens;
  r.max_context_tokens = std::max(tokens, std::min(engine_max, d.model->max_context_tokens));
  return r;
}

// The cost of producing tokens for `batch` sequences at a mean context: one decode step, or with
// speculative decoding one verification step plus the draft, per emitted token.
struct DecodeCost {
  StepTime step;          // the target's step
  double per_step_s = 0;  // target step + drafting
  double tokens_per_step = 1;
};

DecodeCost Decode(const ServingQuery& q, double batch, double context) {
  DecodeCost c;
  StepShape s;
  s.decode_sequences = static_cast<int64_t>(std::ceil(batch));
  s.decode_context = context;
  if (q.spec) {
    s.decode_tokens = q.spec->k + 1;
    c.tokens_per_step = ExpectedTokensPerStep(q.spec->k, q.spec->acceptance);
  }
  c.step = PredictStep(q.deployment, s);
  c.per_step_s = c.step.total_s;
  if (q.spec) {
    if (q.spec->draft) {
      Deployment draft = q.deployment;
      draft.model = q.spec->draft;
      StepShape ds;
      ds.decode_sequences = s.decode_sequences;
      ds.decode_context = context;
      c.per_step_s += q.spec->k * PredictStep(draft, ds).total_s;
    } else {
      StepShape one = s;
      one.decode_tokens = 1;
      c.per_step_s +=
          q.spec->k * q.spec->head_cost_fraction * PredictStep(q.deployment, one).total_s;
    }
  }
  return c;
}

StepTime Prefill(const Deployment& d, double sequences, int64_t tokens, int64_t past = 0) {
  StepShape s;
  s.prefill_sequences = static_cast<int64_t>(std::ceil(sequences));
  s.prefill_tokens = tokens;
  s.prefill_past = past;
  return PredictStep(d, s);
}

// What prefilling costs when `c` requests are in flight: engines pack prompts into steps of at
// most max_num_batched_tokens (so short prompts share a step), and split a longer prompt into
// chunks of that budget.
struct PrefillCost {
  double per_request_s = 0;  // accelerator time per request, amortised over a packed step
  double wait_s = 0;         // time from a request's first prefill step to its first token
  StepTime step;             // the packed step (or the first chunk)
};

PrefillCost PrefillFor(const Deployment& d, double c, int64_t input) {
  PrefillCost p;
  const int64_t budget = std::max<int64_t>(1, d.engine->max_num_batched_tokens);
  if (input <= budget) {
    const double packed =
        std::clamp(std::floor(static_cast<double>(budget) / input), 1.0, std::ceil(c));
    p.step = Prefill(d, packed, input);
    p.per_request_s = p.step.total_s / packed;
    p.wait_s = p.step.total_s;
    return p;
  }
  for (int64_t done = 0; done < input; done += budget) {
    const StepTime chunk = Prefill(d, 1, std::min(budget, input - done), done);
    if (done == 0) p.step = chunk;
    p.per_request_s += chunk.total_s;
  }
  p.wait_s = p.per_request_s;
  return p;
}

// Steady state of continuous batching with `c` requests in flight (a closed loop): every request
// is prefilled once and then decoded with the others. Over a long window, with R requests per
// second: R·t_prefill + R·n_steps·t_step / c = 1, so R = c / (c·t_prefill + n_steps·t_step).
struct Cycle {
  double requests_per_s = 0;
  double e2e_s = 0;
  double ttft_s = 0;
  double tpot_s = 0;
  DecodeCost decode;
  double prefill_s = 0;
};

Cycle SteadyState(const ServingQuery& q, double c) {
  Cycle y;
  const PrefillCost pf = PrefillFor(q.deployment, c, q.input_tokens);
  const double prefill_s = pf.per_request_s;
  y.prefill_s = prefill_s;
  const double context = static_cast<double>(q.input_tokens) + q.output_tokens / 2.0;
  y.decode = Decode(q, c, context);
  const double steps = static_cast<double>(q.output_tokens - 1) / y.decode.tokens_per_step;
  y.e2e_s = c * prefill_s + steps * y.decode.per_step_s;
  y.requests_per_s = c / y.e2e_s;
  // A new request waits for the step in progress (half a step on average) unless it is alone,
  // then for its (packed) prefill step.
  y.ttft_s = pf.wait_s + (c > 1 ? 0.5 * y.decode.per_step_s : 0);
  y.tpot_s =
      q.output_tokens > 1 ? (y.e2e_s - y.ttft_s) / static_cast<double>(q.output_tokens - 1) : 0;
  return y;
}

void Fill(const ServingQuery& q, const Cycle& y, double c, ServingResult* r) {
  r->ok = true;
  r->concurrency = c;
  r->requests_per_s = y.requests_per_s;
  r->output_tokens_per_s = y.requests_per_s * static_cast<double>(q.output_tokens);
  r->input_tokens_per_s = y.requests_per_s * static_cast<double>(q.input_tokens);
  r->ttft_s = y.ttft_s;
  r->tpot_s = y.tpot_s;
  r->e2e_s = y.e2e_s;
  r->decode_step = y.decode.step;
  const double prefill_share = c * y.prefill_s / y.e2e_s;
  r->bottleneck = prefill_share > 0.5 ? r->prefill_step.bottleneck : r->decode_step.bottleneck;
}

void StaticBatch(const ServingQuery& q, double batch, ServingResult* r) {
  const StepTime pf = Prefill(q.deployment, batch, q.input_tokens);
  const double context = static_cast<double>(q.input_tokens) + q.output_tokens / 2.0;
  const DecodeCost dc = Decode(q, batch, context);
  const double steps = static_cast<double>(q.output_tokens - 1) / dc.tokens_per_step;
  r->ok = true;
  r->concurrency = batch;
  r->prefill_step = pf;
  r->decode_step = dc.step;
  r->ttft_s = pf.total_s;
  r->e2e_s = pf.total_s + steps * dc.per_step_s;
  r->tpot_s =
      q.output_tokens > 1 ? (r->e2e_s - r->ttft_s) / static_cast<double>(q.output_tokens - 1) : 0;
  r->requests_per_s = batch / r->e2e_s;
  r->output_tokens_per_s = r->requests_per_s * static_cast<double>(q.output_tokens);
  r->input_tokens_per_s = r->requests_per_s * static_cast<double>(q.input_tokens);
  r->bottleneck = pf.total_s > steps * dc.per_step_s ? pf.bottleneck : dc.step.bottleneck;
}

// A burst of n requests at t = 0: as many as fit run at once, the rest wait for a slot, so the
// steady state at that concurrency gives the throughput; the mean TTFT adds the waves ahead.
void MaxLoad(const ServingQuery& q, double c_max, ServingResult* r) {
  const double n = q.max_requests > 0 ? static_cast<double>(q.max_requests) : c_max;
  const double c = std::min(n, c_max);
  const Cycle y = SteadyState(q, c);
  Fill(q, y, c, r);
  // The first wave's prompts are prefilled back to back before any decode: on average a request
  // waits for half of them; later waves wait for earlier requests to finish.
  const double first_wave_prefill = c * y.prefill_s;
  const double waves = n / c;
  r->ttft_s = first_wave_prefill / 2 + y.ttft_s + (waves - 1) / 2 * y.e2e_s;
  r->tpot_s = q.output_tokens > 1 ? y.decode.per_step_s / y.decode.tokens_per_step : 0;
  r->e2e_s = r->ttft_s + r->tpot_s * static_cast<double>(q.output_tokens - 1);
}

void RequestRate(const ServingQuery& q, double c_max, ServingResult* r) {
  const Cycle at_max = SteadyState(q, c_max);
  if (q.request_rate >= at_max.requests_per_s) {
    Fill(q, at_max, c_max, r);
    r->saturated = true;
    r->reason =
        fmt::format("{:.3g} requests/s exceeds the {:.3g} this replica serves at {} in flight",
                    q.request_rate, at_max.requests_per_s, c_max);
    return;
  }
  // Little's law: c = R × E2E(c); requests/s grows with c, so bisect.
  double lo = 0, hi = c_max;
  for (int i = 0; i < 60; ++i) {
    const double mid = (lo + hi) / 2;
    if (SteadyState(q, std::max(mid, 1e-9)).requests_per_s < q.request_rate) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  const double c = std::max(hi, 1e-9);
  Cycle y = SteadyState(q, c);
  // Poisson arrivals queue for the prefill server (M/D/1 waiting time, Kleinrock §5.5).
  const double rho = std::min(0.999, q.request_rate * y.prefill_s);
  y.ttft_s += rho * y.prefill_s / (2 * (1 - rho));
  y.e2e_s = c / q.request_rate;
  y.tpot_s = q.output_tokens > 1
                 ? std::max(0.0, y.e2e_s - y.ttft_s) / static_cast<double>(q.output_tokens - 1)
                 : 0;
  y.requests_per_s = q.request_rate;
  Fill(q, y, c, r);
}

}  // namespace

double MaxConcurrency(const Deployment& d, int64_t input_tokens, int64_t output_tokens) {
  const FitResult f = Fit(FitFor(d, input_tokens + output_tokens));
  if (!f.fits) return 0;
  return static_cast<double>(std::min<int64_t>(f.max_concurrent_sequences, d.engine->max_num_seqs));
}

ServingResult PredictServing(const ServingQuery& q) {
  ServingResult r;
  const FitResult fit = Fit(FitFor(q.deployment, q.input_tokens + q.output_tokens));
  if (!fit.fits) {
    r.reason = "does not fit: " + fit.reason;
    return r;
  }
  const double c_max = MaxConcurrency(q.deployment, q.input_tokens, q.output_tokens);
  r.max_concurrency = c_max;
  r.prefill_step = Prefill(q.deployment, 1, q.input_tokens);
  r.prefill_s = r.prefill_step.total_s;
  switch (q.regime) {
    case Regime::kFixedConcurrency: {
      const double c = std::clamp(q.concurrency, 1.0, c_max);
      Fill(q, SteadyState(q, c), c, &r);
      if (q.concurrency > c_max) {
        r.reason = fmt::format("{} clients but memory holds {} sequences: the rest queue",
                               q.concurrency, c_max);
      }
      break;
    }
    case Regime::kStaticBatch:
      if (q.concurrency > c_max) {
        r.reason = fmt::format("a batch of {} does not fit: memory holds {} sequences of {} tokens",
                               q.concurrency, c_max, q.input_tokens + q.output_tokens);
        return r;
      }
      StaticBatch(q, std::max(1.0, q.concurrency), &r);
      break;
    case Regime::kMaxLoad:
      MaxLoad(q, c_max, &r);
      break;
    case Regime::kRequestRate:
      RequestRate(q, c_max, &r);
      break;
  }
  r.max_concurrency = c_max;
  return r;
}

}  // namespace pertoken::perf
