#include "decoder.h"

#include <array>
#include <cstring>

#include "rowgate/checks.h"

namespace rowgate::detail {
namespace {

// Windows-1252 0x80..0x9F; 0 marks the five bytes the code page leaves undefined.
constexpr std::uint16_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// File types that are never text, told by their first bytes.
std::string signature_kind(std::string_view prefix) {
  if (starts_with(prefix, "PK\x03\x04") || starts_with(prefix, "PK\x05\x06"))
    return "This is a ZIP archive (an Excel .xlsx workbook is one), not a CSV or JSONL file: read it as a "
           "workbook (format xlsx), or save it as \"CSV UTF-8\" and upload that.";
  if (starts_with(prefix, "\xD0\xCF\x11\xE0"))
    return "This is an old Excel (.xls) or Office file, not a CSV or JSONL file: save it as an Excel "
           "Workbook (.xlsx) or as \"CSV UTF-8\" and upload that.";
  if (starts_with(prefix, "%PDF")) return "This is a PDF document, not a CSV or JSONL file.";
  if (starts_with(prefix, "\x1F\x8B")) return "This is a gzip-compressed file: decompress it first.";
  return {};
}

// Text that is not UTF-16 holds few NUL and control bytes; binary data holds many.
std::string binary_kind(std::string_view prefix) {
  std::size_t nul = 0, control = 0;
  for (char ch : prefix) {
    auto c = static_cast<unsigned char>(ch);
    if (c == 0) ++nul;
    else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') ++control;
  }
  // A few stray NUL bytes are reported on their rows; this many means the file is not text.
  if ((nul >= 8 && nul * 1000 >= prefix.size()) || (control >= 8 && control * 100 >= prefix.size()))
    return "This file holds binary data (NUL or control bytes), not CSV or JSONL text.";
  return {};
}

// UTF-16 without a byte-order mark shows as a zero in every other byte of ASCII text.
Encoding sniff_utf16(std::string_view prefix) {
  std::size_t n = prefix.size() < 4096 ? prefix.size() : 4096;
  n &= ~static_cast<std::size_t>(1);
  if (n < 8) return Encoding::Auto;
  std::size_t even = 0, odd = 0;
  for (std::size_t i = 0; i < n; i += 2) {
    if (prefix[i] == 0) ++even;
    if (prefix[i + 1] == 0) ++odd;
  }
  std::size_t units = n / 2;
  if (odd * 10 >= units * 6 && even * 20 <= units) return Encoding::Utf16Le;
  if (even * 10 >= units * 6 && odd * 20 <= units) return Encoding::Utf16Be;
  return Encoding::Auto;
}

// What a byte from 0x80 up is in windows-1252: undefined, a letter, or another character.
enum Cp1252Class : std::uint8_t { kCpUndefined, kCpLetter, kCpOther };

constexpr std::array<std::uint8_t, 128> make_cp1252_classes() {
  std::array<std::uint8_t, 128> table{};
  for (std::size_t b = 0x80; b < 0x100; ++b) {
    std::uint8_t c = kCpOther;
    if (b < 0xA0 && kCp1252High[b - 0x80] == 0) c = kCpUndefined;
    // ƒ Š Œ Ž š œ ž Ÿ, ª µ º, and À..ÿ but for × and ÷.
    if (b == 0x83 || b == 0x8A || b == 0x8C || b == 0x8E || b == 0x9A || b == 0x9C || b == 0x9E || b == 0x9F ||
        b == 0xAA || b == 0xB5 || b == 0xBA || (b >= 0xC0 && b != 0xD7 && b != 0xF7))
      c = kCpLetter;
    table[b - 0x80] = c;
  }
  return table;
}
constexpr std::array<std::uint8_t, 128> kCp1252Classes = make_cp1252_classes();

// The guess that a file which is not UTF-8 is windows-1252 (docs/templates.md says the same):
// there is a byte from 0x80 up, and every such byte
// - is a character windows-1252 defines (not 0x81, 0x8D, 0x8F, 0x90 or 0x9D),
// - has a letter right before or after it (A-Z, a-z, or a letter of windows-1252), as accented
//   letters do ("Café", "Müller", “Naïve”); a stray "\xC3(" or "5\x80" is reported, not read,
// - and does not start what is shaped like a UTF-8 sequence: 0xC0..0xDF followed by one byte
//   0x80..0xBF, 0xE0..0xEF by two, 0xF0..0xF7 by three. Valid, such a sequence means the file is
//   (partly) UTF-8; invalid (an overlong form such as C0 AF, a surrogate such as ED A0 80, a code
//   point past U+10FFFF such as F4 BF BF BF), it means broken UTF-8, which is invalid_encoding.
bool looks_like_cp1252(std::string_view prefix, bool at_eof) {
  // A multi-byte sequence may be cut by the end of the prefix: the last 3 bytes are judged only
  // as the neighbours or continuation bytes of those before them.
  const std::size_t end = at_eof ? prefix.size() : prefix.size() > 3 ? prefix.size() - 3 : 0;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(prefix[k]); };
  const auto letter = [&](std::size_t k) {
    if (k >= prefix.size()) return false;
    const unsigned char b = byte(k);
    return b >= 0x80 ? kCp1252Classes[b - 0x80] == kCpLetter : ((b | 0x20) >= 'a' && (b | 0x20) <= 'z');
  };
  bool high = false;
  for (std::size_t i = 0; i < end; ++i) {
    const unsigned char c = byte(i);
    if (c < 0x80) continue;
    high = true;
    if (kCp1252Classes[c - 0x80] == kCpUndefined) return false;
    if (!(i > 0 && letter(i - 1)) && !letter(i + 1)) return false;
    const std::size_t trail = c >= 0xF8 ? 0 : c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (trail == 0 || i + trail >= prefix.size()) continue;
    std::size_t k = 1;
    while (k <= trail && (byte(i + k) & 0xC0) == 0x80) ++k;
    if (k > trail) return false;
  }
  return high;
}

}  // namespace

std::string_view encoding_name(Encoding encoding) {
  switch (encoding) {
    case Encoding::Utf16Le: return "utf-16le";
    case Encoding::Utf16Be: return "utf-16be";
    case Encoding::Windows1252: return "windows-1252";
    default: return "utf-8";
  }
}

Detection detect_encoding(std::string_view prefix, bool at_eof, Encoding requested) {
  Detection d;
  bool bom8 = starts_with(prefix, "\xEF\xBB\xBF");
  bool bom_le = starts_with(prefix, "\xFF\xFE");
  bool bom_be = starts_with(prefix, "\xFE\xFF");
  if (requested != Encoding::Auto) {
    d.encoding = requested;
    if (requested == Encoding::Utf8 && bom8) d.bom_length = 3;
    if (requested == Encoding::Utf16Le && bom_le) d.bom_length = 2;
    if (requested == Encoding::Utf16Be && bom_be) d.bom_length = 2;
    return d;
  }
  if (bom8) {
    d.bom_length = 3;
    return d;
  }
  if (bom_le || bom_be) {
    d.encoding = bom_le ? Encoding::Utf16Le : Encoding::Utf16Be;
    d.bom_length = 2;
    return d;
  }
  d.binary = signature_kind(prefix);
  if (!d.binary.empty()) return d;
  Encoding utf16 = sniff_utf16(prefix);
  if (utf16 != Encoding::Auto) {
    d.encoding = utf16;
    return d;
  }
  d.binary = binary_kind(prefix);
  if (!d.binary.empty()) return d;
  if (!checks::valid_utf8(prefix) && looks_like_cp1252(prefix, at_eof)) d.encoding = Encoding::Windows1252;
  return d;
}

void Decoder::put_code_point(std::uint32_t cp) {
  if (cp < 0x80) {
    out_.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out_.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out_.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out_.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out_.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out_.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out_.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void Decoder::put_utf16_unit(std::uint16_t unit) {
  if (high_surrogate_) {
    if (unit >= 0xDC00 && unit <= 0xDFFF) {
      put_code_point(0x10000 + ((high_surrogate_ - 0xD800) << 10) + (unit - 0xDC00));
      high_surrogate_ = 0;
      return;
    }
    out_.push_back('\xFF');  // a high surrogate with no low one after it
    high_surrogate_ = 0;
  }
  if (unit >= 0xD800 && unit <= 0xDBFF) high_surrogate_ = unit;
  else if (unit >= 0xDC00 && unit <= 0xDFFF) out_.push_back('\xFF');
  else put_code_point(unit);
}

std::string_view Decoder::decode(std::string_view in) {
  if (encoding_ == Encoding::Utf8 || encoding_ == Encoding::Auto) return in;
  out_.clear();
  if (encoding_ == Encoding::Windows1252) {
    out_.reserve(in.size() + in.size() / 2);
    for (char ch : in) {
      auto c = static_cast<unsigned char>(ch);
      if (c < 0x80) out_.push_back(ch);
      else if (c < 0xA0) {
        std::uint16_t cp = kCp1252High[c - 0x80];
        if (cp) put_code_point(cp);
        else out_.push_back('\xFF');
      } else {
        put_code_point(c);
      }
    }
    return out_;
  }
  bool le = encoding_ == Encoding::Utf16Le;
  out_.reserve(in.size() * 3 / 2 + 4);
  std::size_t i = 0;
  if (pending_byte_ >= 0 && !in.empty()) {
    auto a = static_cast<unsigned char>(pending_byte_), b = static_cast<unsigned char>(in[0]);
    put_utf16_unit(static_cast<std::uint16_t>(le ? (a | (b << 8)) : ((a << 8) | b)));
    pending_byte_ = -1;
    i = 1;
  }
  for (; i + 1 < in.size(); i += 2) {
    auto a = static_cast<unsigned char>(in[i]), b = static_cast<unsigned char>(in[i + 1]);
    put_utf16_unit(static_cast<std::uint16_t>(le ? (a | (b << 8)) : ((a << 8) | b)));
  }
  if (i < in.size()) pending_byte_ = static_cast<unsigned char>(in[i]);
  return out_;
}

std::string_view Decoder::finish() {
  out_.clear();
  if (high_surrogate_) out_.push_back('\xFF');
  if (pending_byte_ >= 0) out_.push_back('\xFF');
  high_surrogate_ = 0;
  pending_byte_ = -1;
  return out_;
}

}  // namespace rowgate::detail
