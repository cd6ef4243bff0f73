// The one deterministic serializer of results: JSON report, errors CSV, results CSV and JSONL.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rowgate/finding.h"
#include "rowgate/session.h"

namespace rowgate {

/// Collects findings (and, when asked, each record's results line) in memory.
class CollectingSink : public Sink {
 public:
  explicit CollectingSink(bool keep_results = false) : keep_results_(keep_results) {}
  void on_finding(const Finding& finding) override { findings.push_back(finding); }
  void on_record(const RecordResult& record) override;

  std::vector<Finding> findings;
  std::vector<std::string> results;  ///< results JSONL lines, without newlines

 private:
  bool keep_results_;
};

/// {"summary": ..., "input": ..., "mapping": [...], "findings": [...]} with a fixed key order,
/// integers only, and no insignificant white space except one finding per line.
/// With `results`, a "results" array of the records' JSONL objects is added at the end.
std::string report_json(const Session& session, const std::vector<Finding>& findings,
                        const std::vector<std::string>* results = nullptr);

/// The finding for a template that cannot be used (`template_arg` as the user named it).
Finding template_error(std::string_view template_arg, std::string_view error);
/// The report of a run that could not start: an empty summary, no input or mapping, one finding.
std::string file_error_report(const Finding& finding);

/// The summary object alone, as in the report.
std::string summary_json(const Summary& summary);
/// Reads a summary object back (as summary_json writes it); false when it is not one.
bool parse_summary_json(std::string_view text, Summary* out);
/// {"create", "update", "duplicate", "error", "warnings"}: a run's outcomes as every page shows
/// them, "error" being error_rows() (rows that failed their checks, duplicates left out).
std::string outcome_counts_json(const Summary& summary);
/// The mapping array alone, as in the report.
std::string mapping_json(const std::vector<MappingEntry>& mapping);
/// One finding as a JSON object, as in the report.
std::string finding_json(const Finding& finding);

/// The errors CSV header line (with CRLF) and one line per finding.
std::string_view errors_csv_header();
std::string errors_csv_line(const Finding& finding);

/// One results JSONL line (no newline): row, outcome, key and typed normalised values.
std::string result_jsonl(const RecordResult& record);
/// The results CSV header for a set of fields, and one line per record (formula-neutralised).
std::string results_csv_header(const std::vector<std::string_view>& fields);
/// `value_columns` is the number of template fields in the header (ReportWriter adds the dynamic
/// fields' cells after them).
std::string results_csv_line(const RecordResult& record, std::size_t value_columns);
/// The same line appended to `out` (no allocation once `out` has grown).
void append_results_csv_line(std::string& out, const RecordResult& record, std::size_t value_columns);

/// Appends `cell` to `out` as one CSV cell: quoted when needed, and prefixed with ' when it
/// starts with = + - @ tab or CR, so spreadsheets do not run it as a formula.
void append_csv_cell(std::string& out, std::string_view cell);

/// True for findings about the file rather than a row: row 0, or about its columns.
bool is_file_level(const Finding& finding);

/// Counts row findings per code, with the first rows of each, for the human summary (file-level
/// findings are listed on their own there, so they are not counted).
class CodeTally {
 public:
  struct Entry {
    std::string_view code;
    Severity severity = Severity::Error;
    std::uint64_t count = 0;
    std::vector<std::uint64_t> rows;  ///< the first few rows, in order
  };
  void add(const Finding& finding);
  /// The entries, most frequent first (ties in order of first appearance).
  std::vector<Entry> top(std::size_t n) const;

 private:
  std::vector<Entry> entries_;
};

/// The one-screen summary of `rowgate check` without --json: counts per outcome and the most
/// frequent codes with example rows, then any file-level findings.
std::string summary_text(const Session& session, const CodeTally& tally, const std::vector<Finding>& file_findings,
                         std::string_view file_name);

/// Appends `text` as a JSON string; bytes that are not UTF-8 become U+FFFD.
void append_json_string(std::string& out, std::string_view text);

}  // namespace rowgate
