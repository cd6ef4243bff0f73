#include "cli/check_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "cli/files.h"
#include "rowgate/check_run.h"
#include "util/file.h"

namespace rowgate::cli {
namespace {

using server::File;

constexpr std::size_t kChunk = 1 << 20;


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

// A regular file, read at any offset (pread): what a workbook needs.
class OpenFile : public RandomAccessFile {
 public:
  OpenFile(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
  std::uint64_t size() const override { return size_; }
  std::size_t read(std::uint64_t offset, char* out, std::size_t n) override {
    for (;;) {
      ssize_t got = ::pread(fd_, out, n, static_cast<off_t>(offset));
      if (got >= 0) return static_cast<std::size_t>(got);
      if (errno != EINTR) {
        failed_ = errno;
        return 0;
      }
    }
  }
  int failed() const { return failed_; }

 private:
  int fd_;
  std::uint64_t size_;
  int failed_ = 0;
};

int fail(const std::string& message) {
  std::fprintf(stderr, "rowgate check: %s\n", message.c_str());
  return 2;
}

}  // namespace

int run_check(const std::vector<std::string>& words) {
  // The command is the core's CheckRun; this moves bytes between it and the files.
  CheckRun run(words);
  const CheckArgs& args = run.args();
  if (args.help) {
    std::fputs(check_usage(), stdout);
    return 0;
  }
  if (!run.parsed().ok) {
    std::fprintf(stderr, "rowgate check: %s\n%s", run.parsed().message.c_str(), check_usage());
    return 2;
  }

  std::string template_text;
  if (args.template_is_file) {
    std::string error;
    if (!read_small_file(args.template_arg, &template_text, &error)) return fail(error);
  }
  {
    std::string out, err;
    if (!run.load_template(template_text, &out, &err)) {
      std::fputs(out.c_str(), stdout);
      std::fputs(err.c_str(), stderr);
      return 2;
    }
  }
  if (!args.context_file.empty()) {
    std::string text, error;
    if (!read_small_file(args.context_file, &text, &error)) return fail(error);
    if (!run.load_context(text, &error)) return fail(error);
  }
  if (!run.args().edits_file.empty()) {
    std::string text, error;
    if (!read_small_file(run.args().edits_file, &text, &error)) return fail(error);
    if (!run.load_edits(text, &error)) return fail(error);
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
  auto write_files = [&] {
    for (auto [file, bytes] : {std::pair{errors.get(), &run.errors_bytes()}, std::pair{results.get(), &run.results_bytes()}}) {
      if (file && !bytes->empty()) std::fwrite(bytes->data(), 1, bytes->size(), file);
      bytes->clear();
    }
  };

  // The results CSV made whole once the run is over, when a column was found after its header.
  auto finish_results = [&](std::string& why) {
    if (!results || !run.results_header_grew()) return true;
    if (std::fflush(results.get()) != 0 || std::ferror(results.get())) {
      why = "writing the errors or results file failed";
      return false;
    }
    ResultsCsvRewrite rewrite = run.results_rewrite();
    return server::rewrite_file(args.results_file, [&](std::string_view bytes) { return rewrite.feed(bytes); }, &why);
  };

  bool started = run.start(&error);
  write_files();  // the files' headers, also when the options turn out not to fit
  if (!started) {
    if (fd != STDIN_FILENO) ::close(fd);
    return fail(error);
  }
  Progress progress(total);
  if (total > 0) {
    // A regular file: the session reads it, at any offset it needs.
    OpenFile file(fd, total);
    while (!run.read(file, kChunk)) {
      write_files();
      progress.update(run.session().bytes_in(), run.session().summary().rows);
    }
    if (fd != STDIN_FILENO) ::close(fd);
    if (file.failed()) return fail("cannot read " + args.file + ": " + std::strerror(file.failed()));
    write_files();
    progress.done();
    if (std::string why; !finish_results(why)) return fail(why);
    std::string out = run.output();
    std::fwrite(out.data(), 1, out.size(), stdout);
    if ((errors && std::ferror(errors.get())) || (results && std::ferror(results.get())))
      return fail("writing the errors or results file failed");
    return run.exit_status();
  }
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
    run.feed(std::string_view(buffer.get(), static_cast<std::size_t>(n)));
    write_files();
    progress.update(run.session().bytes_in(), run.session().summary().rows);
  }
  if (fd != STDIN_FILENO) ::close(fd);
  run.finish();
  write_files();
  progress.done();
  if (std::string why; !finish_results(why)) return fail(why);

  std::string out = run.output();
  std::fwrite(out.data(), 1, out.size(), stdout);
  if ((errors && std::ferror(errors.get())) || (results && std::ferror(results.get())))
    return fail("writing the errors or results file failed");
  return run.exit_status();
}

}  // namespace rowgate::cli
