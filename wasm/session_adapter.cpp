#include "session_adapter.h"

#include <utility>

namespace rowgate::wasm {

SessionAdapter::SessionAdapter(Template tmpl, const Context& context, Options options, Outputs outputs)
    : outputs_(outputs), value_columns_(tmpl.fields.size()) {
  // As in server/cli/check_command.cpp, the file headers are written even when the options
  // turn out to be bad.
  if (outputs_.errors_csv) errors_.assign(errors_csv_header());
  if (outputs_.results == ResultsFormat::Csv) {
    std::vector<std::string_view> names;
    for (const Field& f : tmpl.fields) names.push_back(f.key);
    results_ = results_csv_header(names);
  }
  session_ = std::make_unique<Session>(std::move(tmpl), context, std::move(options), *this);
}

std::string SessionAdapter::summary_text(std::string_view file_name) const {
  return rowgate::summary_text(*session_, tally_, file_level_, file_name);
}

// As CheckSink in server/cli/check_command.cpp: the tally and the file-level findings feed the
// human summary.
void SessionAdapter::on_finding(const Finding& f) {
  tally_.add(f);
  if (is_file_level(f)) file_level_.push_back(f);
  if (outputs_.report) findings_.push_back(f);
  if (outputs_.batches) {
    findings_batch_.push_back(',');
    findings_batch_ += finding_json(f);
  }
  if (outputs_.errors_csv) errors_ += errors_csv_line(f);
}

void SessionAdapter::on_record(const RecordResult& r) {
  bool shown = r.outcome == Outcome::Error || r.outcome == Outcome::Duplicate;
  if (outputs_.batches && shown) {
    records_batch_.push_back(',');
    records_batch_ += result_jsonl(r);
  }
  if (outputs_.results == ResultsFormat::Jsonl) {
    results_ += result_jsonl(r);
    results_.push_back('\n');
  } else if (outputs_.results == ResultsFormat::Csv) {
    append_results_csv_line(results_, r, value_columns_);
  }
}

// `items` holds ",a,b,c"; the array is "[a,b,c]". The buffer keeps its capacity.
std::string SessionAdapter::take_array(std::string& items) {
  if (items.empty()) return {};
  std::string out;
  out.reserve(items.size() + 1);
  out.push_back('[');
  out.append(items, 1);
  out.push_back(']');
  items.clear();
  return out;
}

}  // namespace rowgate::wasm
