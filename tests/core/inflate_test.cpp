// The core's inflater against zlib: every level and strategy zlib has, inputs that exercise
// stored, fixed and dynamic blocks, long matches and far distances, fed in pieces of any size;
// and streams that are not valid DEFLATE end in an error, never in a crash or a hang.
#include "inflate.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>
#include <vector>

namespace rowgate::detail {
namespace {

std::string deflate_raw(const std::string& in, int level, int strategy = Z_DEFAULT_STRATEGY) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, level, Z_DEFLATED, -15, 8, strategy), Z_OK);
  std::string out(deflateBound(&z, in.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

class Pieces : public InflateInput {
 public:
  Pieces(std::string data, std::size_t piece) : data_(std::move(data)), piece_(piece) {}
  std::string_view next() override {
    std::string_view v = std::string_view(data_).substr(std::min(at_, data_.size()), piece_);
    at_ += v.size();
    return v;
  }

 private:
  std::string data_;
  std::size_t piece_;
  std::size_t at_ = 0;
};

struct Result {
  std::string out;
  Inflater::State state;
  std::string error;
};

Result inflate_all(const std::string& compressed, std::size_t piece, std::size_t chunk = 256 * 1024) {
  Pieces in(compressed, piece);
  Inflater inflater(in, chunk);
  Result r;
  for (int guard = 0; guard < 1'000'000; ++guard) {
    std::string_view part = inflater.produce(&r.state);
    r.out.append(part);
    if (r.state != Inflater::State::More) break;
  }
  r.error = inflater.error();
  return r;
}

std::string sample_text(std::size_t n, unsigned seed) {
  // Spreadsheet-like XML: repetitive markup, varying numbers and words.
  std::mt19937 rng(seed);
  static const char* words[] = {"Acme", "Partner", "example.com", "Tokyo", "newsletter", "東京", "Ünïcode", "&amp;"};
  std::string s;
  for (std::uint64_t row = 1; s.size() < n; ++row) {
    s += "<row r=\"" + std::to_string(row) + "\"><c r=\"A" + std::to_string(row) + "\" t=\"s\"><v>" +
         std::to_string(rng() % 100000) + "</v></c><c r=\"B" + std::to_string(row) + "\"><is><t>";
    for (int w = rng() % 6; w >= 0; --w) s += words[rng() % 8], s += ' ';
    s += "</t></is></c></row>";
  }
  s.resize(n);
  return s;
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(Inflate, MatchesZlibAtEveryLevelAndStrategy) {
  const std::vector<std::string> inputs = {
      "",
      "a",
      std::string(100000, 'x'),              // distance-1 runs
      sample_text(300000, 1),                // typical sheet XML
      random_bytes(70000, 2),                // incompressible: stored blocks
      sample_text(50000, 3) + random_bytes(40000, 4) + sample_text(50000, 5),
  };
  for (const std::string& input : inputs)
    for (int level = 0; level <= 9; ++level)
      for (int strategy : {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED}) {
        std::string compressed = deflate_raw(input, level, strategy);
        Result r = inflate_all(compressed, 65536);
        ASSERT_EQ(r.state, Inflater::State::End) << r.error << " level " << level << " strategy " << strategy;
        ASSERT_EQ(r.out, input) << "level " << level << " strategy " << strategy << " size " << input.size();
      }
}

TEST(Inflate, PiecesAndChunksOfAnySizeGiveTheSameBytes) {
  const std::string input = sample_text(200000, 7) + random_bytes(5000, 8) + std::string(5000, ' ');
  const std::string compressed = deflate_raw(input, 6);
  for (std::size_t piece : {1, 2, 3, 7, 8, 9, 64, 4096, 1 << 20})
    for (std::size_t chunk : {1024, 4096, 100000}) {
      Result r = inflate_all(compressed, piece, chunk);
      ASSERT_EQ(r.state, Inflater::State::End) << r.error;
      ASSERT_EQ(r.out, input) << "piece " << piece << " chunk " << chunk;
    }
}

TEST(Inflate, FarDistancesAcrossChunks) {
  // A block repeated 32,000 bytes later: matches reach back almost the whole window, across
  // the boundary of every produced chunk.
  std::string block = random_bytes(32000, 9);
  std::string input = block + block + block;
  Result r = inflate_all(deflate_raw(input, 9), 4096, 1024);
  ASSERT_EQ(r.state, Inflater::State::End) << r.error;
  EXPECT_EQ(r.out, input);
}

TEST(Inflate, AStreamCutShortIsAnError) {
  const std::string input = sample_text(100000, 11);
  const std::string compressed = deflate_raw(input, 6);
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{5}, compressed.size() / 2, compressed.size() - 1}) {
    Result r = inflate_all(compressed.substr(0, cut), 4096);
    EXPECT_EQ(r.state, Inflater::State::Error) << "cut at " << cut;
    EXPECT_FALSE(r.error.empty());
  }
  std::string stored = deflate_raw(random_bytes(5000, 12), 0);
  Result r = inflate_all(stored.substr(0, stored.size() - 10), 7);
  EXPECT_EQ(r.state, Inflater::State::Error);
  EXPECT_EQ(r.error, "The compressed data ends early.");
}

TEST(Inflate, InvalidStreamsAreErrors) {
  // Block type 3.
  EXPECT_EQ(inflate_all(std::string("\x07", 1), 1).error, "The compressed data has a block of an unknown type.");
  // A stored block whose length and its complement disagree.
  EXPECT_EQ(inflate_all(std::string("\x01\x05\x00\x00\x00", 5), 1).error,
            "A stored block's length does not match its check.");
  // A fixed block whose first symbol is a match: distance before the start.
  // Fixed code for length 3 (symbol 257) is 0000001 (7 bits), distance code 0 is 00000 (5 bits).
  EXPECT_EQ(inflate_all(std::string("\x03\x02\x00\x00", 4), 1).error,
            "The compressed data refers to bytes before its start.");
}

TEST(Inflate, RandomBytesNeverCrashOrHang) {
  std::mt19937 rng(13);
  for (int i = 0; i < 2000; ++i) {
    std::string junk = random_bytes(1 + rng() % 300, rng());
    Result r = inflate_all(junk, 1 + rng() % 16, 1024);
    EXPECT_NE(r.state, Inflater::State::More);
  }
}

}  // namespace
}  // namespace rowgate::detail
