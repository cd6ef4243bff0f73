#include "util/xlsx_writer.h"

#include <charconv>
#include <stdexcept>
#include <utility>

namespace rowgate::server {

namespace {

constexpr std::size_t kWriteAt = 64 << 10;  // xml_ goes to the ZIP past this

// Excel keeps at most 32,767 characters in a cell, counted in UTF-16 code units (a character past
// U+FFFF counts two) and after its _xHHHH_ escapes are read. A longer value is cut after the last
// whole character that fits: Excel would otherwise ask to repair the workbook.
constexpr std::size_t kMaxCellChars = 32767;

constexpr std::string_view kXmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

constexpr std::string_view kContentTypes =
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/xl/workbook.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
    "<Override PartName=\"/xl/worksheets/sheet1.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
    "<Override PartName=\"/xl/styles.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
    "</Types>";

constexpr std::string_view kPackageRels =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
    "Target=\"xl/workbook.xml\"/>"
    "</Relationships>";

constexpr std::string_view kWorkbookRels =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
    "Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
    "</Relationships>";

// The least that Excel takes without a repair: one font, the two fills it reserves (none and
// gray125), one border, the Normal style and one cell format.
constexpr std::string_view kStyles =
    "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<fonts count=\"1\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts>"
    "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>"
    "<fill><patternFill patternType=\"gray125\"/></fill></fills>"
    "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
    "<cellXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/></cellXfs>"
    "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
    "</styleSheet>";

constexpr std::string_view kSheetStart =
    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>";
constexpr std::string_view kSheetEnd = "</sheetData></worksheet>";

// The code point at s[i] and its length in bytes. A byte that starts no valid UTF-8 sequence
// (cut short, overlong, a surrogate, past U+10FFFF) is U+FFFD, one byte long: XML must be UTF-8.
std::pair<char32_t, std::size_t> code_point_at(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return {b0, 1};
  std::size_t n = 0;
  char32_t cp = 0, least = 0;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, cp = b0 & 0x1F, least = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, cp = b0 & 0x0F, least = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, cp = b0 & 0x07, least = 0x10000;
  } else {
    return {0xFFFD, 1};
  }
  if (i + n > s.size()) return {0xFFFD, 1};
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return {0xFFFD, 1};
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < least || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0xFFFD, 1};
  return {cp, n};
}

// Where `value` ends once cut to kMaxCellChars (see there).
std::size_t cut_end(std::string_view value) {
  if (value.size() <= kMaxCellChars) return value.size();  // a byte is at most one code unit
  std::size_t units = 0, i = 0;
  while (i < value.size()) {
    auto [cp, n] = code_point_at(value, i);
    std::size_t u = cp > 0xFFFF ? 2 : 1;
    if (units + u > kMaxCellChars) break;
    units += u;
    i += n;
  }
  return i;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Excel's escape of a UTF-16 code unit, _xHHHH_ (upper-case hex, as Excel writes it).
void append_escape(std::string& out, char32_t unit) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += "_x";
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(unit >> shift) & 0xF]);
  out.push_back('_');
}

// 0 is A, 25 is Z, 26 is AA.
void append_column(std::string& out, std::size_t index) {
  char letters[4];
  int n = 0;
  for (std::size_t i = index + 1; i > 0; i = (i - 1) / 26) letters[n++] = static_cast<char>('A' + (i - 1) % 26);
  while (n > 0) out.push_back(letters[--n]);
}

std::string xml_part(std::string_view body) {
  std::string part(kXmlDeclaration);
  part += body;
  return part;
}

std::string checked_sheet_name(std::string_view name) {
  // Excel's rules for a sheet's name; the name is the caller's, never data.
  if (name.empty() || name.size() > 31 || name.find_first_of("\\/?*:[]<>&\"") != std::string_view::npos ||
      name.front() == '\'' || name.back() == '\'')
    throw std::invalid_argument("XlsxWriter: \"" + std::string(name) + "\" cannot name an Excel sheet");
  for (char c : name)
    if (static_cast<unsigned char>(c) < 0x20) throw std::invalid_argument("XlsxWriter: a sheet name has a control character");
  return std::string(name);
}

}  // namespace

void append_inline_text(std::string& xml, std::string_view value) {
  value = value.substr(0, cut_end(value));
  // Without xml:space="preserve" Excel drops spaces at the ends and line ends.
  const bool preserve = !value.empty() && (is_space(value.front()) || is_space(value.back()) ||
                                           value.find_first_of("\n\r") != std::string_view::npos);
  xml += preserve ? "<t xml:space=\"preserve\">" : "<t>";
  for (std::size_t i = 0; i < value.size();) {
    auto [cp, n] = code_point_at(value, i);
    switch (cp) {
      case '<': xml += "&lt;"; break;
      case '>': xml += "&gt;"; break;
      case '&': xml += "&amp;"; break;
      case '"': xml += "&quot;"; break;
      case '\'': xml += "&apos;"; break;
      case '\t':
      case '\n': xml.push_back(static_cast<char>(cp)); break;
      // A literal "_x" would be read as the start of an escape: its "_" is escaped itself.
      case '_': xml += (i + 1 < value.size() && value[i + 1] == 'x') ? "_x005F_" : "_"; break;
      case 0xFFFD: xml += "\xEF\xBF\xBD"; break;  // also what an invalid byte becomes
      default:
        // XML 1.0 forbids the other control characters and U+FFFE, U+FFFF; a CR would be read
        // back as a line feed. Excel reads each from its _xHHHH_ escape.
        if (cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF) append_escape(xml, cp);
        else xml.append(value.substr(i, n));
    }
    i += n;
  }
  xml += "</t>";
}

XlsxWriter::XlsxWriter(ZipWriter::Sink sink, std::string_view sheet_name, std::time_t modified)
    : zip_(std::move(sink), modified) {
  std::string name = checked_sheet_name(sheet_name);
  zip_.begin("[Content_Types].xml");
  zip_.write(xml_part(kContentTypes));
  zip_.begin("_rels/.rels");
  zip_.write(xml_part(kPackageRels));
  zip_.begin("xl/workbook.xml");
  zip_.write(xml_part(
      "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
      "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
      "<sheets><sheet name=\"" + name + "\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"));
  zip_.begin("xl/_rels/workbook.xml.rels");
  zip_.write(xml_part(kWorkbookRels));
  zip_.begin("xl/styles.xml");
  zip_.write(xml_part(kStyles));
  // The sheet last: the only entry that may be large, it stays open while the rows come.
  zip_.begin("xl/worksheets/sheet1.xml");
  xml_ = xml_part(kSheetStart);
}

void XlsxWriter::row(std::span<const std::string_view> cells) {
  if (rows_ >= kMaxRows) throw std::length_error("an Excel sheet holds at most 1,048,576 rows");
  if (cells.size() > kMaxColumns) throw std::length_error("an Excel sheet holds at most 16,384 columns");
  ++rows_;
  char number[24];
  auto [end, ec] = std::to_chars(number, number + sizeof number, rows_);
  std::string_view r(number, static_cast<std::size_t>(end - number));
  xml_ += "<row r=\"";
  xml_ += r;
  xml_ += "\">";
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (cells[i].empty()) continue;
    xml_ += "<c r=\"";
    append_column(xml_, i);
    xml_ += r;
    xml_ += "\" t=\"inlineStr\"><is>";
    append_inline_text(xml_, cells[i]);
    xml_ += "</is></c>";
  }
  xml_ += "</row>";
  if (xml_.size() >= kWriteAt) {
    zip_.write(xml_);
    xml_.clear();
  }
}

void XlsxWriter::finish() {
  xml_ += kSheetEnd;
  zip_.write(xml_);
  xml_.clear();
  zip_.finish();
}

}  // namespace rowgate::server
