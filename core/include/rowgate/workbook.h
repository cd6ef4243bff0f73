// What a page or a script asks of a workbook before it is checked: is it one, and which
// sheets does it have (a sheet picker shows each one's name and size).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rowgate/session.h"
#include "rowgate/status.h"

namespace rowgate {

/// Whether a session with that format reads a file starting with `head` as a workbook
/// (format xlsx, or auto and the bytes of a ZIP archive).
bool reads_as_workbook(std::string_view head, Format format);

struct SheetSummary {
  std::string name;
  std::uint64_t rows = 0;   ///< the rows the sheet's dimension announces; 0 when it does not say
  std::uint64_t bytes = 0;  ///< the size of its XML, inflated
  bool hidden = false;
};

/// The workbook's worksheets in its order; a failure (code invalid_workbook) when it cannot
/// be read.
Status list_sheets(RandomAccessFile& file, std::vector<SheetSummary>* out);

}  // namespace rowgate
