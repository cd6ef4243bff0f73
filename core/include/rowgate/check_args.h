// The arguments of `rowgate check`, parsed once here so that the native command and the
// WebAssembly one (wasm/cli.mjs) accept exactly the same command line; the command itself is
// rowgate/check_run.h.
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
  std::string edits_file;  ///< --edits: {"edits": {...}, "skip": [...], "columns": [...]}, read by the driver
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

}  // namespace rowgate
