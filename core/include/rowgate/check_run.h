// `rowgate check` without its I/O: the one implementation of the command, driven by the native
// binary (server/cli/check_command.cpp) and by wasm/cli.mjs through rowgate.wasm. The driver
// reads the files and writes the bytes this hands back; every decision, every byte of output
// and the exit status are made here, so the two commands cannot differ.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rowgate/check_args.h"
#include "rowgate/context.h"
#include "rowgate/report_writer.h"
#include "rowgate/session.h"
#include "rowgate/template.h"

namespace rowgate {

class CheckRun {
 public:
  /// Parses the words after `check` (parse_check_args).
  explicit CheckRun(const std::vector<std::string>& words);
  ~CheckRun();
  CheckRun(const CheckRun&) = delete;
  CheckRun& operator=(const CheckRun&) = delete;

  const CheckArgs& args() const { return args_; }
  const Status& parsed() const { return parsed_; }

  /// Loads the template: a built-in by name, or `file_text` (the bytes of the file --template
  /// names). When it cannot be used, `out` and `err` receive what the command prints.
  bool load_template(std::string_view file_text, std::string* out, std::string* err);
  /// Parses the bytes of the --context file; on failure `error` is the message for stderr.
  bool load_context(std::string_view text, std::string* error);
  /// Parses the bytes of the --edits file; on failure `error` is the message for stderr.
  bool load_edits(std::string_view text, std::string* error);
  /// Starts the session. The pending file bytes then hold the files' headers, also when it
  /// fails (the options do not fit the template): `error` says why.
  bool start(std::string* error);
  bool started() const { return session_ != nullptr; }

  void feed(std::string_view bytes) { session_->feed(bytes); }
  /// Session::read: a file the driver can read at any offset (a workbook needs one).
  bool read(RandomAccessFile& file, std::uint64_t budget) { return session_->read(file, budget); }
  void finish() { session_->finish(); }
  const Session& session() const { return *session_; }

  /// Pending bytes of the --errors and --results files; the driver writes and clears them.
  std::string& errors_bytes() { return writer_->errors_bytes(); }
  std::string& results_bytes() { return writer_->results_bytes(); }
  /// After finish(): whether the --results CSV written so far must be written again with its
  /// final header (a dynamic column first seen after its first lines), and the rewrite to feed
  /// it through (ResultsCsvRewrite).
  bool results_header_grew() const { return writer_->results_header_grew(); }
  ResultsCsvRewrite results_rewrite() const { return ResultsCsvRewrite(*writer_); }

  /// After finish(): the report (--json) or the summary, for stdout.
  std::string output() const;
  /// After finish(): 2 for a file-level error, 1 when some row is invalid, else 0.
  int exit_status() const { return rowgate::exit_status(*session_); }

 private:
  CheckArgs args_;
  Status parsed_;
  Template template_;
  Context context_;
  std::unique_ptr<ReportWriter> writer_;
  std::unique_ptr<Session> session_;
};

}  // namespace rowgate
