// Tests for the CSV reader and the delimiter sniffer (core/src/csv_reader.h): records and
// their row/line numbers, quoting, line ends, bounds and resynchronisation, the memory bound,
// and that the events never depend on where the chunks break.
#include "csv_reader.h"

#include "rowgate/checks.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
// From <sanitizer/allocator_interface.h>, which g++ 12 on Debian does not install.
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#elif defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

using rowgate::detail::CsvHandler;
using rowgate::detail::CsvReader;
using rowgate::detail::CsvRecord;
using rowgate::detail::sniff_delimiter;
using namespace std::string_literals;

constexpr std::uint64_t kMiB = 1u << 20;

// Bytes as C source would spell them, so that failures show CR, LF, NUL and high bytes.
std::string show(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (b < 0x20 || b >= 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", b);
      out += buf;
    } else out += c;
  }
  return out + "\"";
}

// One event of the handler. For a malformed record, `field` is where its open quote began.
struct Event {
  bool malformed = false;
  std::uint64_t row = 0;
  std::uint64_t line = 0;
  std::vector<std::string> fields;
  bool encoding_ok = true;
  int field = -1;  // bad_quote_field of a record, or the field of a malformed record
  std::string message;
};

Event rec(std::uint64_t row, std::uint64_t line, std::vector<std::string> fields, bool encoding_ok = true,
          int bad_quote_field = -1) {
  return Event{false, row, line, std::move(fields), encoding_ok, bad_quote_field, {}};
}

Event bad(std::uint64_t row, std::uint64_t line, int field = -1) { return Event{true, row, line, {}, true, field, {}}; }

// A line of text per event (messages optional), so sequences compare with readable diffs.
std::string describe(const std::vector<Event>& events, bool with_messages) {
  std::string out;
  for (const Event& e : events) {
    if (e.malformed) {
      out += "malformed row " + std::to_string(e.row) + " line " + std::to_string(e.line) + " field " +
             std::to_string(e.field);
      if (with_messages) out += " " + show(e.message);
    } else {
      out += "record row " + std::to_string(e.row) + " line " + std::to_string(e.line) + " [";
      for (std::size_t i = 0; i < e.fields.size(); ++i) out += (i ? ", " : "") + show(e.fields[i]);
      out += "]";
      if (!e.encoding_ok) out += " bad-encoding";
      if (e.field >= 0) out += " bad-quote " + std::to_string(e.field);
    }
    out += "\n";
  }
  return out;
}

class Recorder : public CsvHandler {
 public:
  void on_record(const CsvRecord& r) override {
    Event e;
    e.row = r.row;
    e.line = r.line;
    for (std::size_t i = 0; i < r.count; ++i) e.fields.emplace_back(r.fields[i]);
    e.encoding_ok = r.encoding_ok;
    e.field = r.bad_quote_field;
    events.push_back(std::move(e));
  }
  void on_malformed(std::uint64_t row, std::uint64_t line, int field, std::string message) override {
    Event e;
    e.malformed = true;
    e.row = row;
    e.line = line;
    e.field = field;
    e.message = std::move(message);
    events.push_back(std::move(e));
  }
  std::vector<Event> events;
};

struct Bounds {
  std::uint64_t max_record_bytes = kMiB;
  std::uint32_t max_quoted_lines = 100;
};

// Reads `input` fed in chunks of `chunk` bytes (0: all at once).
std::vector<Event> read_csv(std::string_view input, char delimiter = ',', Bounds bounds = {}, std::size_t chunk = 0) {
  Recorder recorder;
  CsvReader reader(delimiter, bounds.max_record_bytes, bounds.max_quoted_lines, recorder);
  if (chunk == 0) chunk = input.size() ? input.size() : 1;
  for (std::size_t i = 0; i < input.size(); i += chunk) reader.feed(input.substr(i, chunk));
  reader.finish();
  return std::move(recorder.events);
}

// ---- Records, quoting and line ends ---------------------------------------------------------

struct ReadCase {
  const char* name;
  std::string input;
  std::vector<Event> expected;
  char delimiter = ',';
};

void PrintTo(const ReadCase& c, std::ostream* os) { *os << c.name << ": " << show(c.input); }

class CsvRead : public ::testing::TestWithParam<ReadCase> {};

TEST_P(CsvRead, GivesTheExpectedRecords) {
  const ReadCase& c = GetParam();
  EXPECT_EQ(describe(read_csv(c.input, c.delimiter), false), describe(c.expected, false)) << show(c.input);
}

const ReadCase kReadCases[] = {
    {"plain", "a,b,c\n1,2,3\n", {rec(1, 1, {"a", "b", "c"}), rec(2, 2, {"1", "2", "3"})}},
    {"single_column", "x\ny\n", {rec(1, 1, {"x"}), rec(2, 2, {"y"})}},
    {"spaces_kept", " a , b \n", {rec(1, 1, {" a ", " b "})}},
    {"empty_fields", ",,\n", {rec(1, 1, {"", "", ""})}},
    {"quoted_delimiter", "\"a,b\",c\n", {rec(1, 1, {"a,b", "c"})}},
    {"doubled_quotes", "\"say \"\"hi\"\"\",x\n", {rec(1, 1, {"say \"hi\"", "x"})}},
    {"only_doubled_quote", "\"\"\"\"\n", {rec(1, 1, {"\""})}},
    {"empty_quoted", "\"\",x\n", {rec(1, 1, {"", "x"})}},
    {"empty_quoted_alone_is_a_record", "\"\"\nz\n", {rec(1, 1, {""}), rec(2, 2, {"z"})}},
    {"cr_inside_quotes", "\"a\rb\",c\nd\n", {rec(1, 1, {"a\rb", "c"}), rec(2, 3, {"d"})}},
    {"lf_inside_quotes", "\"a\nb\",c\nd\n", {rec(1, 1, {"a\nb", "c"}), rec(2, 3, {"d"})}},
    {"crlf_inside_quotes", "\"a\r\nb\",c\r\nd\r\n", {rec(1, 1, {"a\r\nb", "c"}), rec(2, 3, {"d"})}},
    {"several_breaks_inside_quotes", "\"1\n2\r\n3\r4\",x\ny\n", {rec(1, 1, {"1\n2\r\n3\r4", "x"}), rec(2, 5, {"y"})}},
    {"breaks_in_two_quoted_fields", "\"a\nb\",\"c\nd\"\ne\n", {rec(1, 1, {"a\nb", "c\nd"}), rec(2, 4, {"e"})}},
    {"quoted_delimiter_and_quote_and_break", "\"a,\"\"b\"\"\nc\",d\n", {rec(1, 1, {"a,\"b\"\nc", "d"})}},
    {"lf_ends", "a\nb\n", {rec(1, 1, {"a"}), rec(2, 2, {"b"})}},
    {"crlf_ends", "a,b\r\nc,d\r\n", {rec(1, 1, {"a", "b"}), rec(2, 2, {"c", "d"})}},
    {"cr_ends", "a\rb\rc", {rec(1, 1, {"a"}), rec(2, 2, {"b"}), rec(3, 3, {"c"})}},
    {"mixed_ends", "a\r\nb\rc\nd", {rec(1, 1, {"a"}), rec(2, 2, {"b"}), rec(3, 3, {"c"}), rec(4, 4, {"d"})}},
    {"quoted_then_cr", "\"a\"\r\"b\"\r\n", {rec(1, 1, {"a"}), rec(2, 2, {"b"})}},
    {"blank_lines_count_as_rows",
     "a\n\nb\n\r\n\rc\n",
     {rec(1, 1, {"a"}), rec(3, 3, {"b"}), rec(6, 6, {"c"})}},
    {"leading_blank_lines", "\n\na\n", {rec(3, 3, {"a"})}},
    {"cr_then_crlf_is_two_line_ends", "a\r\r\nb\n", {rec(1, 1, {"a"}), rec(3, 3, {"b"})}},
    {"only_blank_lines", "\n\r\n\r", {}},
    {"empty_input", "", {}},
    {"whitespace_line_is_a_record", " \n", {rec(1, 1, {" "})}},
    {"final_record_without_newline", "a,b\nc,d", {rec(1, 1, {"a", "b"}), rec(2, 2, {"c", "d"})}},
    {"final_quoted_without_newline", "a,\"b\"", {rec(1, 1, {"a", "b"})}},
    {"final_quoted_with_break_without_newline", "a,\"b\nc\"", {rec(1, 1, {"a", "b\nc"})}},
    {"trailing_delimiter", "a,b,\nc\n", {rec(1, 1, {"a", "b", ""}), rec(2, 2, {"c"})}},
    {"trailing_delimiter_at_eof", "a,", {rec(1, 1, {"a", ""})}},
    {"trailing_delimiter_crlf", "a,\r\n", {rec(1, 1, {"a", ""})}},
    {"text_after_closing_quote", "\"ab\"c,d\n", {rec(1, 1, {"\"ab\"c", "d"}, true, 0)}},
    {"space_after_closing_quote", "x,\"ab\" ,y\n", {rec(1, 1, {"x", "\"ab\" ", "y"}, true, 1)}},
    {"first_bad_quote_field_is_reported", "x,\"a\"b,\"c\"d\n", {rec(1, 1, {"x", "\"a\"b", "\"c\"d"}, true, 1)}},
    {"bad_quote_does_not_leak_to_next_record", "\"a\"b\nc\n", {rec(1, 1, {"\"a\"b"}, true, 0), rec(2, 2, {"c"})}},
    {"quote_inside_unquoted_field_is_data", "ab\"c,d\n", {rec(1, 1, {"ab\"c", "d"})}},
    {"valid_utf8", "caf\xC3\xA9,x\n", {rec(1, 1, {"caf\xC3\xA9", "x"})}},
    {"invalid_utf8", "caf\xE9,x\nok\n", {rec(1, 1, {"caf\xE9", "x"}, false), rec(2, 2, {"ok"})}},
    {"nul_byte", "a\0b,c\n"s, {rec(1, 1, {"a\0b"s, "c"}, false)}},
    {"invalid_utf8_in_quoted_multiline", "\"a\nb\xFF\",c\n", {rec(1, 1, {"a\nb\xFF", "c"}, false)}},
    {"semicolon_keeps_commas", "a,b;c\n", {rec(1, 1, {"a,b", "c"})}, ';'},
    {"tab_delimiter", "a\tb\n\"c\td\"\te\n", {rec(1, 1, {"a", "b"}), rec(2, 2, {"c\td", "e"})}, '\t'},
    {"pipe_delimiter", "a|b|\n", {rec(1, 1, {"a", "b", ""})}, '|'},
    {"unterminated_quote_at_eof_resyncs",
     "h\n\"open,x\nb,c\nd,e\n",
     {rec(1, 1, {"h"}), bad(2, 2, 0), rec(3, 3, {"b", "c"}), rec(4, 4, {"d", "e"})}},
    {"unterminated_quote_in_second_field",
     "a,\"open\nb\r\nc",
     {bad(1, 1, 1), rec(2, 2, {"b"}), rec(3, 3, {"c"})}},
    {"unterminated_quote_after_multiline_record",
     "\"x\ny\",1\n\"open\nlast\n",
     {rec(1, 1, {"x\ny", "1"}), bad(2, 3, 0), rec(3, 4, {"last"})}},
    {"unterminated_after_doubled_quote", "\"a\"\"\nb", {bad(1, 1, 0), rec(2, 2, {"b"})}},
    {"unterminated_quote_on_the_last_line", "a\n\"b", {rec(1, 1, {"a"}), bad(2, 2, 0)}},
    {"unterminated_quote_then_cr_lines", "\"x\ra\rb", {bad(1, 1, 0), rec(2, 2, {"a"}), rec(3, 3, {"b"})}},
};

INSTANTIATE_TEST_SUITE_P(Cases, CsvRead, ::testing::ValuesIn(kReadCases),
                         [](const ::testing::TestParamInfo<ReadCase>& i) { return std::string(i.param.name); });

TEST(CsvReader, CrAtTheEndOfAChunkAndLfInTheNext) {
  Recorder r;
  CsvReader reader(',', kMiB, 100, r);
  reader.feed("a,b\r");
  reader.feed("\nc,d\r");
  reader.feed("\n\r");
  reader.feed("\ne\n");
  reader.finish();
  EXPECT_EQ(describe(r.events, false),
            describe({rec(1, 1, {"a", "b"}), rec(2, 2, {"c", "d"}), rec(4, 4, {"e"})}, false));
}

TEST(CsvReader, CrInsideQuotesAtTheEndOfAChunkAndLfInTheNext) {
  Recorder r;
  CsvReader reader(',', kMiB, 100, r);
  reader.feed("\"a\r");
  reader.feed("\nb\",c\n");
  reader.feed("d\n");
  reader.finish();
  EXPECT_EQ(describe(r.events, false), describe({rec(1, 1, {"a\r\nb", "c"}), rec(2, 3, {"d"})}, false));
}

TEST(CsvReader, UnterminatedQuoteMessageNamesTheLineAndWhereReadingWentOn) {
  auto events = read_csv("h\nx,\"open\nb\nc\n");
  ASSERT_GE(events.size(), 2u);
  const Event& e = events[1];
  ASSERT_TRUE(e.malformed);
  EXPECT_EQ(e.field, 1);
  EXPECT_NE(e.message.find("line 2"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("no closing quote"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("line 3"), std::string::npos) << e.message;
}

// ---- Bounds: quoted line breaks and record length --------------------------------------------

TEST(CsvReader, QuotedFieldWithExactlyMaxQuotedLinesIsAccepted) {
  Bounds b{kMiB, 2};
  EXPECT_EQ(describe(read_csv("\"a\nb\nc\",x\ny\n", ',', b), false),
            describe({rec(1, 1, {"a\nb\nc", "x"}), rec(2, 4, {"y"})}, false));
}

TEST(CsvReader, CrlfCountsAsOneQuotedLineBreak) {
  Bounds b{kMiB, 2};
  EXPECT_EQ(describe(read_csv("\"a\r\nb\r\nc\",x\r\ny\r\n", ',', b), false),
            describe({rec(1, 1, {"a\r\nb\r\nc", "x"}), rec(2, 4, {"y"})}, false));
}

TEST(CsvReader, QuotedFieldWithMoreThanMaxQuotedLinesResyncsAtTheNextLine) {
  Bounds b{kMiB, 2};
  auto events = read_csv("h\n\"a\nb\nc\nd\",x\ne,f\n", ',', b);
  // The bad record is row 2 at line 2; reading goes on at line 3, so the rest of the quoted
  // field is read as records of its own (one per line), and e,f keeps its true row and line.
  EXPECT_EQ(describe(events, false),
            describe({rec(1, 1, {"h"}), bad(2, 2, 0), rec(3, 3, {"b"}), rec(4, 4, {"c"}), rec(5, 5, {"d\"", "x"}),
                      rec(6, 6, {"e", "f"})},
                     false));
  ASSERT_GE(events.size(), 2u);
  EXPECT_NE(events[1].message.find("within 2 lines"), std::string::npos) << events[1].message;
}

TEST(CsvReader, RecordOfExactlyMaxRecordBytesIsAccepted) {
  Bounds b{16, 100};
  EXPECT_EQ(describe(read_csv("0123456789abcdef\r\n\"0123456789abcd\"\nn\n", ',', b), false),
            describe({rec(1, 1, {"0123456789abcdef"}), rec(2, 2, {"0123456789abcd"}), rec(3, 3, {"n"})}, false));
}

struct BoundCase {
  const char* name;
  std::string input;
  std::vector<Event> expected;
};

void PrintTo(const BoundCase& c, std::ostream* os) { *os << c.name << ": " << show(c.input); }

class CsvOverLong : public ::testing::TestWithParam<BoundCase> {};

// max_record_bytes is 16 (the smallest the reader takes).
TEST_P(CsvOverLong, IsMalformedAndTheNextRecordIsRead) {
  const BoundCase& c = GetParam();
  EXPECT_EQ(describe(read_csv(c.input, ',', Bounds{16, 100}), false), describe(c.expected, false));
}

const BoundCase kOverLongCases[] = {
    {"unquoted", "h\n0123456789abcdefXYZ\nn,1\n", {rec(1, 1, {"h"}), bad(2, 2), rec(3, 3, {"n", "1"})}},
    {"unquoted_by_one_byte", "0123456789abcdefX\nn\n", {bad(1, 1), rec(2, 2, {"n"})}},
    {"unquoted_delimiter_just_past_the_bound", "0123456789abcdef,\nn\n", {bad(1, 1), rec(2, 2, {"n"})}},
    {"unquoted_crlf", "0123456789abcdefXYZ\r\nn\r\n", {bad(1, 1), rec(2, 2, {"n"})}},
    {"unquoted_cr", "0123456789abcdefXYZ\rn\r", {bad(1, 1), rec(2, 2, {"n"})}},
    {"unquoted_many_fields", "a,b,c,d,e,f,g,h,i,j\nn\n", {bad(1, 1), rec(2, 2, {"n"})}},
    {"unquoted_at_eof", "h\n0123456789abcdefXYZ", {rec(1, 1, {"h"}), bad(2, 2)}},
    {"unquoted_then_blank_line", "0123456789abcdefXYZ\n\nn\n", {bad(1, 1), rec(3, 3, {"n"})}},
    {"two_in_a_row", "0123456789abcdefXYZ\n0123456789abcdefXYZ\nn\n", {bad(1, 1), bad(2, 2), rec(3, 3, {"n"})}},
    {"quoted", "h\n\"0123456789abcdefXYZ\"\nn\n", {rec(1, 1, {"h"}), bad(2, 2, 0), rec(3, 3, {"n"})}},
    {"quoted_second_field", "a,\"0123456789abcdefXYZ\"\nn\n", {bad(1, 1, 1), rec(2, 2, {"n"})}},
    {"quoted_at_eof_closed", "\"0123456789abcdefXYZ\"", {bad(1, 1, 0)}},
    {"quoted_at_eof_unclosed", "\"0123456789abcdefXYZ", {bad(1, 1, 0)}},
    {"quoted_crlf", "\"0123456789abcdefXYZ\"\r\nn\r\n", {bad(1, 1, 0), rec(2, 2, {"n"})}},
    // A line break inside the quoted field, before the bound: reading goes on after it, so the
    // rest of the field is a second over-long (unquoted) record on line 2.
    {"quoted_with_break_before_the_bound",
     "\"ab\ncdefghijklmnopqrstu\"\nn\n",
     {bad(1, 1, 0), bad(2, 2), rec(3, 3, {"n"})}},
};

INSTANTIATE_TEST_SUITE_P(Cases, CsvOverLong, ::testing::ValuesIn(kOverLongCases),
                         [](const ::testing::TestParamInfo<BoundCase>& i) { return std::string(i.param.name); });

TEST(CsvReader, OverLongMessagesSayWhatHappened) {
  auto unquoted = read_csv("0123456789abcdefXYZ\nn\n", ',', Bounds{16, 100});
  ASSERT_FALSE(unquoted.empty());
  EXPECT_NE(unquoted[0].message.find("longer than 16 bytes"), std::string::npos) << unquoted[0].message;
  EXPECT_NE(unquoted[0].message.find("line 2"), std::string::npos) << unquoted[0].message;

  auto quoted = read_csv("\"0123456789abcdefXYZ\"\nn\n", ',', Bounds{1024, 100});
  ASSERT_EQ(quoted.size(), 2u);  // 1024 bytes is room enough
  EXPECT_FALSE(quoted[0].malformed);
  auto tight = read_csv("\"0123456789abcdefXYZ\"\nn\n", ',', Bounds{16, 100});
  ASSERT_FALSE(tight.empty());
  EXPECT_NE(tight[0].message.find("no closing quote within 16 bytes"), std::string::npos) << tight[0].message;
}

// ---- The memory bound --------------------------------------------------------------------------

std::size_t heap_in_use() {
#if defined(__SANITIZE_ADDRESS__)
  return __sanitizer_get_current_allocated_bytes();
#elif defined(__GLIBC__)
  return mallinfo2().uordblks;
#else
  return 0;
#endif
}

// Feeds `head`, then `fill` bytes of 'y' in 64 KiB chunks, then `tail`; returns the events and
// the most heap in use (over the start) seen between feeds.
std::vector<Event> feed_huge(std::string_view head, std::uint64_t fill, std::string_view tail, std::size_t* peak) {
  Recorder r;
  std::size_t base = heap_in_use();
  std::size_t most = 0;
  {
    CsvReader reader(',', kMiB, 100, r);
    const std::string chunk(64 * 1024, 'y');
    auto sample = [&] {
      std::size_t now = heap_in_use();
      if (now > base && now - base > most) most = now - base;
    };
    reader.feed(head);
    for (std::uint64_t done = 0; done < fill; done += chunk.size()) {
      reader.feed(std::string_view(chunk).substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), fill - done))));
      sample();
    }
    reader.feed(tail);
    sample();
    reader.finish();
  }
  *peak = most;
  return std::move(r.events);
}

constexpr std::uint64_t kTenMB = 10'000'000;

TEST(CsvReaderMemory, TenMegabyteUnquotedFieldIsSkippedWithinTheBound) {
  std::size_t peak = 0;
  auto events = feed_huge("a,b\nx,", kTenMB, "\nnext,1\n", &peak);
  EXPECT_EQ(describe(events, false), describe({rec(1, 1, {"a", "b"}), bad(2, 2), rec(3, 3, {"next", "1"})}, false));
  if (heap_in_use() != 0) {
    EXPECT_LT(peak, 4 * kMiB) << "the reader held " << peak << " bytes for a 10 MB field";
  }
}

TEST(CsvReaderMemory, TenMegabyteQuotedFieldIsSkippedWithinTheBound) {
  std::size_t peak = 0;
  auto events = feed_huge("a,b\nx,\"", kTenMB, "\"\nnext,1\n", &peak);
  EXPECT_EQ(describe(events, false), describe({rec(1, 1, {"a", "b"}), bad(2, 2, 1), rec(3, 3, {"next", "1"})}, false));
  if (heap_in_use() != 0) {
    EXPECT_LT(peak, 4 * kMiB) << "the reader held " << peak << " bytes for a 10 MB field";
  }
}

TEST(CsvReaderMemory, TenMegabyteUnclosedQuoteAtTheEndIsOneMalformedRow) {
  std::size_t peak = 0;
  auto events = feed_huge("a,b\nx,\"", kTenMB, "", &peak);
  EXPECT_EQ(describe(events, false), describe({rec(1, 1, {"a", "b"}), bad(2, 2, 1)}, false));
  if (heap_in_use() != 0) {
    EXPECT_LT(peak, 4 * kMiB);
  }
}

TEST(CsvReaderMemory, RecordJustUnderTheBoundSpanningChunksIsWhole) {
  std::size_t peak = 0;
  // 6 bytes of "x,\"" + quote + fill: keep the record at 1 MiB exactly.
  auto events = feed_huge("a,b\nx,\"", kMiB - 4, "\"\nnext,1\n", &peak);
  ASSERT_EQ(events.size(), 3u) << describe(events, true);
  EXPECT_FALSE(events[1].malformed) << events[1].message;
  ASSERT_EQ(events[1].fields.size(), 2u);
  EXPECT_EQ(events[1].fields[1].size(), kMiB - 4);
  EXPECT_EQ(describe({events[2]}, false), describe({rec(3, 3, {"next", "1"})}, false));
}

// ---- Chunk independence ------------------------------------------------------------------------

struct ChunkCase {
  std::string input;
  Bounds bounds;
  char delimiter = ',';
};

// Compared with the input fed whole.
const std::size_t kChunkSizes[] = {1, 2, 3, 7, 64, 4096};

void expect_chunk_independent(const ChunkCase& c) {
  std::string whole = describe(read_csv(c.input, c.delimiter, c.bounds, 0), true);
  for (std::size_t size : kChunkSizes) {
    EXPECT_EQ(describe(read_csv(c.input, c.delimiter, c.bounds, size), true), whole)
        << "chunks of " << size << " for " << show(c.input);
  }
}

TEST(CsvReaderChunks, TrickyInputsGiveTheSameEventsInAnyChunks) {
  const Bounds tight{16, 2};
  const ChunkCase cases[] = {
      {"a,b,c\r\n\"x,\"\"y\"\"\r\nz\",2,3\r\n\r\n4,5,6", {}},
      {"\"a\rb\"\r\"c\"\"\"\r\n\rd,e,", {}},
      {"h\n\"open,x\nb,c\nd,e\n", {}},
      {"\"x\n\"y\nz\n", {}},
      {"\"ab\"c,d\n\"e\" ,f\r\ng", {}},
      {"caf\xE9,x\r\n\"\xC3\xA9\n\xFF\",\0y\n"s, {}},
      {"h\n\"a\nb\nc\nd\",x\ne,f\n", tight},
      {"\"a\r\nb\r\nc\r\nd\",x\r\ne,f\r\n", tight},
      {"h\n0123456789abcdefXYZ\nn,1\n", tight},
      {"0123456789abcdefXYZ\r\nn\r\n0123456789abcdef\r\n", tight},
      {"\"0123456789abcdefXYZ\"\r\nn\r", tight},
      {"\"ab\ncdefghijklmnopqrstu\"\nn\n", tight},
      {"a,\"0123456789abcdefXYZ\"\nn\n\"q\"\"q\"\n", tight},
      {"0123456789abcdefXYZ", tight},
      {"\"0123456789abcdefXYZ", tight},
      {"a;\"b;c\"\n\"d\ne\";f", {}, ';'},
  };
  for (const ChunkCase& c : cases) expect_chunk_independent(c);
}

TEST(CsvReaderChunks, RandomInputsGiveTheSameEventsInAnyChunks) {
  // Short random texts over the bytes that matter; tight bounds make every path run.
  const char alphabet[] = {'a', 'b', ',', ',', '"', '"', '"', '\r', '\n', '\n', ' ', '\xC3', '\xA9', '\xFF'};
  std::mt19937 rng(20240601);
  std::uniform_int_distribution<std::size_t> pick(0, sizeof alphabet - 1);
  std::uniform_int_distribution<std::size_t> length(0, 48);
  for (int n = 0; n < 300; ++n) {
    std::string input;
    for (std::size_t k = length(rng); k > 0; --k) input.push_back(alphabet[pick(rng)]);
    expect_chunk_independent({input, Bounds{16, 2}});
    if (HasFailure()) return;  // one failing input is enough to read
  }
}

// ---- Against a reference ----------------------------------------------------------------------

// A plain, slow reading of the same rules (RFC 4180; CR, LF or CRLF ends; blank lines are rows
// but not records; text after a closing quote keeps the field raw). Returns false for an input
// that leaves a quote open, which the reference does not model.
bool reference_read(std::string_view s, char delim, std::vector<Event>* out) {
  std::uint64_t row = 1, line = 1;
  std::size_t i = 0, n = s.size();
  auto is_break = [](char c) { return c == '\r' || c == '\n'; };
  while (i < n) {
    if (is_break(s[i])) {
      i += (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
      ++row;
      ++line;
      continue;
    }
    Event e;
    e.row = row;
    e.line = line;
    std::size_t start = i;
    std::uint64_t breaks = 0;
    for (;;) {
      std::string field;
      if (i < n && s[i] == '"') {
        std::size_t j = i + 1;
        bool closed = false;
        while (j < n) {
          if (s[j] == '"') {
            if (j + 1 < n && s[j + 1] == '"') {
              field += '"';
              j += 2;
              continue;
            }
            closed = true;
            ++j;
            break;
          }
          if (s[j] == '\r' && j + 1 < n && s[j + 1] == '\n') {
            field += "\r\n";
            j += 2;
            ++breaks;
            continue;
          }
          if (is_break(s[j])) ++breaks;
          field += s[j++];
        }
        if (!closed) return false;
        if (j < n && s[j] != delim && !is_break(s[j])) {
          if (e.field < 0) e.field = static_cast<int>(e.fields.size());
          while (j < n && s[j] != delim && !is_break(s[j])) ++j;
          field = std::string(s.substr(i, j - i));
        }
        i = j;
      } else {
        std::size_t k = i;
        while (k < n && s[k] != delim && !is_break(s[k])) ++k;
        field = std::string(s.substr(i, k - i));
        i = k;
      }
      e.fields.push_back(std::move(field));
      if (i < n && s[i] == delim) {
        ++i;
        continue;
      }
      break;
    }
    std::string_view bytes = s.substr(start, i - start);
    e.encoding_ok = rowgate::checks::valid_utf8(bytes) && bytes.find('\0') == std::string_view::npos;
    out->push_back(std::move(e));
    if (i < n) i += (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
    ++row;
    line += 1 + breaks;
  }
  return true;
}

TEST(CsvReaderReference, RandomInputsReadAsTheReferenceReadsThem) {
  const char alphabet[] = {'a', 'b', ',', ',', ';', '"', '"', '"', '\r', '\n', '\n', ' ', '\xC3', '\xA9', '\xFF', '\0'};
  std::mt19937 rng(424242);
  std::uniform_int_distribution<std::size_t> pick(0, sizeof alphabet - 1);
  std::uniform_int_distribution<std::size_t> length(0, 40);
  int compared = 0;
  for (int n = 0; n < 3000 && compared < 1000; ++n) {
    std::string input;
    for (std::size_t k = length(rng); k > 0; --k) input.push_back(alphabet[pick(rng)]);
    std::vector<Event> expected;
    if (!reference_read(input, ',', &expected)) continue;
    ++compared;
    ASSERT_EQ(describe(read_csv(input, ','), false), describe(expected, false)) << show(input);
    ASSERT_EQ(describe(read_csv(input, ',', {}, 3), false), describe(expected, false)) << show(input);
  }
  EXPECT_GE(compared, 500);
}

// ---- sniff_delimiter ---------------------------------------------------------------------------

struct SniffCase {
  const char* name;
  std::string sample;
  bool at_eof;
  char expected;
};

void PrintTo(const SniffCase& c, std::ostream* os) { *os << c.name << ": " << show(c.sample); }

class SniffDelimiter : public ::testing::TestWithParam<SniffCase> {};

TEST_P(SniffDelimiter, PicksTheDelimiter) {
  const SniffCase& c = GetParam();
  EXPECT_EQ(sniff_delimiter(c.sample, c.at_eof), c.expected) << show(c.sample);
}

const SniffCase kSniffCases[] = {
    {"comma", "a,b,c\n1,2,3\n", true, ','},
    {"semicolon", "a;b;c\n1;2;3\n", true, ';'},
    {"tab", "a\tb\n1\t2\n", true, '\t'},
    {"pipe", "a|b|c\n1|2|3\n", true, '|'},
    {"semicolon_with_commas_in_quotes",
     "name;note\n\"Smith, John\";\"a,b,c\"\n\"p,q\";r\n", true, ';'},
    {"semicolon_with_decimal_commas", "price;qty\n1,50;2\n3,75;4\n", true, ';'},
    {"semicolon_header_with_a_comma", "a,b;c\n1;2\n3;4\n", true, ';'},
    {"tab_with_commas_in_values", "name\tcity\nDoe, J\tRome, Italy, EU\nX\tY\n", true, '\t'},
    {"pipe_with_commas_in_quotes", "a|b\n\"1,2,3\"|4\n", true, '|'},
    {"quoted_line_break", "\"a\nb\";c\n1;2\n", true, ';'},
    {"crlf", "a;b\r\n1;2\r\n", true, ';'},
    {"header_only_at_eof", "a|b|c", true, '|'},
    {"cut_sample", "a;b\n1;2\n3;", false, ';'},
    {"one_column_falls_back_to_comma", "email\na@x.com\nb@y.com\n", true, ','},
    {"one_column_with_a_stray_semicolon", "note\nfine; thanks\n", true, ','},
    {"empty_falls_back_to_comma", "", true, ','},
    {"more_columns_when_equally_consistent", "a;b,c,d\n1;2,3,4\n", true, ','},
};

INSTANTIATE_TEST_SUITE_P(Cases, SniffDelimiter, ::testing::ValuesIn(kSniffCases),
                         [](const ::testing::TestParamInfo<SniffCase>& i) { return std::string(i.param.name); });

}  // namespace
