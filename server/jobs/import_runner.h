// The import runner: takes queued imports, feeds their spooled parts through the core, writes
// the errors and results files, and (unless a dry run) commits valid rows in checkpointed
// batches. A killed server resumes each unfinished import from its checkpoint on restart.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <mutex>
#include <string>
#include <thread>

#include "store/store.h"

namespace rowgate::server {

class Notifier;

struct RunnerSettings {
  std::string data_dir;                  ///< holds imports/<id>/part-N, errors.csv, results.csv
  std::size_t batch_rows = 50000;        ///< rows written per transaction (one checkpoint each)
  std::int64_t files_kept_seconds = 30 * 24 * 3600;
};

/// Counters for /metrics, updated by the runner.
struct RunnerCounters {
  std::atomic<std::uint64_t> rows_create{0}, rows_update{0}, rows_duplicate{0}, rows_error{0};
};

class ImportRunner {
 public:
  ImportRunner(Store& store, RunnerSettings settings, Notifier* notifier);
  ~ImportRunner();
  ImportRunner(const ImportRunner&) = delete;
  ImportRunner& operator=(const ImportRunner&) = delete;

  /// Starts the worker thread and queues every import a previous process left unfinished.
  void start();
  /// Stops after the batch in hand is committed; unfinished imports stay queued for a restart.
  void stop();
  /// Queues an import whose parts are all uploaded (status already "queued").
  void enqueue(const std::string& import_id, std::int64_t tenant);

  /// Where an import's files live.
  std::string import_dir(const std::string& import_id) const;
  std::string part_path(const std::string& import_id, std::uint32_t n) const;
  std::string errors_path(const std::string& import_id) const;
  std::string results_path(const std::string& import_id) const;

  /// Deletes an import's spooled parts (once it has ended: they are the raw uploaded data).
  void remove_parts(const std::string& import_id);

  /// Deletes the errors and results files of imports whose 30 days are over.
  void remove_expired_files(std::int64_t now);

  RunnerCounters& counters() { return counters_; }

  /// Rows and bytes done of an import this process is running now (the store has the rest).
  std::optional<Progress> progress_of(const std::string& import_id);

  /// Called after each committed batch (tests use it to kill the process at chosen points).
  std::function<void(const std::string& import_id, std::uint64_t last_row)> after_batch;

 private:
  void loop();
  void run(const std::string& import_id, std::int64_t tenant);
  void live_progress(const std::string& import_id, const Progress& progress);
  void forget_live(const std::string& import_id);

  Store& store_;
  RunnerSettings settings_;
  Notifier* notifier_;
  RunnerCounters counters_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<std::string, std::int64_t>> queue_;
  std::atomic<bool> stopping_{false};
  std::map<std::string, Progress> live_;
};

}  // namespace rowgate::server
