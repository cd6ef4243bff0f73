// Value checks (see rowgate/checks.h).
//
// These run once per cell on files with hundreds of thousands of rows, so every check is a
// single forward scan over the bytes driven by small constant tables. Nothing here throws,
// allocates (except when writing a normalised value into the caller's string), uses a locale
// or depends on the width of size_t (the same code is built for wasm32).
#include "rowgate/checks.h"

#include "checks_common.h"

namespace rowgate::checks {
namespace {

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
