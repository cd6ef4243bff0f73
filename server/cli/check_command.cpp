#include "cli/check_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "cli/files.h"
#include "rowgate/check_args.h"
#include "rowgate/report.h"

namespace rowgate::cli {
namespace {

constexpr std::size_t kChunk = 1 << 20;

// Streams what the session finds: errors and results go to their files as they come, findings
// are kept only for --json, and a tally feeds the human summary.
class CheckSink : public Sink {
 public:
  CheckSink(bool keep_findings, std::FILE* errors, std::FILE* results, bool results_jsonl, std::size_t value_columns)
      : keep_(keep_findings), errors_(errors), results_(results), jsonl_(results_jsonl), columns_(value_columns) {}

  void on_finding(const Finding& f) override {
    tally.add(f);
    if (is_file_level(f)) file_level.push_back(f);
    if (keep_) findings.push_back(f);
    if (errors_) {
      std::string line = errors_csv_line(f);
      std::fwrite(line.data(), 1, line.size(), errors_);
    }
  }

  void on_record(const RecordResult& r) override {
    if (!results_) return;
    std::string line = jsonl_ ? result_jsonl(r) + "\n" : results_csv_line(r, columns_);
    std::fwrite(line.data(), 1, line.size(), results_);
  }

  CodeTally tally;
  std::vector<Finding> findings;
  std::vector<Finding> file_level;

 private:
  bool keep_;
  std::FILE* errors_;
  std::FILE* results_;
  bool jsonl_;
  std::size_t columns_;
};

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

File open_output(const std::string& path, std::string* error) {
  if (path.empty()) return nullptr;
  File f(std::fopen(path.c_str(), "wb"));
  if (!f) *error = "cannot write " + path + ": " + std::strerror(errno);
  return f;
}

class Progress {
 public:
  explicit Progress(std::uint64_t total) : total_(total), on_(total >= (32u << 20) && isatty(STDERR_FILENO)) {}
  void update(std::uint64_t done, std::uint64_t rows) {
    if (!on_) return;
    int percent = static_cast<int>(done * 100 / total_);
    if (percent == last_) return;
    last_ = percent;
    int bar = percent / 4;
    std::fprintf(stderr, "\r[%-25.*s] %3d%%  %llu rows", bar, "#########################", percent,
                 static_cast<unsigned long long>(rows));
    std::fflush(stderr);
  }
  void done() {
    if (on_ && last_ >= 0) std::fprintf(stderr, "\r%60s\r", "");
  }

 private:
  std::uint64_t total_;
  bool on_;
  int last_ = -1;
};

int fail(const std::string& message) {
  std::fprintf(stderr, "rowgate check: %s\n", message.c_str());
  return 2;
}

}  // namespace

int run_check(const std::vector<std::string>& words) {
  CheckArgs args;
  Status parsed = parse_check_args(words, &args);
  if (args.help) {
    std::fputs(check_usage(), stdout);
    return 0;
  }
  if (!parsed.ok) {
    std::fprintf(stderr, "rowgate check: %s\n%s", parsed.message.c_str(), check_usage());
    return 2;
  }

  TemplateLoad tmpl;
  if (args.template_is_file) {
    std::string text, error;
    if (!read_small_file(args.template_arg, &text, &error)) return fail(error);
    tmpl = parse_template(text);
  } else {
    tmpl = builtin_template(args.template_arg);
  }
  if (!tmpl.ok) {
    bool to_stdout = false;
    std::string text = check_template_failure(args, tmpl.error, &to_stdout);
    std::fputs(text.c_str(), to_stdout ? stdout : stderr);
    return 2;
  }
  Context context;
  if (!args.context_file.empty()) {
    std::string text, error;
    if (!read_small_file(args.context_file, &text, &error)) return fail(error);
    ContextLoad loaded = parse_context(text);
    if (!loaded.ok) return fail(check_context_failure(args, loaded.error));
    context = std::move(loaded.value);
  }

  int fd = args.file == "-" ? STDIN_FILENO : ::open(args.file.c_str(), O_RDONLY);
  if (fd < 0) return fail("cannot open " + args.file + ": " + std::strerror(errno));
  struct stat st {};
  std::uint64_t total = (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) ? static_cast<std::uint64_t>(st.st_size) : 0;

  std::string error;
  File errors = open_output(args.errors_file, &error);
  if (!error.empty()) return fail(error);
  File results = open_output(args.results_file, &error);
  if (!error.empty()) return fail(error);
  bool results_jsonl = args.results_jsonl;
  std::size_t value_columns = tmpl.value.fields.size();
  if (errors) std::fputs(std::string(errors_csv_header()).c_str(), errors.get());
  if (results && !results_jsonl) {
    std::vector<std::string_view> names;
    for (const Field& f : tmpl.value.fields) names.push_back(f.key);
    std::fputs(results_csv_header(names).c_str(), results.get());
  }

  CheckSink sink(args.json, errors.get(), results.get(), results_jsonl, value_columns);
  Session session(std::move(tmpl.value), context, args.options, sink);
  if (!session.status().ok) {
    if (fd != STDIN_FILENO) ::close(fd);
    return fail(session.status().message);
  }
  Progress progress(total);
  std::unique_ptr<char[]> buffer(new char[kChunk]);
  for (;;) {
    ssize_t n = ::read(fd, buffer.get(), kChunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string why = std::strerror(errno);
      if (fd != STDIN_FILENO) ::close(fd);
      return fail("cannot read " + args.file + ": " + why);
    }
    if (n == 0) break;
    session.feed(std::string_view(buffer.get(), static_cast<std::size_t>(n)));
    progress.update(session.bytes_in(), session.summary().rows);
  }
  if (fd != STDIN_FILENO) ::close(fd);
  session.finish();
  progress.done();

  if (args.json) {
    std::string out = report_json(session, sink.findings);
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else {
    std::string out = summary_text(session, sink.tally, sink.file_level, check_file_name(args));
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  if ((errors && std::ferror(errors.get())) || (results && std::ferror(results.get())))
    return fail("writing the errors or results file failed");
  return check_exit_status(session);
}

}  // namespace rowgate::cli
