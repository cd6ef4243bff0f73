// Hashes, MACs and random tokens for the server (OpenSSL's libcrypto underneath).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace rowgate::server {

/// SHA-256 of `data`, as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

/// HMAC-SHA-256 of `message` under `key`, as 64 lower-case hex digits.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

/// `bytes` bytes from the operating system's secure random source, as hex.
std::string random_hex(std::size_t bytes);

/// SHA-256 over data that comes in pieces (an upload spooled to disk).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  std::string hex();  ///< ends the hash

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Compares two strings in time that depends only on their lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace rowgate::server
