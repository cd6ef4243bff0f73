#include "decoder.h"

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
    return "This is a ZIP archive (an Excel .xlsx workbook is one), not a CSV or JSONL file: "
           "save it as \"CSV UTF-8\" and upload that.";
  if (starts_with(prefix, "\xD0\xCF\x11\xE0"))
    return "This is an old Excel (.xls) or Office file, not a CSV or JSONL file: save it as \"CSV UTF-8\" "
           "and upload that.";
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

// Confident only when nothing in the prefix is UTF-8 beyond ASCII, some byte is high, every
// high byte is a character of windows-1252, and each sits next to a letter as accented letters
// do ("Café", "Müller"); a stray byte such as "\xC3(" is reported, not reinterpreted.
bool looks_like_cp1252(std::string_view prefix, bool at_eof) {
  if (!at_eof) {
    // A multi-byte sequence may be cut by the end of the prefix: ignore the last 3 bytes.
    std::size_t keep = prefix.size() > 3 ? prefix.size() - 3 : 0;
    prefix = prefix.substr(0, keep);
  }
  bool high = false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    auto c = static_cast<unsigned char>(prefix[i]);
    if (c < 0x80) continue;
    high = true;
    if (c >= 0x80 && c <= 0x9F && kCp1252High[c - 0x80] == 0) return false;
    auto letter = [&](std::size_t k) {
      if (k >= prefix.size()) return false;
      auto b = static_cast<unsigned char>(prefix[k]);
      return b >= 0x80 || ((b | 0x20) >= 'a' && (b | 0x20) <= 'z');
    };
    if (!(i > 0 && letter(i - 1)) && !letter(i + 1)) return false;
    // A well-formed 2-to-4-byte UTF-8 sequence here means the file is (partly) UTF-8.
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len && i + len <= prefix.size() && checks::valid_utf8(prefix.substr(i, len))) return false;
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
