// Tests for encoding detection and transcoding (core/src/decoder.h): byte-order marks, UTF-16
// sniffing, when windows-1252 is (and is not) taken, binary files, requested encodings, and the
// Decoder's UTF-16 and windows-1252 output, chunk by chunk.
#include "decoder.h"
#include "text.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using rowgate::Encoding;
using rowgate::detail::Decoder;
using rowgate::detail::Detection;
using rowgate::detail::detect_encoding;
using rowgate::detail::encoding_name;
using namespace std::string_literals;

std::string hex(std::string_view s) {
  std::string out;
  for (char c : s) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%02X ", static_cast<unsigned char>(c));
    out += buf;
  }
  return out;
}

// UTF-8 of a code point, written independently of the code under test.
std::string utf8(std::uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

// ASCII text as UTF-16 code units.
std::string utf16(std::string_view ascii, bool little_endian) {
  std::string out;
  for (char c : ascii) {
    if (little_endian) {
      out += c;
      out += '\0';
    } else {
      out += '\0';
      out += c;
    }
  }
  return out;
}

const char* name_of(Encoding e) {
  switch (e) {
    case Encoding::Auto: return "auto";
    case Encoding::Utf8: return "utf-8";
    case Encoding::Utf16Le: return "utf-16le";
    case Encoding::Utf16Be: return "utf-16be";
    case Encoding::Windows1252: return "windows-1252";
  }
  return "?";
}

// ---- detect_encoding: text ----------------------------------------------------------------------

struct DetectCase {
  const char* name;
  std::string prefix;
  bool at_eof;
  Encoding requested;
  Encoding expected;
  std::size_t bom_length;
};

void PrintTo(const DetectCase& c, std::ostream* os) { *os << c.name << ": " << hex(c.prefix.substr(0, 24)); }

class DetectEncoding : public ::testing::TestWithParam<DetectCase> {};

TEST_P(DetectEncoding, DecidesTheEncoding) {
  const DetectCase& c = GetParam();
  Detection d = detect_encoding(c.prefix, c.at_eof, c.requested);
  EXPECT_EQ(name_of(d.encoding), std::string(name_of(c.expected)));
  EXPECT_EQ(d.bom_length, c.bom_length);
  EXPECT_EQ(d.binary, "");
}

const std::string kCsv = "name,city\nAna,Lisbon\nBo,Oslo\n";

const DetectCase kDetectCases[] = {
    {"ascii", kCsv, true, Encoding::Auto, Encoding::Utf8, 0},
    {"utf8_bom", "\xEF\xBB\xBF" + kCsv, true, Encoding::Auto, Encoding::Utf8, 3},
    {"utf8_bom_alone", "\xEF\xBB\xBF", true, Encoding::Auto, Encoding::Utf8, 3},
    {"utf16le_bom", "\xFF\xFE" + utf16(kCsv, true), true, Encoding::Auto, Encoding::Utf16Le, 2},
    {"utf16be_bom", "\xFE\xFF" + utf16(kCsv, false), true, Encoding::Auto, Encoding::Utf16Be, 2},
    {"utf16le_bom_non_ascii", "\xFF\xFE\xE9\x00\xAC\x20"s, true, Encoding::Auto, Encoding::Utf16Le, 2},
    {"utf16le_sniffed", utf16(kCsv, true), true, Encoding::Auto, Encoding::Utf16Le, 0},
    {"utf16be_sniffed", utf16(kCsv, false), true, Encoding::Auto, Encoding::Utf16Be, 0},
    {"utf16le_sniffed_from_a_cut_prefix", utf16(kCsv, true).substr(0, 41), false, Encoding::Auto, Encoding::Utf16Le, 0},
    {"utf8_accents", "name\nZ\xC3\xBCrich\nS\xC3\xA3o Paulo\n", true, Encoding::Auto, Encoding::Utf8, 0},
    {"utf8_cut_in_a_character", "name\nZ\xC3\xBCrich\nS\xC3", false, Encoding::Auto, Encoding::Utf8, 0},
    {"utf8_emoji", "a\n\xF0\x9F\x98\x80\n", true, Encoding::Auto, Encoding::Utf8, 0},
    {"cp1252_accented_letters", "name\nCaf\xE9\nM\xFCller\nS\xE3o Paulo\n", true, Encoding::Auto, Encoding::Windows1252, 0},
    {"cp1252_not_at_eof", "name\nCaf\xE9\nM\xFCller\nS\xE3o Paulo\n", false, Encoding::Auto, Encoding::Windows1252, 0},
    {"cp1252_smart_quotes_and_letters", "name\nJos\xE9\n\x93Na\xEFve\x94\n", true, Encoding::Auto, Encoding::Windows1252, 0},
    // Not confident: an undefined byte, or a valid UTF-8 sequence anywhere in the prefix.
    {"undefined_1252_byte_is_not_1252", "name\nCaf\xE9\nAb\x81x\n", true, Encoding::Auto, Encoding::Utf8, 0},
    {"undefined_0x9d_is_not_1252", "name\nCaf\xE9\nAb\x9Dx\n", true, Encoding::Auto, Encoding::Utf8, 0},
    {"mixed_with_utf8_is_not_1252", "name\nCaf\xE9\nZ\xC3\xBCrich\n", true, Encoding::Auto, Encoding::Utf8, 0},
    {"only_the_cut_bytes_high_is_not_1252", "name\nabc\xC3", false, Encoding::Auto, Encoding::Utf8, 0},
    // Every high byte needs a letter beside it; another high byte that is not a letter will not do.
    {"symbols_beside_symbols_are_not_1252", "name\nx \xBF\xA0\x80\xAF\n", true, Encoding::Auto, Encoding::Utf8, 0},
    {"cp1252_nbsp_between_letters", "name\nJean\xA0" "Dupont\n", true, Encoding::Auto, Encoding::Windows1252, 0},
    {"cp1252_guillemets_around_accented_letters", "name\n\xAB\xC9lys\xE9\xBB\n", true, Encoding::Auto, Encoding::Windows1252, 0},
    {"cp1252_euro_after_a_letter", "name\nEUR\x80\n", true, Encoding::Auto, Encoding::Windows1252, 0},
    // Requested encodings are obeyed; only their own byte-order mark is dropped.
    {"requested_utf16le_on_ascii", kCsv, true, Encoding::Utf16Le, Encoding::Utf16Le, 0},
    {"requested_utf16be_on_ascii", kCsv, true, Encoding::Utf16Be, Encoding::Utf16Be, 0},
    {"requested_1252_on_utf8", "name\nZ\xC3\xBCrich\n", true, Encoding::Windows1252, Encoding::Windows1252, 0},
    {"requested_utf8_on_1252", "name\nCaf\xE9\n", true, Encoding::Utf8, Encoding::Utf8, 0},
    {"requested_utf8_on_utf16_text", utf16(kCsv, true), true, Encoding::Utf8, Encoding::Utf8, 0},
    {"requested_utf8_drops_its_bom", "\xEF\xBB\xBF" + kCsv, true, Encoding::Utf8, Encoding::Utf8, 3},
    {"requested_utf16le_drops_its_bom", "\xFF\xFE" + utf16(kCsv, true), true, Encoding::Utf16Le, Encoding::Utf16Le, 2},
    {"requested_utf16be_drops_its_bom", "\xFE\xFF" + utf16(kCsv, false), true, Encoding::Utf16Be, Encoding::Utf16Be, 2},
    {"requested_utf16be_keeps_a_le_bom", "\xFF\xFE" + utf16(kCsv, true), true, Encoding::Utf16Be, Encoding::Utf16Be, 0},
    {"requested_1252_keeps_a_utf8_bom", "\xEF\xBB\xBF" + kCsv, true, Encoding::Windows1252, Encoding::Windows1252, 0},
    {"a_few_nul_bytes_are_not_binary", "a,b\n1,\0\n2,3\n"s, true, Encoding::Auto, Encoding::Utf8, 0},
};

INSTANTIATE_TEST_SUITE_P(Cases, DetectEncoding, ::testing::ValuesIn(kDetectCases),
                         [](const ::testing::TestParamInfo<DetectCase>& i) { return std::string(i.param.name); });

// Regression: a file whose only high bytes were broken UTF-8 (an overlong form, a surrogate, a
// code point past U+10FFFF) was read as windows-1252 ("\xC0\xAF" as "À¯") and accepted, where
// it must be invalid_encoding. A byte from 0xC0 up followed by the continuation bytes of a UTF-8
// sequence is not windows-1252, valid or not.
TEST(DetectEncodingCp1252, BrokenUtf8IsNotTakenForWindows1252) {
  for (std::string broken : {"\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xED\xBF\xBF",
                             "\xF0\x80\x80\xAF", "\xF4\x90\x80\x80", "\xF4\xBF\xBF\xBF", "\xF7\xBF\xBF\xBF"}) {
    for (std::string text : {"name\nB" + broken + "b\n", "name\nCaf\xE9\nB" + broken + "b\nM\xFCller\n"}) {
      for (bool at_eof : {true, false}) {
        Detection d = detect_encoding(text, at_eof, Encoding::Auto);
        EXPECT_EQ(name_of(d.encoding), std::string("utf-8")) << hex(text) << (at_eof ? " whole" : " cut");
      }
    }
  }
  // A lead byte without all its continuation bytes is still read as windows-1252 ("é»" ends a
  // French quotation: E9 BB then a quote).
  EXPECT_EQ(name_of(detect_encoding("name\n\xAB\xC9t\xE9\xBB\"\n", true, Encoding::Auto).encoding),
            std::string("windows-1252"));
}

TEST(DetectEncodingCp1252, NeverTakenForValidUtf8) {
  // Random valid UTF-8 (ASCII letters and two- to four-byte characters): never windows-1252.
  std::mt19937 rng(7);
  const std::uint32_t pool[] = {'a', 'B', ',', '\n', 0xE9, 0xFC, 0x20AC, 0x2019, 0x4E2D, 0x1F600};
  std::uniform_int_distribution<std::size_t> pick(0, std::size(pool) - 1);
  for (int n = 0; n < 200; ++n) {
    std::string text;
    for (int k = 0; k < 40; ++k) text += utf8(pool[pick(rng)]);
    for (bool at_eof : {true, false}) {
      Detection d = detect_encoding(text, at_eof, Encoding::Auto);
      EXPECT_EQ(name_of(d.encoding), std::string("utf-8")) << hex(text);
      EXPECT_EQ(d.binary, "");
    }
  }
}

// ---- detect_encoding: binary files --------------------------------------------------------------

struct BinaryCase {
  const char* name;
  std::string prefix;
  const char* mentions;  // a word the sentence must hold
};

void PrintTo(const BinaryCase& c, std::ostream* os) { *os << c.name; }

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<char>(rng() & 0xFF);
  return s;
}

// The first bytes of an .xlsx: a ZIP local file header for [Content_Types].xml, then deflated data.
std::string xlsx_prefix() {
  return "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00\x21\x00\x62\xEE\x9D\x68\x5E\x01\x00\x00\x90\x04\x00\x00"
         "\x13\x00\x08\x02[Content_Types].xml \xA2\x04\x02\x28\xA0\x00\x02"s +
         random_bytes(2000, 1);
}

// The first bytes of an old .xls: the OLE2 compound file header (512 bytes) and a FAT sector.
std::string xls_prefix() {
  std::string h = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"s + std::string(16, '\0') +
                  "\x3E\x00\x03\x00\xFE\xFF\x09\x00\x06\x00"s + std::string(6, '\0') +
                  "\x00\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x10\x00\x00"s +
                  "\xFE\xFF\xFF\xFF\x00\x00\x00\x00\xFE\xFF\xFF\xFF\x00\x00\x00\x00\x00\x00\x00\x00"s;
  h += std::string(512 - h.size(), '\xFF');
  h += "\xFD\xFF\xFF\xFF\xFE\xFF\xFF\xFF"s + std::string(504, '\xFF');
  return h + random_bytes(1000, 2);
}

// Bytes that are neither text nor a known format: about a third of them NUL.
std::string nul_heavy() {
  std::string s = random_bytes(4096, 3);
  for (std::size_t i = 0; i < s.size(); i += 3) s[i] = '\0';
  return s;
}

class DetectBinary : public ::testing::TestWithParam<BinaryCase> {};

TEST_P(DetectBinary, IsReportedWithASentence) {
  const BinaryCase& c = GetParam();
  for (bool at_eof : {true, false}) {
    Detection d = detect_encoding(c.prefix, at_eof, Encoding::Auto);
    ASSERT_FALSE(d.binary.empty()) << "taken for " << name_of(d.encoding);
    EXPECT_NE(d.binary.find(c.mentions), std::string::npos) << d.binary;
    EXPECT_TRUE(d.binary[0] >= 'A' && d.binary[0] <= 'Z') << d.binary;
    EXPECT_EQ(d.binary.back(), '.') << d.binary;
  }
}

const BinaryCase kBinaryCases[] = {
    {"xlsx", xlsx_prefix(), "ZIP"},
    {"empty_zip", "PK\x05\x06"s + std::string(18, '\0'), "ZIP"},
    {"zip_magic_only", "PK\x03\x04", "ZIP"},
    {"xls", xls_prefix(), ".xls"},
    {"pdf", "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n", "PDF"},
    {"gzip", "\x1F\x8B\x08\x00\x00\x00\x00\x00\x00\x03"s + random_bytes(500, 4), "gzip"},
    {"nul_heavy", nul_heavy(), "binary"},
    {"control_heavy", std::string(64, '\x01') + std::string(64, 'a'), "binary"},
};

INSTANTIATE_TEST_SUITE_P(Cases, DetectBinary, ::testing::ValuesIn(kBinaryCases),
                         [](const ::testing::TestParamInfo<BinaryCase>& i) { return std::string(i.param.name); });

// A ZIP archive that stores (without compressing) a UTF-16LE text file: its header and name
// are followed by text whose every other byte is zero.
std::string zip_of_utf16_text() {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "name,city\nAna,Lisbon\n";
  std::string body = "\xFF\xFE" + utf16(text, true);
  return "PK\x03\x04\x0A\x00\x00\x00\x00\x00\x5A\x7B\x21\x58\x12\x34\x56\x78"s + "\x4A\x1F\x00\x00\x4A\x1F\x00\x00"s +
         "\x08\x00\x00\x00" "data.txt"s + body;
}

// Regression: the UTF-16 sniff once ran before the file signatures were looked at, so a ZIP
// archive whose first member is stored UTF-16 text was taken for UTF-16LE text.
TEST(DetectBinaryZip, ZipHoldingStoredUtf16TextIsStillAZip) {
  Detection d = detect_encoding(zip_of_utf16_text(), false, Encoding::Auto);
  EXPECT_NE(d.binary.find("ZIP"), std::string::npos) << "taken for " << name_of(d.encoding);
}

TEST(EncodingName, NamesEachEncoding) {
  EXPECT_EQ(encoding_name(Encoding::Utf8), "utf-8");
  EXPECT_EQ(encoding_name(Encoding::Auto), "utf-8");
  EXPECT_EQ(encoding_name(Encoding::Utf16Le), "utf-16le");
  EXPECT_EQ(encoding_name(Encoding::Utf16Be), "utf-16be");
  EXPECT_EQ(encoding_name(Encoding::Windows1252), "windows-1252");
}

// ---- Decoder ------------------------------------------------------------------------------------

// Decodes `in` split at the given positions, then finishes.
std::string decode_split(Encoding e, std::string_view in, std::vector<std::size_t> cuts) {
  Decoder d(e);
  std::string out;
  std::size_t at = 0;
  cuts.push_back(in.size());
  for (std::size_t cut : cuts) {
    out += d.decode(in.substr(at, cut - at));
    at = cut;
  }
  out += d.finish();
  return out;
}

std::string decode_whole(Encoding e, std::string_view in) { return decode_split(e, in, {}); }

TEST(Decoder, Utf8PassesThroughWithoutACopy) {
  Decoder d(Encoding::Utf8);
  std::string_view in = "caf\xC3\xA9\xFF";
  std::string_view out = d.decode(in);
  EXPECT_EQ(out.data(), in.data());
  EXPECT_EQ(out.size(), in.size());
  EXPECT_EQ(d.finish(), "");
}

TEST(Decoder, Utf16SurrogatePairSplitAtEveryBytePosition) {
  const std::string expected = "a" + utf8(0x1F600) + "b";
  for (bool le : {true, false}) {
    // a, U+1F600 as D83D DE00, b
    std::string in = le ? "a\0\x3D\xD8\x00\xDE" "b\0"s : "\0a\xD8\x3D\xDE\x00\0b"s;
    for (std::size_t i = 0; i <= in.size(); ++i) {
      EXPECT_EQ(hex(decode_split(le ? Encoding::Utf16Le : Encoding::Utf16Be, in, {i})), hex(expected))
          << (le ? "LE" : "BE") << " cut at " << i;
      for (std::size_t j = i; j <= in.size(); ++j)
        EXPECT_EQ(hex(decode_split(le ? Encoding::Utf16Le : Encoding::Utf16Be, in, {i, j})), hex(expected))
            << (le ? "LE" : "BE") << " cut at " << i << " and " << j;
    }
  }
}

TEST(Decoder, Utf16OneByteAtATime) {
  std::string in = "x\0\x3D\xD8\x00\xDE\xE9\x00\xAC\x20\n\0"s;
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < in.size(); ++i) cuts.push_back(i);
  EXPECT_EQ(hex(decode_split(Encoding::Utf16Le, in, cuts)), hex("x" + utf8(0x1F600) + utf8(0xE9) + utf8(0x20AC) + "\n"));
}

TEST(Decoder, Utf16EveryBmpCodeUnit) {
  std::string le, be, expected;
  for (std::uint32_t u = 0; u < 0x10000; ++u) {
    if (u >= 0xD800 && u <= 0xDFFF) continue;
    le += static_cast<char>(u & 0xFF);
    le += static_cast<char>(u >> 8);
    be += static_cast<char>(u >> 8);
    be += static_cast<char>(u & 0xFF);
    expected += utf8(u);
  }
  EXPECT_TRUE(decode_whole(Encoding::Utf16Le, le) == expected);
  EXPECT_TRUE(decode_whole(Encoding::Utf16Be, be) == expected);
}

struct Utf16Case {
  const char* name;
  std::string le;  // UTF-16LE bytes
  std::string expected;
};

void PrintTo(const Utf16Case& c, std::ostream* os) { *os << c.name << ": " << hex(c.le); }

class DecoderUtf16 : public ::testing::TestWithParam<Utf16Case> {};

// Each case is checked as LE, and as BE (the same units with their bytes swapped).
TEST_P(DecoderUtf16, DecodesCodeUnits) {
  const Utf16Case& c = GetParam();
  std::string be = c.le;
  for (std::size_t i = 0; i + 1 < be.size(); i += 2) std::swap(be[i], be[i + 1]);
  EXPECT_EQ(hex(decode_whole(Encoding::Utf16Le, c.le)), hex(c.expected));
  EXPECT_EQ(hex(decode_whole(Encoding::Utf16Be, be)), hex(c.expected));
}

const Utf16Case kUtf16Cases[] = {
    {"ascii", "a\0,\0b\0\n\0"s, "a,b\n"},
    {"two_and_three_byte", "\xE9\x00\xAC\x20"s, utf8(0xE9) + utf8(0x20AC)},
    {"nul_unit", "a\0\0\0b\0"s, "a\0b"s},
    {"emoji", "\x3D\xD8\x00\xDE"s, utf8(0x1F600)},
    {"last_code_point", "\xFF\xDB\xFF\xDF"s, utf8(0x10FFFF)},
    {"lone_high_surrogate_then_letter", "\x3D\xD8" "b\0"s, "\xFF" "b"},
    {"lone_low_surrogate", "a\0\x00\xDE" "b\0"s, "a\xFF" "b"},
    {"two_high_surrogates_then_low", "\x3D\xD8\x3D\xD8\x00\xDE"s, "\xFF" + utf8(0x1F600)},
    {"low_before_high", "\x00\xDE\x3D\xD8"s, "\xFF\xFF"},
    {"high_surrogate_at_the_end", "a\0\x3D\xD8"s, "a\xFF"},
    {"odd_final_byte", "a\0b"s, "a\xFF"},
    {"high_surrogate_and_odd_byte_at_the_end", "\x3D\xD8x"s, "\xFF\xFF"},
    {"empty", "", ""},
};

INSTANTIATE_TEST_SUITE_P(Cases, DecoderUtf16, ::testing::ValuesIn(kUtf16Cases),
                         [](const ::testing::TestParamInfo<Utf16Case>& i) { return std::string(i.param.name); });

TEST(Decoder, FinishResetsAPendingByte) {
  Decoder d(Encoding::Utf16Le);
  EXPECT_EQ(d.decode("a"), "");
  EXPECT_EQ(hex(d.finish()), hex("\xFF"));
  EXPECT_EQ(d.finish(), "");
}

TEST(Decoder, Windows1252EveryByte) {
  // 0x80..0x9F from the code page's table (0: undefined); every other byte is its own code point.
  const std::uint32_t high[32] = {0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                  0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};
  for (unsigned b = 0; b < 256; ++b) {
    std::string expected;
    if (b >= 0x80 && b < 0xA0) expected = high[b - 0x80] ? utf8(high[b - 0x80]) : "\xFF";
    else expected = utf8(b);
    std::string in(1, static_cast<char>(b));
    EXPECT_EQ(hex(decode_whole(Encoding::Windows1252, in)), hex(expected)) << "byte " << b;
  }
}

TEST(Decoder, Windows1252Text) {
  EXPECT_EQ(hex(decode_whole(Encoding::Windows1252, "\x80 5, Caf\xE9, \x81")),
            hex("\xE2\x82\xAC 5, Caf\xC3\xA9, \xFF"));
  EXPECT_EQ(hex(decode_split(Encoding::Windows1252, "M\xFCller\x85", {1, 2, 3})), hex("M\xC3\xBCller\xE2\x80\xA6"));
}

// The "trim spaces" column fix: the spaces JavaScript's trim() removes, and nothing else.
TEST(Text, TrimUnicodeSpaceTakesTheSpaceSeparatorsAtBothEnds) {
  using rowgate::detail::trim_unicode_space;
  EXPECT_EQ(trim_unicode_space(" \t Ana \r\n"), "Ana");
  EXPECT_EQ(trim_unicode_space("\xC2\xA0" "Cy" "\xE3\x80\x80"), "Cy");                 // U+00A0, U+3000
  EXPECT_EQ(trim_unicode_space("\xEF\xBB\xBF" "Bo" "\xE2\x80\xAF\xE2\x80\x8A "), "Bo");  // U+FEFF; U+202F, U+200A
  EXPECT_EQ(trim_unicode_space("a\xC2\xA0" "b"), "a\xC2\xA0" "b");                       // inside: kept
  EXPECT_EQ(trim_unicode_space("\xE2\x80\x8B" "x"), "\xE2\x80\x8B" "x");               // U+200B is not a space
  EXPECT_EQ(trim_unicode_space("x\xA0"), "x\xA0");                                     // a lone byte: not UTF-8
  EXPECT_EQ(trim_unicode_space("\xC2\xA0\xC2\xA0"), "");
  EXPECT_EQ(trim_unicode_space(""), "");
}

}  // namespace
