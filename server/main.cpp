// rowgate: the command line of the Rowgate import validator.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/check_command.h"

namespace {

const char* kUsage =
    "usage: rowgate COMMAND ...\n"
    "  check FILE --template NAME   validate an import file (a dry run); see rowgate check --help\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string command = argv[1];
  std::vector<std::string> words(argv + 2, argv + argc);
  if (command == "check") return rowgate::cli::run_check(words);
  if (command == "--help" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fprintf(stderr, "rowgate: unknown command %s\n%s", command.c_str(), kUsage);
  return 2;
}
