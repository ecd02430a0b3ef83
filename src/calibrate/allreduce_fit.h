// The all-reduce fit: reads a custom_allreduce or NCCL table (shared/data/opdb/README.md) and fits
// the [allreduce] table of doc/formats/efficiency.md. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "calibrate/csv_reader.h"
#include "calibrate/fit.h"
#include "catalog/types.h"
#include "common/status.h"

namespace pertoken::calibrate {

// One measured all-reduce.
struct AllReduceSample {
  double ranks = 0;  // GPUs taking part
  double bytes = 0;  // per rank
  double latency_s = 0;
};

// Reads the BF16 all-reduce rows: from a custom_allreduce table (the CUDA-graph variant where the
// table has a `backend` column) or an NCCL table (op_name all_reduce, nccl_dtype half).
// message_size counts elements (2 bytes each); latency is milliseconds. Errors name the file.
Result<std::vector<AllReduceSample>> ReadAllReduceSamples(const CsvTable& table);

struct AllReduceFit {
  double bw_fraction = 0;
  double latency_s = 0;
  FitQuality quality;
  // The measured times by rank count (sizes ascending; repeated sizes averaged), which the model
  // interpolates; the fitted pair covers rank counts not measured.
  std::vector<catalog::AllReduceCurve> measured;
};

// The time of `s`: latency + 2 (t - 1) / t × bytes / (unidirectional bw × bw_fraction).
double PredictAllReduce(const AllReduceSample& s, double unidirectional_bw_bytes_per_s,
                        double bw_fraction, double latency_s);

// Fits latency_s and bw_fraction (at most 1) minimising the mean |ln(predicted / measured)|, and
// keeps the samples as curves by rank count. The
// unidirectional bandwidth is half of acc's scaleup_bw_bytes_per_s (the catalog stores both
// directions). InvalidArgument when `samples` is empty or `acc` has no scale-up link.
Result<AllReduceFit> FitAllReduce(const std::vector<AllReduceSample>& samples,
                                  const catalog::Accelerator& acc);

}  // namespace pertoken::calibrate
