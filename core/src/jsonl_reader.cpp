#include "jsonl_reader.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstring>

#include "rowgate/checks.h"
#include "rowgate/finding.h"
#include "text.h"

namespace rowgate::detail {
namespace {

// "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error ..." -> what
// follows the position. Its "last read" may end inside a character: kept valid UTF-8.
std::string parse_error_text(const nlohmann::detail::exception& ex) {
  std::string_view what = ex.what();
  std::size_t colon = what.find(": ");
  return to_valid_utf8(colon == std::string_view::npos ? what : what.substr(colon + 2));
}

}  // namespace

// A SAX handler that flattens one object into (dotted key, value) cells without building a DOM.
struct JsonlReader::Flattener {
  static constexpr std::uint32_t kMaxDepth = 64;

  struct Cell {
    std::size_t key_begin, key_len, value_begin, value_len;
    JsonKind kind;
  };

  std::string arena;           // keys and values of the cells
  std::vector<Cell> cells;
  std::vector<JsonCell> views;
  std::string path;
  std::vector<std::size_t> path_stack;   // path length at each open object
  std::vector<std::size_t> child_count;  // cells emitted under each open object
  std::uint32_t skip_depth = 0;          // > 0: inside an array, whose contents are not fields
  bool top_seen = false;
  bool not_object = false;
  bool too_deep = false;
  std::string error;

  void reset() {
    arena.clear();
    cells.clear();
    path.clear();
    path_stack.clear();
    child_count.clear();
    skip_depth = 0;
    top_seen = false;
    not_object = false;
    too_deep = false;
    error.clear();
  }

  bool top_value() {
    if (top_seen) return true;
    not_object = true;
    return false;
  }

  void add(JsonKind kind, std::string_view value) {
    Cell c;
    c.key_begin = arena.size();
    c.key_len = path.size();
    arena.append(path);
    c.value_begin = arena.size();
    c.value_len = value.size();
    arena.append(value);
    c.kind = kind;
    cells.push_back(c);
    for (auto& n : child_count) ++n;
  }

  bool scalar(JsonKind kind, std::string_view value) {
    if (!top_value()) return false;
    if (skip_depth == 0) add(kind, value);
    return true;
  }

  // nlohmann SAX interface
  bool null() { return scalar(JsonKind::Null, {}); }
  bool boolean(bool b) { return scalar(JsonKind::Boolean, b ? "true" : "false"); }
  bool number_integer(std::int64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return scalar(JsonKind::Number, std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
  }
  bool number_unsigned(std::uint64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return scalar(JsonKind::Number, std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
  }
  bool number_float(double, const std::string& text) { return scalar(JsonKind::Number, text); }
  bool string(std::string& s) { return scalar(JsonKind::String, s); }
  bool binary(std::vector<std::uint8_t>&) { return scalar(JsonKind::String, {}); }
  bool start_object(std::size_t) {
    if (!top_seen) {
      top_seen = true;
      path_stack.push_back(0);
      child_count.push_back(0);
      return true;
    }
    if (path_stack.size() + skip_depth >= kMaxDepth) {
      too_deep = true;
      return false;
    }
    if (skip_depth > 0) {
      ++skip_depth;
      return true;
    }
    if (path_stack.size() >= kMaxDepth) {
      too_deep = true;
      return false;
    }
    path_stack.push_back(path.size());
    child_count.push_back(0);
    return true;
  }
  bool key(std::string& k) {
    if (skip_depth > 0) return true;
    path.resize(path_stack.back());
    if (!path.empty()) path.push_back('.');
    path.append(k);
    return true;
  }
  bool end_object() {
    if (skip_depth > 0) {
      --skip_depth;
      return true;
    }
    std::size_t children = child_count.back();
    std::size_t len = path_stack.back();
    child_count.pop_back();
    path_stack.pop_back();
    if (!path_stack.empty()) {
      path.resize(len);
      if (children == 0) add(JsonKind::Object, {});  // {} where a value was expected
    }
    return true;
  }
  bool start_array(std::size_t) {
    if (!top_value()) return false;
    if (path_stack.size() + skip_depth >= kMaxDepth) {  // arrays count towards the depth too
      too_deep = true;
      return false;
    }
    if (skip_depth == 0) add(JsonKind::Array, {});
    ++skip_depth;
    return true;
  }
  bool end_array() {
    --skip_depth;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
    error = parse_error_text(ex);
    return false;
  }

  const std::vector<JsonCell>& finish_views() {
    views.clear();
    views.reserve(cells.size());
    for (const Cell& c : cells)
      views.push_back(JsonCell{std::string_view(arena).substr(c.key_begin, c.key_len),
                               std::string_view(arena).substr(c.value_begin, c.value_len), c.kind});
    return views;
  }
};

namespace {

// Accepts any JSON and keeps the parser's message when the text is not JSON: tells a line that
// is JSON but no object ([1,2]) from one that is not JSON at all ([1,).
struct JsonChecker {
  std::string error;
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(std::int64_t) { return true; }
  bool number_unsigned(std::uint64_t) { return true; }
  bool number_float(double, const std::string&) { return true; }
  bool string(std::string&) { return true; }
  bool binary(std::vector<std::uint8_t>&) { return true; }
  bool start_object(std::size_t) { return true; }
  bool key(std::string&) { return true; }
  bool end_object() { return true; }
  bool start_array(std::size_t) { return true; }
  bool end_array() { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
    error = parse_error_text(ex);
    return false;
  }
};

}  // namespace

JsonlReader::JsonlReader(std::uint64_t max_line_bytes, JsonlHandler& handler)
    : max_line_bytes_(max_line_bytes < 16 ? 16 : max_line_bytes), handler_(handler), flattener_(new Flattener) {}

JsonlReader::~JsonlReader() { delete flattener_; }

void JsonlReader::too_long() {
  handler_.on_bad_line(row_, code::invalid_json,
                       "This line is longer than " + to_decimal(max_line_bytes_) +
                           " bytes, the most a record may hold; it was skipped.");
}

void JsonlReader::line(std::string_view text) {
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (trim(text).empty()) return;  // blank lines count as rows but are skipped
  if (!checks::valid_utf8(text)) {
    std::size_t at = utf8_error_offset(text);
    handler_.on_bad_line(row_, code::invalid_encoding,
                         "This line is not valid UTF-8 (the bad byte is byte " + to_decimal(at + 1) +
                             " of the line); save the file as UTF-8 and try again.");
    return;
  }
  // The JSON parser takes a NUL byte for the end of its input and would drop what follows it,
  // so a line with one is reported whole (JSON text never holds a raw NUL).
  if (const void* nul = std::memchr(text.data(), '\0', text.size())) {
    std::size_t at = static_cast<std::size_t>(static_cast<const char*>(nul) - text.data());
    handler_.on_bad_line(row_, code::invalid_encoding,
                         "This line contains a NUL byte (byte " + to_decimal(at + 1) +
                             " of the line), which text never holds; remove it.");
    return;
  }
  Flattener& f = *flattener_;
  f.reset();
  bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &f, nlohmann::json::input_format_t::json, true);
  if (ok) {
    handler_.on_object(row_, f.finish_views());
  } else if (f.not_object) {
    JsonChecker checker;
    if (nlohmann::json::sax_parse(text.begin(), text.end(), &checker, nlohmann::json::input_format_t::json, true))
      handler_.on_bad_line(row_, code::not_an_object, "This line is JSON but not an object; each line must be one {...} record.");
    else
      handler_.on_bad_line(row_, code::invalid_json, "This line is not valid JSON: " + checker.error + ".");
  } else if (f.too_deep) {
    handler_.on_bad_line(row_, code::invalid_json,
                         "This record nests objects or lists more than " + to_decimal(Flattener::kMaxDepth) + " levels deep.");
  } else {
    handler_.on_bad_line(row_, code::invalid_json, "This line is not valid JSON: " + f.error + ".");
  }
}

void JsonlReader::feed(std::string_view data) {
  const char* p = data.data();
  std::size_t n = data.size(), i = 0;
  while (i < n) {
    const void* hit = std::memchr(p + i, '\n', n - i);
    std::size_t end = hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - p) : n;
    if (skipping_) {
      if (!hit) return;
      skipping_ = false;
      ++row_;
      i = end + 1;
      continue;
    }
    // The bound is on the line without its end: a CR right before the LF does not count, and
    // while the LF is still to come one byte more is held in case it is that CR.
    std::size_t length = carry_.size() + (end - i);
    if (hit && length > 0 && (end > i ? p[end - 1] : carry_.back()) == '\r') --length;
    if (length > max_line_bytes_ + (hit ? 0 : 1)) {
      too_long();
      carry_.clear();
      if (!hit) {
        skipping_ = true;
        return;
      }
      ++row_;
      i = end + 1;
      continue;
    }
    if (!hit) {
      carry_.append(p + i, n - i);
      return;
    }
    if (carry_.empty()) {
      line(std::string_view(p + i, end - i));
    } else {
      carry_.append(p + i, end - i);
      line(carry_);
      carry_.clear();
    }
    ++row_;
    i = end + 1;
  }
}

void JsonlReader::finish() {
  if (!skipping_ && !carry_.empty()) {
    std::size_t length = carry_.size() - (carry_.back() == '\r' ? 1 : 0);
    if (length > max_line_bytes_) too_long();  // feed() held one byte more in case of a CR
    else line(carry_);
  }
  carry_.clear();
  skipping_ = false;
}

}  // namespace rowgate::detail
