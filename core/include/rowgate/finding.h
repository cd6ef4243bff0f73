// Findings: every problem the core sees in a file, as data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rowgate {

/// The stable finding codes of ARCHITECTURE.md. They cross every boundary as these strings.
namespace code {
inline constexpr std::string_view empty_file = "empty_file";
inline constexpr std::string_view invalid_encoding = "invalid_encoding";
inline constexpr std::string_view missing_column = "missing_column";
inline constexpr std::string_view duplicate_column = "duplicate_column";
inline constexpr std::string_view unknown_column = "unknown_column";
inline constexpr std::string_view invalid_template = "invalid_template";
inline constexpr std::string_view malformed_row = "malformed_row";
inline constexpr std::string_view invalid_json = "invalid_json";
inline constexpr std::string_view not_an_object = "not_an_object";
inline constexpr std::string_view required = "required";
inline constexpr std::string_view too_long = "too_long";
inline constexpr std::string_view invalid_email = "invalid_email";
inline constexpr std::string_view invalid_url = "invalid_url";
inline constexpr std::string_view invalid_boolean = "invalid_boolean";
inline constexpr std::string_view invalid_integer = "invalid_integer";
inline constexpr std::string_view invalid_number = "invalid_number";
inline constexpr std::string_view invalid_date = "invalid_date";
inline constexpr std::string_view invalid_locale = "invalid_locale";
inline constexpr std::string_view invalid_country = "invalid_country";
inline constexpr std::string_view invalid_phone = "invalid_phone";
inline constexpr std::string_view invalid_enum = "invalid_enum";
inline constexpr std::string_view unknown_reference = "unknown_reference";
inline constexpr std::string_view not_scalar = "not_scalar";
inline constexpr std::string_view duplicate_in_file = "duplicate_in_file";
inline constexpr std::string_view not_found = "not_found";
// Workbooks: a file-level error when the workbook cannot be read (a damaged container, XML that
// is not XML, a ZIP bomb), the sheet asked for is not there; a cell holding an error value.
inline constexpr std::string_view invalid_workbook = "invalid_workbook";
inline constexpr std::string_view unknown_sheet = "unknown_sheet";
inline constexpr std::string_view cell_error = "cell_error";
// Edits: an edit that cannot be applied (it names a column the file does not have and a field
// the template does not have, a row that cannot be read, or a row the file does not have).
inline constexpr std::string_view invalid_edit = "invalid_edit";
// Why a run cannot start (a Status), the same through every adapter: the command line, the
// WebAssembly module and the REST API (which answers them 422, usage errors 400).
inline constexpr std::string_view invalid_context = "invalid_context";
inline constexpr std::string_view invalid_options = "invalid_options";
inline constexpr std::string_view invalid_mapping = "invalid_mapping";
inline constexpr std::string_view invalid_arguments = "invalid_arguments";
inline constexpr std::string_view invalid_edits = "invalid_edits";
}  // namespace code

/// The control a person uses to fix a finding, when there is one: each adapter names it in its
/// own words (the command line's --map, the page's mapping step, the REST API's "mapping"), the
/// core never does. The message ends in a clause that the adapter's words complete.
namespace hint {
inline constexpr std::string_view map = "map";            ///< choosing the field a column feeds
inline constexpr std::string_view encoding = "encoding";  ///< choosing the file's encoding
}  // namespace hint

/// Each adapter's words for the hints, inserted before a message's final period.
struct HintWords {
  std::string map;
  std::string encoding;
};

/// `rowgate check`'s words: " with --map", " with --encoding".
const HintWords& command_line_hints();

enum class Severity { Error, Warning };

/// One problem: where it is (row, line, column), what it is (code) and what to do (message).
/// File-level findings have row 0 and line 0 unless they belong to the header row.
struct Finding {
  std::uint64_t row = 0;
  std::uint64_t line = 0;
  std::string column;   ///< the header text as the file has it; empty for row-level findings
  std::string field;    ///< the template key; empty when no field is concerned
  std::string_view code;
  Severity severity = Severity::Error;
  std::string message;  ///< one English sentence a spreadsheet user can act on
  std::string_view hint;  ///< hint::map or hint::encoding when the adapter may name its control; else empty
  /// The value the message suggests instead ("did you mean ...?"): a page offers it as a fix.
  /// Written as the finding's `details.suggestion`; empty when there is none.
  std::string suggestion;
};

/// `finding.message` with the adapter's words for its hint before the final period (the message
/// as it is when the finding has no hint, or the words are empty).
std::string message_with_hint(const Finding& finding, const HintWords& words);

/// "error" or "warning".
std::string_view severity_name(Severity severity);

}  // namespace rowgate
