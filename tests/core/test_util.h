// Small helpers the core test files share.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace rowgate::testing {

/// The bytes as printable ASCII, others as \xHH: for readable test failures.
inline std::string show(std::string_view s) {
  std::string out;
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b >= 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", b);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace rowgate::testing
