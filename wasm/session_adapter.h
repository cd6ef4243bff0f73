// The adapter between the core's Session and JavaScript: bytes go in, and what comes out was
// written by the core's own serializers (finding_json, result_jsonl, errors_csv_line, ...).
// It holds no rule of its own. Nothing here knows of Embind; bindings.cpp does the JS side.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rowgate/report.h"
#include "rowgate/session.h"

namespace rowgate::wasm {

enum class ResultsFormat { None, Jsonl, Csv };

/// What a session hands back besides its counts; chosen when it is created.
struct Outputs {
  bool report = true;    ///< keep every finding, for report_json at the end (as --json does)
  bool batches = true;   ///< after each push: the new findings, and the new error and duplicate records
  bool errors_csv = false;                      ///< the errors CSV, as --errors writes it
  ResultsFormat results = ResultsFormat::None;  ///< the results file, as --results writes it
};

class SessionAdapter : public Sink {
 public:
  /// The headers of the errors and results files (when asked for) are the first pending bytes.
  SessionAdapter(Template tmpl, const Context& context, Options options, Outputs outputs);

  const Status& status() const { return session_->status(); }
  const Session& session() const { return *session_; }

  void feed(std::string_view bytes) { session_->feed(bytes); }
  void finish() { session_->finish(); }

  /// Pending output since the last take: JSON arrays of finding_json objects and of
  /// result_jsonl objects (error and duplicate records only), "" when there is none.
  std::string take_findings_json() { return take_array(findings_batch_); }
  std::string take_records_json() { return take_array(records_batch_); }
  /// Pending bytes of the errors and results files; the caller writes and then clears them.
  std::string& errors_bytes() { return errors_; }
  std::string& results_bytes() { return results_; }

  /// The report of `rowgate check --json` (findings only when Outputs::report).
  std::string report() const { return report_json(*session_, findings_); }
  /// The human summary of `rowgate check` without --json.
  std::string summary_text(std::string_view file_name) const;

  void on_finding(const Finding& finding) override;
  void on_record(const RecordResult& record) override;

 private:
  static std::string take_array(std::string& items);

  Outputs outputs_;
  std::size_t value_columns_;
  CodeTally tally_;
  std::vector<Finding> file_level_;
  std::vector<Finding> findings_;
  std::string findings_batch_;
  std::string records_batch_;
  std::string errors_;
  std::string results_;
  std::unique_ptr<Session> session_;
};

}  // namespace rowgate::wasm
