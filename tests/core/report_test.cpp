// Tests for the serializers and argument parsers (core/include/rowgate/report.h, check_args.h,
// session.h): JSON strings, CSV cells and formula injection, errors and results lines, the
// human summary, CodeTally, `rowgate check` arguments and JSON options.
#include "rowgate/report.h"

#include <gtest/gtest.h>

#include "test_util.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rowgate/check_args.h"
#include "rowgate/checks.h"
#include "rowgate/report_writer.h"
#include "rowgate/template.h"

namespace {

using namespace rowgate;
using namespace std::string_literals;
using Strings = std::vector<std::string>;

using rowgate::testing::show;

// ---- append_json_string ----------------------------------------------------------------------------

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

struct TextCase {
  const char* name;
  std::string in;
  std::string out;
};

void PrintTo(const TextCase& c, std::ostream* os) { *os << c.name << ": " << show(c.in); }

class JsonString : public ::testing::TestWithParam<TextCase> {};

TEST_P(JsonString, IsEscaped) {
  const TextCase& c = GetParam();
  EXPECT_EQ(show(json_string(c.in)), show(c.out));
}

const std::string kFffd = "\xEF\xBF\xBD";

const TextCase kJsonStringCases[] = {
    {"empty", "", R"("")"},
    {"plain", "Acme Ltd", R"("Acme Ltd")"},
    {"quote_and_backslash", R"(a"b\c)", R"("a\"b\\c")"},
    {"slash_kept", "a/b", R"("a/b")"},
    {"newline_cr_tab", "a\nb\rc\td", R"("a\nb\rc\td")"},
    {"nul", "a\0b"s, R"("a\u0000b")"},
    {"other_controls", "\x01\x08\x0C\x1F", R"("\u0001\u0008\u000c\u001f")"},
    {"del_kept", "\x7F", "\"\x7F\""},
    {"two_byte_kept", "caf\xC3\xA9", "\"caf\xC3\xA9\""},
    {"three_byte_kept", "\xE2\x82\xAC 5", "\"\xE2\x82\xAC 5\""},
    {"four_byte_kept", "\xF0\x9F\x98\x80", "\"\xF0\x9F\x98\x80\""},
    {"latin1_byte", "caf\xE9!", "\"caf" + kFffd + "!\""},
    {"ff_byte", "\xFF", "\"" + kFffd + "\""},
    {"lone_continuation", "a\x80" "b", "\"a" + kFffd + "b\""},
    {"truncated_at_end", "a\xC3", "\"a" + kFffd + "\""},
    {"truncated_three_byte", "\xE2\x82" "x", "\"" + kFffd + kFffd + "x\""},
    {"overlong", "\xC0\xAF", "\"" + kFffd + kFffd + "\""},
    {"surrogate", "\xED\xA0\x80", "\"" + kFffd + kFffd + kFffd + "\""},
    {"above_10ffff", "\xF4\x90\x80\x80", "\"" + kFffd + kFffd + kFffd + kFffd + "\""},
    {"bad_then_good", "\xFF\xC3\xA9", "\"" + kFffd + "\xC3\xA9\""},
};

INSTANTIATE_TEST_SUITE_P(Cases, JsonString, ::testing::ValuesIn(kJsonStringCases),
                         [](const ::testing::TestParamInfo<TextCase>& i) { return std::string(i.param.name); });

TEST(AppendJsonString, AppendsToWhatIsThere) {
  std::string out = "x:";
  append_json_string(out, "a");
  EXPECT_EQ(out, "x:\"a\"");
}

TEST(AppendJsonString, RandomBytesGiveValidJsonThatRoundTripsValidText) {
  std::mt19937 rng(5);
  for (int n = 0; n < 500; ++n) {
    std::string text;
    for (int k = static_cast<int>(rng() % 24); k > 0; --k) text += static_cast<char>(rng() & 0xFF);
    std::string out = json_string(text);
    ASSERT_TRUE(checks::valid_utf8(out)) << show(text);
    nlohmann::json parsed = nlohmann::json::parse(out, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << show(text) << " -> " << show(out);
    ASSERT_TRUE(parsed.is_string());
    if (checks::valid_utf8(text)) {
      EXPECT_EQ(parsed.get<std::string>(), text) << show(text);
    }
  }
}

// ---- append_csv_cell ---------------------------------------------------------------------------------

std::string csv_cell(std::string_view cell) {
  std::string out;
  append_csv_cell(out, cell);
  return out;
}

class CsvCell : public ::testing::TestWithParam<TextCase> {};

TEST_P(CsvCell, IsQuotedAndNeutralised) {
  const TextCase& c = GetParam();
  EXPECT_EQ(show(csv_cell(c.in)), show(c.out));
}

const TextCase kCsvCellCases[] = {
    {"empty", "", ""},
    {"plain", "Acme Ltd", "Acme Ltd"},
    {"spaces_kept_unquoted", " a ", " a "},
    {"comma", "a,b", "\"a,b\""},
    {"quote", "say \"hi\"", "\"say \"\"hi\"\"\""},
    {"newline", "a\nb", "\"a\nb\""},
    {"carriage_return_inside", "a\rb", "\"a\rb\""},
    {"semicolon_not_quoted", "a;b", "a;b"},
    {"utf8_kept", "caf\xC3\xA9", "caf\xC3\xA9"},
    {"formula_equals", "=1+1", "'=1+1"},
    {"formula_plus", "+1", "'+1"},
    {"formula_minus", "-1", "'-1"},
    {"formula_at", "@SUM(A1)", "'@SUM(A1)"},
    {"formula_tab", "\tcmd", "'\tcmd"},
    {"formula_cr", "\rcmd", "\"'\rcmd\""},
    {"formula_with_comma", "=A1,B1", "\"'=A1,B1\""},
    {"formula_with_quotes", "=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""},
    {"equals_later_is_fine", "a=b", "a=b"},
    {"leading_space_then_equals", " =1", " =1"},
    {"lone_quote", "\"", "\"\"\"\""},
    {"invalid_utf8_becomes_fffd", "caf\xE9", "caf" + kFffd},
    {"invalid_utf8_formula", "=\xFF", "'=" + kFffd},
    {"invalid_utf8_with_comma", "\xFF,a", "\"" + kFffd + ",a\""},
};

INSTANTIATE_TEST_SUITE_P(Cases, CsvCell, ::testing::ValuesIn(kCsvCellCases),
                         [](const ::testing::TestParamInfo<TextCase>& i) { return std::string(i.param.name); });

// ---- errors CSV ------------------------------------------------------------------------------------

Finding finding(std::uint64_t row, std::uint64_t line, std::string column, std::string field, std::string_view code,
                Severity severity, std::string message) {
  return Finding{row, line, std::move(column), std::move(field), code, severity, std::move(message), {}, {}};
}

// The outcomes every page shows, counted once here: "error" is invalid less duplicate.
TEST(OutcomeCounts, ComeFromASummaryWrittenAndReadBack) {
  Summary s{10, 6, 4, 5, 1, 3, 2};
  Summary back;
  ASSERT_TRUE(parse_summary_json(summary_json(s), &back));
  EXPECT_EQ(outcome_counts_json(back), R"({"create":5,"update":1,"duplicate":3,"error":1,"warnings":2})");
  EXPECT_FALSE(parse_summary_json("", &back));
  EXPECT_FALSE(parse_summary_json(R"({"rows": -1})", &back));
}

TEST(ErrorsCsv, HeaderAndLines) {
  EXPECT_EQ(errors_csv_header(), "row,line,column,field,code,severity,message\r\n");
  EXPECT_EQ(errors_csv_line(finding(5, 6, "E-mail, work", "Contact Email", code::invalid_email, Severity::Error,
                                    "Contact Email \"x\" is not a valid e-mail address: it has no @.")),
            "5,6,\"E-mail, work\",Contact Email,invalid_email,error,"
            "\"Contact Email \"\"x\"\" is not a valid e-mail address: it has no @.\"\r\n");
  EXPECT_EQ(errors_csv_line(finding(1, 1, "=cmd()", "", code::unknown_column, Severity::Warning, "Ignored.")),
            "1,1,'=cmd(),,unknown_column,warning,Ignored.\r\n");
  EXPECT_EQ(errors_csv_line(finding(0, 0, "", "", code::empty_file, Severity::Error, "The file is empty.")),
            "0,0,,,empty_file,error,The file is empty.\r\n");
}

TEST(FileErrorReport, IsValidJsonWithOneFinding) {
  Finding f = template_error("my.json", "\"fields[0].type\" is \"emial\", which is not a type");
  EXPECT_EQ(f.code, code::invalid_template);
  EXPECT_EQ(f.severity, Severity::Error);
  EXPECT_EQ(f.row, 0u);
  EXPECT_NE(f.message.find("my.json"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("fields[0].type"), std::string::npos) << f.message;
  nlohmann::json j = nlohmann::json::parse(file_error_report(f), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << file_error_report(f);
  EXPECT_EQ(j["summary"]["rows"], 0);
  ASSERT_EQ(j["findings"].size(), 1u);
  EXPECT_EQ(j["findings"][0]["code"], "invalid_template");
  EXPECT_EQ(j["findings"][0]["message"], f.message);
}

// ---- results JSONL and CSV --------------------------------------------------------------------------

ResultValue value(std::string_view field, std::string_view text, FieldType type, bool present = true,
                  bool valid = true, bool json_literal = false) {
  ResultValue v;
  v.field = field;
  v.value = text;
  v.type = type;
  v.present = present;
  v.valid = valid;
  v.json_literal = json_literal;
  return v;
}

RecordResult record(std::uint64_t row, std::uint64_t line, Outcome outcome, std::vector<std::string_view> key,
                    std::vector<ResultValue> values = {}) {
  RecordResult r;
  r.row = row;
  r.line = line;
  r.outcome = outcome;
  r.key = std::move(key);
  r.values = std::move(values);
  return r;
}

TEST(ResultJsonl, TypedValuesAndKey) {
  RecordResult r = record(2, 3, Outcome::Create, {"ana@example.com"},
                          {value("Partner Name", "Acme \"A\"", FieldType::String),
                           value("flag", "true", FieldType::Boolean),
                           value("off", "false", FieldType::Boolean),
                           value("n", "-42", FieldType::Integer),
                           value("x", "12.50", FieldType::Number),
                           value("e", "1e5", FieldType::Number),
                           value("gone", "", FieldType::String, false),
                           value("lit", "7", FieldType::Scalar, true, true, true),
                           value("when", "2024-01-31", FieldType::Date)});
  EXPECT_EQ(result_jsonl(r),
            R"({"row":2,"line":3,"outcome":"create","key":"ana@example.com","values":{"Partner Name":"Acme \"A\"",)"
            R"("flag":true,"off":false,"n":-42,"x":12.50,"e":1e5,"lit":7,"when":"2024-01-31"}})");
}

TEST(ResultJsonl, NumbersThatAreNotJsonStayStrings) {
  RecordResult r = record(2, 2, Outcome::Create, {"k"},
                          {value("id", "0042", FieldType::Integer), value("plus", "+5", FieldType::Integer),
                           value("half", ".5", FieldType::Number), value("comma", "1,5", FieldType::Number),
                           value("yes", "yes", FieldType::Boolean)});
  EXPECT_EQ(result_jsonl(r),
            R"({"row":2,"line":2,"outcome":"create","key":"k","values":{"id":"0042","plus":"+5","half":".5",)"
            R"("comma":"1,5","yes":"yes"}})");
}

TEST(ResultJsonl, InvalidValuesAreStrings) {
  RecordResult r = record(4, 4, Outcome::Error, {},
                          {value("n", "12", FieldType::Integer, true, false), value("b", "true", FieldType::Boolean, true, false)});
  EXPECT_EQ(result_jsonl(r), R"({"row":4,"line":4,"outcome":"error","key":null,"values":{"n":"12","b":"true"}})");
}

TEST(ResultJsonl, KeyForms) {
  EXPECT_EQ(result_jsonl(record(1, 1, Outcome::Update, {"acct-1", "u\"1"})),
            R"({"row":1,"line":1,"outcome":"update","key":["acct-1","u\"1"],"values":{}})");
  EXPECT_EQ(result_jsonl(record(9, 12, Outcome::Duplicate, {"x"})),
            R"({"row":9,"line":12,"outcome":"duplicate","key":"x","values":{}})");
  EXPECT_EQ(result_jsonl(record(3, 3, Outcome::Error, {})), R"({"row":3,"line":3,"outcome":"error","key":null,"values":{}})");
}

TEST(ResultJsonl, IsValidJson) {
  RecordResult r = record(2, 3, Outcome::Create, {"caf\xE9"},
                          {value("s", "a\x01\xFF", FieldType::String), value("n", "1.5E-3", FieldType::Number)});
  nlohmann::json j = nlohmann::json::parse(result_jsonl(r), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << result_jsonl(r);
  EXPECT_EQ(j["values"]["n"].get<double>(), 1.5e-3);
  EXPECT_EQ(j["values"]["s"].get<std::string>(), "a\x01" + kFffd);
}

TEST(ResultsCsv, HeaderAndLines) {
  EXPECT_EQ(results_csv_header({"Partner Name", "=x", "a,b"}), "row,line,outcome,key,Partner Name,'=x,\"a,b\"\r\n");
  RecordResult r = record(2, 5, Outcome::Create, {"acct-1", "u1"},
                          {value("a", "Acme", FieldType::String), value("b", "", FieldType::String, false),
                           value("c", "=1+2", FieldType::String), value("d", "a,b", FieldType::String),
                           value("dynamic", "dropped", FieldType::Scalar)});
  EXPECT_EQ(results_csv_line(r, 4), "2,5,create,acct-1|u1,Acme,,'=1+2,\"a,b\"\r\n");
  EXPECT_EQ(results_csv_line(r, 6), "2,5,create,acct-1|u1,Acme,,'=1+2,\"a,b\",dropped,\r\n");
  EXPECT_EQ(results_csv_line(record(3, 3, Outcome::Error, {}), 2), "3,3,error,,,\r\n");
  EXPECT_EQ(results_csv_line(record(4, 4, Outcome::Update, {"-7"}), 0), "4,4,update,'-7\r\n");
}

// Dynamic columns (customFields.*) in the results CSV: a column first seen before any line went
// out joins the header in place; one seen later makes the header grow, and ResultsCsvRewrite
// makes the file whole, whatever the chunks it is fed in.
TEST(ResultsCsv, DynamicColumnsJoinTheHeaderAndTheRewriteMakesTheFileWhole) {
  Template tmpl;
  tmpl.fields.resize(2);
  tmpl.fields[0].key = "id";
  tmpl.fields[1].key = "email";
  ReportOutputs outputs;
  outputs.results = ResultsFormat::Csv;
  ReportWriter writer(tmpl, outputs);
  writer.on_record(record(1, 1, Outcome::Create, {"1"},
                          {value("id", "1", FieldType::String), value("email", "a@x.com", FieldType::Email),
                           value("customFields.tier", "gold", FieldType::Scalar)}));
  EXPECT_FALSE(writer.results_header_grew());  // still pending: rewritten in place
  std::string written = writer.results_bytes();
  writer.results_bytes().clear();
  EXPECT_EQ(written, "row,line,outcome,key,id,email,customFields.tier\r\n1,1,create,1,1,a@x.com,gold\r\n");
  writer.on_record(record(2, 3, Outcome::Error, {},
                          {value("id", "2", FieldType::String), value("email", "line\r\nbreak, \"q\"", FieldType::Email),
                           value("customFields.note", "=1", FieldType::Scalar)}));
  writer.on_record(record(3, 4, Outcome::Create, {"3"}, {value("id", "3", FieldType::String), value("email", "", FieldType::Email, false)}));
  written += writer.results_bytes();
  EXPECT_TRUE(writer.results_header_grew());
  EXPECT_EQ(writer.results_csv_columns(), 8u);
  const std::string whole =
      "row,line,outcome,key,id,email,customFields.tier,customFields.note\r\n"
      "1,1,create,1,1,a@x.com,gold,\r\n"
      "2,3,error,,2,\"line\r\nbreak, \"\"q\"\"\",,'=1\r\n"
      "3,4,create,3,3,,,\r\n";
  for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{7}, written.size()}) {
    ResultsCsvRewrite rewrite(writer);
    std::string out;
    for (std::size_t at = 0; at < written.size(); at += chunk) out += rewrite.feed(std::string_view(written).substr(at, chunk));
    out += rewrite.feed({});
    EXPECT_EQ(out, whole) << "chunks of " << chunk;
  }
}

// ---- CodeTally ------------------------------------------------------------------------------------

TEST(CodeTally, MostFrequentFirstTiesInOrderOfFirstAppearance) {
  CodeTally tally;
  auto add = [&](std::uint64_t row, std::string_view c, Severity s = Severity::Error) {
    tally.add(finding(row, row, "", "", c, s, "m"));
  };
  add(0, code::unknown_column, Severity::Warning);
  add(2, code::invalid_email);
  add(3, code::required);
  add(4, code::required);
  add(5, code::too_long);
  add(6, code::too_long);
  add(7, code::required);
  add(8, code::required);
  add(9, code::invalid_email, Severity::Warning);  // another severity: another entry
  auto top = tally.top(10);
  ASSERT_EQ(top.size(), 4u);  // file-level findings (the unknown column) are not counted
  Strings got;
  for (const auto& e : top) {
    std::string rows;
    for (std::uint64_t r : e.rows) rows += " " + std::to_string(r);
    got.push_back(std::string(e.code) + "/" + std::string(severity_name(e.severity)) + "/" + std::to_string(e.count) +
                  ":" + rows);
  }
  EXPECT_EQ(got, (Strings{"required/error/4: 3 4 7", "too_long/error/2: 5 6", "invalid_email/error/1: 2",
                          "invalid_email/warning/1: 9"}));
  ASSERT_EQ(tally.top(2).size(), 2u);
  EXPECT_EQ(tally.top(2)[1].code, code::too_long);
  EXPECT_TRUE(CodeTally().top(3).empty());
}

// ---- summary_text ---------------------------------------------------------------------------------

std::string run_summary(std::string_view input, std::string_view file_name, Options options = {}) {
  CollectingSink sink;
  Session session(builtin_template("prospects").value, Context{}, options, sink);
  session.feed(input);
  session.finish();
  // As `rowgate check` sorts them, except that findings about the file or its columns are
  // listed once, as file findings, and not also among the row problems.
  CodeTally tally;
  std::vector<Finding> file_findings;
  for (const Finding& f : sink.findings) {
    bool about_columns = f.code == code::unknown_column || f.code == code::duplicate_column ||
                         f.code == code::missing_column;
    if (f.row == 0 || about_columns) file_findings.push_back(f);
    else tally.add(f);
  }
  return summary_text(session, tally, file_findings, file_name);
}

const std::string kHeader = "Partner Name,Contact Email,Media Property\n";

TEST(SummaryText, GroupsThousandsAndSaysEveryRowIsValid) {
  std::string input = kHeader;
  for (int i = 0; i < 1234; ++i)
    input += "P" + std::to_string(i) + ",p" + std::to_string(i) + "@example.com,https://p.example.com\n";
  EXPECT_EQ(run_summary(input, "big.csv"),
            "big.csv: 1,234 rows (csv, utf-8, delimiter \",\")\n"
            "  create    1,234\n"
            "  update        0\n"
            "  duplicate     0\n"
            "  error         0\n"
            "  warnings      0\n"
            "Every row is valid.\n");
}

TEST(SummaryText, ListsTheMostFrequentProblems) {
  std::string input = "Partner Name\tContact Email\tMedia Property\tShoe Size\n"
                      "A\tbad1\thttps://a.example.com\t1\n"
                      "B\tb@example.com\thttps://b.example.com\t2\n"
                      "C\tbad2\thttps://c.example.com\t3\n"
                      "D\tbad3\tnot a url\t4\n"
                      "E\tbad4\thttps://e.example.com\t5\n"
                      "F\tb@example.com\thttps://f.example.com\t6\n";
  std::string text = run_summary("\xEF\xBB\xBF" + input, "tabs.tsv");
  EXPECT_EQ(text,
            "tabs.tsv: 6 rows (csv, utf-8 with BOM, delimiter tab)\n"
            "  create    1\n"
            "  update    0\n"
            "  duplicate 1\n"
            "  error     4\n"
            "  warnings  1\n"
            "warning: Column \"Shoe Size\" matches no field of the template; its values are ignored.\n"
            "Most frequent problems:\n"
            "  invalid_email      4  rows 2, 4, 5, ...\n"
            "  invalid_url        1  row 5\n"
            "  duplicate_in_file  1  row 7\n");
}

TEST(SummaryText, OneRowAndAFileErrorAreNotEveryRowValid) {
  std::string one = run_summary(kHeader + "A,a@example.com,https://a.example.com\n", "one.csv");
  EXPECT_EQ(one.rfind("one.csv: 1 row (", 0), 0u) << one;
  EXPECT_NE(one.find("Every row is valid."), std::string::npos) << one;

  std::string missing = run_summary("Partner Name,Contact Email\nA,a@example.com\n", "missing.csv");
  EXPECT_EQ(missing.find("Every row is valid."), std::string::npos) << missing;
  EXPECT_NE(missing.find("error: The file has no column for Media Property"), std::string::npos) << missing;

  std::string empty = run_summary("", "empty.csv");
  EXPECT_EQ(empty.rfind("empty.csv: 0 rows\n", 0), 0u) << empty;
  EXPECT_EQ(empty.find("Every row is valid."), std::string::npos) << empty;
}

// ---- parse_check_args -----------------------------------------------------------------------------

Status parse(const Strings& words, CheckArgs* out) { return parse_check_args(words, out); }

TEST(CheckArgs, Minimal) {
  CheckArgs a;
  Status s = parse({"in.csv", "--template", "prospects"}, &a);
  ASSERT_TRUE(s.ok) << s.message;
  EXPECT_EQ(a.file, "in.csv");
  EXPECT_EQ(a.template_arg, "prospects");
  EXPECT_FALSE(a.template_is_file);
  EXPECT_EQ(a.options.format, Format::Csv);
  EXPECT_EQ(a.options.delimiter, 0);
  EXPECT_EQ(a.options.encoding, Encoding::Auto);
  EXPECT_FALSE(a.options.no_header);
  EXPECT_FALSE(a.options.want_values);
  EXPECT_FALSE(a.json);
  EXPECT_FALSE(a.help);
  EXPECT_TRUE(a.options.map.empty());
}

TEST(CheckArgs, EveryOption) {
  CheckArgs a;
  Status s = parse({"--template", "my.JSON", "data.txt", "--context", "ctx.json", "--no-header", "--map", "A=b",
                    "--map", "X=", "--map", "a=b=c", "--format", "jsonl", "--delimiter", ";", "--encoding",
                    "windows-1252", "--errors", "e.csv", "--results", "r.JSONL", "--json"},
                   &a);
  ASSERT_TRUE(s.ok) << s.message;
  EXPECT_EQ(a.file, "data.txt");
  EXPECT_EQ(a.template_arg, "my.JSON");
  EXPECT_TRUE(a.template_is_file);
  EXPECT_EQ(a.context_file, "ctx.json");
  EXPECT_TRUE(a.options.no_header);
  EXPECT_EQ(a.options.map, (std::vector<std::pair<std::string, std::string>>{{"A", "b"}, {"X", ""}, {"a=b", "c"}}));
  EXPECT_EQ(a.options.format, Format::Jsonl);
  EXPECT_EQ(a.options.delimiter, ';');
  EXPECT_EQ(a.options.encoding, Encoding::Windows1252);
  EXPECT_EQ(a.errors_file, "e.csv");
  EXPECT_EQ(a.results_file, "r.JSONL");
  EXPECT_TRUE(a.options.want_values);
  EXPECT_TRUE(a.json);
}

TEST(CheckArgs, Delimiters) {
  for (const auto& [word, expected] : std::vector<std::pair<std::string, char>>{
           {",", ','}, {";", ';'}, {"|", '|'}, {"tab", '\t'}, {"\\t", '\t'}, {"\t", '\t'}}) {
    CheckArgs a;
    Status s = parse({"f.csv", "--template", "leads", "--delimiter", word}, &a);
    ASSERT_TRUE(s.ok) << word << ": " << s.message;
    EXPECT_EQ(a.options.delimiter, expected) << word;
  }
}

TEST(CheckArgs, FileNameImpliesFormatAndTabs) {
  struct Case {
    Strings words;
    Format format;
    char delimiter;
  };
  const Case cases[] = {
      {{"f.jsonl", "--template", "t"}, Format::Jsonl, 0},
      {{"F.JSONL", "--template", "t"}, Format::Jsonl, 0},
      {{"f.ndjson", "--template", "t"}, Format::Jsonl, 0},
      {{"f.tsv", "--template", "t"}, Format::Csv, '\t'},
      {{"f.tsv", "--template", "t", "--delimiter", ";"}, Format::Csv, ';'},
      {{"f.txt", "--template", "t"}, Format::Csv, 0},
      {{"f.data", "--template", "t"}, Format::Auto, 0},
      {{"f.jsonl", "--template", "t", "--format", "csv"}, Format::Csv, 0},
      {{"f.jsonl", "--template", "t", "--format", "auto"}, Format::Jsonl, 0},
      {{"-", "--template", "t"}, Format::Auto, 0},
  };
  for (const Case& c : cases) {
    CheckArgs a;
    Status s = parse(c.words, &a);
    ASSERT_TRUE(s.ok) << c.words[0] << ": " << s.message;
    EXPECT_EQ(a.options.format, c.format) << c.words[0] << " " << c.words.size();
    EXPECT_EQ(a.options.delimiter, c.delimiter) << c.words[0] << " " << c.words.size();
  }
}

TEST(CheckArgs, ResultsMustEndInCsvOrJsonl) {
  for (const char* ok : {"out.csv", "out.jsonl", "OUT.CSV"}) {
    CheckArgs a;
    Status s = parse({"f.csv", "--template", "t", "--results", ok}, &a);
    EXPECT_TRUE(s.ok) << ok << ": " << s.message;
    EXPECT_TRUE(a.options.want_values) << ok;
  }
  for (const char* bad : {"out.txt", "out.json", "out", "csv"}) {
    CheckArgs a;
    Status s = parse({"f.csv", "--template", "t", "--results", bad}, &a);
    EXPECT_FALSE(s.ok) << bad;
    EXPECT_NE(s.message.find(".csv or .jsonl"), std::string::npos) << s.message;
  }
}

TEST(CheckArgs, HelpNeedsNothingElse) {
  for (const char* word : {"--help", "-h"}) {
    CheckArgs a;
    Status s = parse({word}, &a);
    EXPECT_TRUE(s.ok) << s.message;
    EXPECT_TRUE(a.help);
  }
  EXPECT_NE(std::string(check_usage()).find("usage: rowgate check FILE --template"), std::string::npos);
}

struct UsageCase {
  const char* name;
  Strings words;
  const char* message;  // the usage message must hold this
};

void PrintTo(const UsageCase& c, std::ostream* os) { *os << c.name; }

class CheckArgsUsage : public ::testing::TestWithParam<UsageCase> {};

TEST_P(CheckArgsUsage, IsAnError) {
  const UsageCase& c = GetParam();
  CheckArgs a;
  Status s = parse(c.words, &a);
  EXPECT_FALSE(s.ok);
  EXPECT_NE(s.message.find(c.message), std::string::npos) << s.message;
}

const UsageCase kUsageCases[] = {
    {"nothing", {}, "FILE is missing"},
    {"no_file", {"--template", "t"}, "FILE is missing"},
    {"no_template", {"f.csv"}, "--template is missing"},
    {"template_without_value", {"f.csv", "--template"}, "--template needs"},
    {"context_without_value", {"f.csv", "--template", "t", "--context"}, "--context needs"},
    {"errors_without_value", {"f.csv", "--template", "t", "--errors"}, "--errors needs"},
    {"results_without_value", {"f.csv", "--template", "t", "--results"}, "--results needs"},
    {"unknown_option", {"f.csv", "--template", "t", "--bogus"}, "unknown option --bogus"},
    {"two_files", {"a.csv", "b.csv", "--template", "t"}, "only one FILE"},
    {"format_unknown", {"f.csv", "--template", "t", "--format", "xml"}, "--format must be"},
    {"format_without_value", {"f.csv", "--template", "t", "--format"}, "--format must be"},
    {"encoding_unknown", {"f.csv", "--template", "t", "--encoding", "koi8-r"}, "--encoding must be"},
    {"delimiter_unknown", {"f.csv", "--template", "t", "--delimiter", "::"}, "--delimiter must be"},
    {"delimiter_without_value", {"f.csv", "--template", "t", "--delimiter"}, "--delimiter needs"},
    {"map_without_equals", {"f.csv", "--template", "t", "--map", "Header"}, "'Header=field', not 'Header'"},
    {"map_without_header", {"f.csv", "--template", "t", "--map", "=field"}, "--map needs"},
    {"map_without_value", {"f.csv", "--template", "t", "--map"}, "--map needs"},
    {"results_txt", {"f.csv", "--template", "t", "--results", "r.txt"}, "--results must name"},
};

INSTANTIATE_TEST_SUITE_P(Cases, CheckArgsUsage, ::testing::ValuesIn(kUsageCases),
                         [](const ::testing::TestParamInfo<UsageCase>& i) { return std::string(i.param.name); });

// ---- parse_options_json ---------------------------------------------------------------------------

TEST(OptionsJson, EmptyTextChangesNothing) {
  for (const char* text : {"", "  \n"}) {
    Options o;
    o.no_header = true;
    o.delimiter = '|';
    Status s = parse_options_json(text, &o);
    EXPECT_TRUE(s.ok) << s.message;
    EXPECT_TRUE(o.no_header);
    EXPECT_EQ(o.delimiter, '|');
  }
}

TEST(OptionsJson, EveryKey) {
  Options o;
  Status s = parse_options_json(
      R"({"format": "csv", "encoding": "utf-16le", "delimiter": ";", "no_header": true, "map": {"H": "f", "I": ""}})", &o);
  ASSERT_TRUE(s.ok) << s.message;
  EXPECT_EQ(o.format, Format::Csv);
  EXPECT_EQ(o.encoding, Encoding::Utf16Le);
  EXPECT_EQ(o.delimiter, ';');
  EXPECT_TRUE(o.no_header);
  EXPECT_EQ(o.map, (std::vector<std::pair<std::string, std::string>>{{"H", "f"}, {"I", ""}}));
}

TEST(OptionsJson, ValueSpellings) {
  struct Case {
    const char* json;
    Format format;
    Encoding encoding;
    char delimiter;
  };
  const Case cases[] = {
      {R"({"format": "jsonl"})", Format::Jsonl, Encoding::Auto, 0},
      {R"({"format": "ndjson"})", Format::Jsonl, Encoding::Auto, 0},
      {R"({"format": "auto"})", Format::Auto, Encoding::Auto, 0},
      {R"({"encoding": "UTF-8"})", Format::Auto, Encoding::Utf8, 0},
      {R"({"encoding": "utf16be"})", Format::Auto, Encoding::Utf16Be, 0},
      {R"({"encoding": "latin1"})", Format::Auto, Encoding::Windows1252, 0},
      {R"({"encoding": "cp1252"})", Format::Auto, Encoding::Windows1252, 0},
      {R"({"delimiter": "tab"})", Format::Auto, Encoding::Auto, '\t'},
      {R"({"delimiter": "\t"})", Format::Auto, Encoding::Auto, '\t'},
      {R"({"delimiter": "|"})", Format::Auto, Encoding::Auto, '|'},
      {R"({"delimiter": ","})", Format::Auto, Encoding::Auto, ','},
      {R"({"delimiter": ""})", Format::Auto, Encoding::Auto, 0},
  };
  for (const Case& c : cases) {
    Options o;
    o.delimiter = c.delimiter == 0 && std::string(c.json).find("\"\"") != std::string::npos ? ';' : 0;
    Status s = parse_options_json(c.json, &o);
    ASSERT_TRUE(s.ok) << c.json << ": " << s.message;
    EXPECT_EQ(o.format, c.format) << c.json;
    EXPECT_EQ(o.encoding, c.encoding) << c.json;
    EXPECT_EQ(o.delimiter, c.delimiter) << c.json;
  }
}

TEST(OptionsJson, KeysNotGivenKeepTheirValueAndMapIsReplaced) {
  Options o;
  o.no_header = true;
  o.encoding = Encoding::Utf16Be;
  o.map = {{"Old", "x"}};
  Status s = parse_options_json(R"({"format": "csv", "map": {"New": "y"}})", &o);
  ASSERT_TRUE(s.ok) << s.message;
  EXPECT_TRUE(o.no_header);
  EXPECT_EQ(o.encoding, Encoding::Utf16Be);
  EXPECT_EQ(o.map, (std::vector<std::pair<std::string, std::string>>{{"New", "y"}}));
}

// ---- Edits ----------------------------------------------------------------------------------------

TEST(EditsJson, RowsColumnsValuesAndSkips) {
  Edits e;
  Status s = parse_edits_json(
      R"({"edits": {"12": {"Email": "a@b.com", "Partner ID": 7, "Opt in": true, "Notes": null}, "3": {"Name": "X"}},
          "skip": [9, "4", 9]})",
      &e);
  ASSERT_TRUE(s.ok) << s.message;
  ASSERT_EQ(e.rows.size(), 2u);
  EXPECT_EQ(e.rows.begin()->first, 3u);  // in row order, whatever the JSON's
  const std::vector<Edits::Cell>& twelve = e.rows.at(12);
  ASSERT_EQ(twelve.size(), 4u);
  std::map<std::string, std::string> got;
  for (const Edits::Cell& c : twelve) got[c.column] = c.value;
  EXPECT_EQ(got, (std::map<std::string, std::string>{{"Email", "a@b.com"}, {"Partner ID", "7"}, {"Opt in", "true"}, {"Notes", ""}}));
  EXPECT_EQ(e.skip, (std::vector<std::uint64_t>{4, 9}));  // sorted, once each
}

TEST(EditsJson, OptionsCarryThemAndAddToTheirOwn) {
  Options o;
  ASSERT_TRUE(parse_options_json(R"({"format": "csv", "edits": {"2": {"A": "x"}}})", &o).ok);
  std::shared_ptr<const Edits> first = o.edits;
  ASSERT_TRUE(first);
  ASSERT_TRUE(parse_options_json(R"({"skip": [5]})", &o).ok);
  ASSERT_TRUE(o.edits);
  EXPECT_EQ(o.edits->rows.size(), 1u);
  EXPECT_EQ(o.edits->skip, std::vector<std::uint64_t>{5});
  EXPECT_TRUE(first->skip.empty());  // a copy of options keeps the edits it had
}

class EditsJsonError : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(EditsJsonError, IsAnInvalidEditsStatus) {
  const auto& [json, message] = GetParam();
  Edits e;
  Status s = parse_edits_json(json, &e);
  EXPECT_FALSE(s.ok) << json;
  EXPECT_EQ(s.code, code::invalid_edits) << json;
  EXPECT_NE(s.message.find(message), std::string::npos) << json << ": " << s.message;
  Options o;
  const std::string_view text(json);
  if (text.find("\"edits\"") != std::string_view::npos || text.find("\"skip\"") != std::string_view::npos ||
      text.find("\"columns\"") != std::string_view::npos) {
    Status via_options = parse_options_json(json, &o);
    EXPECT_FALSE(via_options.ok) << json;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EditsJsonError,
    ::testing::Values(std::pair{"[]", "not a JSON object"}, std::pair{"{", "not a JSON object"},
                      std::pair{R"({"edit": {}})", "\"edit\" is not part of the edits"},
                      std::pair{R"({"edits": []})", "must be an object of row number"},
                      std::pair{R"({"edits": {"0": {"A": "x"}}})", "names row \"0\""},
                      std::pair{R"({"edits": {"02": {"A": "x"}}})", "names row \"02\""},
                      std::pair{R"({"edits": {"row 2": {"A": "x"}}})", "names row \"row 2\""},
                      std::pair{R"({"edits": {"2": "x"}})", "must be an object of column: value"},
                      std::pair{R"({"edits": {"2": {"A": ["x"]}}})", "must be a value, not a list"},
                      std::pair{R"({"edits": {"2": {"": "x"}}})", "names no column"},
                      std::pair{R"({"skip": 3})", "must be a list of row numbers"},
                      std::pair{R"({"skip": [0]})", "rows are numbers from 1"},
                      std::pair{R"({"skip": [-2]})", "rows are numbers from 1"},
                      std::pair{R"({"skip": [1.5]})", "rows are numbers from 1"},
                      std::pair{R"({"columns": {"Email": "lower"}})", "must be a list of column fixes"},
                      std::pair{R"({"columns": [{"column": "Email"}]})", "must be a list of column fixes"},
                      std::pair{R"({"columns": [{"lower": true}]})", "must be a list of column fixes"},
                      std::pair{R"({"columns": [{"column": "Email", "lower": true, "trim": true}]})", "must be a list of column fixes"},
                      std::pair{R"({"columns": [{"column": "", "trim": true}]})", "names no column"},
                      std::pair{R"({"columns": [{"column": "Email", "trim": false}]})", "must say \"trim\": true"},
                      std::pair{R"({"columns": [{"column": "Email", "upper": true}]})", "must be a list of column fixes"},
                      std::pair{R"({"columns": [{"column": "Group", "replace": {}}]})", "must replace values"},
                      std::pair{R"({"columns": [{"column": "Group", "replace": {"a": 1}}]})", "must replace \"a\" with text"}));

TEST(EditsJson, ColumnFixesKeepTheirOrder) {
  Edits e;
  Status s = parse_edits_json(
      R"({"columns": [{"column": "Group", "trim": true}, {"column": "Group", "replace": {"Podcast": "Podcasts", "pod": "Podcasts"}},
                      {"column": "Email", "lower": true}]})",
      &e);
  ASSERT_TRUE(s.ok) << s.message;
  EXPECT_FALSE(e.empty());
  ASSERT_EQ(e.columns.size(), 3u);
  EXPECT_EQ(e.columns[0].kind, Edits::ColumnFix::Kind::Trim);
  EXPECT_EQ(e.columns[1].kind, Edits::ColumnFix::Kind::Replace);
  EXPECT_EQ(e.columns[1].replace.size(), 2u);
  EXPECT_EQ(e.columns[1].replace.at("Podcast"), "Podcasts");
  EXPECT_EQ(e.columns[2].column, "Email");
  EXPECT_EQ(e.columns[2].kind, Edits::ColumnFix::Kind::Lower);
  Options o;
  ASSERT_TRUE(parse_options_json(R"({"columns": [{"column": "Email", "trim": true}]})", &o).ok);
  ASSERT_TRUE(o.edits);
  EXPECT_EQ(o.edits->columns.size(), 1u);
}

TEST(EditsSummary, EditedAndSkippedGoInTheSummaryOnlyWithEdits) {
  Summary plain;
  plain.rows = 3;
  EXPECT_EQ(summary_json(plain).find("edited"), std::string::npos);
  Summary edited = plain;
  edited.edits = true;
  edited.edited = 2;
  edited.skipped = 1;
  std::string text = summary_json(edited);
  EXPECT_NE(text.find("\"edited\":2,\"skipped\":1"), std::string::npos) << text;
  Summary back;
  ASSERT_TRUE(parse_summary_json(text, &back));
  EXPECT_TRUE(back.edits);
  EXPECT_EQ(back.edited, 2u);
  EXPECT_EQ(back.skipped, 1u);
}

class OptionsJsonError : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(OptionsJsonError, IsABadStatus) {
  const auto& [json, message] = GetParam();
  Options o;
  Status s = parse_options_json(json, &o);
  EXPECT_FALSE(s.ok) << json;
  EXPECT_NE(s.message.find(message), std::string::npos) << json << ": " << s.message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, OptionsJsonError,
    ::testing::Values(std::pair{"{", "not a JSON object"}, std::pair{"[]", "not a JSON object"},
                      std::pair{"\"csv\"", "not a JSON object"}, std::pair{R"({"format": "xml"})", "\"format\" must be"},
                      std::pair{R"({"format": 1})", "\"format\" must be"},
                      std::pair{R"({"encoding": "koi8-r"})", "\"encoding\" must be"},
                      std::pair{R"({"encoding": null})", "\"encoding\" must be"},
                      std::pair{R"({"delimiter": "::"})", "\"delimiter\" must be"},
                      std::pair{R"({"delimiter": ":"})", "\"delimiter\" must be"},
                      std::pair{R"({"delimiter": 44})", "\"delimiter\" must be"},
                      std::pair{R"({"no_header": "yes"})", "\"no_header\" must be true or false"},
                      std::pair{R"({"map": [["a", "b"]]})", "\"map\" must be an object"},
                      std::pair{R"({"map": {"a": 1}})", "\"map\" values must be"},
                      std::pair{R"({"colour": "red"})", "\"colour\" is not an option"},
                      std::pair{R"({"header_row": -1})", "\"header_row\" must be"},
                      std::pair{R"({"header_row": "3"})", "\"header_row\" must be"}));

TEST(OptionsJson, HeaderRowIsARowOrAuto) {
  Options o;
  ASSERT_TRUE(parse_options_json(R"({"header_row": 3})", &o).ok);
  EXPECT_EQ(o.header_row, 3u);
  ASSERT_TRUE(parse_options_json(R"({"header_row": "auto"})", &o).ok);
  EXPECT_EQ(o.header_row, 0u);
}

}  // namespace
