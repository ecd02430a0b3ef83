#include "common/names.h"

#include <gtest/gtest.h>

namespace pertoken {
namespace {

TEST(NormalizeName, CollapsesSeparatorsAndCase) {
  const struct {
    const char* in;
    const char* out;
  } cases[] = {
      {"NVIDIA H100 SXM5", "nvidia-h100-sxm5"},
      {"nvidia_h100__sxm5", "nvidia-h100-sxm5"},
      {"  H100-SXM-80GB ", "h100-sxm-80gb"},
      {"Llama-3.1 70B", "llama-3.1-70b"},
      {"meta-llama/Llama-2-70b-hf", "meta-llama-llama-2-70b-hf"},
      {"", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(NormalizeName(c.in), c.out) << c.in;
}

TEST(EditDistance, KnownValues) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("llama-70b", "llama-2-70b"), 2u);
}

TEST(ClosestIds, PrefersNamesWithEveryWordOfTheQuery) {
  const std::vector<NamedId> models = {{"llama-2-7b", "llama-2-7b"},
                                       {"llama-2-70b", "llama-2-70b"},
                                       {"llama-3.1-70b", "llama-3.1-70b"},
                                       {"mixtral-8x7b", "mixtral-8x7b"},
                                       {"llama2-70b", "llama-2-70b"}};
  EXPECT_EQ(ClosestIds("llama-70b", models),
            (std::vector<std::string>{"llama-2-70b", "llama-3.1-70b"}));
  EXPECT_EQ(DidYouMean(ClosestIds("llama-70b", models)),
            "; did you mean llama-2-70b, llama-3.1-70b?");
}

TEST(ClosestIds, FindsTyposAndNothingForNonsense) {
  const std::vector<NamedId> accs = {
      {"h100-sxm", "h100-sxm"}, {"h200-sxm", "h200-sxm"}, {"mi300x", "mi300x"}};
  EXPECT_EQ(ClosestIds("h100-smx", accs).front(), "h100-sxm");
  EXPECT_TRUE(ClosestIds("zzzzzzzzzzzz", accs).empty());
  EXPECT_EQ(DidYouMean({}), "");
}

}  // namespace
}  // namespace pertoken
