// The store: everything the server keeps. One interface, implemented for SQLite (one server) and
// PostgreSQL (several servers on one database; it also answers store/shared_store.h); nothing
// outside server/store/ writes SQL. Every
// call about a tenant's data names the tenant (PostgreSQL also enforces it with row-level
// security); the few calls across tenants (authentication, job claims, maintenance) say so.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "jobs/import_status.h"
#include "rowgate/session.h"
#include "rowgate/template.h"

namespace rowgate::server {

/// Where a tenant wants to hear that an import ended.
struct NotifyConfig {
  std::string email;           ///< recipient address; empty: no e-mail
  std::string webhook_url;     ///< http://host:port/path; empty: no webhook
  std::string webhook_secret;  ///< HMAC-SHA-256 key for the X-Rowgate-Signature header
};

struct Tenant {
  std::int64_t id = 0;
  std::string name;
  NotifyConfig notify;
};

/// An import: a file uploaded in parts, validated and (unless a dry run) committed.
struct ImportRecord {
  std::string id;
  std::int64_t tenant_id = 0;
  std::string template_name;
  std::string template_json;   ///< the template used (a built-in's or the request's own)
  std::string options_json;    ///< core options: format, encoding, delimiter, no_header, map
  std::string fixed_json;      ///< values fixed for the whole file (context "fixed")
  bool dry_run = false;
  ImportStatus status = ImportStatus::Uploading;
  std::string idempotency_key;
  std::string request_hash;
  std::uint64_t parts = 0;
  std::uint64_t bytes_total = 0;
  std::uint64_t rows_done = 0;
  std::uint64_t bytes_done = 0;
  std::uint64_t last_committed_row = 0;  ///< rows up to here are in the store (exactly once)
  std::string summary_json;    ///< the core's summary once known
  std::string top_codes_json;  ///< most frequent codes with example rows
  std::string error;           ///< why it failed
  bool cancel_requested = false;
  std::int64_t created_at = 0;  ///< Unix seconds
  std::int64_t updated_at = 0;
  std::int64_t files_expire_at = 0;
  /// The runner holding the import's lease (shared stores); its writes are conditional on it.
  std::string lease_owner;
};

/// An import named across tenants (job claims, maintenance).
struct ImportKey {
  std::int64_t tenant = 0;
  std::string id;
};

/// Thrown by a shared store's writes for an import whose lease this runner no longer holds:
/// another server took the import over, and nothing was written.
class LeaseLost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Thrown when the store cannot be used for now: SQLite locked by another process past its busy
/// timeout, the PostgreSQL server restarting or the connection to it lost. The call's
/// transaction did not commit, so nothing of it was kept; the same call may succeed later.
class StoreUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PartInfo {
  std::uint32_t n = 0;
  std::uint64_t size = 0;
  std::string sha256;
};

/// One valid row to write: create or update a record by its key.
struct RowWrite {
  std::uint64_t row = 0;
  bool update = false;
  std::vector<std::string> key;  ///< normalised key parts
  /// Field key -> normalised value, for the fields the row gives.
  std::vector<std::pair<std::string, std::string>> values;
};

/// The write of a valid record: its row, create or update, the core's normalised key and the
/// values the row gives (those that passed their checks).
RowWrite row_write(const RecordResult& record);

struct Progress {
  std::uint64_t rows_done = 0;
  std::uint64_t bytes_done = 0;
};

/// A page of My Partners.
struct PartnerFilter {
  std::string q;        ///< matches name, Partner ID or URL (substring, any case)
  std::string group;
  std::string country;
  std::string status;
};

struct Partner {
  std::int64_t id = 0;
  std::string partner_id, name, email, url, first_name, last_name, description, country, status;
  std::vector<std::string> groups;
  std::int64_t created_at = 0, updated_at = 0;
};

struct PartnerPage {
  std::vector<Partner> items;
  std::uint64_t total = 0;
  std::optional<std::int64_t> next_cursor;
};

/// An idempotent request's first answer, kept so that a retry replays it.
struct IdempotentReply {
  std::string request_hash;
  std::string import_id;
  int status = 0;
  std::string body;
  bool finished = false;  ///< false while the first request is still being served
};

/// A notification waiting to be delivered (e-mail or webhook).
struct OutboxItem {
  std::int64_t id = 0;
  std::int64_t tenant_id = 0;
  std::string import_id;
  std::string channel;   ///< "email" or "webhook"
  std::string target;    ///< address or URL
  std::string payload;   ///< the message (JSON for webhooks, RFC 5322 text for e-mail)
  std::uint32_t attempts = 0;
  std::int64_t next_attempt_at = 0;
  std::string last_error;
  std::int64_t delivered_at = 0;
};

/// Counts for /metrics.
struct StoreCounts {
  std::vector<std::pair<std::string, std::uint64_t>> imports_by_status;
};

class Store {
 public:
  virtual ~Store() = default;

  // Tenants and API keys (stored as SHA-256 of the key, never the key itself).
  virtual std::int64_t create_tenant(const std::string& name) = 0;
  virtual std::optional<Tenant> tenant(std::int64_t id) = 0;
  virtual bool has_tenants() = 0;
  virtual void add_key(std::int64_t tenant, const std::string& key_hash) = 0;
  /// Across tenants: whose key this is (authentication).
  virtual std::optional<std::int64_t> tenant_for_key(const std::string& key_hash) = 0;
  virtual void set_notify(std::int64_t tenant, const NotifyConfig& config) = 0;
  /// Browser origins ("https://shop.example") allowed to call the API for this tenant (CORS).
  virtual std::vector<std::string> allowed_origins(std::int64_t tenant) = 0;
  virtual void set_allowed_origins(std::int64_t tenant, const std::vector<std::string>& origins) = 0;
  /// Across tenants: true if some tenant allows `origin` (a preflight carries no key).
  virtual bool origin_allowed(const std::string& origin) = 0;

  // Column mappings a person confirmed, kept for the team: per template and header (the file's
  // columns as a JSON array), the choice {"map": {column: field}, "no_header": bool}.
  struct SavedMapping {
    std::string columns_json;
    std::string choice_json;
    std::int64_t updated_at = 0;
  };
  /// The tenant's mappings for a template, newest first.
  virtual std::vector<SavedMapping> mappings(std::int64_t tenant, const std::string& template_name) = 0;
  /// Keeps `m` for its header (replacing the one kept before), and at most `keep` mappings of the
  /// template, the oldest going first.
  virtual void put_mapping(std::int64_t tenant, const std::string& template_name, const SavedMapping& m, std::size_t keep) = 0;

  // Segments (Advocate's): an import adds its records to one or removes them from it, chosen
  // once for the file (the template's store.segment); like groups, they must exist first.
  virtual std::vector<std::string> segments(std::int64_t tenant) = 0;
  virtual bool add_segment(std::int64_t tenant, const std::string& name) = 0;     ///< false if it exists
  virtual bool delete_segment(std::int64_t tenant, const std::string& name) = 0;  ///< false if it does not
  /// The stored keys (record_key) of a segment's members of `family`, in key order.
  virtual std::vector<std::string> segment_members(std::int64_t tenant, const std::string& name, const std::string& family) = 0;

  // Groups (imports never create them).
  virtual std::vector<std::string> groups(std::int64_t tenant) = 0;
  virtual bool add_group(std::int64_t tenant, const std::string& name) = 0;     ///< false if it exists
  virtual bool delete_group(std::int64_t tenant, const std::string& name) = 0;  ///< false if it does not

  /// Calls `each` with the key parts of every stored record of the template's family (as its
  /// `store` section binds it), leaving out records created by `except_import` (a resumed import
  /// sees the store as it was). Throws std::runtime_error for a binding the store cannot follow.
  virtual void for_each_key(std::int64_t tenant, const Template& tmpl, const std::string& except_import,
                            const std::function<void(const std::vector<std::string_view>&)>& each) = 0;

  // Imports.
  virtual void create_import(const ImportRecord& record) = 0;
  virtual std::optional<ImportRecord> import(std::int64_t tenant, const std::string& id) = 0;
  virtual std::vector<ImportRecord> imports(std::int64_t tenant, std::size_t limit) = 0;
  /// Across tenants: imports that a restarted server must take up again (is_unfinished). A
  /// single server's queue; shared stores use claim_import instead.
  virtual std::vector<ImportRecord> unfinished_imports() = 0;
  virtual void put_part(std::int64_t tenant, const std::string& import_id, const PartInfo& part) = 0;
  virtual std::vector<PartInfo> parts(std::int64_t tenant, const std::string& import_id) = 0;
  /// Moves an import to `status` only if it is in one of `from` (empty: any); false otherwise.
  virtual bool set_status(std::int64_t tenant, const std::string& import_id, ImportStatus status,
                          const std::vector<ImportStatus>& from = {}) = 0;
  virtual void set_start(std::int64_t tenant, const std::string& import_id, std::uint64_t parts,
                         std::uint64_t bytes_total) = 0;
  /// Replaces an import's options (its edits) while it is still uploading; false otherwise.
  virtual bool set_options(std::int64_t tenant, const std::string& import_id, const std::string& options_json) = 0;
  virtual void set_progress(std::int64_t tenant, const std::string& import_id, const Progress& progress) = 0;
  virtual void request_cancel(std::int64_t tenant, const std::string& import_id) = 0;
  virtual bool cancel_requested(std::int64_t tenant, const std::string& import_id) = 0;
  /// The import's end: status, summary, top codes, error, and when its files expire. With a
  /// lease owner (shared stores), only while that owner holds the lease; else LeaseLost.
  virtual void finish_import(const ImportRecord& import, ImportStatus status, const std::string& summary_json,
                             const std::string& top_codes_json, const std::string& error,
                             std::int64_t files_expire_at) = 0;
  /// Writes the rows as the import's template binds them (its `store` section; each row's key is
  /// the core's normalised key) and moves the import's checkpoint to `last_row`, in one
  /// transaction; with a lease owner (shared stores), only while that owner holds the lease;
  /// else LeaseLost.
  virtual void commit_batch(const ImportRecord& import, const Template& tmpl, const std::vector<RowWrite>& rows,
                            std::uint64_t last_row, const Progress& progress) = 0;
  /// Across tenants: imports whose files expired before `now` (and still have them), to delete.
  virtual std::vector<ImportKey> expired_files(std::int64_t now) = 0;
  /// Marks the import's files gone (and deletes them, when the store keeps them).
  virtual void forget_files(std::int64_t tenant, const std::string& import_id) = 0;

  // Idempotency keys, per tenant, kept at least 24 hours.
  /// Reserves `key` for a new request; if the key is known, returns what is stored for it.
  virtual std::optional<IdempotentReply> reserve_idempotency(std::int64_t tenant, const std::string& key,
                                                             const std::string& request_hash, std::int64_t now) = 0;
  virtual void finish_idempotency(std::int64_t tenant, const std::string& key, const std::string& import_id, int status,
                                  const std::string& body) = 0;
  virtual void release_idempotency(std::int64_t tenant, const std::string& key) = 0;
  virtual void expire_idempotency(std::int64_t before) = 0;

  // My Partners.
  virtual PartnerPage partners(std::int64_t tenant, const PartnerFilter& filter, std::optional<std::int64_t> cursor,
                               std::size_t limit) = 0;
  /// Streams every partner matching the filter, in id order.
  virtual void each_partner(std::int64_t tenant, const PartnerFilter& filter,
                            const std::function<bool(const Partner&)>& each) = 0;
  /// Adds or removes groups for the partners with these ids, or (ids empty) every partner
  /// matching the filter. Returns the number of partners changed; groups must exist.
  virtual std::uint64_t change_groups(std::int64_t tenant, const std::vector<std::int64_t>& ids,
                                      const PartnerFilter* filter, const std::vector<std::string>& add,
                                      const std::vector<std::string>& remove) = 0;

  // Outbox.
  virtual void enqueue(const OutboxItem& item) = 0;
  /// Across tenants: items due for delivery. A shared store hands each item to one caller: it is
  /// not due again for a minute unless delivered() or retry_later() says otherwise.
  virtual std::vector<OutboxItem> due(std::int64_t now, std::size_t limit) = 0;
  virtual void delivered(std::int64_t id, std::int64_t now) = 0;
  virtual void retry_later(std::int64_t id, std::uint32_t attempts, std::int64_t next_attempt_at,
                           const std::string& error) = 0;
  virtual std::vector<OutboxItem> outbox(std::int64_t tenant) = 0;

  /// Across tenants: counts for /metrics.
  virtual StoreCounts counts() = 0;
};

/// Opens the store named by `spec`: "sqlite:PATH" or "postgresql://..." (a libpq URI), running its
/// schema migrations. Throws std::runtime_error with a message.
std::unique_ptr<Store> open_store(const std::string& spec);

}  // namespace rowgate::server
