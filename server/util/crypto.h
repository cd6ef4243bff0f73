// Hashes, MACs and random tokens for the server (OpenSSL's libcrypto underneath).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rowgate::server {

/// SHA-256 of `data`, as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

/// HMAC-SHA-256 of `message` under `key`, as 64 lower-case hex digits.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

/// `bytes` bytes from the operating system's secure random source, as hex.
std::string random_hex(std::size_t bytes);

}  // namespace rowgate::server
