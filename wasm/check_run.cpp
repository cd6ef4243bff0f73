#include "check_run.h"

#include <utility>

namespace rowgate::wasm {

CheckRun::CheckRun(const std::vector<std::string>& words) { parsed_ = parse_check_args(words, &args_); }

bool CheckRun::load_template(std::string_view file_text, std::string* out, std::string* err) {
  TemplateLoad loaded = args_.template_is_file ? parse_template(file_text) : builtin_template(args_.template_arg);
  if (loaded.ok) {
    template_ = std::move(loaded.value);
    return true;
  }
  bool to_stdout = false;
  std::string text = check_template_failure(args_, loaded.error, &to_stdout);
  *(to_stdout ? out : err) = std::move(text);
  return false;
}

bool CheckRun::load_context(std::string_view text, std::string* error) {
  ContextLoad loaded = parse_context(text);
  if (!loaded.ok) {
    *error = check_context_failure(args_, loaded.error);
    return false;
  }
  context_ = std::move(loaded.value);
  return true;
}

bool CheckRun::start(std::string* error) {
  Outputs outputs;
  outputs.report = args_.json;
  outputs.batches = false;
  outputs.errors_csv = !args_.errors_file.empty();
  // The core's arguments decide the results format, for both commands alike.
  outputs.results = args_.results_file.empty() ? ResultsFormat::None
                    : args_.results_jsonl      ? ResultsFormat::Jsonl
                                               : ResultsFormat::Csv;
  adapter_ = std::make_unique<SessionAdapter>(std::move(template_), context_, args_.options, outputs);
  if (!adapter_->status().ok) {
    *error = adapter_->status().message;
    return false;
  }
  return true;
}

std::string CheckRun::output() const {
  if (args_.json) return adapter_->report();
  return adapter_->summary_text(check_file_name(args_));
}

int CheckRun::exit_status() const { return check_exit_status(adapter_->session()); }

}  // namespace rowgate::wasm
