// An Excel workbook (.xlsx) of one sheet of text cells, streamed: the package's fixed parts go
// out first, then the sheet's rows as they are given, on a ZipWriter. Every cell is an inline
// string, so that a value such as "007" stays text and is never read as a number.
#pragma once

#include <cstdint>
#include <ctime>
#include <span>
#include <string>
#include <string_view>

#include "util/zip_writer.h"

namespace rowgate::server {

/// A one-sheet workbook of text cells written as its rows come.
class XlsxWriter {
 public:
  /// Excel's limits: rows in a sheet, columns in a row.
  static constexpr std::uint64_t kMaxRows = 1048576;
  static constexpr std::size_t kMaxColumns = 16384;

  /// A workbook whose one sheet is named `sheet_name`: 1 to 31 characters, none of Excel's
  /// \ / ? * : [ ] nor < > & " (std::invalid_argument otherwise).
  XlsxWriter(ZipWriter::Sink sink, std::string_view sheet_name, std::time_t modified = std::time(nullptr));

  /// Appends a row of cells from column A; an empty value leaves its cell out. Throws
  /// std::length_error past kMaxRows rows or kMaxColumns cells.
  void row(std::span<const std::string_view> cells);
  /// Ends the sheet and the archive; every byte has gone to the sink when it returns.
  void finish();

 private:
  ZipWriter zip_;
  std::string xml_;  // the sheet's XML not yet given to zip_
  std::uint64_t rows_ = 0;
};

/// Appends `value` as the text element of an inline-string cell: `<t>…</t>`, XML-escaped, with
/// Excel's _xHHHH_ escapes, cut to Excel's 32,767 characters.
void append_inline_text(std::string& xml, std::string_view value);

}  // namespace rowgate::server
