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

// The length of the Unicode space (as trim_unicode_space takes it) that starts or ends `s` at
// its front (`front`) or back, 0 when there is none.
static std::size_t unicode_space_at(std::string_view s, bool front) {
  if (s.empty()) return 0;
  if (is_space(front ? s.front() : s.back())) return 1;
  for (std::size_t n : {2u, 3u}) {
    if (s.size() < n) break;
    std::string_view c = front ? s.substr(0, n) : s.substr(s.size() - n);
    const auto b = [&](std::size_t i) { return static_cast<unsigned char>(c[i]); };
    if (n == 2 && b(0) == 0xC2 && b(1) == 0xA0) return 2;  // U+00A0
    if (n == 3) {
      const unsigned cp = (b(0) & 0x0Fu) << 12 | (b(1) & 0x3Fu) << 6 | (b(2) & 0x3Fu);
      if ((b(0) & 0xF0u) != 0xE0u || (b(1) & 0xC0u) != 0x80u || (b(2) & 0xC0u) != 0x80u) continue;
      if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
          cp == 0x205F || cp == 0x3000 || cp == 0xFEFF)
        return 3;
    }
  }
  return 0;
}

std::string_view trim_unicode_space(std::string_view s) {
  while (std::size_t n = unicode_space_at(s, true)) s.remove_prefix(n);
  while (std::size_t n = unicode_space_at(s, false)) s.remove_suffix(n);
  return s;
}

}  // namespace rowgate::detail
