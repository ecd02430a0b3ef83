#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "workload/trace.h"

namespace pertoken::workload {
namespace {

using ::testing::HasSubstr;

std::string Fixture(const std::string& name) {
  return std::string(PERTOKEN_TEST_DATA) + "/traces/" + name;
}

// data/traces/, next to the shipped catalog.
std::string ShippedTraces() {
  return (std::filesystem::path(PERTOKEN_SHIPPED_DATA).parent_path() / "traces").string();
}

TEST(WorkloadTraceTest, FiveRowTraceParsesExactly) {
  auto trace = ReadTrace(Fixture("five_rows.csv"));
  ASSERT_TRUE(trace.ok()) << trace.status().message();
  const std::vector<Request> expected = {
      {.arrival_s = 0.0, .input_tokens = 600, .output_tokens = 20, .prefix_blocks = {0, 1}},
      {.arrival_s = 0.5, .input_tokens = 512, .output_tokens = 10, .prefix_blocks = {0}},
      {.arrival_s = 0.5, .input_tokens = 1025, .output_tokens = 300, .prefix_blocks = {0, 1, 2}},
      {.arrival_s = 2.25, .input_tokens = 100, .output_tokens = 1, .prefix_blocks = {3}},
      {.arrival_s = 10.0, .input_tokens = 2000, .output_tokens = 64, .prefix_blocks = {4, 5, 6, 7}},
  };
  EXPECT_EQ(trace->requests, expected);
  EXPECT_EQ(trace->skipped.count, 0);
}

TEST(WorkloadTraceTest, TraceWithoutPrefixColumnHasNoBlocksAndAcceptsCrlf) {
  auto trace = ParseTrace(
      "\xEF\xBB\xBF"
      "arrival_s,input_tokens,output_tokens\r\n0.1,5,7\r\n\r\n",
      "t.csv");
  ASSERT_TRUE(trace.ok()) << trace.status().message();
  ASSERT_EQ(trace->requests.size(), 1u);
  EXPECT_EQ(trace->requests[0], (Request{.arrival_s = 0.1, .input_tokens = 5, .output_tokens = 7}));
}

TEST(WorkloadTraceTest, SpeedupDividesArrivalTimes) {
  auto trace = ReadTrace(Fixture("five_rows.csv"));
  ASSERT_TRUE(trace.ok()) << trace.status().message();
  auto fast = Replay(trace->requests, {.speedup = 2});
  ASSERT_TRUE(fast.ok()) << fast.status().message();
  ASSERT_EQ(fast->size(), 5u);
  const double halved[] = {0.0, 0.25, 0.25, 1.125, 5.0};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ((*fast)[i].arrival_s, halved[i]) << i;
    EXPECT_EQ((*fast)[i].input_tokens, trace->requests[i].input_tokens) << i;
  }
}

TEST(WorkloadTraceTest, WindowStartsAtZeroAndLimitKeepsTheEarliest) {
  auto trace = ReadTrace(Fixture("five_rows.csv"));
  ASSERT_TRUE(trace.ok()) << trace.status().message();
  // Trace seconds [0.5, 2.5): rows 2, 3 and 4, shifted so the window starts at 0.
  auto window = Replay(trace->requests, {.window_start_s = 0.5, .window_s = 2.0});
  ASSERT_TRUE(window.ok()) << window.status().message();
  ASSERT_EQ(window->size(), 3u);
  EXPECT_EQ((*window)[0].arrival_s, 0.0);
  EXPECT_EQ((*window)[2].arrival_s, 1.75);
  EXPECT_EQ((*window)[2].input_tokens, 100);
  auto limited = Replay(trace->requests, {.window_start_s = 0.5, .max_requests = 2});
  ASSERT_TRUE(limited.ok()) << limited.status().message();
  ASSERT_EQ(limited->size(), 2u);
  EXPECT_EQ((*limited)[1].input_tokens, 1025);
}

TEST(WorkloadTraceTest, ReplayOptionsOutOfRange) {
  const struct {
    ReplayOptions options;
    const char* message;
  } cases[] = {
      {{.speedup = 0}, "replay speedup must be a number > 0, not 0"},
      {{.speedup = -2}, "replay speedup must be a number > 0, not -2"},
      {{.window_start_s = -1}, "replay window start must be >= 0 s, not -1"},
      {{.window_s = -5}, "replay window must be >= 0 s (0 = to the end), not -5"},
      {{.max_requests = -1}, "replay request limit must be >= 0 (0 = no limit), not -1"},
  };
  for (const auto& c : cases) {
    auto r = Replay({}, c.options);
    ASSERT_FALSE(r.ok()) << c.message;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), c.message);
  }
}

TEST(WorkloadTraceTest, MalformedRowsSayFileLineAndColumn) {
  const std::string plain = "arrival_s,input_tokens,output_tokens\n";
  const std::string prefix = "arrival_s,input_tokens,output_tokens,prefix_hash_ids\n";
  const struct {
    std::string text;
    const char* message;
  } cases[] = {
      {"", "t.csv:1: the file is empty; the header must be"},
      {"time,in,out\n1,2,3\n",
       "t.csv:1: the header must be 'arrival_s,input_tokens,output_tokens' "
       "or 'arrival_s,input_tokens,output_tokens,prefix_hash_ids', not "
       "'time,in,out'"},
      {plain + "1,2\n", "t.csv:2: 2 cells, but the header has 3 columns"},
      {plain + "x,5,5\n", "t.csv:2: arrival_s: 'x' is not a number"},
      {plain + "nan,5,5\n", "t.csv:2: arrival_s: 'nan' is not a number"},
      {plain + "-1,5,5\n", "t.csv:2: arrival_s: -1 is negative"},
      {plain + "2,5,5\n1.5,5,5\n",
       "t.csv:3: arrival_s: 1.5 is earlier than the row before (2); rows must be sorted by time"},
      {plain + "0,5.5,5\n", "t.csv:2: input_tokens: '5.5' is not an integer"},
      {plain + "0,5,-2\n", "t.csv:2: output_tokens: -2 is negative"},
      {prefix + "0,600,5,1\n",
       "t.csv:2: prefix_hash_ids: 1 block ids, but 600 input tokens make 2 blocks of 512"},
      {prefix + "0,5,5,a\n", "t.csv:2: prefix_hash_ids: 'a' is not a block id"},
  };
  for (const auto& c : cases) {
    auto t = ParseTrace(c.text, "t.csv");
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_EQ(t.status().code(), StatusCode::kParseError);
    EXPECT_THAT(t.status().message(), HasSubstr(c.message)) << c.text;
  }
}

TEST(WorkloadTraceTest, EveryBadRowOfAFileIsReported) {
  auto trace = ReadTrace(Fixture("bad_rows.csv"));
  ASSERT_FALSE(trace.ok());
  const std::string path = Fixture("bad_rows.csv");
  EXPECT_EQ(trace.status().message(),
            path + ":3: input_tokens: 'abc' is not an integer\n" + path +
                ":4: arrival_s: 0.25 is earlier than the row before (0.5); rows must be sorted by "
                "time");
}

TEST(WorkloadTraceTest, ManyBadRowsAreCappedInTheMessage) {
  std::string text = "arrival_s,input_tokens,output_tokens\n";
  for (int i = 0; i < 13; ++i) text += "0,x,1\n";
  auto trace = ParseTrace(text, "t.csv");
  ASSERT_FALSE(trace.ok());
  EXPECT_THAT(trace.status().message(), HasSubstr("t.csv:11: input_tokens"));
  EXPECT_THAT(trace.status().message(), ::testing::Not(HasSubstr("t.csv:12:")));
  EXPECT_THAT(trace.status().message(), ::testing::EndsWith("\n(3 more problems)"));
}

TEST(WorkloadTraceTest, ZeroTokenRowsAreSkippedAndCounted) {
  auto trace =
      ParseTrace("arrival_s,input_tokens,output_tokens\n0,5,5\n1,5,0\n2,0,5\n3,6,6\n", "t.csv");
  ASSERT_TRUE(trace.ok()) << trace.status().message();
  ASSERT_EQ(trace->requests.size(), 2u);
  EXPECT_EQ(trace->requests[1].arrival_s, 3.0);
  EXPECT_EQ(trace->skipped.count, 2);
  EXPECT_EQ(trace->skipped.first_line, 3);
}

TEST(WorkloadTraceTest, MissingFileIsAnIoError) {
  auto trace = ReadTrace(Fixture("no_such.csv"));
  ASSERT_FALSE(trace.ok());
  EXPECT_EQ(trace.status().code(), StatusCode::kIoError);
  EXPECT_THAT(trace.status().message(), HasSubstr("no_such.csv: cannot open the file"));
}

TEST(WorkloadTraceTest, BuiltinTraceNamesResolveUnderTheDataDir) {
  EXPECT_EQ(BuiltinTraceNames(),
            (std::vector<std::string>{"azure-code", "azure-conv", "mooncake-conv"}));
  for (const char* name : {"azure-code", "azure-conv", "mooncake-conv", "Azure_Conv"}) {
    auto path = BuiltinTracePath(name, ShippedTraces());
    ASSERT_TRUE(path.ok()) << path.status().message();
    EXPECT_TRUE(std::filesystem::is_regular_file(*path)) << *path;
  }
  EXPECT_EQ(*BuiltinTracePath("mooncake-conv", ShippedTraces()),
            ShippedTraces() + "/mooncake_fast25_conversation.csv");
}

TEST(WorkloadTraceTest, BuiltinTraceErrors) {
  auto typo = BuiltinTracePath("azure-cov", ShippedTraces());
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(typo.status().message(),
            "unknown built-in trace 'azure-cov'; did you mean azure-conv, azure-code?");
  auto unknown = BuiltinTracePath("burstgpt", ShippedTraces());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(),
            "unknown built-in trace 'burstgpt' (built-in traces: azure-code, azure-conv, "
            "mooncake-conv)");
  auto missing = BuiltinTracePath("azure-code", "/no/such/dir");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "built-in trace 'azure-code': no file /no/such/dir/azure2023_code.csv");
}

}  // namespace
}  // namespace pertoken::workload
