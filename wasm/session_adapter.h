// The adapter between the core's Session and the browser worker: bytes go in, and what comes
// out was written by the core: its ReportWriter (tally, errors CSV, report) and its serializers
// (finding_json, result_jsonl) for the batches the page shows as they come. It holds no rule of
// its own. Nothing here knows of Embind; bindings.cpp does the JS side.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rowgate/report.h"
#include "rowgate/report_writer.h"
#include "rowgate/session.h"

namespace rowgate::wasm {

class SessionAdapter : public Sink {
 public:
  /// `outputs` are the core's (findings kept for the report, the errors CSV, the page's words
  /// for the controls); `batches`: after each push, the new findings and the new error and
  /// duplicate records. The errors file's header (when asked for) is the first pending bytes.
  /// With `all_records`, the batches hold every record, not only error and duplicate ones (a
  /// page reading a file of its own making, such as corrected problem rows).
  SessionAdapter(Template tmpl, const Context& context, Options options, const ReportOutputs& outputs, bool batches,
                 bool all_records = false);

  const Status& status() const { return session_->status(); }
  const Session& session() const { return *session_; }
  const ReportWriter& writer() const { return writer_; }

  void feed(std::string_view bytes) { session_->feed(bytes); }
  bool read(RandomAccessFile& file, std::uint64_t budget) { return session_->read(file, budget); }
  void finish() { session_->finish(); }

  /// Pending output since the last take: JSON arrays of finding_json objects and of
  /// result_jsonl objects (error and duplicate records only), "" when there is none.
  std::string take_findings_json() { return take_array(findings_batch_); }
  std::string take_records_json() { return take_array(records_batch_); }
  /// Pending bytes of the errors file; the caller takes them and clears them.
  std::string& errors_bytes() { return writer_.errors_bytes(); }

  /// The report of `rowgate check --json` (findings only with ReportOutputs::keep_findings).
  std::string report() const { return writer_.report(*session_); }

  // The batches, after the writer has seen each finding and record.
  void on_finding(const Finding& finding) override;
  void on_record(const RecordResult& record) override;

 private:
  static std::string take_array(std::string& items);

  bool batches_;
  bool all_records_;
  ReportWriter writer_;
  std::string findings_batch_;
  std::string records_batch_;
  std::unique_ptr<Session> session_;
};

}  // namespace rowgate::wasm
