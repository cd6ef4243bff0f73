// One thread that runs tasks in the order they are handed over, while the caller goes on: the
// import runner commits a batch on it while the core validates the next one. At most one task
// waits while one runs: an import holds at most three batches in memory (one being written, one
// waiting, and the one the core is filling, which waits in submit() when the line is full).
//
// A task that throws stops the line: the tasks still waiting are dropped, and the exception is
// thrown again to the caller by its next submit(), check() or drain().
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace rowgate::server {

class BatchWriter {
 public:
  BatchWriter();
  ~BatchWriter();  ///< finishes the task in hand, drops one waiting, joins the thread
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  /// Hands a task over, waiting while another one waits. Throws what an earlier task threw.
  void submit(std::function<void()> task);
  /// Throws what an earlier task threw (and forgets it), without waiting.
  void check();
  /// Waits until every task handed over has run; throws what one of them threw (and forgets it).
  void drain();
  /// Drops the waiting task, waits for the one running and forgets any failure: for a caller
  /// that leaves early (its tasks refer to what it is about to destroy).
  void abandon();

 private:
  void loop();
  void rethrow(std::unique_lock<std::mutex>& lock);

  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<std::function<void()>> waiting_;
  bool running_ = false;
  bool closing_ = false;
  std::exception_ptr failure_;
  std::thread thread_;
};

}  // namespace rowgate::server
