#include "cli/files.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace rowgate::cli {

bool read_small_file(const std::string& path, std::string* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

}  // namespace rowgate::cli
