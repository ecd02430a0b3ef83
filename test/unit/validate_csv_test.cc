#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "validate/csv.h"
#include "validate/measurement.h"

namespace pertoken::validate {
namespace {

using ::testing::HasSubstr;

std::string FixtureCsv() { return std::string(PERTOKEN_TEST_DATA) + "/measurements/fixture.csv"; }

TEST(ValidateCsvTest, QuotedFieldsKeepCommasQuotesAndLineBreaks) {
  auto t = ParseCsv("a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"two\nlines\",\n", "t.csv");
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_EQ(t->header, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0].Get("b"), "x, y");
  EXPECT_EQ(t->rows[0].Get("c"), "say \"hi\"");
  EXPECT_EQ(t->rows[1].Get("b"), "two\nlines");
  EXPECT_EQ(t->rows[1].Get("c"), "");
  EXPECT_EQ(t->rows[0].line, 2);
  EXPECT_EQ(t->rows[1].line, 3);
  EXPECT_EQ(t->rows[1].Get("no such column"), "");
}

TEST(ValidateCsvTest, CrlfBomBlankLinesAndShortRows) {
  auto t = ParseCsv("\xEF\xBB\xBFid,v\r\n\r\nA,1\r\nB\r\n", "t.csv");
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_EQ(t->header[0], "id");
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0].line, 3);
  EXPECT_EQ(t->rows[0].Get("v"), "1");
  EXPECT_EQ(t->rows[1].Get("v"), "");  // a short row gets empty fields
}

TEST(ValidateCsvTest, MalformedFilesSayFileAndLine) {
  const struct {
    const char* text;
    const char* message;
  } cases[] = {
      {"a,b\n1,\"open\n2,3\n", "t.csv:2: a quoted field is not closed"},
      {"a,b\n1,x\"y\n", "t.csv:2: a quote inside an unquoted field"},
      {"a,b\n1,\"x\"y\n", "t.csv:2: text after the closing quote"},
      {"a,b\n1,2\n1,2,3\n", "t.csv:3: 3 fields, but the header has 2 columns"},
      {"a,a\n", "t.csv:1: column 'a' appears twice"},
      {"", "t.csv:1: the file is empty"},
  };
  for (const auto& c : cases) {
    auto t = ParseCsv(c.text, "t.csv");
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_EQ(t.status().code(), StatusCode::kParseError);
    EXPECT_THAT(t.status().message(), HasSubstr(c.message)) << c.text;
  }
}

TEST(ValidateCsvTest, MissingRequiredColumnsAreListedTogether) {
  auto t = ParseCsv("id,model\nX,y\n", "m.csv", MeasurementColumns());
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(),
              HasSubstr("m.csv:1: missing required column(s): accelerator, num_accel"));
  EXPECT_THAT(t.status().message(), HasSubstr("metric, value"));
}

TEST(ValidateCsvTest, UnreadableFileIsAnIoError) {
  auto t = ReadCsvFile("/nonexistent/m.csv");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kIoError);
  EXPECT_THAT(t.status().message(), HasSubstr("/nonexistent/m.csv"));
}

TEST(ValidateCsvTest, ReadsTheFixtureMeasurements) {
  auto rows = ReadMeasurements(FixtureCsv());
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 15u);
  const Measurement& first = (*rows)[0];
  EXPECT_EQ(first.id, "FX-0001");
  EXPECT_EQ(first.source, "owner/repo@abc:doc.md, table 1");
  EXPECT_EQ(first.notes,
            "Table \"Throughput (out tok/s/GPU)\", static batching;\nsecond line of the note");
  EXPECT_EQ((*rows)[1].line, 4);  // the first row spans lines 2-3
  EXPECT_EQ((*rows)[2].SourcePrefix(), "MLP");
  EXPECT_EQ((*rows)[3].accelerator, "a100-sxm-80gb (doc: \"A100-80G(x8)\")");
}

}  // namespace
}  // namespace pertoken::validate
