// The run of one import: it reads the import's parts from the spool through the core, writes
// the errors and results files, and (unless a dry run) commits valid rows in checkpointed
// batches on the writer's thread. A run resumed after a restart or a take-over starts from the
// checkpoint: rows up to it are in the store already. Which import to run, and what to do when
// a run throws, is the scheduler's (jobs/import_runner.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "store/store.h"

namespace rowgate::server {

class BatchWriter;
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

/// Counters for /metrics, updated by the runs.
struct RunnerCounters {
  std::atomic<std::uint64_t> rows_create{0}, rows_update{0}, rows_duplicate{0}, rows_error{0};
};

/// What a run asks of the scheduler that runs it.
class RunHost {
 public:
  virtual ~RunHost() = default;
  /// True once the server is shutting down: the run commits what it has and stops.
  virtual bool stopping() const = 0;
  /// Throws LeaseLost once the import's lease is known to be another server's.
  virtual void check_held(const ImportKey& import) = 0;
  /// Rows and bytes done so far, shown while the import runs.
  virtual void progress(const std::string& import_id, const Progress& progress) = 0;
  virtual void forget_progress(const std::string& import_id) = 0;
  /// The run stopped for a shutdown with its batches committed: the import is left to whichever
  /// runner takes it next.
  virtual void release(const ImportKey& import, const Progress& progress) = 0;
  /// A batch and its checkpoint were committed.
  virtual void batch_committed(const std::string& import_id, std::uint64_t last_row) = 0;
};

class ImportRun {
 public:
  ImportRun(Store& store, Spool& spool, BatchWriter& writer, const RunnerSettings& settings, RunnerCounters& counters,
            Notifier* notifier, RunHost& host)
      : store_(store), spool_(spool), writer_(writer), settings_(settings), counters_(counters), notifier_(notifier),
        host_(host) {}

  /// Runs the import to its end (or to a shutdown), writing under `owner`'s lease (empty for a
  /// store without leases). Throws what stops it: LeaseLost, StoreUnavailable, or any other
  /// error, which fails the import.
  void operator()(const ImportKey& import, const std::string& owner);

 private:
  Store& store_;
  Spool& spool_;
  BatchWriter& writer_;
  const RunnerSettings& settings_;
  RunnerCounters& counters_;
  Notifier* notifier_;
  RunHost& host_;
};

}  // namespace rowgate::server
