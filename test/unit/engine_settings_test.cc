#include "catalog/engine_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "catalog/catalog.h"

namespace pertoken::catalog {
namespace {

using ::testing::HasSubstr;

Engine WithFlags() {
  Engine e;
  e.max_num_seqs = 256;
  e.max_num_batched_tokens = 8192;
  e.limit_overrides = {
      {.accelerators = {"a100"}, .max_num_seqs = 128, .max_num_batched_tokens = 2048}};
  e.cli_flags = {{"--max-num-seqs", "limits.max_num_seqs"},
                 {"--max_num_tokens", "limits.max_num_batched_tokens"},
                 {"--gpu-memory-utilization", "memory.fraction"},
                 {"--enable-chunked-prefill", "overhead.chunked_prefill=true"},
                 {"--no-enable-prefix-caching", "kv_cache.prefix_caching=false"}};
  return e;
}

TEST(EngineSettingsTest, ReadsBothFlagFormsAndSwitches) {
  const Engine e = WithFlags();
  const auto settings = SettingsFromCommand(
      e,
      "vllm serve m --port 8000 --max_num_seqs 512 --max-num-tokens=16384 \\ "
      "--enable_chunked_prefill --no-enable-prefix-caching --gpu-memory-utilization 0.85");
  ASSERT_EQ(settings.size(), 5u);
  EXPECT_EQ(settings[0].key, "limits.max_num_seqs");
  EXPECT_EQ(settings[0].value, "512");
  EXPECT_EQ(settings[1].key, "limits.max_num_batched_tokens");
  EXPECT_EQ(settings[1].value, "16384");
  EXPECT_EQ(settings[2].key, "overhead.chunked_prefill");
  EXPECT_EQ(settings[2].value, "true");
  EXPECT_EQ(settings[3].value, "false");
  EXPECT_EQ(settings[4].value, "0.85");

  Engine changed = e;
  for (const auto& s : settings) ASSERT_TRUE(ApplyEngineSetting(s, &changed).ok()) << s.flag;
  EXPECT_EQ(changed.max_num_seqs, 512);
  EXPECT_EQ(changed.max_num_batched_tokens, 16384);
  EXPECT_TRUE(changed.chunked_prefill);
  EXPECT_FALSE(changed.prefix_caching);
  EXPECT_DOUBLE_EQ(changed.memory_fraction, 0.85);
  // A limit the command sets wins over the accelerator-dependent override.
  Accelerator a100;
  a100.id = "a100";
  EXPECT_EQ(changed.MaxNumSeqs(a100), 512);
  EXPECT_EQ(changed.MaxBatchedTokens(a100), 16384);
  EXPECT_EQ(e.MaxNumSeqs(a100), 128);
}

TEST(EngineSettingsTest, BadValuesNameTheFlag) {
  Engine e = WithFlags();
  Status s = ApplyEngineSetting(
      {.key = "limits.max_num_seqs", .value = "-3", .flag = "--max-num-seqs"}, &e);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("--max-num-seqs: '-3' is not a positive integer"));
  s = ApplyEngineSetting({.key = "memory.fraction", .value = "1.5", .flag = "--gpu"}, &e);
  EXPECT_THAT(s.message(), HasSubstr("not a fraction"));
  s = ApplyEngineSetting({.key = "limits.nope", .value = "1", .flag = "--x"}, &e);
  EXPECT_THAT(s.message(), HasSubstr("unknown engine setting"));
  // A flag at the end of the line without its value gives an empty value, refused.
  const auto settings = SettingsFromCommand(e, "serve --max-num-seqs");
  ASSERT_EQ(settings.size(), 1u);
  EXPECT_FALSE(ApplyEngineSetting(settings[0], &e).ok());
}

// The catalog keeps engines derived from flags for its lifetime, says which flags made them,
// and refuses flags the engine file does not map.
TEST(EngineSettingsTest, TheCatalogDerivesEnginesFromFlags) {
  auto cat = Catalog::Load(PERTOKEN_SHIPPED_DATA);
  ASSERT_TRUE(cat.ok()) << cat.status().message();
  const Engine& vllm = **cat->FindEngine("vllm");
  auto derived = cat->EngineWithFlags(vllm, "--max-num-seqs 8 --enable-chunked-prefill");
  ASSERT_TRUE(derived.ok()) << derived.status().message();
  EXPECT_NE(*derived, &vllm);
  EXPECT_EQ((*derived)->max_num_seqs, 8);
  EXPECT_THAT((*derived)->version, HasSubstr("with --max-num-seqs 8 --enable-chunked-prefill"));
  EXPECT_NE(vllm.max_num_seqs, 8);  // a new engine: the catalog's own keeps its file's limit
  auto again = cat->EngineWithFlags(vllm, "--max-num-seqs 16");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*derived)->max_num_seqs, 8);  // earlier engines stay where they were
  EXPECT_EQ(*cat->EngineWithFlags(vllm, ""), &vllm);
  auto unknown = cat->EngineWithFlags(vllm, "--port 8000");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("--port: not a flag pertoken knows for vllm"));
  auto bad = cat->EngineWithFlags(vllm, "--gpu-memory-utilization 2");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("not a fraction"));
}

}  // namespace
}  // namespace pertoken::catalog
