#include "rowgate/workbook.h"

#include "workbook_reader.h"

namespace rowgate {

bool reads_as_workbook(std::string_view head, Format format) {
  if (format == Format::Xlsx) return true;
  if (format != Format::Auto) return false;
  return head.substr(0, 4) == std::string_view("PK\x03\x04", 4) || head.substr(0, 4) == std::string_view("PK\x05\x06", 4);
}

Status list_sheets(RandomAccessFile& file, std::vector<SheetSummary>* out) {
  out->clear();
  detail::WorkbookReader book(file, detail::WorkbookLimits{});
  if (!book.open()) return Status::failure(code::invalid_workbook, book.error());
  for (std::size_t i = 0; i < book.sheets().size(); ++i) {
    const detail::SheetInfo& info = book.sheets()[i];
    out->push_back(SheetSummary{info.name, book.dimension_rows(i), info.bytes, info.hidden});
  }
  return {};
}

}  // namespace rowgate
