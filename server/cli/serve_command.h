// `rowgate serve` and `rowgate admin`: the server's command lines.
#pragma once

#include <string>
#include <vector>

namespace rowgate::cli {

/// Runs the server until SIGTERM or SIGINT; returns the exit status.
int run_serve(const std::vector<std::string>& words);

/// `rowgate admin create-tenant NAME [--groups 'A,B'] --db SPEC` and friends.
int run_admin(const std::vector<std::string>& words);

}  // namespace rowgate::cli
