// Input encodings: detection from the first bytes, and streaming transcoding to UTF-8.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "rowgate/session.h"

namespace rowgate::detail {

struct Detection {
  Encoding encoding = Encoding::Utf8;
  std::size_t bom_length = 0;   ///< bytes of byte-order mark to drop
  std::string binary;           ///< non-empty: the file is not text; a sentence saying what it is
};

/// Decides the encoding from the first bytes of a file (`at_eof`: they are the whole file).
/// `requested` other than Auto is obeyed (its byte-order mark, if present, is still dropped).
Detection detect_encoding(std::string_view prefix, bool at_eof, Encoding requested);

/// The name reported in InputInfo: "utf-8", "utf-16le", "utf-16be", "windows-1252".
std::string_view encoding_name(Encoding encoding);

/// Turns bytes of the detected encoding into UTF-8, chunk by chunk. Code units that have no
/// character (a lone surrogate, a byte 1252 leaves undefined) become the byte 0xFF, which is
/// never UTF-8, so the row that holds them is reported as invalid_encoding.
class Decoder {
 public:
  explicit Decoder(Encoding encoding) : encoding_(encoding) {}
  /// UTF-8 text for `in`; for UTF-8 input this is `in` itself (no copy). Valid until the next call.
  std::string_view decode(std::string_view in);
  /// Whatever is left at the end of the file (an odd byte, a lone high surrogate).
  std::string_view finish();

 private:
  void put_code_point(std::uint32_t cp);
  void put_utf16_unit(std::uint16_t unit);

  Encoding encoding_;
  std::string out_;
  int pending_byte_ = -1;        // first byte of an incomplete UTF-16 code unit
  std::uint32_t high_surrogate_ = 0;
};

}  // namespace rowgate::detail
