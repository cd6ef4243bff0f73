#include "workbook_reader.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>

#include "text.h"

namespace rowgate::detail {
namespace {

constexpr std::uint64_t kMaxRows = 1048576;   // Excel's last row
constexpr std::uint32_t kMaxColumns = 16384;  // Excel's last column, XFD

std::string_view directory_of(std::string_view part) {
  std::size_t slash = part.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : part.substr(0, slash + 1);
}

// A relationship's target as a part name; false when it climbs out of the archive.
bool resolve_target(std::string_view base_dir, std::string_view target, std::string* out) {
  std::string path = target.substr(0, 1) == "/" ? std::string(target.substr(1)) : std::string(base_dir) + std::string(target);
  std::vector<std::string_view> parts;
  std::string_view rest = path;
  while (!rest.empty()) {
    std::size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (parts.empty()) return false;
      parts.pop_back();
      continue;
    }
    parts.push_back(seg);
  }
  out->clear();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out->push_back('/');
    out->append(parts[i]);
  }
  return !out->empty();
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool parse_u64(std::string_view text, std::uint64_t* out) {
  text = trim(text);
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// "AB12" -> column 27 (0-based); false when it is not a cell reference Excel has.
bool column_of(std::string_view ref, std::uint32_t* column) {
  std::uint32_t c = 0;
  std::size_t i = 0;
  for (; i < ref.size() && ref[i] >= 'A' && ref[i] <= 'Z'; ++i) {
    c = c * 26 + static_cast<std::uint32_t>(ref[i] - 'A' + 1);
    if (c > kMaxColumns) return false;
  }
  if (i == 0) return false;
  *column = c - 1;
  return true;
}

std::string column_name(std::uint32_t index) {
  std::string s;
  for (std::uint64_t i = std::uint64_t{index} + 1; i > 0; i = (i - 1) / 26) s.insert(s.begin(), static_cast<char>('A' + (i - 1) % 26));
  return s;
}

// Events of a whole (small) part; false with `error` when it is not XML.
template <typename Fn>
bool each_event(std::string_view text, std::size_t max_token, std::string* error, Fn&& fn) {
  XmlScanner xml(max_token);
  xml.feed(text);
  xml.finish();
  XmlEvent event;
  for (;;) {
    XmlScanner::Next n = xml.next(&event);
    if (n == XmlScanner::Next::End) return true;
    if (n != XmlScanner::Next::Event) {
      *error = xml.error();
      return false;
    }
    fn(event);
  }
}

std::string attribute(const XmlEvent& event, std::string_view name) {
  std::string_view raw;
  if (!xml_attribute(event.attrs, name, &raw)) return {};
  std::string out, error;
  if (!xml_decode(raw, &out, &error)) return std::string(raw);
  return out;
}

// Built-in number formats that show dates or times (ECMA-376 Part 1, 18.8.30, with the East
// Asian ones Excel uses in Japanese, Chinese and Korean locales).
DateStyle builtin_kind(std::uint64_t id) {
  if ((id >= 14 && id <= 17) || (id >= 27 && id <= 31) || id == 36 || (id >= 50 && id <= 58)) return DateStyle::Date;
  if (id == 22) return DateStyle::DateTime;
  if ((id >= 18 && id <= 21) || (id >= 32 && id <= 35) || (id >= 45 && id <= 47)) return DateStyle::Time;
  return DateStyle::None;
}

// Days since 1970-01-01 -> civil date (H. Hinnant's algorithm).
void civil_from_days(std::int64_t z, std::int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<std::int64_t>(yoe) + era * 400 + (*m <= 2);
}

void append_two(std::string* out, unsigned v) {
  out->push_back(static_cast<char>('0' + v / 10 % 10));
  out->push_back(static_cast<char>('0' + v % 10));
}

}  // namespace

// ---- Numbers and dates ---------------------------------------------------------------------

bool plain_number(std::string_view text, std::string* out) {
  text = trim(text);
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  std::string digits;
  std::int64_t point = 0;  // digits before the decimal point
  bool any = false, dot = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
      if (!dot) ++point;
      any = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!any) return false;
  if (i < text.size()) {
    if (text[i] != 'e' && text[i] != 'E') return false;
    ++i;
    bool neg_exp = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) neg_exp = text[i++] == '-';
    std::int64_t exp = 0;
    if (i >= text.size()) return false;
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      exp = std::min<std::int64_t>(exp * 10 + (text[i] - '0'), 100000);
    }
    point += neg_exp ? -exp : exp;
  }
  // Leading and trailing zeros carry nothing.
  std::size_t lead = 0;
  while (lead < digits.size() && digits[lead] == '0') ++lead;
  digits.erase(0, lead);
  point -= static_cast<std::int64_t>(lead);
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  out->clear();
  if (digits.empty()) {
    out->push_back('0');
    return true;
  }
  if (point > 40 || point < -40) {
    // Far from anything a cell of text or an ID holds: scientific notation, as Excel shows it.
    if (negative) out->push_back('-');
    out->push_back(digits[0]);
    if (digits.size() > 1) out->append(".").append(digits, 1, std::string::npos);
    out->append("E").append(point - 1 < 0 ? "-" : "+").append(to_decimal(static_cast<std::uint64_t>(std::abs(point - 1))));
    return true;
  }
  if (negative) out->push_back('-');
  const auto n = static_cast<std::int64_t>(digits.size());
  if (point <= 0) {
    out->append("0.").append(static_cast<std::size_t>(-point), '0').append(digits);
  } else if (point >= n) {
    out->append(digits).append(static_cast<std::size_t>(point - n), '0');
  } else {
    out->append(digits, 0, static_cast<std::size_t>(point)).push_back('.');
    out->append(digits, static_cast<std::size_t>(point), std::string::npos);
  }
  return true;
}

bool serial_to_iso(std::string_view serial, bool date1904, bool with_time, bool time_only, std::string* out) {
  std::string plain;
  if (!plain_number(serial, &plain) || plain[0] == '-' || plain.find('E') != std::string::npos) return false;
  std::size_t dot = plain.find('.');
  std::uint64_t days = 0;
  if (!parse_u64(std::string_view(plain).substr(0, dot), &days) || days > 2958465) return false;  // 9999-12-31
  // The time of day, to the second (rounded), from at most 12 decimals: exact in 64 bits.
  std::uint64_t seconds = 0;
  if (dot != std::string::npos) {
    std::string_view frac = std::string_view(plain).substr(dot + 1, 12);
    std::uint64_t f = 0, scale = 1;
    for (char c : frac) f = f * 10 + static_cast<std::uint64_t>(c - '0'), scale *= 10;
    seconds = (f * 86400 * 2 + scale) / (2 * scale);
    if (seconds >= 86400) {
      seconds -= 86400;
      ++days;
    }
  }
  out->clear();
  if (!time_only) {
    std::int64_t y;
    unsigned m, d;
    if (date1904) {
      civil_from_days(static_cast<std::int64_t>(days) - 24107, &y, &m, &d);  // 1904-01-01
    } else if (days == 60) {
      y = 1900, m = 2, d = 29;  // Excel's 1900-02-29, which never was (Lotus 1-2-3's leap-year bug)
    } else if (days == 0) {
      y = 1900, m = 1, d = 0;  // Excel's "1900-01-00"
    } else {
      civil_from_days(static_cast<std::int64_t>(days) - (days < 60 ? 25568 : 25569), &y, &m, &d);
    }
    out->append(to_decimal(static_cast<std::uint64_t>(y)));
    out->push_back('-');
    append_two(out, m);
    out->push_back('-');
    append_two(out, d);
    if (!with_time || seconds == 0) return true;
    out->push_back('T');
  }
  append_two(out, static_cast<unsigned>(seconds / 3600));
  out->push_back(':');
  append_two(out, static_cast<unsigned>(seconds / 60 % 60));
  out->push_back(':');
  append_two(out, static_cast<unsigned>(seconds % 60));
  return true;
}

void classify_format(std::string_view code, bool* date, bool* time) {
  *date = *time = false;
  // The first section is the one positive numbers use.
  bool quoted = false;
  for (std::size_t i = 0; i < code.size(); ++i) {
    char c = ascii_lower(code[i]);
    if (quoted) {
      quoted = c != '"';
      continue;
    }
    switch (c) {
      case '"': quoted = true; break;
      case '\\': case '_': case '*': ++i; break;  // an escaped character, a space or a fill
      case ';': return;
      case '[': {
        // [Red], [$-409], [>100]: not tokens; [h], [mm], [ss]: elapsed time.
        std::size_t end = code.find(']', i);
        if (end == std::string_view::npos) return;
        std::string_view inside = code.substr(i + 1, end - i - 1);
        if (!inside.empty() && inside.find_first_not_of("hHmMsS") == std::string_view::npos) *time = true;
        i = end;
        break;
      }
      case 'g':
        if (iequals(code.substr(i, 7), "general")) i += 6;
        break;
      case 'd': case 'y': case 'e': *date = true; break;
      case 'h': case 's': *time = true; break;
      case 'm': {
        // "m" is a month unless it follows an hour or precedes seconds ("h:mm", "mm:ss").
        bool minute = false;
        for (std::size_t j = i; j-- > 0;) {
          char p = ascii_lower(code[j]);
          if (p == 'h') minute = true;
          if (p == 'h' || p == 'd' || p == 'y') break;
        }
        std::size_t j = i;
        while (j < code.size() && ascii_lower(code[j]) == 'm') ++j;
        while (j < code.size() && (code[j] == ':' || code[j] == ' ')) ++j;
        if (j < code.size() && ascii_lower(code[j]) == 's') minute = true;
        if (minute) *time = true;
        else *date = true;
        i = j - 1;
        break;
      }
      default: break;
    }
  }
}

// ---- The workbook ---------------------------------------------------------------------------

namespace {

// The elements of a sheet that matter, told apart by length and letters (names are compared
// for every tag of a sheet of millions of cells).
enum class Tag { Other, C, V, T, Is, RPh, Row, SheetData };

Tag tag_of(std::string_view name) {
  switch (name.size()) {
    case 1: return name[0] == 'c' ? Tag::C : name[0] == 'v' ? Tag::V : name[0] == 't' ? Tag::T : Tag::Other;
    case 2: return name[0] == 'i' && name[1] == 's' ? Tag::Is : Tag::Other;
    case 3:
      if (name[0] == 'r' && name[1] == 'o' && name[2] == 'w') return Tag::Row;
      if (name[0] == 'r' && name[1] == 'P' && name[2] == 'h') return Tag::RPh;
      return Tag::Other;
    case 9: return name == "sheetData" ? Tag::SheetData : Tag::Other;
    default: return Tag::Other;
  }
}

// A cell's t attribute.
enum class Kind : char { Number, Shared, Inline, Formula, Boolean, Error, Date, Unknown };

Kind kind_of(std::string_view t) {
  if (t.size() == 1) {
    switch (t[0]) {
      case 's': return Kind::Shared;
      case 'n': return Kind::Number;
      case 'b': return Kind::Boolean;
      case 'e': return Kind::Error;
      case 'd': return Kind::Date;
      default: return Kind::Unknown;
    }
  }
  if (t == "str") return Kind::Formula;
  if (t == "inlineStr") return Kind::Inline;
  return Kind::Unknown;
}

}  // namespace

struct WorkbookReader::Row {
  bool in_sheet_data = false, in_row = false, in_cell = false, in_value = false;
  bool in_inline = false, in_text = false, in_phonetic = false;
  std::uint64_t number = 0;
  std::int64_t last_column = -1;
  std::vector<SheetCell> cells;
  std::vector<std::size_t> starts;  // per cell: where its text starts in `arena`
  std::string arena;
  std::string problem;
  // The cell being read.
  Kind kind = Kind::Number;
  std::string type_text;  // an unknown t attribute, for the message
  std::uint32_t column = 0;
  std::uint32_t style = 0;
  std::string value;
  bool has_value = false;
};

WorkbookReader::WorkbookReader(RandomAccessFile& file, WorkbookLimits limits)
    : file_(file), limits_(limits), row_(std::make_unique<Row>()) {}

WorkbookReader::~WorkbookReader() = default;

bool WorkbookReader::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  return false;
}

bool WorkbookReader::part_failed(const std::string& part, const std::string& why) {
  return fail("The workbook's part " + part + " cannot be read: " + why + "; open it in Excel and save it again.");
}

bool WorkbookReader::not_a_workbook() {
  bool word = archive_.find("word/document.xml") != nullptr, slides = archive_.find("ppt/presentation.xml") != nullptr;
  return fail(std::string("This ZIP archive is not an Excel workbook") +
              (word ? " (it is a Word document)" : slides ? " (it is a PowerPoint presentation)" : "") +
              ": upload an .xlsx workbook, or a CSV or JSONL file.");
}

bool WorkbookReader::read_part(const std::string& name, std::string* out) {
  const ZipEntry* entry = archive_.find(name);
  if (!entry) return part_failed(name, "it is missing");
  std::string error;
  if (!read_entry(archive_, *entry, limits_.max_part_bytes, out, &error)) return fail(error);
  return true;
}

bool WorkbookReader::open() {
  std::string error;
  if (!archive_.open(file_, &error)) return fail(error);
  // The package's relationships name the workbook part; xl/workbook.xml when they do not.
  std::string workbook = "xl/workbook.xml";
  if (const ZipEntry* rels = archive_.find("_rels/.rels")) {
    std::string text;
    if (!read_entry(archive_, *rels, limits_.max_part_bytes, &text, &error)) return fail(error);
    std::string target;
    if (!each_event(text, limits_.max_token, &error, [&](const XmlEvent& e) {
          if (e.type == XmlEvent::Type::Start && e.name == "Relationship" &&
              ends_with(attribute(e, "Type"), "/officeDocument"))
            target = attribute(e, "Target");
        }))
      return part_failed("_rels/.rels", error);
    if (!target.empty() && !resolve_target("", target, &workbook))
      return part_failed("_rels/.rels", "it points outside the archive");
  }
  if (!archive_.find(workbook)) return not_a_workbook();

  std::string text;
  if (!read_part(workbook, &text)) return false;
  struct Declared {
    std::string name, id;
    bool hidden;
  };
  std::vector<Declared> declared;
  std::string root;
  if (!each_event(text, limits_.max_token, &error, [&](const XmlEvent& e) {
        if (e.type != XmlEvent::Type::Start) return;
        if (root.empty()) root = e.name;
        if (e.name == "workbookPr") {
          std::string v = attribute(e, "date1904");
          date1904_ = v == "1" || v == "true";
        } else if (e.name == "sheet") {
          std::string state = attribute(e, "state");
          declared.push_back({attribute(e, "name"), attribute(e, "id"), state == "hidden" || state == "veryHidden"});
        }
      }))
    return part_failed(workbook, error);
  if (root != "workbook") return not_a_workbook();

  const std::string dir(directory_of(workbook));
  std::string rels_name = dir + "_rels/" + workbook.substr(dir.size()) + ".rels";
  std::map<std::string, std::pair<std::string, std::string>> rels;  // id -> (type, target)
  if (archive_.find(rels_name)) {
    if (!read_part(rels_name, &text)) return false;
    bool escapes = false;
    if (!each_event(text, limits_.max_token, &error, [&](const XmlEvent& e) {
          if (e.type != XmlEvent::Type::Start || e.name != "Relationship" || attribute(e, "TargetMode") == "External") return;
          std::string part;
          if (!resolve_target(dir, attribute(e, "Target"), &part)) {
            escapes = true;
            return;
          }
          std::string type = attribute(e, "Type");
          if (ends_with(type, "/sharedStrings")) strings_part_ = part;
          if (ends_with(type, "/styles")) styles_part_ = part;
          rels[attribute(e, "Id")] = {type, part};
        }))
      return part_failed(rels_name, error);
    if (escapes) return part_failed(rels_name, "a relationship points outside the archive");
  }
  if (strings_part_.empty() && archive_.find(dir + "sharedStrings.xml")) strings_part_ = dir + "sharedStrings.xml";
  if (styles_part_.empty() && archive_.find(dir + "styles.xml")) styles_part_ = dir + "styles.xml";

  for (std::size_t i = 0; i < declared.size(); ++i) {
    auto it = rels.find(declared[i].id);
    if (it == rels.end()) {
      // Without relationships, sheets are where Excel puts them.
      if (!rels.empty()) continue;
      it = rels.emplace(declared[i].id, std::make_pair(std::string("/worksheet"), dir + "worksheets/sheet" + to_decimal(i + 1) + ".xml")).first;
    }
    if (!ends_with(it->second.first, "/worksheet")) continue;  // chart and dialog sheets hold no rows
    SheetInfo info;
    info.name = declared[i].name;
    info.part = it->second.second;
    info.hidden = declared[i].hidden;
    if (const ZipEntry* entry = archive_.find(info.part)) info.bytes = entry->uncompressed;
    sheets_.push_back(std::move(info));
  }
  if (sheets_.empty()) return fail("The workbook has no worksheet.");
  if (!styles_part_.empty() && !read_styles(styles_part_)) return false;
  return true;
}

bool WorkbookReader::read_styles(const std::string& part) {
  std::string text, error;
  if (!read_part(part, &text)) return false;
  std::map<std::uint64_t, DateStyle> custom;
  bool in_cell_xfs = false;
  if (!each_event(text, limits_.max_token, &error, [&](const XmlEvent& e) {
        if (e.type == XmlEvent::Type::End && e.name == "cellXfs") in_cell_xfs = false;
        if (e.type != XmlEvent::Type::Start) return;
        if (e.name == "numFmt") {
          std::uint64_t id = 0;
          if (!parse_u64(attribute(e, "numFmtId"), &id)) return;
          bool date = false, time = false;
          classify_format(attribute(e, "formatCode"), &date, &time);
          custom[id] = date ? (time ? DateStyle::DateTime : DateStyle::Date) : (time ? DateStyle::Time : DateStyle::None);
        } else if (e.name == "cellXfs") {
          in_cell_xfs = !e.empty;
        } else if (e.name == "xf" && in_cell_xfs) {
          std::uint64_t id = 0;
          parse_u64(attribute(e, "numFmtId"), &id);
          auto it = custom.find(id);
          style_kind_.push_back(it != custom.end() ? it->second : builtin_kind(id));
        }
      }))
    return part_failed(part, error);
  return true;
}

DateStyle WorkbookReader::date_style(std::uint32_t style) const {
  return style < style_kind_.size() ? style_kind_[style] : DateStyle::None;
}

bool WorkbookReader::select(std::string_view sheet) {
  sheet = trim(sheet);
  selected_ = sheets_.size();
  if (sheet.empty()) {
    for (std::size_t i = 0; i < sheets_.size() && selected_ == sheets_.size(); ++i)
      if (!sheets_[i].hidden) selected_ = i;
    if (selected_ == sheets_.size()) selected_ = 0;
  } else {
    for (std::size_t i = 0; i < sheets_.size(); ++i)
      if (sheets_[i].name == sheet) selected_ = i;
    for (std::size_t i = 0; i < sheets_.size() && selected_ == sheets_.size(); ++i)
      if (iequals(sheets_[i].name, sheet)) selected_ = i;
    std::uint64_t position = 0;
    if (selected_ == sheets_.size() && parse_u64(sheet, &position) && position >= 1 && position <= sheets_.size())
      selected_ = static_cast<std::size_t>(position - 1);
  }
  if (selected_ == sheets_.size()) {
    unknown_sheet_ = true;
    selected_ = 0;
    std::string names;
    for (std::size_t i = 0; i < sheets_.size() && i < 20; ++i) names += (i ? ", " : "") + quote_value(sheets_[i].name);
    return fail("The workbook has no sheet " + quote_value(sheet) + "; its sheets are " + names +
                " (give a name, or a position from 1 to " + to_decimal(sheets_.size()) + ").");
  }
  if (!archive_.find(sheets_[selected_].part))
    return part_failed(sheets_[selected_].part, "the workbook names it for sheet " + quote_value(sheets_[selected_].name) +
                                                    " but the archive does not hold it");
  return true;
}

bool WorkbookReader::load_shared_strings() {
  strings_.clear();
  string_ends_.clear();
  if (strings_part_.empty()) return true;
  const ZipEntry* entry = archive_.find(strings_part_);
  if (!entry) return part_failed(strings_part_, "it is missing");
  InflateLimits limits;
  limits.max_bytes = limits_.max_strings_bytes;
  limits.max_ratio = limits_.max_ratio;
  ZipEntryReader reader(archive_, *entry, limits);
  XmlScanner xml(limits_.max_token);
  // The text is shorter than its XML (each string takes at least "<si><t></t></si>"): one
  // allocation instead of copies as the table grows.
  // The declared size is the file's word: a hostile one gets no more than its compressed bytes
  // could hold at a text's usual ratio.
  const std::uint64_t expected = std::min({entry->uncompressed, entry->compressed * 20, limits_.max_strings_bytes});
  strings_.reserve(static_cast<std::size_t>(expected));
  string_ends_.reserve(static_cast<std::size_t>(expected / 16));
  bool in_item = false, in_text = false, in_phonetic = false;
  std::string item, error;
  std::size_t item_start = 0;  // where the string being read starts in strings_
  for (;;) {
    ZipEntryReader::State state;
    std::string_view chunk = reader.next_chunk(&state);
    if (state == ZipEntryReader::State::Error) return fail(reader.error());
    xml.feed(chunk);
    if (state == ZipEntryReader::State::End) xml.finish();
    XmlEvent e;
    for (;;) {
      if (!in_item && xml.depth() == 1) {
        // The commonest item, <si><t>text</t></si>, straight from the bytes.
        std::string_view p = xml.pending();
        constexpr std::string_view kPlain = "<si><t>", kPreserved = "<si><t xml:space=\"preserve\">";
        std::size_t start = p.substr(0, kPlain.size()) == kPlain           ? kPlain.size()
                            : p.substr(0, kPreserved.size()) == kPreserved ? kPreserved.size()
                                                                           : 0;
        const void* lt = start && start < p.size() ? std::memchr(p.data() + start, '<', p.size() - start) : nullptr;
        if (lt) {
          const std::size_t close = static_cast<std::size_t>(static_cast<const char*>(lt) - p.data());
          if (p.substr(close, 9) == "</t></si>") {
            const std::size_t from = strings_.size();
            if (!xml_decode(p.substr(start, close - start), &strings_, &error)) return part_failed(strings_part_, error);
            if (strings_.find("_x", from) != std::string::npos) {
              item.assign(strings_, from, std::string::npos);
              decode_ooxml_escapes(&item);
              strings_.resize(from);
              strings_.append(item);
            }
            string_ends_.push_back(static_cast<std::uint32_t>(strings_.size()));
            xml.skip(close + 9);
            continue;
          }
        }
      }
      XmlScanner::Next n = xml.next(&e);
      if (n == XmlScanner::Next::NeedMore) break;
      if (n == XmlScanner::Next::Error) return part_failed(strings_part_, xml.error());
      if (n == XmlScanner::Next::End) {
        strings_utf8_ = utf8_error_offset(strings_) == strings_.size() &&
                        std::memchr(strings_.data(), '\0', strings_.size()) == nullptr;
        // Drain what is left, so that the size and check sum are verified.
        while (state == ZipEntryReader::State::More) {
          reader.next_chunk(&state);
          if (state == ZipEntryReader::State::Error) return fail(reader.error());
        }
        return true;
      }
      if (e.type == XmlEvent::Type::Start) {
        if (e.name == "si") {
          in_item = !e.empty;
          item_start = strings_.size();
          if (e.empty) string_ends_.push_back(static_cast<std::uint32_t>(strings_.size()));
        } else if (e.name == "t" && in_item && !e.empty) {
          in_text = true;
        } else if (e.name == "rPh" && !e.empty) {
          in_phonetic = true;  // the reading of Japanese text, which is not part of it
        }
      } else if (e.type == XmlEvent::Type::End) {
        if (e.name == "t") {
          in_text = false;
        } else if (e.name == "rPh") {
          in_phonetic = false;
        } else if (e.name == "si" && in_item) {
          in_item = false;
          if (strings_.find("_x", item_start) != std::string::npos) {
            item.assign(strings_, item_start, std::string::npos);
            decode_ooxml_escapes(&item);
            strings_.resize(item_start);
            strings_.append(item);
          }
          string_ends_.push_back(static_cast<std::uint32_t>(strings_.size()));
        }
      } else if (in_text && in_item && !in_phonetic) {
        if (e.cdata) strings_.append(e.text);
        else if (!xml_decode(e.text, &strings_, &error)) return part_failed(strings_part_, error);
      }
    }
    if (state == ZipEntryReader::State::End) return part_failed(strings_part_, "it ends before its elements are closed");
  }
}

std::uint64_t WorkbookReader::sheet_bytes_read() const { return sheet_reader_ ? sheet_reader_->bytes_out() : 0; }

std::uint64_t WorkbookReader::dimension_rows(std::size_t sheet) {
  const ZipEntry* entry = sheet < sheets_.size() ? archive_.find(sheets_[sheet].part) : nullptr;
  if (!entry) return 0;
  ZipEntryReader reader(archive_, *entry);
  XmlScanner xml(limits_.max_token);
  for (int chunks = 0; chunks < 4; ++chunks) {
    ZipEntryReader::State state;
    std::string_view chunk = reader.next_chunk(&state);
    if (state == ZipEntryReader::State::Error) return 0;
    xml.feed(chunk);
    if (state == ZipEntryReader::State::End) xml.finish();
    XmlEvent e;
    for (;;) {
      XmlScanner::Next n = xml.next(&e);
      if (n == XmlScanner::Next::NeedMore) break;
      if (n != XmlScanner::Next::Event) return 0;
      if (e.type != XmlEvent::Type::Start) continue;
      if (e.name == "sheetData") return 0;
      if (e.name == "dimension") {
        std::string ref = attribute(e, "ref");
        std::size_t digits = ref.find_last_not_of("0123456789");
        std::uint64_t rows = 0;
        if (digits != std::string::npos && parse_u64(std::string_view(ref).substr(digits + 1), &rows)) return rows;
        return 0;
      }
    }
    if (state == ZipEntryReader::State::End) return 0;
  }
  return 0;
}

WorkbookReader::State WorkbookReader::read_rows(SheetRowHandler& handler) {
  if (!error_.empty()) return State::Error;
  if (!sheet_reader_) {
    InflateLimits limits;
    limits.max_bytes = limits_.max_sheet_bytes;
    limits.max_ratio = limits_.max_ratio;
    sheet_reader_ = std::make_unique<ZipEntryReader>(archive_, *archive_.find(selected().part), limits);
    sheet_xml_ = std::make_unique<XmlScanner>(limits_.max_token);
  }
  ZipEntryReader::State state;
  std::string_view chunk = sheet_reader_->next_chunk(&state);
  if (state == ZipEntryReader::State::Error) {
    fail(sheet_reader_->error());
    return State::Error;
  }
  if (sheet_done_) return state == ZipEntryReader::State::End ? State::End : State::More;
  sheet_xml_->feed(chunk);
  if (state == ZipEntryReader::State::End) sheet_xml_->finish();
  XmlEvent e;
  for (;;) {
    if (row_->in_row && !row_->in_cell) {
      std::size_t used = read_simple_cell(sheet_xml_->pending());
      if (!error_.empty()) return State::Error;
      if (used) {
        sheet_xml_->skip(used);
        continue;
      }
    }
    XmlScanner::Next n = sheet_xml_->next(&e);
    if (n == XmlScanner::Next::NeedMore) break;
    if (n == XmlScanner::Next::Error) {
      part_failed(selected().part, sheet_xml_->error());
      return State::Error;
    }
    if (n == XmlScanner::Next::End) {
      sheet_done_ = true;
      break;
    }
    take_event(e, handler);
    if (!error_.empty()) return State::Error;
  }
  if (state == ZipEntryReader::State::End) {
    if (!sheet_done_) {
      part_failed(selected().part, "it ends before its elements are closed");
      return State::Error;
    }
    return State::End;
  }
  return State::More;
}

void WorkbookReader::take_event(const XmlEvent& e, SheetRowHandler& handler) {
  Row& r = *row_;
  std::string error;
  if (e.type == XmlEvent::Type::Text) {
    if (!(r.in_value || (r.in_inline && r.in_text && !r.in_phonetic))) return;
    if (e.cdata) r.value.append(e.text);
    else if (!xml_decode(e.text, &r.value, &error)) part_failed(selected().part, error);
    r.has_value = true;
    return;
  }
  const Tag tag = tag_of(e.name);
  if (e.type == XmlEvent::Type::End) {
    switch (tag) {
      case Tag::C: end_cell(); break;
      case Tag::V: r.in_value = false; break;
      case Tag::T: r.in_text = false; break;
      case Tag::RPh: r.in_phonetic = false; break;
      case Tag::Is: r.in_inline = false; break;
      case Tag::Row: end_row(handler); break;
      case Tag::SheetData: r.in_sheet_data = false; break;
      default: break;
    }
    return;
  }
  switch (tag) {
    case Tag::C:
      if (r.in_row) start_cell(e.attrs, e.empty);
      return;
    case Tag::V: if (r.in_cell) r.in_value = !e.empty; return;
    case Tag::Is: if (r.in_cell) r.in_inline = !e.empty; return;
    case Tag::T: if (r.in_inline) r.in_text = !e.empty; return;
    case Tag::RPh: if (r.in_inline) r.in_phonetic = !e.empty; return;
    case Tag::SheetData: r.in_sheet_data = !e.empty; return;
    case Tag::Row: {
      if (!r.in_sheet_data) return;
      std::string_view ref;
      std::uint64_t number = r.number + 1;
      if (xml_attribute(e.attrs, "r", &ref) && !parse_u64(ref, &number)) {
        part_failed(selected().part, "a row has the number " + quote_value(ref) + ", which no sheet has");
        return;
      }
      if (number <= r.number || number > kMaxRows) {
        part_failed(selected().part, number > kMaxRows ? "a row is numbered past Excel's last row, 1048576"
                                                       : "its rows are out of order (row " + to_decimal(number) +
                                                             " after row " + to_decimal(r.number) + ")");
        return;
      }
      r.number = number;
      r.cells.clear();
      r.starts.clear();
      r.arena.clear();
      r.problem.clear();
      r.last_column = -1;
      r.in_row = !e.empty;
      return;
    }
    default: return;
  }
}

namespace {

// A cell tag's r, t and s attributes.
struct CellAttributes {
  std::string_view ref, type, style;
  bool has_ref = false, has_type = false;
};

// Reads attributes from `p` at `i` up to the tag's end ('>' or '/>'), by hand: this runs for
// every cell of the sheet. `end` is the index of the '>'; false when the tag is not complete
// in `p` or not as expected.
bool read_cell_attributes(std::string_view p, std::size_t i, CellAttributes* a, std::size_t* end, bool* empty) {
  const std::size_t n = p.size();
  for (;;) {
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) ++i;
    if (i >= n) return false;
    if (p[i] == '>' || (p[i] == '/' && i + 1 < n && p[i + 1] == '>')) {
      *empty = p[i] == '/';
      *end = *empty ? i + 1 : i;
      return true;
    }
    const std::size_t name_start = i;
    while (i < n && p[i] != '=' && p[i] != '>' && p[i] != '<' && p[i] != ' ') ++i;
    if (i + 1 >= n || p[i] != '=' || (p[i + 1] != '"' && p[i + 1] != '\'')) return false;
    std::string_view name = p.substr(name_start, i - name_start);
    const char quote = p[i + 1];
    const std::size_t value_start = i + 2;
    std::size_t value_end = value_start;
    while (value_end < n && p[value_end] != quote) {
      if (p[value_end] == '<') return false;
      ++value_end;
    }
    if (value_end >= n) return false;
    if (std::size_t colon = name.rfind(':'); colon != std::string_view::npos) name.remove_prefix(colon + 1);
    if (name.size() == 1) {
      const std::string_view value = p.substr(value_start, value_end - value_start);
      if (name[0] == 'r') a->ref = value, a->has_ref = true;
      else if (name[0] == 't') a->type = value, a->has_type = true;
      else if (name[0] == 's') a->style = value;
    }
    i = value_end + 1;
  }
}

// Digits only, as a cell's style and shared-string index are written.
bool small_number(std::string_view text, std::uint64_t* out) {
  if (text.empty() || text.size() > 10) return parse_u64(text, out);
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return parse_u64(text, out);
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

bool WorkbookReader::start_cell(std::string_view attrs, bool empty) {
  CellAttributes a;
  std::string tag(attrs);
  tag.push_back('>');
  std::size_t end;
  bool ignored;
  if (!read_cell_attributes(tag, 0, &a, &end, &ignored)) {
    // Attributes read_cell_attributes does not expect (a space around '='): the general reader.
    a = CellAttributes{};
    each_attribute(attrs, [&](std::string_view name, std::string_view value) {
      if (name.size() != 1) return;
      if (name[0] == 'r') a.ref = value, a.has_ref = true;
      else if (name[0] == 't') a.type = value, a.has_type = true;
      else if (name[0] == 's') a.style = value;
    });
  }
  return begin_cell(a.ref, a.has_ref, a.type, a.has_type, a.style, empty);
}

bool WorkbookReader::begin_cell(std::string_view ref, bool has_ref, std::string_view type, bool has_type,
                                std::string_view style, bool empty) {
  Row& r = *row_;
  std::uint32_t column = static_cast<std::uint32_t>(r.last_column + 1);
  if (has_ref && !column_of(ref, &column))
    return part_failed(selected().part, "a cell has the reference " + quote_value(ref) + ", which no sheet has");
  if (column >= kMaxColumns) return part_failed(selected().part, "row " + to_decimal(r.number) + " has a cell past column XFD");
  if (static_cast<std::int64_t>(column) <= r.last_column && r.problem.empty())
    r.problem = "Cell " + column_name(column) + to_decimal(r.number) + " is given twice or out of order in the sheet's XML.";
  r.last_column = std::max<std::int64_t>(r.last_column, column);
  r.column = column;
  r.kind = has_type ? kind_of(type) : Kind::Number;
  if (r.kind == Kind::Unknown) r.type_text.assign(type);
  r.style = 0;
  std::uint64_t s = 0;
  if (!style.empty() && small_number(style, &s) && s < 0xFFFFFFFFu) r.style = static_cast<std::uint32_t>(s);
  r.value.clear();
  r.has_value = false;
  r.in_cell = !empty;  // <c r="B2" s="3"/>: a formatted cell without a value
  return true;
}

// Whether `p` holds `literal` at `at`.
inline bool holds(std::string_view p, std::size_t at, std::string_view literal) {
  return p.size() >= at + literal.size() && std::memcmp(p.data() + at, literal.data(), literal.size()) == 0;
}

// The commonest cell, <c r="B2" t="s"><v>17</v></c> (or <c .../>), read straight from the
// scanner's bytes: a fraction of the work of its five events. 0 when the bytes hold anything
// else (the events then take it).
std::size_t WorkbookReader::read_simple_cell(std::string_view p) {
  if (p.size() < 4 || p[0] != '<' || p[1] != 'c' || (p[2] != ' ' && p[2] != '>' && p[2] != '/')) return 0;
  CellAttributes a;
  std::size_t end;
  bool empty;
  if (!read_cell_attributes(p, 2, &a, &end, &empty)) return 0;
  if (empty) {
    if (!begin_cell(a.ref, a.has_ref, a.type, a.has_type, a.style, true)) return 0;
    return end + 1;
  }
  if (!holds(p, end + 1, "<v>")) return 0;
  const std::size_t text = end + 4;
  const void* lt = text < p.size() ? std::memchr(p.data() + text, '<', p.size() - text) : nullptr;
  if (!lt) return 0;
  const std::size_t close = static_cast<std::size_t>(static_cast<const char*>(lt) - p.data());
  if (!holds(p, close, "</v></c>")) return 0;
  if (!begin_cell(a.ref, a.has_ref, a.type, a.has_type, a.style, false)) return 0;
  const std::string_view raw = p.substr(text, close - text);
  bool plain = true;
  for (char c : raw) plain &= c != '&' && c != '\r';
  if (plain) {
    row_->value.assign(raw);
  } else {
    std::string error;
    if (!xml_decode(raw, &row_->value, &error)) {
      part_failed(selected().part, error);
      return 0;
    }
  }
  row_->has_value = true;
  end_cell();
  return close + 8;
}

void WorkbookReader::end_cell() {
  Row& r = *row_;
  if (!r.in_cell) return;
  r.in_cell = r.in_value = r.in_inline = r.in_text = r.in_phonetic = false;
  SheetCell cell;
  cell.column = r.column;
  cell.style = r.style;
  auto where = [&] { return "Cell " + column_name(r.column) + to_decimal(r.number); };
  std::string problem;
  std::string_view text;
  bool shared = false;  // `text` is in the shared-string table, which outlives the row
  switch (r.kind) {
    case Kind::Shared: {
      std::uint64_t index = 0;
      if (!r.has_value) return;
      if (!small_number(r.value, &index) || index >= string_ends_.size()) {
        problem = where() + " refers to shared string " + quote_value(trim(r.value)) +
                  ", which the workbook does not have (it has " + to_decimal(string_ends_.size()) +
                  "); the file is damaged: save it again from Excel.";
      } else {
        std::uint32_t begin = index == 0 ? 0 : string_ends_[index - 1];
        text = std::string_view(strings_).substr(begin, string_ends_[index] - begin);
        shared = true;
      }
      cell.type = CellType::Text;
      break;
    }
    case Kind::Inline:
    case Kind::Formula:
    case Kind::Date:
      decode_ooxml_escapes(&r.value);
      text = r.value;
      cell.type = CellType::Text;
      break;
    case Kind::Boolean:
      if (!r.has_value) return;
      text = trim(r.value);
      if (text != "0" && text != "1") problem = where() + " is a TRUE/FALSE cell holding " + quote_value(text) + ".";
      cell.type = CellType::Boolean;
      break;
    case Kind::Error:
      text = trim(r.value);
      cell.type = CellType::Error;
      break;
    case Kind::Number: {
      if (!r.has_value) return;
      text = trim(r.value);
      std::string plain;
      if (!plain_number(text, &plain))
        problem = where() + " is a number cell holding " + quote_value(text) + ", which is not a number.";
      cell.type = CellType::Number;
      break;
    }
    default:
      problem = where() + " has the type " + quote_value(r.type_text) + ", which Rowgate does not know.";
      break;
  }
  if (!r.has_value && problem.empty() && cell.type != CellType::Error) return;
  if (problem.empty() && cell.type == CellType::Text && text.empty()) return;
  if (shared) {
    cell.text = text;
    cell.utf8_checked = strings_utf8_;
    r.starts.push_back(std::string::npos);
  } else {
    r.starts.push_back(r.arena.size());
    r.arena.append(problem.empty() ? text : std::string_view(problem));
    cell.problem = problem.empty() ? std::string_view() : std::string_view("1");  // set to the text in end_row
  }
  r.cells.push_back(cell);
}

void WorkbookReader::end_row(SheetRowHandler& handler) {
  Row& r = *row_;
  if (!r.in_row) return;
  r.in_row = false;
  if (r.cells.empty() && r.problem.empty()) return;
  // Texts kept in the row's arena get their views now that it no longer grows.
  for (std::size_t i = 0; i < r.cells.size(); ++i) {
    if (r.starts[i] == std::string::npos) continue;
    std::size_t end = r.arena.size();
    for (std::size_t j = i + 1; j < r.starts.size(); ++j)
      if (r.starts[j] != std::string::npos) {
        end = r.starts[j];
        break;
      }
    std::string_view bytes = std::string_view(r.arena).substr(r.starts[i], end - r.starts[i]);
    if (r.cells[i].problem.empty()) {
      r.cells[i].text = bytes;
    } else {
      r.cells[i].problem = bytes;
      r.cells[i].text = {};
    }
  }
  handler.on_sheet_row(r.number, r.cells, r.problem);
}

}  // namespace rowgate::detail
