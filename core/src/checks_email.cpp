// The e-mail check (see rowgate/checks.h).
#include "rowgate/checks.h"

#include "checks_common.h"

namespace rowgate::checks {
namespace {

// ---------------------------------------------------------------------------------------------
// E-mail

// Characters allowed in the local part by the HTML standard (where the dots may go is checked
// apart).
constexpr std::array<bool, 256> make_local_part_table() {
  std::array<bool, 256> table{};
  for (std::size_t c = 0; c < 256; ++c) {
    table[c] = is_alpha(static_cast<u8>(c)) || is_digit(static_cast<u8>(c));
  }
  for (char c : std::string_view(".!#$%&'*+/=?^_`{|}~-")) table[static_cast<u8>(c)] = true;
  return table;
}
constexpr std::array<bool, 256> kLocalPartChars = make_local_part_table();

enum DomainClass : u8 { kDomainInvalid, kDomainLetterDigit, kDomainHyphen, kDomainDot, kDomainUtf8 };

constexpr std::array<u8, 256> make_domain_table() {
  std::array<u8, 256> table{};
  for (std::size_t c = 0; c < 256; ++c) {
    const u8 b = static_cast<u8>(c);
    table[c] = is_alpha(b) || is_digit(b) ? kDomainLetterDigit
               : b == '-'                 ? kDomainHyphen
               : b == '.'                 ? kDomainDot
               : b >= 0x80                ? kDomainUtf8
                                          : kDomainInvalid;
  }
  return table;
}
constexpr std::array<u8, 256> kDomainClasses = make_domain_table();

const char* check_email_domain(const u8* const begin, const u8* const end) {
  if (begin == end) return "the domain is empty";
  const u8* label = begin;  // start of the current label
  bool has_dot = false;
  const u8* p = begin;
  while (p != end) {
    switch (kDomainClasses[*p]) {
      case kDomainLetterDigit:
        ++p;
        break;
      case kDomainHyphen:
        if (p == label) return "a part of the domain starts with a hyphen";
        ++p;
        break;
      case kDomainDot:
        if (p == label) {
          return label == begin ? "the domain starts with a dot" : "the domain has two dots in a row";
        }
        if (p[-1] == '-') return "a part of the domain ends with a hyphen";
        if (p - label > 63) return "a part of the domain is longer than 63 bytes";
        has_dot = true;
        label = ++p;
        break;
      case kDomainUtf8: {
        const int length = utf8_sequence(p, end);
        if (length == 0) return "the domain is not valid UTF-8";
        if (p[0] == 0xC2 && p[1] <= 0xA0) {  // U+0080..U+009F, U+00A0
          return p[1] == 0xA0 ? "the domain contains a non-breaking space"
                              : "the domain contains a control character";
        }
        p += length;
        break;
      }
      default:
        return char_reason(kDomainReasons, *p, "the domain contains a control character", "");
    }
  }
  if (p == label) return "the domain ends with a dot";
  if (p[-1] == '-') return "a part of the domain ends with a hyphen";
  if (p - label > 63) return "a part of the domain is longer than 63 bytes";
  if (!has_dot) return "the domain has no dot";
  return nullptr;
}

}  // namespace

const char* email(std::string_view value, std::string* normalized) {
  const std::size_t size = value.size();
  if (size == 0) return "it is empty";
  const char* const data = value.data();
  // One pass for the @ signs and spaces (memchr is a byte loop in WebAssembly's libc anyway).
  std::size_t at = size, at_signs = 0;
  bool space = false;
  for (std::size_t i = 0; i < size; ++i) {
    const char c = data[i];
    if (c == '@' && at_signs++ == 0) at = i;
    space |= c == ' ';
  }
  if (at_signs == 0) return "it has no @";
  if (space) return "it contains a space";
  if (at_signs > 1) return "it has more than one @";
  if (at == 0) return "the part before the @ is empty";

  const u8* const bytes = reinterpret_cast<const u8*>(data);
  bool dot_after_dot = false;
  for (std::size_t i = 0; i < at; ++i) {
    if (!kLocalPartChars[bytes[i]]) {
      return char_reason(kLocalPartReasons, bytes[i], "the part before the @ contains a control character",
                         "the part before the @ contains a non-ASCII character");
    }
    dot_after_dot |= bytes[i] == '.' && i > 0 && bytes[i - 1] == '.';
  }
  // RFC 5321/5322 (a dot-atom): dots only between other characters. HTML's pattern allows them
  // anywhere, but mail servers refuse such addresses.
  if (bytes[0] == '.') return "the part before the @ starts with a dot";
  if (bytes[at - 1] == '.') return "the part before the @ ends with a dot";
  if (dot_after_dot) return "the part before the @ has two dots in a row";
  if (at > 64) return "the part before the @ is longer than 64 characters";
  if (const char* reason = check_email_domain(bytes + at + 1, bytes + size)) return reason;
  if (size > 254) return "it is longer than 254 bytes";

  if (normalized != nullptr) {
    normalized->assign(value);
    lower_ascii(*normalized, at + 1, size);
  }
  return nullptr;
}

}  // namespace rowgate::checks
