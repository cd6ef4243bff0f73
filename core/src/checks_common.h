// What the value checks share: character classes, reason tables and UTF-8 sequences. Internal
// to core/src/checks*.cpp; everything here has internal linkage.
#pragma once

#include <array>
#include <bit>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

namespace rowgate::checks {
namespace {

using u8 = unsigned char;

constexpr bool is_digit(u8 c) { return static_cast<u8>(c - '0') < 10; }
constexpr bool is_upper(u8 c) { return static_cast<u8>(c - 'A') < 26; }
constexpr bool is_alpha(u8 c) { return static_cast<u8>((c | 0x20) - 'a') < 26; }
constexpr bool is_hex(u8 c) { return is_digit(c) || static_cast<u8>((c | 0x20) - 'a') < 6; }
constexpr char to_lower(char c) {
  return is_upper(static_cast<u8>(c)) ? static_cast<char>(c | 0x20) : c;
}
constexpr bool is_tab_or_newline(u8 c) { return c == '\t' || c == '\n' || c == '\r'; }

// `text` (already lower case) equals `value` ignoring ASCII letter case.
constexpr bool equals_lower(std::string_view value, std::string_view text) {
  if (value.size() != text.size()) return false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (to_lower(value[i]) != text[i]) return false;
  }
  return true;
}

inline void lower_ascii(std::string& text, std::size_t begin, std::size_t end) {
  for (std::size_t i = begin; i < end; ++i) text[i] = to_lower(text[i]);
}

// ---------------------------------------------------------------------------------------------
// Reasons that name one offending character: `<prefix>"x"` for every printable ASCII
// character, built at compile time so that a reason is always a static string.

template <std::size_t N>
struct CharReasons {
  char text[95][N];  // one per character 0x20 (space) .. 0x7E (~)
};

template <std::size_t PrefixSize>
constexpr CharReasons<PrefixSize + 16> make_char_reasons(const char (&prefix)[PrefixSize]) {
  CharReasons<PrefixSize + 16> table{};
  for (int c = 0x20; c < 0x7F; ++c) {
    char* out = table.text[c - 0x20];
    std::size_t i = 0;
    for (std::size_t k = 0; k + 1 < PrefixSize; ++k) out[i++] = prefix[k];
    const std::string_view name = c == ' ' ? "a space" : c == '"' ? "a quotation mark" : "";
    if (name.empty()) {
      out[i++] = '"';
      out[i++] = static_cast<char>(c);
      out[i++] = '"';
    } else {
      for (char n : name) out[i++] = n;
    }
    out[i] = '\0';
  }
  return table;
}

template <std::size_t N>
constexpr const char* char_reason(const CharReasons<N>& table, u8 c, const char* control,
                                  const char* non_ascii) {
  if (c >= 0x80) return non_ascii;
  if (c < 0x20 || c == 0x7F) return control;
  return table.text[c - 0x20];
}

constexpr auto kLocalPartReasons = make_char_reasons("the part before the @ contains ");
constexpr auto kDomainReasons = make_char_reasons("the domain contains ");
constexpr auto kHostReasons = make_char_reasons("the host contains ");
constexpr auto kValueReasons = make_char_reasons("it contains ");

inline const char* value_char_reason(char c) {
  return char_reason(kValueReasons, static_cast<u8>(c), "it contains a control character",
                     "it contains a non-ASCII character");
}

// ---------------------------------------------------------------------------------------------
// UTF-8

// The length of the well-formed UTF-8 sequence that starts at p (a byte >= 0x80), or 0.
inline int utf8_sequence(const u8* p, const u8* end) {
  const u8 c = p[0];
  const std::ptrdiff_t available = end - p;
  if (c < 0xC2) return 0;  // a continuation byte, or an overlong two-byte form (C0, C1)
  if (c < 0xE0) return available >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c < 0xF0) {
    if (available < 3) return 0;
    const u8 low = c == 0xE0 ? 0xA0 : 0x80;   // E0 80..9F would be overlong
    const u8 high = c == 0xED ? 0x9F : 0xBF;  // ED A0..BF would be a surrogate
    return p[1] >= low && p[1] <= high && (p[2] & 0xC0) == 0x80 ? 3 : 0;
  }
  if (c < 0xF5) {
    if (available < 4) return 0;
    const u8 low = c == 0xF0 ? 0x90 : 0x80;   // F0 80..8F would be overlong
    const u8 high = c == 0xF4 ? 0x8F : 0xBF;  // F4 90.. would be above U+10FFFF
    return p[1] >= low && p[1] <= high && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80 ? 4
                                                                                      : 0;
  }
  return 0;
}

constexpr std::uint64_t kHighBits = 0x8080808080808080u;

}  // namespace
}  // namespace rowgate::checks
