// A ZIP archive written as its entries' bytes come, never held whole (the .xlsx export): each
// entry is raw DEFLATE (zlib), its local header goes out before its data with the CRC and sizes
// left to a data descriptor, and the central directory follows the last entry.
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct z_stream_s;

namespace rowgate::server {

/// A streamed ZIP archive of deflated entries; its bytes go to a sink about 64 KiB at a time.
class ZipWriter {
 public:
  /// Takes the archive's next bytes, in order. It may throw; the writer is then done with.
  using Sink = std::function<void(std::string_view bytes)>;

  /// An archive whose entries carry the time `modified`. `offset` counts bytes of the same file
  /// before the archive (offsets in a ZIP count from the file's start); 0 for a file of its own.
  ZipWriter(Sink sink, std::time_t modified, std::uint64_t offset = 0);
  ~ZipWriter();
  ZipWriter(const ZipWriter&) = delete;
  ZipWriter& operator=(const ZipWriter&) = delete;

  /// Starts an entry named `name` (a relative path with '/'), ending the one before.
  void begin(std::string name);
  /// Appends bytes to the entry begun last.
  void write(std::string_view bytes);
  /// Ends the last entry and writes the central directory; every byte has gone to the sink when
  /// it returns.
  void finish();

 private:
  struct Entry {
    std::string name;
    std::uint32_t crc = 0;
    std::uint64_t compressed = 0, size = 0, offset = 0;
  };

  void deflate_into_buffer(std::string_view bytes, int flush);
  void end_entry();
  void emit(const std::string& bytes);  // appends to out_
  void send_if_full();

  Sink sink_;
  std::uint16_t dos_time_ = 0, dos_date_ = 0;
  std::unique_ptr<z_stream_s> z_;
  std::string out_;             // bytes not yet given to the sink
  std::uint64_t position_ = 0;  // offset in the file of the end of out_
  std::vector<Entry> entries_;
  bool open_ = false;  // an entry is begun and not ended
  bool finished_ = false;
};

}  // namespace rowgate::server
