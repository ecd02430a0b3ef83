#include "catalog/catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_util.h"

namespace pertoken::catalog {
namespace {

using pertoken::testing::FixtureCatalog;
using pertoken::testing::ScratchCatalog;
using ::testing::HasSubstr;

TEST(Catalog, LoadsTheFixture) {
  auto cat = Catalog::Load(FixtureCatalog());
  ASSERT_TRUE(cat.ok()) << cat.status().message();
  EXPECT_EQ(cat->accelerators().size(), 4u);
  EXPECT_EQ(cat->models().size(), 6u);
  const Accelerator* h100 = *cat->FindAccelerator("h100-sxm");
  EXPECT_EQ(h100->memory_bytes, int64_t{81559} * 1024 * 1024);
  EXPECT_DOUBLE_EQ(h100->peak_flops_per_s.at("fp8"), 1978.9e12);
  EXPECT_EQ(h100->scaleup_domain_size, 8);
  ASSERT_EQ(h100->provenance.alternatives.size(), 1u);
  EXPECT_EQ(h100->provenance.alternatives[0].value_text, "3000000000000");
  EXPECT_EQ(h100->provenance.SourceOf("memory_bytes"), "nvidia-smi: 81559 MiB");
  EXPECT_EQ(h100->provenance.SourceOf("mem_bw_bytes_per_s"), "test fixture");
}

TEST(Catalog, ResolvesAliasesWhateverTheSpelling) {
  auto cat = Catalog::Load(FixtureCatalog());
  ASSERT_TRUE(cat.ok());
  for (const char* name :
       {"h100-sxm", "H100-SXM-80GB", "NVIDIA H100 SXM5", "nvidia_h100_sxm5", "H100"}) {
    auto found = cat->FindAccelerator(name);
    ASSERT_TRUE(found.ok()) << name;
    EXPECT_EQ((*found)->id, "h100-sxm") << name;
  }
  EXPECT_EQ((*cat->FindModel("LLAMA2-70B"))->id, "llama-2-70b");
}

TEST(Catalog, UnknownNamesSuggestTheClosest) {
  auto cat = Catalog::Load(FixtureCatalog());
  ASSERT_TRUE(cat.ok());
  auto m = cat->FindModel("llama-70b");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(m.status().message(),
            "unknown model 'llama-70b'; did you mean llama-2-70b, llama-3.1-70b?");
  EXPECT_EQ(cat->FindAccelerator("b300").status().message(), "unknown accelerator 'b300'");
}

TEST(Catalog, PrecisionNamesPickTheDefaultFormat) {
  auto cat = Catalog::Load(FixtureCatalog());
  ASSERT_TRUE(cat.ok());
  EXPECT_EQ((*cat->FindPrecision("int4", false))->id, "int4-awq");
  EXPECT_EQ((*cat->FindPrecision("fp8", false))->id, "fp8");
  EXPECT_EQ((*cat->FindPrecision("fp8", true))->id, "kv-fp8");
  EXPECT_EQ((*cat->FindPrecision("awq", false))->id, "int4-awq");
  auto bad = cat->FindPrecision("int4-awq", true);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("does not apply to the KV cache"));
  // AWQ g128: 4 bits + (16-bit scale + 4-bit zero) / 128 elements.
  EXPECT_DOUBLE_EQ((*cat->FindPrecision("int4", false))->BitsPerElement(), 4 + 20.0 / 128);
}

TEST(Catalog, ShowsEveryFieldWithItsLine) {
  auto cat = Catalog::Load(FixtureCatalog());
  ASSERT_TRUE(cat.ok());
  const Model* m = *cat->FindModel("llama-2-70b");
  bool found = false;
  for (const auto& f : m->provenance.fields) {
    if (f.path == "attention.kv_heads") {
      EXPECT_EQ(f.value_text, "8");
      EXPECT_EQ(f.line, 20);
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(Catalog, MissingDirectoryIsNotFound) {
  auto cat = Catalog::Load("/nonexistent/pertoken");
  ASSERT_FALSE(cat.ok());
  EXPECT_EQ(cat.status().code(), StatusCode::kNotFound);
}

// One broken catalog: every problem is reported at once, each with file, line and key.
TEST(Catalog, ReportsEveryProblemWithFileLineAndKey) {
  ScratchCatalog scratch("broken");
  const std::string broken_toml =
      scratch.Write("models/broken-syntax.toml", "schema_version = 1\nlayers = \n");
  const std::string model = scratch.Write("models/bad-model.toml", R"(schema_version = 1
id = "bad-model"
name = "Bad"
source = "test"
family = "llama"
architecture = "decoder"
max_context_tokens = 4096
layers = "eighty"
hidden_size = -5
vocab_size = 32000
tied_embeddings = false
position_embedding = "rope"
norm = "rmsnorm"
norms_per_layer = 2
layerz = 3

[attention]
type = "gqa"
heads = 64
kv_heads = 7
head_dim = 128

[mlp]
type = "gated"
intermediate_size = 1000

[moe]
experts = 8
experts_per_token = 9
expert_intermediate_size = 100
)");
  const std::string mismatch = scratch.Write("accelerators/wrong-name.toml", R"(schema_version = 1
id = "other-name"
name = "X"
aliases = ["h100"]
vendor = "X"
category = "gpu"
source = "test"
mem_bw_bytes_per_s = 1e12

[peak_flops_per_s]
bf16 = 1e14
)");
  const std::string units = scratch.Write("accelerators/units.toml", R"(schema_version = 1
id = "units"
name = "Units slip"
vendor = "X"
category = "gpu"
source = "test"
mem_bw_bytes_per_s = 3.35e15

[peak_flops_per_s]
bf16 = 989
)");
  const std::string quant = scratch.Write("quantization/bad-delta.toml", R"(schema_version = 1
id = "bad-delta"
name = "bad delta"
source = "test"
applies_to = ["weights"]
precision = "int8"
bits = 8
compute_precision = "int8"

[[results]]
model = "llama-2-7b"
method = "X"
metric = "ppl"
higher_is_better = false
baseline_precision = "FP16"
baseline_value = 5.0
quantized_value = 5.5
delta = 0.4
source = "test"
)");
  const std::string price = scratch.Write("prices/nowhere.toml", R"(schema_version = 1
id = "nowhere"
name = "Nowhere"
source = "test"
as_of = "2026-01"
kind = "cloud"

[[offers]]
sku = "x"
accelerator = "h900"
pricing = "on_demand"
usd_per_hour = -3
as_of = "2026-01"
source = "test"
)");
  auto cat = Catalog::Load(scratch.dir());
  ASSERT_FALSE(cat.ok());
  EXPECT_EQ(cat.status().code(), StatusCode::kParseError);
  const std::string& msg = cat.status().message();
  EXPECT_THAT(msg, HasSubstr(broken_toml + ":2: "));
  EXPECT_THAT(msg, HasSubstr(model + ":8: layers: expected an integer"));
  EXPECT_THAT(msg, HasSubstr(model + ":9: hidden_size: -5 is out of range: expected a number > 0"));
  EXPECT_THAT(msg, HasSubstr(model + ":15: layerz: unknown key"));
  EXPECT_THAT(msg, HasSubstr(model + ":20: attention.kv_heads: 7 does not divide heads = 64"));
  EXPECT_THAT(msg, HasSubstr(model + ":29: moe.experts_per_token: 9 exceeds experts = 8"));
  EXPECT_THAT(
      msg,
      HasSubstr(mismatch + ":2: id: 'other-name' does not match the file name 'wrong-name.toml'"));
  EXPECT_THAT(
      msg, HasSubstr(quant + ":18: results[0].delta: 0.4 is not quantized_value - baseline_value"));
  EXPECT_THAT(msg, HasSubstr(price + ":12: offers[0].usd_per_hour: -3 is out of range"));
}

TEST(Catalog, CrossFileProblems) {
  ScratchCatalog scratch("cross");
  scratch.Write("accelerators/h100-copy.toml", R"(schema_version = 1
id = "h100-copy"
name = "X"
aliases = ["NVIDIA H100 SXM5"]
vendor = "X"
category = "gpu"
source = "test"
mem_bw_bytes_per_s = 1e12

[peak_flops_per_s]
bf16 = 1e14
)");
  const std::string price = scratch.Write("prices/nowhere.toml", R"(schema_version = 1
id = "nowhere"
name = "Nowhere"
source = "test"
as_of = "2026-01"
kind = "cloud"

[[offers]]
sku = "x"
accelerator = "h900"
pricing = "on_demand"
as_of = "2026-01"
source = "test"
)");
  auto cat = Catalog::Load(scratch.dir());
  ASSERT_FALSE(cat.ok());
  const std::string& msg = cat.status().message();
  EXPECT_THAT(msg, HasSubstr("name 'nvidia-h100-sxm5' is also used by"));
  EXPECT_THAT(msg, HasSubstr(price + ":10: offers[0].accelerator: unknown accelerator 'h900'"));
}

// Every price carries its date: an offer without one is refused, naming the file, the line of
// its table and the key.
TEST(Catalog, APriceWithoutADateIsRefused) {
  ScratchCatalog scratch("undated");
  const std::string path = scratch.Write("prices/undated.toml", R"(schema_version = 1
id = "undated"
name = "Undated"
source = "test"
as_of = "2026-01"
kind = "cloud"

[[offers]]
sku = "x"
accelerator = "h100-sxm"
pricing = "on_demand"
usd_per_hour = 2.0
source = "test"
)");
  auto cat = Catalog::Load(scratch.dir());
  ASSERT_FALSE(cat.ok());
  EXPECT_THAT(cat.status().message(),
              HasSubstr(path + ":8: offers[0].as_of: required key is missing"));
}

TEST(Catalog, DataCentresNeedOneDefaultAndAPlausiblePue) {
  ScratchCatalog scratch("datacenters");
  scratch.Write("datacenters/second.toml", R"(schema_version = 1
id = "second"
name = "Second"
source = "test"
default = true
pue = 1.2
)");
  const std::string third = scratch.Write("datacenters/third.toml", R"(schema_version = 1
id = "third"
name = "Third"
source = "test"
pue = 0.9
)");
  const std::string idle = scratch.Write("accelerators/hot.toml", R"(schema_version = 1
id = "hot"
name = "Hot"
vendor = "X"
category = "gpu"
source = "test"
mem_bw_bytes_per_s = 1e12
tdp_w = 300
idle_w = 300

[peak_flops_per_s]
bf16 = 1e14
)");
  auto cat = Catalog::Load(scratch.dir());
  ASSERT_FALSE(cat.ok());
  const std::string& msg = cat.status().message();
  EXPECT_THAT(msg, HasSubstr(third + ":5: pue: 0.9 is below 1"));
  EXPECT_THAT(msg, HasSubstr("exactly one data-centre profile needs default = true (found 2: "));
  EXPECT_THAT(msg, HasSubstr(idle + ":9: idle_w: 300 W is not below tdp_w = 300 W"));
}

TEST(Catalog, FindsDataCentresAndTheDefault) {
  auto cat = Catalog::Load(testing::FixtureCatalog());
  ASSERT_TRUE(cat.ok()) << cat.status().message();
  EXPECT_EQ(cat->DefaultDatacenter().id, "fixture-dc");
  EXPECT_DOUBLE_EQ(cat->DefaultDatacenter().pue, 1.5);
  auto green = cat->FindDatacenter("Fixture-Green");
  ASSERT_TRUE(green.ok());
  EXPECT_DOUBLE_EQ((*green)->pue, 1.1);
  EXPECT_FALSE(cat->FindDatacenter("nowhere").ok());
}

// An engine file for TensorRT-LLM's older runtime, the fixture's trtllm profile under another id
// with `resolves` as its [resolves] table.
std::string OlderRuntime(const std::string& id, const std::string& resolves) {
  std::ifstream in(FixtureCatalog() + "/engines/trtllm.toml");
  std::stringstream text;
  text << in.rdbuf();
  std::string toml = text.str();
  toml.replace(toml.find("id = \"trtllm\""), 13, "id = \"" + id + "\"");
  return toml + "\n[resolves]\n" + resolves;
}

// A measurement names the engine, its release and its date; the profile of the runtime that
// release ran stands for it: by version number when the row states one, by date otherwise.
TEST(Catalog, RowsOfOlderReleasesResolveToTheProfileOfTheirRuntime) {
  ScratchCatalog scratch("releases");
  scratch.Write("engines/trtllm-old.toml",
                OlderRuntime("trtllm-old",
                             "engine = \"trtllm\"\nversions_below = \"1.0\"\n"
                             "dated_before = \"2025-06-18\"\n"));
  auto cat = Catalog::Load(scratch.dir());
  ASSERT_TRUE(cat.ok()) << cat.status().message();
  const Engine& named = **cat->FindEngine("trtllm");
  const struct {
    const char* version;
    const char* date;
    const char* profile;
  } cases[] = {
      {"0.9.0", "2024-04-24", "trtllm-old"},
      {"0.17", "2026-01-01", "trtllm-old"},   // the version decides, not the date
      {"v1.2.0rc1", "2024-01-01", "trtllm"},  // likewise
      {"1.0", "", "trtllm"},
      {"TensorRT 10.2.0, CUDA 12.4", "2024-08-28 (MLPerf v4.1)", "trtllm-old"},
      {"TensorRT 10.2.0, CUDA 12.4", "2025-06", "trtllm"},  // June 2025 may be after the change
      {"", "2026-01-06", "trtllm"},
      {"", "", "trtllm"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(cat->EngineForRelease(named, c.version, c.date).id, c.profile)
        << c.version << " / " << c.date;
  }
  // Of two profiles covering a release, the narrower one takes it, whatever the file order.
  scratch.Write("engines/a-trtllm-oldest.toml",
                OlderRuntime("a-trtllm-oldest",
                             "engine = \"trtllm\"\nversions_below = \"0.10\"\n"
                             "dated_before = \"2024-06-01\"\n"));
  auto both = Catalog::Load(scratch.dir());
  ASSERT_TRUE(both.ok()) << both.status().message();
  const Engine& trtllm = **both->FindEngine("trtllm");
  EXPECT_EQ(both->EngineForRelease(trtllm, "0.9.0", "").id, "a-trtllm-oldest");
  EXPECT_EQ(both->EngineForRelease(trtllm, "0.17", "").id, "trtllm-old");
  EXPECT_EQ(both->EngineForRelease(trtllm, "", "2024-04-24").id, "a-trtllm-oldest");
  EXPECT_EQ(both->EngineForRelease(trtllm, "", "2024-08-28").id, "trtllm-old");
  // Only rows naming the engine it resolves: another engine's old rows stay with that engine.
  const Engine& vllm = **cat->FindEngine("vllm");
  EXPECT_EQ(cat->EngineForRelease(vllm, "0.4.3", "2024-06-01").id, "vllm");
}

TEST(Catalog, AResolvesTableNeedsAnotherEngineAVersionAndADay) {
  ScratchCatalog scratch("bad-resolves");
  const std::string unknown =
      scratch.Write("engines/old-a.toml", OlderRuntime("old-a",
                                                       "engine = \"tensorrt\"\nversions_below = "
                                                       "\"1.0\"\ndated_before = \"2025-06-18\"\n"));
  const std::string bad =
      scratch.Write("engines/old-b.toml", OlderRuntime("old-b",
                                                       "engine = \"trtllm\"\nversions_below = "
                                                       "\"one\"\ndated_before = \"June 2025\"\n"));
  auto cat = Catalog::Load(scratch.dir());
  ASSERT_FALSE(cat.ok());
  const std::string& msg = cat.status().message();
  EXPECT_THAT(msg, HasSubstr(unknown));
  EXPECT_THAT(msg, HasSubstr("'tensorrt' must be the id of another engine"));
  EXPECT_THAT(msg, HasSubstr(bad));
  EXPECT_THAT(msg, HasSubstr("resolves.versions_below: 'one' is not a version number"));
  EXPECT_THAT(msg, HasSubstr("resolves.dated_before: 'June 2025' is not a date YYYY-MM-DD"));
}

}  // namespace
}  // namespace pertoken::catalog
