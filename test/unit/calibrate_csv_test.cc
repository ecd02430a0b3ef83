#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "calibrate/csv_reader.h"
#include "calibrate/opdb.h"

namespace pertoken::calibrate {
namespace {

using ::testing::HasSubstr;

std::string OpdbSmall() { return std::string(PERTOKEN_TEST_DATA) + "/opdb_small"; }

// A file in a fresh temporary folder, removed with the object.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& bytes)
      : path_(std::filesystem::temp_directory_path() / ("pertoken-calibrate-" + name)) {
    std::ofstream(path_, std::ios::binary) << bytes;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(CsvTableTest, ReadsGzipWithHeaderLookup) {
  auto table = CsvTable::Read(OpdbSmall() + "/tiny.csv.gz");
  ASSERT_TRUE(table.ok()) << table.status().message();
  EXPECT_EQ(table->header(), (std::vector<std::string>{"name", "value"}));
  ASSERT_EQ(table->rows(), 3u);  // the blank line is skipped, CRLF ends are dropped
  const size_t name = *table->Column("name");
  const size_t value = *table->Column("value");
  EXPECT_EQ(table->Cell(0, name), "alpha");
  EXPECT_EQ(*table->Number(1, value), 2e-3);
  EXPECT_EQ(*table->Number(2, value), -4);
  EXPECT_EQ(table->Line(2), 5u);
}

TEST(CsvTableTest, MissingColumnNamesFileAndColumn) {
  auto table = CsvTable::Read(OpdbSmall() + "/tiny.csv.gz");
  ASSERT_TRUE(table.ok());
  auto column = table->Column("latency");
  ASSERT_FALSE(column.ok());
  EXPECT_EQ(column.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(column.status().message(), HasSubstr("tiny.csv.gz: no column 'latency'"));
  auto columns = table->Columns({"name", "m"});
  EXPECT_FALSE(columns.ok());
}

TEST(CsvTableTest, BadNumberNamesFileLineAndColumn) {
  auto table = CsvTable::Parse("t.csv", "m,latency\n4,fast\n");
  ASSERT_TRUE(table.ok());
  auto n = table->Number(0, 1);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().message(), "t.csv:2: latency: 'fast' is not a number");
}

TEST(CsvTableTest, MalformedTablesAreParseErrors) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"a,b\n1,2,3\n", "t.csv:2: 3 cells, but the header has 2 columns"},
      {"a,b\n\"1\",2\n", "t.csv:2: quoted cells are not supported"},
      {"", "t.csv: empty table"},
  };
  for (const Case& c : cases) {
    auto table = CsvTable::Parse("t.csv", c.text);
    ASSERT_FALSE(table.ok()) << c.text;
    EXPECT_EQ(table.status().code(), StatusCode::kParseError) << c.text;
    EXPECT_EQ(table.status().message(), c.error) << c.text;
  }
}

TEST(CsvTableTest, MissingFileIsIoErrorNamingIt) {
  auto table = CsvTable::Read("/nonexistent/x__gemm.csv.gz");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), StatusCode::kIoError);
  EXPECT_THAT(table.status().message(), HasSubstr("/nonexistent/x__gemm.csv.gz: cannot open"));
}

TEST(CsvTableTest, GarbledGzipIsIoErrorNamingIt) {
  // A gzip magic number followed by bytes that are no deflate stream.
  const TempFile file("garbled.csv.gz", std::string("\x1f\x8b\x08\x00", 4) + "not deflate data");
  auto table = CsvTable::Read(file.path());
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), StatusCode::kIoError);
  EXPECT_THAT(table.status().message(), HasSubstr(file.path() + ": cannot decompress"));
}

TEST(OpdbTest, ParsesTableFileNames) {
  auto f = ParseOpdbFileName("h100_sxm__gemm__vllm__0.24.0__gemm_perf.csv.gz");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->system, "h100_sxm");
  EXPECT_EQ(f->family, "gemm");
  EXPECT_EQ(f->framework, "vllm");
  EXPECT_EQ(f->version, "0.24.0");
  EXPECT_EQ(f->table, "gemm_perf");
  for (const char* name : {"README.md", "tiny.csv.gz", "a__b__c__d.csv.gz", "a__b____d__e.csv.gz",
                           "a__b__c__d__e.csv"}) {
    EXPECT_FALSE(ParseOpdbFileName(name).has_value()) << name;
  }
}

// One selection per framework that measured GEMMs; tables it lacks come from the others.
TEST(OpdbTest, OneSelectionPerFrameworkWithGemms) {
  auto selections = SelectOpdbTables(OpdbSmall());
  ASSERT_TRUE(selections.ok()) << selections.status().message();
  ASSERT_EQ(selections->size(), 2u);
  const OpdbSelection& v = (*selections)[0];
  EXPECT_EQ(v.system, "h100_sxm");
  EXPECT_EQ(v.framework, "vllm");
  EXPECT_TRUE(v.missing.empty());
  EXPECT_EQ(v.gemm.file_name, "h100_sxm__gemm__vllm__0.24.0__gemm_perf.csv.gz");
  EXPECT_EQ(v.allreduce.table, "custom_allreduce_perf");
  const OpdbSelection& t = (*selections)[1];
  EXPECT_EQ(t.framework, "trtllm");
  EXPECT_TRUE(t.missing.empty());
  EXPECT_EQ(t.gemm.file_name, "h100_sxm__gemm__trtllm__1.0.0__gemm_perf.csv.gz");
  EXPECT_EQ(t.context_attention.framework, "vllm");
  EXPECT_EQ(t.allreduce.framework, "vllm");
}

TEST(OpdbTest, NamesMissingTablesAndFolders) {
  const auto dir = std::filesystem::temp_directory_path() / "pertoken-calibrate-opdb-gap";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::filesystem::copy(OpdbSmall() + "/h100_sxm__gemm__vllm__0.24.0__gemm_perf.csv.gz", dir);
  auto selections = SelectOpdbTables(dir.string());
  ASSERT_TRUE(selections.ok());
  EXPECT_THAT(selections->front().missing,
              ::testing::ElementsAre("no context_attention_perf table",
                                     "no generation_attention_perf table",
                                     "no custom_allreduce_perf or nccl_perf table"));
  std::filesystem::remove_all(dir);
  auto none = SelectOpdbTables(dir.string());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kIoError);
}

TEST(OpdbTest, ReadsTheUpstreamCommitFromTheReadme) {
  const auto dir = std::filesystem::temp_directory_path() / "pertoken-calibrate-readme";
  std::filesystem::create_directories(dir);
  const std::string commit = "095f58a51c4ca8e61b66ec108d86f223f8d559ce";
  std::ofstream(dir / "README.md")
      << "collected at commit 1234 (short), then at commit " << commit << ", Apache-2.0\n";
  EXPECT_EQ(OpdbCommit(dir.string()), commit);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(OpdbCommit(dir.string()), "");
  EXPECT_EQ(OpdbCommit(OpdbSmall()), "");  // synthetic tables name no upstream commit
}

}  // namespace
}  // namespace pertoken::calibrate
