// The streamed ZIP writer, read back by Python's zipfile: entries with data descriptors, bytes
// handed on as they come, and ZIP64 where a size or an offset passes 32 bits.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "util/crypto.h"
#include "util/zip_writer.h"
#include "zip_check.h"

namespace rowgate::testing {
namespace {

using nlohmann::json;
using namespace rowgate::server;

constexpr std::time_t kTime = 1767225600;  // 2026-01-01

std::uint32_t u32_at(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<std::size_t>(i)]);
  return v;
}

std::uint64_t u64_at(const std::string& s, std::size_t at) {
  return u32_at(s, at) | (static_cast<std::uint64_t>(u32_at(s, at + 4)) << 32);
}

// Bytes that deflate hardly shrinks (a linear congruential generator's high bytes).
std::string noise(std::size_t n) {
  std::string out(n, '\0');
  std::uint64_t x = 7;
  for (char& c : out) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    c = static_cast<char>(x >> 56);
  }
  return out;
}

class TempFile {
 public:
  TempFile() : path_(std::filesystem::temp_directory_path() / ("rowgate_zip_" + random_hex(6) + ".zip")) {}
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(ZipWriter, EntriesAreReadBackByZipfileAndTheBytesGoOutAsTheyCome) {
  std::string archive;
  std::vector<std::size_t> pieces;
  ZipWriter zip(
      [&](std::string_view bytes) {
        archive += bytes;
        pieces.push_back(bytes.size());
      },
      kTime);
  zip.begin("a.txt");
  zip.write("hello");
  EXPECT_TRUE(pieces.empty());  // a small start waits in the writer
  const std::string big = noise(300 << 10);
  zip.begin("dir/b.bin");
  for (std::size_t at = 0, step = 1; at < big.size(); at += step, step = step * 7 % 5003 + 1)
    zip.write(std::string_view(big).substr(at, step));  // chunk boundaries do not matter
  EXPECT_GE(pieces.size(), 3u);  // sent while written
  zip.begin("empty");
  zip.finish();
  for (std::size_t n : pieces) EXPECT_LT(n, 200u << 10);

  // Each local header says: version 4.5, bit 3 (CRC and sizes follow the data), deflate, sizes 0.
  ASSERT_EQ(u32_at(archive, 0), 0x04034b50u);
  EXPECT_EQ(archive.substr(4, 6), std::string("\x2d\x00\x08\x00\x08\x00", 6));
  EXPECT_EQ(u32_at(archive, 14), 0u);
  EXPECT_EQ(u32_at(archive, 18), 0u);
  EXPECT_EQ(u32_at(archive, 22), 0u);

  TempFile file;
  std::ofstream(file.path(), std::ios::binary) << archive;
  json read = read_zip(file.path());
  ASSERT_FALSE(read.contains("error")) << read.dump();
  EXPECT_TRUE(read["testzip"].is_null()) << read.dump();  // every CRC matches
  ASSERT_EQ(read["entries"].size(), 3u);
  const std::string contents[] = {"hello", big, ""};
  const char* names[] = {"a.txt", "dir/b.bin", "empty"};
  for (std::size_t i = 0; i < 3; ++i) {
    const json& e = read["entries"][i];
    EXPECT_EQ(e["name"], names[i]);
    EXPECT_EQ(e["compress_type"], 8);  // deflate
    EXPECT_EQ(e["flag_bits"].get<int>() & 8, 8);
    EXPECT_EQ(e["file_size"], contents[i].size());
    EXPECT_EQ(e["extra"], "");  // no ZIP64 field for small entries
    EXPECT_EQ(e["sha256"], sha256_hex(contents[i]));
    // The data descriptor after the data: signature, CRC and two 32-bit sizes.
    std::size_t descriptor = e["header_offset"].get<std::size_t>() + 30 + std::string(names[i]).size() +
                             e["compress_size"].get<std::size_t>();
    EXPECT_EQ(u32_at(archive, descriptor), 0x08074b50u);
    EXPECT_EQ(u32_at(archive, descriptor + 8), e["compress_size"].get<std::uint32_t>());
    EXPECT_EQ(u32_at(archive, descriptor + 12), e["file_size"].get<std::uint32_t>());
  }
  EXPECT_EQ(u32_at(archive, archive.size() - 22), 0x06054b50u);  // the end record, no ZIP64 one
  EXPECT_EQ(archive.find(std::string("PK\x06\x06", 4)), std::string::npos);
}

// An entry of 4 GiB and more (deflated to a few MiB): its data descriptor has 8-byte sizes and
// its central directory entry a ZIP64 field with the uncompressed size. Half a minute or more of
// deflating and reading back: in the native build only (label big).
TEST(ZipWriterBig, AnEntryPast4GiBGetsZip64Sizes) {
  constexpr std::uint64_t kSize = (std::uint64_t{4} << 30) + 3;
  TempFile file;
  std::string archive;  // a few MiB
  ZipWriter zip([&](std::string_view bytes) { archive += bytes; }, kTime);
  zip.begin("big.bin");
  const std::string zeros(16 << 20, '\0');
  for (std::uint64_t left = kSize; left > 0;) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, zeros.size()));
    zip.write(std::string_view(zeros).substr(0, n));
    left -= n;
  }
  zip.begin("after.txt");
  zip.write("after");
  zip.finish();
  std::ofstream(file.path(), std::ios::binary) << archive;

  json read = read_zip(file.path());
  ASSERT_FALSE(read.contains("error")) << read.dump();
  EXPECT_TRUE(read["testzip"].is_null()) << read.dump();
  ASSERT_EQ(read["entries"].size(), 2u);
  const json& big = read["entries"][0];
  EXPECT_EQ(big["file_size"].get<std::uint64_t>(), kSize);
  EXPECT_EQ(big["extra"], "01000800" "0300000001000000");  // ZIP64 field: the uncompressed size
  std::size_t descriptor = 30 + 7 + big["compress_size"].get<std::size_t>();
  EXPECT_EQ(u32_at(archive, descriptor), 0x08074b50u);
  EXPECT_EQ(u64_at(archive, descriptor + 8), big["compress_size"].get<std::uint64_t>());
  EXPECT_EQ(u64_at(archive, descriptor + 16), kSize);
  EXPECT_EQ(read["entries"][1]["header_offset"].get<std::size_t>(), descriptor + 24);
  EXPECT_EQ(read["entries"][1]["sha256"], sha256_hex("after"));
}

// An archive that starts 5 GiB into its file (a sparse file: the gap takes no room): offsets past
// 32 bits go to ZIP64 fields, and the ZIP64 end records say where the central directory is.
TEST(ZipWriter, OffsetsPast4GiBGetZip64EndRecords) {
  constexpr std::uint64_t kStart = std::uint64_t{5} << 30;
  TempFile file;
  int fd = ::open(file.path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  std::uint64_t at = kStart;
  std::string archive;
  ZipWriter zip(
      [&](std::string_view bytes) {
        ASSERT_EQ(::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(at)), static_cast<ssize_t>(bytes.size()));
        at += bytes.size();
        archive += bytes;
      },
      kTime, kStart);
  zip.begin("a.txt");
  zip.write("first");
  zip.begin("b.txt");
  zip.write("second");
  zip.finish();
  ::close(fd);

  json read = read_zip(file.path());
  ASSERT_FALSE(read.contains("error")) << read.dump();
  EXPECT_TRUE(read["testzip"].is_null()) << read.dump();
  ASSERT_EQ(read["entries"].size(), 2u);
  EXPECT_EQ(read["entries"][0]["header_offset"].get<std::uint64_t>(), kStart);
  EXPECT_EQ(read["entries"][0]["extra"], "01000800" "0000004001000000");  // ZIP64 field: the offset
  EXPECT_GT(read["entries"][1]["header_offset"].get<std::uint64_t>(), kStart);
  EXPECT_EQ(read["entries"][0]["sha256"], sha256_hex("first"));
  EXPECT_EQ(read["entries"][1]["sha256"], sha256_hex("second"));
  // The ZIP64 end record and its locator before the classic end record, whose fields say 0xFF...
  ASSERT_GE(archive.size(), 22u + 20u + 56u);
  std::size_t end = archive.size() - 22;
  EXPECT_EQ(u32_at(archive, end), 0x06054b50u);
  EXPECT_EQ(u32_at(archive, end + 16), 0xFFFFFFFFu);
  EXPECT_EQ(u32_at(archive, end - 20), 0x07064b50u);
  EXPECT_EQ(u32_at(archive, end - 20 - 56), 0x06064b50u);
  EXPECT_EQ(u64_at(archive, end - 20 + 8), kStart + (end - 20 - 56));  // the locator points at the record
}

}  // namespace
}  // namespace rowgate::testing
