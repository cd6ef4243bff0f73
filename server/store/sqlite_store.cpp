#include "store/sqlite_store.h"

#include <sqlite3.h>

#include <atomic>
#include <stdexcept>
#include <unordered_map>

#include "store/sqlite_connection.h"
#include "store/sqlite_statement.h"
#include "store/store_detail.h"

namespace rowgate::server {

using detail::kImportColumns;
using detail::read_import;
using detail::value_of;

namespace {

std::atomic<std::uint64_t> next_store_serial{1};

// Schema migrations, in order; PRAGMA user_version counts the ones applied.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE tenants (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  notify_email TEXT NOT NULL DEFAULT '',
  webhook_url TEXT NOT NULL DEFAULT '',
  webhook_secret TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE TABLE api_keys (
  key_hash TEXT PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  created_at INTEGER NOT NULL
);
CREATE TABLE groups (
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  PRIMARY KEY (tenant_id, name)
);
CREATE TABLE partners (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  email_key TEXT NOT NULL,
  partner_id TEXT,
  name TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL DEFAULT '',
  first_name TEXT NOT NULL DEFAULT '',
  last_name TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  country TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'active',
  created_import TEXT NOT NULL DEFAULT '',
  updated_import TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (tenant_id, email_key)
);
CREATE INDEX partners_partner_id ON partners (tenant_id, partner_id);
CREATE TABLE partner_groups (
  partner_row INTEGER NOT NULL REFERENCES partners(id),
  group_name TEXT NOT NULL,
  tenant_id INTEGER NOT NULL,
  PRIMARY KEY (partner_row, group_name)
) WITHOUT ROWID;
CREATE INDEX partner_groups_by_group ON partner_groups (tenant_id, group_name, partner_row);
CREATE TABLE records (
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  family TEXT NOT NULL,
  record_key TEXT NOT NULL,
  values_json TEXT NOT NULL,
  created_import TEXT NOT NULL DEFAULT '',
  updated_import TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, family, record_key)
);
CREATE TABLE imports (
  id TEXT PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  template_name TEXT NOT NULL,
  template_json TEXT NOT NULL,
  options_json TEXT NOT NULL,
  fixed_json TEXT NOT NULL,
  dry_run INTEGER NOT NULL,
  status TEXT NOT NULL,
  idempotency_key TEXT NOT NULL DEFAULT '',
  request_hash TEXT NOT NULL DEFAULT '',
  parts INTEGER NOT NULL DEFAULT 0,
  bytes_total INTEGER NOT NULL DEFAULT 0,
  rows_done INTEGER NOT NULL DEFAULT 0,
  bytes_done INTEGER NOT NULL DEFAULT 0,
  last_committed_row INTEGER NOT NULL DEFAULT 0,
  summary_json TEXT NOT NULL DEFAULT '',
  top_codes_json TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  files_expire_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX imports_by_tenant ON imports (tenant_id, created_at);
CREATE TABLE import_parts (
  import_id TEXT NOT NULL REFERENCES imports(id),
  n INTEGER NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  PRIMARY KEY (import_id, n)
) WITHOUT ROWID;
CREATE TABLE idempotency (
  tenant_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  import_id TEXT NOT NULL DEFAULT '',
  status INTEGER NOT NULL DEFAULT 0,
  body TEXT NOT NULL DEFAULT '',
  finished INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, key)
);
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL,
  import_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  target TEXT NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  delivered_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_due ON outbox (delivered_at, next_attempt_at);
)sql",
    // 2: the browser origins each tenant lets call the API (CORS).
    R"sql(
CREATE TABLE tenant_origins (
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  origin TEXT NOT NULL,
  PRIMARY KEY (tenant_id, origin)
) WITHOUT ROWID;
CREATE INDEX tenant_origins_by_origin ON tenant_origins (origin);
)sql",
    // 3: My Partners pages in id order from an index (the rowid is the index's last column), not
    // by sorting the tenant's partners for every page (store/partner_scan.h).
    R"sql(
CREATE INDEX partners_by_tenant ON partners (tenant_id);
)sql",
};

// SQL NULL for a field the row does not give, so that an update keeps the stored value.
void bind_optional(Statement& s, int index, const RowWrite& row, std::string_view field) {
  const std::string* v = value_of(row, field);
  if (v && !v->empty()) s.bind(index, *v);
  else s.bind_null(index);
}

}  // namespace

// ---- Connections --------------------------------------------------------------------------------

// Connection and Transaction: store/sqlite_connection.h.

namespace {
struct ThreadConnections {
  std::unordered_map<std::uint64_t, SqliteStore::Connection*> by_store;
};
thread_local ThreadConnections tls_connections;
}  // namespace

SqliteStore::SqliteStore(std::string path) : path_(std::move(path)) {
  serial_ = next_store_serial++;
  migrate();
}

SqliteStore::~SqliteStore() = default;

SqliteStore::Connection& SqliteStore::connection() {
  auto& mine = tls_connections.by_store;
  auto it = mine.find(serial_);
  if (it != mine.end()) return *it->second;
  auto c = std::make_unique<Connection>(path_);
  Connection* opened = c.get();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    connections_.push_back(std::move(c));
  }
  mine.emplace(serial_, opened);
  return *opened;
}

void SqliteStore::migrate() {
  Connection& c = connection();
  Statement v = c.prepare("PRAGMA user_version");
  v.step();
  int version = static_cast<int>(v.int64(0));
  v.reset();
  const int latest = static_cast<int>(sizeof kMigrations / sizeof kMigrations[0]);
  if (version > latest)
    throw std::runtime_error("the store " + path_ + " has schema version " + std::to_string(version) +
                             ", newer than this server (" + std::to_string(latest) + ")");
  for (int m = version; m < latest; ++m) {
    Transaction t(c);
    c.exec(kMigrations[m]);
    c.exec("PRAGMA user_version = " + std::to_string(m + 1));
    t.commit();
  }
}

// ---- Tenants ------------------------------------------------------------------------------------

std::int64_t SqliteStore::create_tenant(const std::string& name) {
  Connection& c = connection();
  Statement s = c.prepare("INSERT INTO tenants (name, created_at) VALUES (?, ?)");
  s.bind(1, name);
  s.bind(2, now_seconds());
  s.run();
  return sqlite3_last_insert_rowid(c.db());
}

std::optional<Tenant> SqliteStore::tenant(std::int64_t id) {
  Statement s = connection().prepare("SELECT id, name, notify_email, webhook_url, webhook_secret FROM tenants WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  Tenant t;
  t.id = s.int64(0);
  t.name = s.text(1);
  t.notify.email = s.text(2);
  t.notify.webhook_url = s.text(3);
  t.notify.webhook_secret = s.text(4);
  return t;
}

bool SqliteStore::has_tenants() {
  Statement s = connection().prepare("SELECT EXISTS (SELECT 1 FROM tenants)");
  s.step();
  return s.int64(0) != 0;
}

void SqliteStore::add_key(std::int64_t tenant, const std::string& key_hash) {
  Statement s = connection().prepare("INSERT INTO api_keys (key_hash, tenant_id, created_at) VALUES (?, ?, ?)");
  s.bind(1, key_hash);
  s.bind(2, tenant);
  s.bind(3, now_seconds());
  s.run();
}

std::optional<std::int64_t> SqliteStore::tenant_for_key(const std::string& key_hash) {
  Statement s = connection().prepare("SELECT tenant_id FROM api_keys WHERE key_hash = ?");
  s.bind(1, key_hash);
  if (!s.step()) return std::nullopt;
  return s.int64(0);
}

void SqliteStore::set_notify(std::int64_t tenant, const NotifyConfig& config) {
  Statement s = connection().prepare("UPDATE tenants SET notify_email = ?, webhook_url = ?, webhook_secret = ? WHERE id = ?");
  s.bind(1, config.email);
  s.bind(2, config.webhook_url);
  s.bind(3, config.webhook_secret);
  s.bind(4, tenant);
  s.run();
}

std::vector<std::string> SqliteStore::allowed_origins(std::int64_t tenant) {
  Statement s = connection().prepare("SELECT origin FROM tenant_origins WHERE tenant_id = ? ORDER BY origin");
  s.bind(1, tenant);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

void SqliteStore::set_allowed_origins(std::int64_t tenant, const std::vector<std::string>& origins) {
  Connection& c = connection();
  Transaction t(c);
  Statement d = c.prepare("DELETE FROM tenant_origins WHERE tenant_id = ?");
  d.bind(1, tenant);
  d.run();
  Statement s = c.prepare("INSERT OR IGNORE INTO tenant_origins (tenant_id, origin) VALUES (?, ?)");
  for (const std::string& origin : origins) {
    s.bind(1, tenant);
    s.bind(2, origin);
    s.run();
    s.reset();
  }
  t.commit();
}

bool SqliteStore::origin_allowed(const std::string& origin) {
  Statement s = connection().prepare("SELECT EXISTS (SELECT 1 FROM tenant_origins WHERE origin = ?)");
  s.bind(1, origin);
  s.step();
  return s.int64(0) != 0;
}

// ---- Groups and keys ----------------------------------------------------------------------------

std::vector<std::string> SqliteStore::groups(std::int64_t tenant) {
  Statement s = connection().prepare("SELECT name FROM groups WHERE tenant_id = ? ORDER BY name");
  s.bind(1, tenant);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

bool SqliteStore::add_group(std::int64_t tenant, const std::string& name) {
  Connection& c = connection();
  Statement s = c.prepare("INSERT OR IGNORE INTO groups (tenant_id, name) VALUES (?, ?)");
  s.bind(1, tenant);
  s.bind(2, name);
  s.run();
  return sqlite3_changes(c.db()) > 0;
}

bool SqliteStore::delete_group(std::int64_t tenant, const std::string& name) {
  Connection& c = connection();
  Transaction t(c);
  Statement m = c.prepare("DELETE FROM partner_groups WHERE tenant_id = ? AND group_name = ?");
  m.bind(1, tenant);
  m.bind(2, name);
  m.run();
  Statement s = c.prepare("DELETE FROM groups WHERE tenant_id = ? AND name = ?");
  s.bind(1, tenant);
  s.bind(2, name);
  s.run();
  bool gone = sqlite3_changes(c.db()) > 0;
  t.commit();
  return gone;
}

void SqliteStore::for_each_key(std::int64_t tenant, const std::string& template_name, const std::string& except_import,
                               const std::function<void(const std::vector<std::string_view>&)>& each) {
  Connection& c = connection();
  std::string family = family_of(template_name);
  std::vector<std::string_view> parts;
  if (family == "partners") {
    bool by_id = template_name == "partners_update";
    Statement s = c.prepare(by_id ? "SELECT partner_id FROM partners WHERE tenant_id = ? AND partner_id IS NOT NULL "
                                    "AND created_import != ?"
                                  : "SELECT email_key FROM partners WHERE tenant_id = ? AND created_import != ?");
    s.bind(1, tenant);
    s.bind(2, except_import);
    while (s.step()) {
      parts.assign(1, s.text_view(0));
      each(parts);
    }
    return;
  }
  Statement s = c.prepare("SELECT record_key FROM records WHERE tenant_id = ? AND family = ? AND created_import != ?");
  s.bind(1, tenant);
  s.bind(2, family);
  s.bind(3, except_import);
  while (s.step()) {
    detail::split_record_key(s.text_view(0), parts);
    each(parts);
  }
}

// ---- Imports ------------------------------------------------------------------------------------

void SqliteStore::create_import(const ImportRecord& r) {
  Statement s = connection().prepare(
      "INSERT INTO imports (id, tenant_id, template_name, template_json, options_json, fixed_json, dry_run, status, "
      "idempotency_key, request_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, r.id);
  s.bind(2, r.tenant_id);
  s.bind(3, r.template_name);
  s.bind(4, r.template_json);
  s.bind(5, r.options_json);
  s.bind(6, r.fixed_json);
  s.bind(7, static_cast<std::int64_t>(r.dry_run));
  s.bind(8, status_name(r.status));
  s.bind(9, r.idempotency_key);
  s.bind(10, r.request_hash);
  s.bind(11, r.created_at);
  s.bind(12, r.created_at);
  s.run();
}

std::optional<ImportRecord> SqliteStore::import(std::int64_t tenant, const std::string& id) {
  Statement s = connection().prepare(std::string("SELECT ") + kImportColumns + " FROM imports WHERE id = ? AND tenant_id = ?");
  s.bind(1, id);
  s.bind(2, tenant);
  if (!s.step()) return std::nullopt;
  return read_import(s);
}

std::vector<ImportRecord> SqliteStore::imports(std::int64_t tenant, std::size_t limit) {
  Statement s = connection().prepare(std::string("SELECT ") + kImportColumns +
                                     " FROM imports WHERE tenant_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?");
  s.bind(1, tenant);
  s.bind(2, static_cast<std::int64_t>(limit));
  std::vector<ImportRecord> out;
  while (s.step()) out.push_back(read_import(s));
  return out;
}

std::vector<ImportRecord> SqliteStore::unfinished_imports() {
  Statement s = connection().prepare(std::string("SELECT ") + kImportColumns + " FROM imports WHERE status IN (" +
                                     detail::status_list(statuses_where(is_unfinished)) + ") ORDER BY created_at, rowid");
  std::vector<ImportRecord> out;
  while (s.step()) out.push_back(read_import(s));
  return out;
}

void SqliteStore::put_part(std::int64_t tenant, const std::string& import_id, const PartInfo& part) {
  Statement s = connection().prepare(
      "INSERT OR REPLACE INTO import_parts (import_id, n, size, sha256) SELECT ?, ?, ?, ? "
      "WHERE EXISTS (SELECT 1 FROM imports WHERE id = ?1 AND tenant_id = ?5)");
  s.bind(5, tenant);
  s.bind(1, import_id);
  s.bind(2, static_cast<std::int64_t>(part.n));
  s.bind(3, static_cast<std::int64_t>(part.size));
  s.bind(4, part.sha256);
  s.run();
}

std::vector<PartInfo> SqliteStore::parts(std::int64_t tenant, const std::string& import_id) {
  Statement s = connection().prepare(
      "SELECT n, size, sha256 FROM import_parts WHERE import_id = ? "
      "AND EXISTS (SELECT 1 FROM imports WHERE id = ?1 AND tenant_id = ?) ORDER BY n");
  s.bind(1, import_id);
  s.bind(2, tenant);
  std::vector<PartInfo> out;
  while (s.step()) out.push_back(PartInfo{static_cast<std::uint32_t>(s.int64(0)), static_cast<std::uint64_t>(s.int64(1)), s.text(2)});
  return out;
}

bool SqliteStore::set_status(std::int64_t tenant, const std::string& import_id, ImportStatus status,
                             const std::vector<ImportStatus>& from) {
  Connection& c = connection();
  std::string sql = "UPDATE imports SET status = ?, updated_at = ? WHERE id = ? AND tenant_id = ?";
  if (!from.empty()) {
    sql += " AND status IN (";
    for (std::size_t i = 0; i < from.size(); ++i) sql += i ? ", ?" : "?";
    sql += ")";
  }
  Statement s = c.prepare(sql);
  s.bind(1, status_name(status));
  s.bind(2, now_seconds());
  s.bind(3, import_id);
  s.bind(4, tenant);
  for (std::size_t i = 0; i < from.size(); ++i) s.bind(static_cast<int>(5 + i), status_name(from[i]));
  s.run();
  return sqlite3_changes(c.db()) > 0;
}

void SqliteStore::set_start(std::int64_t tenant, const std::string& import_id, std::uint64_t parts,
                            std::uint64_t bytes_total) {
  Statement s = connection().prepare(
      "UPDATE imports SET parts = ?, bytes_total = ?, updated_at = ? WHERE id = ? AND tenant_id = ?");
  s.bind(5, tenant);
  s.bind(1, static_cast<std::int64_t>(parts));
  s.bind(2, static_cast<std::int64_t>(bytes_total));
  s.bind(3, now_seconds());
  s.bind(4, import_id);
  s.run();
}

void SqliteStore::set_progress(std::int64_t tenant, const std::string& import_id, const Progress& p) {
  Statement s = connection().prepare(
      "UPDATE imports SET rows_done = ?, bytes_done = ?, updated_at = ? WHERE id = ? AND tenant_id = ?");
  s.bind(5, tenant);
  s.bind(1, static_cast<std::int64_t>(p.rows_done));
  s.bind(2, static_cast<std::int64_t>(p.bytes_done));
  s.bind(3, now_seconds());
  s.bind(4, import_id);
  s.run();
}

void SqliteStore::request_cancel(std::int64_t tenant, const std::string& import_id) {
  Statement s = connection().prepare("UPDATE imports SET cancel_requested = 1, updated_at = ? WHERE id = ? AND tenant_id = ?");
  s.bind(3, tenant);
  s.bind(1, now_seconds());
  s.bind(2, import_id);
  s.run();
}

bool SqliteStore::cancel_requested(std::int64_t tenant, const std::string& import_id) {
  Statement s = connection().prepare("SELECT cancel_requested FROM imports WHERE id = ? AND tenant_id = ?");
  s.bind(2, tenant);
  s.bind(1, import_id);
  return s.step() && s.int64(0) != 0;
}

void SqliteStore::finish_import(const ImportRecord& import, ImportStatus status, const std::string& summary_json,
                                const std::string& top_codes_json, const std::string& error,
                                std::int64_t files_expire_at) {
  Statement s = connection().prepare(
      "UPDATE imports SET status = ?, summary_json = ?, top_codes_json = ?, error = ?, files_expire_at = ?, "
      "updated_at = ? WHERE id = ? AND tenant_id = ?");
  s.bind(1, status_name(status));
  s.bind(2, summary_json);
  s.bind(3, top_codes_json);
  s.bind(4, error);
  s.bind(5, files_expire_at);
  s.bind(6, now_seconds());
  s.bind(7, import.id);
  s.bind(8, import.tenant_id);
  s.run();
}

void SqliteStore::commit_batch(const ImportRecord& import, const std::vector<RowWrite>& rows, std::uint64_t last_row,
                               const Progress& progress) {
  Connection& c = connection();
  const std::int64_t now = now_seconds();
  const std::string family = family_of(import.template_name);
  Transaction t(c);
  if (family == "partners") {
    const bool update_only = import.template_name == "partners_update";
    Statement upsert = c.prepare(
        "INSERT INTO partners (tenant_id, email_key, partner_id, name, email, url, first_name, last_name, description, "
        "country, created_import, updated_import, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, COALESCE(?4, ''), COALESCE(?5, ''), COALESCE(?6, ''), COALESCE(?7, ''), COALESCE(?8, ''), "
        "COALESCE(?9, ''), COALESCE(?10, ''), ?11, ?11, ?12, ?12) "
        "ON CONFLICT (tenant_id, email_key) DO UPDATE SET partner_id = COALESCE(excluded.partner_id, partner_id), "
        "name = COALESCE(?4, name), email = COALESCE(?5, email), url = COALESCE(?6, url), "
        "first_name = COALESCE(?7, first_name), last_name = COALESCE(?8, last_name), "
        "description = COALESCE(?9, description), country = COALESCE(?10, country), updated_import = ?11, "
        "updated_at = ?12");
    Statement find = c.prepare("SELECT id FROM partners WHERE tenant_id = ? AND email_key = ?");
    Statement edit = c.prepare(
        "UPDATE partners SET name = COALESCE(?3, name), email = COALESCE(?4, email), "
        "email_key = COALESCE(lower(?4), email_key), url = COALESCE(?5, url), first_name = COALESCE(?6, first_name), "
        "last_name = COALESCE(?7, last_name), description = COALESCE(?8, description), country = COALESCE(?9, country), "
        "status = COALESCE(?10, status), updated_import = ?11, updated_at = ?12 "
        "WHERE tenant_id = ?1 AND partner_id = ?2 RETURNING id");
    Statement join = c.prepare("INSERT OR IGNORE INTO partner_groups (partner_row, group_name, tenant_id) VALUES (?, ?, ?)");
    std::vector<std::pair<std::int64_t, const std::string*>> memberships;
    memberships.reserve(rows.size());
    for (const RowWrite& row : rows) {
      Statement& s = update_only ? edit : upsert;
      s.reset();
      s.bind(1, import.tenant_id);
      s.bind(2, row.key.empty() ? std::string() : row.key[0]);
      // ?3 to ?10: the fields from Partner Name to Status (an update, by Partner ID), or from
      // Partner ID to Country (an upsert, by e-mail).
      for (int i = 0; i < 8; ++i) bind_optional(s, 3 + i, row, detail::kPartnerFields[update_only ? i + 1 : i]);
      s.bind(11, import.id);
      s.bind(12, now);
      std::int64_t partner_row = 0;
      if (update_only) {
        if (!s.step()) continue;  // an update whose partner went away meanwhile
        partner_row = s.int64(0);
        s.reset();
      } else {
        // A new row moves last_insert_rowid; an upsert that updated leaves it (then look it up).
        std::int64_t before = sqlite3_last_insert_rowid(c.db());
        s.run();
        partner_row = sqlite3_last_insert_rowid(c.db());
        if (partner_row == before || row.update) {
          find.reset();
          find.bind(1, import.tenant_id);
          find.bind(2, row.key.empty() ? std::string() : row.key[0]);
          if (!find.step()) continue;
          partner_row = find.int64(0);
        }
      }
      const std::string* group = value_of(row, "Group Name");
      if (group && !group->empty()) memberships.emplace_back(partner_row, group);
    }
    for (const auto& [partner_row, group] : memberships) {
      join.reset();
      join.bind(1, partner_row);
      join.bind(2, *group);
      join.bind(3, import.tenant_id);
      join.run();
    }
  } else {
    Statement upsert = c.prepare(
        "INSERT INTO records (tenant_id, family, record_key, values_json, created_import, updated_import, created_at, "
        "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?6) ON CONFLICT (tenant_id, family, record_key) DO UPDATE SET "
        "values_json = excluded.values_json, updated_import = ?5, updated_at = ?6");
    for (const RowWrite& row : rows) {
      upsert.reset();
      upsert.bind(1, import.tenant_id);
      upsert.bind(2, family);
      upsert.bind(3, detail::record_key(import.id, row));
      upsert.bind(4, detail::values_json(row));
      upsert.bind(5, import.id);
      upsert.bind(6, now);
      upsert.run();
    }
  }
  Statement checkpoint = c.prepare(
      "UPDATE imports SET last_committed_row = ?, rows_done = ?, bytes_done = ?, updated_at = ? WHERE id = ?");
  checkpoint.bind(1, static_cast<std::int64_t>(last_row));
  checkpoint.bind(2, static_cast<std::int64_t>(progress.rows_done));
  checkpoint.bind(3, static_cast<std::int64_t>(progress.bytes_done));
  checkpoint.bind(4, now);
  checkpoint.bind(5, import.id);
  checkpoint.run();
  t.commit();
}

std::vector<ImportKey> SqliteStore::expired_files(std::int64_t now) {
  Statement s = connection().prepare("SELECT tenant_id, id FROM imports WHERE files_expire_at > 0 AND files_expire_at < ?");
  s.bind(1, now);
  std::vector<ImportKey> out;
  while (s.step()) out.push_back(ImportKey{s.int64(0), s.text(1)});
  return out;
}

void SqliteStore::forget_files(std::int64_t tenant, const std::string& import_id) {
  Statement s = connection().prepare("UPDATE imports SET files_expire_at = 0 WHERE id = ? AND tenant_id = ?");
  s.bind(1, import_id);
  s.bind(2, tenant);
  s.run();
}

// ---- Idempotency --------------------------------------------------------------------------------

std::optional<IdempotentReply> SqliteStore::reserve_idempotency(std::int64_t tenant, const std::string& key,
                                                                const std::string& request_hash, std::int64_t now) {
  Connection& c = connection();
  Statement ins = c.prepare("INSERT OR IGNORE INTO idempotency (tenant_id, key, request_hash, created_at) VALUES (?, ?, ?, ?)");
  ins.bind(1, tenant);
  ins.bind(2, key);
  ins.bind(3, request_hash);
  ins.bind(4, now);
  ins.run();
  if (sqlite3_changes(c.db()) > 0) return std::nullopt;
  Statement s = c.prepare("SELECT request_hash, import_id, status, body, finished FROM idempotency WHERE tenant_id = ? AND key = ?");
  s.bind(1, tenant);
  s.bind(2, key);
  if (!s.step()) return std::nullopt;
  IdempotentReply r;
  r.request_hash = s.text(0);
  r.import_id = s.text(1);
  r.status = static_cast<int>(s.int64(2));
  r.body = s.text(3);
  r.finished = s.int64(4) != 0;
  return r;
}

void SqliteStore::finish_idempotency(std::int64_t tenant, const std::string& key, const std::string& import_id, int status,
                                     const std::string& body) {
  Statement s = connection().prepare(
      "UPDATE idempotency SET import_id = ?, status = ?, body = ?, finished = 1 WHERE tenant_id = ? AND key = ?");
  s.bind(1, import_id);
  s.bind(2, static_cast<std::int64_t>(status));
  s.bind(3, body);
  s.bind(4, tenant);
  s.bind(5, key);
  s.run();
}

void SqliteStore::release_idempotency(std::int64_t tenant, const std::string& key) {
  Statement s = connection().prepare("DELETE FROM idempotency WHERE tenant_id = ? AND key = ? AND finished = 0");
  s.bind(1, tenant);
  s.bind(2, key);
  s.run();
}

void SqliteStore::expire_idempotency(std::int64_t before) {
  Statement s = connection().prepare("DELETE FROM idempotency WHERE created_at < ? AND finished = 1");
  s.bind(1, before);
  s.run();
}

}  // namespace rowgate::server
