// The ZIP container of a workbook (APPNOTE 6.3): its central directory, read from the end of
// the file, and each entry's bytes, inflated as they are read. Stored and deflated entries,
// data descriptors and ZIP64 are read; encrypted entries and other methods are refused.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "inflate.h"
#include "rowgate/session.h"

namespace rowgate::detail {

struct ZipEntry {
  std::string name;
  std::uint64_t local_offset = 0;
  std::uint64_t compressed = 0;
  std::uint64_t uncompressed = 0;
  std::uint32_t crc = 0;
  std::uint16_t method = 0;
  std::uint16_t flags = 0;
};

class ZipArchive {
 public:
  /// Reads the central directory; false, with `error` for a person, when the file is not a ZIP
  /// archive that can be read.
  bool open(RandomAccessFile& file, std::string* error);
  /// The entry of that exact name, or null.
  const ZipEntry* find(std::string_view name) const;
  const std::vector<ZipEntry>& entries() const { return entries_; }
  RandomAccessFile& file() const { return *file_; }

 private:
  RandomAccessFile* file_ = nullptr;
  std::vector<ZipEntry> entries_;
};

/// Limits that stop a hostile archive: what an entry may inflate to.
struct InflateLimits {
  std::uint64_t max_bytes = std::uint64_t{4} << 30;  ///< inflated bytes of one entry
  std::uint32_t max_ratio = 250;  ///< inflated/compressed, checked past 1 MiB (sheets stay under 100)
};

/// One entry's bytes, a chunk at a time, checked against its size and CRC-32.
class ZipEntryReader : public InflateInput {
 public:
  enum class State { More, End, Error };

  ZipEntryReader(const ZipArchive& archive, const ZipEntry& entry, InflateLimits limits = {});

  /// The next bytes of the entry (valid until the next call); State::End with the last ones,
  /// State::Error with none, error() saying why.
  std::string_view next_chunk(State* state);
  const std::string& error() const { return error_; }
  /// Inflated bytes so far.
  std::uint64_t bytes_out() const { return out_; }

 private:
  std::string_view next() override;  // InflateInput: the compressed bytes, for the inflater
  bool start();
  std::string_view fail(State* state, std::string why);

  const ZipArchive& archive_;
  const ZipEntry& entry_;
  InflateLimits limits_;
  bool started_ = false;
  bool failed_ = false;
  std::uint64_t data_at_ = 0;   // file offset of the entry's data
  std::uint64_t read_ = 0;      // compressed bytes read
  std::uint64_t out_ = 0;
  std::uint32_t crc_ = 0;
  std::vector<char> buffer_;
  std::unique_ptr<Inflater> inflater_;
  std::string error_;
};

/// Reads a whole (small) entry: the workbook, its relationships and styles. False with `error`
/// when it cannot be read or is bigger than `max_bytes`.
bool read_entry(const ZipArchive& archive, const ZipEntry& entry, std::uint64_t max_bytes, std::string* out,
                std::string* error);

/// CRC-32 (ISO-HDLC, as ZIP uses), continued from `crc`.
std::uint32_t crc32(std::uint32_t crc, std::string_view bytes);

}  // namespace rowgate::detail
