// Tests for rowgate::Session end to end through the public API: summary counts, outcomes
// (create, update, duplicate, error, not_found), context values (existing keys, fixed values),
// bad options, empty files, values for results files, and file-level errors.
#include "rowgate/session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rowgate/context.h"
#include "rowgate/report.h"
#include "rowgate/template.h"

namespace {

using namespace rowgate;

// Records findings and copies each record's result (views are valid only during the call).
class RecordingSink : public CollectingSink {
 public:
  struct Record {
    std::uint64_t row = 0;
    std::uint64_t line = 0;
    std::string outcome;
    std::vector<std::string> key;
    std::vector<std::pair<std::string, std::string>> values;  // present values only
    std::size_t value_slots = 0;
  };
  void on_record(const RecordResult& r) override {
    Record rec;
    rec.row = r.row;
    rec.line = r.line;
    rec.outcome = std::string(outcome_name(r.outcome));
    for (std::string_view k : r.key) rec.key.emplace_back(k);
    rec.value_slots = r.values.size();
    for (const ResultValue& v : r.values)
      if (v.present) rec.values.emplace_back(std::string(v.field), std::string(v.value));
    records.push_back(std::move(rec));
  }
  std::vector<Record> records;
};

struct Checked {
  Status status;
  Summary summary;
  InputInfo input;
  std::vector<MappingEntry> mapping;
  bool file_error = false;
  std::vector<Finding> findings;
  std::vector<RecordingSink::Record> records;
};

Context context_of(std::string_view json) {
  ContextLoad load = parse_context(json);
  EXPECT_TRUE(load.ok) << load.error;
  return load.value;
}

Template builtin(std::string_view name) {
  TemplateLoad load = builtin_template(name);
  EXPECT_TRUE(load.ok) << load.error;
  return load.value;
}

Checked check(std::string_view template_name, std::string_view input, const Context& context = {}, Options options = {},
          std::size_t chunk = 0) {
  RecordingSink sink;
  Session session(builtin(template_name), context, options, sink);
  if (chunk == 0) chunk = input.size() ? input.size() : 1;
  for (std::size_t i = 0; i < input.size(); i += chunk) session.feed(input.substr(i, chunk));
  session.finish();
  return Checked{session.status(), session.summary(), session.input(), session.mapping(), session.file_error(),
             sink.findings, sink.records};
}

// "row:code" for every finding, in order.
std::vector<std::string> codes(const Checked& r) {
  std::vector<std::string> out;
  for (const Finding& f : r.findings) out.push_back(std::to_string(f.row) + ":" + std::string(f.code));
  return out;
}

// "row:outcome" for every record, in order.
std::vector<std::string> outcomes(const Checked& r) {
  std::vector<std::string> out;
  for (const auto& rec : r.records) out.push_back(std::to_string(rec.row) + ":" + rec.outcome);
  return out;
}

const Finding* find(const Checked& r, std::string_view code) {
  for (const Finding& f : r.findings)
    if (f.code == code) return &f;
  return nullptr;
}

std::string summary_of(const Summary& s) {
  return "rows " + std::to_string(s.rows) + " valid " + std::to_string(s.valid) + " invalid " +
         std::to_string(s.invalid) + " create " + std::to_string(s.create) + " update " + std::to_string(s.update) +
         " duplicate " + std::to_string(s.duplicate) + " warnings " + std::to_string(s.warnings);
}

using Strings = std::vector<std::string>;

const char* kProspectsContext = R"({"sets": {"groups": ["Mass Media", "Podcasts"]}, "existing": ["ana@example.com"]})";

const std::string kProspects =
    "Partner Name,Contact Email,Media Property,Group Name,Shoe Size\n"
    "Acme,ana@example.com,https://acme.example.com,Podcasts,9\n"
    "Beta,bo@example.com,https://beta.example.com,Mass Media,10\n"
    "Gamma,ANA@example.com,https://gamma.example.com,Podcasts,\n"
    "Delta,not-an-email,https://delta.example.com,,\n"
    "Eps,eps@example.com,https://eps.example.com,Unknown Group,\n";

// ---- Counts and outcomes -------------------------------------------------------------------------

TEST(Session, SummaryCountsOnASmallFile) {
  Checked r = check("prospects", kProspects, context_of(kProspectsContext));
  ASSERT_TRUE(r.status.ok) << r.status.message;
  EXPECT_FALSE(r.file_error);
  EXPECT_EQ(summary_of(r.summary), "rows 5 valid 2 invalid 3 create 1 update 1 duplicate 1 warnings 1");
  EXPECT_EQ(outcomes(r), (Strings{"2:update", "3:create", "4:duplicate", "5:error", "6:error"}));
  EXPECT_EQ(codes(r), (Strings{"1:unknown_column", "4:duplicate_in_file", "5:invalid_email", "6:unknown_reference"}));
  EXPECT_EQ(r.input.format, "csv");
  EXPECT_EQ(r.input.delimiter, ",");
  EXPECT_EQ(r.input.encoding, "utf-8");
}

TEST(Session, FindingsCarryRowLineColumnFieldAndSeverity) {
  Checked r = check("prospects", kProspects, context_of(kProspectsContext));
  const Finding* unknown = find(r, code::unknown_column);
  ASSERT_NE(unknown, nullptr);
  EXPECT_EQ(unknown->severity, Severity::Warning);
  EXPECT_EQ(unknown->column, "Shoe Size");
  EXPECT_EQ(unknown->line, 1u);
  const Finding* email = find(r, code::invalid_email);
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(email->severity, Severity::Error);
  EXPECT_EQ(email->row, 5u);
  EXPECT_EQ(email->line, 5u);
  EXPECT_EQ(email->column, "Contact Email");
  EXPECT_EQ(email->field, "Contact Email");
  EXPECT_NE(email->message.find("\"not-an-email\""), std::string::npos) << email->message;
}

TEST(Session, UpdateByExistingKeyIgnoresEmailCase) {
  Checked r = check("prospects",
                "Partner Name,Contact Email,Media Property\n"
                "Acme,Ana@Example.COM,https://acme.example.com\n"
                "Beta,bo@example.com,https://beta.example.com\n",
                context_of(R"({"existing": ["ANA@example.com"]})"));
  EXPECT_EQ(outcomes(r), (Strings{"2:update", "3:create"}));
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0].key, Strings{"ana@example.com"});
  EXPECT_EQ(summary_of(r.summary), "rows 2 valid 2 invalid 0 create 1 update 1 duplicate 0 warnings 0");
}

TEST(Session, UpdateByACompositeKeyInJsonl) {
  Checked r = check("participants",
                "{\"accountId\":\"acct-1\",\"id\":\"u1\",\"email\":\"a@example.com\"}\n"
                "{\"accountId\":\"acct-1\",\"id\":\"u2\"}\n",
                context_of(R"({"existing": [["acct-1", "u1"]]})"));
  EXPECT_EQ(r.input.format, "jsonl");
  EXPECT_EQ(outcomes(r), (Strings{"1:update", "2:create"}));
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0].key, (Strings{"acct-1", "u1"}));
}

TEST(Session, DuplicateInFileNamesTheFirstRow) {
  Checked r = check("prospects",
                "Partner Name,Contact Email,Media Property\n"
                "\n"
                "Acme,ana@example.com,https://acme.example.com\n"
                "Beta,bo@example.com,https://beta.example.com\n"
                "Acme again,ANA@EXAMPLE.COM,https://acme2.example.com\n");
  EXPECT_EQ(outcomes(r), (Strings{"3:create", "4:create", "5:duplicate"}));
  const Finding* dup = find(r, code::duplicate_in_file);
  ASSERT_NE(dup, nullptr);
  EXPECT_EQ(dup->row, 5u);
  EXPECT_EQ(dup->field, "Contact Email");
  EXPECT_EQ(dup->severity, Severity::Error);
  EXPECT_NE(dup->message.find("row 3"), std::string::npos) << dup->message;
  EXPECT_EQ(r.summary.duplicate, 1u);
  EXPECT_EQ(r.summary.invalid, 1u);
}

TEST(Session, UpdateOnlyTemplateGivesNotFound) {
  Checked r = check("partners_update", "Partner ID,Partner Name\n17,Acme\n18,Beta\n", context_of(R"({"existing": ["17"]})"));
  ASSERT_TRUE(r.status.ok) << r.status.message;
  EXPECT_EQ(outcomes(r), (Strings{"2:update", "3:error"}));
  EXPECT_EQ(codes(r), Strings{"3:not_found"});
  const Finding* nf = find(r, code::not_found);
  ASSERT_NE(nf, nullptr);
  EXPECT_EQ(nf->field, "Partner ID");
  EXPECT_EQ(nf->column, "Partner ID");
  EXPECT_NE(nf->message.find("\"18\""), std::string::npos) << nf->message;
  EXPECT_EQ(summary_of(r.summary), "rows 2 valid 1 invalid 1 create 0 update 1 duplicate 0 warnings 0");
}

// ---- Context: fixed values ----------------------------------------------------------------------

TEST(Session, LeadsWithoutFlowAndSourceColumnsAreMissingColumns) {
  Checked r = check("leads", "email\na@example.com\n");
  EXPECT_TRUE(r.file_error);
  EXPECT_EQ(codes(r), (Strings{"1:missing_column", "1:missing_column"}));
  EXPECT_EQ(r.findings[0].field, "flow_id");
  EXPECT_EQ(r.findings[1].field, "source_id");
  EXPECT_EQ(r.summary.rows, 0u);
  EXPECT_TRUE(r.records.empty());
}

TEST(Session, FixedValuesFillMissingColumns) {
  Options o;
  o.want_values = true;
  Checked r = check("leads", "email\na@example.com\nb@example.com\n",
                context_of(R"({"fixed": {"flow_id": "f-12", "source_id": "s-7"}})"), o);
  EXPECT_FALSE(r.file_error);
  EXPECT_EQ(codes(r), Strings{});
  EXPECT_EQ(outcomes(r), (Strings{"2:create", "3:create"}));
  ASSERT_EQ(r.records.size(), 2u);
  const auto& v = r.records[0].values;
  EXPECT_NE(std::find(v.begin(), v.end(), std::make_pair(std::string("flow_id"), std::string("f-12"))), v.end());
  EXPECT_NE(std::find(v.begin(), v.end(), std::make_pair(std::string("source_id"), std::string("s-7"))), v.end());
}

TEST(Session, FixedValueFillsOnlyEmptyCells) {
  Options o;
  o.want_values = true;
  Checked r = check("leads", "flow_id,email\n,a@example.com\nf-9,b@example.com\n",
                context_of(R"({"fixed": {"flow_id": "f-12", "source_id": "s-7"}})"), o);
  ASSERT_EQ(r.records.size(), 2u);
  auto value = [](const RecordingSink::Record& rec, const std::string& field) {
    for (const auto& [f, v] : rec.values)
      if (f == field) return v;
    return std::string("(absent)");
  };
  EXPECT_EQ(value(r.records[0], "flow_id"), "f-12");
  EXPECT_EQ(value(r.records[1], "flow_id"), "f-9");
  EXPECT_EQ(value(r.records[1], "source_id"), "s-7");
}

// ---- Bad options ----------------------------------------------------------------------------------

TEST(Session, UnknownFixedFieldIsABadStatus) {
  Checked r = check("leads", "flow_id,source_id\nf,s\n", context_of(R"({"fixed": {"flow": "f-12"}})"));
  EXPECT_FALSE(r.status.ok);
  EXPECT_NE(r.status.message.find("\"flow\""), std::string::npos) << r.status.message;
  EXPECT_TRUE(r.file_error);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_TRUE(r.records.empty());
  EXPECT_EQ(r.summary.rows, 0u);
}

TEST(Session, UnknownMapTargetIsABadStatus) {
  Options o;
  o.map = {{"Mail", "Contact Mail"}};
  Checked r = check("prospects", "Partner Name,Mail,Media Property\nA,a@example.com,https://a.example.com\n", {}, o);
  EXPECT_FALSE(r.status.ok);
  EXPECT_NE(r.status.message.find("Contact Mail"), std::string::npos) << r.status.message;
  EXPECT_TRUE(r.file_error);
  EXPECT_TRUE(r.records.empty());
}

TEST(Session, MapOverrideIsUsed) {
  Options o;
  o.map = {{"Mail", "Contact Email"}, {"Shoe Size", ""}};
  Checked r = check("prospects", "Partner Name,Mail,Media Property,Shoe Size\nA,a@example.com,https://a.example.com,9\n", {}, o);
  ASSERT_TRUE(r.status.ok) << r.status.message;
  EXPECT_EQ(codes(r), Strings{});
  EXPECT_EQ(outcomes(r), Strings{"2:create"});
  ASSERT_EQ(r.mapping.size(), 4u);
  EXPECT_EQ(r.mapping[1].field, "Contact Email");
  EXPECT_EQ(r.mapping[1].match, "override");
  EXPECT_EQ(r.mapping[3].field, "");
}

// ---- Empty files and file-level errors --------------------------------------------------------------

TEST(Session, EmptyInputIsEmptyFile) {
  Checked r = check("prospects", "");
  EXPECT_TRUE(r.file_error);
  EXPECT_EQ(codes(r), Strings{"0:empty_file"});
  EXPECT_EQ(r.summary.rows, 0u);
}

TEST(Session, HeaderOnlyIsEmptyFile) {
  for (std::string_view input : {"Partner Name,Contact Email,Media Property\n", "Partner Name,Contact Email,Media Property",
                                 "Partner Name,Contact Email,Media Property\r\n\r\n\r\n"}) {
    Checked r = check("prospects", input);
    EXPECT_TRUE(r.file_error) << input;
    EXPECT_EQ(codes(r), Strings{"0:empty_file"}) << input;
    const Finding* f = find(r, code::empty_file);
    ASSERT_NE(f, nullptr);
    EXPECT_NE(f->message.find("header row but no records"), std::string::npos) << f->message;
  }
}

TEST(Session, EmptyJsonlIsEmptyFile) {
  Options o;
  o.format = Format::Jsonl;
  Checked r = check("participants", "\n\n", {}, o);
  EXPECT_TRUE(r.file_error);
  EXPECT_EQ(codes(r), Strings{"0:empty_file"});
}

TEST(Session, MissingColumnIsAFileError) {
  Checked r = check("prospects", "Partner Name,Contact Email\nA,a@example.com\nB,b@example.com\n");
  EXPECT_TRUE(r.file_error);
  EXPECT_EQ(codes(r), Strings{"1:missing_column"});
  EXPECT_EQ(r.findings[0].field, "Media Property");
  EXPECT_EQ(r.findings[0].severity, Severity::Error);
  EXPECT_TRUE(r.records.empty());  // no row is read after a file-level error
  EXPECT_EQ(r.summary.rows, 0u);
}

TEST(Session, RowErrorsAloneAreNotAFileError) {
  Checked r = check("prospects", "Partner Name,Contact Email,Media Property\nA,not-an-email,https://a.example.com\n");
  EXPECT_FALSE(r.file_error);
  EXPECT_EQ(r.summary.invalid, 1u);
}

// ---- Values for results files ---------------------------------------------------------------------

TEST(Session, WantValuesFillsNormalisedValues) {
  const std::string input =
      "Partner Name,Contact Email,Media Property,Partner ID,Country\n"
      " Acme ,ana@EXAMPLE.com,HTTPS://Acme.Example.com/x,0042,us\n";
  Options o;
  o.want_values = true;
  Checked r = check("prospects", input, {}, o);
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].value_slots, builtin("prospects").fields.size());
  using V = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(r.records[0].values, (V{{"Partner Name", "Acme"},
                                    {"Contact Email", "ana@example.com"},
                                    {"Media Property", "https://acme.example.com/x"},
                                    {"Partner ID", "0042"},
                                    {"Country", "US"}}));

  Checked without = check("prospects", input);
  ASSERT_EQ(without.records.size(), 1u);
  EXPECT_EQ(without.records[0].value_slots, 0u);
}

// Options::want_error_values: the values of the records a table of problem rows shows, and no
// others.
TEST(Session, WantErrorValuesFillsValuesOfErrorAndDuplicateRecordsOnly) {
  Options o;
  o.want_error_values = true;
  Checked r = check("prospects", kProspects, context_of(kProspectsContext), o);
  EXPECT_EQ(outcomes(r), (Strings{"2:update", "3:create", "4:duplicate", "5:error", "6:error"}));
  const std::size_t fields = builtin("prospects").fields.size();
  for (const auto& rec : r.records) {
    bool shown = rec.outcome == "error" || rec.outcome == "duplicate";
    EXPECT_EQ(rec.value_slots, shown ? fields : 0u) << "row " << rec.row;
  }
  // The value that failed its check is there as the file has it.
  ASSERT_EQ(r.records.size(), 5u);
  const auto& delta = r.records[3].values;
  EXPECT_NE(std::find(delta.begin(), delta.end(), std::pair<std::string, std::string>{"Contact Email", "not-an-email"}),
            delta.end());
}

// ---- Samples for a mapping screen -----------------------------------------------------------------

struct Sampled {
  std::vector<MappingEntry> mapping;
  std::vector<Strings> samples;
};

Sampled sample(std::string_view template_name, std::string_view input, Options options, std::size_t chunk) {
  RecordingSink sink;
  Session session(builtin(template_name), {}, options, sink);
  for (std::size_t i = 0; i < input.size(); i += chunk) session.feed(input.substr(i, chunk));
  session.finish();
  return Sampled{session.mapping(), session.samples()};
}

// Per column (unknown ones too), the trimmed values of the first sample_rows records; empty cells
// and cells that are not UTF-8 are left out; the header is no sample.
TEST(Session, CsvSamplesHoldTheFirstRecordsValuesPerColumn) {
  const std::string input =
      "Partner Name,Contact Email,Shoe Size,Media Property\n"
      " Acme ,ana@example.com,,https://a.example.com\n"
      "Beta,\xFF bad,10,https://b.example.com\n"
      "Gamma,gamma@example.com,11,https://c.example.com\n"
      "Delta,delta@example.com,12,https://d.example.com\n";
  Options o;
  o.encoding = Encoding::Utf8;
  o.sample_rows = 3;
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, input.size()}) {
    Sampled s = sample("prospects", input, o, chunk);
    ASSERT_EQ(s.mapping.size(), 4u);
    EXPECT_EQ(s.samples, (std::vector<Strings>{{"Acme", "Beta", "Gamma"},
                                               {"ana@example.com", "gamma@example.com"},
                                               {"10", "11"},
                                               {"https://a.example.com", "https://b.example.com", "https://c.example.com"}}))
        << "chunks of " << chunk;
  }
  o.sample_rows = 0;
  EXPECT_TRUE(sample("prospects", input, o, input.size()).samples.empty());
}

// A header that stops the run (here: no column for Media Property, which is required) is where
// a mapping screen is needed most: the samples are still taken, and nothing else is reported.
TEST(Session, SamplesAreTakenWhenTheHeaderStopsTheRun) {
  const std::string input =
      "Partner Name,E-mail,Homepage\n"
      "Acme,ana@example.com,https://a.example.com\n"
      "\"Beta\nB\",bo@example.com,https://b.example.com\n"
      "Gamma,cy@example.com,https://c.example.com";
  for (std::uint32_t rows : {2u, 3u}) {
    Options o;
    o.sample_rows = rows;
    for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, input.size()}) {
      RecordingSink sink;
      Session session(builtin("prospects"), {}, o, sink);
      for (std::size_t i = 0; i < input.size(); i += chunk) session.feed(std::string_view(input).substr(i, chunk));
      session.finish();
      EXPECT_TRUE(session.file_error());
      ASSERT_EQ(sink.findings.size(), 2u);  // about the header alone
      EXPECT_EQ(sink.findings[0].code, code::unknown_column);  // Homepage
      EXPECT_EQ(sink.findings[1].code, code::missing_column);
      EXPECT_TRUE(sink.records.empty());
      std::vector<Strings> expected = {{"Acme", "Beta\nB"}, {"ana@example.com", "bo@example.com"},
                                       {"https://a.example.com", "https://b.example.com"}};
      if (rows == 3) {
        expected[0].push_back("Gamma");
        expected[1].push_back("cy@example.com");
        expected[2].push_back("https://c.example.com");
      }
      EXPECT_EQ(session.samples(), expected) << rows << " rows, chunks of " << chunk;
    }
  }
}

// In JSONL a sample belongs to the mapping entry of its key, which the first record that has the
// key adds.
TEST(Session, JsonlSamplesFollowTheKeysMappingEntries) {
  const std::string input =
      "{\"accountId\":\"a1\",\"id\":\"p1\",\"email\":\"x@example.com\"}\n"
      "{\"accountId\":\" a2 \",\"id\":\"p2\",\"zzz\":\"q\",\"email\":\"\"}\n"
      "{\"accountId\":\"a3\",\"id\":\"p3\",\"firstName\":\"Cy\"}\n";
  Options o;
  o.sample_rows = 2;
  Sampled s = sample("participants", input, o, input.size());
  ASSERT_EQ(s.mapping.size(), 5u);
  EXPECT_EQ(s.mapping[3].column, "zzz");
  EXPECT_EQ(s.samples, (std::vector<Strings>{{"a1", "a2"}, {"p1", "p2"}, {"x@example.com"}, {"q"}}));
}

// ---- Row numbering and chunks -------------------------------------------------------------------

TEST(Session, NoHeaderFirstRecordIsRowOne) {
  Options o;
  o.no_header = true;
  Checked r = check("prospects", "Acme,ana@example.com,https://acme.example.com\nB,bad,https://b.example.com\n", {}, o);
  EXPECT_EQ(outcomes(r), (Strings{"1:create", "2:error"}));
  EXPECT_FALSE(r.input.header);
}

TEST(Session, NoHeaderColumnsMapByLetterOverridesThenByPosition) {
  Options o;
  o.no_header = true;
  // Column A is the e-mail, B the name; C keeps its place (Media Property); D is left out.
  o.map = {{"A", "Contact Email"}, {"B", "Partner Name"}, {"D", ""}};
  Checked r = check("prospects", "ana@example.com,Acme,https://acme.example.com,x\nbad,B,https://b.example.com,y\n", {}, o);
  ASSERT_EQ(r.mapping.size(), 4u);
  EXPECT_EQ(r.mapping[0].field, "Contact Email");
  EXPECT_EQ(r.mapping[0].match, "override");
  EXPECT_EQ(r.mapping[1].field, "Partner Name");
  EXPECT_EQ(r.mapping[2].field, "Media Property");
  EXPECT_EQ(r.mapping[2].match, "position");
  EXPECT_EQ(r.mapping[3].match, "override");  // ignored
  EXPECT_EQ(outcomes(r), (Strings{"1:create", "2:error"}));
  const Finding* f = find(r, code::invalid_email);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->column, "A");
}

TEST(Session, NoHeaderTwoLettersForOneFieldIsDuplicateColumn) {
  Options o;
  o.no_header = true;
  o.map = {{"A", "Contact Email"}, {"C", "Contact Email"}};
  Checked r = check("prospects", "a@example.com,Acme,b@example.com\n", {}, o);
  const Finding* f = find(r, code::duplicate_column);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::Error);
}

TEST(Session, QuotedLineBreakMakesLineDifferFromRow) {
  Checked r = check("prospects",
                "Partner Name,Contact Email,Media Property,Description\n"
                "Acme,ana@example.com,https://acme.example.com,\"two\nlines\"\n"
                "B,bad,https://b.example.com,\n");
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[1].row, 3u);
  EXPECT_EQ(r.records[1].line, 4u);
  const Finding* f = find(r, code::invalid_email);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->row, 3u);
  EXPECT_EQ(f->line, 4u);
}

TEST(Session, ResultsDoNotDependOnChunkSize) {
  Context ctx = context_of(kProspectsContext);
  Checked whole = check("prospects", kProspects, ctx);
  for (std::size_t chunk : {1u, 2u, 7u, 64u, 4096u}) {
    Checked r = check("prospects", kProspects, ctx, {}, chunk);
    EXPECT_EQ(codes(r), codes(whole)) << "chunks of " << chunk;
    EXPECT_EQ(outcomes(r), outcomes(whole)) << "chunks of " << chunk;
    EXPECT_EQ(summary_of(r.summary), summary_of(whole.summary)) << "chunks of " << chunk;
  }
}

// Past the 64 KiB the session sniffs from: the start of the file is decoded and read in one piece,
// the rest as it comes, so a CRLF, a quoted line break or a UTF-16 code unit may straddle the cut.
TEST(Session, FilesLongerThanTheSniffedPrefixDoNotDependOnChunkSize) {
  std::string csv = "Partner Name,Contact Email,Media Property,Description\r\n";
  for (int i = 0; csv.size() < 100'000; ++i) {
    csv += "P" + std::to_string(i) + ",p" + std::to_string(i) + "@example.com,https://p.example.com,\"two\r\nlines\"\r\n";
    if (i % 97 == 0) csv += "Bad,bad,https://x.example.com,\r\n";
  }
  std::string utf16 = "\xFF\xFE";
  for (char c : csv) {
    utf16 += c;
    utf16 += '\0';
  }
  for (const std::string& input : {csv, utf16}) {
    auto report = [&](std::size_t chunk) {
      CollectingSink sink(true);
      Session session(builtin("prospects"), Context{}, Options{}, sink);
      for (std::size_t i = 0; i < input.size(); i += chunk) session.feed(std::string_view(input).substr(i, chunk));
      session.finish();
      return report_json(session, sink.findings, &sink.results);
    };
    const std::string whole = report(input.size());
    EXPECT_NE(whole.find("\"invalid_email\""), std::string::npos);
    for (std::size_t chunk : {4093u, 65535u, 65536u, 65537u}) EXPECT_TRUE(report(chunk) == whole) << "chunks of " << chunk;
  }
}

}  // namespace

namespace rowgate {
namespace {

// The compact context: key hashes instead of keys give the same outcomes.
TEST(CompactContext, ExistingHashesMatchLikeExistingKeys) {
  Template t = builtin_template("prospects").value;
  std::vector<std::uint64_t> hashes{key_hash(t, {"Ana@Example.com"}), key_hash(t, {"zed@example.com"})};
  std::string json = "{\"existing_hash64\": \"" + encode_key_hashes(hashes) + "\"}";
  ContextLoad c = parse_context(json);
  ASSERT_TRUE(c.ok) << c.error;
  ASSERT_EQ(c.value.existing_hashes, hashes);
  CollectingSink sink;
  Session s(t, c.value, Options{}, sink);
  s.feed("Partner Name,Contact Email,Media Property\nA,ana@example.com,https://a.com/\nB,new@example.com,https://b.com/\n");
  s.finish();
  EXPECT_EQ(s.summary().update, 1u);
  EXPECT_EQ(s.summary().create, 1u);
}

TEST(CompactContext, BadBase64IsAnError) {
  EXPECT_FALSE(parse_context("{\"existing_hash64\": \"abc\"}").ok);
  EXPECT_FALSE(parse_context("{\"existing_hash64\": \"AAAA\"}").ok);  // 3 bytes: not whole hashes
  EXPECT_TRUE(parse_context("{\"existing_hash64\": \"\"}").ok);
}

TEST(CompactContext, EncodingRoundTripsEveryLength) {
  for (std::size_t n = 0; n < 7; ++n) {
    std::vector<std::uint64_t> hashes;
    for (std::size_t i = 0; i < n; ++i) hashes.push_back(0x0123456789ABCDEFULL * (i + 1));
    ContextLoad c = parse_context("{\"existing_hash64\": \"" + encode_key_hashes(hashes) + "\"}");
    ASSERT_TRUE(c.ok) << n;
    EXPECT_EQ(c.value.existing_hashes, hashes);
  }
}

}  // namespace
}  // namespace rowgate
