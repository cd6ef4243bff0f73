#include "session_adapter.h"

#include <utility>

namespace rowgate::wasm {

SessionAdapter::SessionAdapter(Template tmpl, const Context& context, Options options, const ReportOutputs& outputs,
                               bool batches, bool all_records)
    : batches_(batches), all_records_(all_records), writer_(tmpl, outputs, this) {
  session_ = std::make_unique<Session>(std::move(tmpl), context, std::move(options), writer_);
}

void SessionAdapter::on_finding(const Finding& f) {
  if (!batches_) return;
  findings_batch_.push_back(',');
  findings_batch_ += finding_json(f);
}

void SessionAdapter::on_record(const RecordResult& r) {
  bool shown = all_records_ || r.outcome == Outcome::Error || r.outcome == Outcome::Duplicate;
  if (!batches_ || !shown) return;
  records_batch_.push_back(',');
  records_batch_ += result_jsonl(r);
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
