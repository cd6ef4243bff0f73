#include "zip_archive.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "text.h"

namespace rowgate::detail {
namespace {

constexpr std::uint32_t kEndSignature = 0x06054b50;
constexpr std::uint32_t kEnd64Signature = 0x06064b50;
constexpr std::uint32_t kEnd64LocatorSignature = 0x07064b50;
constexpr std::uint32_t kCentralSignature = 0x02014b50;
constexpr std::uint32_t kLocalSignature = 0x04034b50;
constexpr std::size_t kEndSize = 22;
constexpr std::size_t kMaxComment = 65535;
constexpr std::uint64_t kMaxDirectory = 64u << 20;  // a workbook's directory is a few KiB
constexpr std::size_t kReadChunk = 1024 * 1024;  // compressed bytes a read (a browser reads a File slice each time)

std::uint16_t u16(const char* p) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(p[0]) | static_cast<unsigned char>(p[1]) << 8);
}
std::uint32_t u32(const char* p) { return u16(p) | static_cast<std::uint32_t>(u16(p + 2)) << 16; }
std::uint64_t u64(const char* p) { return u32(p) | static_cast<std::uint64_t>(u32(p + 4)) << 32; }

bool read_exact(RandomAccessFile& file, std::uint64_t offset, std::size_t n, std::string* out) {
  out->resize(n);
  if (offset > file.size() || file.size() - offset < n) return false;
  std::size_t got = 0;
  while (got < n) {
    std::size_t r = file.read(offset + got, out->data() + got, n - got);
    if (r == 0) return false;
    got += r;
  }
  return true;
}

// Slice-by-8 tables, computed from the polynomial on first use.
const std::array<std::array<std::uint32_t, 256>, 8>& crc_tables() {
  static const auto tables = [] {
    std::array<std::array<std::uint32_t, 256>, 8> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[0][i] = c;
    }
    for (std::uint32_t i = 0; i < 256; ++i)
      for (std::size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    return t;
  }();
  return tables;
}

}  // namespace

std::uint32_t crc32(std::uint32_t crc, std::string_view bytes) {
  const auto& t = crc_tables();
  crc = ~crc;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t n = bytes.size();
  while (n >= 8) {
    std::uint32_t lo = crc ^ (p[0] | p[1] << 8 | p[2] << 16 | static_cast<std::uint32_t>(p[3]) << 24);
    std::uint32_t hi = p[4] | p[5] << 8 | p[6] << 16 | static_cast<std::uint32_t>(p[7]) << 24;
    crc = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^ t[3][hi & 0xFF] ^
          t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n--) crc = t[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

bool ZipArchive::open(RandomAccessFile& file, std::string* error) {
  file_ = &file;
  entries_.clear();
  const std::uint64_t size = file.size();
  auto damaged = [&](const std::string& why) {
    *error = "The workbook's ZIP container is damaged (" + why + "); open it in Excel and save it again.";
    return false;
  };
  // The end-of-central-directory record: the last 22 bytes, or up to 64 KiB earlier when the
  // archive has a comment.
  std::string tail;
  const std::uint64_t tail_size = std::min<std::uint64_t>(size, kEndSize + kMaxComment);
  if (!read_exact(file, size - tail_size, static_cast<std::size_t>(tail_size), &tail))
    return damaged("it cannot be read to its end");
  std::size_t at = std::string::npos;
  for (std::size_t i = tail.size() >= kEndSize ? tail.size() - kEndSize + 1 : 0; i-- > 0;) {
    if (u32(tail.data() + i) == kEndSignature && i + kEndSize + u16(tail.data() + i + 20) <= tail.size()) {
      at = i;
      break;
    }
  }
  if (at == std::string::npos) return damaged("it has no central directory");
  const char* end = tail.data() + at;
  const std::uint64_t end_offset = size - tail_size + at;
  std::uint64_t count = u16(end + 10);
  std::uint64_t dir_size = u32(end + 12);
  std::uint64_t dir_offset = u32(end + 16);
  if (count == 0xFFFF || dir_size == 0xFFFFFFFF || dir_offset == 0xFFFFFFFF) {
    // ZIP64: a locator just before the record points at the ZIP64 end record.
    std::string locator, end64;
    if (end_offset < 20 || !read_exact(file, end_offset - 20, 20, &locator) || u32(locator.data()) != kEnd64LocatorSignature)
      return damaged("its ZIP64 end record is missing");
    std::uint64_t end64_offset = u64(locator.data() + 8);
    if (!read_exact(file, end64_offset, 56, &end64) || u32(end64.data()) != kEnd64Signature)
      return damaged("its ZIP64 end record cannot be read");
    count = u64(end64.data() + 32);
    dir_size = u64(end64.data() + 40);
    dir_offset = u64(end64.data() + 48);
  }
  if (dir_offset > size || dir_size > size - dir_offset) return damaged("its directory points outside the file");
  if (dir_size > kMaxDirectory) return damaged("its directory is too big for a workbook");
  std::string dir;
  if (!read_exact(file, dir_offset, static_cast<std::size_t>(dir_size), &dir)) return damaged("its directory cannot be read");
  std::size_t p = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (p + 46 > dir.size() || u32(dir.data() + p) != kCentralSignature) return damaged("its directory is cut short");
    const char* h = dir.data() + p;
    ZipEntry e;
    e.flags = u16(h + 8);
    e.method = u16(h + 10);
    e.crc = u32(h + 16);
    e.compressed = u32(h + 20);
    e.uncompressed = u32(h + 24);
    std::size_t name_len = u16(h + 28), extra_len = u16(h + 30), comment_len = u16(h + 32);
    e.local_offset = u32(h + 42);
    if (p + 46 + name_len + extra_len + comment_len > dir.size()) return damaged("its directory is cut short");
    e.name.assign(h + 46, name_len);
    // ZIP64 extra field: the values that are 0xFFFFFFFF in the record, in this order.
    const char* x = h + 46 + name_len;
    for (std::size_t q = 0; q + 4 <= extra_len;) {
      std::uint16_t id = u16(x + q), len = u16(x + q + 2);
      if (q + 4 + len > extra_len) break;
      if (id == 0x0001) {
        const char* v = x + q + 4;
        std::size_t left = len;
        auto take = [&](std::uint64_t* field) {
          if (*field != 0xFFFFFFFF) return;
          if (left < 8) return;
          *field = u64(v);
          v += 8;
          left -= 8;
        };
        take(&e.uncompressed);
        take(&e.compressed);
        take(&e.local_offset);
      }
      q += 4 + len;
    }
    p += 46 + name_len + extra_len + comment_len;
    entries_.push_back(std::move(e));
  }
  return true;
}

const ZipEntry* ZipArchive::find(std::string_view name) const {
  for (const ZipEntry& e : entries_)
    if (e.name == name) return &e;
  // Some writers differ in case ("xl/SharedStrings.xml"); part names are case-insensitive.
  for (const ZipEntry& e : entries_)
    if (iequals(e.name, name)) return &e;
  return nullptr;
}

ZipEntryReader::ZipEntryReader(const ZipArchive& archive, const ZipEntry& entry, InflateLimits limits)
    : archive_(archive), entry_(entry), limits_(limits) {}

std::string_view ZipEntryReader::fail(State* state, std::string why) {
  if (!failed_) error_ = std::move(why);
  failed_ = true;
  *state = State::Error;
  return {};
}

bool ZipEntryReader::start() {
  started_ = true;
  const std::string where = "its part " + entry_.name;
  RandomAccessFile& file = archive_.file();
  if (entry_.flags & 1) {
    error_ = "The workbook is encrypted (password-protected); remove the password in Excel and save it again.";
    return false;
  }
  if (entry_.method != 0 && entry_.method != 8) {
    error_ = "The workbook's part " + entry_.name + " is compressed with method " + to_decimal(entry_.method) +
             ", which Rowgate does not read; open it in Excel and save it again.";
    return false;
  }
  std::string local;
  if (!read_exact(file, entry_.local_offset, 30, &local) || u32(local.data()) != kLocalSignature) {
    error_ = "The workbook's ZIP container is damaged (" + where +
             " points outside the archive); open it in Excel and save it again.";
    return false;
  }
  data_at_ = entry_.local_offset + 30 + u16(local.data() + 26) + u16(local.data() + 28);
  if (data_at_ > file.size() || entry_.compressed > file.size() - data_at_) {
    error_ = "The workbook's ZIP container is damaged (" + where +
             " points outside the archive); open it in Excel and save it again.";
    return false;
  }
  if (entry_.method == 8) inflater_ = std::make_unique<Inflater>(*this);
  return true;
}

std::string_view ZipEntryReader::next() {
  std::uint64_t left = entry_.compressed - read_;
  std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, kReadChunk));
  if (n == 0) return {};
  buffer_.resize(kReadChunk);
  std::size_t got = archive_.file().read(data_at_ + read_, buffer_.data(), n);
  read_ += got;
  return std::string_view(buffer_.data(), got);
}

std::string_view ZipEntryReader::next_chunk(State* state) {
  if (failed_) return fail(state, error_);
  if (!started_ && !start()) return fail(state, error_);
  std::string_view bytes;
  bool last = false;
  if (inflater_) {
    Inflater::State s;
    bytes = inflater_->produce(&s);
    if (s == Inflater::State::Error)
      return fail(state, "The workbook's part " + entry_.name + " cannot be decompressed (" + inflater_->error() +
                             "); open it in Excel and save it again.");
    last = s == Inflater::State::End;
  } else {
    bytes = next();
    last = read_ >= entry_.compressed;
    if (bytes.empty() && !last)
      return fail(state, "The workbook's ZIP container is damaged (its part " + entry_.name +
                             " is cut short); open it in Excel and save it again.");
  }
  out_ += bytes.size();
  if (out_ > entry_.uncompressed)
    return fail(state, "The workbook's ZIP container is damaged (its part " + entry_.name +
                           " is bigger than its directory says); open it in Excel and save it again.");
  const std::uint64_t compressed = std::max<std::uint64_t>(entry_.compressed, 1);
  if (out_ > limits_.max_bytes)
    return fail(state, "The workbook's part " + entry_.name + " inflates to more than " +
                           to_decimal(limits_.max_bytes >> 20) + " MiB; it is refused as a ZIP bomb.");
  // The ratio so far, against the compressed bytes decoded so far: a bomb is stopped after its
  // first MiB, not after it has written the whole of what it declares.
  const std::uint64_t used = inflater_ ? std::max<std::uint64_t>(inflater_->bytes_used(), 1) : compressed;
  if (out_ > (1u << 20) && out_ / used > limits_.max_ratio)
    return fail(state, "The workbook's part " + entry_.name + " inflates to more than " +
                           to_decimal(limits_.max_ratio) +
                           " times its compressed size, which no spreadsheet does; it is refused as a ZIP bomb.");
  crc_ = crc32(crc_, bytes);
  if (last) {
    if (out_ != entry_.uncompressed)
      return fail(state, "The workbook's ZIP container is damaged (its part " + entry_.name +
                             " is shorter than its directory says); open it in Excel and save it again.");
    if (crc_ != entry_.crc)
      return fail(state, "The workbook's ZIP container is damaged (the check sum of its part " + entry_.name +
                             " does not match); open it in Excel and save it again.");
  }
  *state = last ? State::End : State::More;
  return bytes;
}

bool read_entry(const ZipArchive& archive, const ZipEntry& entry, std::uint64_t max_bytes, std::string* out,
                std::string* error) {
  out->clear();
  InflateLimits limits;
  limits.max_bytes = max_bytes;
  ZipEntryReader reader(archive, entry, limits);
  for (;;) {
    ZipEntryReader::State state;
    std::string_view bytes = reader.next_chunk(&state);
    if (state == ZipEntryReader::State::Error) {
      *error = reader.error();
      return false;
    }
    out->append(bytes);
    if (state == ZipEntryReader::State::End) return true;
  }
}

}  // namespace rowgate::detail
