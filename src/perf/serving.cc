#include "perf/serving.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace pertoken::perf {

double ExpectedTokensPerStep(int k, double a) {
  if (a <= 0) return 1;
  return (1 - std::pow(a, k + 1)) / (1 - a);
}

FitRequest FitRequestFor(const Deployment& d, int64_t tokens) {
  return {.model = d.model,
          .accelerator = d.accelerator,
          .engine = d.engine,
          .precision = d.precision,
          .layout = d.layout,
          .context_tokens = tokens,
          .max_context_tokens = std::max(tokens, EngineMaxContext(*d.engine, *d.model))};
}

std::vector<int64_t> ExponentialLengths(int64_t n, int64_t mean) {
  std::vector<double> q(static_cast<size_t>(n));
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    q[i] = -std::log(1 - (static_cast<double>(i) + 0.5) / static_cast<double>(n));
    sum += q[i];
  }
  std::vector<int64_t> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    out[i] = std::max<int64_t>(
        1, std::llround(q[i] * static_cast<double>(n) / sum * static_cast<double>(mean)));
  }
  return out;
}

double DraftSeconds(const Deployment& d, const SpecDecode& spec, const StepShape& verify) {
  if (verify.decode_sequences <= 0) return 0;
  StepShape one;  // the decoding sequences of the step, one token each
  one.decode_sequences = verify.decode_sequences;
  one.decode_context = verify.decode_context;
  if (!spec.draft) return spec.k * spec.head_cost_fraction * PredictStep(d, one).total_s;
  Deployment draft = d;
  draft.model = spec.draft;
  return spec.k * PredictStep(draft, one).total_s;
}

namespace {

// The cost of producing tokens for `batch` sequences at a mean context: one decode step, or with
// speculative decoding one verification step plus the draft, per emitted token.
struct DecodeCost {
  StepTime step;          // the target's step
  double per_step_s = 0;  // target step + drafting
  double tokens_per_step = 1;
};

double DraftSeconds(const ServingQuery& q, const StepShape& verify) {
  return q.spec ? DraftSeconds(q.deployment, *q.spec, verify) : 0;
}

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
  c.per_step_s = c.step.total_s + DraftSeconds(q, s);
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
  const int64_t budget = std::max<int64_t>(1, d.engine->MaxBatchedTokens(*d.accelerator));
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
  y.ttft_s =
      q.deployment.engine->per_request_s + pf.wait_s + (c > 1 ? 0.5 * y.decode.per_step_s : 0);
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

// A burst of n requests at t = 0, followed step by step in aggregate: each step the engine
// decodes every running sequence and fills the rest of its token budget with prompt tokens of
// admitted requests (chunked prefill streams them; without it whole prompts join), admitting new
// requests while memory and max_num_seqs allow. Requests whose prompts finish together form a
// cohort that decodes in lock step; a cohort leaves after its last token.
struct Cohort {
  double count = 0;
  double first_token_s = 0;
  int64_t generated = 0;  // tokens emitted so far (the first comes from the prefill)
  int64_t target = 0;     // tokens each request of the cohort emits in all
};

// Output lengths of a cohort: all equal, or the eight octile midpoints of an exponential
// distribution with the given mean (rescaled so that their mean is exact).
std::vector<std::pair<double, int64_t>> OutputLengths(int64_t mean, bool variable) {
  if (!variable || mean <= 1) return {{1.0, mean}};
  constexpr int kParts = 8;
  std::vector<std::pair<double, int64_t>> out;
  for (int64_t length : ExponentialLengths(kParts, mean)) out.emplace_back(1.0 / kParts, length);
  return out;
}

void Burst(const ServingQuery& q, double c_max, ServingResult* r) {
  const Deployment& d = q.deployment;
  const double n = static_cast<double>(q.max_requests);
  const double in = static_cast<double>(q.input_tokens);
  const int64_t out = q.output_tokens;
  const double budget =
      static_cast<double>(std::max<int64_t>(1, d.engine->MaxBatchedTokens(*d.accelerator)));
  const double tokens_per_step = q.spec ? ExpectedTokensPerStep(q.spec->k, q.spec->acceptance) : 1;
  double waiting = n, prefilling = 0, prompt_tokens_left = 0, decoding = 0, context_sum = 0;
  double now = 0, ttft_sum = 0, tpot_sum = 0, tpot_count = 0, done = 0, decode_time = 0;
  double emitted = 0;
  const auto lengths = OutputLengths(out, q.variable_output_lengths);
  std::vector<Cohort> cohorts;
  StepTime last_decode;
  // The frontend hands requests to the engine one after another (HTTP, tokenisation).
  const double per_request = d.engine->per_request_s;
  for (int guard = 0; done < n - 1e-9 && guard < 200000; ++guard) {
    // Admit what the frontend has passed on, while memory allows; their prompts join the
    // prefill stream.
    const double handed = per_request > 0 ? std::min(n, std::floor(now / per_request) + 1) : n;
    const double available = std::max(0.0, waiting - (n - handed));
    const double admit = std::min(available, std::max(0.0, c_max - prefilling - decoding));
    waiting -= admit;
    prefilling += admit;
    prompt_tokens_left += admit * in;
    // Fill the step: every decoding sequence, then prompt tokens up to the budget.
    double room = std::max(0.0, budget - decoding);
    if (!d.engine->chunked_prefill) room = std::floor(room / in) * in;
    double pf = std::min(prompt_tokens_left, room);
    if (pf <= 0 && decoding == 0 && prompt_tokens_left > 0) pf = std::min(prompt_tokens_left, in);
    if (pf <= 0 && decoding == 0) {
      now += per_request;  // idle until the frontend passes the next request on
      continue;
    }
    StepShape shape;
    const double pf_seqs = pf > 0 ? std::max(1.0, std::round(pf / in)) : 0;
    shape.prefill_sequences = static_cast<int64_t>(pf_seqs);
    shape.prefill_tokens = pf_seqs > 0 ? static_cast<int64_t>(std::ceil(pf / pf_seqs)) : 0;
    shape.decode_sequences = static_cast<int64_t>(std::ceil(decoding));
    shape.decode_context = decoding > 0 ? context_sum / decoding : 0;
    if (q.spec && decoding > 0) shape.decode_tokens = q.spec->k + 1;
    const StepTime step = PredictStep(d, shape);
    if (decoding > 0 && pf == 0) last_decode = step;
    const double step_s = step.total_s + (decoding > 0 ? DraftSeconds(q, shape) : 0);
    now += step_s;
    if (decoding > 0) decode_time += step_s;
    // Decoders advance; finished cohorts leave.
    for (auto& c : cohorts) c.generated += 1;
    context_sum += decoding * tokens_per_step;
    auto finished = [&](const Cohort& c) {
      if (static_cast<double>(c.generated) * tokens_per_step < static_cast<double>(c.target)) {
        return false;
      }
      tpot_sum += c.count * (now - c.first_token_s) / static_cast<double>(c.target - 1);
      tpot_count += c.count;
      done += c.count;
      emitted += c.count * static_cast<double>(c.target);
      decoding -= c.count;
      context_sum -= c.count * (in + static_cast<double>(c.target));
      return true;
    };
    cohorts.erase(std::remove_if(cohorts.begin(), cohorts.end(), finished), cohorts.end());
    // Prompts completed in this step emit their first token.
    const double completed =
        std::min(prefilling, std::floor((prefilling * in - prompt_tokens_left + pf) / in + 1e-9) -
                                 std::floor((prefilling * in - prompt_tokens_left) / in + 1e-9));
    prompt_tokens_left -= pf;
    if (completed > 0) {
      prefilling -= completed;
      ttft_sum += completed * now;
      for (const auto& [share, target] : lengths) {
        const double count = completed * share;
        if (target <= 1) {
          done += count;
          emitted += count;
          continue;
        }
        decoding += count;
        context_sum += count * (in + 1);
        cohorts.push_back({.count = count, .first_token_s = now, .generated = 1, .target = target});
      }
    }
  }
  r->ok = true;
  r->concurrency = std::min(n, c_max);
  r->e2e_s = now;
  r->requests_per_s = n / now;
  r->output_tokens_per_s = emitted / now;
  r->input_tokens_per_s = n * in / now;
  r->ttft_s = ttft_sum / n + per_request;  // the last hand-over itself
  r->tpot_s = tpot_count > 0 ? tpot_sum / tpot_count : 0;
  r->decode_step =
      last_decode.ops.empty() ? Decode(q, r->concurrency, in + out / 2.0).step : last_decode;
  r->bottleneck = decode_time > now / 2 ? r->decode_step.bottleneck : r->prefill_step.bottleneck;
}

// Every request queued at once and more keep coming (offline throughput with no fixed count):
// the steady state at the highest concurrency memory allows.
void MaxLoad(const ServingQuery& q, double c_max, ServingResult* r) {
  if (q.max_requests > 0) {
    Burst(q, c_max, r);
    return;
  }
  const Cycle y = SteadyState(q, c_max);
  Fill(q, y, c_max, r);
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
  while (hi - lo > 1e-6 * c_max) {
    const double mid = (lo + hi) / 2;
    if (SteadyState(q, std::max(mid, 1e-9)).requests_per_s < q.request_rate) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  const double c = std::max(hi, 1e-9);
  Cycle y = SteadyState(q, c);
  // A new prompt joins the next step together with the prompts that arrived during the current
  // one (R × step of them) and the running decodes: TTFT is half a step of waiting plus that
  // mixed step, plus M/D/1 queueing for the prefill work (Kleinrock §5.5).
  const double step = y.decode.per_step_s;
  StepShape mixed;
  mixed.prefill_sequences = std::max<int64_t>(1, std::llround(q.request_rate * step));
  mixed.prefill_tokens = q.input_tokens;
  mixed.decode_sequences = static_cast<int64_t>(std::floor(c));
  mixed.decode_context = static_cast<double>(q.input_tokens) + q.output_tokens / 2.0;
  const double first_step = PredictStep(q.deployment, mixed).total_s;
  const double rho = std::min(0.999, q.request_rate * y.prefill_s);
  y.ttft_s = q.deployment.engine->per_request_s + (c > 1 ? 0.5 * step : 0) + first_step +
             rho * y.prefill_s / (2 * (1 - rho));
  y.e2e_s = c / q.request_rate;
  y.tpot_s = q.output_tokens > 1
                 ? std::max(0.0, y.e2e_s - y.ttft_s) / static_cast<double>(q.output_tokens - 1)
                 : 0;
  y.requests_per_s = q.request_rate;
  Fill(q, y, c, r);
}

}  // namespace

namespace {

// Memory's limit on sequences in flight, capped by the engine's batch limit.
double ConcurrencyCap(const Deployment& d, const FitResult& f) {
  if (!f.fits) return 0;
  return static_cast<double>(
      std::min<int64_t>(f.max_concurrent_sequences, d.engine->MaxNumSeqs(*d.accelerator)));
}

}  // namespace

double MaxConcurrency(const Deployment& d, int64_t input_tokens, int64_t output_tokens) {
  return ConcurrencyCap(d, Fit(FitRequestFor(d, input_tokens + output_tokens)));
}

ServingResult PredictServing(const ServingQuery& q) {
  return PredictServing(q, Fit(FitRequestFor(q.deployment, q.input_tokens + q.output_tokens)));
}

double MaxConcurrency(const Deployment& d, const FitResult& fit) { return ConcurrencyCap(d, fit); }

ServingResult PredictServing(const ServingQuery& q, const FitResult& fit) {
  ServingResult r;
  if (!fit.fits) {
    r.reason = "does not fit: " + fit.reason;
    return r;
  }
  const double c_max = ConcurrencyCap(q.deployment, fit);
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
  return r;
}

}  // namespace pertoken::perf
