#include "util/zip_writer.h"

#include <zlib.h>

#include <algorithm>
#include <stdexcept>

namespace rowgate::server {

namespace {

constexpr std::size_t kSendAt = 64 << 10;        // out_ goes to the sink past this
constexpr std::size_t kDeflateChunk = 64 << 10;  // room given to deflate() per call
// zlib's fastest level: the export's 500,000 partners (333 MiB of sheet XML) deflate in 0.8 s of
// CPU to 26 MiB, against 3.1 s to 24 MiB at the default level 6.
constexpr int kLevel = Z_BEST_SPEED;
constexpr std::uint64_t kMax32 = 0xFFFFFFFF;     // also the mark of a value kept in a ZIP64 field
constexpr std::uint16_t kMax16 = 0xFFFF;
constexpr std::uint16_t kFlags = 0x0008;         // bit 3: CRC and sizes in the data descriptor
constexpr std::uint16_t kDeflated = 8;
// Version 4.5 (ZIP64) in every header: an entry's size is unknown when its local header goes
// out, and Excel asks to repair a workbook whose entry passes 4 GiB unless its local header says
// 4.5. The high byte 0 of "version made by" says MS-DOS attributes (none are set).
constexpr std::uint16_t kVersion = 45;

void put16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>(v >> 8));
}

void put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void put64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::uint32_t field32(std::uint64_t v) { return v >= kMax32 ? static_cast<std::uint32_t>(kMax32) : static_cast<std::uint32_t>(v); }

}  // namespace

ZipWriter::ZipWriter(Sink sink, std::time_t modified, std::uint64_t offset)
    : sink_(std::move(sink)), z_(std::make_unique<z_stream_s>()), position_(offset) {
  std::tm tm{};
  gmtime_r(&modified, &tm);
  if (tm.tm_year < 80) {  // DOS dates start in 1980
    tm = std::tm{};
    tm.tm_mday = 1;
    tm.tm_year = 80;
  }
  dos_time_ = static_cast<std::uint16_t>((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
  dos_date_ = static_cast<std::uint16_t>(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
  // Raw DEFLATE (windowBits -15): a ZIP entry has no zlib header or trailer.
  if (deflateInit2(z_.get(), kLevel, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    z_.reset();
    throw std::runtime_error("zlib: deflateInit2 failed");
  }
}

ZipWriter::~ZipWriter() {
  if (z_) deflateEnd(z_.get());
}

void ZipWriter::begin(std::string name) {
  if (finished_) throw std::logic_error("ZipWriter: begin after finish");
  if (open_) end_entry();
  if (deflateReset(z_.get()) != Z_OK) throw std::runtime_error("zlib: deflateReset failed");
  Entry& e = entries_.emplace_back();
  e.name = std::move(name);
  e.offset = position_;
  e.crc = static_cast<std::uint32_t>(crc32(0L, Z_NULL, 0));
  open_ = true;
  std::string header;
  put32(header, 0x04034b50);
  put16(header, kVersion);
  put16(header, kFlags);
  put16(header, kDeflated);
  put16(header, dos_time_);
  put16(header, dos_date_);
  put32(header, 0);  // CRC-32, compressed and uncompressed sizes: in the data descriptor
  put32(header, 0);
  put32(header, 0);
  put16(header, static_cast<std::uint16_t>(e.name.size()));
  put16(header, 0);  // no extra field: a ZIP64 one here makes Excel refuse the file
  header += e.name;
  emit(header);
}

void ZipWriter::write(std::string_view bytes) {
  if (!open_) throw std::logic_error("ZipWriter: write outside an entry");
  Entry& e = entries_.back();
  e.crc = static_cast<std::uint32_t>(crc32_z(e.crc, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
  e.size += bytes.size();
  // avail_in is 32 bits wide.
  while (bytes.size() > (1u << 30)) {
    deflate_into_buffer(bytes.substr(0, 1u << 30), Z_NO_FLUSH);
    bytes.remove_prefix(1u << 30);
  }
  deflate_into_buffer(bytes, Z_NO_FLUSH);
}

void ZipWriter::deflate_into_buffer(std::string_view bytes, int flush) {
  z_->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z_->avail_in = static_cast<uInt>(bytes.size());
  int rc = Z_OK;
  do {
    std::size_t at = out_.size();
    out_.resize(at + kDeflateChunk);
    z_->next_out = reinterpret_cast<Bytef*>(out_.data() + at);
    z_->avail_out = static_cast<uInt>(kDeflateChunk);
    rc = deflate(z_.get(), flush);
    if (rc == Z_STREAM_ERROR) throw std::runtime_error("zlib: deflate failed");
    std::size_t produced = kDeflateChunk - z_->avail_out;
    out_.resize(at + produced);
    entries_.back().compressed += produced;
    position_ += produced;
    send_if_full();
  } while (z_->avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
}

void ZipWriter::end_entry() {
  deflate_into_buffer({}, Z_FINISH);
  open_ = false;
  const Entry& e = entries_.back();
  std::string descriptor;
  put32(descriptor, 0x08074b50);
  put32(descriptor, e.crc);
  // Sizes of 8 bytes once either passes 32 bits (ZIP64), as the central directory then says.
  if (e.compressed >= kMax32 || e.size >= kMax32) {
    put64(descriptor, e.compressed);
    put64(descriptor, e.size);
  } else {
    put32(descriptor, static_cast<std::uint32_t>(e.compressed));
    put32(descriptor, static_cast<std::uint32_t>(e.size));
  }
  emit(descriptor);
}

void ZipWriter::finish() {
  if (finished_) return;
  if (open_) end_entry();
  finished_ = true;
  const std::uint64_t directory = position_;
  for (const Entry& e : entries_) {
    // A value that does not fit in its 32-bit field is 0xFFFFFFFF there and follows in the
    // ZIP64 extra field, in this order: uncompressed size, compressed size, header offset.
    std::string zip64;
    if (e.size >= kMax32) put64(zip64, e.size);
    if (e.compressed >= kMax32) put64(zip64, e.compressed);
    if (e.offset >= kMax32) put64(zip64, e.offset);
    std::string header;
    put32(header, 0x02014b50);
    put16(header, kVersion);  // made by
    put16(header, kVersion);  // needed
    put16(header, kFlags);
    put16(header, kDeflated);
    put16(header, dos_time_);
    put16(header, dos_date_);
    put32(header, e.crc);
    put32(header, field32(e.compressed));
    put32(header, field32(e.size));
    put16(header, static_cast<std::uint16_t>(e.name.size()));
    put16(header, static_cast<std::uint16_t>(zip64.empty() ? 0 : 4 + zip64.size()));
    put16(header, 0);  // comment
    put16(header, 0);  // disk
    put16(header, 0);  // internal attributes
    put32(header, 0);  // external attributes
    put32(header, field32(e.offset));
    header += e.name;
    if (!zip64.empty()) {
      put16(header, 0x0001);
      put16(header, static_cast<std::uint16_t>(zip64.size()));
      header += zip64;
    }
    emit(header);
  }
  const std::uint64_t directory_size = position_ - directory;
  const std::uint64_t count = entries_.size();
  std::string end;
  // The ZIP64 end records only where the classic one cannot hold a value (APPNOTE 4.4.1.4);
  // the classic record's fields then say 0xFFFF... (as Go's archive/zip writes them).
  const bool zip64 = count >= kMax16 || directory_size >= kMax32 || directory >= kMax32;
  if (zip64) {
    const std::uint64_t record = position_;
    put32(end, 0x06064b50);
    put64(end, 44);  // the record's size after this field
    put16(end, kVersion);
    put16(end, kVersion);
    put32(end, 0);  // this disk
    put32(end, 0);  // the directory's disk
    put64(end, count);
    put64(end, count);
    put64(end, directory_size);
    put64(end, directory);
    put32(end, 0x07064b50);  // the locator
    put32(end, 0);
    put64(end, record);
    put32(end, 1);  // disks
  }
  put32(end, 0x06054b50);
  put16(end, 0);
  put16(end, 0);
  put16(end, zip64 ? kMax16 : static_cast<std::uint16_t>(count));
  put16(end, zip64 ? kMax16 : static_cast<std::uint16_t>(count));
  put32(end, zip64 ? static_cast<std::uint32_t>(kMax32) : static_cast<std::uint32_t>(directory_size));
  put32(end, zip64 ? static_cast<std::uint32_t>(kMax32) : static_cast<std::uint32_t>(directory));
  put16(end, 0);  // comment
  emit(end);
  sink_(out_);
  out_.clear();
}

void ZipWriter::emit(const std::string& bytes) {
  out_ += bytes;
  position_ += bytes.size();
  send_if_full();
}

void ZipWriter::send_if_full() {
  if (out_.size() < kSendAt) return;
  sink_(out_);
  out_.clear();
}

}  // namespace rowgate::server
