// Small file helpers for the adapters (the core never touches files).
#pragma once

#include <cstdint>
#include <string>

namespace rowgate::cli {

/// Reads a whole (small) file such as a template or a context; false with a message on failure.
bool read_small_file(const std::string& path, std::string* out, std::string* error);

}  // namespace rowgate::cli
