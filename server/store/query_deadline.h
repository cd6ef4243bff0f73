// A time limit on the store statements that one thread runs for one HTTP request. The HTTP
// layer sets it around each handler; the stores enforce it (SQLite: a progress handler that
// interrupts the statement; PostgreSQL: SET LOCAL statement_timeout), and a statement past it
// throws QueryTimeout, answered 503. Threads without one (the import runner, the notifier) are
// never limited. A deadline may also watch a stop flag (the server's, set on SIGTERM): once it is
// set the thread's SQLite statements end at their next check, so shutting down does not wait.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>

namespace rowgate::server {

/// A statement ran past its thread's deadline, or the server is stopping. Nothing of the call
/// was kept (its transaction rolled back).
class QueryTimeout : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class QueryDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  /// This thread's statements must end within `limit` from now, or as soon as `*stop` is set,
  /// until the guard is destroyed (which restores the thread's previous deadline).
  explicit QueryDeadline(std::chrono::milliseconds limit, const std::atomic<bool>* stop = nullptr);
  ~QueryDeadline();
  QueryDeadline(const QueryDeadline&) = delete;
  QueryDeadline& operator=(const QueryDeadline&) = delete;

  /// Gives the thread `limit` from now again.
  void renew();
  /// Renews this thread's deadline, if it has one: the limit is per statement, so a walk in
  /// pages (an export) gives each page's statement the whole limit.
  static void renew_current();

  /// Milliseconds left to this thread's deadline (at least 1), or nullopt when it has none.
  static std::optional<long long> remaining_ms();
  /// True when the thread has a deadline and it has passed, or its stop flag is set.
  static bool expired();
  /// True when the thread's stop flag is set (the server is shutting down).
  static bool stopping();

 private:
  struct Limit {
    Clock::time_point at;
    std::chrono::milliseconds limit;
    const std::atomic<bool>* stop = nullptr;
  };
  static thread_local std::optional<Limit> current_;

  std::chrono::milliseconds limit_;
  const std::atomic<bool>* stop_;
  std::optional<Limit> previous_;
};

}  // namespace rowgate::server
