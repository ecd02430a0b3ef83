#include "calibrate/allreduce_fit.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>

#include "perf/roofline.h"

namespace pertoken::calibrate {

namespace {

constexpr double kSecondsPerMillisecond = 1e-3;
constexpr double kBytesPerElement = 2;  // BF16 / FP16
constexpr double kDirections = 2;       // the catalog's scale-up bandwidth counts both

constexpr FitParam kBwFractionParam = {.start = 0.7, .min = 0.01, .max = 1};
constexpr FitParam kLatencyParam = {.start = 1e-5, .min = 1e-8, .max = 1e-2};

// Which rows of a table are BF16 all-reduces, by the columns the table has.
struct RowFilter {
  size_t dtype = 0;
  std::vector<std::string_view> dtypes;  // accepted values of the dtype column
  std::optional<size_t> op;              // NCCL tables: op_name must be all_reduce
  std::optional<size_t> backend;         // vLLM/SGLang: keep the CUDA-graph variant
};

Result<RowFilter> MakeFilter(const CsvTable& table) {
  if (auto dtype = table.Column("allreduce_dtype"); dtype.ok()) {
    RowFilter f{.dtype = *dtype, .dtypes = {"bfloat16", "float16", "half"}};
    if (auto backend = table.Column("backend"); backend.ok()) f.backend = *backend;
    return f;
  }
  auto cols = table.Columns({"nccl_dtype", "op_name"});
  if (!cols.ok()) {
    return Status::NotFound(
        fmt::format("{}: no column 'allreduce_dtype' or 'nccl_dtype'", table.path()));
  }
  return RowFilter{.dtype = (*cols)[0], .dtypes = {"half", "bfloat16"}, .op = (*cols)[1]};
}

bool Keep(const CsvTable& table, size_t row, const RowFilter& f) {
  if (f.op && table.Cell(row, *f.op) != "all_reduce") return false;
  if (f.backend && !table.Cell(row, *f.backend).ends_with("_graph")) return false;
  const std::string_view dtype = table.Cell(row, f.dtype);
  return std::find(f.dtypes.begin(), f.dtypes.end(), dtype) != f.dtypes.end();
}

// The samples as one curve per rank count, sizes ascending, the times at a repeated size averaged.
std::vector<catalog::AllReduceCurve> Curves(const std::vector<AllReduceSample>& samples) {
  std::map<int, std::map<double, std::pair<double, int>>> sums;  // ranks -> bytes -> (sum, n)
  for (const AllReduceSample& s : samples) {
    auto& cell = sums[static_cast<int>(s.ranks)][s.bytes];
    cell.first += s.latency_s;
    ++cell.second;
  }
  std::vector<catalog::AllReduceCurve> curves;
  for (const auto& [ranks, by_bytes] : sums) {
    catalog::AllReduceCurve c{.ranks = ranks};
    for (const auto& [bytes, sum] : by_bytes) {
      c.bytes.push_back(bytes);
      c.seconds.push_back(sum.first / sum.second);
    }
    curves.push_back(std::move(c));
  }
  return curves;
}

}  // namespace

Result<std::vector<AllReduceSample>> ReadAllReduceSamples(const CsvTable& table) {
  auto filter = MakeFilter(table);
  if (!filter.ok()) return filter.status();
  auto cols = table.Columns({"num_gpus", "message_size", "latency"});
  if (!cols.ok()) return cols.status();
  std::vector<AllReduceSample> samples;
  for (size_t row = 0; row < table.rows(); ++row) {
    if (!Keep(table, row, *filter)) continue;
    std::array<double, 3> v{};
    for (size_t i = 0; i < v.size(); ++i) {
      auto number = table.Number(row, (*cols)[i]);
      if (!number.ok()) return number.status();
      v[i] = *number;
    }
    if (v[0] < 2 || v[1] <= 0 || v[2] <= 0) {
      return Status::ParseError(
          fmt::format("{}:{}: needs num_gpus >= 2, message_size and latency > 0", table.path(),
                      table.Line(row)));
    }
    samples.push_back({.ranks = v[0],
                       .bytes = v[1] * kBytesPerElement,
                       .latency_s = v[2] * kSecondsPerMillisecond});
  }
  if (samples.empty()) {
    return Status::ParseError(fmt::format("{}: no BF16 all-reduce rows", table.path()));
  }
  return samples;
}

double PredictAllReduce(const AllReduceSample& s, double unidirectional_bw_bytes_per_s,
                        double bw_fraction, double latency_s) {
  return perf::AllReduceSeconds(s.ranks, s.bytes, unidirectional_bw_bytes_per_s, bw_fraction,
                                latency_s);
}

Result<AllReduceFit> FitAllReduce(const std::vector<AllReduceSample>& samples,
                                  const catalog::Accelerator& acc) {
  if (samples.empty()) return Status::InvalidArgument("no all-reduce rows to fit");
  if (!acc.scaleup_bw_bytes_per_s || *acc.scaleup_bw_bytes_per_s <= 0) {
    return Status::InvalidArgument(fmt::format("accelerator {} has no scale-up bandwidth", acc.id));
  }
  const double bw = *acc.scaleup_bw_bytes_per_s / kDirections;
  std::vector<double> measured, predicted(samples.size());
  for (const AllReduceSample& s : samples) measured.push_back(s.latency_s);
  auto predict = [&](std::span<const double> p) {
    for (size_t i = 0; i < samples.size(); ++i) {
      predicted[i] = PredictAllReduce(samples[i], bw, p[0], p[1]);
    }
  };
  auto objective = [&](std::span<const double> p) {
    predict(p);
    return MeanAbsLogRatio(predicted, measured);
  };
  const std::vector<double> best = MinimizePositive(objective, {kBwFractionParam, kLatencyParam});
  predict(best);
  return AllReduceFit{.bw_fraction = best[0],
                      .latency_s = best[1],
                      .quality = Quality(predicted, measured),
                      .measured = Curves(samples)};
}

}  // namespace pertoken::calibrate
