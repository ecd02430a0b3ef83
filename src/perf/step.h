// The step-time model: how long one engine iteration of a replica takes, op by op, on its
// accelerators. Each op is timed by a roofline with achieved fractions of the peaks
// (catalog::Efficiency, fitted from measured op tables) plus a fixed latency; communication by the
// all-reduce model; the engine adds its per-step overheads. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalog/types.h"
#include "perf/memory.h"

namespace pertoken::perf {

// What runs on one replica: the model, the hardware, the engine and the layout.
struct Deployment {
  const catalog::Model* model = nullptr;
  const catalog::Accelerator* accelerator = nullptr;
  const catalog::Engine* engine = nullptr;
  const catalog::Efficiency* efficiency = nullptr;
  Precision precision;
  Layout layout;
};

// The work of one step: prompt tokens being prefilled and sequences generating tokens.
struct StepShape {
  int64_t prefill_sequences = 0;  // sequences with prompt tokens in this step
  int64_t prefill_tokens = 0;     // prompt tokens per prefilling sequence in this step
  int64_t prefill_past = 0;       // tokens each prefilling sequence already has cached (chunks)
  int64_t decode_sequences = 0;   // sequences generating in this step
  double decode_context = 0;      // mean tokens cached per generating sequence
  int64_t decode_tokens = 1;      // tokens each generating sequence processes (k + 1 to verify
                                  // k speculated tokens)
};

enum class Bottleneck { kCompute, kMemory, kCommunication, kOverhead };
const char* BottleneckName(Bottleneck b);  // "compute", "memory bandwidth", ...

// One op of the step, on one accelerator, summed over the layers of the whole replica.
struct OpTime {
  const char* name = "";  // a string literal: "qkv_proj", "attention_decode", "mlp", ...
  double time_s = 0;
  double flops = 0;
  double bytes = 0;
  Bottleneck bound = Bottleneck::kCompute;
};

struct StepTime {
  double total_s = 0;
  // The same time split by what limits each op (sums to total_s).
  double compute_s = 0;
  double memory_s = 0;
  double communication_s = 0;
  double overhead_s = 0;
  Bottleneck bottleneck = Bottleneck::kOverhead;  // the largest of the four
  double flops = 0;                               // per accelerator
  double bytes = 0;                               // per accelerator
  std::vector<OpTime> ops;
};

// REQUIRES: every pointer of `deployment` set, a valid layout (CheckLayout), shape counts >= 0.
StepTime PredictStep(const Deployment& deployment, const StepShape& shape);

// The GEMM efficiency curve a compute precision runs at: its own; for FP8 or INT8 without one, the
// other 8-bit precision's; else the BF16 curve.
const catalog::GemmCurve& GemmCurveFor(const catalog::Efficiency& efficiency,
                                       const std::string& precision);

// One accelerator's PCIe bandwidth per direction to its host (the card's PCIe generation, x16).
double HostLinkBytesPerSecond(const catalog::Accelerator& acc);

// One accelerator's bandwidth per direction to its peers: the scale-up link (NVLink, xGMI, ...)
// where it has one, else PCIe of its generation.
double LinkBytesPerSecond(const catalog::Accelerator& acc);

// The per-accelerator link a request's KV cache moves over from a prefill replica to a decode
// replica: the scale-up link when both replicas are one accelerator type that has one and fit in
// one scale-up domain together, else the network, taken as the slower side's PCIe link (where its
// network card attaches).
double KvTransferLinkBytesPerSecond(const catalog::Accelerator& prefill, int prefill_count,
                                    const catalog::Accelerator& decode, int decode_count);
// The whole transfer: that link times the smaller replica's accelerators, shards moving in
// parallel.
double KvTransferBytesPerSecond(const catalog::Accelerator& prefill, int prefill_count,
                                const catalog::Accelerator& decode, int decode_count);

// The time of an all-reduce of `bytes` over `ranks` accelerators on the scale-up link (or PCIe
// where the accelerator has none); also used for point-to-point sends as a 2-rank exchange.
double AllReduceTime(const catalog::Accelerator& acc, const catalog::Efficiency& eff, int ranks,
                     double bytes);

}  // namespace pertoken::perf
