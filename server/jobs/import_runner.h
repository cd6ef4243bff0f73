// The import runner: the scheduler of imports. It takes imports whose parts are all uploaded,
// hands each to a run (jobs/import_run.h), and decides what happens when a run throws: a lost
// lease lets the import go, a store unavailable for now is waited for, anything else fails it.
// Where its imports come from is chosen once, by the store:
// - a store of one server (SQLite): a queue in memory; a killed server takes each unfinished
//   import up again from its checkpoint on restart;
// - a store several servers share (PostgreSQL): the runner claims imports under a lease that a
//   heartbeat renews; when a server dies, another one claims its import once the lease has
//   expired and resumes it from the checkpoint.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "jobs/batch_writer.h"
#include "jobs/import_run.h"
#include "store/store.h"

namespace rowgate::server {

class Notifier;
class Spool;

class ImportRunner : private RunHost {
 public:
  ImportRunner(Store& store, Spool& spool, RunnerSettings settings, Notifier* notifier);
  ~ImportRunner() override;
  ImportRunner(const ImportRunner&) = delete;
  ImportRunner& operator=(const ImportRunner&) = delete;

  /// Starts the worker thread and queues every import a previous process left unfinished.
  void start();
  /// Stops after the batch in hand is committed; unfinished imports stay queued for a restart.
  void stop();
  /// Queues an import whose parts are all uploaded (status already queued). With a shared
  /// store this only wakes the runner: the import is claimed from the store.
  void enqueue(const std::string& import_id, std::int64_t tenant);

  RunnerCounters& counters() { return counters_; }

  /// Rows and bytes done of an import this process is running now (the store has the rest).
  std::optional<Progress> progress_of(const std::string& import_id);

  /// Called after each committed batch (tests use it to kill the process at chosen points).
  std::function<void(const std::string& import_id, std::uint64_t last_row)> after_batch;

  class Queue;  ///< where the imports to run come from (import_runner.cpp)

 private:
  void loop();
  void execute(const ImportKey& import);
  void record_failure(const ImportKey& import, const std::string& why);

  // RunHost
  bool stopping() const override { return stopping_; }
  void check_held(const ImportKey& import) override;
  void progress(const std::string& import_id, const Progress& progress) override;
  void forget_progress(const std::string& import_id) override;
  void release(const ImportKey& import, const Progress& progress) override;
  void batch_committed(const std::string& import_id, std::uint64_t last_row) override;

  Store& store_;
  Spool& spool_;
  RunnerSettings settings_;
  Notifier* notifier_;
  RunnerCounters counters_;
  std::unique_ptr<Queue> queue_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;  // a wait for the store to come back ends early on stop()
  std::atomic<bool> stopping_{false};
  std::map<std::string, Progress> live_;
  // Commits each import's batches while the core validates the next (one thread, so one store
  // connection, for the runner's life).
  std::unique_ptr<BatchWriter> writer_;
};

}  // namespace rowgate::server
