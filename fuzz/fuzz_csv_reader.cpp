// CsvReader over arbitrary bytes. Properties: no crash; the events (records with their row,
// line and fields, malformed rows) are the same whole and in chunks; rows and lines only go
// forward; no record holds more than the bound; and while no bound can be reached, the events
// are those of a plain reading of RFC 4180 as ARCHITECTURE.md describes it (reference below).
//
// Input: [delimiter] [max_record_bytes] [max_quoted_lines] [chunk sizes (1 + 1..4 bytes)] file
#include <string>
#include <string_view>
#include <vector>

#include "csv_reader.h"
#include "fuzz_target.h"
#include "rowgate/checks.h"

namespace rowgate::fuzz {

using namespace std::string_view_literals;

// Sniffed with a default reader; then "," with small bounds, chunks of 7 and 4096 bytes; then ";"
// byte by byte.
const std::vector<std::string_view> kSeedPrefixes = {"\x00\x00\x00\x00\x00"sv, "\x01\x40\x03\x01\x07\x87"sv,
                                                     "\x02\x00\x00\x00\x01"sv};
const std::string_view kSeedFilePrefix = "input";

namespace {

struct Event {
  bool record = true;
  std::uint64_t row = 0;
  std::uint64_t line = 0;
  std::vector<std::string> fields;  // records
  bool encoding_ok = true;
  int field = -1;                   // bad_quote_field for records, the malformed field otherwise
  std::string message;              // malformed only

  bool operator==(const Event&) const = default;
};

std::string describe(const Event& e) {
  std::string s = (e.record ? "record row " : "malformed row ") + std::to_string(e.row) + " line " +
                  std::to_string(e.line) + " field " + std::to_string(e.field);
  if (e.record) {
    s += " encoding_ok " + std::to_string(e.encoding_ok) + " fields:";
    for (const auto& f : e.fields) s += " [" + f + "]";
  } else {
    s += " message: " + e.message;
  }
  return s;
}

std::string describe_difference(const std::vector<Event>& a, const std::vector<Event>& b) {
  return first_event_difference(a, b, [](const Event& e) { return describe(e); });
}

class Recorder : public detail::CsvHandler {
 public:
  explicit Recorder(std::uint64_t max_record_bytes) : max_record_bytes_(max_record_bytes) {}

  void on_record(const detail::CsvRecord& r) override {
    ROWGATE_FUZZ_CHECK(r.count >= 1, "a record has no field");
    ROWGATE_FUZZ_CHECK(r.bad_quote_field >= -1 && r.bad_quote_field < static_cast<int>(r.count));
    Event e;
    e.row = r.row;
    e.line = r.line;
    e.encoding_ok = r.encoding_ok;
    e.field = r.bad_quote_field;
    std::uint64_t bytes = 0;
    for (std::size_t i = 0; i < r.count; ++i) {
      e.fields.emplace_back(r.fields[i]);
      bytes += r.fields[i].size();
    }
    ROWGATE_FUZZ_CHECK(bytes <= max_record_bytes_, "a record holds more than max_record_bytes");
    add(std::move(e));
  }

  void on_malformed(std::uint64_t row, std::uint64_t line, int field, std::string message) override {
    ROWGATE_FUZZ_CHECK(field >= -1);
    ROWGATE_FUZZ_CHECK(!message.empty() && checks::valid_utf8(message), "a malformed row's message");
    Event e;
    e.record = false;
    e.row = row;
    e.line = line;
    e.field = field;
    e.message = std::move(message);
    add(std::move(e));
  }

  std::vector<Event> events;

 private:
  void add(Event e) {
    // A row is one record or one blank line; a line is a physical line: both only go forward,
    // and a record never starts on a line before its row (lines >= rows).
    ROWGATE_FUZZ_CHECK(e.row >= 1 && e.line >= e.row, describe(e));
    if (!events.empty()) {
      ROWGATE_FUZZ_CHECK(e.row > events.back().row && e.line > events.back().line,
                         describe(events.back()) + "\nthen\n" + describe(e));
    }
    events.push_back(std::move(e));
  }
  std::uint64_t max_record_bytes_;
};

// The reading ARCHITECTURE.md and csv_reader.h describe, written plainly over the whole text:
// fields split by the delimiter, records by LF, CRLF or CR; "" inside quotes is one quote;
// text after a closing quote keeps the field's bytes as they are (and is reported); a blank
// line is a row but no record; line breaks inside quotes advance `line` (CRLF counts once);
// an unclosed quote is a malformed row, and reading goes on after the first line break that
// follows the record's start. Returns false when a bound of the reader could be reached,
// since what happens then is the reader's own business.
bool reference(std::string_view t, char delimiter, std::uint64_t max_record_bytes, std::uint32_t max_quoted_lines,
               std::vector<Event>& out) {
  if (t.size() > max_record_bytes) return false;
  const std::size_t n = t.size();
  std::uint64_t row = 1, line = 1;
  std::size_t pos = 0;
  auto is_break = [](char c) { return c == '\n' || c == '\r'; };
  auto skip_break = [&](std::size_t at) {  // the position after the line break at `at`
    std::size_t next = at + 1;
    if (t[at] == '\r' && next < n && t[next] == '\n') ++next;
    return next;
  };
  while (pos < n) {
    if (is_break(t[pos])) {  // a blank line
      ++row;
      ++line;
      pos = skip_break(pos);
      continue;
    }
    const std::size_t start = pos;
    Event e;
    std::uint64_t breaks = 0;
    bool unclosed = false;
    for (;;) {  // one field per turn; pos is at the field's first byte (or at the end)
      if (pos < n && t[pos] == '"') {
        const std::size_t quote = pos++;
        std::string value;
        std::uint32_t field_breaks = 0;
        bool prev_cr = false, closed = false;
        while (pos < n) {
          char c = t[pos];
          if (c == '"') {
            if (pos + 1 < n && t[pos + 1] == '"') {
              value += '"';
              pos += 2;
              prev_cr = false;
              continue;
            }
            closed = true;
            ++pos;
            break;
          }
          if (is_break(c)) {
            if (!(c == '\n' && prev_cr)) {
              ++breaks;
              if (++field_breaks > max_quoted_lines) return false;
            }
            prev_cr = c == '\r';
          } else {
            prev_cr = false;
          }
          value += c;
          ++pos;
        }
        if (!closed) {
          unclosed = true;
          e.field = static_cast<int>(e.fields.size());
          break;
        }
        if (pos < n && t[pos] != delimiter && !is_break(t[pos])) {
          // Text after the closing quote: the field is its bytes as written, to the next delimiter.
          if (e.field < 0) e.field = static_cast<int>(e.fields.size());
          while (pos < n && t[pos] != delimiter && !is_break(t[pos])) ++pos;
          value.assign(t.substr(quote, pos - quote));
        }
        e.fields.push_back(std::move(value));
      } else {
        std::size_t end = pos;
        while (end < n && t[end] != delimiter && !is_break(t[end])) ++end;
        e.fields.emplace_back(t.substr(pos, end - pos));
        pos = end;
      }
      if (pos < n && t[pos] == delimiter) {
        ++pos;
        continue;
      }
      break;  // a line break or the end
    }
    if (unclosed) {
      Event m;
      m.record = false;
      m.row = row++;
      m.line = line++;
      m.field = e.field;
      out.push_back(std::move(m));
      std::size_t k = start;
      while (k < n && !is_break(t[k])) ++k;
      if (k == n) break;
      pos = skip_break(k);
      continue;
    }
    std::string_view bytes = t.substr(start, pos - start);
    e.row = row;
    e.line = line;
    e.encoding_ok = bytes.find('\0') == std::string_view::npos && checks::valid_utf8(bytes);
    out.push_back(std::move(e));
    ++row;
    line += 1 + breaks;
    if (pos < n) pos = skip_break(pos);
  }
  return true;
}

}  // namespace
}  // namespace rowgate::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rowgate;
  using namespace rowgate::fuzz;
  Input in(data, size);
  const std::uint8_t d = in.byte();
  const std::uint8_t b = in.byte();
  const std::uint8_t q = in.byte();
  const std::vector<std::size_t> chunks = read_chunk_sizes(in);
  const std::string_view text = in.rest();

  static constexpr char kDelimiters[] = {0, ',', ';', '\t', '|'};
  char delimiter = kDelimiters[d % 5];
  if (delimiter == 0) delimiter = detail::sniff_delimiter(text, true);
  ROWGATE_FUZZ_CHECK(delimiter == ',' || delimiter == ';' || delimiter == '\t' || delimiter == '|');
  // 0: the default; small values (the reader raises them to 16) and a few larger ones.
  const std::uint64_t max_record_bytes = b == 0 ? (1u << 20) : b < 200 ? b : (b - 199u) * 64;
  const std::uint32_t max_quoted_lines = q == 0 ? 100 : (q - 1u) % 32;
  const std::uint64_t bound = max_record_bytes < 16 ? 16 : max_record_bytes;

  Recorder whole(bound);
  {
    detail::CsvReader reader(delimiter, max_record_bytes, max_quoted_lines, whole);
    reader.feed(text);
    reader.finish();
  }
  Recorder chunked(bound);
  {
    detail::CsvReader reader(delimiter, max_record_bytes, max_quoted_lines, chunked);
    feed_in_chunks(text, chunks, [&](std::string_view piece) { reader.feed(piece); });
    reader.finish();
  }
  ROWGATE_FUZZ_CHECK(whole.events == chunked.events, "chunked differs from whole\n" +
                                                         describe_difference(whole.events, chunked.events));

  std::vector<Event> expected;
  if (reference(text, delimiter, bound, max_quoted_lines, expected)) {
    std::vector<Event> got = whole.events;
    for (Event& e : got) e.message.clear();  // the reference does not word messages
    ROWGATE_FUZZ_CHECK(got == expected, "the reader differs from the reference reading (first: reader)\n" +
                                            describe_difference(got, expected));
  }
  return 0;
}
