// Tests for the value checks in rowgate/checks.h.
#include "rowgate/checks.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

namespace checks = rowgate::checks;
using namespace std::string_view_literals;

// A printable form of a value for failure messages (bytes outside ASCII as \xNN).
std::string show(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F && c != '\\' && c != '"') {
      out += c;
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", byte);
      out += escaped;
    }
  }
  return out + "\"";
}

std::string show_reason(const char* reason) { return reason == nullptr ? "(valid)" : reason; }

// An invalid value and the exact reason expected for it.
struct ReasonCase {
  std::string_view input;
  std::string_view reason;
};

void PrintTo(const ReasonCase& c, std::ostream* os) { *os << show(c.input) << " -> " << c.reason; }

// A valid value and its expected normalised form.
struct NormalCase {
  std::string_view input;
  std::string_view normalized;
};

// Expects `reason` to be exactly `expected`.
void expect_reason(std::string_view input, const char* reason, std::string_view expected) {
  SCOPED_TRACE(show(input));
  ASSERT_NE(reason, nullptr) << "expected invalid: " << expected;
  EXPECT_EQ(std::string_view(reason), expected);
}

void expect_valid(std::string_view input, const char* reason) {
  EXPECT_EQ(reason, nullptr) << show(input) << " was rejected: " << show_reason(reason);
}

std::string repeat(std::string_view text, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += text;
  return out;
}

// =============================================================================================
// E-mail

constexpr std::string_view kValidEmails[] = {
    "user@example.com",
    "first.last@example.co.uk",
    "a@b.co",
    "USER@EXAMPLE.COM",
    "user+tag@example.com",
    "o'brien@example.ie",
    "x!#$%&'*+/=?^_`{|}~-@example.com",
    "1@2.3",
    "user@sub-domain.example.com",
    "user@a-b.c-d",
    "user@xn--bcher-kva.example",
    "a.b.c@example.com",
    "user@b\xC3\xBC" "cher.de",                              // bücher.de
    "user@\xE4\xBE\x8B\xE5\xAD\x90.\xE5\xB9\xBF\xE5\x91\x8A",  // 例子.广告
    "user@example.\xF0\x9F\x98\x80",                          // a 4-byte code point
};

TEST(EmailTest, AcceptsValidAddresses) {
  for (std::string_view value : kValidEmails) expect_valid(value, checks::email(value));
}

const ReasonCase kEmailReasons[] = {
    {"", "it is empty"},
    {"userexample.com", "it has no @"},
    {"john smith", "it has no @"},
    {"user@gmailcom", "the domain has no dot"},
    {"user@localhost", "the domain has no dot"},
    {"a@@b.com", "it has more than one @"},
    {"a@b@c.com", "it has more than one @"},
    {"john smith@example.com", "it contains a space"},
    {"john@exa mple.com", "it contains a space"},
    {"@example.com", "the part before the @ is empty"},
    {"user@", "the domain is empty"},
    {"us(er@example.com", "the part before the @ contains \"(\""},
    {"us,er@example.com", "the part before the @ contains \",\""},
    {"us\\er@example.com", "the part before the @ contains \"\\\""},
    {"\"john\"@example.com", "the part before the @ contains a quotation mark"},
    {"us\ter@example.com", "the part before the @ contains a control character"},
    {"j\xC3\xB6hn@example.com", "the part before the @ contains a non-ASCII character"},
    {"user@exa_mple.com", "the domain contains \"_\""},
    {"user@example.com,", "the domain contains \",\""},
    {"user@[192.168.0.1]", "the domain contains \"[\""},
    {"user@exa\x01mple.com", "the domain contains a control character"},
    {"user@.example.com", "the domain starts with a dot"},
    {"user@.", "the domain starts with a dot"},
    {"user@example..com", "the domain has two dots in a row"},
    {"user@example.com.", "the domain ends with a dot"},
    {"user@-example.com", "a part of the domain starts with a hyphen"},
    {"user@example.-com", "a part of the domain starts with a hyphen"},
    {"user@example-.com", "a part of the domain ends with a hyphen"},
    {"user@example.com-", "a part of the domain ends with a hyphen"},
    {"user@ex\xC3(ample.com", "the domain is not valid UTF-8"},
    {"user@example.c\xC3", "the domain is not valid UTF-8"},
    {"user@\xED\xA0\x80.com", "the domain is not valid UTF-8"},
    {"user@exa\xC2\xA0mple.com", "the domain contains a non-breaking space"},
    {"user@exa\xC2\x85mple.com", "the domain contains a control character"},
};

class EmailReasonTest : public testing::TestWithParam<ReasonCase> {};

TEST_P(EmailReasonTest, GivesTheSpecificReason) {
  expect_reason(GetParam().input, checks::email(GetParam().input), GetParam().reason);
}

INSTANTIATE_TEST_SUITE_P(Email, EmailReasonTest, testing::ValuesIn(kEmailReasons));

// Regression: the HTML standard's pattern lets dots go anywhere before the @, so
// ".test@example.com" and "test.@example.com" were accepted; RFC 5321/5322 and mail servers refuse
// them (and two dots in a row).
TEST(EmailTest, LeadingOrTrailingDotInTheLocalPartIsRejected) {
  expect_reason(".test@example.com", checks::email(".test@example.com"), "the part before the @ starts with a dot");
  expect_reason("test.@example.com", checks::email("test.@example.com"), "the part before the @ ends with a dot");
  expect_reason(".@example.com", checks::email(".@example.com"), "the part before the @ starts with a dot");
  expect_reason("te..st@example.com", checks::email("te..st@example.com"), "the part before the @ has two dots in a row");
  expect_reason("a.b..c@example.com", checks::email("a.b..c@example.com"), "the part before the @ has two dots in a row");
  // A character that is never allowed is named first.
  expect_reason(".us(er@example.com", checks::email(".us(er@example.com"), "the part before the @ contains \"(\"");
  expect_valid("a.b.c@example.com", checks::email("a.b.c@example.com"));
  expect_valid("a@example.com", checks::email("a@example.com"));
}

TEST(EmailTest, EnforcesLengthLimits) {
  const std::string local64 = repeat("a", 64);
  expect_valid(local64, checks::email(local64 + "@example.com"));
  expect_reason("a*65", checks::email(repeat("a", 65) + "@example.com"),
                "the part before the @ is longer than 64 characters");

  const std::string label63 = repeat("b", 63);
  expect_valid(label63, checks::email("user@" + label63 + ".com"));
  expect_valid(label63, checks::email("user@example." + label63));
  expect_reason("label of 64", checks::email("user@" + repeat("b", 64) + ".com"),
                "a part of the domain is longer than 63 bytes");
  expect_reason("last label of 64", checks::email("user@example." + repeat("b", 64)),
                "a part of the domain is longer than 63 bytes");
  // Label lengths count bytes: 31 x "ü" is 62 bytes, 32 x "ü" is 64.
  expect_valid("31 x u-umlaut", checks::email("user@" + repeat("\xC3\xBC", 31) + ".de"));
  expect_reason("32 x u-umlaut", checks::email("user@" + repeat("\xC3\xBC", 32) + ".de"),
                "a part of the domain is longer than 63 bytes");

  // 64 + 1 + 189 = 254 bytes.
  const std::string domain189 = repeat("a", 63) + "." + repeat("b", 63) + "." + repeat("c", 61);
  const std::string longest = local64 + "@" + domain189;
  ASSERT_EQ(longest.size(), 254u);
  expect_valid("254 bytes", checks::email(longest));
  expect_reason("255 bytes", checks::email(longest + "c"), "it is longer than 254 bytes");
}

TEST(EmailTest, NormalisesOnlyTheDomain) {
  const NormalCase cases[] = {
      {"John.Doe@Example.COM", "John.Doe@example.com"},
      {"user@example.com", "user@example.com"},
      {"MiXeD+Tag@Sub.Example.Org", "MiXeD+Tag@sub.example.org"},
      {"User@B\xC3\x9C" "CHER.DE", "User@b\xC3\x9C" "cher.de"},  // only ASCII letters change
  };
  for (const NormalCase& c : cases) {
    std::string normalized = "previous value";
    ASSERT_EQ(checks::email(c.input, &normalized), nullptr) << show(c.input);
    EXPECT_EQ(normalized, c.normalized) << show(c.input);
  }
}

TEST(EmailTest, LeavesNormalizedUntouchedWhenInvalid) {
  std::string normalized = "untouched";
  EXPECT_NE(checks::email("user@gmailcom", &normalized), nullptr);
  EXPECT_NE(checks::email("", &normalized), nullptr);
  EXPECT_EQ(normalized, "untouched");
}

// =============================================================================================
// URL

constexpr std::string_view kValidUrls[] = {
    "https://www.example.com/",
    "http://example.co.uk/about?ref=x",
    "https://instagram.com/handle",
    "https://www.youtube.com/@handle",
    "HTTPS://Example.COM/Path",
    "https://user:pw@example.com:8080/x",
    "http://192.168.0.1/",
    "http://[::1]/",
    "https://example.com",
    "https://example.com?q=1",
    "https://example.com#fragment",
    "https://example.com./",  // a single trailing dot
    "https://m\xC3\xBCnchen.de/",
    "https://\xE4\xBE\x8B\xE5\xAD\x90.\xE5\xB9\xBF\xE5\x91\x8A/",
    "http://a_b.example.com/",            // WHATWG allows "_" in hosts
    "https://example.com/a path with spaces",  // WHATWG percent-encodes the path
    "https://user@name@example.com/",      // userinfo ends at the last @
    "https://us er:p@ss@example.com/",
    "https://example.com/\xF0\x9F\x98\x80",
};

TEST(UrlTest, AcceptsValidUrls) {
  for (std::string_view value : kValidUrls) expect_valid(value, checks::url(value));
}

// WHATWG: a special scheme may be followed by any number of slashes or backslashes.
TEST(UrlTest, FollowsWhatwgSlashHandling) {
  for (std::string_view value : {"http:example.com"sv, "https:/example.com"sv, "https:///x.com"sv,
                                 "https:////x.com/path"sv, "https:\\\\example.com\\path"sv,
                                 "https:/\\/example.com"sv}) {
    expect_valid(value, checks::url(value));
  }
  std::string normalized;
  ASSERT_EQ(checks::url("HTTP:Example.com", &normalized), nullptr);
  EXPECT_EQ(normalized, "http:example.com");
}

const ReasonCase kUrlReasons[] = {
    {"", "it is empty"},
    {"   ", "it is empty"},
    {"htp://x.com", "the scheme is not http or https"},
    {"ftp://site.com/", "the scheme is not http or https"},
    {"mailto:someone@example.com", "the scheme is not http or https"},
    {"httpss://example.com", "the scheme is not http or https"},
    {"javascript:alert(1)", "the scheme is not http or https"},
    {"localhost:8080", "the scheme is not http or https"},
    {"www site com", "it does not start with http:// or https://"},
    {"www.example.com", "it does not start with http:// or https://"},
    {"www.example.com/some/long/path", "it does not start with http:// or https://"},
    {"https//site.com/", "it does not start with http:// or https://"},
    {"//example.com", "it does not start with http:// or https://"},
    {"http ://example.com", "it does not start with http:// or https://"},
    {"1http://example.com", "it does not start with http:// or https://"},
    {"https://", "it has no host"},
    {"https:", "it has no host"},
    {"https:?query", "it has no host"},
    {"https://user@/", "it has no host"},
    {"https://:443/", "it has no host"},
    {"http://exa mple.com", "the host contains a space"},
    {"https://ex%41mple.com/", "the host contains \"%\""},
    {"https://exa<mple.com/", "the host contains \"<\""},
    {"https://exa^mple.com/", "the host contains \"^\""},
    {"https://exa|mple.com/", "the host contains \"|\""},
    {"https://exa]mple.com/", "the host contains \"]\""},
    {"https://exa\x01mple.com/", "the host contains a control character"},
    {"https://exa\x7Fmple.com/", "the host contains a control character"},
    {"https://exa\xC2\xA0mple.com/", "the host contains a non-breaking space"},
    {"https://exa\xC2\x9Fmple.com/", "the host contains a control character"},
    {"https://\xFF.com/", "it is not valid UTF-8"},
    {"https://example.com/\xC0\xAF", "it is not valid UTF-8"},
    {"https://localhost/", "the host has no dot"},
    {"https://localhost:8080/", "the host has no dot"},
    {"https://localhost./", "the host has no dot except at the end"},
    {"https://.example.com/", "the host starts with a dot"},
    {"https://example..com/", "the host has two dots in a row"},
    {"https://example.com../", "the host has two dots in a row"},
    {"http://1.2.3.999/", "the host ends in a number but is not a valid IPv4 address"},
    {"http://example.123/", "the host ends in a number but is not a valid IPv4 address"},
    {"http://[::1/", "the IPv6 address has no closing ]"},
    {"http://[::g]/", "the IPv6 address is not valid"},
    {"http://[::1]x/", "the host has characters after the IPv6 address"},
    {"http://example.com:abc/", "the port is not a number"},
    {"http://example.com:-1/", "the port is not a number"},
    {"http://example.com:80:80/", "the port is not a number"},
    {"http://example.com:65536/", "the port is greater than 65535"},
    {"http://example.com:99999999999999999999/", "the port is greater than 65535"},
};

// Regression: a host with a dot was accepted whatever non-ASCII code points it held, although
// WHATWG's domain to ASCII (UTS #46) fails on these: "https://\uFFFD.com/", "https://\uFFFFy.com/".
TEST(UrlTest, HostWithCodePointsThatIdnaDisallowsIsRejected) {
  const ReasonCase cases[] = {
      {"https://\xEF\xBF\xBD.com/", "the host contains the replacement character \xEF\xBF\xBD (left where text was garbled)"},
      {"https://\xEF\xBF\xBFy.com/", "the host contains a noncharacter"},             // U+FFFF
      {"https://a\xEF\xBF\xBE.com/", "the host contains a noncharacter"},             // U+FFFE
      {"https://a\xEF\xB7\x90.com/", "the host contains a noncharacter"},             // U+FDD0
      {"https://a\xF0\x9F\xBF\xBF.com/", "the host contains a noncharacter"},         // U+1FFFF
      {"https://a\xF4\x8F\xBF\xBF.com/", "the host contains a noncharacter"},         // U+10FFFF
      {"https://a\xEE\x80\x80.com/", "the host contains a private-use character"},    // U+E000
      {"https://a\xF3\xB0\x80\x80.com/", "the host contains a private-use character"}, // U+F0000
      {"https://a\xEF\xBF\xBC.com/", "the host contains a character that domain names never hold"},  // U+FFFC
      {"https://a\xE2\x80\x83" "b.com/", "the host contains a space character"},         // U+2003
      {"https://a\xE3\x80\x80" "b.com/", "the host contains a space character"},         // U+3000
      {"https://a\xE2\x80\xA8" "b.com/", "the host contains a space character"},         // U+2028
      {"https://a\xE2\x80\x8F" "b.com/", "the host contains an invisible formatting character"},  // U+200F
      {"https://a\xE2\x80\xAE" "b.com/", "the host contains an invisible formatting character"},  // U+202E
      {"https://a\xF3\xA0\x80\x81" "b.com/", "the host contains an invisible formatting character"},  // U+E0001
      {"https://a\xEF\xBC\x8F" "b.com/", "the host contains a full-width form of a character that a host may not hold"},  // U+FF0F
      {"https://a\xEF\xBC\xA0" "b.com/", "the host contains a full-width form of a character that a host may not hold"},  // U+FF20
      {"https://\xEF\xBF\xBD/", "the host contains the replacement character \xEF\xBF\xBD (left where text was garbled)"},
      {"https://a\t\xEF\xBF\xBD.com/", "the host contains the replacement character \xEF\xBF\xBD (left where text was garbled)"},
  };
  for (const ReasonCase& c : cases) expect_reason(c.input, checks::url(c.input), c.reason);
  // Letters of any script, symbols and full-width letters or dots are fine; so is any of these
  // code points after the host.
  for (std::string_view value : {"https://b\xC3\xBC" "cher.de/"sv, "https://\xE4\xBE\x8B\xE5\xAD\x90.\xE5\xB9\xBF\xE5\x91\x8A/"sv,
                                 "https://\xF0\x9F\x98\x80.example/"sv, "https://\xEF\xBD\x81" "b.com/"sv,
                                 "https://ab\xEF\xBC\x8E" "com.example/"sv, "https://a.com/\xEF\xBF\xBD\xEF\xBF\xBF"sv,
                                 "https://a.com/?\xE2\x80\x83#\xEE\x80\x80"sv}) {
    expect_valid(value, checks::url(value));
  }
}

class UrlReasonTest : public testing::TestWithParam<ReasonCase> {};

TEST_P(UrlReasonTest, GivesTheSpecificReason) {
  expect_reason(GetParam().input, checks::url(GetParam().input), GetParam().reason);
}

INSTANTIATE_TEST_SUITE_P(Url, UrlReasonTest, testing::ValuesIn(kUrlReasons));

// A host whose last label is a number is parsed as an IPv4 address (WHATWG), including the
// shorthand, octal and hexadecimal forms; such hosts need no dot.
TEST(UrlTest, ValidatesIpv4Hosts) {
  for (std::string_view host : {"127.0.0.1"sv, "0.0.0.0"sv, "255.255.255.255"sv, "1.2.3.4."sv,
                                "127.1"sv, "10.0.258"sv, "2130706433"sv, "4294967295"sv,
                                "0x7f.0.0.1"sv, "0X7F.0.0.1"sv, "0177.0.0.1"sv, "0x"sv}) {
    const std::string value = "http://" + std::string(host) + "/";
    expect_valid(value, checks::url(value));
  }
  for (std::string_view host :
       {"256.0.0.1"sv, "1.2.3.256"sv, "1.2.3.999"sv, "1.2.65536"sv, "1.16777216"sv,
        "4294967296"sv, "99999999999999999999999"sv, "1.2.3.4.5"sv, "1..2.3"sv, "08.0.0.1"sv,
        "0xg.1.1.1"sv, "1.2.3.0x100"sv, "example.0x1"sv}) {
    const std::string value = "http://" + std::string(host) + "/";
    const char* reason = checks::url(value);
    expect_reason(value, reason, "the host ends in a number but is not a valid IPv4 address");
  }
  // Not ending in a number (the last part is empty once one trailing dot is dropped): a domain.
  expect_reason("http://1.2.3.4../", checks::url("http://1.2.3.4../"), "the host has two dots in a row");
  expect_reason("http://0xg/", checks::url("http://0xg/"), "the host has no dot");
  expect_valid("http://1.2.3.a/", checks::url("http://1.2.3.a/"));
}

TEST(UrlTest, ValidatesIpv6Hosts) {
  for (std::string_view host :
       {"[::1]"sv, "[::]"sv, "[1:2:3:4:5:6:7:8]"sv, "[2001:db8::1]"sv, "[2001:DB8::1]"sv,
        "[::ffff:192.168.0.1]"sv, "[1:2:3:4:5:6:1.2.3.4]"sv, "[1::]"sv, "[1:2:3:4:5:6:7::]"sv,
        "[::1]:8080"sv, "[fe80::0000:0:0:1]"sv}) {
    const std::string value = "http://" + std::string(host) + "/";
    expect_valid(value, checks::url(value));
  }
  for (std::string_view host :
       {"[]"sv, "[:1]"sv, "[1:]"sv, "[1:2:3:4:5:6:7:8:9]"sv, "[1:2:3:4:5:6:7]"sv,
        "[1::2::3]"sv, "[:::]"sv, "[12345::]"sv, "[g::]"sv, "[::1.2.3]"sv, "[::1.2.3.256]"sv,
        "[::01.2.3.4]"sv, "[::1.2.3.4.5]"sv, "[1:2:3:4:5:6:7:1.2.3.4]"sv, "[::.1.2.3]"sv,
        "[fe80::1%25eth0]"sv, "[ ::1]"sv}) {
    const std::string value = "http://" + std::string(host) + "/";
    expect_reason(value, checks::url(value), "the IPv6 address is not valid");
  }
}

TEST(UrlTest, ValidatesPorts) {
  for (std::string_view value :
       {"https://example.com:0/"sv, "https://example.com:65535/"sv, "https://example.com:/"sv,
        "https://example.com:0080/"sv, "https://example.com:443"sv, "https://example.com:443?x"sv,
        "https://example.com:443#x"sv, "https://example.com:443\\x"sv}) {
    expect_valid(value, checks::url(value));
  }
  expect_reason("space", checks::url("https://example.com:8 0/"), "the port is not a number");
  expect_reason("65536", checks::url("https://example.com:65536/"), "the port is greater than 65535");
}

// WHATWG removes tabs and newlines anywhere, and leading and trailing C0 controls and spaces.
TEST(UrlTest, IgnoresTabsAndNewlines) {
  const NormalCase cases[] = {
      {"ht\ttp://exa\nmple.com/pa\rth", "http://example.com/path"},
      {"h\nttps://EXAMPLE.com", "https://example.com"},
      {"https://\texample.com", "https://example.com"},
      {"https:/\n/example.com:8\t0/", "https://example.com:80/"},
      {"http://[::\t1]:8\n080/", "http://[::1]:8080/"},
      {"http://1\t27.0.0.1/", "http://127.0.0.1/"},
      {"http://0\tx7f.1/", "http://0x7f.1/"},
      {" https://example.com/ ", "https://example.com/"},
      {"\x01https://example.com/\x1F", "https://example.com/"},
  };
  for (const NormalCase& c : cases) {
    std::string normalized;
    ASSERT_EQ(checks::url(c.input, &normalized), nullptr) << show(c.input);
    EXPECT_EQ(normalized, c.normalized) << show(c.input);
  }
  expect_reason("tab only", checks::url("\t"), "it is empty");
  expect_reason("host of tabs", checks::url("https://\t\t/"), "it has no host");
  expect_reason("tab in localhost", checks::url("https://local\thost/"), "the host has no dot");
  expect_reason("tabs between dots", checks::url("https://a.\t.com/"), "the host has two dots in a row");
  expect_reason("tab in scheme", checks::url("ft\tp://example.com/"), "the scheme is not http or https");
}

TEST(UrlTest, NormalisesSchemeAndHost) {
  const NormalCase cases[] = {
      {"HTTPS://Example.COM/Path", "https://example.com/Path"},
      {"https://User:PW@Example.com/A?B=C#D", "https://User:PW@example.com/A?B=C#D"},
      {"HTTP://[2001:DB8::1]:80/X", "http://[2001:db8::1]:80/X"},
      {"Https://M\xC3\x9CNCHEN.de/", "https://m\xC3\x9C" "nchen.de/"},  // non-ASCII unchanged
      {"http://0X7F.0.0.1/", "http://0x7f.0.0.1/"},
      {"https://EXAMPLE.com:8080/Q?X=Y", "https://example.com:8080/Q?X=Y"},
  };
  for (const NormalCase& c : cases) {
    std::string normalized;
    ASSERT_EQ(checks::url(c.input, &normalized), nullptr) << show(c.input);
    EXPECT_EQ(normalized, c.normalized) << show(c.input);
  }
}

TEST(UrlTest, NormalisedFormOfACanonicalUrlIsTheInput) {
  for (std::string_view value : kValidUrls) {
    if (value == "HTTPS://Example.COM/Path") continue;
    std::string normalized;
    ASSERT_EQ(checks::url(value, &normalized), nullptr) << show(value);
    EXPECT_EQ(normalized, value);
  }
}

TEST(UrlTest, LeavesNormalizedUntouchedWhenInvalid) {
  std::string normalized = "untouched";
  EXPECT_NE(checks::url("https://localhost/", &normalized), nullptr);
  EXPECT_NE(checks::url("ftp://example.com/", &normalized), nullptr);
  EXPECT_EQ(normalized, "untouched");
}

// =============================================================================================
// Boolean

TEST(BooleanTest, AcceptsEveryAllowedSpellingInAnyCase) {
  struct Case {
    std::string_view input;
    bool value;
  };
  const Case cases[] = {
      {"true", true},   {"TRUE", true},   {"True", true},  {"yes", true},  {"YeS", true},
      {"y", true},      {"Y", true},      {"t", true},     {"T", true},    {"1", true},
      {"false", false}, {"FALSE", false}, {"fAlSe", false}, {"no", false}, {"NO", false},
      {"n", false},     {"N", false},     {"f", false},    {"F", false},   {"0", false},
  };
  for (const Case& c : cases) {
    bool out = !c.value;
    ASSERT_EQ(checks::boolean(c.input, &out), nullptr) << show(c.input);
    EXPECT_EQ(out, c.value) << show(c.input);
    EXPECT_EQ(checks::boolean(c.input), nullptr);
  }
}

TEST(BooleanTest, RejectsOtherValues) {
  expect_reason("", checks::boolean(""), "it is empty");
  for (std::string_view value : {"2"sv, "tru"sv, "yess"sv, "ye"sv, "on"sv, "off"sv, "truee"sv,
                                 "falsey"sv, "nein"sv, "01"sv, "-1"sv, "x"sv, "true "sv}) {
    expect_reason(value, checks::boolean(value), "it is not one of true, false, yes, no, y, n, t, f, 1 or 0");
  }
}

TEST(BooleanTest, LeavesOutUntouchedWhenInvalid) {
  bool out = true;
  EXPECT_NE(checks::boolean("maybe", &out), nullptr);
  EXPECT_TRUE(out);
}

// =============================================================================================
// Integer

TEST(IntegerTest, AcceptsAndNormalises) {
  const NormalCase cases[] = {
      {"0", "0"},
      {"-0", "0"},
      {"+0", "0"},
      {"000", "0"},
      {"007", "7"},
      {"+42", "42"},
      {"-42", "-42"},
      {"-007", "-7"},
      {"1234567890", "1234567890"},
      {"0000000000000000000000000000001", "1"},
      {"9223372036854775807", "9223372036854775807"},
      {"+9223372036854775807", "9223372036854775807"},
      {"-9223372036854775808", "-9223372036854775808"},
      {"-00009223372036854775808", "-9223372036854775808"},
  };
  for (const NormalCase& c : cases) {
    std::string normalized = "previous";
    ASSERT_EQ(checks::integer(c.input, &normalized), nullptr) << show(c.input);
    EXPECT_EQ(normalized, c.normalized) << show(c.input);
    EXPECT_EQ(checks::integer(c.input), nullptr);
  }
}

TEST(IntegerTest, RejectsWithSpecificReasons) {
  const ReasonCase cases[] = {
      {"", "it is empty"},
      {"+", "it has no digits"},
      {"-", "it has no digits"},
      {"1.5", "it has a decimal point"},
      {"1.0", "it has a decimal point"},
      {"1e3", "it contains \"e\""},
      {"1,000", "it contains \",\""},
      {"--1", "it contains \"-\""},
      {"+-1", "it contains \"-\""},
      {"-+1", "it contains \"+\""},
      {"12a", "it contains \"a\""},
      {"0x10", "it contains \"x\""},
      {" 1", "it contains a space"},
      {"1 000", "it contains a space"},
      {"1\t", "it contains a control character"},
      {"\xD9\xA1\xD9\xA2", "it contains a non-ASCII character"},
      {"\xE2\x88\x92" "5", "it contains a non-ASCII character"},  // U+2212 MINUS SIGN
      {"9223372036854775808", "it is greater than 9223372036854775807"},
      {"+99999999999999999999999", "it is greater than 9223372036854775807"},
      {"-9223372036854775809", "it is less than -9223372036854775808"},
  };
  for (const ReasonCase& c : cases) expect_reason(c.input, checks::integer(c.input), c.reason);
}

TEST(IntegerTest, LeavesNormalizedUntouchedWhenInvalid) {
  std::string normalized = "untouched";
  EXPECT_NE(checks::integer("12x", &normalized), nullptr);
  EXPECT_NE(checks::integer("9223372036854775808", &normalized), nullptr);
  EXPECT_EQ(normalized, "untouched");
}

// =============================================================================================
// Number

TEST(NumberTest, AcceptsFiniteDecimals) {
  for (std::string_view value :
       {"0"sv, "-0"sv, "+1"sv, "1.5"sv, "-1.5"sv, ".5"sv, "5."sv, "-.5"sv, "+.5"sv, "1e10"sv,
        "1E-10"sv, "1.5e+3"sv, "1.e5"sv, ".5e-5"sv, "007"sv, "00.100"sv,
        "123456789012345678901234567890"sv, "1e308"sv, "1.7976931348623157e308"sv,
        "-1.7976931348623157e308"sv, "1e-400"sv, "4.9e-324"sv, "0e999999"sv,
        "0.0000e99999999999999999999"sv, "0.001e311"sv, "1e-99999999999999999999"sv}) {
    expect_valid(value, checks::number(value));
  }
}

TEST(NumberTest, RejectsWithSpecificReasons) {
  const ReasonCase cases[] = {
      {"", "it is empty"},
      {"-", "it has no digits"},
      {"+", "it has no digits"},
      {".", "it has no digits"},
      {"-.", "it has no digits"},
      {"nan", "it is not finite"},
      {"NaN", "it is not finite"},
      {"-nan", "it is not finite"},
      {"inf", "it is not finite"},
      {"-inf", "it is not finite"},
      {"+Infinity", "it is not finite"},
      {"INFINITY", "it is not finite"},
      {"0x1A", "hexadecimal numbers are not allowed"},
      {"-0X10", "hexadecimal numbers are not allowed"},
      {"1e", "the exponent has no digits"},
      {"1e+", "the exponent has no digits"},
      {"1e-x", "the exponent has no digits"},
      {"e5", "it has no digits before the exponent"},
      {".e5", "it has no digits before the exponent"},
      {"1.2.3", "it has more than one decimal point"},
      {"1..2", "it has more than one decimal point"},
      {"1e5.5", "the exponent is not a whole number"},
      {"1e5e5", "it contains \"e\""},
      {"1,5", "it contains \",\""},
      {"1 000", "it contains a space"},
      {"12abc", "it contains \"a\""},
      {"infinite", "it contains \"i\""},
      {"1_000", "it contains \"_\""},
      {"\xE2\x88\x92" "1", "it contains a non-ASCII character"},
      {"1e309", "it is too large in magnitude"},
      {"-1e309", "it is too large in magnitude"},
      {"2e308", "it is too large in magnitude"},
      {"1e99999999999999999999", "it is too large in magnitude"},
  };
  for (const ReasonCase& c : cases) expect_reason(c.input, checks::number(c.input), c.reason);
}

// Values that round to infinity as a double are rejected; compare with std::from_chars
// around DBL_MAX and the rounding threshold 2^1024 - 2^970.
TEST(NumberTest, RejectsExactlyTheValuesThatOverflowADouble) {
  const std::string threshold =
      "17976931348623158079372897140530341507993413271003782693617377898044496829276475094664901"
      "79775872070963302864166928879109465555478519404026306574886715058206819089020007083836762"
      "73854845817711531764475730270069855571366959622842914819860834936475292719074168444365510"
      "704342711559699508093042880177904174497792";
  std::string below = threshold;
  below.back() = '1';
  const std::vector<std::string> values = {
      threshold,
      below,
      below + ".999999999",
      threshold + ".000",
      threshold + "0e-1",
      "0." + threshold + "e309",
      "0." + below + "e309",
      "0.000" + threshold + "e312",
      threshold.substr(0, 1) + "." + threshold.substr(1) + "e308",
      below.substr(0, 1) + "." + below.substr(1) + "e308",
      "1.7976931348623157e308",
      "1.7976931348623158e308",
      "1.7976931348623159e308",
      "1.797693134862315807e308",
      "1.797693134862315808e308",
      "1.79769313486231581e308",
      "17976931348623157" + std::string(292, '0'),
      "17976931348623159" + std::string(292, '0'),
      "-1.7976931348623158e308",
      "-1.7976931348623159e308",
      "9e307",
      "9e308",
      "0.9e309",
      "0.17e310",
  };
  for (const std::string& value : values) {
    double parsed = 0;
    const auto result = std::from_chars(value.data(), value.data() + value.size(), parsed);
    ASSERT_EQ(result.ptr, value.data() + value.size()) << value;
    const bool overflows = result.ec == std::errc::result_out_of_range;
    const char* reason = checks::number(value);
    EXPECT_EQ(reason != nullptr, overflows) << value << ": " << show_reason(reason);
  }
}

// =============================================================================================
// Date

TEST(DateTest, AcceptsCalendarDatesAndTimes) {
  for (std::string_view value :
       {"2024-01-31"sv, "2024-04-30"sv, "2023-12-31"sv, "0001-01-01"sv, "9999-12-31"sv,
        "2024-06-15T10:30"sv, "2024-06-15 10:30"sv, "2024-06-15T10:30:45"sv,
        "2024-06-15T00:00:00"sv, "2024-06-15T23:59:59"sv, "2024-06-15T23:59:59.1"sv,
        "2024-06-15T10:30:45.123456789"sv, "2024-06-15T10:30Z"sv, "2024-06-15T10:30:45Z"sv,
        "2024-06-15T10:30:45.5Z"sv, "2024-06-15T10:30:45+02:00"sv, "2024-06-15T10:30-23:59"sv,
        "2024-06-15 10:30:45.000+00:00"sv, "2024-06-15T10:30:45-00:00"sv}) {
    expect_valid(value, checks::date(value));
  }
}

TEST(DateTest, KnowsLeapYears) {
  expect_valid("2024-02-29", checks::date("2024-02-29"));
  expect_valid("2000-02-29", checks::date("2000-02-29"));
  expect_valid("1600-02-29", checks::date("1600-02-29"));
  expect_valid("0004-02-29", checks::date("0004-02-29"));
  expect_valid("2023-02-28", checks::date("2023-02-28"));
  for (std::string_view value : {"2023-02-29"sv, "1900-02-29"sv, "2100-02-29"sv, "2023-02-29T10:00"sv}) {
    expect_reason(value, checks::date(value), "the year is not a leap year");
  }
  expect_reason("2024-02-30", checks::date("2024-02-30"), "the day does not exist in that month");
}

TEST(DateTest, KnowsTheDaysOfEachMonth) {
  constexpr int kDays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};  // in 2024
  for (int month = 1; month <= 12; ++month) {
    char valid[32];
    char invalid[32];
    std::snprintf(valid, sizeof valid, "2024-%02d-%02d", month, kDays[month - 1]);
    std::snprintf(invalid, sizeof invalid, "2024-%02d-%02d", month, kDays[month - 1] + 1);
    expect_valid(valid, checks::date(valid));
    const char* reason = checks::date(invalid);
    EXPECT_NE(reason, nullptr) << invalid;
  }
  expect_reason("2024-04-31", checks::date("2024-04-31"), "the day does not exist in that month");
  expect_reason("2024-11-31", checks::date("2024-11-31"), "the day does not exist in that month");
  expect_reason("2024-01-32", checks::date("2024-01-32"), "the day is out of range");
}

// Decision: seconds go up to 59; a leap second (":60") is rejected.
TEST(DateTest, RejectsLeapSeconds) {
  expect_reason("23:59:60", checks::date("2016-12-31T23:59:60Z"), "the second is out of range");
  expect_reason("23:59:60", checks::date("2016-12-31T23:59:60"), "the second is out of range");
}

TEST(DateTest, RejectsWithSpecificReasons) {
  const ReasonCase cases[] = {
      {"", "it is empty"},
      {"0000-01-01", "the year is out of range"},
      {"2024-00-10", "the month is out of range"},
      {"2024-13-01", "the month is out of range"},
      {"2024-01-00", "the day is out of range"},
      {"2024-01-99", "the day is out of range"},
      {"24-01-01", "it is not in the form YYYY-MM-DD"},
      {"2024/01/01", "it is not in the form YYYY-MM-DD"},
      {"2024-1-1", "it is not in the form YYYY-MM-DD"},
      {"2024-01-1", "it is not in the form YYYY-MM-DD"},
      {"01/02/2024", "it is not in the form YYYY-MM-DD"},
      {"20240101", "it is not in the form YYYY-MM-DD"},
      {"+2024-01-01", "it is not in the form YYYY-MM-DD"},
      {"2024-01-0a", "it is not in the form YYYY-MM-DD"},
      {"12024-01-01", "it is not in the form YYYY-MM-DD"},
      {"2024-01-01x", "it has extra characters after the date"},
      {"2024-01-01Z", "it has extra characters after the date"},
      {"2024-01-01t10:00", "the T must be upper case"},
      {"2024-01-01T", "the time is not in the form HH:MM"},
      {"2024-01-01T10", "the time is not in the form HH:MM"},
      {"2024-01-01T1:00", "the time is not in the form HH:MM"},
      {"2024-01-01T10-00", "the time is not in the form HH:MM"},
      {"2024-01-01T24:00", "the hour is out of range"},
      {"2024-01-01T10:60", "the minute is out of range"},
      {"2024-01-01T10:00:5", "the seconds are not two digits"},
      {"2024-01-01T10:00:", "the seconds are not two digits"},
      {"2024-01-01T10:00:61", "the second is out of range"},
      {"2024-01-01T10:00:00.", "the fraction of a second has no digits"},
      {"2024-01-01T10:00:00.Z", "the fraction of a second has no digits"},
      {"2024-01-01T10:00:00.1234567890", "the fraction of a second has more than 9 digits"},
      {"2024-01-01T10:00z", "the Z must be upper case"},
      {"2024-01-01T10:00+24:00", "the time zone offset is out of range"},
      {"2024-01-01T10:00+01:60", "the time zone offset is out of range"},
      {"2024-01-01T10:00+0100", "the time zone offset is not in the form +HH:MM or -HH:MM"},
      {"2024-01-01T10:00+01", "the time zone offset is not in the form +HH:MM or -HH:MM"},
      {"2024-01-01T10:00+1:00", "the time zone offset is not in the form +HH:MM or -HH:MM"},
      {"2024-01-01T10:00Z+01:00", "it has extra characters after the time zone"},
      {"2024-01-01T10:00:00+01:00:00", "it has extra characters after the time zone"},
      {"2024-01-01T10:00 AM", "it has extra characters after the time"},
      {"2024-01-01T10:00.5", "it has extra characters after the time"},
      {"2024-01-01T10:00:00,5", "it has extra characters after the time"},
  };
  for (const ReasonCase& c : cases) expect_reason(c.input, checks::date(c.input), c.reason);
}

// =============================================================================================
// Locale and country

TEST(LocaleTest, AcceptsLanguageAndLanguageCountry) {
  for (std::string_view value : {"en"sv, "de"sv, "fil"sv, "en_US"sv, "pt_BR"sv, "fil_PH"sv,
                                 "zh_CN"sv, "de_CH"sv, "sr_RS"sv}) {
    expect_valid(value, checks::locale(value));
  }
}

TEST(LocaleTest, RejectsWithSpecificReasons) {
  const ReasonCase cases[] = {
      {"", "it is empty"},
      {"e", "the language code is not 2 or 3 letters"},
      {"engl", "the language code is not 2 or 3 letters"},
      {"e1", "the language code is not 2 or 3 letters"},
      {"_US", "the language code is not 2 or 3 letters"},
      {"EN", "the language code is not in lower case"},
      {"En_US", "the language code is not in lower case"},
      {"en-US", "it has a hyphen where an underscore is expected"},
      {"en.UTF-8", "it contains \".\""},
      {"en US", "it contains a space"},
      {"en_", "the country code after the underscore is missing"},
      {"en_us", "the country code is not in upper case"},
      {"en_Us", "the country code is not in upper case"},
      {"en_USA", "the country code is not 2 letters"},
      {"en_US.UTF-8", "the country code is not 2 letters"},
      {"en_U", "the country code is not 2 letters"},
      {"en_XX", "the country code is not an assigned ISO 3166-1 code"},
      {"en_UK", "the country code is not assigned (the United Kingdom is GB)"},
  };
  for (const ReasonCase& c : cases) expect_reason(c.input, checks::locale(c.input), c.reason);
}

// The 249 officially assigned ISO 3166-1 alpha-2 codes, written out independently of the
// implementation's table.
const std::set<std::string> kAssignedCountries = {
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
};

TEST(CountryTest, AcceptsExactlyTheAssignedCodes) {
  ASSERT_EQ(kAssignedCountries.size(), 249u);
  int accepted = 0;
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) {
      const std::string code{a, b};
      const char* reason = checks::country(code);
      EXPECT_EQ(reason == nullptr, kAssignedCountries.count(code) == 1)
          << code << ": " << show_reason(reason);
      accepted += reason == nullptr;
      if (reason != nullptr && code != "UK") {
        EXPECT_STREQ(reason, "it is not an assigned ISO 3166-1 code") << code;
      }
    }
  }
  EXPECT_EQ(accepted, 249);
}

TEST(CountryTest, RejectsWithSpecificReasons) {
  const ReasonCase cases[] = {
      {"", "it is empty"},
      {"us", "it is not in upper case"},
      {"Us", "it is not in upper case"},
      {"uS", "it is not in upper case"},
      {"USA", "it is not 2 letters"},
      {"U", "it is not 2 letters"},
      {"U1", "it is not 2 letters"},
      {"U.", "it is not 2 letters"},
      {"\xC3\x9C" "S", "it is not 2 letters"},
      {"XK", "it is not an assigned ISO 3166-1 code"},  // Kosovo: user-assigned, not official
      {"EU", "it is not an assigned ISO 3166-1 code"},
      {"AN", "it is not an assigned ISO 3166-1 code"},  // withdrawn
      {"UK", "it is not assigned (the United Kingdom is GB)"},
  };
  for (const ReasonCase& c : cases) expect_reason(c.input, checks::country(c.input), c.reason);
}

// =============================================================================================
// Phone

TEST(PhoneTest, AcceptsAndNormalises) {
  const NormalCase cases[] = {
      {"+1 (555) 123-4567", "+15551234567"},
      {"555-1234", "5551234"},
      {"1234567", "1234567"},
      {"+44 20 7946 0958", "+442079460958"},
      {"030.1234.5678", "03012345678"},
      {"(030) 123 45 67", "0301234567"},
      {"+123456789012345", "+123456789012345"},
      {"+49 (0)30 - 1234 567", "+490301234567"},
  };
  for (const NormalCase& c : cases) {
    std::string normalized = "previous";
    ASSERT_EQ(checks::phone(c.input, &normalized), nullptr) << show(c.input);
    EXPECT_EQ(normalized, c.normalized) << show(c.input);
  }
}

TEST(PhoneTest, RejectsWithSpecificReasons) {
  const ReasonCase cases[] = {
      {"", "it is empty"},
      {"+", "it has fewer than 7 digits"},
      {"123456", "it has fewer than 7 digits"},
      {"(12) 34-56", "it has fewer than 7 digits"},
      {"1234567890123456", "it has more than 15 digits"},
      {"+1 234 567 890 123 456", "it has more than 15 digits"},
      {"555-1234 ext. 5", "it contains \"e\""},
      {"555-1234 x5", "it contains \"x\""},
      {"1-800-FLOWERS", "it contains \"F\""},
      {"555/123/4567", "it contains \"/\""},
      {"555_1234567", "it contains \"_\""},
      {"555\t1234567", "it contains a control character"},
      {"\xEF\xBC\x95" "551234567", "it contains a non-ASCII character"},
      {"+1 +555 1234567", "it has a + that is not at the start"},
      {"++15551234567", "it has a + that is not at the start"},
      {"(555 123-4567", "its parentheses do not match"},
      {"555) 123-4567", "its parentheses do not match"},
      {"((555)) 1234567", "it has nested parentheses"},
  };
  for (const ReasonCase& c : cases) expect_reason(c.input, checks::phone(c.input), c.reason);
}

TEST(PhoneTest, LeavesNormalizedUntouchedWhenInvalid) {
  std::string normalized = "untouched";
  EXPECT_NE(checks::phone("12345", &normalized), nullptr);
  EXPECT_EQ(normalized, "untouched");
}

// =============================================================================================
// UTF-8

TEST(Utf8Test, AcceptsWellFormedText) {
  for (std::string_view value :
       {""sv, "hello"sv, "\x7F"sv, "\0"sv, "\xC2\x80"sv, "\xC2\xA9"sv, "\xDF\xBF"sv,
        "\xE0\xA0\x80"sv, "\xE2\x82\xAC"sv, "\xED\x9F\xBF"sv, "\xEE\x80\x80"sv, "\xEF\xBF\xBF"sv,
        "\xF0\x90\x80\x80"sv, "\xF0\x9F\x98\x80"sv, "\xF4\x8F\xBF\xBF"sv,
        "na\xC3\xAFve caf\xC3\xA9, \xE2\x82\xAC" "5 \xF0\x9F\x98\x80 \xE4\xBE\x8B"sv}) {
    EXPECT_TRUE(checks::valid_utf8(value)) << show(value);
  }
}

TEST(Utf8Test, RejectsMalformedText) {
  for (std::string_view value : {
           "\xC0\xAF"sv,          // overlong "/"
           "\xC1\xBF"sv,          // overlong
           "\xE0\x80\xAF"sv,      // overlong "/"
           "\xE0\x9F\xBF"sv,      // overlong
           "\xF0\x80\x80\xAF"sv,  // overlong "/"
           "\xF0\x8F\xBF\xBF"sv,  // overlong
           "\xED\xA0\x80"sv,      // surrogate U+D800
           "\xED\xBF\xBF"sv,      // surrogate U+DFFF
           "\xF4\x90\x80\x80"sv,  // U+110000
           "\xF5\x80\x80\x80"sv,
           "\xF8\x88\x80\x80\x80"sv,
           "\xFE"sv,
           "\xFF"sv,
           "\x80"sv,              // lone continuation byte
           "\xBF"sv,
           "\xC2"sv,              // truncated at the end
           "abc\xE2\x82"sv,
           "\xF0\x9F\x98"sv,
           "\xC2" "A"sv,          // bad continuation
           "\xE2\x28\xA1"sv,
           "\xF0\x9F\x98\x28"sv,
           "hello \xF0\x9F\x98\x80\xF0\x9F\x98"sv,
       }) {
    EXPECT_FALSE(checks::valid_utf8(value)) << show(value);
  }
}

// The eight-byte ASCII fast path must not skip anything: put a valid or invalid sequence at
// every offset of strings of every length up to 40.
TEST(Utf8Test, FastPathChecksEveryOffset) {
  for (std::size_t size = 1; size <= 40; ++size) {
    for (std::size_t at = 0; at < size; ++at) {
      std::string text(size, 'a');
      text[at] = '\x80';
      EXPECT_FALSE(checks::valid_utf8(text)) << size << " " << at;
      text[at] = '\xC2';  // truncated or followed by 'a'
      EXPECT_FALSE(checks::valid_utf8(text)) << size << " " << at;
      if (at + 4 <= size) {
        text.replace(at, 4, "\xF0\x9F\x98\x80");
        EXPECT_TRUE(checks::valid_utf8(text)) << size << " " << at;
        EXPECT_EQ(checks::utf8_length(text), size - 3) << size << " " << at;
        text.replace(at, 4, "\xED\xA0\x80" "a");
        EXPECT_FALSE(checks::valid_utf8(text)) << size << " " << at;
      }
    }
  }
}

TEST(Utf8Test, CountsCodePoints) {
  EXPECT_EQ(checks::utf8_length(""), 0u);
  EXPECT_EQ(checks::utf8_length("abc"), 3u);
  EXPECT_EQ(checks::utf8_length("\xE2\x82\xAC"), 1u);
  EXPECT_EQ(checks::utf8_length("\xF0\x9F\x98\x80"), 1u);
  EXPECT_EQ(checks::utf8_length("na\xC3\xAFve caf\xC3\xA9"), 10u);
  EXPECT_EQ(checks::utf8_length("a\xE2\x82\xAC" "b\xF0\x9F\x98\x80" "c"), 5u);
  EXPECT_EQ(checks::utf8_length(repeat("\xF0\x9F\x98\x80", 10)), 10u);
  EXPECT_EQ(checks::utf8_length(repeat("\xC3\xA9", 1000)), 1000u);
  EXPECT_EQ(checks::utf8_length(repeat("x\xE4\xBE\x8B", 333) + "yz"), 668u);
  EXPECT_EQ(checks::utf8_length(std::string(1001, 'a')), 1001u);
}

// =============================================================================================
// Properties shared by every check

// Every reason completes "... is not a valid X: <reason>.": lower case, no final period, short,
// and it never quotes the value.
TEST(ReasonTest, ReasonsAreShortLowerCasePhrases) {
  std::vector<const char*> reasons;
  for (const ReasonCase& c : kEmailReasons) reasons.push_back(checks::email(c.input));
  for (const ReasonCase& c : kUrlReasons) reasons.push_back(checks::url(c.input));
  const std::string long_value = repeat("Aa1.-_@/:% \xC3\xA9", 100);
  reasons.push_back(checks::email(long_value));
  reasons.push_back(checks::email("x@" + long_value));
  reasons.push_back(checks::url(long_value));
  reasons.push_back(checks::url("https://" + long_value));
  reasons.push_back(checks::boolean(long_value));
  reasons.push_back(checks::integer(long_value));
  reasons.push_back(checks::integer(std::string(200, '9')));
  reasons.push_back(checks::number(long_value));
  reasons.push_back(checks::date(long_value));
  reasons.push_back(checks::locale(long_value));
  reasons.push_back(checks::country(long_value));
  reasons.push_back(checks::phone(long_value));
  for (const char* reason : reasons) {
    ASSERT_NE(reason, nullptr);
    const std::string_view text(reason);
    ASSERT_FALSE(text.empty());
    EXPECT_TRUE(text[0] >= 'a' && text[0] <= 'z') << text;
    EXPECT_NE(text.back(), '.') << text;
    EXPECT_LE(text.size(), 80u) << text;
  }
}

// With a normalised value asked for, the caller's string is reused: no reallocation when its
// capacity is already large enough.
TEST(NormalizedTest, ReusesTheCallersString) {
  std::string normalized;
  normalized.reserve(256);
  const char* const buffer = normalized.data();
  ASSERT_EQ(checks::email("John@Example.COM", &normalized), nullptr);
  ASSERT_EQ(checks::url("HTTPS://Example.COM/Path", &normalized), nullptr);
  ASSERT_EQ(checks::url("ht\ttps://Example.COM/Path", &normalized), nullptr);
  ASSERT_EQ(checks::integer("+0042", &normalized), nullptr);
  ASSERT_EQ(checks::phone("+1 (555) 123-4567", &normalized), nullptr);
  EXPECT_EQ(normalized, "+15551234567");
  EXPECT_EQ(normalized.data(), buffer);
}

}  // namespace
