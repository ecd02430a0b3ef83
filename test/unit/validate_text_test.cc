#include <gtest/gtest.h>

#include "validate/text.h"

namespace pertoken::validate {
namespace {

TEST(ValidateTextTest, StripsOneTrailingRemark) {
  const struct {
    const char* in;
    const char* out;
  } cases[] = {
      {"A100-SXM4-80GB (doc: \"A100-80G(x8)\")", "A100-SXM4-80GB"},
      {"trtllm (Triton tensorrtllm_backend)", "trtllm"},
      {"q4_k_m (GGUF Q4_K_M)", "q4_k_m"},
      {"  h100  ", "h100"},
      {"A100-80G(x8)", "A100-80G(x8)"},  // no space before '(': part of the name
      {"(only a remark)", "(only a remark)"},
      {"", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(StripParenthetical(c.in), c.out) << c.in;
}

TEST(ValidateTextTest, NumbersInPhrases) {
  EXPECT_EQ(ParseNumber(" 27304 "), 27304);
  EXPECT_EQ(ParseNumber("219.2"), 219.2);
  EXPECT_FALSE(ParseNumber("12 tokens"));
  EXPECT_FALSE(ParseNumber(""));
  EXPECT_FALSE(ParseNumber("inf"));
  EXPECT_EQ(NumberAfter("target_qps=8.6", "qps="), 8.6);
  EXPECT_EQ(NumberAfter("offered QPS=32", "qps="), 32);
  EXPECT_FALSE(NumberAfter("offered QPS=INF", "qps="));
  EXPECT_EQ(NumberAfter("Maximum request concurrency: 8", "concurrency"), 8);
  EXPECT_EQ(CountBefore("unbounded (500 prompts, request rate inf)", "prompts"), 500);
  EXPECT_EQ(CountBefore("all requests queued; 500 requests, BF16", "requests"), 500);
  EXPECT_FALSE(CountBefore("max-load (all requests queued)", "requests"));
}

}  // namespace
}  // namespace pertoken::validate
