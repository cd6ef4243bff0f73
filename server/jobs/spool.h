// The spool: where an import's uploaded parts and its report files (errors.csv, results.csv)
// live from the upload until they expire. One interface, two homes, chosen once at startup:
// - LocalSpool, for a store of one server (SQLite): parts and report files on this server's disk
//   under --data, each part written, fsynced and renamed before the store records it;
// - SharedSpool, for a store several servers share (PostgreSQL): parts and report files in the
//   database, so that whichever server claims an import reads its parts and any server answers
//   its files. A run still writes its report files to this server's disk first (drafts), and
//   copies them into the store when it ends.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "rowgate/session.h"
#include "store/store.h"

namespace rowgate::server {

class SharedStore;

enum class ReportFile { Errors, Results };

/// The report file's name ("errors.csv", "results.csv"), in the spool and in the store.
std::string_view report_file_name(ReportFile file);

/// Thrown by Spool::put_part when there is no room for the part now; nothing of it was kept.
class SpoolFull : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One uploaded part, read in chunks.
class PartReader {
 public:
  virtual ~PartReader() = default;
  /// The next chunk (valid until the next call); empty at the end of the part.
  virtual std::string_view next() = 0;
};

class Spool {
 public:
  /// `data_dir` holds imports/<id>/: the parts of a local spool and every run's report files.
  Spool(Store& store, std::string data_dir);
  virtual ~Spool() = default;
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  /// Makes the import's folder on this server's disk (before the import is recorded, and before
  /// a run writes its report files).
  void prepare(const std::string& import_id);

  /// Keeps an uploaded part durably and records it in the store (replacing a part with the same
  /// number). Throws SpoolFull when there is no room for it.
  virtual void put_part(std::int64_t tenant, const std::string& import_id, const PartInfo& part,
                        std::string_view bytes) = 0;
  /// Opens part `n` for reading; throws if it is missing.
  virtual std::unique_ptr<PartReader> open_part(std::int64_t tenant, const std::string& import_id, std::uint32_t n) = 0;
  /// The upload as one file read at any offset, its parts one after another: what the core
  /// needs of a workbook (its directory is at its end). Throws if a part is missing.
  virtual std::unique_ptr<RandomAccessFile> open_upload(std::int64_t tenant, const std::string& import_id);
  /// Deletes an import's parts (once it has ended: they are the raw uploaded data).
  virtual void remove_parts(std::int64_t tenant, const std::string& import_id) = 0;

  /// Where a run on this server writes a report file.
  std::string report_path(const std::string& import_id, ReportFile file) const;
  /// Makes the report files a run wrote the import's own, where any server answering for the
  /// import reads them; before the store says they exist. Throws when it cannot.
  virtual void keep_reports(std::int64_t tenant, const std::string& import_id) = 0;
  /// The same for a run that failed, as far as it goes: a file missing or not kept is logged
  /// (the store may be what failed).
  virtual void keep_reports_of_failed_run(std::int64_t tenant, const std::string& import_id) = 0;
  /// A run on this server ended, however it did: what it wrote here that is not kept here goes.
  virtual void end_run(const std::string& import_id) = 0;
  /// Streams a kept report file to `each` in chunks; false if it is no longer kept.
  virtual bool read_report(std::int64_t tenant, const std::string& import_id, ReportFile file,
                           const std::function<void(std::string_view)>& each) = 0;
  /// Deletes the report files of imports whose time is over, and marks them gone in the store.
  void remove_expired(std::int64_t now);

  /// The import's folder on this server's disk.
  std::string import_dir(const std::string& import_id) const;

 protected:
  Store& store_;
  std::string data_dir_;
};

/// A store of one server: everything on this server's disk.
class LocalSpool : public Spool {
 public:
  LocalSpool(Store& store, std::string data_dir);

  void put_part(std::int64_t tenant, const std::string& import_id, const PartInfo& part, std::string_view bytes) override;
  std::unique_ptr<PartReader> open_part(std::int64_t tenant, const std::string& import_id, std::uint32_t n) override;
  std::unique_ptr<RandomAccessFile> open_upload(std::int64_t tenant, const std::string& import_id) override;
  void remove_parts(std::int64_t tenant, const std::string& import_id) override;
  void keep_reports(std::int64_t, const std::string&) override {}  // written where they are kept
  void keep_reports_of_failed_run(std::int64_t, const std::string&) override {}
  void end_run(const std::string&) override {}
  bool read_report(std::int64_t tenant, const std::string& import_id, ReportFile file,
                   const std::function<void(std::string_view)>& each) override;

  /// Where part `n` of an import is spooled.
  std::string part_path(const std::string& import_id, std::uint32_t n) const;
};

/// A store several servers share: parts and report files in it.
class SharedSpool : public Spool {
 public:
  SharedSpool(SharedStore& store, std::string data_dir);

  void put_part(std::int64_t tenant, const std::string& import_id, const PartInfo& part, std::string_view bytes) override;
  std::unique_ptr<PartReader> open_part(std::int64_t tenant, const std::string& import_id, std::uint32_t n) override;
  void remove_parts(std::int64_t tenant, const std::string& import_id) override;
  void keep_reports(std::int64_t tenant, const std::string& import_id) override;
  void keep_reports_of_failed_run(std::int64_t tenant, const std::string& import_id) override;
  void end_run(const std::string& import_id) override;
  bool read_report(std::int64_t tenant, const std::string& import_id, ReportFile file,
                   const std::function<void(std::string_view)>& each) override;

 private:
  SharedStore& shared_;
};

/// The spool for this store: shared when several servers may share the store, local otherwise.
std::unique_ptr<Spool> make_spool(Store& store, const std::string& data_dir);

}  // namespace rowgate::server
