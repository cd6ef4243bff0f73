#include "rowgate/check_run.h"

#include <utility>

#include "rowgate/report.h"

namespace rowgate {

CheckRun::CheckRun(const std::vector<std::string>& words) { parsed_ = parse_check_args(words, &args_); }

CheckRun::~CheckRun() = default;

bool CheckRun::load_template(std::string_view file_text, std::string* out, std::string* err) {
  TemplateLoad loaded = args_.template_is_file ? parse_template(file_text) : builtin_template(args_.template_arg);
  if (loaded.ok) {
    template_ = std::move(loaded.value);
    return true;
  }
  // A bad template is a file-level finding of its own, reported like any other.
  Finding f = template_error(args_.template_arg, loaded.error);
  if (args_.json) *out = file_error_report(f);
  else *err = "rowgate check: " + f.message + " (invalid_template)\n";
  return false;
}

bool CheckRun::load_context(std::string_view text, std::string* error) {
  ContextLoad loaded = parse_context(text);
  if (!loaded.ok) {
    *error = "the context " + args_.context_file + " cannot be used: " + loaded.error;
    return false;
  }
  context_ = std::move(loaded.value);
  return true;
}

bool CheckRun::load_edits(std::string_view text, std::string* error) {
  auto edits = std::make_shared<Edits>();
  Status parsed = parse_edits_json(text, edits.get());
  if (!parsed.ok) {
    *error = "the edits " + args_.edits_file + " cannot be used: " + parsed.message + " (invalid_edits)";
    return false;
  }
  args_.options.edits = std::move(edits);
  return true;
}

bool CheckRun::start(std::string* error) {
  ReportOutputs outputs;
  outputs.keep_findings = args_.json;
  outputs.errors_csv = !args_.errors_file.empty();
  outputs.hints = command_line_hints();
  outputs.results = args_.results_file.empty() ? ResultsFormat::None
                    : args_.results_jsonl      ? ResultsFormat::Jsonl
                                               : ResultsFormat::Csv;
  writer_ = std::make_unique<ReportWriter>(template_, outputs);
  session_ = std::make_unique<Session>(std::move(template_), context_, args_.options, *writer_);
  if (session_->status().ok) return true;
  *error = session_->status().message;
  if (session_->status().code == code::invalid_mapping) *error += " (--map)";
  return false;
}

std::string CheckRun::output() const {
  if (args_.json) return writer_->report(*session_);
  return writer_->summary(*session_, args_.file == "-" ? "stdin" : args_.file);
}

}  // namespace rowgate
