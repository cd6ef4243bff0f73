#include "jobs/import_runner.h"

#include <unistd.h>

#include <chrono>
#include <deque>
#include <stdexcept>

#include "jobs/spool.h"
#include "notify/notifier.h"
#include "store/shared_store.h"
#include "util/clock.h"
#include "util/crypto.h"
#include "util/log.h"

namespace rowgate::server {

// Where the imports to run come from, and how the runner holds the one in hand.
class ImportRunner::Queue {
 public:
  virtual ~Queue() = default;
  /// Begins: takes up what a previous process left unfinished, or starts renewing leases.
  virtual void start() = 0;
  /// Ends every wait in take(); takes nothing more.
  virtual void stop() = 0;
  /// An import whose parts are all uploaded.
  virtual void push(const ImportKey& import) = 0;
  /// The next import to run, waiting for one; nullopt once stopped.
  virtual std::optional<ImportKey> take() = 0;
  /// The run of `import` on this server is over, however it ended.
  virtual void ended(const ImportKey& import) = 0;
  /// The name the runner writes under (a lease's owner); empty without leases.
  virtual const std::string& owner() const = 0;
  /// True once the lease on the import in hand was found to be another server's.
  virtual bool lost() const = 0;
  /// Whether the runner waits for a store that is unavailable for now and resumes the import
  /// itself, or lets it go to whichever server claims it once its lease has expired.
  virtual bool waits_out_outages() const = 0;
  /// Holds `import` a while longer (its lease renewed); false if it is another server's now.
  virtual bool hold(const ImportKey& import) = 0;
  /// Lets `import` go at once (a shutdown), its progress recorded.
  virtual void release(const ImportKey& import, const Progress& progress) = 0;
};

namespace {

std::string default_owner() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" + random_hex(4);
}

// A store of one server: the queue is in memory, and a restarted server takes up the imports
// that the store says are unfinished.
class LocalQueue : public ImportRunner::Queue {
 public:
  explicit LocalQueue(Store& store) : store_(store) {}

  void start() override {
    for (const ImportRecord& r : store_.unfinished_imports()) {
      log_info("resuming import", {{"import", r.id},
                                   {"status", std::string(status_name(r.status))},
                                   {"checkpoint", std::to_string(r.last_committed_row)}});
      push(ImportKey{r.tenant_id, r.id});
    }
  }
  void stop() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
  }
  void push(const ImportKey& import) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(import);
    }
    wake_.notify_all();
  }
  std::optional<ImportKey> take() override {
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return std::nullopt;
    ImportKey next = queue_.front();
    queue_.pop_front();
    return next;
  }
  void ended(const ImportKey&) override {}
  const std::string& owner() const override { return no_owner_; }
  bool lost() const override { return false; }
  bool waits_out_outages() const override { return true; }
  bool hold(const ImportKey&) override { return true; }
  void release(const ImportKey&, const Progress&) override {}  // taken up at the next start

 private:
  Store& store_;
  const std::string no_owner_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<ImportKey> queue_;
  bool stopping_ = false;
};

// A store several servers share: any server may run any import. The runner claims the oldest
// one that is free (or whose runner died) under a lease, which a heartbeat renews a third of the
// lease apart, together with the live progress that any server shows.
class LeasedQueue : public ImportRunner::Queue {
 public:
  LeasedQueue(SharedStore& store, const RunnerSettings& settings, std::function<std::optional<Progress>(const std::string&)> live)
      : store_(store), settings_(settings), live_(std::move(live)) {}
  ~LeasedQueue() override { stop(); }

  void start() override {
    log_info("claiming imports from the shared store",
             {{"owner", settings_.owner}, {"lease_seconds", std::to_string(settings_.lease_seconds)}});
    heartbeat_ = std::thread([this] { heartbeat(); });
  }
  void stop() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (heartbeat_.joinable()) heartbeat_.join();
  }
  void push(const ImportKey&) override {  // only a wake-up call: the store says what to run
    {
      std::lock_guard<std::mutex> lock(mutex_);
      woken_ = true;
    }
    wake_.notify_all();
  }
  std::optional<ImportKey> take() override {
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) return std::nullopt;
      }
      std::optional<ImportKey> claimed;
      try {
        claimed = store_.claim_import(settings_.owner, settings_.lease_seconds);
      } catch (const std::exception& e) {
        log_error("cannot claim an import", {{"error", e.what()}});
      }
      std::unique_lock<std::mutex> lock(mutex_);
      if (claimed) {
        log_info("claimed import", {{"import", claimed->id}, {"owner", settings_.owner}});
        current_ = *claimed;
        lost_ = false;
        return claimed;
      }
      wake_.wait_for(lock, std::chrono::milliseconds(settings_.poll_ms), [this] { return stopping_ || woken_; });
      woken_ = false;
    }
  }
  void ended(const ImportKey&) override {
    std::lock_guard<std::mutex> lock(mutex_);
    current_ = ImportKey{};
  }
  const std::string& owner() const override { return settings_.owner; }
  bool lost() const override { return lost_; }
  bool waits_out_outages() const override { return false; }

  // A failed import's report files go into the store only under the lease, renewed first: a
  // server that has lost it must not overwrite the reports of the server that took the import
  // over (the renewed lease keeps any other from claiming it while the files are copied).
  bool hold(const ImportKey& import) override {
    try {
      if (store_.renew_lease(import.tenant, import.id, settings_.owner, settings_.lease_seconds, Progress{})) return true;
      log_info("a failed import's reports are not kept: its lease went to another server", {{"import", import.id}});
    } catch (const std::exception& e) {
      log_error("cannot keep a failed import's reports", {{"import", import.id}, {"error", e.what()}});
    }
    return false;
  }
  void release(const ImportKey& import, const Progress& progress) override {
    store_.renew_lease(import.tenant, import.id, settings_.owner, 0, progress);
  }

 private:
  // A renewal that finds the lease gone tells the run to stop (lost()).
  void heartbeat() {
    const auto period = std::chrono::milliseconds(std::max<std::int64_t>(100, settings_.lease_seconds * 1000 / 3));
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, period, [this] { return stopping_; });
      if (stopping_ || current_.id.empty()) continue;
      ImportKey job = current_;
      lock.unlock();
      Progress progress = live_(job.id).value_or(Progress{});
      bool held = true;
      try {
        held = store_.renew_lease(job.tenant, job.id, settings_.owner, settings_.lease_seconds, progress);
      } catch (const std::exception& e) {
        log_error("cannot renew the lease", {{"import", job.id}, {"error", e.what()}});
      }
      lock.lock();
      if (!held && current_.id == job.id) lost_ = true;
    }
  }

  SharedStore& store_;
  const RunnerSettings& settings_;
  std::function<std::optional<Progress>(const std::string&)> live_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread heartbeat_;
  ImportKey current_;
  std::atomic<bool> lost_{false};
};

}  // namespace

ImportRunner::ImportRunner(Store& store, Spool& spool, RunnerSettings settings, Notifier* notifier)
    : store_(store), spool_(spool), settings_(std::move(settings)), notifier_(notifier),
      writer_(std::make_unique<BatchWriter>()) {
  if (settings_.owner.empty()) settings_.owner = default_owner();
  // Chosen once: leases on a store several servers share, a queue of its own otherwise.
  if (auto* shared = dynamic_cast<SharedStore*>(&store_))
    queue_ = std::make_unique<LeasedQueue>(*shared, settings_, [this](const std::string& id) { return progress_of(id); });
  else
    queue_ = std::make_unique<LocalQueue>(store_);
}

ImportRunner::~ImportRunner() { stop(); }

void ImportRunner::start() {
  queue_->start();
  thread_ = std::thread([this] { loop(); });
}

void ImportRunner::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  queue_->stop();
  if (thread_.joinable()) thread_.join();
}

void ImportRunner::enqueue(const std::string& import_id, std::int64_t tenant) { queue_->push(ImportKey{tenant, import_id}); }

void ImportRunner::loop() {
  while (!stopping_) {
    std::optional<ImportKey> next = queue_->take();
    if (!next) return;
    execute(*next);
    queue_->ended(*next);
  }
}

void ImportRunner::execute(const ImportKey& import) {
  // What the run leaves on this server's disk that the spool does not keep goes, however it ends.
  struct EndRun {
    Spool& spool;
    const std::string& id;
    ~EndRun() { spool.end_run(id); }
  } end_run{spool_, import.id};
  ImportRun run(store_, spool_, *writer_, settings_, counters_, notifier_, *this);
  // Time spent waiting for the store, not running: a slow import is not an outage.
  auto delay = std::chrono::milliseconds(settings_.store_retry_ms);
  std::chrono::milliseconds waited{0};
  for (;;) {
    try {
      run(import, queue_->owner());
      return;
    } catch (const LeaseLost& e) {
      // Another server holds the import now and resumes it from the checkpoint; we wrote nothing.
      log_info("lease lost; the import continues elsewhere", {{"import", import.id}, {"why", e.what()}});
      forget_progress(import.id);
      return;
    } catch (const StoreUnavailable& e) {
      // The batch in hand was not committed: run again, the import resumes from its checkpoint.
      // Under a lease the import goes back to whichever server claims it once the lease expires.
      if (!queue_->waits_out_outages()) {
        log_error("store unavailable; the import is resumed when claimed again", {{"import", import.id}, {"error", e.what()}});
        forget_progress(import.id);
        return;
      }
      if (waited + delay > std::chrono::seconds(settings_.store_outage_seconds)) {
        log_error("import failed", {{"import", import.id}, {"error", e.what()}});
        record_failure(import, std::string(e.what()) + " (the store stayed unavailable)");
        return;
      }
      log_error("store unavailable; the import resumes from its checkpoint",
                {{"import", import.id}, {"error", e.what()}, {"retry_ms", std::to_string(delay.count())}});
      std::unique_lock<std::mutex> lock(mutex_);
      if (wake_.wait_for(lock, delay, [this] { return stopping_.load(); })) return;  // resumed on restart
      waited += delay;
      delay = std::min<std::chrono::milliseconds>(delay * 2, std::chrono::seconds(30));
    } catch (const std::exception& e) {
      log_error("import failed", {{"import", import.id}, {"error", e.what()}});
      // A failed import's report files say what was found before it stopped: they are kept as a
      // finished import's are, as far as the store lets them (it may be what failed).
      if (queue_->hold(import)) spool_.keep_reports_of_failed_run(import.tenant, import.id);
      record_failure(import, e.what());
      return;
    }
  }
}

void ImportRunner::record_failure(const ImportKey& import, const std::string& why) {
  forget_progress(import.id);  // whatever the store says next, this server runs the import no more
  try {
    ImportRecord failed;
    failed.id = import.id;
    failed.tenant_id = import.tenant;
    failed.lease_owner = queue_->owner();
    store_.finish_import(failed, ImportStatus::Failed, "", "", "the import stopped: " + why,
                         now_seconds() + settings_.files_kept_seconds);
    std::optional<Tenant> tenant = store_.tenant(import.tenant);
    std::optional<ImportRecord> ended = store_.import(import.tenant, import.id);
    if (notifier_ && tenant && ended) notifier_->import_finished(*tenant, *ended);
  } catch (const LeaseLost& e) {
    log_info("the failure is not recorded: the import went to another server", {{"import", import.id}, {"why", e.what()}});
  } catch (const std::exception& again) {
    log_error("cannot record the failure", {{"import", import.id}, {"error", again.what()}});
  }
}

void ImportRunner::check_held(const ImportKey& import) {
  if (queue_->lost()) throw LeaseLost("the heartbeat found the lease on import " + import.id + " gone");
}

void ImportRunner::release(const ImportKey& import, const Progress& progress) { queue_->release(import, progress); }

void ImportRunner::batch_committed(const std::string& import_id, std::uint64_t last_row) {
  if (after_batch) after_batch(import_id, last_row);
}

void ImportRunner::progress(const std::string& import_id, const Progress& progress) {
  std::lock_guard<std::mutex> lock(mutex_);
  live_[import_id] = progress;
}

void ImportRunner::forget_progress(const std::string& import_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  live_.erase(import_id);
}

std::optional<Progress> ImportRunner::progress_of(const std::string& import_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = live_.find(import_id);
  if (it == live_.end()) return std::nullopt;
  return it->second;
}

}  // namespace rowgate::server
