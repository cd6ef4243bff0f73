// Raw DEFLATE decoding with two-level lookup tables, in the manner of zlib's inflate_fast and
// libdeflate: a 64-bit bit buffer refilled eight bytes at a time, one table lookup per symbol
// for codes up to the root size and a second for longer ones.
#include "inflate.h"

#include <algorithm>
#include <cstring>

namespace rowgate::detail {
namespace {

constexpr std::size_t kHistory = 32 * 1024;
constexpr std::size_t kSlack = 258 + 16;  // a match may start just before the limit
constexpr unsigned kLitRoot = 10;
constexpr unsigned kDistRoot = 8;
constexpr unsigned kLenRoot = 7;

// A table entry: bits 0-3 the code's length (bits to drop), 4-7 its kind, 8-15 the extra bits
// of a length or distance (for a subtable: its index bits), 16-31 the value (a literal byte, a
// base length or distance, a code-length symbol, or a subtable's offset).
enum Kind : std::uint32_t { kLiteral = 0, kBase = 1, kEnd = 2, kSub = 3, kInvalid = 4 };

constexpr std::uint32_t entry(std::uint32_t value, std::uint32_t extra, std::uint32_t kind, std::uint32_t length) {
  return value << 16 | extra << 8 | kind << 4 | length;
}
inline unsigned length_of(std::uint32_t e) { return e & 15; }
inline std::uint32_t kind_of(std::uint32_t e) { return (e >> 4) & 15; }
inline unsigned extra_of(std::uint32_t e) { return (e >> 8) & 255; }
inline std::uint32_t value_of(std::uint32_t e) { return e >> 16; }
inline std::uint64_t low_bits(unsigned n) { return (std::uint64_t{1} << n) - 1; }

constexpr std::uint16_t kLengthBase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                           31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr std::uint8_t kLengthExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                           2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr std::uint16_t kDistBase[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
                                         193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
constexpr std::uint8_t kDistExtra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6,
                                         6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

enum class Alphabet { LitLen, Dist, CodeLength };

std::uint32_t symbol_entry(Alphabet alphabet, unsigned symbol, unsigned length) {
  switch (alphabet) {
    case Alphabet::LitLen:
      if (symbol < 256) return entry(symbol, 0, kLiteral, length);
      if (symbol == 256) return entry(0, 0, kEnd, length);
      if (symbol < 286) return entry(kLengthBase[symbol - 257], kLengthExtra[symbol - 257], kBase, length);
      return entry(0, 0, kInvalid, length);
    case Alphabet::Dist:
      if (symbol < 30) return entry(kDistBase[symbol], kDistExtra[symbol], kBase, length);
      return entry(0, 0, kInvalid, length);
    default:
      return entry(symbol, 0, kLiteral, length);
  }
}

unsigned reverse_bits(unsigned code, unsigned length) {
  unsigned r = 0;
  for (unsigned i = 0; i < length; ++i, code >>= 1) r = (r << 1) | (code & 1);
  return r;
}

// Builds the lookup table of a canonical Huffman code from its code lengths. Codes longer than
// `root` bits go to subtables placed after the root table. False when the lengths
// over-subscribe the code space; an incomplete code is allowed, its unused entries invalid.
bool build_table(const std::uint8_t* lengths, unsigned count, unsigned root, Alphabet alphabet,
                 std::vector<std::uint32_t>& table) {
  unsigned per_length[16] = {};
  for (unsigned s = 0; s < count; ++s) ++per_length[lengths[s]];
  per_length[0] = 0;
  int left = 1;
  unsigned longest = 0;
  for (unsigned len = 1; len <= 15; ++len) {
    left = left * 2 - static_cast<int>(per_length[len]);
    if (left < 0) return false;
    if (per_length[len]) longest = len;
  }
  // As zlib: an incomplete code only for a single literal/length or distance code of one bit
  // (or none at all), never for the code-length code.
  if (left > 0 && longest > 0 && (alphabet == Alphabet::CodeLength || longest != 1)) return false;
  unsigned next_code[16] = {};
  unsigned code = 0;
  for (unsigned len = 1; len <= 15; ++len) {
    code = (code + per_length[len - 1]) << 1;
    next_code[len] = code;
  }
  const unsigned root_size = 1u << root;
  const std::uint32_t invalid = entry(0, 0, kInvalid, 1);
  // Each root slot that starts longer codes gets a subtable as deep as its longest code.
  std::uint8_t deepest[1u << kLitRoot] = {};
  unsigned codes[320];
  for (unsigned s = 0; s < count; ++s) {
    unsigned len = lengths[s];
    if (len == 0) continue;
    codes[s] = reverse_bits(next_code[len]++, len);
    if (len > root) {
      std::uint8_t& d = deepest[codes[s] & (root_size - 1)];
      d = std::max<std::uint8_t>(d, static_cast<std::uint8_t>(len));
    }
  }
  table.assign(root_size, invalid);
  for (unsigned slot = 0; slot < root_size; ++slot) {
    if (deepest[slot] == 0) continue;
    unsigned sub_bits = deepest[slot] - root;
    table[slot] = entry(static_cast<std::uint32_t>(table.size()), sub_bits, kSub, root);
    table.resize(table.size() + (std::size_t{1} << sub_bits), invalid);
  }
  for (unsigned s = 0; s < count; ++s) {
    unsigned len = lengths[s];
    if (len == 0) continue;
    unsigned rev = codes[s];
    if (len <= root) {
      std::uint32_t e = symbol_entry(alphabet, s, len);
      for (unsigned i = rev; i < root_size; i += 1u << len) table[i] = e;
    } else {
      std::uint32_t sub = table[rev & (root_size - 1)];
      unsigned sub_bits = extra_of(sub);
      std::uint32_t e = symbol_entry(alphabet, s, len - root);
      for (unsigned i = rev >> root; i < (1u << sub_bits); i += 1u << (len - root)) table[value_of(sub) + i] = e;
    }
  }
  return true;
}

}  // namespace

Inflater::Inflater(InflateInput& input, std::size_t chunk)
    : input_(input), chunk_size_(std::max<std::size_t>(chunk, 1024)), window_(kHistory + chunk_size_ + kSlack) {}

void Inflater::refill() {
  if (in_end_ - in_ >= 8) {
    std::uint64_t v;
    std::memcpy(&v, in_, 8);  // both builds are little-endian
    bit_buffer_ |= v << bit_count_;
    in_ += (63 - bit_count_) >> 3;
    bit_count_ |= 56;
  } else {
    refill_slow();
  }
}

void Inflater::refill_slow() {
  while (bit_count_ <= 56) {
    if (in_ == in_end_) {
      if (!input_done_) {
        chunk_ = input_.next();
        bytes_in_ += chunk_.size();
        in_ = reinterpret_cast<const unsigned char*>(chunk_.data());
        in_end_ = in_ + chunk_.size();
        if (chunk_.empty()) input_done_ = true;
        continue;
      }
      // Past the end: zero bits, counted, so that a stream that ends early is an error.
      bit_count_ += 8;
      pad_bits_ += 8;
      continue;
    }
    bit_buffer_ |= std::uint64_t{*in_++} << bit_count_;
    bit_count_ += 8;
  }
}

std::uint32_t Inflater::bits(unsigned n) {
  auto v = static_cast<std::uint32_t>(bit_buffer_ & low_bits(n));
  drop(n);
  return v;
}

void Inflater::drop(unsigned n) {
  bit_buffer_ >>= n;
  bit_count_ -= n;
}

bool Inflater::fail(const char* why) {
  if (stage_ != Stage::Failed) error_ = why;
  stage_ = Stage::Failed;
  return false;
}

bool Inflater::read_header() {
  refill();
  last_block_ = bits(1) != 0;
  switch (bits(2)) {
    case 0: {
      drop(bit_count_ & 7);  // to the byte boundary
      refill();
      std::uint32_t len = bits(16);
      std::uint32_t nlen = bits(16);
      if (overran()) return fail("The compressed data ends early.");
      if ((len ^ 0xFFFF) != nlen) return fail("A stored block's length does not match its check.");
      stored_left_ = len;
      stage_ = Stage::Stored;
      return true;
    }
    case 1: {
      std::uint8_t lengths[288];
      std::fill(lengths, lengths + 144, 8);
      std::fill(lengths + 144, lengths + 256, 9);
      std::fill(lengths + 256, lengths + 280, 7);
      std::fill(lengths + 280, lengths + 288, 8);
      build_table(lengths, 288, kLitRoot, Alphabet::LitLen, lit_table_);
      std::fill(lengths, lengths + 32, 5);
      build_table(lengths, 32, kDistRoot, Alphabet::Dist, dist_table_);
      stage_ = Stage::Huffman;
      return true;
    }
    case 2:
      if (!read_dynamic_tables()) return false;
      stage_ = Stage::Huffman;
      return true;
    default:
      return fail("The compressed data has a block of an unknown type.");
  }
}

bool Inflater::read_dynamic_tables() {
  static constexpr std::uint8_t kOrder[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
  refill();
  unsigned nlit = bits(5) + 257;
  unsigned ndist = bits(5) + 1;
  unsigned ncode = bits(4) + 4;
  if (nlit > 286 || ndist > 30) return fail("The compressed data declares too many codes.");
  std::uint8_t code_lengths[19] = {};
  for (unsigned i = 0; i < ncode; ++i) {
    refill();
    code_lengths[kOrder[i]] = static_cast<std::uint8_t>(bits(3));
  }
  std::vector<std::uint32_t> length_table;
  if (!build_table(code_lengths, 19, kLenRoot, Alphabet::CodeLength, length_table))
    return fail("The compressed data has an invalid code-length code.");
  std::uint8_t lengths[286 + 30] = {};
  unsigned n = 0;
  while (n < nlit + ndist) {
    refill();
    std::uint32_t e = length_table[bit_buffer_ & low_bits(kLenRoot)];
    if (kind_of(e) == kInvalid) return fail("The compressed data has an invalid code-length code.");
    drop(length_of(e));
    unsigned symbol = value_of(e);
    if (symbol < 16) {
      lengths[n++] = static_cast<std::uint8_t>(symbol);
      continue;
    }
    unsigned repeat;
    std::uint8_t value = 0;
    if (symbol == 16) {
      if (n == 0) return fail("The compressed data repeats a code length before the first.");
      value = lengths[n - 1];
      repeat = 3 + bits(2);
    } else if (symbol == 17) {
      repeat = 3 + bits(3);
    } else {
      repeat = 11 + bits(7);
    }
    if (n + repeat > nlit + ndist) return fail("The compressed data has too many code lengths.");
    std::fill(lengths + n, lengths + n + repeat, value);
    n += repeat;
  }
  if (overran()) return fail("The compressed data ends early.");
  if (lengths[256] == 0) return fail("The compressed data has no end-of-block code.");
  if (!build_table(lengths, nlit, kLitRoot, Alphabet::LitLen, lit_table_) ||
      !build_table(lengths + nlit, ndist, kDistRoot, Alphabet::Dist, dist_table_))
    return fail("The compressed data has an invalid Huffman code.");
  return true;
}

bool Inflater::decode_huffman(char* limit) {
  char* const base = window_.data();
  char* out = base + out_;
  const std::uint32_t* lit = lit_table_.data();
  const std::uint32_t* dist = dist_table_.data();
  bool ok = true;
  while (out < limit) {
    // One refill gives at least 56 bits: a literal/length code (15), its extra bits (5), a
    // distance code (15) and its extra bits (13) take at most 48.
    refill();
    std::uint32_t e = lit[bit_buffer_ & low_bits(kLitRoot)];
    if (kind_of(e) == kSub) {
      drop(kLitRoot);
      e = lit[value_of(e) + (bit_buffer_ & low_bits(extra_of(e)))];
    }
    drop(length_of(e));
    std::uint32_t kind = kind_of(e);
    if (kind == kLiteral) {
      *out++ = static_cast<char>(value_of(e));
      continue;
    }
    if (kind == kEnd) {
      stage_ = last_block_ ? Stage::Done : Stage::Header;
      break;
    }
    if (kind != kBase) {
      ok = fail("The compressed data has an invalid literal/length code.");
      break;
    }
    std::uint32_t length = value_of(e) + bits(extra_of(e));
    e = dist[bit_buffer_ & low_bits(kDistRoot)];
    if (kind_of(e) == kSub) {
      drop(kDistRoot);
      e = dist[value_of(e) + (bit_buffer_ & low_bits(extra_of(e)))];
    }
    drop(length_of(e));
    if (kind_of(e) != kBase) {
      ok = fail("The compressed data has an invalid distance code.");
      break;
    }
    std::uint32_t distance = value_of(e) + bits(extra_of(e));
    if (distance > static_cast<std::size_t>(out - base)) {
      ok = fail("The compressed data refers to bytes before its start.");
      break;
    }
    const char* from = out - distance;
    char* const end = out + length;
    if (distance >= 8) {
      // Eight bytes at a time; may write up to 7 bytes past `end`, inside the slack.
      while (out < end) {
        std::memcpy(out, from, 8);
        out += 8;
        from += 8;
      }
      out = end;
    } else if (distance == 1) {
      std::memset(out, *from, length);
      out = end;
    } else {
      while (out < end) *out++ = *from++;
    }
  }
  out_ = static_cast<std::size_t>(out - base);
  return ok;
}

bool Inflater::copy_stored(char* limit) {
  char* const base = window_.data();
  // First the whole bytes still in the bit buffer, then straight from the input.
  while (stored_left_ > 0 && bit_count_ >= 8 + pad_bits_ && base + out_ < limit) {
    window_[out_++] = static_cast<char>(bits(8));
    --stored_left_;
  }
  if (stored_left_ > 0 && bit_count_ < 8 + pad_bits_) {
    if (pad_bits_ > 0) return fail("The compressed data ends early.");
    // The bits above bit_count_ are bytes at in_ not yet counted: read them from in_ again.
    bit_buffer_ = 0;
    bit_count_ = 0;
    while (stored_left_ > 0 && base + out_ < limit) {
      if (in_ == in_end_) {
        if (input_done_) return fail("The compressed data ends early.");
        chunk_ = input_.next();
        bytes_in_ += chunk_.size();
        in_ = reinterpret_cast<const unsigned char*>(chunk_.data());
        in_end_ = in_ + chunk_.size();
        if (chunk_.empty()) input_done_ = true;
        continue;
      }
      std::size_t n = std::min<std::size_t>({stored_left_, static_cast<std::size_t>(in_end_ - in_),
                                             static_cast<std::size_t>(limit - (base + out_))});
      std::memcpy(base + out_, in_, n);
      in_ += n;
      out_ += n;
      stored_left_ -= static_cast<std::uint32_t>(n);
    }
  }
  if (stored_left_ == 0) stage_ = last_block_ ? Stage::Done : Stage::Header;
  return true;
}

std::string_view Inflater::produce(State* state) {
  if (stage_ == Stage::Failed) {
    *state = State::Error;
    return {};
  }
  // Keep the last 32 KiB as history; the chunk is produced after it.
  std::size_t keep = std::min(out_, kHistory);
  std::memmove(window_.data(), window_.data() + out_ - keep, keep);
  out_ = start_ = keep;
  char* const limit = window_.data() + kHistory + chunk_size_;
  while (window_.data() + out_ < limit) {
    bool ok = true;
    if (stage_ == Stage::Header) ok = read_header();
    else if (stage_ == Stage::Huffman) ok = decode_huffman(limit);
    else if (stage_ == Stage::Stored) ok = copy_stored(limit);
    else break;
    if (!ok) break;
  }
  if (stage_ != Stage::Failed && overran()) fail("The compressed data ends early.");
  if (stage_ == Stage::Failed) {
    *state = State::Error;
    return {};
  }
  *state = stage_ == Stage::Done ? State::End : State::More;
  return std::string_view(window_.data() + start_, out_ - start_);
}

}  // namespace rowgate::detail
