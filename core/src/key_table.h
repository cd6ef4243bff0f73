// The de-duplication set: 64-bit key hashes with the row that first had each key.
// It is the only structure allowed to grow with the file: 12 bytes a slot, at most 80% full.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace rowgate::detail {

/// A 64-bit hash with the same value on every platform (wasm32 included), unlike std::hash.
/// Keys are compared by hash only: two different keys collide with probability about
/// n^2 / 2^65 (under 10^-6 for five million keys), documented in docs/templates.md.
inline std::uint64_t hash64(std::string_view s, std::uint64_t seed = 0) {
  constexpr std::uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
  std::uint64_t h = seed ^ (s.size() * 0x9E3779B97F4A7C15ULL);
  const char* p = s.data();
  std::size_t n = s.size();
  auto mix = [&](std::uint64_t k) {
    k *= c1; k = (k << 31) | (k >> 33); k *= c2;
    h ^= k; h = (h << 27) | (h >> 37); h = h * 5 + 0x52dce729;
  };
  while (n >= 8) {
    std::uint64_t k;
    std::memcpy(&k, p, 8);
    mix(k);
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    std::uint64_t k = 0;
    for (std::size_t i = 0; i < n; ++i) k |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    mix(k ^ 0xA5);
  }
  h ^= h >> 33; h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h == 0 ? 1 : h;  // 0 marks an empty slot
}

class KeyTable {
 public:
  /// Inserts `hash` with `row` unless present; returns the row stored for it (== row if new).
  std::uint64_t insert(std::uint64_t hash, std::uint64_t row) {
    if ((size_ + 1) * 5 > capacity() * 4) grow();
    std::size_t i = slot_for(hash);
    if (hashes_[i] == hash) return rows_[i];
    hashes_[i] = hash;
    rows_[i] = static_cast<std::uint32_t>(row);
    ++size_;
    return row;
  }
  /// Starts loading the slot of `hash` into the cache (the table outgrows it on big files).
  void prefetch(std::uint64_t hash) const {
#if defined(__GNUC__) || defined(__clang__)
    if (hashes_.empty()) return;
    std::size_t i = static_cast<std::size_t>(hash) & (hashes_.size() - 1);
    __builtin_prefetch(&hashes_[i]);
    __builtin_prefetch(&rows_[i]);
#else
    (void)hash;
#endif
  }
  bool contains(std::uint64_t hash) const {
    if (hashes_.empty()) return false;
    return hashes_[slot_for(hash)] == hash;
  }
  std::size_t size() const { return size_; }

 private:
  std::size_t capacity() const { return hashes_.size(); }
  std::size_t slot_for(std::uint64_t hash) const {
    std::size_t mask = hashes_.size() - 1;
    std::size_t i = static_cast<std::size_t>(hash) & mask;
    while (hashes_[i] != 0 && hashes_[i] != hash) i = (i + 1) & mask;
    return i;
  }
  void grow() {
    std::vector<std::uint64_t> old_hashes;
    std::vector<std::uint32_t> old_rows;
    old_hashes.swap(hashes_);
    old_rows.swap(rows_);
    std::size_t cap = old_hashes.empty() ? 1024 : old_hashes.size() * 2;
    hashes_.assign(cap, 0);
    rows_.assign(cap, 0);
    for (std::size_t i = 0; i < old_hashes.size(); ++i) {
      if (old_hashes[i] == 0) continue;
      std::size_t j = slot_for(old_hashes[i]);
      hashes_[j] = old_hashes[i];
      rows_[j] = old_rows[i];
    }
  }

  std::vector<std::uint64_t> hashes_;
  std::vector<std::uint32_t> rows_;
  std::size_t size_ = 0;
};

}  // namespace rowgate::detail
