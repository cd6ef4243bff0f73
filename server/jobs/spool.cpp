#include "jobs/spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "store/shared_store.h"
#include "util/log.h"
#include "util/file.h"

namespace rowgate::server {
namespace {

constexpr std::size_t kChunk = 1 << 20;


// Fsyncs a file or folder, so that what was written survives a crash.
void sync_path(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) throw std::runtime_error("cannot open " + path + " to sync it");
  int failed = ::fsync(fd) != 0 ? errno : 0;
  ::close(fd);
  if (failed) throw std::runtime_error("cannot sync " + path + ": " + std::strerror(failed));
}

// Writes `data` to a new file at `path` and fsyncs it; 0, or the errno of the first failure
// (the partial file is removed then).
int write_durably(const std::string& path, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return errno;
  int failed = 0;
  while (!data.empty() && !failed) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) failed = n < 0 ? errno : EIO;
    else data.remove_prefix(static_cast<std::size_t>(n));
  }
  if (!failed && ::fsync(fd) != 0) failed = errno;  // a full disk may only say so here
  if (::close(fd) != 0 && !failed) failed = errno;
  if (failed) ::unlink(path.c_str());
  return failed;
}

// A part spooled on this server's disk, read in chunks.
class FilePart : public PartReader {
 public:
  explicit FilePart(File in) : in_(std::move(in)), buffer_(new char[kChunk]) {}
  std::string_view next() override { return std::string_view(buffer_.get(), std::fread(buffer_.get(), 1, kChunk, in_.get())); }

 private:
  File in_;
  std::unique_ptr<char[]> buffer_;
};

// A part from the shared store, held whole (at most 8 MiB) and handed out in chunks.
// Files read at any offset as one, one after another (the spooled parts of an upload); a file
// named `remove` is deleted with it.
class JoinedFiles : public RandomAccessFile {
 public:
  JoinedFiles(const std::vector<std::string>& paths, std::string remove = {}) : remove_(std::move(remove)) {
    for (const std::string& path : paths) {
      int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
      fds_.push_back(fd);
      starts_.push_back(size_);
      size_ += static_cast<std::uint64_t>(::lseek(fd, 0, SEEK_END));
    }
  }
  ~JoinedFiles() override {
    for (int fd : fds_) ::close(fd);
    if (!remove_.empty()) ::unlink(remove_.c_str());
  }
  std::uint64_t size() const override { return size_; }
  std::size_t read(std::uint64_t offset, char* out, std::size_t n) override {
    if (offset >= size_ || fds_.empty()) return 0;
    std::size_t i = static_cast<std::size_t>(std::upper_bound(starts_.begin(), starts_.end(), offset) - starts_.begin()) - 1;
    std::uint64_t end = i + 1 < starts_.size() ? starts_[i + 1] : size_;
    n = static_cast<std::size_t>(std::min<std::uint64_t>(n, end - offset));
    for (;;) {
      ssize_t got = ::pread(fds_[i], out, n, static_cast<off_t>(offset - starts_[i]));
      if (got >= 0) return static_cast<std::size_t>(got);
      if (errno != EINTR) throw std::runtime_error(std::string("cannot read the spooled upload: ") + std::strerror(errno));
    }
  }

 private:
  std::vector<int> fds_;
  std::vector<std::uint64_t> starts_;
  std::uint64_t size_ = 0;
  std::string remove_;
};

class HeldPart : public PartReader {
 public:
  explicit HeldPart(std::string bytes) : bytes_(std::move(bytes)) {}
  std::string_view next() override {
    std::size_t n = std::min(kChunk, bytes_.size() - at_);
    std::string_view chunk(bytes_.data() + at_, n);
    at_ += n;
    return chunk;
  }

 private:
  std::string bytes_;
  std::size_t at_ = 0;
};

}  // namespace

std::string_view report_file_name(ReportFile file) { return file == ReportFile::Errors ? "errors.csv" : "results.csv"; }

// ---- What both spools share ---------------------------------------------------------------------

Spool::Spool(Store& store, std::string data_dir) : store_(store), data_dir_(std::move(data_dir)) {
  std::filesystem::create_directories(data_dir_ + "/imports");
}

std::string Spool::import_dir(const std::string& id) const { return data_dir_ + "/imports/" + id; }

std::string Spool::report_path(const std::string& id, ReportFile file) const {
  return import_dir(id) + "/" + std::string(report_file_name(file));
}

void Spool::prepare(const std::string& import_id) { std::filesystem::create_directories(import_dir(import_id)); }

void Spool::remove_expired(std::int64_t now) {
  for (const ImportKey& expired : store_.expired_files(now)) {
    std::error_code ec;
    std::filesystem::remove(report_path(expired.id, ReportFile::Errors), ec);
    std::filesystem::remove(report_path(expired.id, ReportFile::Results), ec);
    store_.forget_files(expired.tenant, expired.id);
    log_info("report files expired", {{"import", expired.id}});
  }
}

std::unique_ptr<Spool> make_spool(Store& store, const std::string& data_dir) {
  if (auto* shared = dynamic_cast<SharedStore*>(&store)) return std::make_unique<SharedSpool>(*shared, data_dir);
  return std::make_unique<LocalSpool>(store, data_dir);
}

// ---- On this server's disk ----------------------------------------------------------------------

LocalSpool::LocalSpool(Store& store, std::string data_dir) : Spool(store, std::move(data_dir)) {}

std::string LocalSpool::part_path(const std::string& id, std::uint32_t n) const {
  return import_dir(id) + "/part-" + std::to_string(n);
}

// Write, fsync, rename, fsync the folder; only then record the part.
void LocalSpool::put_part(std::int64_t tenant, const std::string& import_id, const PartInfo& part,
                          std::string_view bytes) {
  std::string path = part_path(import_id, part.n);
  std::string tmp = path + ".tmp";
  if (int err = write_durably(tmp, bytes)) {
    if (err == ENOSPC || err == EDQUOT || err == EFBIG) throw SpoolFull("no room for " + tmp + ": " + std::strerror(err));
    throw std::runtime_error("cannot spool " + tmp + ": " + std::strerror(err));
  }
  std::filesystem::rename(tmp, path);
  sync_path(import_dir(import_id), true);
  store_.put_part(tenant, import_id, part);
}

// Any spool: the parts copied, in order, into one file on this server's disk.
std::unique_ptr<RandomAccessFile> Spool::open_upload(std::int64_t tenant, const std::string& import_id) {
  prepare(import_id);
  std::string path = import_dir(import_id) + "/upload.joined";
  {
    File out(std::fopen(path.c_str(), "wb"));
    if (!out) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    for (const PartInfo& part : store_.parts(tenant, import_id)) {
      std::unique_ptr<PartReader> in = open_part(tenant, import_id, part.n);
      for (std::string_view chunk = in->next(); !chunk.empty(); chunk = in->next())
        if (std::fwrite(chunk.data(), 1, chunk.size(), out.get()) != chunk.size())
          throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    }
    if (std::fflush(out.get()) != 0) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  }
  return std::make_unique<JoinedFiles>(std::vector<std::string>{path}, path);
}

// The local spool's parts are files already: read in place.
std::unique_ptr<RandomAccessFile> LocalSpool::open_upload(std::int64_t tenant, const std::string& import_id) {
  std::vector<std::string> paths;
  for (const PartInfo& part : store_.parts(tenant, import_id)) paths.push_back(part_path(import_id, part.n));
  return std::make_unique<JoinedFiles>(paths);
}

std::unique_ptr<PartReader> LocalSpool::open_part(std::int64_t, const std::string& import_id, std::uint32_t n) {
  File in(std::fopen(part_path(import_id, n).c_str(), "rb"));
  if (!in) throw std::runtime_error("its part " + std::to_string(n) + " is missing from the spool");
  return std::make_unique<FilePart>(std::move(in));
}

void LocalSpool::remove_parts(std::int64_t, const std::string& import_id) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(import_dir(import_id), ec))
    if (entry.path().filename().string().rfind("part-", 0) == 0) std::filesystem::remove(entry.path(), ec);
}

bool LocalSpool::read_report(std::int64_t, const std::string& import_id, ReportFile file,
                             const std::function<void(std::string_view)>& each) {
  File in(std::fopen(report_path(import_id, file).c_str(), "rb"));
  if (!in) return false;
  std::vector<char> buffer(1 << 16);
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), in.get())) > 0) each(std::string_view(buffer.data(), n));
  // A read error is not the end of the file: the download must not look complete.
  if (std::ferror(in.get())) throw std::runtime_error("reading the report file failed: " + std::string(std::strerror(errno)));
  return true;
}

// ---- In the shared store ------------------------------------------------------------------------

SharedSpool::SharedSpool(SharedStore& store, std::string data_dir) : Spool(store, std::move(data_dir)), shared_(store) {}

// Several servers on one database: the part goes where every server's runner reads it.
void SharedSpool::put_part(std::int64_t tenant, const std::string& import_id, const PartInfo& part,
                           std::string_view bytes) {
  shared_.put_part_data(tenant, import_id, part, bytes);
}

std::unique_ptr<PartReader> SharedSpool::open_part(std::int64_t tenant, const std::string& import_id, std::uint32_t n) {
  return std::make_unique<HeldPart>(shared_.part_data(tenant, import_id, n));
}

void SharedSpool::remove_parts(std::int64_t tenant, const std::string& import_id) {
  shared_.delete_part_data(tenant, import_id);
}

// Any server answers errors.csv and results.csv: the files go into the store.
void SharedSpool::keep_reports(std::int64_t tenant, const std::string& import_id) {
  for (ReportFile file : {ReportFile::Errors, ReportFile::Results})
    shared_.put_report(tenant, import_id, std::string(report_file_name(file)), report_path(import_id, file));
}

void SharedSpool::keep_reports_of_failed_run(std::int64_t tenant, const std::string& import_id) {
  for (ReportFile file : {ReportFile::Errors, ReportFile::Results}) {
    std::string path = report_path(import_id, file);
    if (!std::filesystem::exists(path)) continue;
    try {
      shared_.put_report(tenant, import_id, std::string(report_file_name(file)), path);
    } catch (const std::exception& e) {
      log_error("cannot keep a failed import's report",
                {{"import", import_id}, {"file", std::string(report_file_name(file))}, {"error", e.what()}});
    }
  }
}

// This server's report files are drafts of the store's: they go however the run ends (their
// content is in the store, or the import continues on another server).
void SharedSpool::end_run(const std::string& import_id) {
  std::error_code ec;
  std::filesystem::remove_all(import_dir(import_id), ec);
}

bool SharedSpool::read_report(std::int64_t tenant, const std::string& import_id, ReportFile file,
                              const std::function<void(std::string_view)>& each) {
  return shared_.read_report(tenant, import_id, std::string(report_file_name(file)), each);
}

}  // namespace rowgate::server
