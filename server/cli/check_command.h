// `rowgate check`: validates a file with the core and reports, without importing anything.
#pragma once

#include <string>
#include <vector>

namespace rowgate::cli {

/// Runs `rowgate check` with the words after "check"; returns the exit status (0, 1 or 2).
int run_check(const std::vector<std::string>& words);

}  // namespace rowgate::cli
