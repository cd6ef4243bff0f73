// The workbook writer: a cell's text as Excel reads it (XML entities, _xHHHH_ escapes, the
// 32,767-character cut, xml:space), and a whole workbook read back by zipfile and ElementTree.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <array>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "util/xlsx_writer.h"
#include "zip_check.h"

namespace rowgate::testing {
namespace {

using nlohmann::json;
using namespace rowgate::server;

std::string text_of(std::string_view value) {
  std::string xml;
  append_inline_text(xml, value);
  return xml;
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

TEST(XlsxText, EntitiesEscapesAndSpaces) {
  EXPECT_EQ(text_of("plain"), "<t>plain</t>");
  EXPECT_EQ(text_of(""), "<t></t>");
  EXPECT_EQ(text_of("<&>\"'"), "<t>&lt;&amp;&gt;&quot;&apos;</t>");
  EXPECT_EQ(text_of("a\x01" "b"), "<t>a_x0001_b</t>");  // XML 1.0 forbids it: Excel's escape
  EXPECT_EQ(text_of(std::string("nul\0", 4)), "<t>nul_x0000_</t>");
  EXPECT_EQ(text_of("\x1f"), "<t>_x001F_</t>");
  EXPECT_EQ(text_of("_x0041_"), "<t>_x005F_x0041_</t>");  // literal, not an "A"
  EXPECT_EQ(text_of("a_b_x"), "<t>a_b_x005F_x</t>");
  EXPECT_EQ(text_of(" padded "), "<t xml:space=\"preserve\"> padded </t>");
  EXPECT_EQ(text_of("end\t"), "<t xml:space=\"preserve\">end\t</t>");
  EXPECT_EQ(text_of("two\nlines"), "<t xml:space=\"preserve\">two\nlines</t>");
  EXPECT_EQ(text_of("cr\r\nlf"), "<t xml:space=\"preserve\">cr_x000D_\nlf</t>");  // a CR survives XML
  EXPECT_EQ(text_of("Ødegaard 😀"), "<t>Ødegaard 😀</t>");
  EXPECT_EQ(text_of("\xEF\xBF\xBE"), "<t>_xFFFE_</t>");                 // U+FFFE: not an XML character
  EXPECT_EQ(text_of("a\xff" "b\xc3"), "<t>a\xEF\xBF\xBD" "b\xEF\xBF\xBD</t>");  // invalid UTF-8: U+FFFD
  EXPECT_EQ(text_of("\xed\xa0\x80"), "<t>\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD</t>");  // a surrogate
}

TEST(XlsxText, ALongValueIsCutToExcels32767Characters) {
  EXPECT_EQ(text_of(std::string(40000, 'a')), "<t>" + std::string(32767, 'a') + "</t>");
  EXPECT_EQ(text_of(std::string(32767, 'a')), "<t>" + std::string(32767, 'a') + "</t>");
  // Characters, not bytes: 20,000 two-byte letters stay whole.
  EXPECT_EQ(text_of(repeat("é", 20000)), "<t>" + repeat("é", 20000) + "</t>");
  // UTF-16 code units: an emoji counts two, and one that does not fit whole is left out.
  EXPECT_EQ(text_of(repeat("😀", 20000)), "<t>" + repeat("😀", 16383) + "</t>");
  EXPECT_EQ(text_of(std::string(32766, 'a') + "😀"), "<t>" + std::string(32766, 'a') + "</t>");
  // Escapes count as the one character they stand for.
  EXPECT_EQ(text_of(std::string(40000, '\x01')), "<t>" + repeat("_x0001_", 32767) + "</t>");
  // The cut decides the spaces: trailing spaces past the limit do not make it "preserve".
  EXPECT_EQ(text_of(std::string(32767, 'a') + "   "), "<t>" + std::string(32767, 'a') + "</t>");
}

TEST(XlsxWriter, AWorkbookIsReadBackByZipfileAndElementTree) {
  std::string bytes;
  XlsxWriter xlsx([&](std::string_view b) { bytes += b; }, "Partners");
  const std::string long_value = std::string(32760, 'x') + "0123456789";
  const std::array<std::string_view, 10> header = {"Partner ID", "Partner Name", "Contact Email", "Media Property", "Groups",
                                                   "Contact First Name", "Contact Last Name", "Description", "Country", "Status"};
  const std::array<std::string_view, 10> row = {"007", "<Fish & \"Chips\">", "a\x01" "b@example.com", "_x0041_", "  both  ",
                                                "", "Ødegaard", long_value, "line1\r\nline2", "😀"};
  const std::array<std::string_view, 10> sparse = {"", "", "", "", "", "", "", "", "", "last"};
  xlsx.row(header);
  xlsx.row(row);
  xlsx.row(sparse);
  xlsx.finish();
  ASSERT_EQ(bytes.substr(0, 2), "PK");

  json read = read_xlsx(bytes);
  ASSERT_FALSE(read.contains("error")) << read.dump().substr(0, 2000);
  EXPECT_TRUE(read["testzip"].is_null());
  std::vector<std::string> names;
  for (const json& e : read["entries"]) {
    names.push_back(e["name"]);
    EXPECT_EQ(e["compress_type"], 8);
    EXPECT_EQ(e["flag_bits"].get<int>() & 8, 8);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                                             "xl/styles.xml", "xl/worksheets/sheet1.xml"}));
  EXPECT_EQ(read["sheets"], json({"Partners"}));
  EXPECT_EQ(read["types"], json({"inlineStr"}));  // every cell an inline string
  ASSERT_EQ(read["rows"].size(), 3u);
  EXPECT_EQ(read["rows"][0], json(std::vector<std::string>(header.begin(), header.end())));
  json expected = json::array();
  for (std::string_view v : row) expected.push_back(std::string(v));
  expected[7] = long_value.substr(0, 32767);
  EXPECT_EQ(read["rows"][1], expected);
  EXPECT_EQ(read["rows"][1][0], "007");  // text: the zeros stay
  EXPECT_EQ(read["rows"][2], json({"", "", "", "", "", "", "", "", "", "last"}));
  EXPECT_EQ(read["preserved"], json({"E2", "I2"}));
}

TEST(XlsxWriter, ASheetHoldsExcelsRowsAndNoMore) {
  std::uint64_t bytes = 0;
  XlsxWriter xlsx([&](std::string_view b) { bytes += b.size(); }, "Rows");
  const std::array<std::string_view, 1> cell = {"x"};
  for (std::uint64_t i = 0; i < XlsxWriter::kMaxRows; ++i) xlsx.row(cell);
  EXPECT_THROW(xlsx.row(cell), std::length_error);
  xlsx.finish();
  EXPECT_GT(bytes, 0u);
}

TEST(XlsxWriter, ANameExcelRefusesIsRefused) {
  auto sink = [](std::string_view) {};
  EXPECT_THROW(XlsxWriter(sink, ""), std::invalid_argument);
  EXPECT_THROW(XlsxWriter(sink, "a/b"), std::invalid_argument);
  EXPECT_THROW(XlsxWriter(sink, std::string(32, 'a')), std::invalid_argument);
  EXPECT_NO_THROW(XlsxWriter(sink, std::string(31, 'a')));
}

}  // namespace
}  // namespace rowgate::testing
