// The one writer of what a run reports, free of I/O: the tally per code, the file-level
// findings, the errors and results files' bytes, and at the end the report, the summary and the
// exit status. `rowgate check` (native and WebAssembly), the browser's dry run and the server's
// import all put one in front of their session and pass its bytes through untouched.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rowgate/finding.h"
#include "rowgate/report.h"
#include "rowgate/session.h"
#include "rowgate/template.h"

namespace rowgate {

enum class ResultsFormat { None, Jsonl, Csv };

/// What a run writes besides its counts; chosen when it starts.
struct ReportOutputs {
  bool keep_findings = false;  ///< every finding, for report_json at the end (`--json`)
  bool errors_csv = false;     ///< the errors CSV, as `--errors` writes it
  ResultsFormat results = ResultsFormat::None;  ///< the results file, as `--results` writes it
  /// The adapter's words for the controls that fix a finding (Finding::hint); none by default.
  HintWords hints;
};

/// 2 for a file-level error, 1 when some row is invalid, else 0: `rowgate check`'s exit status.
int exit_status(const Session& session);

class ReportWriter : public Sink {
 public:
  /// The headers of the files asked for are the first pending bytes. `next`, when given, gets
  /// every finding and record after this writer (a server's batches, a worker's table), each
  /// finding's message completed with the adapter's hint words.
  ReportWriter(const Template& tmpl, ReportOutputs outputs, Sink* next = nullptr);

  void on_finding(const Finding& finding) override;
  void on_record(const RecordResult& record) override;

  /// Pending bytes of the errors and results files; the caller writes them and clears them.
  std::string& errors_bytes() { return errors_; }
  std::string& results_bytes() { return results_; }

  /// The results CSV's header as it stands: the template's fields, then each dynamic column
  /// (customFields.tier) in the order a record first gave it a value.
  std::string results_csv_header() const;
  /// True when a dynamic column was first seen after the header had been handed out: the
  /// results CSV written so far needs the final header and its earlier lines padded to it
  /// (ResultsCsvRewrite, at the end of the run). Never for JSONL results.
  bool results_header_grew() const { return header_grew_; }
  /// The number of cells of each results CSV line (and of the header), as it stands.
  std::size_t results_csv_columns() const { return 4 + value_columns_ + dynamic_.size(); }

  const CodeTally& tally() const { return tally_; }
  /// Every finding so far, when ReportOutputs::keep_findings.
  const std::vector<Finding>& findings() const { return findings_; }
  /// The findings about the file rather than a row (is_file_level).
  const std::vector<Finding>& file_level() const { return file_level_; }
  /// The message of the first file-level error, "" when there is none: why a file cannot be imported.
  const std::string& file_error_message() const { return file_error_; }
  /// The row of the last record seen (0 before any).
  std::uint64_t last_row() const { return last_row_; }

  /// The report of `rowgate check --json` (findings only with keep_findings).
  std::string report(const Session& session) const;
  /// The one-screen summary of `rowgate check` without --json.
  std::string summary(const Session& session, std::string_view file_name) const;

 private:
  ReportOutputs outputs_;
  std::size_t value_columns_;
  Sink* next_;
  CodeTally tally_;
  std::vector<Finding> findings_;
  std::vector<Finding> file_level_;
  std::string file_error_;
  std::uint64_t last_row_ = 0;
  std::string errors_;
  std::string results_;
  void append_dynamic_cells(const RecordResult& record);
  std::vector<std::string> fields_;   ///< the template's field keys, the results CSV's first columns
  std::vector<std::string> dynamic_;  ///< dynamic columns of the results CSV, in order
  std::vector<std::string_view> dynamic_cells_;  ///< the current line's, by column
  std::uint64_t results_lines_ = 0;
  bool header_grew_ = false;
};

/// A results CSV written before its last column was known, made whole: the final header, then
/// every line of the file as written, padded with empty cells to the final width. Fed the
/// file's bytes in order, in any chunks; each feed() answers the new file's next bytes.
class ResultsCsvRewrite {
 public:
  explicit ResultsCsvRewrite(const ReportWriter& writer);
  std::string feed(std::string_view chunk);

 private:
  std::string header_;
  std::size_t commas_;       // a line's commas outside quotes: its cells - 1
  std::size_t seen_ = 0;     // in the current line
  bool started_ = false;     // the header went out
  bool old_header_ = true;   // still in the first line, the header as first written
  bool quoted_ = false;
  bool cr_ = false;          // a CR outside quotes, held until its LF
};

}  // namespace rowgate
