// The JSONL reader: one JSON object per line, nested objects flattened to dotted keys
// ({"customFields": {"tier": "gold"}} is customFields.tier). Fed in chunks; memory is bounded
// by the longest line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rowgate::detail {

enum class JsonKind : std::uint8_t { String, Number, Boolean, Null, Array, Object };

struct JsonCell {
  std::string_view key;    ///< dotted path, e.g. "customFields.tier"
  std::string_view value;  ///< decoded string, number as written (integers canonical: -0 is 0),
                           ///< "true"/"false"; empty otherwise
  JsonKind kind = JsonKind::String;
};

class JsonlHandler {
 public:
  virtual ~JsonlHandler() = default;
  virtual void on_object(std::uint64_t row, const std::vector<JsonCell>& cells) = 0;
  /// A line that is not an object: `code` is invalid_json, not_an_object or invalid_encoding.
  virtual void on_bad_line(std::uint64_t row, std::string_view code, std::string message) = 0;
};

class JsonlReader {
 public:
  JsonlReader(std::uint64_t max_line_bytes, JsonlHandler& handler);
  ~JsonlReader();
  void feed(std::string_view data);
  void finish();

 private:
  void line(std::string_view text);
  void too_long();

  struct Flattener;
  const std::uint64_t max_line_bytes_;
  JsonlHandler& handler_;
  std::uint64_t row_ = 1;
  std::string carry_;
  bool skipping_ = false;
  Flattener* flattener_;
};

}  // namespace rowgate::detail
