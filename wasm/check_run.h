// `rowgate check` without its I/O, for wasm/cli.mjs: the JavaScript side opens, reads and writes
// the files; this decides everything else the way server/cli/check_command.cpp does, so that the
// two commands print the same bytes and exit with the same status.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rowgate/check_args.h"
#include "rowgate/context.h"
#include "rowgate/template.h"
#include "session_adapter.h"

namespace rowgate::wasm {

class CheckRun {
 public:
  /// Parses the words after `check` with the core's parse_check_args.
  explicit CheckRun(const std::vector<std::string>& words);

  const CheckArgs& args() const { return args_; }
  const Status& parsed() const { return parsed_; }

  /// Loads the template: a built-in by name, or `file_text` (the file named by --template).
  /// When it cannot be used, `out` and `err` receive what the native command prints.
  bool load_template(std::string_view file_text, std::string* out, std::string* err);
  /// Parses the text of the --context file; on failure `error` says why.
  bool load_context(std::string_view text, std::string* error);
  /// Creates the session; the pending output then holds the file headers. On failure `error`
  /// says why (the headers are still pending, as the native command has written them already).
  bool start(std::string* error);

  bool started() const { return adapter_ != nullptr; }
  SessionAdapter& adapter() { return *adapter_; }
  /// After finish(): the report (--json) or the human summary, for stdout.
  std::string output() const;
  /// After finish(): 2 for a file-level error, 1 when some row is invalid, else 0.
  int exit_status() const;

 private:
  CheckArgs args_;
  Status parsed_;
  Template template_;
  Context context_;
  std::unique_ptr<SessionAdapter> adapter_;
};

}  // namespace rowgate::wasm
