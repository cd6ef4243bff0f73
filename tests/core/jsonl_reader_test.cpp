// Tests for the JSONL reader (core/src/jsonl_reader.h): flattening to dotted keys, value kinds
// and number text, bad lines with their rows and codes, line ends, the line bound, nesting
// depth, and that the events never depend on where the chunks break.
#include "jsonl_reader.h"

#include <gtest/gtest.h>

#include "test_util.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace {

using rowgate::detail::JsonCell;
using rowgate::detail::JsonKind;
using rowgate::detail::JsonlHandler;
using rowgate::detail::JsonlReader;

using rowgate::testing::show;

const char* kind_name(JsonKind k) {
  switch (k) {
    case JsonKind::String: return "string";
    case JsonKind::Number: return "number";
    case JsonKind::Boolean: return "boolean";
    case JsonKind::Null: return "null";
    case JsonKind::Array: return "array";
    case JsonKind::Object: return "object";
  }
  return "?";
}

// Every event as one line of text: "object 2: a.b=1 (number); c=x (string)" or "bad 3: invalid_json".
class Recorder : public JsonlHandler {
 public:
  void on_object(std::uint64_t row, const std::vector<JsonCell>& cells) override {
    std::string e = "object " + std::to_string(row) + ":";
    for (std::size_t i = 0; i < cells.size(); ++i)
      e += std::string(i ? ";" : "") + " " + show(cells[i].key) + "=" + show(cells[i].value) + " (" +
           kind_name(cells[i].kind) + ")";
    events.push_back(std::move(e));
    messages.emplace_back();
  }
  void on_bad_line(std::uint64_t row, std::string_view code, std::string message) override {
    events.push_back("bad " + std::to_string(row) + ": " + std::string(code));
    messages.push_back(std::move(message));
  }
  std::vector<std::string> events;
  std::vector<std::string> messages;
};

Recorder read_jsonl(std::string_view input, std::uint64_t max_line_bytes = 1u << 20, std::size_t chunk = 0) {
  Recorder r;
  JsonlReader reader(max_line_bytes, r);
  if (chunk == 0) chunk = input.size() ? input.size() : 1;
  for (std::size_t i = 0; i < input.size(); i += chunk) reader.feed(input.substr(i, chunk));
  reader.finish();
  return r;
}

std::vector<std::string> events_of(std::string_view input, std::uint64_t max_line_bytes = 1u << 20) {
  return read_jsonl(input, max_line_bytes).events;
}

using Events = std::vector<std::string>;

// ---- Objects and values ------------------------------------------------------------------------

struct ObjectCase {
  const char* name;
  std::string line;
  std::string expected;  // the one event the line gives, as Recorder writes it
};

void PrintTo(const ObjectCase& c, std::ostream* os) { *os << c.name << ": " << show(c.line); }

class JsonlObject : public ::testing::TestWithParam<ObjectCase> {};

TEST_P(JsonlObject, FlattensToCells) {
  const ObjectCase& c = GetParam();
  EXPECT_EQ(events_of(c.line + "\n"), Events{c.expected});
}

const ObjectCase kObjectCases[] = {
    {"flat", R"({"a":"x","b":1})", "object 1: a=x (string); b=1 (number)"},
    {"key_order_kept", R"({"b":1,"a":2})", "object 1: b=1 (number); a=2 (number)"},
    {"nested_to_dotted_keys", R"({"a":{"b":{"c":1}},"d":"x"})", "object 1: a.b.c=1 (number); d=x (string)"},
    {"nested_then_sibling", R"({"customFields":{"tier":"gold","n":2},"email":"a@b.co"})",
     "object 1: customFields.tier=gold (string); customFields.n=2 (number); email=a@b.co (string)"},
    {"array_not_flattened", R"({"tags":["x",{"y":1},[2]],"n":1})", "object 1: tags= (array); n=1 (number)"},
    {"array_of_objects_not_flattened", R"({"a":[{"b":{"c":1}}]})", "object 1: a= (array)"},
    {"empty_array", R"({"a":[]})", "object 1: a= (array)"},
    {"empty_nested_object", R"({"o":{}})", "object 1: o= (object)"},
    {"empty_object_two_deep", R"({"o":{"p":{}},"q":1})", "object 1: o.p= (object); q=1 (number)"},
    {"empty_top_object", "{}", "object 1:"},
    {"null_and_booleans", R"({"n":null,"t":true,"f":false})",
     "object 1: n= (null); t=true (boolean); f=false (boolean)"},
    {"string_escapes_decoded", R"({"s":"caf\u00e9 \"q\" \\ \n"})", "object 1: s=caf\\xC3\\xA9 \"q\" \\ \\x0A (string)"},
    {"utf8_kept", "{\"s\":\"Z\xC3\xBCrich\"}", "object 1: s=Z\\xC3\\xBCrich (string)"},
    {"escaped_key", R"({"a\u002eb":1})", "object 1: a.b=1 (number)"},
    {"surrounding_white_space", " \t{\"a\" : 1 }  ", "object 1: a=1 (number)"},
    {"repeated_key_kept_twice", R"({"a":1,"a":2})", "object 1: a=1 (number); a=2 (number)"},
    {"decimal_keeps_trailing_zero", R"({"p":12.50})", "object 1: p=12.50 (number)"},
    {"decimal_one_point_zero", R"({"p":1.0})", "object 1: p=1.0 (number)"},
    {"exponent_kept", R"({"p":1E5,"q":2.5e-7})", "object 1: p=1E5 (number); q=2.5e-7 (number)"},
    {"negative_integer", R"({"p":-42})", "object 1: p=-42 (number)"},
    {"largest_unsigned_64", R"({"p":18446744073709551615})", "object 1: p=18446744073709551615 (number)"},
    {"smallest_signed_64", R"({"p":-9223372036854775808})", "object 1: p=-9223372036854775808 (number)"},
    {"big_integer_exact", R"({"id":12345678901234567890})", "object 1: id=12345678901234567890 (number)"},
    {"bigger_than_64_bits_exact", R"({"id":123456789012345678901234567890})",
     "object 1: id=123456789012345678901234567890 (number)"},
    {"long_decimal_exact", R"({"p":0.10000000000000000000001})", "object 1: p=0.10000000000000000000001 (number)"},
};

INSTANTIATE_TEST_SUITE_P(Cases, JsonlObject, ::testing::ValuesIn(kObjectCases),
                         [](const ::testing::TestParamInfo<ObjectCase>& i) { return std::string(i.param.name); });

// JSON integers have one spelling each, except -0: integers come back in canonical form (the
// SAX interface hands them over as values), so -0 is 0; fractions keep their text.
TEST(JsonlReader, NegativeZeroIsTheIntegerZero) {
  EXPECT_EQ(events_of("{\"p\":-0,\"q\":-0.0}\n"), (Events{"object 1: p=0 (number); q=-0.0 (number)"}));
}

// ---- Bad lines ---------------------------------------------------------------------------------

struct BadCase {
  const char* name;
  std::string line;
  std::string code;
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name << ": " << show(c.line); }

class JsonlBadLine : public ::testing::TestWithParam<BadCase> {};

// The bad line is row 2, and the good line after it is still read as row 3.
TEST_P(JsonlBadLine, IsReportedWithItsRowAndReadingGoesOn) {
  const BadCase& c = GetParam();
  Recorder r = read_jsonl("{\"a\":1}\n" + c.line + "\n{\"b\":2}\n");
  EXPECT_EQ(r.events, (Events{"object 1: a=1 (number)", "bad 2: " + c.code, "object 3: b=2 (number)"}));
}

const BadCase kBadCases[] = {
    {"unclosed_object", R"({"a":1)", "invalid_json"},
    {"unquoted_key", "{a:1}", "invalid_json"},
    {"bad_literal", R"({"a":tru})", "invalid_json"},
    {"trailing_comma", R"({"a":1,})", "invalid_json"},
    {"text_after_object", R"({"a":1} x)", "invalid_json"},
    {"two_objects_on_one_line", R"({"a":1}{"b":2})", "invalid_json"},
    {"single_quotes", "{'a':1}", "invalid_json"},
    {"raw_control_character_in_string", "{\"a\":\"x\x01y\"}", "invalid_json"},
    {"leading_zero", R"({"a":012})", "invalid_json"},
    {"plain_text", "hello", "invalid_json"},
    {"array", "[1,2]", "not_an_object"},
    {"array_of_objects", R"([{"a":1}])", "not_an_object"},
    {"string", R"("text")", "not_an_object"},
    {"number", "12", "not_an_object"},
    {"null", "null", "not_an_object"},
    {"boolean", "true", "not_an_object"},
    {"invalid_utf8_in_value", "{\"a\":\"caf\xE9\"}", "invalid_encoding"},
    {"invalid_utf8_in_key", "{\"\xFF\":1}", "invalid_encoding"},
    {"overlong_utf8", "{\"a\":\"\xC0\xAF\"}", "invalid_encoding"},
    {"utf16_surrogate_in_utf8", "{\"a\":\"\xED\xA0\x80\"}", "invalid_encoding"},
};

INSTANTIATE_TEST_SUITE_P(Cases, JsonlBadLine, ::testing::ValuesIn(kBadCases),
                         [](const ::testing::TestParamInfo<BadCase>& i) { return std::string(i.param.name); });

TEST(JsonlReader, InvalidJsonMessageSaysWhatIsWrong) {
  Recorder r = read_jsonl("{\"a\":1\n");
  ASSERT_EQ(r.events, Events{"bad 1: invalid_json"});
  EXPECT_EQ(r.messages[0].rfind("This line is not valid JSON: ", 0), 0u) << r.messages[0];
  EXPECT_EQ(r.messages[0].back(), '.');
  EXPECT_EQ(r.messages[0].find("[json.exception"), std::string::npos) << r.messages[0];
}

TEST(JsonlReader, InvalidEncodingMessageNamesTheByte) {
  Recorder r = read_jsonl("{\"a\":\"caf\xE9\"}\n");
  ASSERT_EQ(r.events, Events{"bad 1: invalid_encoding"});
  EXPECT_NE(r.messages[0].find("byte 10 of the line"), std::string::npos) << r.messages[0];
}

// Regression: the JSON parser stops at a NUL byte, so "{...}\0anything" was read as the object
// before the NUL and the rest of the line was dropped without a word.
TEST(JsonlReader, TextAfterANulByteIsNotDropped) {
  using namespace std::string_literals;
  const std::string input = "{\"a\":\"x\"}\0garbage\n{\"a\":\"x\"}\0{\"a\":\"y\"}\n\0\n{\"a\":\"x\0\"}\n{\"b\":1}\n"s;
  Recorder r = read_jsonl(input);
  EXPECT_EQ(r.events, (Events{"bad 1: invalid_encoding", "bad 2: invalid_encoding", "bad 3: invalid_encoding",
                              "bad 4: invalid_encoding", "object 5: b=1 (number)"}));
  ASSERT_EQ(r.messages.size(), 5u);
  EXPECT_NE(r.messages[0].find("NUL byte (byte 10 of the line)"), std::string::npos) << r.messages[0];
  for (std::size_t chunk : {1u, 2u, 3u, 7u, 64u}) EXPECT_EQ(read_jsonl(input, 1u << 20, chunk).events, r.events);
}

// ---- Lines: blank lines, line ends, the last line ------------------------------------------------

TEST(JsonlReader, BlankAndWhitespaceLinesAreSkippedButCounted) {
  EXPECT_EQ(events_of("\n{\"a\":1}\n\n   \n\t\r\n \r\n{\"b\":2}\n\n"),
            (Events{"object 2: a=1 (number)", "object 7: b=2 (number)"}));
}

TEST(JsonlReader, OnlyBlankLinesGiveNoEvents) {
  EXPECT_EQ(events_of("\n \r\n\t\n"), Events{});
  EXPECT_EQ(events_of(""), Events{});
}

TEST(JsonlReader, CrlfLineEndsAreNotPartOfTheValues) {
  EXPECT_EQ(events_of("{\"a\":\"x\"}\r\n{\"b\":2}\r\n{\"c\":true}\r\n"),
            (Events{"object 1: a=x (string)", "object 2: b=2 (number)", "object 3: c=true (boolean)"}));
}

TEST(JsonlReader, FinalLineWithoutNewlineIsRead) {
  EXPECT_EQ(events_of("{\"a\":1}\n{\"b\":2}"), (Events{"object 1: a=1 (number)", "object 2: b=2 (number)"}));
  EXPECT_EQ(events_of("{\"a\":1}\r\n{\"b\":2}\r"), (Events{"object 1: a=1 (number)", "object 2: b=2 (number)"}));
  EXPECT_EQ(events_of("{\"a\":1}\n{\"b\":"), (Events{"object 1: a=1 (number)", "bad 2: invalid_json"}));
}

// ---- The line bound --------------------------------------------------------------------------------

// A line of exactly `n` bytes: {"k":"xxx..."}.
std::string line_of(std::size_t n) { return "{\"k\":\"" + std::string(n - 8, 'x') + "\"}"; }

TEST(JsonlReader, LineOfExactlyMaxLineBytesIsRead) {
  ASSERT_EQ(line_of(32).size(), 32u);
  EXPECT_EQ(events_of(line_of(32) + "\n{\"b\":2}\n", 32),
            (Events{"object 1: k=" + std::string(24, 'x') + " (string)", "object 2: b=2 (number)"}));
}

TEST(JsonlReader, LongerLineIsInvalidJsonAndTheNextLineIsRead) {
  Recorder r = read_jsonl(line_of(33) + "\n\n{\"b\":2}\n" + line_of(100), 32);
  EXPECT_EQ(r.events, (Events{"bad 1: invalid_json", "object 3: b=2 (number)", "bad 4: invalid_json"}));
  EXPECT_NE(r.messages[0].find("longer than 32 bytes"), std::string::npos) << r.messages[0];
}

TEST(JsonlReader, LongerLineFedInSmallChunksIsSkippedOnce) {
  std::string input = line_of(1000) + "\n{\"b\":2}\n";
  for (std::size_t chunk : {1u, 7u, 31u, 32u, 33u, 64u}) {
    EXPECT_EQ(read_jsonl(input, 32, chunk).events, (Events{"bad 1: invalid_json", "object 2: b=2 (number)"}))
        << "chunks of " << chunk;
  }
}

// Regression: the CR of a CRLF line end counted towards max_line_bytes, so a line of exactly
// the bound was read when it ended in LF but rejected when it ended in CRLF.
TEST(JsonlReader, CrOfCrlfDoesNotCountTowardsTheLineBound) {
  EXPECT_EQ(events_of(line_of(32) + "\r\n{\"b\":2}\r\n", 32),
            (Events{"object 1: k=" + std::string(24, 'x') + " (string)", "object 2: b=2 (number)"}));
}

TEST(JsonlReader, CrlfLineOneByteOverTheBoundIsInvalidJson) {
  EXPECT_EQ(events_of(line_of(33) + "\r\n{\"b\":2}\r\n", 32), (Events{"bad 1: invalid_json", "object 2: b=2 (number)"}));
  EXPECT_EQ(events_of(line_of(32) + "\r\r\n{\"b\":2}\n", 32), (Events{"bad 1: invalid_json", "object 2: b=2 (number)"}));
}

TEST(JsonlReader, FinalLineOfExactlyTheBoundIsRead) {
  EXPECT_EQ(events_of("{\"a\":1}\n" + line_of(32), 32),
            (Events{"object 1: a=1 (number)", "object 2: k=" + std::string(24, 'x') + " (string)"}));
  EXPECT_EQ(events_of(line_of(32) + "\r", 32), (Events{"object 1: k=" + std::string(24, 'x') + " (string)"}));
}

// Regression: a last line without a line end could be one byte over max_line_bytes (feed()
// holds one byte more in case it is the CR of a CRLF, and finish() did not check the length).
TEST(JsonlReader, FinalLineOneByteOverTheBoundIsInvalidJson) {
  EXPECT_EQ(events_of("{\"a\":1}\n" + line_of(33), 32), (Events{"object 1: a=1 (number)", "bad 2: invalid_json"}));
}

// ---- Nesting depth ----------------------------------------------------------------------------------

// {"a":{"a":...{"a":1}...}} with `levels` objects in all (the outer one included).
std::string nested_objects(std::size_t levels) {
  std::string s;
  for (std::size_t i = 1; i < levels; ++i) s += "{\"a\":";
  s += "{\"a\":1}";
  s.append(levels - 1, '}');
  return s;
}

std::string dotted_a(std::size_t n) {
  std::string s = "a";
  for (std::size_t i = 1; i < n; ++i) s += ".a";
  return s;
}

TEST(JsonlReader, SixtyFourLevelsOfObjectsAreFlattened) {
  EXPECT_EQ(events_of(nested_objects(64) + "\n"), Events{"object 1: " + dotted_a(64) + "=1 (number)"});
}

TEST(JsonlReader, SixtyFiveLevelsOfObjectsAreInvalidJson) {
  Recorder r = read_jsonl(nested_objects(65) + "\n{\"b\":2}\n");
  EXPECT_EQ(r.events, (Events{"bad 1: invalid_json", "object 2: b=2 (number)"}));
  EXPECT_NE(r.messages[0].find("64 levels"), std::string::npos) << r.messages[0];
}

TEST(JsonlReader, HundredThousandLevelsOfObjectsAreInvalidJsonWithoutACrash) {
  std::string deep = nested_objects(100'000);
  Recorder r = read_jsonl(deep + "\n{\"b\":2}\n", deep.size() + 16);
  EXPECT_EQ(r.events, (Events{"bad 1: invalid_json", "object 2: b=2 (number)"}));
}

TEST(JsonlReader, HundredThousandUnclosedObjectsAreInvalidJsonWithoutACrash) {
  std::string deep;
  for (int i = 0; i < 100'000; ++i) deep += "{\"a\":";
  Recorder r = read_jsonl(deep + "\n{\"b\":2}\n", deep.size() + 16);
  EXPECT_EQ(r.events, (Events{"bad 1: invalid_json", "object 2: b=2 (number)"}));
}

// Regression: the depth limit counted objects only, so 100,000 nested arrays inside an object
// were taken as one array value instead of invalid_json.
TEST(JsonlReader, HundredThousandLevelsOfArraysAreInvalidJson) {
  std::string deep = "{\"a\":" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  Recorder r = read_jsonl(deep + "\n{\"b\":2}\n", deep.size() + 16);
  EXPECT_EQ(r.events, (Events{"bad 1: invalid_json", "object 2: b=2 (number)"}));
}

TEST(JsonlReader, HundredThousandLevelsOfArraysDoNotCrash) {
  std::string deep = "{\"a\":" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  Recorder r = read_jsonl(deep + "\n{\"b\":2}\n", deep.size() + 16);
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[1], "object 2: b=2 (number)");
}

// ---- Chunk independence ---------------------------------------------------------------------------

TEST(JsonlReaderChunks, TrickyInputsGiveTheSameEventsInAnyChunks) {
  const std::string inputs[] = {
      "{\"a\":{\"b\":[1,{\"c\":2}]},\"d\":\"x\\ny\"}\r\n\r\n  \n[1]\n{\"e\":12.50}\n{bad\n\"s\"\n{\"f\":null}",
      "{\"a\":\"caf\xC3\xA9\"}\n{\"a\":\"caf\xE9\"}\r\n{\"z\":{}}\r\n",
      line_of(100) + "\n{\"b\":2}\r\n" + line_of(40) + "\r\n\n" + line_of(32) + "\n" + line_of(33),
      nested_objects(65) + "\n" + nested_objects(64) + "\n",
  };
  for (const std::string& input : inputs) {
    Recorder whole = read_jsonl(input, 32 * 1024);
    Recorder bounded = read_jsonl(input, 32);
    for (std::size_t chunk : {1u, 2u, 3u, 7u, 64u, 4096u}) {
      Recorder r = read_jsonl(input, 32 * 1024, chunk);
      EXPECT_EQ(r.events, whole.events) << "chunks of " << chunk << " for " << show(input);
      EXPECT_EQ(r.messages, whole.messages) << "chunks of " << chunk;
      Recorder b = read_jsonl(input, 32, chunk);
      EXPECT_EQ(b.events, bounded.events) << "bound 32, chunks of " << chunk << " for " << show(input);
      EXPECT_EQ(b.messages, bounded.messages) << "bound 32, chunks of " << chunk;
    }
  }
}

}  // namespace

namespace rowgate::detail {
namespace {

// Regression (found by fuzz_pipeline's review): "[1," is not JSON at all, so it is invalid_json,
// while "[1,2]" is JSON but not an object.
TEST(JsonlReaderBrokenArrays, NotJsonIsInvalidJsonNotNotAnObject) {
  struct Codes : JsonlHandler {
    std::vector<std::string> codes;
    std::vector<std::string> messages;
    void on_object(std::uint64_t, const std::vector<JsonCell>&) override { codes.push_back("object"); }
    void on_bad_line(std::uint64_t, std::string_view code, std::string message) override {
      codes.emplace_back(code);
      messages.push_back(std::move(message));
    }
  } h;
  JsonlReader r(1 << 20, h);
  r.feed("[1,\n[1,2]\n1 2\n7\n");
  r.finish();
  EXPECT_EQ(h.codes, (std::vector<std::string>{"invalid_json", "not_an_object", "invalid_json", "not_an_object"}));
  EXPECT_NE(h.messages[0].find("not valid JSON: syntax error"), std::string::npos) << h.messages[0];
}

}  // namespace
}  // namespace rowgate::detail
