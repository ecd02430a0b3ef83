// The opdb folder (shared/data/opdb/README.md): which measured tables exist for each system and
// which of them a profile is fitted from. Reads only the folder listing and README.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pertoken::calibrate {

// One table file, named <system>__<family>__<framework>__<version>__<table>.csv.gz.
struct OpdbFile {
  std::string system;     // h100_sxm
  std::string family;     // gemm, attention, comm, moe
  std::string framework;  // vllm, trtllm, sglang, nccl
  std::string version;
  std::string table;      // gemm_perf, context_attention_perf, ...
  std::string file_name;  // the name without its folder
};

// The parts of `file_name`; nullopt when it does not follow the pattern.
std::optional<OpdbFile> ParseOpdbFileName(std::string_view file_name);

// The tables one profile (a system as one framework's kernels run on it) is fitted from.
struct OpdbSelection {
  std::string system;
  std::string framework;  // vllm, trtllm, sglang
  OpdbFile gemm;
  OpdbFile context_attention;
  OpdbFile generation_attention;
  OpdbFile allreduce;                // custom_allreduce_perf, else nccl_perf
  std::vector<std::string> missing;  // "no gemm_perf table", one per gap
};

// Groups the tables of `dir` by system (sorted by name) and gives one selection per framework
// (vllm, trtllm, sglang) that measured the system's GEMMs: each table from that framework where it
// has it, else from the first of the others that does (the newest version when a framework has
// several); the all-reduce falls back to NCCL's table. A table the fit needs and nobody measured
// is named in `missing`. IoError when `dir` cannot be listed; NotFound when it holds no
// table at all.
Result<std::vector<OpdbSelection>> SelectOpdbTables(const std::string& dir);

// The aiconfigurator commit named in `dir`/README.md ("commit <40 hex digits>"), or "" when the
// file or the phrase is missing.
std::string OpdbCommit(const std::string& dir);

}  // namespace pertoken::calibrate
