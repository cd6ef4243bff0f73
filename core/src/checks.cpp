// Value checks (see rowgate/checks.h).
//
// These run once per cell on files with hundreds of thousands of rows, so every check is a
// single forward scan over the bytes driven by small constant tables. Nothing here throws,
// allocates (except when writing a normalised value into the caller's string), uses a locale
// or depends on the width of size_t (the same code is built for wasm32).
#include "rowgate/checks.h"

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

void lower_ascii(std::string& text, std::size_t begin, std::size_t end) {
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

const char* value_char_reason(char c) {
  return char_reason(kValueReasons, static_cast<u8>(c), "it contains a control character",
                     "it contains a non-ASCII character");
}

// ---------------------------------------------------------------------------------------------
// UTF-8

// The length of the well-formed UTF-8 sequence that starts at p (a byte >= 0x80), or 0.
int utf8_sequence(const u8* p, const u8* end) {
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

// ---------------------------------------------------------------------------------------------
// E-mail

// Characters allowed in the local part by the HTML standard.
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

// ---------------------------------------------------------------------------------------------
// URL

constexpr const char* kNoScheme = "it does not start with http:// or https://";

enum HostClass : u8 { kHostOrdinary, kHostForbidden, kHostDot, kHostSkip, kHostC2 };

// WHATWG forbidden domain code points (C0 controls, space, # % / : < > ? @ [ \ ] ^ | and DEL);
// tab and newlines are removed before parsing; C2 starts U+0080..U+00BF (C1 controls and NBSP).
constexpr std::array<u8, 256> make_host_table() {
  std::array<u8, 256> table{};
  for (std::size_t c = 0; c < 0x20; ++c) table[c] = kHostForbidden;
  for (char c : std::string_view(" #%/:<>?@[\\]^|\x7F")) table[static_cast<u8>(c)] = kHostForbidden;
  table['\t'] = table['\n'] = table['\r'] = kHostSkip;
  table['.'] = kHostDot;
  table[0xC2] = kHostC2;
  return table;
}
constexpr std::array<u8, 256> kHostClasses = make_host_table();

constexpr bool is_scheme_char(u8 c) {
  return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
}
constexpr bool ends_authority(char c) { return c == '/' || c == '\\' || c == '?' || c == '#'; }

struct UrlParts {
  std::size_t scheme_end = 0;  // index of the ':' after the scheme
  std::size_t host_begin = 0;
  std::size_t host_end = 0;
};

// The URL parser. WHATWG removes every tab and newline before parsing; rather than copying
// the value, the Skip variant (used only when the value contains one) steps over them.
// All indices are into the original bytes.
template <bool Skip>
class UrlParser {
 public:
  explicit UrlParser(std::string_view text) : s_(text.data()), n_(text.size()) {}

  const char* parse(UrlParts& parts) const;

 private:
  // The first index >= i, below end, that is not a tab or newline (or end).
  std::size_t first(std::size_t i, std::size_t end) const {
    if constexpr (Skip) {
      while (i < end && is_tab_or_newline(at(i))) ++i;
    }
    return i;
  }
  std::size_t next(std::size_t i, std::size_t end) const { return first(i + 1, end); }
  u8 at(std::size_t i) const { return static_cast<u8>(s_[i]); }
  bool empty(std::size_t begin, std::size_t end) const { return first(begin, end) == end; }

  // The index of the last '.' in [begin, end), or end.
  std::size_t last_dot(std::size_t begin, std::size_t end) const {
    for (std::size_t i = end; i > begin; --i) {
      if (s_[i - 1] == '.') return i - 1;
    }
    return end;
  }

  const char* host(std::size_t begin, std::size_t end) const;
  bool ends_in_number(std::size_t begin, std::size_t end) const;
  bool ipv4_number(std::size_t begin, std::size_t end, std::uint64_t& value) const;
  bool ipv4(std::size_t begin, std::size_t end) const;
  bool ipv6(std::size_t begin, std::size_t end) const;

  const char* s_;
  std::size_t n_;
};

template <bool Skip>
const char* UrlParser<Skip>::parse(UrlParts& parts) const {
  // Scheme: an ASCII letter, then letters, digits, + - or ., then ':'.
  std::size_t i = first(0, n_);
  if (i == n_ || !is_alpha(at(i))) return kNoScheme;
  char scheme[6];  // enough to tell "https" from anything longer
  std::size_t scheme_size = 0;
  for (;; i = next(i, n_)) {
    if (i == n_) return kNoScheme;
    const u8 c = at(i);
    if (c == ':') break;
    if (!is_scheme_char(c)) return kNoScheme;
    if (scheme_size < sizeof scheme) scheme[scheme_size++] = to_lower(static_cast<char>(c));
  }
  const std::string_view scheme_name(scheme, scheme_size);
  if (scheme_name != "http" && scheme_name != "https") return "the scheme is not http or https";
  parts.scheme_end = i;

  // Special schemes: any number of slashes or backslashes, then the authority.
  i = next(i, n_);
  while (i < n_ && (at(i) == '/' || at(i) == '\\')) i = next(i, n_);
  const std::size_t authority_begin = i;
  std::size_t authority_end = i;
  while (authority_end < n_ && !ends_authority(s_[authority_end])) ++authority_end;

  // Userinfo ends at the last '@' of the authority.
  std::size_t host_begin = authority_begin;
  for (std::size_t k = authority_end; k > authority_begin; --k) {
    if (s_[k - 1] == '@') {
      host_begin = k;
      break;
    }
  }

  host_begin = first(host_begin, authority_end);
  std::size_t host_end = host_begin;
  std::size_t port_begin = authority_end;  // authority_end: no port
  if (host_begin < authority_end && at(host_begin) == '[') {
    std::size_t close = host_begin + 1;
    while (close < authority_end && s_[close] != ']') ++close;
    if (close == authority_end) return "the IPv6 address has no closing ]";
    if (!ipv6(host_begin + 1, close)) return "the IPv6 address is not valid";
    host_end = close + 1;
    const std::size_t after = first(host_end, authority_end);
    if (after < authority_end) {
      if (s_[after] != ':') return "the host has characters after the IPv6 address";
      port_begin = after + 1;
    }
  } else {
    while (host_end < authority_end && s_[host_end] != ':') ++host_end;
    if (host_end == host_begin) return "it has no host";
    if (host_end < authority_end) port_begin = host_end + 1;
    if (const char* reason = host(host_begin, host_end)) return reason;
  }

  // Port: digits only, at most 65535; an empty port is allowed.
  std::uint32_t port = 0;
  for (std::size_t k = first(port_begin, authority_end); k < authority_end; k = next(k, authority_end)) {
    const u8 c = at(k);
    if (!is_digit(c)) return "the port is not a number";
    port = port * 10 + static_cast<std::uint32_t>(c - '0');
    if (port > 65535) return "the port is greater than 65535";
  }

  parts.host_begin = host_begin;
  parts.host_end = host_end;
  return nullptr;  // path, query and fragment: anything goes (WHATWG percent-encodes them)
}

// A host that is not bracketed: a domain, or an IPv4 address when it ends in a number.
template <bool Skip>
const char* UrlParser<Skip>::host(std::size_t begin, std::size_t end) const {
  std::size_t dots = 0;
  std::size_t named_labels = 0;  // non-empty labels
  std::size_t label_size = 0;    // bytes in the current label
  const char* label_problem = nullptr;
  for (std::size_t i = begin; i < end; ++i) {
    const u8 c = at(i);
    switch (kHostClasses[c]) {
      case kHostOrdinary:
        ++label_size;
        break;
      case kHostDot:
        if (label_size == 0 && label_problem == nullptr) {
          label_problem = dots == 0 ? "the host starts with a dot" : "the host has two dots in a row";
        }
        named_labels += label_size != 0;
        ++dots;
        label_size = 0;
        break;
      case kHostSkip:
        break;
      case kHostC2:  // the value is valid UTF-8, so a continuation byte follows
        if (at(i + 1) <= 0xA0) {
          return at(i + 1) == 0xA0 ? "the host contains a non-breaking space"
                                   : "the host contains a control character";
        }
        ++label_size;
        break;
      default:
        return char_reason(kHostReasons, c, "the host contains a control character", "");
    }
  }
  named_labels += label_size != 0;
  if (ends_in_number(begin, end)) {
    return ipv4(begin, end) ? nullptr : "the host ends in a number but is not a valid IPv4 address";
  }
  if (label_problem != nullptr) return label_problem;
  if (named_labels < 2) return dots == 0 ? "the host has no dot" : "the host has no dot except at the end";
  return nullptr;
}

// WHATWG "ends in a number checker".
template <bool Skip>
bool UrlParser<Skip>::ends_in_number(std::size_t begin, std::size_t end) const {
  std::size_t dot = last_dot(begin, end);
  if (empty(dot == end ? begin : dot + 1, end)) {
    if (dot == end) return false;  // a single, empty part
    end = dot;                     // drop the empty last part
    dot = last_dot(begin, end);
  }
  const std::size_t last = dot == end ? begin : dot + 1;
  bool digits = !empty(last, end);
  for (std::size_t i = first(last, end); digits && i < end; i = next(i, end)) digits = is_digit(at(i));
  std::uint64_t value = 0;
  return digits || ipv4_number(last, end, value);
}

// WHATWG "IPv4 number parser": decimal, 0x hexadecimal or 0 octal. Values above 2^32 are
// clamped (they are out of range for every part).
template <bool Skip>
bool UrlParser<Skip>::ipv4_number(std::size_t begin, std::size_t end, std::uint64_t& value) const {
  std::size_t i = first(begin, end);
  if (i == end) return false;
  unsigned radix = 10;
  const std::size_t second = next(i, end);
  if (second < end && at(i) == '0') {
    if ((at(second) | 0x20) == 'x') {
      radix = 16;
      i = next(second, end);
    } else {
      radix = 8;
      i = second;
    }
  }
  value = 0;
  for (; i < end; i = next(i, end)) {
    const u8 c = at(i);
    unsigned digit = 0;
    if (is_digit(c)) {
      digit = static_cast<unsigned>(c - '0');
    } else if (radix == 16 && is_hex(c)) {
      digit = static_cast<unsigned>((c | 0x20) - 'a' + 10);
    } else {
      return false;
    }
    if (digit >= radix) return false;
    if (value <= 0xFFFFFFFFu) value = value * radix + digit;
  }
  return true;
}

// WHATWG "IPv4 parser": one to four parts; all but the last at most 255, the last filling the
// remaining bytes.
template <bool Skip>
bool UrlParser<Skip>::ipv4(std::size_t begin, std::size_t end) const {
  const std::size_t dot = last_dot(begin, end);
  if (dot != end && empty(dot + 1, end)) end = dot;  // a trailing dot is allowed
  std::size_t parts = 0;
  std::uint64_t value = 0;
  for (std::size_t part = begin;; ) {
    std::size_t part_end = part;
    while (part_end < end && s_[part_end] != '.') ++part_end;
    if (++parts > 4 || !ipv4_number(part, part_end, value)) return false;
    if (part_end == end) break;
    if (value > 255) return false;
    part = part_end + 1;
  }
  return value < (std::uint64_t{1} << (8 * (5 - parts)));
}

// WHATWG "IPv6 parser" on the text between the brackets, validating only.
template <bool Skip>
bool UrlParser<Skip>::ipv6(std::size_t begin, std::size_t end) const {
  std::size_t i = first(begin, end);
  int piece = 0;
  bool compressed = false;
  if (i < end && at(i) == ':') {
    const std::size_t j = next(i, end);
    if (j == end || at(j) != ':') return false;
    i = next(j, end);
    ++piece;
    compressed = true;
  }
  while (i < end) {
    if (piece == 8) return false;
    if (at(i) == ':') {
      if (compressed) return false;
      i = next(i, end);
      ++piece;
      compressed = true;
      continue;
    }
    const std::size_t start = i;
    int length = 0;
    while (length < 4 && i < end && is_hex(at(i))) {
      i = next(i, end);
      ++length;
    }
    if (i < end && at(i) == '.') {  // an IPv4 address in the last 32 bits
      if (length == 0 || piece > 6) return false;
      i = start;
      int numbers = 0;
      while (i < end) {
        if (numbers > 0) {
          if (at(i) != '.' || numbers == 4) return false;
          i = next(i, end);
        }
        if (i == end || !is_digit(at(i))) return false;
        int number = -1;
        while (i < end && is_digit(at(i))) {
          const int digit = at(i) - '0';
          if (number == 0) return false;  // a leading zero
          number = number < 0 ? digit : number * 10 + digit;
          if (number > 255) return false;
          i = next(i, end);
        }
        ++numbers;
      }
      if (numbers != 4) return false;
      piece += 2;
      break;
    }
    if (i < end) {
      if (at(i) != ':') return false;
      i = next(i, end);
      if (i == end) return false;
    }
    ++piece;
  }
  return compressed || piece == 8;
}

// ---------------------------------------------------------------------------------------------
// Countries: the 249 officially assigned ISO 3166-1 alpha-2 codes, as a 26x26 bitmap.

constexpr std::string_view kCountryCodes =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ "
    "BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ "
    "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ "
    "DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR "
    "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU "
    "ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ "
    "LA LB LC LI LK LR LS LT LU LV LY "
    "MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ "
    "NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA "
    "RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ "
    "TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ "
    "VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

constexpr std::array<std::uint32_t, 26> make_country_bitmap() {
  std::array<std::uint32_t, 26> rows{};
  for (std::size_t i = 0; i + 1 < kCountryCodes.size(); i += 3) {
    const auto row = static_cast<std::size_t>(kCountryCodes[i] - 'A');
    rows[row] |= std::uint32_t{1} << (kCountryCodes[i + 1] - 'A');
  }
  return rows;
}
constexpr std::array<std::uint32_t, 26> kCountries = make_country_bitmap();

constexpr int count_countries() {
  int count = 0;
  for (std::uint32_t row : kCountries) count += std::popcount(row);
  return count;
}
static_assert(kCountryCodes.size() == 249 * 3 - 1 && count_countries() == 249);

enum class CountryProblem { kNone, kEmpty, kLength, kCase, kUnassigned, kUnitedKingdom };

CountryProblem country_problem(std::string_view value) {
  if (value.empty()) return CountryProblem::kEmpty;
  if (value.size() != 2 || !is_alpha(static_cast<u8>(value[0])) || !is_alpha(static_cast<u8>(value[1]))) {
    return CountryProblem::kLength;
  }
  const u8 a = static_cast<u8>(value[0]);
  const u8 b = static_cast<u8>(value[1]);
  if (!is_upper(a) || !is_upper(b)) return CountryProblem::kCase;
  if ((kCountries[a - 'A'] >> (b - 'A') & 1u) == 0) {
    return a == 'U' && b == 'K' ? CountryProblem::kUnitedKingdom : CountryProblem::kUnassigned;
  }
  return CountryProblem::kNone;
}

// ---------------------------------------------------------------------------------------------
// Numbers

// The digits of 2^1024 - 2^970, the halfway point between DBL_MAX and 2^1024: a decimal whose
// magnitude is at least this rounds to infinity (ties go to the even significand, 2^1024).
constexpr std::string_view kDoubleOverflow =
    "17976931348623158079372897140530341507993413271003782693617377898044496829276475094664901"
    "79775872070963302864166928879109465555478519404026306574886715058206819089020007083836762"
    "73854845817711531764475730270069855571366959622842914819860834936475292719074168444365510"
    "704342711559699508093042880177904174497792";
static_assert(kDoubleOverflow.size() == 309);

constexpr bool is_leap_year(int year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

}  // namespace

// =============================================================================================

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
  for (std::size_t i = 0; i < at; ++i) {
    if (!kLocalPartChars[bytes[i]]) {
      return char_reason(kLocalPartReasons, bytes[i], "the part before the @ contains a control character",
                         "the part before the @ contains a non-ASCII character");
    }
  }
  if (at > 64) return "the part before the @ is longer than 64 characters";
  if (const char* reason = check_email_domain(bytes + at + 1, bytes + size)) return reason;
  if (size > 254) return "it is longer than 254 bytes";

  if (normalized != nullptr) {
    normalized->assign(value);
    lower_ascii(*normalized, at + 1, size);
  }
  return nullptr;
}

// The common case in one pass: "http://" or "https://", a host of letters, digits, hyphens and
// dots (two or more non-empty labels, the last not starting with a digit, so never an IPv4
// address), then an optional path, query or fragment of printable ASCII. True only when the full
// parser would accept the value; *host_end is where the host ends. Anything else (ports,
// userinfo, IP literals, backslashes, spaces, non-ASCII) is left to the full parser.
bool url_fast(std::string_view text, std::size_t* host_end) {
  std::size_t i;
  if (text.size() > 8 && (text[4] == 's' || text[4] == 'S') && equals_lower(text.substr(0, 8), "https://")) i = 8;
  else if (text.size() > 7 && equals_lower(text.substr(0, 7), "http://")) i = 7;
  else return false;
  if (text[i] == '/' || text[i] == '\\') return false;
  std::size_t label = 0, labels = 0, last_label_start = i;
  const std::size_t n = text.size();
  for (; i < n; ++i) {
    const u8 c = static_cast<u8>(text[i]);
    if (is_alpha(c) || is_digit(c) || c == '-') {
      ++label;
    } else if (c == '.') {
      if (label == 0) return false;
      ++labels;
      label = 0;
      last_label_start = i + 1;
    } else if (c == '/' || c == '?' || c == '#') {
      break;
    } else {
      return false;
    }
  }
  if (label == 0 || labels == 0 || is_digit(static_cast<u8>(text[last_label_start]))) return false;
  *host_end = i;
  for (; i < n; ++i) {
    const u8 c = static_cast<u8>(text[i]);
    if (c <= 0x20 || c >= 0x7F || c == '\\') return false;
  }
  return true;
}

const char* url(std::string_view value, std::string* normalized) {
  // WHATWG strips leading and trailing C0 controls and spaces.
  std::size_t begin = 0;
  std::size_t end = value.size();
  while (begin < end && static_cast<u8>(value[begin]) <= 0x20) ++begin;
  while (end > begin && static_cast<u8>(value[end - 1]) <= 0x20) --end;
  if (begin == end) return "it is empty";
  const std::string_view text(value.data() + begin, end - begin);
  if (std::size_t host_end = 0; url_fast(text, &host_end)) {
    if (normalized != nullptr) {
      normalized->assign(text);
      lower_ascii(*normalized, 0, host_end);
    }
    return nullptr;
  }
  // One pass over the (short) value for both questions, instead of four.
  bool ascii = true;
  bool has_tab_or_newline = false;
  for (char ch : text) {
    const u8 c = static_cast<u8>(ch);
    ascii &= c < 0x80;
    has_tab_or_newline |= is_tab_or_newline(c);
  }
  if (!ascii && !valid_utf8(text)) return "it is not valid UTF-8";
  UrlParts parts;
  const char* reason = has_tab_or_newline ? UrlParser<true>(text).parse(parts)
                                          : UrlParser<false>(text).parse(parts);
  if (reason != nullptr) return reason;

  if (normalized != nullptr) {
    normalized->assign(text);
    lower_ascii(*normalized, 0, parts.scheme_end);
    lower_ascii(*normalized, parts.host_begin, parts.host_end);
    if (has_tab_or_newline) {
      std::erase_if(*normalized, [](char c) { return is_tab_or_newline(static_cast<u8>(c)); });
    }
  }
  return nullptr;
}

const char* boolean(std::string_view value, bool* out) {
  constexpr const char* kReason = "it is not one of true, false, yes, no, y, n, t, f, 1 or 0";
  if (value.empty()) return "it is empty";
  bool result = false;
  switch (value.size()) {
    case 1:
      switch (to_lower(value[0])) {
        case 'y': case 't': case '1': result = true; break;
        case 'n': case 'f': case '0': result = false; break;
        default: return kReason;
      }
      break;
    case 2:
      if (!equals_lower(value, "no")) return kReason;
      break;
    case 3:
      if (!equals_lower(value, "yes")) return kReason;
      result = true;
      break;
    case 4:
      if (!equals_lower(value, "true")) return kReason;
      result = true;
      break;
    case 5:
      if (!equals_lower(value, "false")) return kReason;
      break;
    default:
      return kReason;
  }
  if (out != nullptr) *out = result;
  return nullptr;
}

const char* integer(std::string_view value, std::string* normalized) {
  if (value.empty()) return "it is empty";
  const char* const begin = value.data();
  const char* const end = begin + value.size();
  const char* digits = begin + (*begin == '+' || *begin == '-');
  if (digits == end) return "it has no digits";
  if (!is_digit(static_cast<u8>(*digits))) return value_char_reason(*digits);

  std::int64_t result = 0;
  const auto [stop, error] = std::from_chars(*begin == '+' ? digits : begin, end, result);
  if (stop != end) return *stop == '.' ? "it has a decimal point" : value_char_reason(*stop);
  if (error != std::errc()) {
    return *begin == '-' ? "it is less than -9223372036854775808" : "it is greater than 9223372036854775807";
  }
  if (normalized != nullptr) {
    char buffer[24];
    const auto written = std::to_chars(buffer, buffer + sizeof buffer, result);
    normalized->assign(buffer, written.ptr);
  }
  return nullptr;
}

const char* number(std::string_view value) {
  const std::size_t size = value.size();
  if (size == 0) return "it is empty";
  const char* const s = value.data();
  std::size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (i == size) return "it has no digits";
  {
    const std::string_view rest(s + i, size - i);
    if (equals_lower(rest, "nan") || equals_lower(rest, "inf") || equals_lower(rest, "infinity")) {
      return "it is not finite";
    }
    if (rest.size() > 1 && rest[0] == '0' && (rest[1] | 0x20) == 'x') {
      return "hexadecimal numbers are not allowed";
    }
  }

  const std::size_t int_begin = i;
  while (i < size && is_digit(static_cast<u8>(s[i]))) ++i;
  const std::size_t int_end = i;
  std::size_t frac_begin = i;
  if (i < size && s[i] == '.') {
    frac_begin = ++i;
    while (i < size && is_digit(static_cast<u8>(s[i]))) ++i;
  }
  const std::size_t frac_end = i;  // == int_end when there is no '.'
  if (int_end == int_begin && frac_end == frac_begin) {
    if (i == size) return "it has no digits";
    if (s[i] == 'e' || s[i] == 'E') return "it has no digits before the exponent";
    return value_char_reason(s[i]);
  }

  std::int64_t exponent = 0;
  if (i < size && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    const bool negative = i < size && s[i] == '-';
    if (i < size && (s[i] == '+' || s[i] == '-')) ++i;
    if (i == size || !is_digit(static_cast<u8>(s[i]))) return "the exponent has no digits";
    for (; i < size && is_digit(static_cast<u8>(s[i])); ++i) {
      if (exponent < 1'000'000'000'000) exponent = exponent * 10 + (s[i] - '0');  // saturates
    }
    if (negative) exponent = -exponent;
    if (i < size) return s[i] == '.' ? "the exponent is not a whole number" : value_char_reason(s[i]);
  }
  if (i < size) return s[i] == '.' ? "it has more than one decimal point" : value_char_reason(s[i]);

  // Finite as a double? Write the value as 0.D x 10^e10 with D starting at the first
  // non-zero digit; it overflows when 0.D x 10^e10 >= 0.kDoubleOverflow x 10^309.
  std::size_t first = int_begin;
  while (first < int_end && s[first] == '0') ++first;
  std::int64_t e10 = 0;
  if (first < int_end) {
    e10 = static_cast<std::int64_t>(int_end - first);
  } else {
    first = frac_begin;
    while (first < frac_end && s[first] == '0') ++first;
    if (first == frac_end) return nullptr;  // zero
    e10 = -static_cast<std::int64_t>(first - frac_begin);
  }
  e10 += exponent;
  if (e10 < 309) return nullptr;
  constexpr const char* kTooLarge = "it is too large in magnitude";
  if (e10 > 309) return kTooLarge;
  std::size_t d = 0;
  for (std::size_t k = first; k < frac_end; ++k) {
    if (s[k] == '.') continue;
    if (d == kDoubleOverflow.size()) return kTooLarge;
    if (s[k] != kDoubleOverflow[d]) return s[k] > kDoubleOverflow[d] ? kTooLarge : nullptr;
    ++d;
  }
  return d == kDoubleOverflow.size() ? kTooLarge : nullptr;
}

const char* date(std::string_view value) {
  const std::size_t size = value.size();
  if (size == 0) return "it is empty";
  const char* const s = value.data();
  // Two digits at i as a number, or -1.
  const auto two = [s](std::size_t i) {
    if (!is_digit(static_cast<u8>(s[i])) || !is_digit(static_cast<u8>(s[i + 1]))) return -1;
    return (s[i] - '0') * 10 + (s[i + 1] - '0');
  };

  if (size < 10 || two(0) < 0 || two(2) < 0 || s[4] != '-' || two(5) < 0 || s[7] != '-' || two(8) < 0) {
    return "it is not in the form YYYY-MM-DD";
  }
  const int year = two(0) * 100 + two(2);
  const int month = two(5);
  const int day = two(8);
  if (year == 0) return "the year is out of range";
  if (month < 1 || month > 12) return "the month is out of range";
  if (day < 1 || day > 31) return "the day is out of range";
  constexpr int kDays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day > kDays[month - 1]) return "the day does not exist in that month";
  if (month == 2 && day == 29 && !is_leap_year(year)) return "the year is not a leap year";
  if (size == 10) return nullptr;

  if (s[10] != 'T' && s[10] != ' ') {
    return s[10] == 't' ? "the T must be upper case" : "it has extra characters after the date";
  }
  if (size < 16 || two(11) < 0 || s[13] != ':' || two(14) < 0) return "the time is not in the form HH:MM";
  if (two(11) > 23) return "the hour is out of range";
  if (two(14) > 59) return "the minute is out of range";
  std::size_t i = 16;
  if (i < size && s[i] == ':') {
    if (size - i < 3 || two(i + 1) < 0) return "the seconds are not two digits";
    if (two(i + 1) > 59) return "the second is out of range";  // leap seconds (60) are not accepted
    i += 3;
    if (i < size && s[i] == '.') {
      const std::size_t fraction = ++i;
      while (i < size && is_digit(static_cast<u8>(s[i]))) ++i;
      if (i == fraction) return "the fraction of a second has no digits";
      if (i - fraction > 9) return "the fraction of a second has more than 9 digits";
    }
  }
  if (i == size) return nullptr;
  switch (s[i]) {
    case 'Z':
      return i + 1 == size ? nullptr : "it has extra characters after the time zone";
    case '+':
    case '-':
      if (size - i < 6 || two(i + 1) < 0 || s[i + 3] != ':' || two(i + 4) < 0) {
        return "the time zone offset is not in the form +HH:MM or -HH:MM";
      }
      if (two(i + 1) > 23 || two(i + 4) > 59) return "the time zone offset is out of range";
      return size - i == 6 ? nullptr : "it has extra characters after the time zone";
    case 'z':
      return "the Z must be upper case";
    default:
      return "it has extra characters after the time";
  }
}

const char* locale(std::string_view value) {
  if (value.empty()) return "it is empty";
  std::size_t i = 0;
  bool upper = false;
  for (; i < value.size() && is_alpha(static_cast<u8>(value[i])); ++i) {
    upper |= is_upper(static_cast<u8>(value[i]));
  }
  if (i < 2 || i > 3) return "the language code is not 2 or 3 letters";
  if (upper) return "the language code is not in lower case";
  if (i == value.size()) return nullptr;
  if (value[i] == '-') return "it has a hyphen where an underscore is expected";
  if (value[i] != '_') return value_char_reason(value[i]);
  switch (country_problem(std::string_view(value.data() + i + 1, value.size() - i - 1))) {
    case CountryProblem::kNone: return nullptr;
    case CountryProblem::kEmpty: return "the country code after the underscore is missing";
    case CountryProblem::kLength: return "the country code is not 2 letters";
    case CountryProblem::kCase: return "the country code is not in upper case";
    case CountryProblem::kUnitedKingdom: return "the country code is not assigned (the United Kingdom is GB)";
    case CountryProblem::kUnassigned: break;
  }
  return "the country code is not an assigned ISO 3166-1 code";
}

const char* country(std::string_view value) {
  switch (country_problem(value)) {
    case CountryProblem::kNone: return nullptr;
    case CountryProblem::kEmpty: return "it is empty";
    case CountryProblem::kLength: return "it is not 2 letters";
    case CountryProblem::kCase: return "it is not in upper case";
    case CountryProblem::kUnitedKingdom: return "it is not assigned (the United Kingdom is GB)";
    case CountryProblem::kUnassigned: break;
  }
  return "it is not an assigned ISO 3166-1 code";
}

const char* phone(std::string_view value, std::string* normalized) {
  if (value.empty()) return "it is empty";
  const bool plus = value[0] == '+';
  std::size_t digits = 0;
  bool open = false;  // inside parentheses
  for (std::size_t i = plus ? 1 : 0; i < value.size(); ++i) {
    const char c = value[i];
    if (is_digit(static_cast<u8>(c))) {
      ++digits;
    } else if (c == ' ' || c == '.' || c == '-') {
      continue;
    } else if (c == '(') {
      if (open) return "it has nested parentheses";
      open = true;
    } else if (c == ')') {
      if (!open) return "its parentheses do not match";
      open = false;
    } else if (c == '+') {
      return "it has a + that is not at the start";
    } else {
      return value_char_reason(c);
    }
  }
  if (open) return "its parentheses do not match";
  if (digits < 7) return "it has fewer than 7 digits";
  if (digits > 15) return "it has more than 15 digits";
  if (normalized != nullptr) {
    normalized->clear();
    if (plus) normalized->push_back('+');
    for (char c : value) {
      if (is_digit(static_cast<u8>(c))) normalized->push_back(c);
    }
  }
  return nullptr;
}

bool valid_utf8(std::string_view bytes) {
  const u8* p = reinterpret_cast<const u8*>(bytes.data());
  const u8* const end = p + bytes.size();
  while (p != end) {
    // ASCII fast path, eight bytes at a time.
    while (end - p >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p, sizeof word);
      const std::uint64_t high = word & kHighBits;
      if (high != 0) {
        if constexpr (std::endian::native == std::endian::little) {
          p += std::countr_zero(high) / 8;
        } else {
          p += std::countl_zero(high) / 8;
        }
        break;
      }
      p += 8;
    }
    if (p == end) break;
    if (*p < 0x80) {
      ++p;
      continue;
    }
    const int length = utf8_sequence(p, end);
    if (length == 0) return false;
    p += length;
  }
  return true;
}

std::uint64_t utf8_length(std::string_view text) {
  const u8* p = reinterpret_cast<const u8*>(text.data());
  const std::size_t size = text.size();
  std::uint64_t continuation = 0;  // bytes 10xxxxxx
  std::size_t i = 0;
  for (; size - i >= 8; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, p + i, sizeof word);
    continuation += static_cast<std::uint64_t>(std::popcount(word & ~(word << 1) & kHighBits));
  }
  for (; i < size; ++i) continuation += (p[i] & 0xC0) == 0x80;
  return static_cast<std::uint64_t>(size) - continuation;
}

}  // namespace rowgate::checks
