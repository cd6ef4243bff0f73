#include "http/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace rowgate::server {

RateLimiter::RateLimiter(double per_second, double burst, std::size_t max_clients)
    : per_second_(per_second), burst_(std::max(1.0, burst)), max_clients_(max_clients) {}

void RateLimiter::refill(Bucket& b, Clock::time_point now) const {
  double seconds = std::chrono::duration<double>(now - b.at).count();
  if (seconds > 0) b.tokens = std::min(burst_, b.tokens + seconds * per_second_);
  b.at = now;
}

std::int64_t RateLimiter::retry_after(const std::string& client, Clock::time_point now) {
  if (per_second_ <= 0) return 0;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) return 0;
  refill(it->second, now);
  if (it->second.tokens >= 1) return 0;
  return static_cast<std::int64_t>(std::ceil((1 - it->second.tokens) / per_second_));
}

void RateLimiter::spend(const std::string& client, Clock::time_point now) {
  if (per_second_ <= 0) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (buckets_.size() >= max_clients_ && buckets_.find(client) == buckets_.end()) forget_full(now);
  auto [it, fresh] = buckets_.try_emplace(client, Bucket{burst_, now});
  if (!fresh) refill(it->second, now);
  it->second.tokens = std::max(0.0, it->second.tokens - 1);
}

// The table is bounded: clients whose buckets have filled up again are forgotten (a forgotten
// bucket and a full one answer alike). If every one is still spending, which takes as many
// addresses as the table holds, the table starts again.
void RateLimiter::forget_full(Clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now);
    it = it->second.tokens >= burst_ ? buckets_.erase(it) : std::next(it);
  }
  if (buckets_.size() >= max_clients_) buckets_.clear();
}

}  // namespace rowgate::server
