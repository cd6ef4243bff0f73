// Value checks: one pure function per template type. No allocation unless a normalised
// value is asked for, no std::regex, no locale: these run once per cell.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rowgate::checks {

// Every check returns nullptr when the value is valid, or else a short reason that completes
// the sentence "… is not a valid X: <reason>." (lower case, no final period), for example
// "the domain has no dot". When an output (`normalized`, or `out` for booleans) is given and the
// value is valid, the canonical form is written there (it is left untouched otherwise).
// Inputs are already trimmed.

/// An e-mail address as the HTML standard defines a valid one, with internationalised (UTF-8)
/// domain labels allowed and at least one dot in the domain, and dots before the @ only between
/// other characters (RFC 5322); at most 254 bytes in all and 64 before the @. Normalised: domain
/// lower-cased.
const char* email(std::string_view value, std::string* normalized = nullptr);

/// An absolute URL that WHATWG's parser accepts, with scheme http or https, and stricter about
/// the host: a domain with a dot and no empty labels (one trailing dot allowed), no "%" and none
/// of the code points IDNA disallows (controls, white space, bidirectional controls, private
/// use, noncharacters, U+FFFD and the rest of U+FFF0..U+FFFF, tags), an IPv4 address, or a
/// bracketed IPv6 address. Normalised: only scheme and ASCII host
/// lower-cased and tabs and newlines removed (no IDNA, no IP or port canonicalisation).
const char* url(std::string_view value, std::string* normalized = nullptr);

/// true/false, yes/no, y/n, t/f, 1/0, in any letter case; `*out` gets the value.
const char* boolean(std::string_view value, bool* out = nullptr);

/// A base-10 integer that fits in 64 bits, with an optional sign. Normalised: without a "+"
/// sign or leading zeros ("-0" becomes "0").
const char* integer(std::string_view value, std::string* normalized = nullptr);

/// A finite decimal number (optional sign, digits, optional fraction, optional exponent) that
/// fits in a double.
const char* number(std::string_view value);

/// An ISO 8601 calendar date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM[:SS[.fraction]]
/// with an optional Z or ±HH:MM offset; a space may stand for the T) that exists on the
/// calendar. Leap seconds (:60) and hour 24 are rejected.
const char* date(std::string_view value);

/// A locale as language or language_COUNTRY: 2 or 3 lower-case letters, optionally an
/// underscore and an ISO 3166-1 alpha-2 country code in upper case ("en", "en_US").
const char* locale(std::string_view value);

/// An assigned ISO 3166-1 alpha-2 code, in upper case exactly ("US", not "us" or "USA").
const char* country(std::string_view value);

/// A phone number: an optional leading "+", then 7 to 15 digits, separated only by spaces,
/// dots, dashes and parentheses. Normalised: "+" (if given) followed by the digits.
const char* phone(std::string_view value, std::string* normalized = nullptr);

/// True when `bytes` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view bytes);

/// The number of code points in well-formed UTF-8 text (on malformed input: the bytes that are
/// not continuation bytes).
std::uint64_t utf8_length(std::string_view text);

}  // namespace rowgate::checks
