// ZIP archives and workbooks as another program reads them: Python's zipfile and ElementTree,
// run on a file. The suites of the ZIP writer, the workbook writer and the export use them.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rowgate::testing {

/// Runs `python3 -c script args...`; its standard output, or {"error": ...} as JSON text when
/// it did not exit 0.
std::string run_python(const std::string& script, const std::vector<std::string>& args);

/// An archive as zipfile reads it: {"testzip": null or the first bad entry, "entries": [{"name",
/// "flag_bits", "compress_type", "file_size", "compress_size", "header_offset", "extra" (hex),
/// "sha256"}]}, or {"error": ...}. Reads every entry whole (testzip), so keep them small.
nlohmann::json read_zip(const std::string& path);

/// A workbook as zipfile and ElementTree read it: what read_zip says, and "sheets" (names),
/// "rows" (the first sheet's cells as text, Excel's _xHHHH_ escapes read, padded to the first
/// row's width), "types" (the t attributes of its cells), "preserved" (the cells, as "B2",
/// whose <t> has xml:space="preserve"); {"error": ...} when a part is not well-formed XML.
nlohmann::json read_xlsx(const std::string& bytes);

}  // namespace rowgate::testing
