// Small text helpers shared by the core's parts (ASCII only: no locale).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rowgate::detail {

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }
inline char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
inline char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; }

/// Removes ASCII white space at both ends.
inline std::string_view trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

/// Removes white space at both ends as a person means it: ASCII white space and the Unicode
/// space separators (U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000)
/// and U+FEFF, the set JavaScript's String.prototype.trim removes. Needs valid UTF-8 to strip
/// the non-ASCII ones; other bytes are left as they are.
std::string_view trim_unicode_space(std::string_view s);

inline void append_lower(std::string& out, std::string_view s) {
  std::size_t at = out.size();
  out.resize(at + s.size());
  char* dst = out.data() + at;
  for (std::size_t i = 0; i < s.size(); ++i) dst[i] = ascii_lower(s[i]);
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

/// The value as a message quotes it: at most 64 bytes, cut on a character boundary, with an
/// ellipsis when cut; bytes that are not UTF-8 are shown as U+FFFD by the JSON writer later.
std::string quote_value(std::string_view value);

/// Lower-case ASCII letters and digits only: "Contact E-mail" -> "contactemail".
std::string fold_header(std::string_view header);

/// Offset of the first byte that is not part of well-formed UTF-8 (text.size() if none).
std::size_t utf8_error_offset(std::string_view text);

/// Replaces every byte that is not part of well-formed UTF-8 with U+FFFD.
std::string to_valid_utf8(std::string_view text);

/// Decimal text of an unsigned integer.
std::string to_decimal(std::uint64_t n);

}  // namespace rowgate::detail
