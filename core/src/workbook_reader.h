// An Office Open XML workbook (.xlsx), as Excel and LibreOffice write one: its ZIP container,
// the workbook and its relationships (which sheets, in which parts), the styles (which cells
// hold dates), the shared strings, and one sheet's rows, read a chunk at a time.
//
// Excel stores the shared strings after the sheets, so the reader needs the file at any
// offset (RandomAccessFile). Memory: the shared-string table, plus one row and one chunk.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rowgate/session.h"
#include "xml_scanner.h"
#include "zip_archive.h"

namespace rowgate::detail {

struct SheetInfo {
  std::string name;
  std::string part;          ///< its ZIP entry
  bool hidden = false;
  std::uint64_t bytes = 0;   ///< inflated size of its part
};

enum class CellType : std::uint8_t { Text, Number, Boolean, Error };
enum class DateStyle : std::uint8_t { None, Date, DateTime, Time };

/// One cell that holds something; cells a row leaves out are not listed.
struct SheetCell {
  std::uint32_t column = 0;  ///< 0-based: A is 0
  CellType type = CellType::Text;
  std::uint32_t style = 0;   ///< index into the styles' cellXfs
  std::string_view text;     ///< the string; a number as written; "0"/"1"; the error ("#N/A")
  std::string_view problem;  ///< when not empty, why the cell cannot be read (and text is empty)
  bool utf8_checked = false; ///< `text` is known to be UTF-8 without NUL (a checked shared string)
};

class SheetRowHandler {
 public:
  virtual ~SheetRowHandler() = default;
  /// A row with at least one cell, `row` as the sheet numbers it (1-based). `problem`, when
  /// not empty, says why the row itself cannot be read (a cell given twice).
  virtual void on_sheet_row(std::uint64_t row, const std::vector<SheetCell>& cells, std::string_view problem) = 0;
};

struct WorkbookLimits {
  std::uint64_t max_sheet_bytes = std::uint64_t{4} << 30;   ///< the chosen sheet, inflated
  std::uint64_t max_strings_bytes = std::uint64_t{1} << 30;  ///< the shared strings, inflated (held in memory)
  std::uint64_t max_part_bytes = 64u << 20;                  ///< workbook, relationships, styles
  std::size_t max_token = 4u << 20;                          ///< one tag or text run
  std::uint32_t max_ratio = 250;                             ///< inflated/compressed
};

class WorkbookReader {
 public:
  enum class State { More, End, Error };

  WorkbookReader(RandomAccessFile& file, WorkbookLimits limits);
  ~WorkbookReader();

  /// Reads the container, the workbook, its relationships and styles. False: error().
  bool open();
  /// The worksheets in the workbook's order (chart sheets are left out).
  const std::vector<SheetInfo>& sheets() const { return sheets_; }
  /// Chooses the sheet to read: empty for the first visible one, else a name or a 1-based
  /// position. False: error(), and unknown_sheet() when no sheet has that name or position.
  bool select(std::string_view sheet);
  const SheetInfo& selected() const { return sheets_[selected_]; }
  bool unknown_sheet() const { return unknown_sheet_; }
  /// Reads the shared-string table. False: error().
  bool load_shared_strings();
  /// Reads about one chunk of the chosen sheet and hands over the rows it completes.
  State read_rows(SheetRowHandler& handler);
  /// The rows the sheet's <dimension> announces (0 when it has none), from its first chunk.
  std::uint64_t dimension_rows(std::size_t sheet);

  const std::string& error() const { return error_; }
  /// Inflated bytes of the sheet read so far.
  std::uint64_t sheet_bytes_read() const;

  bool date1904() const { return date1904_; }
  /// Whether a cell of that style shows a date, a date and time, or a time of day.
  DateStyle date_style(std::uint32_t style) const;

 private:
  struct Row;
  bool fail(std::string why);
  bool part_failed(const std::string& part, const std::string& why);
  bool not_a_workbook();
  bool read_part(const std::string& name, std::string* out);
  bool read_styles(const std::string& part);
  void take_event(const XmlEvent& event, SheetRowHandler& handler);
  bool start_cell(std::string_view attrs, bool empty);
  bool begin_cell(std::string_view ref, bool has_ref, std::string_view type, bool has_type, std::string_view style,
                  bool empty);
  std::size_t read_simple_cell(std::string_view pending);
  void end_cell();
  void end_row(SheetRowHandler& handler);

  RandomAccessFile& file_;
  WorkbookLimits limits_;
  ZipArchive archive_;
  std::vector<SheetInfo> sheets_;
  std::size_t selected_ = 0;
  bool unknown_sheet_ = false;
  std::string strings_part_;
  std::string styles_part_;
  bool date1904_ = false;
  std::vector<DateStyle> style_kind_;  // per cellXfs entry
  std::string strings_;                   // the shared strings, one after another
  std::vector<std::uint32_t> string_ends_;
  bool strings_utf8_ = false;  // the whole table is UTF-8 without NUL
  std::unique_ptr<ZipEntryReader> sheet_reader_;
  std::unique_ptr<XmlScanner> sheet_xml_;
  std::unique_ptr<Row> row_;
  bool sheet_done_ = false;
  std::string error_;
};

/// A number as SpreadsheetML writes it ("1E+15", "0.1", "-3.0") in plain decimal notation
/// ("1000000000000000", "0.1", "-3"); false when `text` is not a number.
bool plain_number(std::string_view text, std::string* out);

/// A date serial as an ISO date ("2023-03-15"), with "T13:45:00" when `with_time` and the
/// serial has a time of day, or as a time alone ("13:45:00") when `time_only`. False when the
/// serial is not a date Excel can show.
bool serial_to_iso(std::string_view serial, bool date1904, bool with_time, bool time_only, std::string* out);

/// Whether a number format code shows a date or time: `date` for day, month or year tokens,
/// `time` for hours or seconds.
void classify_format(std::string_view code, bool* date, bool* time);

}  // namespace rowgate::detail
