// JsonlReader over arbitrary bytes. Properties: no crash; the events (objects with their cells,
// bad lines with their code and message) are the same whole and in chunks; rows only go
// forward; and each line's outcome agrees with what the line is: too long, not UTF-8, not JSON,
// JSON but not an object, nested too deep, or an object whose cells have well-formed values.
//
// Input: [max_line_bytes] [chunk sizes (1 + 1..4 bytes)] file
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "fuzz_target.h"
#include "jsonl_reader.h"
#include "rowgate/checks.h"
#include "rowgate/finding.h"

namespace rowgate::fuzz {

using namespace std::string_view_literals;

// The default reader byte by byte; then lines of at most 64 bytes in chunks of 7 and 4096.
const std::vector<std::string_view> kSeedPrefixes = {"\x00\x00\x01"sv, "\x40\x01\x07\x87"sv};
const std::string_view kSeedFilePrefix = "input";

namespace {

using detail::JsonCell;
using detail::JsonKind;

struct Event {
  std::uint64_t row = 0;
  std::string code;  // "" for an object
  std::string message;
  std::vector<std::tuple<std::string, std::string, JsonKind>> cells;

  bool operator==(const Event&) const = default;
};

std::string describe(const Event& e) {
  std::string s = "row " + std::to_string(e.row) + " " + (e.code.empty() ? "object" : e.code + ": " + e.message);
  for (const auto& [key, value, kind] : e.cells)
    s += "\n  [" + key + "] = [" + value + "] kind " + std::to_string(static_cast<int>(kind));
  return s;
}

std::string describe_difference(const std::vector<Event>& a, const std::vector<Event>& b) {
  return first_event_difference(a, b, [](const Event& e) { return describe(e); });
}

class Recorder : public detail::JsonlHandler {
 public:
  void on_object(std::uint64_t row, const std::vector<JsonCell>& cells) override {
    Event e;
    e.row = row;
    for (const JsonCell& c : cells) {
      switch (c.kind) {
        case JsonKind::Boolean:
          ROWGATE_FUZZ_CHECK(c.value == "true" || c.value == "false", std::string(c.value));
          break;
        case JsonKind::Number:
          ROWGATE_FUZZ_CHECK(nlohmann::json::accept(c.value) && nlohmann::json::parse(c.value, nullptr, false).is_number(),
                             "a number cell is not a JSON number: " + std::string(c.value));
          break;
        case JsonKind::Null:
        case JsonKind::Array:
        case JsonKind::Object:
          ROWGATE_FUZZ_CHECK(c.value.empty(), "a cell without a value has one: " + std::string(c.value));
          break;
        case JsonKind::String:
          ROWGATE_FUZZ_CHECK(checks::valid_utf8(c.value), "a string cell is not UTF-8");
          break;
      }
      e.cells.emplace_back(std::string(c.key), std::string(c.value), c.kind);
    }
    add(std::move(e));
  }

  void on_bad_line(std::uint64_t row, std::string_view code, std::string message) override {
    ROWGATE_FUZZ_CHECK(code == rowgate::code::invalid_json || code == rowgate::code::not_an_object ||
                           code == rowgate::code::invalid_encoding,
                       std::string(code));
    ROWGATE_FUZZ_CHECK(!message.empty() && checks::valid_utf8(message), "a bad line's message");
    Event e;
    e.row = row;
    e.code = std::string(code);
    e.message = std::move(message);
    add(std::move(e));
  }

  std::vector<Event> events;

 private:
  void add(Event e) {
    ROWGATE_FUZZ_CHECK(e.row >= 1 && (events.empty() || e.row > events.back().row), describe(e));
    events.push_back(std::move(e));
  }
};

// The deepest nesting of objects and arrays in valid JSON text (the top object is level 1).
std::size_t nesting(std::string_view json) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : json) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

// What each line must give, from the whole text (rows are 1-based line numbers).
void check_lines(std::string_view text, std::uint64_t max_line_bytes, const std::vector<Event>& events) {
  std::size_t next = 0;  // the next event to match
  std::uint64_t row = 1;
  for (std::size_t at = 0; at <= text.size(); ++row) {
    std::size_t end = text.find('\n', at);
    bool last = end == std::string_view::npos;
    if (last) end = text.size();
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const Event* e = next < events.size() && events[next].row == row ? &events[next] : nullptr;
    std::string where = "line " + std::to_string(row) + ": ";
    if (line.size() > max_line_bytes) {
      ROWGATE_FUZZ_CHECK(e && e->code == "invalid_json" && e->message.find("longer than") != std::string::npos,
                         where + "too long, but " + (e ? describe(*e) : "no event"));
    } else if (line.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos) {
      ROWGATE_FUZZ_CHECK(!e, where + "blank, but " + (e ? describe(*e) : ""));
    } else if (!checks::valid_utf8(line)) {
      ROWGATE_FUZZ_CHECK(e && e->code == "invalid_encoding", where + "not UTF-8, but " + (e ? describe(*e) : "no event"));
    } else if (line.find('\0') != std::string_view::npos) {
      // nlohmann stops at a NUL as at the end of its input, so it cannot judge such a line.
      ROWGATE_FUZZ_CHECK(e && e->code == "invalid_encoding" && e->message.find("NUL") != std::string::npos,
                         where + "holds a NUL, but " + (e ? describe(*e) : "no event"));
    } else if (!nlohmann::json::accept(line)) {
      // A line that starts like an array or a scalar may be called not an object before the
      // parser sees it is broken; it is never an object.
      ROWGATE_FUZZ_CHECK(e && (e->code == "invalid_json" || e->code == "not_an_object"),
                         where + "not JSON, but " + (e ? describe(*e) : "no event"));
    } else if (line[line.find_first_not_of(" \t\r\n")] != '{') {
      ROWGATE_FUZZ_CHECK(e && e->code == "not_an_object", where + "JSON but not an object, but " + (e ? describe(*e) : "no event"));
    } else if (nesting(line) > 64) {
      ROWGATE_FUZZ_CHECK(e && e->code == "invalid_json" && e->message.find("levels deep") != std::string::npos,
                         where + "nested too deep, but " + (e ? describe(*e) : "no event"));
    } else {
      ROWGATE_FUZZ_CHECK(e && e->code.empty(), where + "an object, but " + (e ? describe(*e) : "no event"));
    }
    if (e) ++next;
    if (last) break;
  }
  ROWGATE_FUZZ_CHECK(next == events.size(), "an event for no line: " + describe(events[next]));
}

}  // namespace
}  // namespace rowgate::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rowgate;
  using namespace rowgate::fuzz;
  Input in(data, size);
  const std::uint8_t b = in.byte();
  const std::vector<std::size_t> chunks = read_chunk_sizes(in);
  const std::string_view text = in.rest();
  const std::uint64_t max_line_bytes = b == 0 ? (1u << 20) : b < 200 ? b : (b - 199u) * 64;

  Recorder whole;
  {
    detail::JsonlReader reader(max_line_bytes, whole);
    reader.feed(text);
    reader.finish();
  }
  Recorder chunked;
  {
    detail::JsonlReader reader(max_line_bytes, chunked);
    feed_in_chunks(text, chunks, [&](std::string_view piece) { reader.feed(piece); });
    reader.finish();
  }
  ROWGATE_FUZZ_CHECK(whole.events == chunked.events,
                     "chunked differs from whole\n" + describe_difference(whole.events, chunked.events));
  check_lines(text, max_line_bytes < 16 ? 16 : max_line_bytes, whole.events);
  return 0;
}
