// The arguments of `rowgate check`, parsed once here so that the native command and the
// WebAssembly one (wasm/cli.mjs) accept exactly the same command line.
#pragma once

#include <string>
#include <vector>

#include "rowgate/session.h"
#include "rowgate/template.h"

namespace rowgate {

struct CheckArgs {
  std::string file;
  std::string template_arg;   ///< a built-in name, or a path ending in .json
  bool template_is_file = false;
  std::string context_file;
  std::string errors_file;
  std::string results_file;
  bool results_jsonl = false;  ///< --results names a .jsonl file (in any letter case)
  bool json = false;
  bool help = false;
  Options options;
};

/// Parses the words after `check`. A usage error comes back as a Status that is not ok.
Status parse_check_args(const std::vector<std::string>& words, CheckArgs* out);

/// The usage text of `rowgate check`.
const char* check_usage();

// The decisions of `rowgate check` that are not I/O, made once here for the native command
// (server/cli/check_command.cpp) and the WebAssembly one (wasm/check_run.cpp).

/// What the command prints when the template cannot be used: with --json, a report holding the
/// invalid_template finding on stdout (`to_stdout` true); otherwise a line for stderr.
std::string check_template_failure(const CheckArgs& args, const std::string& error, bool* to_stdout);
/// The stderr message when the context cannot be used (the command prefixes "rowgate check: ").
std::string check_context_failure(const CheckArgs& args, const std::string& error);
/// The name the summary gives the file ("stdin" for "-").
std::string check_file_name(const CheckArgs& args);
/// 2 for a file-level error, 1 when some row is invalid, else 0.
int check_exit_status(const Session& session);

}  // namespace rowgate
