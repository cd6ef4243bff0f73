#include "rowgate/report_writer.h"

#include <algorithm>

namespace rowgate {

int exit_status(const Session& session) {
  if (session.file_error()) return 2;
  return session.summary().invalid > 0 ? 1 : 0;
}

ReportWriter::ReportWriter(const Template& tmpl, ReportOutputs outputs, Sink* next)
    : outputs_(outputs), value_columns_(tmpl.fields.size()), next_(next) {
  for (const Field& f : tmpl.fields) fields_.push_back(f.key);
  if (outputs_.errors_csv) errors_.assign(errors_csv_header());
  if (outputs_.results == ResultsFormat::Csv) results_ = results_csv_header();
}

std::string ReportWriter::results_csv_header() const {
  std::vector<std::string_view> names;
  for (const std::string& f : fields_) names.push_back(f);
  for (const std::string& d : dynamic_) names.push_back(d);
  return rowgate::results_csv_header(names);
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
    if (r.values.size() > value_columns_ || !dynamic_.empty()) append_dynamic_cells(r);
    ++results_lines_;
  }
  if (next_) next_->on_record(r);
}

// The dynamic columns' cells of a results CSV line just appended (before its CRLF): a column
// first seen here joins the header, which is rewritten in place while no line has gone out.
void ReportWriter::append_dynamic_cells(const RecordResult& r) {
  const std::size_t known = dynamic_.size();
  dynamic_cells_.assign(known, {});
  std::vector<bool> present(known, false);
  for (std::size_t i = value_columns_; i < r.values.size(); ++i) {
    const ResultValue& v = r.values[i];
    auto at = std::find(dynamic_.begin(), dynamic_.end(), v.field);
    std::size_t column = static_cast<std::size_t>(at - dynamic_.begin());
    if (at == dynamic_.end()) {
      dynamic_.emplace_back(v.field);
      dynamic_cells_.emplace_back();
      present.push_back(false);
    }
    if (v.present) {
      dynamic_cells_[column] = v.value;
      present[column] = true;
    }
  }
  if (dynamic_.size() > known) {
    // The header still pending at the start of the bytes (no line handed out yet): make it the
    // new one. Otherwise the file will need its header rewritten at the end.
    const std::string before = [&] {
      std::vector<std::string_view> names;
      for (const std::string& f : fields_) names.push_back(f);
      for (std::size_t d = 0; d < known; ++d) names.push_back(dynamic_[d]);
      return rowgate::results_csv_header(names);
    }();
    if (results_lines_ == 0 && results_.compare(0, before.size(), before) == 0) results_.replace(0, before.size(), results_csv_header());
    else header_grew_ = true;
  }
  results_.resize(results_.size() - 2);  // the line's CRLF, put back after its dynamic cells
  for (std::size_t d = 0; d < dynamic_.size(); ++d) {
    results_.push_back(',');
    if (present[d]) append_csv_cell(results_, dynamic_cells_[d]);
  }
  results_ += "\r\n";
}

ResultsCsvRewrite::ResultsCsvRewrite(const ReportWriter& writer)
    : header_(writer.results_csv_header()), commas_(writer.results_csv_columns() - 1) {}

std::string ResultsCsvRewrite::feed(std::string_view chunk) {
  std::string out;
  out.reserve(chunk.size() + (started_ ? 0 : header_.size()));
  if (!started_) {
    out += header_;
    started_ = true;
  }
  for (char c : chunk) {
    if (old_header_) {  // dropped: the new header went out instead
      if (c == '"') quoted_ = !quoted_;
      else if (c == '\n' && !quoted_) old_header_ = false;
      continue;
    }
    if (quoted_) {
      out.push_back(c);
      if (c == '"') quoted_ = false;  // a doubled quote closes and opens again
      continue;
    }
    if (cr_) {
      cr_ = false;
      if (c == '\n') {
        if (seen_ < commas_) out.append(commas_ - seen_, ',');
        out += "\r\n";
        seen_ = 0;
        continue;
      }
      out.push_back('\r');
    }
    if (c == '\r') {
      cr_ = true;
      continue;
    }
    if (c == '"') quoted_ = true;
    else if (c == ',') ++seen_;
    out.push_back(c);
  }
  return out;
}

std::string ReportWriter::report(const Session& session) const { return report_json(session, findings_); }

std::string ReportWriter::summary(const Session& session, std::string_view file_name) const {
  return summary_text(session, tally_, file_level_, file_name);
}

}  // namespace rowgate
