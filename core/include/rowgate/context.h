// The context of a dry run: reference sets, keys of records that exist, values fixed for the file.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rowgate {

struct Context {
  /// Reference sets by name, e.g. "groups" -> the groups that exist in the program.
  std::vector<std::pair<std::string, std::vector<std::string>>> sets;
  /// Keys of records already stored; each is the key's parts in the template's key order.
  std::vector<std::vector<std::string>> existing;
  /// Values chosen once for the whole file, by field key (e.g. flow_id, source_id).
  std::vector<std::pair<std::string, std::string>> fixed;
};

struct ContextLoad {
  bool ok = false;
  Context value;
  std::string error;
};

/// Parses the context JSON of ARCHITECTURE.md. Empty text is an empty context. Never throws.
ContextLoad parse_context(std::string_view json_text);

}  // namespace rowgate
