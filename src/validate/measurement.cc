#include "validate/measurement.h"

namespace pertoken::validate {

std::string Measurement::SourcePrefix() const { return id.substr(0, id.find('-')); }

const std::vector<std::string>& MeasurementColumns() {
  static const std::vector<std::string> columns = {"id",
                                                   "model",
                                                   "accelerator",
                                                   "num_accel",
                                                   "precision_weights",
                                                   "precision_kv",
                                                   "engine",
                                                   "engine_version",
                                                   "tp",
                                                   "pp",
                                                   "ep",
                                                   "input_len",
                                                   "output_len",
                                                   "concurrency_or_batch",
                                                   "scenario",
                                                   "metric",
                                                   "value"};
  return columns;
}

std::vector<Measurement> ToMeasurements(const CsvTable& table) {
  std::vector<Measurement> out;
  out.reserve(table.rows.size());
  for (const CsvRow& r : table.rows) {
    out.push_back(Measurement{.line = r.line,
                              .id = r.Get("id"),
                              .source = r.Get("source"),
                              .source_date = r.Get("source_date"),
                              .model = r.Get("model"),
                              .accelerator = r.Get("accelerator"),
                              .num_accel = r.Get("num_accel"),
                              .precision_weights = r.Get("precision_weights"),
                              .precision_kv = r.Get("precision_kv"),
                              .engine = r.Get("engine"),
                              .engine_version = r.Get("engine_version"),
                              .tp = r.Get("tp"),
                              .pp = r.Get("pp"),
                              .ep = r.Get("ep"),
                              .input_len = r.Get("input_len"),
                              .output_len = r.Get("output_len"),
                              .concurrency_or_batch = r.Get("concurrency_or_batch"),
                              .scenario = r.Get("scenario"),
                              .metric = r.Get("metric"),
                              .value = r.Get("value"),
                              .notes = r.Get("notes")});
  }
  return out;
}

Result<std::vector<Measurement>> ReadMeasurements(const std::string& path) {
  auto table = ReadCsvFile(path, MeasurementColumns());
  if (!table.ok()) return table.status();
  return ToMeasurements(*table);
}

}  // namespace pertoken::validate
