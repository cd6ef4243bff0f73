// The URL check: WHATWG parsing for http and https, stricter about hosts (see rowgate/checks.h).
#include "rowgate/checks.h"

#include "checks_common.h"

namespace rowgate::checks {
namespace {

// ---------------------------------------------------------------------------------------------
// URL

constexpr const char* kNoScheme = "it does not start with http:// or https://";

enum HostClass : u8 { kHostOrdinary, kHostForbidden, kHostDot, kHostSkip, kHostUtf8 };

// WHATWG forbidden domain code points (C0 controls, space, # % / : < > ? @ [ \ ] ^ | and DEL);
// tab and newlines are removed before parsing; C2..F4 start a non-ASCII code point.
constexpr std::array<u8, 256> make_host_table() {
  std::array<u8, 256> table{};
  for (std::size_t c = 0; c < 0x20; ++c) table[c] = kHostForbidden;
  for (char c : std::string_view(" #%/:<>?@[\\]^|\x7F")) table[static_cast<u8>(c)] = kHostForbidden;
  table['\t'] = table['\n'] = table['\r'] = kHostSkip;
  table['.'] = kHostDot;
  for (std::size_t c = 0xC2; c <= 0xF4; ++c) table[c] = kHostUtf8;
  return table;
}
constexpr std::array<u8, 256> kHostClasses = make_host_table();

// The code point of the well-formed sequence of `length` bytes at p.
inline std::uint32_t decode_utf8(const u8* p, int length) {
  switch (length) {
    case 2: return (std::uint32_t{p[0] & 0x1Fu} << 6) | (p[1] & 0x3Fu);
    case 3: return (std::uint32_t{p[0] & 0x0Fu} << 12) | (std::uint32_t{p[1] & 0x3Fu} << 6) | (p[2] & 0x3Fu);
    default:
      return (std::uint32_t{p[0] & 0x07u} << 18) | (std::uint32_t{p[1] & 0x3Fu} << 12) |
             (std::uint32_t{p[2] & 0x3Fu} << 6) | (p[3] & 0x3Fu);
  }
}

// Why a non-ASCII code point cannot be in a host, or nullptr. WHATWG's domain to ASCII runs UTS #46,
// which fails on its disallowed code points; those that a URL copied from a document or a
// spreadsheet can carry are kept here as ranges: controls, white space, invisible formatting
// (bidirectional) controls, private use, noncharacters, the Specials block (U+FFFD among them),
// and tags. Full-width forms are mapped to ASCII by UTS #46, so those of forbidden code points
// are forbidden too. (Unassigned code points and the rest of the mapping are not checked.)
const char* host_code_point_problem(std::uint32_t cp) {
  if (cp <= 0x9F) return "the host contains a control character";
  if (cp == 0xA0) return "the host contains a non-breaking space";
  if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
      cp == 0x205F || cp == 0x3000) {
    return "the host contains a space character";
  }
  if (cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
      (cp >= 0x2065 && cp <= 0x206F) || (cp >= 0xFFF9 && cp <= 0xFFFB) || (cp >= 0xE0000 && cp <= 0xE007F)) {
    return "the host contains an invisible formatting character";
  }
  if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE) return "the host contains a noncharacter";
  if (cp == 0xFFFD) return "the host contains the replacement character \xEF\xBF\xBD (left where text was garbled)";
  if (cp >= 0xFFF0 && cp <= 0xFFFC) return "the host contains a character that domain names never hold";
  if ((cp >= 0xE000 && cp <= 0xF8FF) || cp >= 0xF0000) return "the host contains a private-use character";
  if (cp >= 0xFF01 && cp <= 0xFF5E && kHostClasses[cp - 0xFEE0] == kHostForbidden) {
    return "the host contains a full-width form of a character that a host may not hold";
  }
  return nullptr;
}

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
      case kHostUtf8: {  // the value is valid UTF-8 and tabs are ASCII: the sequence is whole
        const int length = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (const char* problem = host_code_point_problem(decode_utf8(reinterpret_cast<const u8*>(s_) + i, length))) {
          return problem;
        }
        i += static_cast<std::size_t>(length - 1);
        ++label_size;
        break;
      }
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

}  // namespace

// The common case in one pass: "http://" or "https://", a host of letters, digits, hyphens and
// dots (two or more non-empty labels, the last not starting with a digit, so never an IPv4
// address), then an optional path, query or fragment of printable ASCII. True only when the full
// parser would accept the value; *host_end is where the host ends. Anything else (ports,
// userinfo, IP literals, backslashes, spaces, non-ASCII) is left to the full parser.
static bool url_fast(std::string_view text, std::size_t* host_end) {
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

}  // namespace rowgate::checks
