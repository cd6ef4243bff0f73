// Raw DEFLATE (RFC 1951) decoding, for the entries of a workbook's ZIP container.
//
// The core has its own inflater because both builds need one and Debian's Emscripten cannot
// fetch its zlib port here: one decoder in the core means the native and WebAssembly builds
// read the same workbook bytes through the same code, and the parity tests cover the whole
// path. It is checked against zlib's output (tests/core/inflate_test.cpp) and fuzzed
// (fuzz/inflate_fuzz.cpp).
//
// Memory is bounded: the 32 KiB history DEFLATE needs plus one output chunk. Input is pulled
// from an InflateInput as the decoder needs it; output comes out a chunk at a time, so a
// caller can stop between chunks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rowgate::detail {

/// Where an Inflater pulls compressed bytes from.
class InflateInput {
 public:
  virtual ~InflateInput() = default;
  /// The next compressed bytes; empty at the end of the stream. They stay valid until the
  /// next call.
  virtual std::string_view next() = 0;
};

class Inflater {
 public:
  enum class State { More, End, Error };

  /// `chunk` is about how many bytes each produce() returns (the last may be shorter).
  explicit Inflater(InflateInput& input, std::size_t chunk = 256 * 1024);

  /// Decodes the next chunk of output; it stays valid until the next call. State::End with the
  /// last bytes once the final block is decoded; State::Error (and no bytes) when the stream is
  /// not valid DEFLATE or ends early: error() says why.
  std::string_view produce(State* state);

  const std::string& error() const { return error_; }
  /// Compressed bytes pulled so far.
  std::uint64_t bytes_in() const { return bytes_in_; }
  /// Compressed bytes decoded so far (pulled bytes not yet used left out).
  std::uint64_t bytes_used() const {
    const std::uint64_t held = static_cast<std::uint64_t>(in_end_ - in_) + (bit_count_ > pad_bits_ ? (bit_count_ - pad_bits_) / 8 : 0);
    return bytes_in_ > held ? bytes_in_ - held : 0;
  }

 private:
  enum class Stage { Header, Huffman, Stored, Done, Failed };

  void refill();
  void refill_slow();
  std::uint32_t bits(unsigned n);
  void drop(unsigned n);
  bool fail(const char* why);
  bool overran() const { return bit_count_ < pad_bits_; }

  bool read_header();
  bool read_dynamic_tables();
  bool decode_huffman(char* limit);
  bool copy_stored(char* limit);

  InflateInput& input_;
  std::string_view chunk_;
  const unsigned char* in_ = nullptr;
  const unsigned char* in_end_ = nullptr;
  std::uint64_t bit_buffer_ = 0;
  unsigned bit_count_ = 0;
  unsigned pad_bits_ = 0;  // zero bits added past the end of the input
  bool input_done_ = false;
  std::uint64_t bytes_in_ = 0;

  Stage stage_ = Stage::Header;
  bool last_block_ = false;
  std::uint32_t stored_left_ = 0;

  std::vector<std::uint32_t> lit_table_;
  std::vector<std::uint32_t> dist_table_;

  std::size_t chunk_size_;
  std::vector<char> window_;  // the history, then the chunk being produced
  std::size_t out_ = 0;       // end of the output in window_
  std::size_t start_ = 0;     // where the bytes of the next produce() begin
  std::string error_;
};

}  // namespace rowgate::detail
