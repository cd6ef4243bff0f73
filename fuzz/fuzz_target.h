// What the fuzz targets share: choices read from the input's first bytes, chunked feeding,
// and a check that stops the run with a message libFuzzer keeps beside the crash file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace rowgate::fuzz {

/// How a plain file (a shared vector's input) becomes inputs of this target: each prefix put
/// before the file gives one seed. Defined by every target, beside the layout it decodes.
extern const std::vector<std::string_view> kSeedPrefixes;
/// Which files of a vector folder (tests/vectors/NAME/) are seeds: names starting with this.
extern const std::string_view kSeedFilePrefix;

/// The input as a target reads it: choices taken one byte at a time from the front (0 once
/// the input is used up), then the rest as the file.
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(reinterpret_cast<const char*>(data)), size_(size) {}
  std::uint8_t byte() { return pos_ < size_ ? static_cast<std::uint8_t>(data_[pos_++]) : 0; }
  std::string_view rest() const { return std::string_view(data_ + pos_, size_ - pos_); }

 private:
  const char* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

/// One to four chunk sizes read from the input, used in turn. A size byte below 128 gives
/// 0..127 bytes (0: an empty feed), one from 128 up gives (b - 127) * 512 bytes.
/// Where two event sequences first differ, each event shown by `describe`: for failure messages.
template <typename Event, typename Describe>
std::string first_event_difference(const std::vector<Event>& a, const std::vector<Event>& b, Describe describe) {
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  std::string s = "event " + std::to_string(i) + " of " + std::to_string(a.size()) + " / " + std::to_string(b.size());
  s += "\n--- first:  " + (i < a.size() ? describe(a[i]) : std::string("(none)"));
  s += "\n--- second: " + (i < b.size() ? describe(b[i]) : std::string("(none)"));
  return s;
}

inline std::vector<std::size_t> read_chunk_sizes(Input& in) {
  std::vector<std::size_t> sizes(1 + in.byte() % 4);
  for (auto& s : sizes) {
    std::uint8_t b = in.byte();
    s = b < 128 ? b : static_cast<std::size_t>(b - 127) * 512;
  }
  return sizes;
}

/// Calls feed(piece) over `bytes` in chunks whose sizes cycle through `sizes`; every byte is
/// fed exactly once and the number of calls is bounded by the input (empty feeds included).
template <class Feed>
void feed_in_chunks(std::string_view bytes, const std::vector<std::size_t>& sizes, Feed&& feed) {
  bool moves = false;
  for (std::size_t s : sizes) moves |= s > 0;
  std::size_t at = 0, k = 0;
  while (at < bytes.size()) {
    std::size_t n = moves ? sizes[k++ % sizes.size()] : 1;
    n = n < bytes.size() - at ? n : bytes.size() - at;
    feed(bytes.substr(at, n));
    at += n;
  }
}

/// Stops the run: libFuzzer reports the abort as a crash and saves the input.
[[noreturn]] inline void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "fuzz check failed: %s\n", what);
  if (!detail.empty()) std::fprintf(stderr, "%s\n", detail.c_str());
  std::fflush(stderr);
  std::abort();
}

/// The two texts around their first difference, for a failure message.
inline std::string first_difference(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  std::size_t from = i > 80 ? i - 80 : 0;
  return "first difference at byte " + std::to_string(i) + " (sizes " + std::to_string(a.size()) + " and " +
         std::to_string(b.size()) + ")\n--- first:\n" + std::string(a.substr(from, 240)) + "\n--- second:\n" +
         std::string(b.substr(from, 240));
}

}  // namespace rowgate::fuzz

#define ROWGATE_FUZZ_CHECK(cond, ...) \
  do {                                \
    if (!(cond)) ::rowgate::fuzz::fail("(" #cond ")" __VA_OPT__(, ) __VA_ARGS__); \
  } while (0)
