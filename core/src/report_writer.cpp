#include "rowgate/report_writer.h"

namespace rowgate {

int exit_status(const Session& session) {
  if (session.file_error()) return 2;
  return session.summary().invalid > 0 ? 1 : 0;
}

ReportWriter::ReportWriter(const Template& tmpl, ReportOutputs outputs, Sink* next)
    : outputs_(outputs), value_columns_(tmpl.fields.size()), next_(next) {
  if (outputs_.errors_csv) errors_.assign(errors_csv_header());
  if (outputs_.results == ResultsFormat::Csv) {
    std::vector<std::string_view> names;
    for (const Field& f : tmpl.fields) names.push_back(f.key);
    results_ = results_csv_header(names);
  }
}

void ReportWriter::on_finding(const Finding& given) {
  // The message in the adapter's words, for every output alike.
  Finding worded;
  if (!given.hint.empty()) {
    worded = given;
    worded.message = message_with_hint(given, outputs_.hints);
  }
  const Finding& f = given.hint.empty() ? given : worded;
  tally_.add(f);
  if (is_file_level(f)) {
    file_level_.push_back(f);
    if (f.severity == Severity::Error && file_error_.empty()) file_error_ = f.message;
  }
  if (outputs_.keep_findings) findings_.push_back(f);
  if (outputs_.errors_csv) errors_ += errors_csv_line(f);
  if (next_) next_->on_finding(f);
}

void ReportWriter::on_record(const RecordResult& r) {
  last_row_ = r.row;
  if (outputs_.results == ResultsFormat::Jsonl) {
    results_ += result_jsonl(r);
    results_.push_back('\n');
  } else if (outputs_.results == ResultsFormat::Csv) {
    append_results_csv_line(results_, r, value_columns_);
  }
  if (next_) next_->on_record(r);
}

std::string ReportWriter::report(const Session& session) const { return report_json(session, findings_); }

std::string ReportWriter::summary(const Session& session, std::string_view file_name) const {
  return summary_text(session, tally_, file_level_, file_name);
}

}  // namespace rowgate
