// The workbook reader's parts: numbers and dates as SpreadsheetML writes them, number formats,
// the XML tokenizer's limits, and whole workbooks written here with stored entries (so that
// each case says exactly which bytes it is about).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rowgate/session.h"
#include "rowgate/workbook.h"
#include "workbook_reader.h"
#include "xml_scanner.h"
#include "zip_archive.h"

namespace rowgate::detail {
namespace {

std::string plain(std::string_view text) {
  std::string out;
  return plain_number(text, &out) ? out : "(not a number)";
}

TEST(WorkbookValues, NumbersAreWrittenWithoutExponentOrTrailingZeros) {
  EXPECT_EQ(plain("1E+15"), "1000000000000000");
  EXPECT_EQ(plain("1.0E+15"), "1000000000000000");
  EXPECT_EQ(plain("12345"), "12345");
  EXPECT_EQ(plain("42.0"), "42");
  EXPECT_EQ(plain("-3.50"), "-3.5");
  EXPECT_EQ(plain("0.1"), "0.1");
  EXPECT_EQ(plain("1.5E-3"), "0.0015");
  EXPECT_EQ(plain("0"), "0");
  EXPECT_EQ(plain("-0"), "0");
  EXPECT_EQ(plain("14155550123"), "14155550123");
  EXPECT_EQ(plain("1.7976931348623157E+308"), "1.7976931348623157E+308");
  EXPECT_EQ(plain("abc"), "(not a number)");
  EXPECT_EQ(plain("1E"), "(not a number)");
  EXPECT_EQ(plain(""), "(not a number)");
}

std::string iso(std::string_view serial, bool date1904 = false, bool with_time = false, bool time_only = false) {
  std::string out;
  return serial_to_iso(serial, date1904, with_time, time_only, &out) ? out : "(not a date)";
}

TEST(WorkbookValues, DateSerialsInBothDateSystems) {
  EXPECT_EQ(iso("45000"), "2023-03-15");
  EXPECT_EQ(iso("1"), "1900-01-01");
  EXPECT_EQ(iso("59"), "1900-02-28");
  EXPECT_EQ(iso("60"), "1900-02-29");  // Excel's day that never was
  EXPECT_EQ(iso("61"), "1900-03-01");
  EXPECT_EQ(iso("2958465"), "9999-12-31");
  EXPECT_EQ(iso("2958466"), "(not a date)");
  EXPECT_EQ(iso("-1"), "(not a date)");
  EXPECT_EQ(iso("43538", true), "2023-03-15");
  EXPECT_EQ(iso("0", true), "1904-01-01");
  EXPECT_EQ(iso("45000.75", false, true), "2023-03-15T18:00:00");
  EXPECT_EQ(iso("45000.75"), "2023-03-15");
  EXPECT_EQ(iso("45000.999999999"), "2023-03-16");  // rounds to the next midnight
  EXPECT_EQ(iso("0.5", false, false, true), "12:00:00");
  EXPECT_EQ(iso("4.5E4"), "2023-03-15");
}

void format(std::string_view code, bool date, bool time) {
  bool d = false, t = false;
  classify_format(code, &d, &t);
  EXPECT_EQ(d, date) << code;
  EXPECT_EQ(t, time) << code;
}

TEST(WorkbookValues, NumberFormatsThatShowDates) {
  format("yyyy\\-mm\\-dd;@", true, false);
  format("m/d/yy h:mm", true, true);
  format("[$-409]d\\-mmm\\-yy;@", true, false);
  format("yyyy\"年\"m\"月\"d\"日\"", true, false);
  format("h:mm:ss", false, true);
  format("[h]:mm:ss", false, true);
  format("mm:ss", false, true);
  format("General", false, false);
  format("0.00", false, false);
  format("#,##0;[Red]-#,##0", false, false);
  format("\"day\" 0", false, false);
  format("0.00 \"y\"", false, false);
}

TEST(WorkbookXml, EntitiesAndCharacterReferences) {
  std::string out, error;
  ASSERT_TRUE(xml_decode("a&amp;b&lt;&gt;&quot;&apos;&#233;&#x1F600;\r\nz", &out, &error)) << error;
  EXPECT_EQ(out, "a&b<>\"'\xC3\xA9\xF0\x9F\x98\x80\nz");
  out.clear();
  EXPECT_FALSE(xml_decode("&lol9;", &out, &error));
  EXPECT_NE(error.find("&lol9;"), std::string::npos);
  EXPECT_FALSE(xml_decode("&#0;", &out, &error));
  EXPECT_FALSE(xml_decode("&#xD800;", &out, &error));
  EXPECT_FALSE(xml_decode("a & b", &out, &error));
  std::string escaped = "a_x000D_b_x005F_x0041_c_xZZZZ_";
  decode_ooxml_escapes(&escaped);
  EXPECT_EQ(escaped, "a\rb_x0041_c_xZZZZ_");
}

std::vector<XmlEvent::Type> events(std::string_view xml, std::string* error, std::size_t piece = 1 << 20) {
  XmlScanner scanner(1 << 20);
  std::vector<XmlEvent::Type> out;
  for (std::size_t at = 0;; at += piece) {
    if (at < xml.size()) scanner.feed(xml.substr(at, piece));
    else scanner.finish();
    XmlEvent e;
    for (;;) {
      XmlScanner::Next n = scanner.next(&e);
      if (n == XmlScanner::Next::Event) {
        out.push_back(e.type);
        continue;
      }
      if (n == XmlScanner::Next::Error) *error = scanner.error();
      if (n != XmlScanner::Next::NeedMore) return out;
      break;
    }
  }
}

TEST(WorkbookXml, TheSameEventsWhereverTheBytesBreak) {
  const std::string xml =
      "<?xml version=\"1.0\"?><!-- note --><a x=\"1>2\" y='\"'><b/><c>t&amp;<![CDATA[<raw>]]></c></a>";
  std::string error;
  auto whole = events(xml, &error);
  EXPECT_EQ(error, "");
  ASSERT_EQ(whole.size(), 7u);
  for (std::size_t piece : {1, 2, 3, 7}) {
    std::string e;
    EXPECT_EQ(events(xml, &e, piece), whole) << piece;
    EXPECT_EQ(e, "");
  }
}

TEST(WorkbookXml, WhatIsNotXmlIsAnError) {
  for (std::string_view bad : {"<a><b></a>", "<a>", "<!DOCTYPE a [<!ENTITY x \"y\">]><a/>", "<a <b>", "text"}) {
    std::string error;
    events(bad, &error);
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(WorkbookXml, ATokenPastTheLimitIsAnError) {
  XmlScanner scanner(1000);
  scanner.feed("<a>" + std::string(5000, 'x'));
  XmlEvent e;
  ASSERT_EQ(scanner.next(&e), XmlScanner::Next::Event);
  EXPECT_EQ(scanner.next(&e), XmlScanner::Next::Error);
  EXPECT_NE(scanner.error().find("longer than 1000"), std::string::npos);
}

// ---- Whole workbooks, written here with stored entries -------------------------------------

class Bytes : public RandomAccessFile {
 public:
  explicit Bytes(std::string b) : b_(std::move(b)) {}
  std::uint64_t size() const override { return b_.size(); }
  std::size_t read(std::uint64_t offset, char* out, std::size_t n) override {
    if (offset >= b_.size()) return 0;
    n = std::min<std::size_t>(n, b_.size() - offset);
    std::copy_n(b_.data() + offset, n, out);
    return n;
  }

 private:
  std::string b_;
};

void put16(std::string& s, std::uint32_t v) {
  s.push_back(static_cast<char>(v & 0xFF));
  s.push_back(static_cast<char>(v >> 8 & 0xFF));
}
void put32(std::string& s, std::uint32_t v) {
  put16(s, v & 0xFFFF);
  put16(s, v >> 16);
}

// A ZIP archive of stored entries.
std::string zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out, dir;
  for (const auto& [name, data] : entries) {
    std::uint32_t offset = static_cast<std::uint32_t>(out.size());
    std::uint32_t crc = crc32(0, data);
    out += "PK\x03\x04";
    put16(out, 20), put16(out, 0), put16(out, 0), put16(out, 0), put16(out, 0);
    put32(out, crc), put32(out, static_cast<std::uint32_t>(data.size())), put32(out, static_cast<std::uint32_t>(data.size()));
    put16(out, static_cast<std::uint32_t>(name.size())), put16(out, 0);
    out += name + data;
    dir += "PK\x01\x02";
    put16(dir, 20), put16(dir, 20), put16(dir, 0), put16(dir, 0), put16(dir, 0), put16(dir, 0);
    put32(dir, crc), put32(dir, static_cast<std::uint32_t>(data.size())), put32(dir, static_cast<std::uint32_t>(data.size()));
    put16(dir, static_cast<std::uint32_t>(name.size())), put16(dir, 0), put16(dir, 0), put16(dir, 0), put16(dir, 0);
    put32(dir, 0), put32(dir, offset);
    dir += name;
  }
  std::uint32_t dir_at = static_cast<std::uint32_t>(out.size());
  out += dir + "PK\x05\x06";
  put16(out, 0), put16(out, 0), put16(out, static_cast<std::uint32_t>(entries.size())),
      put16(out, static_cast<std::uint32_t>(entries.size()));
  put32(out, static_cast<std::uint32_t>(dir.size())), put32(out, dir_at), put16(out, 0);
  return out;
}

const char* kNs = "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"";

std::string workbook(const std::string& sheet_data, const std::string& strings = "") {
  std::vector<std::pair<std::string, std::string>> parts = {
      {"xl/workbook.xml", std::string("<workbook ") + kNs +
                              " xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
                              "<sheet name=\"Data\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"},
      {"xl/_rels/workbook.xml.rels",
       "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
       "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
       "Target=\"worksheets/sheet1.xml\"/></Relationships>"},
      {"xl/worksheets/sheet1.xml", std::string("<worksheet ") + kNs + "><sheetData>" + sheet_data + "</sheetData></worksheet>"},
  };
  if (!strings.empty()) parts.push_back({"xl/sharedStrings.xml", std::string("<sst ") + kNs + ">" + strings + "</sst>"});
  return zip(parts);
}

struct Rows : SheetRowHandler {
  std::vector<std::string> seen;
  void on_sheet_row(std::uint64_t row, const std::vector<SheetCell>& cells, std::string_view problem) override {
    std::string line = std::to_string(row) + ":";
    for (const SheetCell& c : cells)
      line += " " + std::to_string(c.column) + "=" + (c.problem.empty() ? std::string(c.text) : "!" + std::string(c.problem));
    if (!problem.empty()) line += " [" + std::string(problem) + "]";
    seen.push_back(line);
  }
};

std::vector<std::string> read_all(const std::string& bytes, std::string* error) {
  Bytes file(bytes);
  WorkbookReader book(file, WorkbookLimits{});
  Rows rows;
  if (!book.open() || !book.select("") || !book.load_shared_strings()) {
    *error = book.error();
    return rows.seen;
  }
  for (;;) {
    WorkbookReader::State s = book.read_rows(rows);
    if (s == WorkbookReader::State::Error) *error = book.error();
    if (s != WorkbookReader::State::More) return rows.seen;
  }
}

TEST(WorkbookReader, SparseCellsAndRowsKeepTheirPlaces) {
  std::string error;
  auto rows = read_all(workbook("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"C1\" t=\"s\"><v>1</v></c></row>"
                                "<row r=\"4\"><c t=\"inlineStr\"><is><t>x</t></is></c><c><v>2</v></c></row>",
                                "<si><t>a</t></si><si><r><t>b</t></r><r><t>c</t></r></si>"),
                       &error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(rows, (std::vector<std::string>{"1: 0=a 2=bc", "4: 0=x 1=2"}));
}

TEST(WorkbookReader, CellsThatCannotBeReadSayWhy) {
  std::string error;
  auto rows = read_all(workbook("<row r=\"2\"><c r=\"A2\" t=\"s\"><v>7</v></c><c r=\"B2\" t=\"e\"><v>#N/A</v></c>"
                                "<c r=\"C2\" t=\"b\"><v>2</v></c></row>"
                                "<row r=\"3\"><c r=\"B3\"><v>1</v></c><c r=\"A3\"><v>2</v></c></row>",
                                "<si><t>only</t></si>"),
                       &error);
  EXPECT_EQ(error, "");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NE(rows[0].find("0=!Cell A2 refers to shared string \"7\""), std::string::npos) << rows[0];
  EXPECT_NE(rows[0].find("1=#N/A"), std::string::npos) << rows[0];
  EXPECT_NE(rows[0].find("2=!Cell C2 is a TRUE/FALSE cell"), std::string::npos) << rows[0];
  EXPECT_NE(rows[1].find("[Cell A3 is given twice or out of order"), std::string::npos) << rows[1];
}

TEST(WorkbookReader, HostilePartsEndInAFileLevelError) {
  const std::pair<std::string, std::string> cases[] = {
      {workbook("<row r=\"1\"><c r=\"A1\"><v>1</v></c>"), "</sheetData> does not close the element open there"},
      {zip({{"xl/workbook.xml", "<workbook><sheets><sheet name=\"S\" r:id=\"rId1\"/></sheets></workbook>"},
            {"xl/worksheets/sheet1.xml", "<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1"}}),
       "ends before its elements are closed"},
      {workbook("<row r=\"3\"/><row r=\"2\"/>"), "out of order"},
      {workbook("<row r=\"1048577\"/>"), "past Excel's last row"},
      {workbook("<row r=\"1\"><c r=\"XFE1\"><v>1</v></c></row>"), "which no sheet has"},
      {workbook("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>",
                "<!DOCTYPE sst [<!ENTITY lol \"lol\">]><si><t>&lol;</t></si>"),
       "DTD"},
      {zip({{"word/document.xml", "<w/>"}}), "not an Excel workbook (it is a Word document)"},
      {"PK\x05\x06" + std::string(18, '\0'), "not an Excel workbook"},
  };
  for (const auto& [bytes, says] : cases) {
    std::string error;
    read_all(bytes, &error);
    EXPECT_NE(error.find(says), std::string::npos) << says << " / " << error;
  }
}

TEST(WorkbookReader, AMillionEmptyRowsEndQuickly) {
  std::string data;
  for (int r = 1; r <= 1048576; ++r) data += "<row r=\"" + std::to_string(r) + "\"/>";
  std::string error;
  auto rows = read_all(workbook(data), &error);
  EXPECT_EQ(error, "");
  EXPECT_TRUE(rows.empty());
}

TEST(WorkbookList, SheetsWithTheirSizes) {
  Bytes file(workbook("<row r=\"1\"/>"));
  std::vector<SheetSummary> sheets;
  ASSERT_TRUE(list_sheets(file, &sheets).ok);
  ASSERT_EQ(sheets.size(), 1u);
  EXPECT_EQ(sheets[0].name, "Data");
  EXPECT_GT(sheets[0].bytes, 0u);
  Bytes not_zip(std::string("a,b\n1,2\n"));
  Status s = list_sheets(not_zip, &sheets);
  EXPECT_FALSE(s.ok);
  EXPECT_EQ(s.code, code::invalid_workbook);
}

}  // namespace
}  // namespace rowgate::detail
