// The import runner: takes queued imports, feeds their parts through the core, writes the errors
// and results files, and (unless a dry run) commits valid rows in checkpointed batches.
// With a store of its own (SQLite) it spools parts and report files to --data and queues imports
// in memory; a killed server resumes each unfinished import from its checkpoint on restart.
// With a shared store (PostgreSQL) parts and report files live in the store, and the runner
// claims imports under a lease that a heartbeat renews: when a server dies, another one claims
// its import once the lease has expired and resumes it from the checkpoint.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "jobs/batch_writer.h"
#include "store/store.h"

namespace rowgate::server {

class Notifier;
class Spool;

struct RunnerSettings {
  std::size_t batch_rows = 50000;        ///< rows written per transaction (one checkpoint each)
  std::int64_t files_kept_seconds = 30 * 24 * 3600;
  std::string owner;                     ///< this runner's name in leases (shared stores); made up if empty
  std::int64_t lease_seconds = 15;       ///< a lease lasts this long unless renewed (a third of it apart)
  std::int64_t poll_ms = 1000;           ///< how often a shared store is asked for work to claim
  /// A store that is unavailable for now (locked, restarting) is waited for: the import resumes
  /// from its checkpoint after store_retry_ms, doubled after each try up to 30 s, and fails only
  /// once the runner has waited store_outage_seconds in all for the store during this import.
  std::int64_t store_retry_ms = 1000;
  std::int64_t store_outage_seconds = 600;
};

/// Counters for /metrics, updated by the runner.
struct RunnerCounters {
  std::atomic<std::uint64_t> rows_create{0}, rows_update{0}, rows_duplicate{0}, rows_error{0};
};

class ImportRunner {
 public:
  ImportRunner(Store& store, Spool& spool, RunnerSettings settings, Notifier* notifier);
  ~ImportRunner();
  ImportRunner(const ImportRunner&) = delete;
  ImportRunner& operator=(const ImportRunner&) = delete;

  /// Starts the worker thread and queues every import a previous process left unfinished.
  void start();
  /// Stops after the batch in hand is committed; unfinished imports stay queued for a restart.
  void stop();
  /// Queues an import whose parts are all uploaded (status already "queued"). With a shared
  /// store this only wakes the runner: the import is claimed from the store.
  void enqueue(const std::string& import_id, std::int64_t tenant);

  RunnerCounters& counters() { return counters_; }

  /// Rows and bytes done of an import this process is running now (the store has the rest).
  std::optional<Progress> progress_of(const std::string& import_id);

  /// Called after each committed batch (tests use it to kill the process at chosen points).
  std::function<void(const std::string& import_id, std::uint64_t last_row)> after_batch;

 private:
  void loop();
  void run(const std::string& import_id, std::int64_t tenant);
  void execute(const std::string& import_id, std::int64_t tenant);
  void record_failure(const std::string& import_id, std::int64_t tenant, const std::string& why);
  void keep_drafts(const std::string& import_id, std::int64_t tenant);
  void live_progress(const std::string& import_id, const Progress& progress);
  void forget_live(const std::string& import_id);

  Store& store_;
  Spool& spool_;
  RunnerSettings settings_;
  Notifier* notifier_;
  RunnerCounters counters_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<std::string, std::int64_t>> queue_;
  std::atomic<bool> stopping_{false};
  std::map<std::string, Progress> live_;
  // Commits each import's batches while the core validates the next (one thread, so one store
  // connection, for the runner's life).
  std::unique_ptr<BatchWriter> writer_;
  // Shared stores: the import this runner holds a lease on, and the heartbeat that renews it.
  void heartbeat();
  std::thread heartbeat_;
  std::condition_variable beat_;
  ImportKey current_;
  std::atomic<bool> lease_lost_{false};  // the heartbeat found the running import's lease gone
};

}  // namespace rowgate::server
