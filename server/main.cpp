// rowgate: the command line of the Rowgate import validator.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/check_command.h"
#include "cli/serve_command.h"

namespace {

const char* kUsage =
    "usage: rowgate COMMAND ...\n"
    "  check FILE --template NAME   validate an import file (a dry run); see rowgate check --help\n"
    "  serve [--db sqlite:PATH]     run the REST server and the web pages; see rowgate serve --help\n"
    "  admin create-tenant NAME     create a tenant and print its API key; see rowgate admin\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string command = argv[1];
  std::vector<std::string> words(argv + 2, argv + argc);
  if (command == "check") return rowgate::cli::run_check(words);
  if (command == "serve") return rowgate::cli::run_serve(words);
  if (command == "admin") return rowgate::cli::run_admin(words);
  if (command == "--help" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fprintf(stderr, "rowgate: unknown command %s\n%s", command.c_str(), kUsage);
  return 2;
}
