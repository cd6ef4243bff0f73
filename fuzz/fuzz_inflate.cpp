// The core's inflater against zlib over arbitrary bytes. Properties: no crash, no hang; it
// accepts exactly the streams zlib accepts and gives the same bytes; the bytes do not depend
// on how the input is cut into pieces or the output into chunks.
//
// Input: [chunk sizes (1 + 1..4 bytes)] [output chunk] raw DEFLATE stream
#include <zlib.h>

#include <string>
#include <string_view>
#include <vector>

#include "fuzz_target.h"
#include "inflate.h"

namespace rowgate::fuzz {

using namespace std::string_view_literals;

const std::vector<std::string_view> kSeedPrefixes = {"\x00\x00\x00"sv, "\x01\x07\x87\x10"sv};
const std::string_view kSeedFilePrefix = "input";

namespace {

class Pieces : public detail::InflateInput {
 public:
  Pieces(std::string_view data, std::vector<std::size_t> sizes) : data_(data), sizes_(std::move(sizes)) {}
  std::string_view next() override {
    std::size_t n = sizes_[k_++ % sizes_.size()];
    if (n == 0) n = 1;  // an empty piece would end the input
    std::string_view v = data_.substr(std::min(at_, data_.size()), n);
    at_ += v.size();
    return v;
  }

 private:
  std::string_view data_;
  std::vector<std::size_t> sizes_;
  std::size_t k_ = 0, at_ = 0;
};

// Ours: the bytes, or false.
bool ours(std::string_view stream, std::vector<std::size_t> sizes, std::size_t chunk, std::string* out) {
  Pieces in(stream, std::move(sizes));
  detail::Inflater inflater(in, chunk);
  // Output is bounded by 1032 bytes a compressed byte (DEFLATE's limit), plus the last block.
  const std::size_t bound = stream.size() * 1032 + 1024;
  for (;;) {
    detail::Inflater::State state;
    std::string_view part = inflater.produce(&state);
    out->append(part);
    if (out->size() > bound) fail("the inflater wrote more than DEFLATE allows", std::to_string(out->size()));
    if (state == detail::Inflater::State::Error) return false;
    if (state == detail::Inflater::State::End) return true;
  }
}

bool zlib(std::string_view stream, std::string* out) {
  z_stream z{};
  if (inflateInit2(&z, -15) != Z_OK) fail("zlib would not start");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(stream.data()));
  z.avail_in = static_cast<uInt>(stream.size());
  char buffer[65536];
  int r;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    r = inflate(&z, Z_NO_FLUSH);
    out->append(buffer, sizeof buffer - z.avail_out);
  } while (r == Z_OK && (z.avail_in > 0 || z.avail_out == 0));
  inflateEnd(&z);
  return r == Z_STREAM_END;
}

}  // namespace
}  // namespace rowgate::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rowgate::fuzz;
  Input in(data, size);
  std::vector<std::size_t> sizes = read_chunk_sizes(in);
  std::size_t chunk = 1024 + in.byte() * 64u;
  std::string_view stream = in.rest();
  std::string a, b, z;
  bool a_ok = ours(stream, sizes, chunk, &a);
  bool b_ok = ours(stream, {stream.size() + 1}, 256 * 1024, &b);
  if (a_ok != b_ok || (a_ok && a != b)) fail("pieces or chunks changed what the inflater gives");
  bool z_ok = zlib(stream, &z);
  if (a_ok != z_ok) fail(a_ok ? "the inflater took a stream zlib refuses" : "the inflater refused a stream zlib takes");
  if (a_ok && a != z) fail("the inflater and zlib give different bytes");
  return 0;
}
