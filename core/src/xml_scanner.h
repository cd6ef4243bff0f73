// A streaming XML tokenizer for the parts of a workbook: start and end tags, text, CDATA.
// Just what SpreadsheetML needs and nothing a hostile part could abuse: no DTD (a DOCTYPE is
// an error, so no entity can expand), only the five predefined entities and character
// references, every token bounded in size, end tags checked against their start tags.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rowgate::detail {

struct XmlEvent {
  enum class Type { Start, End, Text };
  Type type = Type::Text;
  std::string_view name;   ///< the local name (any namespace prefix left out)
  std::string_view attrs;  ///< Start: the raw attribute text
  bool empty = false;      ///< Start: a self-closing tag (<c/>); no End follows
  std::string_view text;   ///< Text: the raw text, references not yet decoded
  bool cdata = false;      ///< Text: from a CDATA section (taken as it is)
};

class XmlScanner {
 public:
  enum class Next { Event, NeedMore, End, Error };

  /// `max_token`: the longest tag or text run accepted.
  explicit XmlScanner(std::size_t max_token) : max_token_(max_token) {}

  /// Appends the next bytes of the part. Views of earlier events become invalid.
  void feed(std::string_view bytes);
  /// No more bytes will come.
  void finish() { finished_ = true; }

  /// The next event; NeedMore when the buffered bytes end inside a token, End after the root
  /// element's end (or at the end of the bytes, which is an error if an element is still open).
  Next next(XmlEvent* event);
  const std::string& error() const { return error_; }
  /// The bytes not yet taken (valid until the next feed), for a caller that reads the
  /// commonest elements of a part itself; it must take whole elements only (skip), so that the
  /// elements open stay as they are.
  std::string_view pending() const { return std::string_view(buffer_).substr(at_); }
  void skip(std::size_t n) { at_ += n; }
  /// Elements open now.
  std::size_t depth() const { return depth_; }

 private:
  Next fail(std::string why);

  std::size_t max_token_;
  std::string buffer_;
  std::size_t at_ = 0;
  bool finished_ = false;
  bool failed_ = false;
  std::vector<std::uint64_t> open_;  // the open elements, by a hash of their names
  std::size_t depth_ = 0;
  bool root_closed_ = false;
  std::string error_;
};

/// Calls fn(local_name, raw_value) for each attribute of `attrs`, in one pass.
template <typename Fn>
void each_attribute(std::string_view attrs, Fn&& fn) {
  const std::size_t n = attrs.size();
  std::size_t i = 0;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (i < n) {
    while (i < n && space(attrs[i])) ++i;
    const std::size_t start = i;
    while (i < n && attrs[i] != '=' && !space(attrs[i])) ++i;
    std::string_view key = attrs.substr(start, i - start);
    while (i < n && space(attrs[i])) ++i;
    if (i >= n || attrs[i] != '=') return;
    ++i;
    while (i < n && space(attrs[i])) ++i;
    if (i >= n || (attrs[i] != '"' && attrs[i] != '\'')) return;
    const char quote = attrs[i++];
    const std::size_t end = attrs.find(quote, i);
    if (end == std::string_view::npos) return;
    const std::size_t colon = key.rfind(':');
    fn(colon == std::string_view::npos ? key : key.substr(colon + 1), attrs.substr(i, end - i));
    i = end + 1;
  }
}

/// The raw value of the attribute with that local name in `attrs`; false when absent.
bool xml_attribute(std::string_view attrs, std::string_view name, std::string_view* value);

/// Appends `raw` to `out` with entity and character references decoded and line ends
/// normalised to \n; false, with `error`, on a reference XML does not define.
bool xml_decode(std::string_view raw, std::string* out, std::string* error);

/// Decodes SpreadsheetML's escapes of characters XML cannot hold ("_x000D_" for a carriage
/// return; "_x005F_" for the underscore that starts one) in place.
void decode_ooxml_escapes(std::string* text);

}  // namespace rowgate::detail
