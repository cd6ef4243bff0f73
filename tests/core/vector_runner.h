// Runs one shared vector (tests/vectors/NAME) through the core, in chunks of a given size.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace rowgate::testing {

struct VectorOutput {
  std::string report;   ///< as `rowgate check --json` prints it
  std::string results;  ///< as `--results OUT.jsonl` writes it
  std::string error;    ///< a problem with the vector itself
};

std::string read_file(const std::string& path);
std::vector<std::string> vector_names();
std::string vector_dir(const std::string& name);
/// chunk == 0 feeds the whole input at once.
VectorOutput run_vector(const std::string& name, std::size_t chunk);

}  // namespace rowgate::testing
