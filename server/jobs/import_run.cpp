#include "jobs/import_run.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <cerrno>
#include <memory>
#include <mutex>
#include <stdexcept>

#include <unistd.h>

#include "jobs/batch_writer.h"
#include "jobs/spool.h"
#include "rowgate/workbook.h"
#include "notify/notifier.h"
#include "rowgate/report.h"
#include "rowgate/report_writer.h"
#include "rowgate/session.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/file.h"

namespace rowgate::server {
namespace {


File open_for_writing(const std::string& path) {
  File f(std::fopen(path.c_str(), "wb"));
  if (!f) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  return f;
}

void write_all(std::FILE* f, std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), f) != text.size()) throw std::runtime_error("writing a report file failed");
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

// The server's words for the controls that fix a finding: the fields of the import request.
const HintWords kRestHints{" with the import's \"mapping\"", " with the import's \"encoding\" option"};

// What the core finds, after its ReportWriter has written it into the report files: the valid
// rows go to the batch, the outcomes to the runner's counters.
class JobSink : public Sink {
 public:
  JobSink(bool dry_run, std::uint64_t committed, RunnerCounters& counters)
      : dry_run_(dry_run), committed_(committed), counters_(counters) {}

  void on_finding(const Finding&) override {}

  void on_record(const RecordResult& r) override {
    switch (r.outcome) {
      case Outcome::Create: ++counters_.rows_create; break;
      case Outcome::Update: ++counters_.rows_update; break;
      case Outcome::Duplicate: ++counters_.rows_duplicate; break;
      case Outcome::Error: ++counters_.rows_error; break;
    }
    bool valid = r.outcome == Outcome::Create || r.outcome == Outcome::Update;
    if (dry_run_ || !valid || r.row <= committed_) return;  // rows up to the checkpoint are stored already
    batch.push_back(row_write(r));
  }

  std::vector<RowWrite> batch;

 private:
  bool dry_run_;
  std::uint64_t committed_;
  RunnerCounters& counters_;
};

}  // namespace

void ImportRun::operator()(const ImportKey& key, const std::string& owner) {
  const std::string& import_id = key.id;
  const std::int64_t tenant_id = key.tenant;
  std::optional<ImportRecord> found = store_.import(tenant_id, import_id);
  if (!found) return;
  ImportRecord import = *found;
  import.lease_owner = owner;
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
  context.sets.emplace_back("segments", store_.segments(tenant_id));
  store_.for_each_key(tenant_id, tmpl.value, import.id, [&](const std::vector<std::string_view>& parts) {
    context.existing_hashes.push_back(key_hash(tmpl.value, parts));
  });

  spool_.prepare(import_id);
  File errors = open_for_writing(spool_.report_path(import_id, ReportFile::Errors));
  File results = open_for_writing(spool_.report_path(import_id, ReportFile::Results));
  // The report files are the core's bytes (as rowgate check --errors --results writes them, in
  // the REST API's words), written out after each chunk.
  JobSink sink(import.dry_run, import.last_committed_row, counters_);
  ReportOutputs outputs;
  outputs.errors_csv = true;
  outputs.results = ResultsFormat::Csv;
  outputs.hints = kRestHints;
  ReportWriter report(tmpl.value, outputs, &sink);
  std::uint64_t errors_size = 0, results_size = 0;  // bytes written to each file so far
  auto write_reports = [&] {
    write_all(errors.get(), report.errors_bytes());
    write_all(results.get(), report.results_bytes());
    errors_size += report.errors_bytes().size();
    results_size += report.results_bytes().size();
    report.errors_bytes().clear();
    report.results_bytes().clear();
  };
  write_reports();
  // What a cancelled import reports: the rows up to the last batch committed, not every row the
  // core had checked by then (it runs ahead of the writer). Taken as each batch is handed to the
  // writer, kept once the writer has committed it.
  struct Reported {
    Summary summary;
    std::string top_codes = "[]";
    std::uint64_t errors_size = 0, results_size = 0;
  };
  std::mutex committed_mutex;
  Reported committed{Summary{}, "[]", errors_size, results_size};
  Session session(tmpl.value, context, options, report);
  if (!session.status().ok) throw std::runtime_error(session.status().message);
  auto reported_now = [&] { return Reported{session.summary(), top_codes_json(report.tally()), errors_size, results_size}; };

  // Valid rows are committed in batches on the writer's thread while the core validates the
  // next batch; each batch and its checkpoint go in one transaction, in order. A cancel seen by
  // the writer stops the batches not yet begun.
  Progress progress;
  std::atomic<bool> cancelled_before_commit{false};
  struct Abandon {  // leaving early: the batch in hand ends before what it refers to goes
    BatchWriter& writer;
    ~Abandon() { writer.abandon(); }
  } abandon_on_exit{writer_};
  auto flush = [&](bool force) {
    if (import.dry_run) return;  // nothing to write; live progress is in memory
    if (sink.batch.size() < settings_.batch_rows && !force) return;
    std::uint64_t checkpoint = std::max(report.last_row(), import.last_committed_row);
    auto rows = std::make_shared<std::vector<RowWrite>>(std::move(sink.batch));
    sink.batch = {};
    sink.batch.reserve(std::min<std::size_t>(settings_.batch_rows, 1 << 16));
    auto reported = std::make_shared<Reported>(reported_now());
    writer_.submit([this, &import, &tmpl, &cancelled_before_commit, &committed_mutex, &committed, rows, checkpoint, progress,
                    reported] {
      if (cancelled_before_commit || store_.cancel_requested(import.tenant_id, import.id)) {
        cancelled_before_commit = true;
        return;
      }
      auto t0 = std::chrono::steady_clock::now();
      store_.commit_batch(import, tmpl.value, *rows, checkpoint, progress);
      {
        std::lock_guard<std::mutex> lock(committed_mutex);
        committed = std::move(*reported);
      }
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
      log_info("batch committed", {{"import", import.id}, {"rows", std::to_string(rows->size())},
                                   {"checkpoint", std::to_string(checkpoint)}, {"ms", std::to_string(ms)}});
      host_.batch_committed(import.id, checkpoint);
    });
  };

  // After each piece the core has taken: reports, progress, the batch, the lease, a cancel or a
  // shutdown. Stop when the import is cancelled; Leave when this server lets it go.
  enum class Next { Go, Stop, Leave };
  bool batches_failed = false;
  auto after_piece = [&]() -> Next {
    write_reports();
    if (!import.dry_run && report.last_row() <= import.last_committed_row) {
      // A resumed import reading again the rows an earlier run committed.
      std::lock_guard<std::mutex> lock(committed_mutex);
      committed = reported_now();
    }
    progress.bytes_done = session.bytes_in();
    progress.rows_done = session.summary().rows;
    host_.progress(import_id, progress);
    try {
      flush(false);
      writer_.check();  // a batch that failed ends the import now
    } catch (...) {
      batches_failed = true;  // and nothing after it may be committed
      throw;
    }
    host_.check_held(key);  // throws LeaseLost once the lease is found gone
    if (store_.cancel_requested(tenant_id, import_id)) return Next::Stop;
    if (host_.stopping()) {
      // Shutting down: commit what is in hand and leave the import for the next start (or,
      // under a lease, let it go at once so that another server takes it up).
      flush(true);
      writer_.drain();
      host_.release(key, progress);
      log_info("import checkpointed for shutdown", {{"import", import_id}, {"row", std::to_string(report.last_row())}});
      host_.forget_progress(import_id);
      return Next::Leave;
    }
    return Next::Go;
  };

  bool cancelled = false;
  std::vector<PartInfo> parts = store_.parts(tenant_id, import_id);
  std::string head;
  if (!parts.empty()) {
    std::unique_ptr<PartReader> first = spool_.open_part(tenant_id, import_id, parts.front().n);
    head = std::string(first->next().substr(0, 8));
  }
  // The upload found unreadable half-way (a part missing from the store): the rows validated
  // before it, which the report files already list, are committed before the import fails, so
  // that its reports and the store agree. After a failed batch or a lost lease nothing more is
  // committed (a later batch must never pass over a failed one).
  auto commit_in_hand = [&] {
    if (batches_failed) return;
    try {
      flush(true);
      writer_.drain();
    } catch (const std::exception& e) {
      log_info("rows in hand not committed", {{"import", import_id}, {"why", e.what()}});
    }
  };
  try {
    if (reads_as_workbook(head, options.format)) {
      // A workbook is read where the core needs it (its directory is at its end), a few MiB of
      // its sheet at a time.
      std::unique_ptr<RandomAccessFile> upload = spool_.open_upload(tenant_id, import_id);
      for (bool done = false; !done;) {
        done = session.read(*upload, std::uint64_t{4} << 20);
        Next next = after_piece();
        if (next == Next::Leave) return;
        if (next == Next::Stop) {
          cancelled = !done;
          break;
        }
      }
    } else {
      for (const PartInfo& part : parts) {
        std::unique_ptr<PartReader> in = spool_.open_part(tenant_id, import_id, part.n);
        for (std::string_view chunk = in->next(); !chunk.empty(); chunk = in->next()) {
          session.feed(chunk);
          Next next = after_piece();
          if (next == Next::Leave) return;
          if (next == Next::Stop) {
            cancelled = true;
            break;
          }
        }
        if (cancelled) break;
      }
    }
  } catch (const LeaseLost&) {
    throw;
  } catch (...) {
    commit_in_hand();
    throw;
  }
  std::string summary;
  ImportStatus status;
  if (!cancelled) {
    session.finish();
    write_reports();
    progress.rows_done = session.summary().rows;
    flush(true);
  }
  writer_.drain();
  if (cancelled || cancelled_before_commit) status = ImportStatus::Cancelled;
  else status = session.file_error() ? ImportStatus::Failed : ImportStatus::Done;
  store_.set_progress(tenant_id, import_id, progress);
  summary = summary_json(session.summary());
  std::string top_codes = top_codes_json(report.tally());
  if (std::fflush(errors.get()) != 0 || std::fflush(results.get()) != 0) throw std::runtime_error("writing the report files failed");
  if (status == ImportStatus::Cancelled && !import.dry_run) {
    // The summary and the files of a cancelled import say what the store holds: the rows up to
    // the last batch committed (the writer has stopped: drained above).
    std::lock_guard<std::mutex> lock(committed_mutex);
    summary = summary_json(committed.summary);
    top_codes = committed.top_codes;
    if (::ftruncate(::fileno(errors.get()), static_cast<off_t>(committed.errors_size)) != 0 ||
        ::ftruncate(::fileno(results.get()), static_cast<off_t>(committed.results_size)) != 0)
      throw std::runtime_error(std::string("cutting the report files to the rows committed failed: ") + std::strerror(errno));
  }
  errors.reset();
  results.reset();
  if (report.results_header_grew()) {
    // A dynamic column (customFields.tier) first seen after the first lines: the results file
    // made whole, its final header and every line as wide.
    ResultsCsvRewrite rewrite(report);
    std::string why;
    if (!rewrite_file(spool_.report_path(import_id, ReportFile::Results), [&](std::string_view b) { return rewrite.feed(b); }, &why))
      throw std::runtime_error(why);
  }
  spool_.keep_reports(tenant_id, import_id);  // before the status says they exist
  store_.finish_import(import, status, summary, top_codes, status == ImportStatus::Failed ? report.file_error_message() : "",
                       now_seconds() + settings_.files_kept_seconds);
  host_.forget_progress(import_id);
  spool_.remove_parts(tenant_id, import_id);  // the store has the rows and the reports; the raw upload goes
  log_info("import ended", {{"import", import_id}, {"status", std::string(status_name(status))}, {"rows", std::to_string(session.summary().rows)}});
  if (notifier_) {
    std::optional<Tenant> tenant = store_.tenant(tenant_id);
    std::optional<ImportRecord> ended = store_.import(tenant_id, import_id);
    if (tenant && ended) notifier_->import_finished(*tenant, *ended);
  }
}

}  // namespace rowgate::server
