// The SQLite store: one file, WAL mode, synchronous=FULL (a committed transaction survives a
// killed process and a power cut), one connection per thread, versioned migrations on open.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace rowgate::server {

class SqliteStore : public Store {
 public:
  explicit SqliteStore(std::string path);
  ~SqliteStore() override;

  std::int64_t create_tenant(const std::string& name) override;
  std::optional<Tenant> tenant(std::int64_t id) override;
  bool has_tenants() override;
  void add_key(std::int64_t tenant, const std::string& key_hash) override;
  std::optional<std::int64_t> tenant_for_key(const std::string& key_hash) override;
  void set_notify(std::int64_t tenant, const NotifyConfig& config) override;
  std::vector<std::string> allowed_origins(std::int64_t tenant) override;
  std::vector<SavedMapping> mappings(std::int64_t tenant, const std::string& template_name) override;
  std::vector<std::string> segments(std::int64_t tenant) override;
  bool add_segment(std::int64_t tenant, const std::string& name) override;
  bool delete_segment(std::int64_t tenant, const std::string& name) override;
  std::vector<std::string> segment_members(std::int64_t tenant, const std::string& name, const std::string& family) override;
  void put_mapping(std::int64_t tenant, const std::string& template_name, const SavedMapping& m, std::size_t keep) override;
  void set_allowed_origins(std::int64_t tenant, const std::vector<std::string>& origins) override;
  bool origin_allowed(const std::string& origin) override;

  std::vector<std::string> groups(std::int64_t tenant) override;
  bool add_group(std::int64_t tenant, const std::string& name) override;
  bool delete_group(std::int64_t tenant, const std::string& name) override;
  void for_each_key(std::int64_t tenant, const Template& tmpl, const std::string& except_import,
                    const std::function<void(const std::vector<std::string_view>&)>& each) override;

  void create_import(const ImportRecord& record) override;
  std::optional<ImportRecord> import(std::int64_t tenant, const std::string& id) override;
  std::vector<ImportRecord> imports(std::int64_t tenant, std::size_t limit) override;
  std::vector<ImportRecord> unfinished_imports() override;
  void put_part(std::int64_t tenant, const std::string& import_id, const PartInfo& part) override;
  std::vector<PartInfo> parts(std::int64_t tenant, const std::string& import_id) override;
  bool set_status(std::int64_t tenant, const std::string& import_id, ImportStatus status,
                  const std::vector<ImportStatus>& from) override;
  void set_start(std::int64_t tenant, const std::string& import_id, std::uint64_t parts, std::uint64_t bytes_total) override;
  bool set_options(std::int64_t tenant, const std::string& import_id, const std::string& options_json) override;
  void set_progress(std::int64_t tenant, const std::string& import_id, const Progress& progress) override;
  void request_cancel(std::int64_t tenant, const std::string& import_id) override;
  bool cancel_requested(std::int64_t tenant, const std::string& import_id) override;
  void finish_import(const ImportRecord& import, ImportStatus status, const std::string& summary_json,
                     const std::string& top_codes_json, const std::string& error, std::int64_t files_expire_at) override;
  void commit_batch(const ImportRecord& import, const Template& tmpl, const std::vector<RowWrite>& rows,
                    std::uint64_t last_row, const Progress& progress) override;
  std::vector<ImportKey> expired_files(std::int64_t now) override;
  void forget_files(std::int64_t tenant, const std::string& import_id) override;

  std::optional<IdempotentReply> reserve_idempotency(std::int64_t tenant, const std::string& key,
                                                     const std::string& request_hash, std::int64_t now) override;
  void finish_idempotency(std::int64_t tenant, const std::string& key, const std::string& import_id, int status,
                          const std::string& body) override;
  void release_idempotency(std::int64_t tenant, const std::string& key) override;
  void expire_idempotency(std::int64_t before) override;

  PartnerPage partners(std::int64_t tenant, const PartnerFilter& filter, std::optional<std::int64_t> cursor,
                       std::size_t limit) override;
  void each_partner(std::int64_t tenant, const PartnerFilter& filter,
                    const std::function<bool(const Partner&)>& each) override;
  std::uint64_t change_groups(std::int64_t tenant, const std::vector<std::int64_t>& ids, const PartnerFilter* filter,
                              const std::vector<std::string>& add, const std::vector<std::string>& remove) override;

  void enqueue(const OutboxItem& item) override;
  std::vector<OutboxItem> due(std::int64_t now, std::size_t limit) override;
  void delivered(std::int64_t id, std::int64_t now) override;
  void retry_later(std::int64_t id, std::uint32_t attempts, std::int64_t next_attempt_at,
                   const std::string& error) override;
  std::vector<OutboxItem> outbox(std::int64_t tenant) override;

  StoreCounts counts() override;

  class Connection;

 private:
  Connection& connection();  ///< this thread's connection (opened on first use)
  void migrate();

  std::string path_;
  std::uint64_t serial_ = 0;  // tells this store's thread-local connections from an earlier one's
  std::mutex mutex_;
  // Owned here, so that they close even when the constructor throws (a failed migration).
  std::vector<std::unique_ptr<Connection>> connections_;
};

}  // namespace rowgate::server
