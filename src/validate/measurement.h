// One published measurement: a row of a measurements CSV (the columns of
// shared/data/measurements/calibration.csv, described in its README). Fields keep the source's
// wording; the mapping to a prediction (row_mapping.h) interprets them.
#pragma once

#include <string>
#include <vector>

#include "validate/csv.h"

namespace pertoken::validate {

struct Measurement {
  int line = 0;    // where the row starts in its file
  std::string id;  // "<SOURCE>-<n>"
  std::string source;
  std::string source_date;  // "2024-08-28 (...)", "2025-02": when the source published it
  std::string model;
  std::string accelerator;
  std::string num_accel;
  std::string precision_weights;
  std::string precision_kv;
  std::string engine;
  std::string engine_version;
  std::string tp, pp, ep;
  std::string input_len, output_len;
  std::string concurrency_or_batch;
  std::string scenario;
  std::string metric;
  std::string value;
  std::string notes;

  // The source prefix of the id: "TRT17" for "TRT17-0001" (the whole id when it has no '-').
  std::string SourcePrefix() const;
};

// The columns a measurements file must have (source, source_date and notes are optional).
const std::vector<std::string>& MeasurementColumns();

// The rows of a parsed measurements file, in file order.
std::vector<Measurement> ToMeasurements(const CsvTable& table);

// Reads a measurements file: IoError, or ParseError for a malformed file or missing columns.
Result<std::vector<Measurement>> ReadMeasurements(const std::string& path);

}  // namespace pertoken::validate
