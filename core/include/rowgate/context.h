// The context of a dry run: reference sets, keys of records that exist, values fixed for the file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rowgate/status.h"

namespace rowgate {

struct Context {
  /// Reference sets by name, e.g. "groups" -> the groups that exist in the program.
  std::vector<std::pair<std::string, std::vector<std::string>>> sets;
  /// Keys of records already stored; each is the key's parts in the template's key order.
  std::vector<std::vector<std::string>> existing;
  /// The same keys in compact form: each key's key_hash() (see session.h). The server sends
  /// these to the browser as "existing_hash64", base64 of little-endian 64-bit integers: 8 bytes
  /// a key instead of the key itself.
  std::vector<std::uint64_t> existing_hashes;
  /// Values chosen once for the whole file, by field key (e.g. flow_id, source_id).
  std::vector<std::pair<std::string, std::string>> fixed;
};

struct ContextLoad {
  bool ok = false;
  Context value;
  std::string error;
  /// The Status of the load: code::invalid_context with `error` when not ok.
  Status status() const { return ok ? Status{} : Status::failure(code::invalid_context, error); }
};

/// Parses the context JSON of ARCHITECTURE.md. Empty text is an empty context. Never throws.
ContextLoad parse_context(std::string_view json_text);

/// Base64 (RFC 4648, with padding) of the hashes as little-endian 64-bit integers.
std::string encode_key_hashes(const std::vector<std::uint64_t>& hashes);

}  // namespace rowgate
