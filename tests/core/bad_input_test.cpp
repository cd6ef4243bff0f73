// Hostile and broken files: each ends in a clear finding, never a crash or a hang.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "rowgate/report.h"

namespace rowgate {
namespace {

struct Checked {
  Summary summary;
  std::vector<Finding> findings;
  bool file_error = false;
};

Checked check(const std::string& bytes, std::string_view template_name = "prospects", std::size_t chunk = 65536,
          Options options = {}) {
  CollectingSink sink;
  Session session(builtin_template(template_name).value, Context{}, options, sink);
  for (std::size_t i = 0; i < bytes.size(); i += chunk) session.feed(std::string_view(bytes).substr(i, chunk));
  session.finish();
  return Checked{session.summary(), sink.findings, session.file_error()};
}

bool has(const Checked& r, std::string_view code, std::uint64_t row = ~0ULL) {
  for (const Finding& f : r.findings)
    if (f.code == code && (row == ~0ULL || f.row == row)) return true;
  return false;
}

const std::string kHeader = "Partner Name,Contact Email,Media Property\n";

TEST(BadInput, EmptyFileIsAFileLevelFinding) {
  Checked r = check("");
  EXPECT_TRUE(r.file_error);
  EXPECT_TRUE(has(r, code::empty_file));
}

TEST(BadInput, OnlyBlankLinesIsEmpty) {
  Checked r = check("\n\n\r\n");
  EXPECT_TRUE(r.file_error);
  EXPECT_TRUE(has(r, code::empty_file));
}

TEST(BadInput, HeaderOnlyIsEmpty) {
  Checked r = check(kHeader);
  EXPECT_TRUE(r.file_error);
  EXPECT_TRUE(has(r, code::empty_file));
  EXPECT_EQ(r.summary.rows, 0u);
}

TEST(BadInput, RandomBinaryIsNotText) {
  std::mt19937 gen(7);
  std::string bytes(200000, '\0');
  for (char& c : bytes) c = static_cast<char>(gen() & 0xFF);
  Checked r = check(bytes);
  EXPECT_TRUE(r.file_error);
  ASSERT_FALSE(r.findings.empty());
  EXPECT_EQ(r.findings[0].code, code::invalid_encoding);
  EXPECT_NE(r.findings[0].message.find("binary"), std::string::npos) << r.findings[0].message;
}

TEST(BadInput, TenMegabyteFieldIsOneMalformedRowAndReadingGoesOn) {
  std::string bytes = kHeader + "A,a@example.com,https://a.com/\n";
  bytes += "B,";
  bytes.append(10 << 20, 'x');
  bytes += ",https://b.com/\n";
  bytes += "C,c@example.com,https://c.com/\n";
  for (std::size_t chunk : {std::size_t{4096}, std::size_t{1} << 20, bytes.size()}) {
    Checked r = check(bytes, "prospects", chunk);
    EXPECT_FALSE(r.file_error);
    EXPECT_EQ(r.summary.rows, 3u) << "chunk " << chunk;
    EXPECT_EQ(r.summary.valid, 2u) << "chunk " << chunk;
    EXPECT_TRUE(has(r, code::malformed_row, 3)) << "chunk " << chunk;
  }
}

TEST(BadInput, TenMegabyteQuotedFieldSpanningLines) {
  std::string big;
  for (int i = 0; i < 100000; ++i) big += "line of a long quoted description " + std::to_string(i) + "\n";
  std::string bytes = kHeader + "\"B\",b@example.com,\"" + big + "\"\nC,c@example.com,https://c.com/\n";
  Checked r = check(bytes);
  EXPECT_FALSE(r.file_error);
  EXPECT_TRUE(has(r, code::malformed_row, 2));
  // The quoted field broke the bound; the rows after it are read again from the next line on.
  EXPECT_GE(r.summary.rows, 2u);
}

TEST(BadInput, HundredThousandColumns) {
  std::string header = "Partner Name,Contact Email,Media Property";
  std::string row = "A,a@example.com,https://a.com/";
  for (int i = 0; i < 100000; ++i) {
    header += ",c" + std::to_string(i);
    row += ",v";
  }
  Checked r = check(header + "\n" + row + "\n");
  EXPECT_FALSE(r.file_error);
  EXPECT_EQ(r.summary.rows, 1u);
  EXPECT_EQ(r.summary.valid, 1u);
  // The first hundred unknown columns are named; one more finding counts the rest.
  EXPECT_EQ(r.summary.warnings, 101u);
  EXPECT_NE(r.findings.back().message.find("99900 more columns"), std::string::npos) << r.findings.back().message;
}

TEST(BadInput, HeaderLongerThanTheRecordBoundIsAFileLevelFinding) {
  std::string header = "Partner Name,Contact Email,Media Property";
  for (int i = 0; i < 100000; ++i) header += ",a_rather_long_column_name_" + std::to_string(i);
  Checked r = check(header + "\nA,a@example.com,https://a.com/\n");
  EXPECT_TRUE(r.file_error);
  ASSERT_FALSE(r.findings.empty());
  EXPECT_EQ(r.findings[0].code, code::malformed_row);
  EXPECT_NE(r.findings[0].message.find("header row"), std::string::npos);
}

TEST(BadInput, UnterminatedQuoteOnLineTwoDoesNotSwallowTheFile) {
  std::string bytes = kHeader + "\"Broken,a@example.com,https://a.com/\n";
  for (int i = 0; i < 50; ++i) {
    std::string n = std::to_string(i);
    bytes.append("P").append(n).append(",p").append(n).append("@example.com,https://p.com/\n");
  }
  Checked r = check(bytes);
  EXPECT_TRUE(has(r, code::malformed_row, 2));
  EXPECT_EQ(r.summary.rows, 51u);
  EXPECT_EQ(r.summary.valid, 50u);
}

TEST(BadInput, InvalidUtf8InsideAMultiLineQuotedField) {
  std::string bytes = kHeader + "\"Bad\nname \xC3\x28 here\nend\",a@example.com,https://a.com/\nC,c@example.com,https://c.com/\n";
  // One stray byte next to a non-letter is not taken for windows-1252: it is reported.
  Checked r = check(bytes, "prospects", 3);
  ASSERT_TRUE(has(r, code::invalid_encoding, 2));
  EXPECT_EQ(r.summary.rows, 2u);
  EXPECT_EQ(r.summary.valid, 1u);
  for (const Finding& f : r.findings)
    if (f.code == code::invalid_encoding) {
      EXPECT_EQ(f.column, "Partner Name");
    }
}

// Regression: a small file whose only non-ASCII bytes were broken UTF-8 was read as windows-1252
// and every row accepted; docs/reliability.md promises invalid_encoding.
TEST(BadInput, BrokenUtf8IsNotReadAsWindows1252) {
  for (std::string broken : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\xBF\xBF\xBF"}) {
    Checked r = check(kHeader + "B" + broken + "b,b@example.com,https://b.com/\nC,c@example.com,https://c.com/\n");
    EXPECT_TRUE(has(r, code::invalid_encoding, 2));
    EXPECT_EQ(r.summary.rows, 2u);
    EXPECT_EQ(r.summary.valid, 1u);
  }
}

TEST(BadInput, QuoteCharactersOnlyIsOneMalformedRow) {
  std::string bytes = kHeader + std::string(3 << 20, '"');
  Checked r = check(bytes);
  EXPECT_TRUE(has(r, code::malformed_row));
  EXPECT_LE(r.summary.rows, 2u);
}

TEST(BadInput, JsonlWithOnlyGarbage) {
  Options jsonl;
  jsonl.format = Format::Jsonl;
  Checked r = check("not json\n{\"accountId\":\n[]\n", "participants", 65536, jsonl);
  EXPECT_EQ(r.summary.rows, 3u);
  EXPECT_EQ(r.summary.invalid, 3u);
  EXPECT_TRUE(has(r, code::invalid_json, 1));
  EXPECT_TRUE(has(r, code::not_an_object, 3));
}

// Regression: a NUL byte ended the JSON parser's input, so "{...}\0{...}" was one valid record
// and the rest of the line was dropped silently. An escaped \u0000 is a NUL in the value, as in CSV.
TEST(BadInput, JsonlTextAfterANulByteIsNotDropped) {
  using namespace std::string_literals;
  Options jsonl;
  jsonl.format = Format::Jsonl;
  const std::string bytes =
      "{\"accountId\":\"a\",\"id\":\"1\"}\0garbage\n"
      "{\"accountId\":\"a\",\"id\":\"2\"}\0{\"accountId\":\"a\",\"id\":\"3\"}\n"
      "{\"accountId\":\"a\",\"id\":\"4\",\"firstName\":\"A\\u0000B\"}\n"
      "{\"accountId\":\"a\",\"id\":\"5\"}\n"s;
  for (std::size_t chunk : {1u, 7u, 65536u}) {
    Checked r = check(bytes, "participants", chunk, jsonl);
    EXPECT_EQ(r.summary.rows, 4u);
    EXPECT_EQ(r.summary.valid, 1u);
    EXPECT_TRUE(has(r, code::invalid_encoding, 1));
    EXPECT_TRUE(has(r, code::invalid_encoding, 2));
    EXPECT_TRUE(has(r, code::invalid_encoding, 3));
    for (const Finding& f : r.findings)
      if (f.row == 3) {
        EXPECT_EQ(f.field, "firstName");
      }
  }
}

TEST(BadInput, JsonlNestedHundredThousandLevels) {
  std::string line = "{\"accountId\":\"a\",\"id\":\"b\",\"x\":";
  line.append(100000, '[').append(100000, ']').append("}\n");
  line += "{\"accountId\":\"a\",\"id\":\"c\",\"customFields\":";
  for (int i = 0; i < 100000; ++i) line += "{\"k\":";
  line.append("1").append(100000, '}').append("}\n");
  Options options;
  options.max_record_bytes = 4u << 20;
  Checked r = check(line, "participants", 65536, options);
  EXPECT_EQ(r.summary.rows, 2u);
  EXPECT_TRUE(has(r, code::invalid_json, 2));
}

}  // namespace
}  // namespace rowgate
