// Per-client token buckets: how many failed authentications a client address may make before
// it is answered 429 (issue #7). Only failures spend tokens, so a client with a good key is never
// slowed down; a client that keeps guessing keys waits for tokens to come back.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace rowgate::server {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  /// `per_second` tokens come back each second, up to `burst`; 0 per second turns it off.
  RateLimiter(double per_second, double burst, std::size_t max_clients = 100000);

  /// 0 when `client` may go on; otherwise the whole seconds until it may (Retry-After).
  std::int64_t retry_after(const std::string& client, Clock::time_point now = Clock::now());
  /// Spends one of `client`'s tokens (a failed authentication).
  void spend(const std::string& client, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point at;
  };
  void refill(Bucket& b, Clock::time_point now) const;
  void forget_full(Clock::time_point now);

  double per_second_;
  double burst_;
  std::size_t max_clients_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace rowgate::server
