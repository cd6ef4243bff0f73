#include "jobs/import_runner.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "jobs/spool.h"
#include "notify/notifier.h"
#include "rowgate/report.h"
#include "rowgate/session.h"
#include "util/clock.h"
#include "util/crypto.h"
#include "util/log.h"

namespace rowgate::server {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

File open_for_writing(const std::string& path) {
  File f(std::fopen(path.c_str(), "wb"));
  if (!f) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  return f;
}

void write_all(std::FILE* f, std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), f) != text.size()) throw std::runtime_error("writing a report file failed");
}

std::string default_owner() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" + random_hex(4);
}

std::string top_codes_json(const CodeTally& tally) {
  std::string out = "[";
  bool first = true;
  for (const auto& e : tally.top(10)) {
    if (!first) out.push_back(',');
    first = false;
    out += "{\"code\":";
    append_json_string(out, e.code);
    out += ",\"severity\":";
    append_json_string(out, severity_name(e.severity));
    out += ",\"count\":" + std::to_string(e.count) + ",\"rows\":[";
    for (std::size_t i = 0; i < e.rows.size(); ++i) out += (i ? "," : "") + std::to_string(e.rows[i]);
    out += "]}";
  }
  out.push_back(']');
  return out;
}

// What the core finds, routed: errors and results to their files, valid rows to the batch.
class JobSink : public Sink {
 public:
  JobSink(std::FILE* errors, std::FILE* results, std::size_t value_columns, bool dry_run, std::uint64_t committed,
          RunnerCounters& counters)
      : errors_(errors), results_(results), columns_(value_columns), dry_run_(dry_run), committed_(committed),
        counters_(counters) {}

  void on_finding(const Finding& f) override {
    tally.add(f);
    if (is_file_level(f) && f.severity == Severity::Error && file_error.empty()) file_error = f.message;
    write_all(errors_, errors_csv_line(f));
  }

  void on_record(const RecordResult& r) override {
    line_.clear();
    append_results_csv_line(line_, r, columns_);
    write_all(results_, line_);
    last_row = r.row;
    switch (r.outcome) {
      case Outcome::Create: ++counters_.rows_create; break;
      case Outcome::Update: ++counters_.rows_update; break;
      case Outcome::Duplicate: ++counters_.rows_duplicate; break;
      case Outcome::Error: ++counters_.rows_error; break;
    }
    bool valid = r.outcome == Outcome::Create || r.outcome == Outcome::Update;
    if (dry_run_ || !valid || r.row <= committed_) return;  // rows up to the checkpoint are stored already
    RowWrite w;
    w.row = r.row;
    w.update = r.outcome == Outcome::Update;
    w.key.assign(r.key.begin(), r.key.end());
    for (const ResultValue& v : r.values)
      if (v.present && v.valid) w.values.emplace_back(std::string(v.field), std::string(v.value));
    batch.push_back(std::move(w));
  }

  CodeTally tally;
  std::vector<RowWrite> batch;
  std::uint64_t last_row = 0;
  std::string file_error;

 private:
  std::FILE* errors_;
  std::FILE* results_;
  std::string line_;
  std::size_t columns_;
  bool dry_run_;
  std::uint64_t committed_;
  RunnerCounters& counters_;
};

}  // namespace

ImportRunner::ImportRunner(Store& store, Spool& spool, RunnerSettings settings, Notifier* notifier)
    : store_(store), spool_(spool), settings_(std::move(settings)), notifier_(notifier),
      writer_(std::make_unique<BatchWriter>()) {
  if (settings_.owner.empty()) settings_.owner = default_owner();
}

ImportRunner::~ImportRunner() { stop(); }

void ImportRunner::start() {
  if (store_.shared()) {
    log_info("claiming imports from the shared store",
             {{"owner", settings_.owner}, {"lease_seconds", std::to_string(settings_.lease_seconds)}});
    heartbeat_ = std::thread([this] { heartbeat(); });
  } else {
    for (const ImportRecord& r : store_.unfinished_imports()) {
      log_info("resuming import", {{"import", r.id}, {"status", std::string(status_name(r.status))}, {"checkpoint", std::to_string(r.last_committed_row)}});
      enqueue(r.id, r.tenant_id);
    }
  }
  thread_ = std::thread([this] { loop(); });
}

void ImportRunner::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  beat_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (heartbeat_.joinable()) heartbeat_.join();
}

void ImportRunner::enqueue(const std::string& import_id, std::int64_t tenant) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.emplace_back(import_id, tenant);
  }
  wake_.notify_all();
}

void ImportRunner::loop() {
  while (!stopping_) {
    std::pair<std::string, std::int64_t> job;
    if (store_.shared()) {
      // Any server may run any import: claim the oldest one that is free (or whose runner died).
      std::optional<ImportKey> claimed;
      try {
        claimed = store_.claim_import(settings_.owner, settings_.lease_seconds);
      } catch (const std::exception& e) {
        log_error("cannot claim an import", {{"error", e.what()}});
      }
      if (!claimed) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait_for(lock, std::chrono::milliseconds(settings_.poll_ms), [this] { return stopping_ || !queue_.empty(); });
        queue_.clear();  // only a wake-up call: the store says what to run
        continue;
      }
      log_info("claimed import", {{"import", claimed->id}, {"owner", settings_.owner}});
      {
        std::lock_guard<std::mutex> lock(mutex_);
        current_ = *claimed;
        lease_lost_ = false;
      }
      execute(claimed->id, claimed->tenant);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        current_ = ImportKey{};
      }
      continue;
    }
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = queue_.front();
      queue_.pop_front();
    }
    execute(job.first, job.second);
  }
}

void ImportRunner::execute(const std::string& import_id, std::int64_t tenant) {
  // What the run leaves on this server's disk that the spool does not keep goes, however it ends.
  struct EndRun {
    Spool& spool;
    const std::string& id;
    ~EndRun() { spool.end_run(id); }
  } end_run{spool_, import_id};
  // Time spent waiting for the store, not running: a slow import is not an outage.
  auto delay = std::chrono::milliseconds(settings_.store_retry_ms);
  std::chrono::milliseconds waited{0};
  for (;;) {
    try {
      run(import_id, tenant);
      return;
    } catch (const LeaseLost& e) {
      // Another server holds the import now and resumes it from the checkpoint; we wrote nothing.
      log_info("lease lost; the import continues elsewhere", {{"import", import_id}, {"why", e.what()}});
      forget_live(import_id);
      return;
    } catch (const StoreUnavailable& e) {
      // The batch in hand was not committed: run again, the import resumes from its checkpoint.
      // A shared store's import goes back to whichever server claims it once the lease expires.
      if (store_.shared()) {
        log_error("store unavailable; the import is resumed when claimed again", {{"import", import_id}, {"error", e.what()}});
        forget_live(import_id);
        return;
      }
      if (waited + delay > std::chrono::seconds(settings_.store_outage_seconds)) {
        log_error("import failed", {{"import", import_id}, {"error", e.what()}});
        record_failure(import_id, tenant, std::string(e.what()) + " (the store stayed unavailable)");
        return;
      }
      log_error("store unavailable; the import resumes from its checkpoint",
                {{"import", import_id}, {"error", e.what()}, {"retry_ms", std::to_string(delay.count())}});
      std::unique_lock<std::mutex> lock(mutex_);
      if (wake_.wait_for(lock, delay, [this] { return stopping_.load(); })) return;  // resumed on restart
      waited += delay;
      delay = std::min<std::chrono::milliseconds>(delay * 2, std::chrono::seconds(30));
    } catch (const std::exception& e) {
      log_error("import failed", {{"import", import_id}, {"error", e.what()}});
      if (store_.shared()) keep_drafts(import_id, tenant);
      record_failure(import_id, tenant, e.what());
      return;
    }
  }
}

// A failed import's report files say what was found before it stopped; with a shared store they
// go into the store, as a finished import's do, so that any server answers them. As far as the
// store lets them: it may be what failed. Only under the lease, renewed first: a server that
// has lost it must not overwrite the reports of the server that took the import over (the
// renewed lease keeps any other from claiming it while the files are copied).
void ImportRunner::keep_drafts(const std::string& import_id, std::int64_t tenant) {
  try {
    if (!store_.renew_lease(tenant, import_id, settings_.owner, settings_.lease_seconds, Progress{})) {
      log_info("a failed import's reports are not kept: its lease went to another server", {{"import", import_id}});
      return;
    }
  } catch (const std::exception& e) {
    log_error("cannot keep a failed import's reports", {{"import", import_id}, {"error", e.what()}});
    return;
  }
  spool_.keep_reports_of_failed_run(tenant, import_id);
}

void ImportRunner::record_failure(const std::string& import_id, std::int64_t tenant_id, const std::string& why) {
  forget_live(import_id);  // whatever the store says next, this server runs the import no more
  try {
    ImportRecord failed;
    failed.id = import_id;
    failed.tenant_id = tenant_id;
    if (store_.shared()) failed.lease_owner = settings_.owner;
    store_.finish_import(failed, ImportStatus::Failed, "", "", "the import stopped: " + why, now_seconds() + settings_.files_kept_seconds);
    std::optional<Tenant> tenant = store_.tenant(tenant_id);
    std::optional<ImportRecord> ended = store_.import(tenant_id, import_id);
    if (notifier_ && tenant && ended) notifier_->import_finished(*tenant, *ended);
  } catch (const LeaseLost& e) {
    log_info("the failure is not recorded: the import went to another server", {{"import", import_id}, {"why", e.what()}});
  } catch (const std::exception& again) {
    log_error("cannot record the failure", {{"import", import_id}, {"error", again.what()}});
  }
}

// Renews the lease of the import in hand a third of the lease apart, and with it the progress
// that any server shows. A renewal that finds the lease gone tells run() to stop.
void ImportRunner::heartbeat() {
  const auto period = std::chrono::milliseconds(std::max<std::int64_t>(100, settings_.lease_seconds * 1000 / 3));
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    beat_.wait_for(lock, period, [this] { return stopping_.load(); });
    if (stopping_ || current_.id.empty()) continue;
    ImportKey job = current_;
    Progress progress;
    if (auto it = live_.find(job.id); it != live_.end()) progress = it->second;
    lock.unlock();
    bool held = true;
    try {
      held = store_.renew_lease(job.tenant, job.id, settings_.owner, settings_.lease_seconds, progress);
    } catch (const std::exception& e) {
      log_error("cannot renew the lease", {{"import", job.id}, {"error", e.what()}});
    }
    lock.lock();
    if (!held && current_.id == job.id) lease_lost_ = true;
  }
}

void ImportRunner::run(const std::string& import_id, std::int64_t tenant_id) {
  std::optional<ImportRecord> found = store_.import(tenant_id, import_id);
  if (!found) return;
  ImportRecord import = *found;
  const bool shared = store_.shared();
  if (shared) import.lease_owner = settings_.owner;
  const ImportStatus phase = running_phase(import.dry_run);
  if (!store_.set_status(tenant_id, import_id, phase, sources_of(phase))) return;  // cancelled meanwhile

  TemplateLoad tmpl = parse_template(import.template_json);
  if (!tmpl.ok) throw std::runtime_error("its template cannot be used: " + tmpl.error);
  Options options;
  Status parsed = parse_options_json(import.options_json, &options);
  if (!parsed.ok) throw std::runtime_error("its options cannot be used: " + parsed.message);
  options.want_values = true;

  // The context: the tenant's groups, and the keys stored before this import began (a resumed
  // import must not see its own earlier batches as existing records).
  Context context;
  ContextLoad fixed = parse_context("{\"fixed\": " + (import.fixed_json.empty() ? std::string("{}") : import.fixed_json) + "}");
  if (!fixed.ok) throw std::runtime_error("its fixed values cannot be used: " + fixed.error);
  context.fixed = std::move(fixed.value.fixed);
  context.sets.emplace_back("groups", store_.groups(tenant_id));
  store_.for_each_key(tenant_id, import.template_name, import.id, [&](const std::vector<std::string_view>& parts) {
    context.existing_hashes.push_back(key_hash(tmpl.value, parts));
  });

  spool_.prepare(import_id);
  File errors = open_for_writing(spool_.report_path(import_id, ReportFile::Errors));
  File results = open_for_writing(spool_.report_path(import_id, ReportFile::Results));
  write_all(errors.get(), errors_csv_header());
  std::vector<std::string_view> names;
  for (const Field& f : tmpl.value.fields) names.push_back(f.key);
  write_all(results.get(), results_csv_header(names));

  JobSink sink(errors.get(), results.get(), tmpl.value.fields.size(), import.dry_run, import.last_committed_row, counters_);
  Session session(tmpl.value, context, options, sink);
  if (!session.status().ok) throw std::runtime_error(session.status().message);

  // Valid rows are committed in batches on the writer's thread while the core validates the
  // next batch; each batch and its checkpoint go in one transaction, in order. A cancel seen by
  // the writer stops the batches not yet begun.
  Progress progress;
  std::atomic<bool> cancelled_before_commit{false};
  struct Abandon {  // leaving early: the batch in hand ends before what it refers to goes
    BatchWriter& writer;
    ~Abandon() { writer.abandon(); }
  } abandon_on_exit{*writer_};
  auto flush = [&](bool force) {
    if (import.dry_run) return;  // nothing to write; live progress is in memory
    if (sink.batch.size() < settings_.batch_rows && !force) return;
    std::uint64_t checkpoint = std::max(sink.last_row, import.last_committed_row);
    auto rows = std::make_shared<std::vector<RowWrite>>(std::move(sink.batch));
    sink.batch = {};
    sink.batch.reserve(std::min<std::size_t>(settings_.batch_rows, 1 << 16));
    writer_->submit([this, &import, &cancelled_before_commit, rows, checkpoint, progress] {
      if (cancelled_before_commit || store_.cancel_requested(import.tenant_id, import.id)) {
        cancelled_before_commit = true;
        return;
      }
      auto t0 = std::chrono::steady_clock::now();
      store_.commit_batch(import, *rows, checkpoint, progress);
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
      log_info("batch committed", {{"import", import.id}, {"rows", std::to_string(rows->size())},
                                   {"checkpoint", std::to_string(checkpoint)}, {"ms", std::to_string(ms)}});
      if (after_batch) after_batch(import.id, checkpoint);
    });
  };

  bool cancelled = false;
  for (const PartInfo& part : store_.parts(tenant_id, import_id)) {
    std::unique_ptr<PartReader> in = spool_.open_part(tenant_id, import_id, part.n);
    for (std::string_view chunk = in->next(); !chunk.empty(); chunk = in->next()) {
      session.feed(chunk);
      progress.bytes_done += chunk.size();
      progress.rows_done = session.summary().rows;
      live_progress(import_id, progress);
      flush(false);
      writer_->check();  // a batch that failed ends the import now
      if (lease_lost_) throw LeaseLost("the heartbeat found the lease on import " + import_id + " gone");
      if (store_.cancel_requested(tenant_id, import_id)) {
        cancelled = true;
        break;
      }
      if (stopping_) {
        // Shutting down: commit what is in hand and leave the import for the next start (or,
        // with a shared store, let the lease go at once so that another server takes it up).
        flush(true);
        writer_->drain();
        if (shared) store_.renew_lease(tenant_id, import_id, settings_.owner, 0, progress);
        log_info("import checkpointed for shutdown", {{"import", import_id}, {"row", std::to_string(sink.last_row)}});
        forget_live(import_id);
        return;
      }
    }
    if (cancelled) break;
  }
  std::string summary;
  ImportStatus status;
  if (!cancelled) {
    session.finish();
    progress.rows_done = session.summary().rows;
    flush(true);
  }
  writer_->drain();
  if (cancelled || cancelled_before_commit) status = ImportStatus::Cancelled;
  else status = session.file_error() ? ImportStatus::Failed : ImportStatus::Done;
  store_.set_progress(tenant_id, import_id, progress);
  summary = summary_json(session.summary());
  if (std::fflush(errors.get()) != 0 || std::fflush(results.get()) != 0) throw std::runtime_error("writing the report files failed");
  errors.reset();
  results.reset();
  spool_.keep_reports(tenant_id, import_id);  // before the status says they exist
  store_.finish_import(import, status, summary, top_codes_json(sink.tally), status == ImportStatus::Failed ? sink.file_error : "",
                       now_seconds() + settings_.files_kept_seconds);
  forget_live(import_id);
  spool_.remove_parts(tenant_id, import_id);  // the store has the rows and the reports; the raw upload goes
  log_info("import ended", {{"import", import_id}, {"status", std::string(status_name(status))}, {"rows", std::to_string(session.summary().rows)}});
  if (notifier_) {
    std::optional<Tenant> tenant = store_.tenant(tenant_id);
    std::optional<ImportRecord> ended = store_.import(tenant_id, import_id);
    if (tenant && ended) notifier_->import_finished(*tenant, *ended);
  }
}

void ImportRunner::live_progress(const std::string& import_id, const Progress& progress) {
  std::lock_guard<std::mutex> lock(mutex_);
  live_[import_id] = progress;
}

void ImportRunner::forget_live(const std::string& import_id) {
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
