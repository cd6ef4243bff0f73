#include "jobs/batch_writer.h"

namespace rowgate::server {

BatchWriter::BatchWriter() : thread_([this] { loop(); }) {}

BatchWriter::~BatchWriter() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
    waiting_.reset();
  }
  changed_.notify_all();
  thread_.join();
}

void BatchWriter::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return closing_ || waiting_; });
    if (closing_) return;
    std::function<void()> task = std::move(*waiting_);
    waiting_.reset();
    running_ = true;
    changed_.notify_all();  // room for the next task
    lock.unlock();
    std::exception_ptr failed;
    try {
      task();
    } catch (...) {
      failed = std::current_exception();
    }
    task = nullptr;  // what it holds goes before the caller hears it is done
    lock.lock();
    running_ = false;
    if (failed && !failure_) failure_ = failed;
    if (failure_) waiting_.reset();  // the line stops at the first failure
    changed_.notify_all();
  }
}

void BatchWriter::rethrow(std::unique_lock<std::mutex>&) {
  if (!failure_) return;
  std::exception_ptr failed = failure_;
  failure_ = nullptr;
  std::rethrow_exception(failed);
}

void BatchWriter::submit(std::function<void()> task) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return !waiting_ || failure_; });
  rethrow(lock);
  waiting_ = std::move(task);
  changed_.notify_all();
}

void BatchWriter::check() {
  std::unique_lock<std::mutex> lock(mutex_);
  rethrow(lock);
}

void BatchWriter::drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  // A failure drops the waiting task, so this also ends once a failed task is over.
  changed_.wait(lock, [this] { return !waiting_ && !running_; });
  rethrow(lock);
}

void BatchWriter::abandon() {
  std::unique_lock<std::mutex> lock(mutex_);
  waiting_.reset();
  changed_.wait(lock, [this] { return !running_; });
  failure_ = nullptr;
}

}  // namespace rowgate::server
