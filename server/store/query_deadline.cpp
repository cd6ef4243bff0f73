#include "store/query_deadline.h"

namespace rowgate::server {

thread_local std::optional<QueryDeadline::Limit> QueryDeadline::current_;

QueryDeadline::QueryDeadline(std::chrono::milliseconds limit, const std::atomic<bool>* stop)
    : limit_(limit), stop_(stop), previous_(current_) {
  renew();
}

QueryDeadline::~QueryDeadline() { current_ = previous_; }

void QueryDeadline::renew() { current_ = Limit{Clock::now() + limit_, limit_, stop_}; }

void QueryDeadline::renew_current() {
  if (current_) current_->at = Clock::now() + current_->limit;
}

std::optional<long long> QueryDeadline::remaining_ms() {
  if (!current_) return std::nullopt;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(current_->at - Clock::now()).count();
  return left < 1 ? 1 : left;
}

bool QueryDeadline::expired() {
  if (!current_) return false;
  return stopping() || Clock::now() >= current_->at;
}

bool QueryDeadline::stopping() {
  return current_ && current_->stop && current_->stop->load(std::memory_order_relaxed);
}

}  // namespace rowgate::server
