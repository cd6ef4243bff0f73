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
  // As server/cli/check_command.cpp reports an unusable template (a finding of its own).
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
  return adapter_->summary_text(args_.file == "-" ? "stdin" : args_.file);
}

int CheckRun::exit_status() const {
  const Session& session = adapter_->session();
  if (session.file_error()) return 2;
  return session.summary().invalid > 0 ? 1 : 0;
}

}  // namespace rowgate::wasm
