// What only a store that several servers share answers (PostgreSQL): the uploaded parts and the
// report files kept in the database, so that any server reads them, and the claims and leases
// under which any server runs any import. A store of one server (SQLite) has none of this: its
// server spools parts and report files to its own disk and queues imports in memory. The spool
// (jobs/spool.h) and the runner's queue (jobs/import_runner.cpp) choose their kind once, by
// whether the store is one of these.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.h"

namespace rowgate::server {

class SharedStore : public Store {
 public:
  /// The bytes of an uploaded part, recorded as put_part records a part (replacing one with the
  /// same number).
  virtual void put_part_data(std::int64_t tenant, const std::string& import_id, const PartInfo& part,
                             std::string_view bytes) = 0;
  /// A part's bytes; throws if the store does not have them.
  virtual std::string part_data(std::int64_t tenant, const std::string& import_id, std::uint32_t n) = 0;
  virtual void delete_part_data(std::int64_t tenant, const std::string& import_id) = 0;
  /// A report file ("errors.csv", "results.csv") copied from `path` into the store, replacing it.
  virtual void put_report(std::int64_t tenant, const std::string& import_id, const std::string& name,
                          const std::string& path) = 0;
  /// Streams a stored report file to `each` in chunks; false if the store has none.
  virtual bool read_report(std::int64_t tenant, const std::string& import_id, const std::string& name,
                           const std::function<void(std::string_view)>& each) = 0;
  /// Across tenants: claims the oldest import that is queued, or running under an expired lease,
  /// for `owner` until `lease_seconds` from now (SELECT ... FOR UPDATE SKIP LOCKED).
  virtual std::optional<ImportKey> claim_import(const std::string& owner, std::int64_t lease_seconds) = 0;
  /// Extends `owner`'s lease and records live progress; false if the lease was lost.
  virtual bool renew_lease(std::int64_t tenant, const std::string& import_id, const std::string& owner,
                           std::int64_t lease_seconds, const Progress& progress) = 0;
};

}  // namespace rowgate::server
