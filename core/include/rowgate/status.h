// The one way the core says that something cannot be used (a template, a context, options, a
// mapping, command-line arguments): a Status with a stable code and a sentence. The core never
// throws; every adapter passes the code through unchanged (the REST API maps it to an HTTP
// status in one place).
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "rowgate/finding.h"

namespace rowgate {

/// Success, or what is wrong: a stable `code` (code::invalid_template, invalid_context,
/// invalid_options, invalid_mapping, invalid_arguments, invalid_edits) and a message saying why.
struct Status {
  bool ok = true;
  std::string_view code;
  std::string message;
  static Status failure(std::string_view code, std::string message) { return Status{false, code, std::move(message)}; }
};

}  // namespace rowgate
