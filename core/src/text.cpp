#include "text.h"

#include <cstring>

#include <charconv>

#include "rowgate/checks.h"

namespace rowgate::detail {

std::string quote_value(std::string_view value) {
  constexpr std::size_t limit = 64;
  std::string out = "\"";
  if (value.size() <= limit) {
    out.append(value);
  } else {
    std::size_t cut = limit;
    // Step back over continuation bytes so a character is never split.
    while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
    out.append(value.substr(0, cut));
    out.append("\xE2\x80\xA6");  // …
  }
  out.push_back('"');
  return out;
}

std::string fold_header(std::string_view header) {
  std::string out;
  out.reserve(header.size());
  for (char c : header) {
    char l = ascii_lower(c);
    if ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || static_cast<unsigned char>(c) >= 0x80)
      out.push_back(l);
  }
  return out;
}

std::size_t utf8_error_offset(std::string_view text) {
  std::size_t i = 0, n = text.size();
  while (i < n) {
    // Eight ASCII bytes at a time.
    while (i + 8 <= n) {
      std::uint64_t v;
      std::memcpy(&v, text.data() + i, 8);
      if (v & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (len == 1 || i + len > n || !checks::valid_utf8(text.substr(i, len))) return i;
    i += len;
  }
  return n;
}

std::string to_valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    std::size_t bad = utf8_error_offset(text);
    out.append(text.substr(0, bad));
    if (bad == text.size()) break;
    out.append("\xEF\xBF\xBD");
    text.remove_prefix(bad + 1);
  }
  return out;
}

std::string to_decimal(std::uint64_t n) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, n);
  return std::string(buf, res.ptr);
}

}  // namespace rowgate::detail
